"""A plotly chart with a "Descargar PNG" button: the PNG is rendered by kaleido (local
Chromium, no CDN) only when the button is clicked, and cached per figure."""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict

import plotly.graph_objects as go
import streamlit as st

from components.core.context import PageContext

_CACHE: OrderedDict[str, bytes] = OrderedDict()
_LOCK = threading.Lock()
_MAX = 64


def png_bytes(fig_json: str) -> bytes:
    """PNG of a figure given as plotly JSON; LRU-cached on the JSON's hash."""
    digest = hashlib.sha256(fig_json.encode("utf-8")).hexdigest()
    with _LOCK:
        if digest in _CACHE:
            _CACHE.move_to_end(digest)
            return _CACHE[digest]
    import plotly.io as pio

    from exports.charts import render_png

    data = render_png(pio.from_json(fig_json))
    with _LOCK:
        _CACHE[digest] = data
        while len(_CACHE) > _MAX:
            _CACHE.popitem(last=False)
    return data


def chart_with_png(ctx: PageContext, fig: go.Figure, basename: str, key: str, height: int | str | None = None,
                   png: bool = True) -> None:
    """Show ``fig`` and offer its PNG (rendered on demand).

    ``height``: pixels, or ``"stretch"`` to fill a container whose height the layout fixes (a
    slide sized from the screen); ``png=False`` leaves the button to :func:`png_button`.
    """
    if height == "stretch":
        fig = go.Figure(fig)  # the cached figure keeps its own height
        fig.update_layout(height=None, autosize=True)
    elif height:
        fig.update_layout(height=height)
    # theme=None: the figure's own large fonts and Okabe–Ito colours, as in the exported PNG
    st.plotly_chart(fig, key=f"{key}_chart", theme=None, config={"displaylogo": False, "responsive": True},
                    height="stretch" if height == "stretch" else "content")
    if png:
        png_button(ctx, fig, basename, key)


def png_button(ctx: PageContext, fig: go.Figure, basename: str, key: str) -> None:
    """The "Descargar PNG" button of ``fig`` (the image is made on click)."""
    fig_json = fig.to_json()
    st.download_button(
        ctx.t("committee.download_png"),
        data=lambda: png_bytes(fig_json),
        file_name=f"{basename}.png",
        mime="image/png",
        key=f"{key}_png",
        icon=":material/image:",
        on_click="ignore",
    )
