"""The periods section of the «Reportes trimestrales» page: the quarters and their closes, the
PMO's «Cerrar trimestre», the administrator's «Reabrir» and the restatement list of a closed
quarter (``?restate=2026Q2`` opens it: the pages' «Cifra oficial» banners link there).

Closes, reopens and restatements come from ``data_access.reporting`` (scoped, audited);
who may close or reopen is ``rules.access`` ``CLOSE_PERIOD`` / ``REOPEN_PERIOD``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import streamlit as st

from components.audit.log import _label  # the audit page's labels of actions and entities
from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import Note, data_table, download_table, figure_note, plain
from data_access.edits.common import EditError
from data_access.reporting import periods, restatements
from exports.official import RESTATE_PARAM
from rules import access
from rules.core.calendar import last_quarter_end, quarter_end, quarter_of, trailing_quarter_ends
from rules.core.clock import today
from rules.core.formatting import bogota_time, fmt_date, fmt_datetime, fmt_int, fmt_num, fmt_pct, quarter_label
from rules.routes.model import stage_name

CLOSABLE_QUARTERS = 8  # the ended quarters offered to close, newest first
FLASH = "pr_flash"

closes = cached(periods.periods)
official_set = cached(periods.official)
restated = cached(restatements.restatements)


def ended_quarters(count: int = CLOSABLE_QUARTERS) -> list[str]:
    """The last ``count`` quarters that have ended (a quarter closes from the day after its end), newest first."""
    last = last_quarter_end(today() - dt.timedelta(days=1))
    return [quarter_of(e) for e in reversed(trailing_quarter_ends(last, count))]


def _closed_now(rows: list[dict]) -> list[str]:
    return [r["quarter"] for r in rows if r["state"] == "cerrado"]


def _state(ctx: PageContext, state: str) -> str:
    icons = {"cerrado": "🔒", "reabierto": "↺", "abierto": "○"}  # never by colour alone
    return f"{icons[state]} {ctx.t('official.state.' + state)}"


def _pending_text(ctx: PageContext, pending: list[dict]) -> str:
    return ", ".join(f"{p['operator_name']} ({p['operator_code']})" for p in pending) or ctx.t("official.none")


def quarters_table(ctx: PageContext, rows: list[dict]) -> pd.DataFrame:
    """Every close (newest quarter first) and the ended quarters never closed («abierto»)."""
    t, lang = ctx.t, ctx.lang
    seen = {r["quarter"] for r in rows}
    entries = list(rows) + [{"quarter": q, "state": "abierto"} for q in ended_quarters() if q not in seen]
    entries.sort(key=lambda r: r["quarter"], reverse=True)
    return pd.DataFrame([{
        t("official.col.quarter"): quarter_label(r["quarter"], lang),
        t("official.col.state"): _state(ctx, r["state"]),
        t("official.col.closed_by"): r.get("closed_by"),
        t("official.col.closed_at"): fmt_datetime(r.get("closed_at"), lang) if r.get("closed_at") else None,
        t("official.col.sha"): r["sha256"][:12] if r.get("sha256") else None,
        t("official.col.pending"): _pending_text(ctx, r["pending"]) if "pending" in r else None,
        t("official.col.reason"): r.get("reason") or None,
        t("official.col.reopened_by"): r.get("reopened_by"),
        t("official.col.reopened_at"): fmt_datetime(r["reopened_at"], lang) if r.get("reopened_at") else None,
        t("official.col.reopen_reason"): r.get("reopen_reason") or None,
    } for r in entries])


# ------------------------------------------------------------------ actions (callbacks: run before the page)


def _flash(kind: str, text: str) -> None:
    st.session_state[FLASH] = (kind, text)


def _do_close(ctx: PageContext, pending: bool) -> None:
    quarter = st.session_state.get("pr_close_quarter")
    reason = (st.session_state.get("pr_close_reason") or "").strip()
    if not quarter:
        return
    if pending and not reason:
        _flash("error", ctx.t("official.close.reason_needed", quarter=quarter_label(quarter, ctx.lang)))
        return
    try:
        done = periods.close(ctx.viewer, quarter, reason, url=ctx.url)
    except EditError as exc:
        _flash("error", exc.message)
        return
    st.session_state["pr_close_reason"] = ""
    _flash("success", ctx.t("official.close.done", quarter=quarter_label(quarter, ctx.lang),
                            sha=done.sha256[:12], scopes=fmt_int(done.scopes, ctx.lang)))


def _do_reopen(ctx: PageContext) -> None:
    quarter = st.session_state.get("pr_reopen_quarter")
    reason = (st.session_state.get("pr_reopen_reason") or "").strip()
    if not quarter:
        return
    if not reason:
        _flash("error", ctx.t("official.reopen.reason_needed", quarter=quarter_label(quarter, ctx.lang)))
        return
    try:
        periods.reopen(ctx.viewer, quarter, reason, url=ctx.url)
    except EditError as exc:
        _flash("error", exc.message)
        return
    st.session_state["pr_reopen_reason"] = ""
    _flash("success", ctx.t("official.reopen.done", quarter=quarter_label(quarter, ctx.lang)))


# ------------------------------------------------------------------ forms


def close_form(ctx: PageContext, rows: list[dict]) -> None:
    """«Cerrar trimestre»: an ended quarter not closed now; a reason, required while reports wait for review."""
    t, lang = ctx.t, ctx.lang
    closed = set(_closed_now(rows))
    options = [q for q in ended_quarters() if q not in closed]
    st.markdown(f"**{t('official.close.title')}**")
    st.caption(t("official.close.help"))
    if not options:
        st.info(t("official.close.nothing"))
        return
    if st.session_state.get("pr_close_quarter") not in options:
        st.session_state["pr_close_quarter"] = options[0]
    quarter = st.selectbox(t("official.close.quarter"), options, key="pr_close_quarter",
                           format_func=lambda q: quarter_label(q, lang))
    pending = periods.pending_submissions(quarter, url=ctx.url)
    if pending:
        st.warning(t("official.close.pending", n=fmt_int(len(pending), lang), quarter=quarter_label(quarter, lang),
                     names=plain(_pending_text(ctx, pending))), icon=":material/pending_actions:")
    st.text_area(t("official.close.reason_required" if pending else "official.close.reason"), key="pr_close_reason",
                 max_chars=1000)
    st.button(t("official.close.button", quarter=quarter_label(quarter, lang)), key="pr_close_btn", type="primary",
              icon=":material/lock:", on_click=_do_close, args=(ctx, bool(pending)))


def reopen_form(ctx: PageContext, rows: list[dict]) -> None:
    """«Reabrir» (administrators): a closed quarter and the reason, which is required and audited."""
    t, lang = ctx.t, ctx.lang
    closed = _closed_now(rows)
    st.markdown(f"**{t('official.reopen.title')}**")
    if not closed:
        st.caption(t("official.reopen.nothing"))
        return
    if st.session_state.get("pr_reopen_quarter") not in closed:
        st.session_state["pr_reopen_quarter"] = closed[0]
    quarter = st.selectbox(t("official.reopen.quarter"), closed, key="pr_reopen_quarter",
                           format_func=lambda q: quarter_label(q, lang))
    st.text_area(t("official.reopen.reason"), key="pr_reopen_reason", max_chars=1000)
    st.button(t("official.reopen.button", quarter=quarter_label(quarter, lang)), key="pr_reopen_btn",
              icon=":material/lock_open:", on_click=_do_reopen, args=(ctx,))


# ------------------------------------------------------------------ restatements


def _number(value, lang: str, signed: bool = False) -> str | None:
    """A figure's value as shown (es-CO: «71,4», «1.234»); ``signed``: a difference («+1», «−4,8»)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int | float):
        return None if value is None else str(value)
    text = fmt_num(abs(value) if signed else value, 1, lang) if isinstance(value, float) else \
        fmt_int(abs(value) if signed else value, lang)
    return (("+" if value > 0 else "−" if value < 0 else "±") + text) if signed else text


def _group(ctx: PageContext, figure: str, group: str) -> str:
    if group == "total":
        return ctx.t("official.group.total")
    if figure == "overview":
        return ctx.t(f"committee.kpi.{group}")
    if figure == "funnel" and "/" in group:
        route, stage = group.split("/", 1)
        return f"{ctx.t('route.' + route)} · {stage_name(stage, ctx.lang, funnel=True)}"
    return group


def figure_changes_table(ctx: PageContext, changes: list[dict]) -> pd.DataFrame:
    t = ctx.t
    return pd.DataFrame([{
        t("official.col.figure"): t("official.fig." + c["figure"]),
        t("official.col.group"): _group(ctx, c["figure"], c["group"]),
        t("official.col.measure"): t("official.measure." + c["measure"]),
        t("official.col.official"): _number(c["official"], ctx.lang),
        t("official.col.live"): _number(c["live"], ctx.lang),
        t("official.col.delta"): _number(c["delta"], ctx.lang, signed=True),
    } for c in changes], columns=[t("official.col." + k) for k in
                                  ("figure", "group", "measure", "official", "live", "delta")])


def write_text(ctx: PageContext, write: dict) -> str:
    """«Importación de matriz.xlsx» / «Anulación · Evidencia de alianza 812» (the audit page's labels)."""
    if write["action"] == "import":
        return ctx.t("official.write.import", file=write["detail"])
    action = _label(ctx, "audit.action", write["action"])
    return ctx.t("official.write.edit", action=action[:1].upper() + action[1:],
                 entity=_label(ctx, "audit.entity_name", write["entity"]), record=write["record"])


def plan_changes_table(ctx: PageContext, plans: list[dict]) -> pd.DataFrame:
    """One row per PN and write after the close (a PN no write explains: one row, «—»)."""
    t, lang = ctx.t, ctx.lang

    def status(s):
        return t("alliance.status." + s) if s else t("official.absent")

    rows = []
    for p in plans:
        base = {t("official.col.plan"): p["code"], t("official.col.official_status"): status(p["official_status"]),
                t("official.col.live_status"): status(p["live_status"])}
        for w in p["writes"] or [None]:
            rows.append({**base,
                         t("official.col.changed_by"): w["username"] if w else None,
                         t("official.col.changed_at"): fmt_datetime(w["at"], lang) if w else None,
                         t("official.col.change"): write_text(ctx, w) if w else None})
    return pd.DataFrame(rows, columns=[t("official.col." + k) for k in (
        "plan", "official_status", "live_status", "changed_by", "changed_at", "change")])


def sla_changes_table(ctx: PageContext, writes: list[dict]) -> pd.DataFrame:
    t, lang = ctx.t, ctx.lang
    return pd.DataFrame([{
        t("official.col.contract"): w["contract_code"], t("official.col.operator"): w["operator_code"],
        t("official.col.sla"): w["definition_code"], t("official.col.value"): _number(w["value"], lang),
        t("official.col.changed_by"): w["username"], t("official.col.changed_at"): fmt_datetime(w["at"], lang),
    } for w in writes], columns=[t("official.col." + k) for k in (
        "contract", "operator", "sla", "value", "changed_by", "changed_at")])


def official_line(ctx: PageContext, quarter: str) -> str | None:
    """«Indicador de alianzas oficial (alcance): 71,4 % (15/21)» of the viewer's scope."""
    found = official_set(ctx.viewer, quarter, url=ctx.url)
    if not found:
        return None
    total = found["figures"]["alliance"]
    return ctx.t("official.restate.alliance", scope=plain(ctx.viewer.scope_label),
                 value=fmt_pct(total["percent"], 1, ctx.lang), num=fmt_int(total["numerator"], ctx.lang),
                 den=fmt_int(total["denominator"], ctx.lang))


def restatement_section(ctx: PageContext, rows: list[dict]) -> None:
    """The restatement list of a closed quarter (``?restate=`` picks it): figures that moved
    (official, live, delta), the PN and ANS values written after the close, by whom and when."""
    t, lang = ctx.t, ctx.lang
    closed = _closed_now(rows)
    st.subheader(t("official.restate.title"))
    st.caption(t("official.restate.help"))
    if not closed:
        st.info(t("official.restate.nothing"))
        return
    wanted = st.query_params.get(RESTATE_PARAM)
    if st.session_state.get("pr_restate") not in closed:
        st.session_state["pr_restate"] = wanted if wanted in closed else closed[0]
    quarter = st.selectbox(t("official.restate.quarter"), closed, key="pr_restate",
                           format_func=lambda q: quarter_label(q, lang))
    if st.query_params.get(RESTATE_PARAM) != quarter:
        st.query_params[RESTATE_PARAM] = quarter
    data = restated(ctx.viewer, quarter, url=ctx.url)
    closed_on = fmt_date(bogota_time(data["closed_at"]).date(), lang)
    st.markdown(t("official.restate.closed", quarter=quarter_label(quarter, lang), date=closed_on,
                  user=plain(data["closed_by"])))
    line = official_line(ctx, quarter)
    if line:
        st.markdown(line)
    if not (data["figures"] or data["plans"] or data["sla"]):
        st.success(t("official.restate.none", quarter=quarter_label(quarter, lang)), icon=":material/check:")
        return
    ctx = dataclasses.replace(ctx, filters=ctx.filters.with_(cutoff=quarter_end(quarter)))  # notes and files: its end
    note = figure_note(ctx, t("official.restate.note", quarter=quarter_label(quarter, lang), date=closed_on))
    stem = f"reexpresiones_{quarter}"
    figures = figure_changes_table(ctx, data["figures"])
    st.markdown(f"**{t('official.restate.figures', n=fmt_int(len(figures), lang))}**")
    data_table(figures, hide_index=True, placeholder="—")
    download_table(ctx, figures, f"{stem}_cifras", key="pr_dl_figures", note=note)
    plans = plan_changes_table(ctx, data["plans"])
    st.markdown(f"**{t('official.restate.plans', n=fmt_int(len(data['plans']), lang))}**")
    if data["plans"]:
        data_table(plans, hide_index=True, placeholder="—")
        download_table(ctx, plans, f"{stem}_pn", key="pr_dl_plans", note=note)
    sla = sla_changes_table(ctx, data["sla"])
    st.markdown(f"**{t('official.restate.sla', n=fmt_int(len(sla), lang))}**")
    if data["sla"]:
        data_table(sla, hide_index=True, placeholder="—")
        download_table(ctx, sla, f"{stem}_ans", key="pr_dl_sla", note=note)


# ------------------------------------------------------------------ the section


def section(ctx: PageContext) -> None:
    """Draw the periods section for the viewer of ``ctx``."""
    t = ctx.t
    st.header(t("official.periods.title"))
    st.caption(t("official.periods.intro"))
    flash = st.session_state.pop(FLASH, None)
    if flash:
        (st.error if flash[0] == "error" else st.success)(plain(flash[1]))
    rows = closes(ctx.viewer, url=ctx.url)
    table = quarters_table(ctx, rows)
    data_table(table, hide_index=True, placeholder="—")
    download_table(ctx, table, "trimestres_cierres", key="pr_dl_quarters", note=Note(t("official.periods.note")))
    can_close = access.allowed(ctx.viewer, access.CLOSE_PERIOD)
    can_reopen = access.allowed(ctx.viewer, access.REOPEN_PERIOD)
    if can_close or can_reopen:
        left, right = st.columns(2)
        if can_close:
            with left:
                close_form(ctx, rows)
        if can_reopen:
            with right:
                reopen_form(ctx, rows)
    restatement_section(ctx, rows)
