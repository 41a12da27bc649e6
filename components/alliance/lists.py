"""Alliance page sections: the PN behind a figure, the at-risk list, sales vs baseline and
the tracking-matrix upload. Paginated tables with CSV + Excel downloads; no SQL here
(data comes from ``data_access`` through the cached reads of ``components.alliance.data``)."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import streamlit as st

from components.alliance.charts import fmt_int, fmt_money, fmt_pct
from components.alliance.data import at_risk, plan_list, sales_overview
from components.core.context import PageContext
from components.core.figures import Note, data_table, download_table, figure_note
from components.core.widgets import file_input
from data_access.alliance import queries as al
from data_access.alliance import tracking_matrix as tm
from exports.intake_workbook import template_bytes
from rules.alliance import indicator as rule
from rules.core.formatting import fmt_date

PAGE_SIZE = 25

LIST_LABELS = ("codigo_pn", "opr", "nit_opr", "municipio", "cod_municipio", "oficina_regional", "ventana",
               "cadena_valor", "psde", "fecha_primer_desembolso", "fecha_evaluacion", "fecha_cierre", "estado",
               "explicacion", "dias_para_d", "motivos")


def _display(ctx: PageContext, frame: pd.DataFrame, for_file: bool = False) -> pd.DataFrame:
    """Translated headers and status labels; dates as dd/mm/yyyy on the page, typed dates in the
    files (``exports.tables`` writes them as the UI language reads them)."""
    out = frame.copy()
    if "estado" in out:
        out["estado"] = out["estado"].map({s: ctx.t(f"alliance.status.{s}") for s in rule.STATUSES})
    for col in ("fecha_primer_desembolso", "fecha_evaluacion", "fecha_cierre"):
        if col in out and not for_file:
            out[col] = out[col].map(lambda d: _date(d, ctx.lang))
    return out.rename(columns={c: ctx.t(f"alliance.col.{c}") for c in out.columns if c in LIST_LABELS})


def _date(d, lang: str) -> str:
    """Same output as ``rules.core.formatting.fmt_date`` (dd/mm/yyyy; ISO in English), without
    a Babel call per cell."""
    if not isinstance(d, dt.date):
        return ""
    return d.strftime("%d/%m/%Y") if lang == "es" else d.isoformat()


def _requested_page(key: str) -> int:
    try:
        return max(int(st.session_state.get(key, 1)) - 1, 0)
    except (TypeError, ValueError):
        return 0


def _pager(ctx: PageContext, total: int, key: str) -> None:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if pages == 1:
        return
    if _requested_page(key) >= pages:
        st.session_state[key] = pages
    st.number_input(ctx.t("alliance.page_of", pages=pages), min_value=1, max_value=pages, value=1, step=1, key=key)


def plan_list_section(ctx: PageContext, drill: al.Drill, drill_names: list[str]) -> None:
    t = ctx.t
    st.subheader(t("alliance.list_title"))
    st.caption(t("alliance.list_help"))
    which = st.selectbox(t("alliance.list_which"), list(al.LIST_FILTERS), key="al_list_which",
                         format_func=lambda w: t(f"alliance.list.{w}"))
    page_key = f"al_list_page_{which}"
    page = _requested_page(page_key)
    total, frame = plan_list(ctx.viewer, ctx.filters, which, drill, page, PAGE_SIZE, url=ctx.url)
    if page and page * PAGE_SIZE >= total:  # filters changed under a later page: back to the first
        page = 0
        st.session_state[page_key] = 1
        total, frame = plan_list(ctx.viewer, ctx.filters, which, drill, 0, PAGE_SIZE, url=ctx.url)
    st.markdown(t("alliance.list_count", n=fmt_int(total, ctx.lang), which=t(f"alliance.list.{which}")))
    if total == 0:
        st.info(t("alliance.no_rows"))
        return
    shown = _display(ctx, frame)
    data_table(shown, hide_index=True, placeholder="—")
    _pager(ctx, total, page_key)
    note = figure_note(ctx, t("alliance.list_note"), extra_filters=drill_names)
    st.caption(t("alliance.download_all", n=fmt_int(total, ctx.lang)))
    download_table(ctx, lambda: full_plan_list(ctx, which, drill), f"alianzas_pn_{which}", key="al_dl_list",
                   note=note, title=t(f"alliance.list.{which}"))


def full_plan_list(ctx: PageContext, which: str, drill: al.Drill) -> pd.DataFrame:
    """Every PN behind the figure (scoped), as downloaded: runs at click time, outside the page run."""
    _, frame = al.plan_list(ctx.viewer, ctx.filters, which, drill, 0, None, url=ctx.url)
    return _display(ctx, frame, for_file=True)


def full_at_risk(ctx: PageContext, drill: al.Drill, today: dt.date) -> pd.DataFrame:
    _, frame = al.at_risk(ctx.viewer, ctx.filters, today, drill, 0, None, url=ctx.url)
    return _display(ctx, frame, for_file=True)


def at_risk_section(ctx: PageContext, drill: al.Drill, drill_names: list[str], today: dt.date) -> None:
    t = ctx.t
    s = rule.current_settings()
    start, end = rule.at_risk_window(today, s)
    st.subheader(t("alliance.risk_title"))
    st.caption(t("alliance.risk_help", months=s.at_risk_months, start=fmt_date(start, ctx.lang),
                 end=fmt_date(end, ctx.lang)))
    page = _requested_page("al_risk_page")
    total, frame = at_risk(ctx.viewer, ctx.filters, today, drill, page, PAGE_SIZE, url=ctx.url)
    if page and page * PAGE_SIZE >= total:
        st.session_state["al_risk_page"] = 1
        total, frame = at_risk(ctx.viewer, ctx.filters, today, drill, 0, PAGE_SIZE, url=ctx.url)
    st.markdown(t("alliance.risk_count", n=fmt_int(total, ctx.lang)))
    if total == 0:
        st.success(t("alliance.risk_none"))
        return
    shown = _display(ctx, frame)
    data_table(shown, hide_index=True, placeholder="—")
    _pager(ctx, total, "al_risk_page")
    st.caption(t("alliance.download_all", n=fmt_int(total, ctx.lang)))
    download_table(ctx, lambda: full_at_risk(ctx, drill, today), "alianzas_en_riesgo", key="al_dl_risk",
                   title=t("alliance.risk_title"), note=Note(t("alliance.risk_help", months=s.at_risk_months,
                   start=fmt_date(start, ctx.lang), end=fmt_date(end, ctx.lang)), extra_filters=tuple(drill_names)))


def sales_section(ctx: PageContext, drill: al.Drill, drill_names: list[str]) -> None:
    t = ctx.t
    st.subheader(t("alliance.sales_title"))
    st.caption(t("alliance.sales_help"))
    if st.session_state.get("al_sales_dim") not in al.SALES_DIMENSIONS:
        st.session_state["al_sales_dim"] = al.SALES_DIMENSIONS[0]
    dim = st.session_state["al_sales_dim"]
    data = sales_overview(ctx.viewer, ctx.filters, dim, st.session_state.get("al_sales_year"), drill, url=ctx.url)
    years, year, rows = data["years"], data["year"], data["rows"]
    if not years:
        st.info(t("alliance.sales_none"))
        return
    st.session_state["al_sales_year"] = year
    c1, c2 = st.columns(2)
    c1.selectbox(t("alliance.sales_year"), years, key="al_sales_year")
    c2.selectbox(t("alliance.sales_by"), list(al.SALES_DIMENSIONS), key="al_sales_dim",
                 format_func=lambda d: t(f"alliance.dim.{d}"))
    tot = data["total"]
    if tot:
        st.metric(t("alliance.sales_total", year=year), fmt_pct(tot["increase_pct"], 1, ctx.lang),
                  help=t("alliance.sales_metric_help", plans=fmt_int(tot["plans"], ctx.lang)))
    money, pct = t("alliance.col.baseline"), t("alliance.col.increase")
    sales = t("alliance.col.sales", year=year)
    raw = pd.DataFrame([
        {t("alliance.col.group"): r["name"], t("alliance.col.plans"): r["plans"], money: r["baseline"],
         sales: r["sales"], pct: None if r["increase_pct"] is None else round(r["increase_pct"], 1)} for r in rows
    ])
    if raw.empty:
        st.info(t("alliance.sales_none"))
        return
    table = raw.copy()
    for col in (money, sales):
        table[col] = raw[col].map(lambda v: fmt_money(None if pd.isna(v) else v, ctx.lang))
    table[pct] = raw[pct].map(lambda v: fmt_pct(None if pd.isna(v) else v, 1, ctx.lang))
    data_table(table, hide_index=True, placeholder="—")
    note = figure_note(ctx, t("alliance.sales_note", year=year), t("alliance.sales_num"), t("alliance.sales_den"),
                       extra_filters=drill_names)
    download_table(ctx, raw, f"alianzas_ventas_{dim}_{year}", key="al_dl_sales", note=note,
                   title=t("alliance.sales_title"))


def import_section(ctx: PageContext) -> None:
    """Upload of the «Matriz de seguimiento a OPRs»: analistas PMO and admins only."""
    if not tm.can_write(ctx.viewer):
        return
    t = ctx.t
    st.subheader(t("alliance.import_title"))
    st.caption(t("alliance.import_help"))
    st.download_button(t("alliance.import_template"), lambda: template_bytes(tm.ENTITY),
                       file_name="matriz_seguimiento_oprs.xlsx",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                       key="al_template", on_click="ignore")
    with st.form("al_import_form", clear_on_submit=True):
        upload = file_input(ctx, t("alliance.import_file"), ["xlsx"], key="al_import_file")
        dry = st.checkbox(t("alliance.import_dry"), key="al_import_dry")
        submitted = st.form_submit_button(t("alliance.import_submit"), type="primary")
    if submitted:
        if upload is None:
            st.warning(t("alliance.import_nofile"))
        else:
            try:
                report = tm.import_tracking_matrix(upload.getvalue(), ctx.viewer, url=ctx.url, dry_run=dry,
                                                   file_name=upload.name)
            except tm.ImportPermissionError as exc:
                st.error(str(exc))
                return
            st.session_state["al_import_report"] = report
            if report.changed:
                st.rerun()  # re-read the data versions so every figure shows the import
    report = st.session_state.get("al_import_report")
    if report is None:
        return
    (st.success if report.ok else st.error)(report.message)
    if report.problems:
        problems = pd.DataFrame([
            {t("alliance.col.sheet"): p.sheet, t("alliance.col.row"): p.row, t("alliance.col.column"):
             f"{p.column} ({p.letter})" if p.letter else p.column, t("alliance.col.problem"): p.message}
            for p in report.problems
        ])
        data_table(problems, hide_index=True, placeholder="—")
        download_table(ctx, problems, "matriz_problemas", key="al_dl_problems")
    if report.notes:
        st.warning(t("alliance.import_nit_notes", n=len(report.notes)), icon=":material/pin:")
        notes = pd.DataFrame([
            {t("alliance.col.sheet"): n.sheet, t("alliance.col.row"): n.row, t("alliance.col.column"):
             f"{n.column} ({n.letter})" if n.letter else n.column, t("alliance.col.note"): n.message}
            for n in report.notes
        ])
        data_table(notes, hide_index=True, placeholder="—")
        download_table(ctx, notes, "matriz_nit_calculados", key="al_dl_nit_notes")
