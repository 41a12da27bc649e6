"""Comments under a figure: an expander «Comentarios (n)» with the thread and a form to add one.

Each comment shows who wrote it, when (Bogotá time), the value it was about and the cut-off and
filters then in force, marked when today's value differs. ``thread`` serves one figure;
``figure_threads`` one section of several figures (the overview cards) so a row of cards keeps one
expander. Who reads which comment is decided by ``data_access.results.comments`` (scope).
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import plain
from data_access.edits.common import EditError
from data_access.overview.queries import filter_names
from data_access.results import comments as C
from exports.content import KeyFigure, filters_text
from rules import access
from rules.core.formatting import fmt_date, fmt_datetime

thread_rows = cached(C.thread)
_FLASH = "_comments_flash"


@cached(uses=(filter_names,))
def _filters_text(comment: dict, lang: str, url: str | None = None) -> str:
    return filters_text(C.filters_of(comment), lang, url)


def thread(ctx: PageContext, figure_key: str, value_text: str, label: str = "", key: str | None = None) -> None:
    """The thread of one figure (``figure_key``, e.g. ``alliance.headline``) shown as ``value_text``."""
    figure_threads(ctx, [(figure_key, label, value_text)], key=key or figure_key)


def figure_threads(ctx: PageContext, figures: Sequence[tuple[str, str, str]], key: str) -> None:
    """One expander for the threads of ``figures`` — (figure key, label, value shown) — with a form whose
    first field picks the figure when there are several."""
    t = ctx.t
    rows = {f: thread_rows(ctx.viewer, f, url=ctx.url) for f, _, _ in figures}
    total = sum(len(r) for r in rows.values())
    flash = st.session_state.get(_FLASH, {}).pop(key, None)
    with st.expander(t("comments.title", n=total), icon=":material/forum:", expanded=flash is not None):
        if flash is not None:
            (st.success if flash[0] == "ok" else st.error)(flash[1])
        if not total:
            st.caption(t("comments.empty"))
        for figure, label, value in figures:
            if rows[figure] and len(figures) > 1:
                st.markdown(f"**{plain(label)}** · {t('comments.now', value=plain(value))}")
            for r in rows[figure]:
                _comment(ctx, r, value)
        if access.allowed(ctx.viewer, access.COMMENT_FIGURES):
            _form(ctx, figures, rows, key)


def _comment(ctx: PageContext, r: dict, value_now: str) -> None:
    t = ctx.t
    meta = t("comments.meta", who=plain(r["username"]), when=fmt_datetime(r["at"], ctx.lang),
             value=plain(r["value_text"] or "—"), cutoff=fmt_date(r["cutoff"], ctx.lang),
             filters=plain(_filters_text(r, ctx.lang, url=ctx.url)))
    if r["value_text"] != value_now:
        meta += " · " + t("comments.differs", value=plain(value_now))
    lead = "↳ " * r["depth"]
    st.caption(f"{lead}#{r['id']} · {meta}")
    st.markdown(f"{lead}{plain(r['text'])}")


def _form(ctx: PageContext, figures, rows: dict, key: str) -> None:
    t = ctx.t
    labels = {f: label or f for f, label, _ in figures}
    values = {f: v for f, _, v in figures}
    with st.form(f"comments_{key}", clear_on_submit=False, border=False):
        figure = figures[0][0]
        if len(figures) > 1:
            figure = st.selectbox(t("comments.figure"), list(labels), format_func=labels.get, key=f"cm_fig_{key}")
        replies = {r["id"]: r for f in labels for r in rows[f]}
        parent = st.selectbox(t("comments.reply_to"), [None, *replies], key=f"cm_parent_{key}",
                              format_func=lambda i: t("comments.new_thread") if i is None else
                              f"#{i} · {replies[i]['username']}: {replies[i]['text'][:60]}")
        text = st.text_area(t("comments.text"), max_chars=C.MAX_TEXT, help=t("comments.text_help"),
                            key=f"cm_text_{key}")
        if not st.form_submit_button(t("comments.submit"), icon=":material/send:"):
            return
    if parent is not None:
        figure = replies[parent]["figure"]
    try:
        C.add(ctx.viewer, figure, values[figure], ctx.filters, text, parent_id=parent, url=ctx.url)
    except EditError as exc:
        outcome = ("error", exc.message)
    else:
        outcome = ("ok", t("comments.posted"))
        st.session_state.pop(f"cm_text_{key}", None)
    st.session_state.setdefault(_FLASH, {})[key] = outcome
    st.rerun()


def card_threads(ctx: PageContext, key_figures: Sequence[KeyFigure], key: str = "overview") -> None:
    """One thread section under a set of cards: each card's figure is ``<key>.<metric>``."""
    figure_threads(ctx, [(f"{key}.{k.key}", k.label, k.value) for k in key_figures], key=key)
