"""The submissions section of the «Reportes trimestrales» page.

An operator picks a quarter, sees its report's state (and the PMO's comment when it came back),
adds files (checked for its scope by the intake engine, kept until approval), removes them and
sends the report. The PMO sees the queue of reports waiting for review; for the one it opens, what
the report would change (records before → after and the quarter's figures that move, computed in
a transaction rolled back) and «Aprobar» / «Devolver» (comment required). A comité sees the states
of its region. Everyone sees «registro oportuno» for its scope (``components.sla.timeliness``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, plain
from components.core.widgets import file_input
from components.intake.report import counts_text, problem_tables
from components.intake.upload import report_quarters
from components.sla import timeliness
from data_access.edits.common import EditError
from data_access.reporting import submissions as subs
from exports.content import OVERVIEW_METRICS, signed
from rules import access
from rules.core.formatting import fmt_date, fmt_datetime, fmt_int, fmt_money, fmt_num, fmt_pct, quarter_label
from rules.reporting import cycle
from rules.routes.model import stage_name

listing = cached(subs.listing)
report_files = cached(subs.files)
_PREVIEW = "_reporting_preview"
_FLASH = "_reporting_flash"


def section(ctx: PageContext) -> None:
    """Draw the submissions section for the viewer of ``ctx``."""
    v = ctx.viewer
    if not access.allowed(v, access.SEE_REPORTS):
        return
    flash = st.session_state.pop(_FLASH, None)
    if flash:
        (st.success if flash[0] == "ok" else st.error)(plain(flash[1]))
    if v.is_operator and access.allowed(v, access.SUBMIT_REPORT):
        _operator(ctx)
    elif access.allowed(v, access.REVIEW_REPORT):
        _reviewer(ctx)
    else:
        st.subheader(ctx.t("reporting.sub.region"))
        _table(ctx, listing(v), "reporting_all")
    st.divider()
    timeliness.section(ctx, key="reporting")


def _state(ctx: PageContext, state: str | None) -> str:
    return ctx.t(f"reporting.state.{state}") if state else ctx.t("reporting.sub.none")


def _frame(ctx: PageContext, rows: list[dict]) -> pd.DataFrame:
    t = ctx.t
    return pd.DataFrame([{
        t("reporting.col.id"): r["id"], t("reporting.col.quarter"): quarter_label(r["quarter"], ctx.lang),
        t("reporting.col.operator"): r["operator_name"], t("reporting.col.state"): _state(ctx, r["state"]),
        t("reporting.col.files"): r.get("files"), t("reporting.col.submitted_by"): r["submitted_by"],
        t("reporting.col.submitted_at"): fmt_datetime(r["submitted_at"], ctx.lang) if r["submitted_at"] else None,
        t("reporting.col.reviewed_by"): r["reviewed_by"],
        t("reporting.col.reviewed_at"): fmt_datetime(r["reviewed_at"], ctx.lang) if r["reviewed_at"] else None,
        t("reporting.col.comment"): r["review_comment"] or None,
    } for r in rows], columns=[t(f"reporting.col.{c}") for c in (
        "id", "quarter", "operator", "state", "files", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at",
        "comment")])


def _table(ctx: PageContext, rows: list[dict], key: str) -> None:
    if not rows:
        st.info(ctx.t("reporting.sub.empty"), icon=":material/inbox:")
        return
    frame = _frame(ctx, rows)
    data_table(frame, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, frame, "reportes_trimestrales", key=f"{key}_dl")


def _files_table(ctx: PageContext, submission_id: int) -> list[dict]:
    files = report_files(ctx.viewer, submission_id)
    if not files:
        st.caption(ctx.t("reporting.sub.no_files"))
        return files
    t = ctx.t
    frame = pd.DataFrame([{t("reporting.col.file_id"): f["id"],
                           t("reporting.col.entity"): t(f"intake.entity.{f['entity']}"),
                           t("reporting.col.file"): f["file_name"], t("reporting.col.added_by"): f["added_by"],
                           t("reporting.col.counts"): counts_text(ctx, f["entity"], f["counts"]) or None}
                          for f in files])
    data_table(frame, hide_index=True, placeholder="—", width="stretch")
    return files


def _do(ctx: PageContext, fn, *args, done: str) -> None:
    """Run a step; its outcome is shown after the rerun that re-reads every figure."""
    try:
        fn(*args)
    except subs.NotValid as exc:
        st.session_state[_FLASH] = ("error", exc.message + " " + " ".join(str(p) for p in exc.problems[:5]))
    except EditError as exc:
        st.session_state[_FLASH] = ("error", exc.message)
    else:
        st.session_state[_FLASH] = ("ok", ctx.t(done))
    st.session_state.pop(_PREVIEW, None)
    st.rerun()


# ------------------------------------------------------------------ operator


def _operator(ctx: PageContext) -> None:
    t, v = ctx.t, ctx.viewer
    st.subheader(t("reporting.sub.mine"))
    quarter = st.selectbox(t("intake.report_quarter"), report_quarters(), key="reporting_quarter",
                           format_func=lambda q: quarter_label(q, ctx.lang))
    rows = listing(v, quarter)
    report = next((r for r in rows if r["state"] in cycle.OPEN_STATES), rows[0] if rows else None)
    label = quarter_label(quarter, ctx.lang)
    if report is None:
        st.info(t("reporting.sub.not_started", quarter=label), icon=":material/edit_note:")
    else:
        st.markdown(t("reporting.sub.state_line", id=report["id"], quarter=label, state=_state(ctx, report["state"])))
        if report["state"] == cycle.State.DEVUELTO:
            st.warning(t("reporting.sub.returned", who=plain(report["reviewed_by"] or ""),
                         when=fmt_datetime(report["reviewed_at"], ctx.lang), comment=plain(report["review_comment"])),
                       icon=":material/undo:")
        files = _files_table(ctx, report["id"])
        editable = cycle.State(report["state"]) in cycle.EDITABLE_STATES
        if editable and files:
            cols = st.columns([3, 1])
            with cols[0]:
                drop = st.selectbox(t("reporting.sub.remove_pick"), [f["id"] for f in files], key="reporting_remove_id",
                                    format_func=lambda i: plain(next(f["file_name"] for f in files if f["id"] == i)))
            with cols[1]:
                if st.button(t("reporting.sub.remove"), key="reporting_remove", icon=":material/delete:"):
                    _do(ctx, subs.remove_file, v, report["id"], drop, ctx.url, done="reporting.sub.removed")
        if editable:
            if st.button(t("reporting.sub.submit"), type="primary", key="reporting_submit", icon=":material/send:",
                         disabled=not files, help=t("reporting.sub.submit_help")):
                _do(ctx, subs.submit, v, report["id"], report["version"], ctx.url, done="reporting.sub.submitted")
        if report["state"] == cycle.State.ENVIADO:  # with the PMO: nothing to add until it comes back
            return
    _add_file(ctx, quarter)  # an approved report is final: a correction starts a new one


def _add_file(ctx: PageContext, quarter: str) -> None:
    t = ctx.t
    st.markdown(f"**{t('reporting.sub.add')}**")
    entity = st.selectbox(t("intake.entity"), list(cycle.ENTITIES), key="reporting_entity",
                          format_func=lambda e: t(f"intake.entity.{e}"))
    file = file_input(ctx, t("intake.file"), ["xlsx", "csv"], key=f"reporting_file_{entity}")
    if file is None:
        return
    if st.button(t("intake.add_to_report", quarter=quarter_label(quarter, ctx.lang)), key="reporting_add",
                 icon=":material/outbox:"):
        try:
            added, _ = subs.into_report(ctx.viewer, quarter, entity, file.getvalue(), file.name, ctx.url)
        except EditError as exc:
            st.error(plain(exc.message))
            return
        if added.file_id is None:
            st.error(plain(added.report.message))
            problem_tables(ctx, added.report)
            return
        st.session_state[_FLASH] = ("ok", t("reporting.sub.added", file=file.name))
        st.rerun()


# ------------------------------------------------------------------ reviewer


def _reviewer(ctx: PageContext) -> None:
    t, v = ctx.t, ctx.viewer
    st.subheader(t("reporting.sub.queue"))
    rows = listing(v)
    queue = [r for r in rows if r["state"] in cycle.PENDING_STATES]
    if not queue:
        st.info(t("reporting.sub.queue_empty"), icon=":material/task_alt:")
    else:
        pick = st.selectbox(t("reporting.sub.pick"), [r["id"] for r in queue], key="reporting_pick",
                            format_func=lambda i: _queue_label(ctx, next(r for r in queue if r["id"] == i)))
        _review(ctx, next(r for r in queue if r["id"] == pick))
    with st.expander(t("reporting.sub.all"), expanded=not queue):
        _table(ctx, rows, "reporting_all")


def _queue_label(ctx: PageContext, r: dict) -> str:
    return (f"{r['id']} · {r['operator_name']} · {quarter_label(r['quarter'], ctx.lang)} · "
            f"{fmt_datetime(r['submitted_at'], ctx.lang)}")


def _review(ctx: PageContext, r: dict) -> None:
    t, v = ctx.t, ctx.viewer
    st.markdown(t("reporting.sub.review_line", id=r["id"], operator=plain(r["operator_name"]),
                  quarter=quarter_label(r["quarter"], ctx.lang), who=plain(r["submitted_by"] or ""),
                  when=fmt_datetime(r["submitted_at"], ctx.lang)))
    _files_table(ctx, r["id"])
    key = (r["id"], r["version"], tuple(sorted(ctx.versions.items())))  # any write since: computed again
    stored = st.session_state.get(_PREVIEW)
    if not stored or stored[0] != key:
        with st.spinner(t("reporting.sub.previewing")):
            try:
                stored = (key, subs.preview(v, r["id"], ctx.url))
            except EditError as exc:
                st.error(plain(exc.message))
                return
        st.session_state[_PREVIEW] = stored
    _preview(ctx, stored[1])
    mine = v.username in {r["created_by"], r["submitted_by"]}
    if mine:
        st.warning(t("reporting.sub.own"), icon=":material/block:")
    c1, c2 = st.columns(2)
    with c1:
        if st.button(t("reporting.sub.approve"), type="primary", key="reporting_approve", disabled=mine,
                     icon=":material/check:", help=t("reporting.sub.approve_help")):
            _do(ctx, subs.approve, v, r["id"], r["version"], ctx.url, done="reporting.sub.approved")
    with c2:
        comment = st.text_area(t("reporting.sub.comment"), key=f"reporting_comment_{r['id']}",
                               help=t("reporting.sub.comment_help"))
        if st.button(t("reporting.sub.return"), key="reporting_return", disabled=mine, icon=":material/undo:"):
            _do(ctx, subs.return_, v, r["id"], r["version"], comment, ctx.url, done="reporting.sub.returned_done")


def _value(value, lang: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return fmt_int(value, lang)
    if isinstance(value, float):
        return fmt_num(value, 2, lang)
    if isinstance(value, dt.datetime):
        return fmt_datetime(value, lang)
    if isinstance(value, dt.date):
        return fmt_date(value, lang)
    return str(value)


_METRIC_KINDS = {metric: kind for metric, kind, _page in OVERVIEW_METRICS}
_SAME_AS = {"alliance.percent": "overview.alliance", "sla.score": "overview.sla"}
"""Figures the preview lists under the overview card that shows the same value."""


def _figure(ctx: PageContext, key: str) -> tuple[str, str]:
    """A preview figure's name as the pages say it, and its kind (int, money, pct)."""
    area, _, rest = key.partition(".")
    if area == "overview":
        return ctx.t(f"committee.kpi.{rest}"), _METRIC_KINDS.get(rest, "int")
    if area == "alliance":
        return ctx.t(f"reporting.fig.alliance_{rest}"), "int"
    if area == "funnel":
        route, _, stage = rest.partition(".")
        return ctx.t("reporting.fig.funnel", route=ctx.t(f"route.{route}"),
                     stage=stage_name(stage, ctx.lang, funnel=True)), "int"
    return key, "int"


def _figure_rows(ctx: PageContext, figures: list[dict]) -> pd.DataFrame:
    """Each figure that moves once, named and formatted as on its page; a change of a share in points."""
    lang, t = ctx.lang, ctx.t
    shown = {f["figure"] for f in figures}
    rows = []
    for f in figures:
        if _SAME_AS.get(f["figure"]) in shown:
            continue
        name, kind = _figure(ctx, f["figure"])
        fmt = {"money": lambda v: fmt_money(v, lang), "pct": lambda v: fmt_pct(v, 1, lang)}.get(
            kind, lambda v: fmt_int(v, lang))
        delta = f["delta"]
        change = (None if delta is None else
                  f"{signed(delta, lambda v: fmt_num(v, 1, lang))} {t('committee.pp')}" if kind == "pct" else
                  signed(delta, fmt))
        rows.append({t("reporting.col.figure"): name,
                     t("reporting.col.before"): None if f["before"] is None else fmt(f["before"]),
                     t("reporting.col.after"): None if f["after"] is None else fmt(f["after"]),
                     t("reporting.col.delta"): change})
    return pd.DataFrame(rows)


def _preview(ctx: PageContext, p: subs.Preview) -> None:
    t = ctx.t
    st.markdown(f"**{t('reporting.sub.figures')}**")
    if p.figures:
        figures = _figure_rows(ctx, p.figures)
        data_table(figures, hide_index=True, placeholder="—", width="stretch")
        download_table(ctx, figures, f"cambios_cifras_{p.submission['id']}", key="reporting_dl_figures")
    else:
        st.caption(t("reporting.sub.no_figure_moves"))
    st.markdown(f"**{t('reporting.sub.records')}**")
    rows = []
    for f in p.files:
        if not f["ok"]:
            st.error(t("reporting.sub.file_invalid", file=plain(f["file_name"])) + " " + plain(f["message"]))
        for r in f["records"]:
            for field, (before, after) in r["changes"].items():
                rows.append({t("reporting.col.file"): f["file_name"], t("reporting.col.sheet"): r["sheet"],
                             t("reporting.col.action"): t(f"reporting.action.{r['action']}"),
                             t("reporting.col.record"): r.get("record") or r["id"], t("reporting.col.field"): field,
                             t("reporting.col.before"): _value(before, ctx.lang),
                             t("reporting.col.after"): _value(after, ctx.lang)})
        st.caption(t("reporting.sub.file_counts", file=plain(f["file_name"]),
                     counts=counts_text(ctx, f["entity"], f["counts"]) or "—", shown=len(f["records"])))
    if rows:
        frame = pd.DataFrame(rows)
        data_table(frame, hide_index=True, placeholder="—", width="stretch")
        download_table(ctx, frame, f"cambios_registros_{p.submission['id']}", key="reporting_dl_records")
