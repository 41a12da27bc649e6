"""Charts that filter the page: a click on a bar or a segment lands in the URL.

The mechanism of the alliance drill-down, for every chart: ``st.plotly_chart(...,
on_select=url_filter(key, to_params), selection_mode="points")``. The clicked point is
turned into query parameters by ``to_params`` (a pure function of the point, tested
without a browser), the page reads them back as its filter state, so a copied link
reproduces the filtered view, and a value a viewer may not see is dropped by the page's
usual validation. Clicking the value already chosen clears it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence

import streamlit as st


def points(event) -> list[dict]:
    """The points of a chart selection event (``st.plotly_chart`` return or session value)."""
    if not event:
        return []
    selection = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    if not selection:
        return []
    found = selection.get("points") if isinstance(selection, Mapping) else getattr(selection, "points", None)
    return list(found or [])


def point_key(point: Mapping, keys: Sequence[str] | None = None) -> list[str] | None:
    """What a clicked point stands for: its ``customdata`` (one value or a list), else the
    entry of ``keys`` at its index (a trace whose points are ``keys`` in order)."""
    custom = point.get("customdata")
    if custom not in (None, "", []):
        return [str(v) for v in custom] if isinstance(custom, list | tuple) else [str(custom)]
    index = point.get("point_index", point.get("point_number"))
    if keys is not None and isinstance(index, int) and 0 <= index < len(keys):
        return [str(keys[index])]
    return None


def apply_params(params: MutableMapping, wanted: Mapping[str, str | None]) -> None:
    """Write ``wanted`` into the query parameters: a value sets its parameter, ``None`` or
    ``""`` removes it. When every wanted value is already there, the click undoes the
    filter (the same bar clicked twice shows everything again)."""
    chosen = {k: v for k, v in wanted.items() if v not in (None, "")}
    if chosen and all(params.get(k) == v for k, v in chosen.items()):
        wanted = {k: None for k in chosen}
    for name, value in wanted.items():
        if value in (None, ""):
            if name in params:
                del params[name]
        elif params.get(name) != value:
            params[name] = str(value)


def url_filter(chart_key: str, to_params: Callable[[dict], Mapping[str, str | None] | None],
               widgets: Mapping[str, str] | None = None, show: Mapping[str, object] | None = None
               ) -> Callable[[], None]:
    """The ``on_select`` callback of the chart ``chart_key``: its first clicked point,
    through ``to_params``, into the URL. ``widgets`` (query parameter → widget key) names
    the page's own selectors of the same filters, set to match (a widget keeps its own
    value over the URL's otherwise); ``show`` (widget key → value) switches the page to
    where the filtered rows are shown (e.g. a view selector)."""

    def on_select() -> None:
        clicked = points(st.session_state.get(chart_key))
        if not clicked:
            return
        wanted = to_params(clicked[0])
        if not wanted:
            return
        apply_params(st.query_params, wanted)
        for param, widget in (widgets or {}).items():
            if param in wanted:
                st.session_state[widget] = st.query_params.get(param)
        for widget, value in (show or {}).items():
            st.session_state[widget] = value

    return on_select
