"""«Comités y compromisos»: record a session with its agreements, list and filter the agreements in
scope (overdue in words and symbol), follow one up (status + note), download a session's acta."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note
from components.edit.common import date_field, saved, show_flash, show_refusal
from data_access.edits.common import EditError, ValidationFailed
from data_access.results import agreements as A
from exports import acta
from rules import access
from rules.core.clock import today
from rules.core.formatting import fmt_date
from rules.results import agreements as R

agreement_rows = cached(A.agreements)
session_rows = cached(A.sessions)
session_detail = cached(A.session_detail)
office_rows = cached(A.offices)
CLEAR = (agreement_rows, session_rows, session_detail)
SLOTS = 3  # agreements recorded with a session at once


def _status(ctx: PageContext, status: str) -> str:
    return acta.status_text(status, ctx.lang)


def _frame(ctx: PageContext, rows: list[dict]) -> pd.DataFrame:
    t = ctx.t
    return pd.DataFrame([{
        t("agreements.col.id"): r["id"],
        t("agreements.col.session"): (f"{r['session_title']} ({fmt_date(r['session_date'], ctx.lang)})"
                                      if r["session_id"] else None),
        t("agreements.col.subject"): f"{t('agreements.subject.' + r['subject_kind'])} {r['subject_code']}",
        t("agreements.col.office"): r["office"] or t("agreements.national"),
        t("agreements.col.description"): r["description"],
        t("agreements.col.responsible"): r["responsible"],
        t("agreements.col.due"): fmt_date(r["due_on"], ctx.lang),
        t("agreements.col.status"): _status(ctx, r["shown_status"]),
    } for r in rows])


def section(ctx: PageContext) -> None:
    """Draw the agreements page for the viewer of ``ctx``."""
    t = ctx.t
    st.caption(t("agreements.intro"))
    show_flash(ctx)
    manager = access.allowed(ctx.viewer, access.MANAGE_AGREEMENTS)
    if not manager:
        st.info(t("agreements.readonly"), icon=":material/visibility:")
    sessions = session_rows(ctx.viewer, url=ctx.url)
    _list(ctx, sessions)
    if manager:
        rows = agreement_rows(ctx.viewer, url=ctx.url)
        st.subheader(t("agreements.follow.header"))
        _follow_up(ctx, rows)
        with st.expander(t("agreements.session.header"), icon=":material/groups:"):
            _session_form(ctx)
    _acta(ctx, sessions)


def _list(ctx: PageContext, sessions: list[dict]) -> None:
    t = ctx.t
    st.subheader(t("agreements.list.header"))
    c1, c2 = st.columns(2)
    status = c1.selectbox(t("agreements.filter.status"), [None, *R.STATUSES], key="ag_status",
                          format_func=lambda s: t("agreements.filter.all") if s is None else _status(ctx, s))
    labels = {s["id"]: f"{s['title']} ({fmt_date(s['held_on'], ctx.lang)})" for s in sessions}
    session = c2.selectbox(t("agreements.filter.session"), [None, *labels], key="ag_session",
                           format_func=lambda s: t("agreements.filter.all") if s is None else labels[s])
    rows = agreement_rows(ctx.viewer, status=status, session_id=session, url=ctx.url)
    note = figure_note(ctx, t("agreements.def"))
    if not rows:
        st.caption(t("agreements.none"))
        return
    frame = _frame(ctx, rows)
    data_table(frame, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, frame, "compromisos", key="ag_dl", note=note, title=t("agreements.list.header"))


def _follow_up(ctx: PageContext, rows: list[dict]) -> None:
    t = ctx.t
    if not rows:
        st.caption(t("agreements.none"))
        return
    labels = {r["id"]: f"#{r['id']} · {r['description'][:60]} · {_status(ctx, r['shown_status'])}" for r in rows}
    aid = st.selectbox(t("agreements.follow.agreement"), list(labels), format_func=labels.get,
                       key="ag_pick")
    current = next(r for r in rows if r["id"] == aid)
    with st.form(f"ag_follow_{aid}_{current['version']}"):
        status = st.selectbox(t("agreements.follow.status"), R.STORED_STATUSES,
                              index=R.STORED_STATUSES.index(current["status"]),
                              format_func=lambda s: _status(ctx, s))
        note = st.text_area(t("agreements.follow.note"), max_chars=R.MAX_DESCRIPTION)
        go = st.form_submit_button(t("agreements.follow.save"), type="primary")
    if go:
        try:
            A.follow_up(ctx.viewer, aid, current["version"], status, note, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc)
        else:
            saved(ctx, t("agreements.follow.saved"), clear=CLEAR)


def _session_form(ctx: PageContext) -> None:
    t = ctx.t
    offices = office_rows(url=ctx.url)
    if ctx.viewer.is_regional:
        choices = [o["id"] for o in offices if o["id"] == ctx.viewer.regional_office_id]
    else:
        choices = [None, *(o["id"] for o in offices)]
    names = {o["id"]: o["name"] for o in offices}
    st.caption(t("agreements.session.figures_note"))
    with st.form("ag_session"):
        c1, c2 = st.columns(2)
        held_on = date_field(c1, t("agreements.session.date"), today())
        office = c2.selectbox(t("agreements.session.committee"), choices,
                              format_func=lambda o: t("agreements.national") if o is None else names[o])
        title = st.text_input(t("agreements.session.title"), max_chars=200)
        participants = st.text_area(t("agreements.session.participants"), max_chars=2000)
        st.caption(t("agreements.session.item_help"))
        items = []
        for n in range(1, SLOTS + 1):
            st.markdown(f"**{t('agreements.session.item', n=n)}**")
            a, b = st.columns([1, 2])
            kind = a.selectbox(t("agreements.field.subject_kind"), R.SUBJECT_KINDS, key=f"ag_kind_{n}",
                               index=R.SUBJECT_KINDS.index("municipio"),
                               format_func=lambda k: t("agreements.subject." + k))
            code = b.text_input(t("agreements.field.subject_code"), key=f"ag_code_{n}", max_chars=40)
            text = st.text_input(t("agreements.field.description"), key=f"ag_text_{n}",
                                 max_chars=R.MAX_DESCRIPTION)
            c, d = st.columns(2)
            who = c.text_input(t("agreements.field.responsible"), key=f"ag_who_{n}", max_chars=160)
            due = date_field(d, t("agreements.field.due_on"), today(), key=f"ag_due_{n}")
            items.append({"subject_kind": kind, "subject_code": code, "description": text, "responsible": who,
                          "due_on": due})
        go = st.form_submit_button(t("agreements.session.save"), type="primary")
    if go:
        _save_session(ctx, held_on, office, title, participants, [i for i in items if i["description"].strip()])


def _save_session(ctx: PageContext, held_on, office, title, participants, items) -> None:
    """The session and its agreements, all or nothing (each agreement checked first, then the store)."""
    errors = [e for item in items for e in R.validate_agreement(item)]
    if errors:
        show_refusal(ctx, ValidationFailed(errors))
        return
    try:
        figures = acta.session_figures(ctx.viewer, office, held_on, url=ctx.url)
        A.record_session(ctx.viewer, {"held_on": held_on, "regional_office": office, "title": title,
                                      "participants": participants, "figures": figures}, items, url=ctx.url)
    except EditError as exc:
        show_refusal(ctx, exc)
        return
    saved(ctx, ctx.t("agreements.session.saved", n=len(items)), clear=CLEAR)


def _acta(ctx: PageContext, sessions: list[dict]) -> None:
    t = ctx.t
    st.subheader(t("agreements.acta.header"))
    if not sessions:
        st.caption(t("agreements.no_sessions"))
        return
    labels = {s["id"]: f"{s['title']} ({fmt_date(s['held_on'], ctx.lang)})" for s in sessions}
    sid = st.selectbox(t("agreements.acta.session"), list(labels), format_func=labels.get,
                       key="ag_acta")
    detail = session_detail(ctx.viewer, sid, url=ctx.url)
    if detail is None:
        return
    c1, c2 = st.columns(2)
    c1.download_button(t("agreements.acta.pdf"), lambda: acta.acta_pdf(detail, ctx.lang),
                       file_name=acta.file_name(detail, "pdf"), mime="application/pdf", key="ag_acta_pdf",
                       on_click="ignore", icon=":material/picture_as_pdf:")
    c2.download_button(t("agreements.acta.docx"), lambda: acta.acta_docx(detail, ctx.lang),
                       file_name=acta.file_name(detail, "docx"),
                       mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                       key="ag_acta_docx", on_click="ignore", icon=":material/description:")
