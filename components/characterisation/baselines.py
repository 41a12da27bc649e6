"""«Líneas de base»: the change between entry and exit per measure, grouped as chosen, with the
measures' definitions, the comparable count ``n``, cut-off, scope, filters and downloads."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note
from data_access.characterisation import baselines as queries
from rules import characterisation as CH
from rules.core.formatting import fmt_int, fmt_money, fmt_num, fmt_pct

change = cached(queries.change, by_reach=True)
coverage = cached(queries.coverage, by_reach=True)
GROUPINGS = ("route", "cohort", "office", "department", "municipality", "operator", "total")


def _value(ctx: PageContext, measure: CH.Measure, v: float | None, signed: bool = False) -> str:
    """A measure's mean as its unit reads (a yes/no measure as a share in %)."""
    if v is None:
        return "—"
    sign = "+" if signed and v > 0 else ""
    if measure.boolean:
        return sign + (fmt_num(100 * v, 1, ctx.lang) + " pp" if signed else fmt_pct(100 * v, 1, ctx.lang))
    if measure.unit == CH.MONEY:
        return sign + fmt_money(v, ctx.lang)
    return sign + fmt_num(v, 1, ctx.lang)


def _group(ctx: PageContext, by: str, row: queries.Row) -> str:
    if by == "route":
        return ctx.t(f"route.{row.group}")
    if by == "total":
        return ctx.t("characterisation.total")
    return f"{row.name} ({row.group})" if row.name and row.name != row.group else row.group


def frame(ctx: PageContext, by: str, rows: list[queries.Row]) -> pd.DataFrame:
    c = lambda k: ctx.t(f"characterisation.col.{k}")  # noqa: E731
    out = []
    for r in rows:
        m = CH.BY_CODE[r.change.measure]
        out.append({c("group"): _group(ctx, by, r), c("measure"): m.name(ctx.lang), c("n"): r.change.n,
                    c("entry"): _value(ctx, m, r.change.entry_mean), c("exit"): _value(ctx, m, r.change.exit_mean),
                    c("change"): _value(ctx, m, r.change.change_mean, signed=True),
                    c("improved"): fmt_pct(r.change.improved_pct, 1, ctx.lang)})
    columns = [c(k) for k in ("group", "measure", "n", "entry", "exit", "change", "improved")]
    return pd.DataFrame(out, columns=columns)


def definitions(ctx: PageContext) -> pd.DataFrame:
    return pd.DataFrame([{ctx.t("characterisation.col.participant"): ctx.t(f"characterisation.kind.{m.participant}"),
                          ctx.t("characterisation.col.measure"): m.name(ctx.lang),
                          ctx.t("characterisation.col.unit"): m.unit,
                          ctx.t("characterisation.col.definition"): m.definition(ctx.lang)} for m in CH.MEASURES])


def compute_first_visit(viewer, filters, url: str) -> None:
    """The reads of a first visit (the first grouping), computed ahead (``components.overview.ahead``)."""
    coverage(viewer, filters, url=url)
    change(viewer, filters, GROUPINGS[0], url=url)


def section(ctx: PageContext) -> None:
    t = ctx.t
    st.caption(t("characterisation.baselines.intro"))
    cov = coverage(ctx.viewer, ctx.filters, url=ctx.url)
    c1, c2, c3 = st.columns(3)
    c1.metric(t("characterisation.measured_entry"), fmt_int(cov[CH.ENTRADA], ctx.lang))
    c2.metric(t("characterisation.measured_exit"), fmt_int(cov[CH.SALIDA], ctx.lang))
    c3.metric(t("characterisation.measured_both"), fmt_int(cov["both"], ctx.lang))
    by = st.radio(t("characterisation.by"), GROUPINGS, format_func=lambda g: t(f"characterisation.by.{g}"),
                  horizontal=True, key="characterisation_by")
    rows = change(ctx.viewer, ctx.filters, None if by == "total" else by, url=ctx.url)
    extra = [f"{t('characterisation.by')}: {t(f'characterisation.by.{by}')}"]
    if not rows:
        st.info(t("characterisation.no_pairs"))
    else:
        df = frame(ctx, by, rows)
        data_table(df, hide_index=True, placeholder="—", width="stretch")
    note = figure_note(ctx, t("characterisation.baselines.definition"), t("characterisation.numerator"),
                       t("characterisation.denominator"), extra_filters=extra)
    if rows:
        download_table(ctx, df, f"lineas_base_{by}", key=f"characterisation_{by}",
                       title=t("characterisation.baselines.title"), note=note)
    with st.expander(t("characterisation.definitions")):
        data_table(definitions(ctx), hide_index=True, placeholder="—", width="stretch")
