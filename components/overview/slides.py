"""The slide registry of the presentation mode: one small function per view.

Each view function returns the view's ``SlideData`` (``exports.content``: the same
content that goes into the committee pack), cached on the data versions of the queries
that view reads (``content.READS``); ``render`` draws any of them in large type with
cut-off date, scope and filters on top, the key figures, the chart (with its PNG), the
table (CSV/Excel) and the definition note.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from components.core.cache import cached
from components.core.chart_export import chart_with_png, png_button
from components.core.context import PageContext
from components.core.figures import Note, data_table, download_table, figure_note
from components.overview.cards import render_cards
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from exports import content
from exports.content import SlideData


def _build(view: str, viewer: Viewer, filters: GlobalFilters, lang: str, url: str | None = None) -> SlideData:
    return content.build_view(view, content.shared_context(viewer, filters, lang, url))


# one cache per view, keyed on that view's topics only (an alert edit keeps the ANS view cached)
# (by reach: a view depends on the records the viewer reaches, not on the role or the person)
_BUILDS = {view: cached(uses=content.READS[view], by_reach=True)(_build) for view in content.VIEWS}


def build(view: str, viewer: Viewer, filters: GlobalFilters, lang: str, url: str) -> SlideData:
    """A view's data, cached by scope and on the data versions the view reads."""
    return _BUILDS[view](view, viewer, filters, lang, url=url)


def _data(ctx: PageContext, view: str) -> SlideData:
    return build(view, ctx.viewer, ctx.filters, ctx.lang, ctx.url)


# ------------------------------------------------------------------ one function per view


def view_overview(ctx: PageContext) -> SlideData:
    return _data(ctx, "overview")


def view_map(ctx: PageContext) -> SlideData:
    return _data(ctx, "map")


def view_funnels(ctx: PageContext) -> SlideData:
    return _data(ctx, "funnels")


def view_sla(ctx: PageContext) -> SlideData:
    return _data(ctx, "sla")


def view_alliance(ctx: PageContext) -> SlideData:
    return _data(ctx, "alliance")


def view_alerts(ctx: PageContext) -> SlideData:
    return _data(ctx, "alerts")


def view_agreements(ctx: PageContext) -> SlideData:
    return _data(ctx, "agreements")


@dataclass(frozen=True)
class Slide:
    code: str
    build: Callable[[PageContext], SlideData]
    page: str  # the full page of the view (link "Abrir la página")
    icon: str


REGISTRY: dict[str, Slide] = {
    "overview": Slide("overview", view_overview, "pages/overview.py", ":material/dashboard:"),
    "map": Slide("map", view_map, "pages/map.py", ":material/map:"),
    "funnels": Slide("funnels", view_funnels, "pages/routes.py", ":material/conversion_path:"),
    "sla": Slide("sla", view_sla, "pages/sla.py", ":material/fact_check:"),
    "alliance": Slide("alliance", view_alliance, "pages/alliance.py", ":material/handshake:"),
    "alerts": Slide("alerts", view_alerts, "pages/map.py", ":material/warning:"),
    "agreements": Slide("agreements", view_agreements, "pages/agreements.py", ":material/task_alt:"),
}
assert set(REGISTRY) == set(content.VIEWS)


def note_context(ctx: PageContext) -> PageContext:
    """The page context with the scope label in the page's language (for ``figure_note``)."""
    label = content.scope_text(ctx.viewer, ctx.lang, ctx.url)
    return dataclasses.replace(ctx, viewer=dataclasses.replace(ctx.viewer, scope_label=label))


def render(ctx: PageContext, data: SlideData, *, big: bool = True, key: str = "slide",
           show_table: bool | None = None, per_row: int = 4) -> None:
    """Draw one view: header (title; cut-off, scope, filters), cards, chart, notes, table, note.

    ``big``: one screen of the presentation (:func:`render_slide`).
    """
    if big:
        render_slide(ctx, data, key=key)
        return
    _header(data)
    if data.key_figures:
        render_cards(ctx, data.key_figures, per_row=per_row, links=True, key=f"{key}_cards")
    render_chart_and_table(ctx, data, key=key, show_table=show_table)


def _header(data: SlideData) -> None:
    st.markdown(f'<h1 class="tb-slide-title">{_esc(data.title)}</h1>'
                f'<div class="tb-slide-sub">{_esc(data.subtitle)}</div>', unsafe_allow_html=True)


def render_slide(ctx: PageContext, data: SlideData, *, key: str = "slide") -> None:
    """One projected screen, never taller than the window: header and notes; the body
    (``slide_body``, whose height the presentation's style sets from the screen) with the
    chart filling what the key figures leave; the footer with the PNG, the table behind a
    button, the definition note and the source."""
    _header(data)
    for note in data.notes:
        st.warning("⚠ " + note)
    figures = data.key_figures
    basename = f"{data.view}_{ctx.filters.cutoff.isoformat()}"
    with st.container(key="slide_body"):
        if data.figure is None:
            if figures:
                render_cards(ctx, figures, per_row=min(4, len(figures)), links=False, key=f"{key}_cards",
                             size="big")
            if data.table is not None and len(data.table):
                data_table(data.table, hide_index=True, placeholder="—", width="stretch", height="stretch")
        elif len(figures) <= 6:
            left, right = st.columns([3, 1], gap="medium")
            with right:
                render_cards(ctx, figures, per_row=1, links=False, key=f"{key}_cards", size="side")
            with left:
                chart_with_png(ctx, data.figure, basename, key=f"{key}_{data.view}", height="stretch", png=False)
        else:  # many figures (the overview): two rows of cards above the chart
            render_cards(ctx, figures, per_row=-(-len(figures) // 2), links=False, key=f"{key}_cards",
                         size="big")
            chart_with_png(ctx, data.figure, basename, key=f"{key}_{data.view}", height="stretch", png=False)
    with st.container(key="slide_foot", horizontal=True, vertical_alignment="center", gap="medium"):
        if data.figure is not None:
            png_button(ctx, data.figure, basename, key=f"{key}_{data.view}")
            if data.table is not None and len(data.table):
                with st.popover(ctx.t("committee.table"), icon=":material/table_view:"):
                    data_table(data.table, hide_index=True, placeholder="—", width="stretch")
                    download_table(ctx, data.table, data.view, key=f"{key}_tbl", title=data.title,
                                   note=Note(data.definition))
        elif data.table is not None and len(data.table):
            download_table(ctx, data.table, data.view, key=f"{key}_tbl", title=data.title,
                           note=Note(data.definition))
        with st.container(key="slide_note"):
            figure_note(note_context(ctx), data.definition)
            st.caption(f"{ctx.t('committee.source')}: {data.source}")


def render_chart_and_table(ctx: PageContext, data: SlideData, *, big: bool = False, key: str = "slide",
                           show_table: bool | None = None) -> None:
    """Notes (⚠), chart with PNG, table with CSV/Excel, definition note and data source."""
    for note in data.notes:
        st.warning("⚠ " + note)
    stamp = ctx.filters.cutoff.isoformat()
    if data.figure is not None:
        chart_with_png(ctx, data.figure, f"{data.view}_{stamp}", key=f"{key}_{data.view}",
                       height=560 if big else 460)
    table_now = show_table if show_table is not None else (data.figure is None)
    if data.table is not None and len(data.table):
        box = st.container() if table_now else st.expander(ctx.t("committee.table"))
        with box:
            data_table(data.table, hide_index=True, placeholder="—", width="stretch")
            download_table(ctx, data.table, data.view, key=f"{key}_tbl", title=data.title,
                           note=Note(data.definition))
    figure_note(note_context(ctx), data.definition)
    st.caption(f"{ctx.t('committee.source')}: {data.source}")


def _esc(text: str) -> str:
    import html

    return html.escape(text)
