"""«Registro oportuno»: the operators' quarterly reports sent on time, as its own measure.

Shown on the ANS page and the «Reportes trimestrales» page for the viewer's scope (an operator
sees its own row): per operator, whether its report of the quarter was sent by the deadline,
late or never, approved, returned; and the rate on time / expected
(``data_access.reporting.timeliness``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note, kpi
from components.intake.upload import report_quarters
from data_access.reporting import timeliness as T
from rules import access
from rules.core.formatting import fmt_bool, fmt_date, fmt_int, fmt_pct, quarter_label
from rules.reporting import cycle

timeliness_rows = cached(T.rows)


def frame(ctx: PageContext, rows: list[dict]) -> pd.DataFrame:
    t, lang = ctx.t, ctx.lang

    def outcome(r: dict) -> str:
        return t("reporting.tl." + ("on_time" if r["on_time"] else "late" if r["late"] else "missing"))

    return pd.DataFrame([{
        t("reporting.col.operator"): r["operator_name"], t("reporting.col.quarter"): quarter_label(r["quarter"], lang),
        t("reporting.col.deadline"): fmt_date(r["deadline"], lang),
        t("reporting.col.first_sent"): fmt_date(r["first_submitted_on"], lang) if r["first_submitted_on"] else None,
        t("reporting.col.outcome"): outcome(r), t("reporting.col.approved"): fmt_bool(r["approved"], lang),
        t("reporting.col.returned"): fmt_bool(r["returned"], lang),
        t("reporting.col.state"): t(f"reporting.state.{r['state']}") if r["state"] else None,
    } for r in rows], columns=[t(f"reporting.col.{c}") for c in (
        "operator", "quarter", "deadline", "first_sent", "outcome", "approved", "returned", "state")])


def default_quarter(quarters: list[str]) -> int:
    """The last quarter whose reports are due (the current one is still being reported)."""
    return 1 if len(quarters) > 1 else 0


def section(ctx: PageContext, key: str, quarter: str | None = None) -> None:
    """The measure for the viewer's scope: rate, counts, the table by operator (with downloads)."""
    if not access.allowed(ctx.viewer, access.SEE_REPORTS):
        return
    t, lang = ctx.t, ctx.lang
    st.subheader(t("reporting.tl.title"))
    quarters = report_quarters()
    if quarter not in quarters:
        quarter = st.selectbox(t("reporting.col.quarter"), quarters, index=default_quarter(quarters),
                               key=f"{key}_tl_quarter", format_func=lambda q: quarter_label(q, lang))
    rows = timeliness_rows(ctx.viewer, quarter)
    s = T.summary(rows, quarter)
    cols = st.columns(5)
    for col, (label, value) in zip(cols, (
            (t("reporting.tl.rate"), fmt_pct(s.rate * 100 if s.rate is not None else None, 1, lang)),
            (t("reporting.tl.expected"), fmt_int(s.expected, lang)),
            (t("reporting.tl.on_time"), fmt_int(s.on_time, lang)),
            (t("reporting.tl.late"), fmt_int(s.late, lang)), (t("reporting.tl.missing"), fmt_int(s.missing, lang))),
            strict=True):
        with col:
            kpi(label, value)
    note = figure_note(ctx, t("reporting.tl.definition", deadline=fmt_date(cycle.deadline(quarter), lang),
                              days=cycle.deadline_days()),
                       t("reporting.tl.numerator"), t("reporting.tl.denominator"))
    if not rows:
        st.info(t("reporting.tl.none", quarter=quarter_label(quarter, lang)), icon=":material/info:")
        return
    table = frame(ctx, rows)
    data_table(table, hide_index=True, placeholder="—", width="stretch")
    download_table(ctx, table, "registro_oportuno", key=f"{key}_tl_dl", note=note)
