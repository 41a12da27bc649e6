"""Shared pieces of the ANS (SLA) page: cached reads, page filters in the URL, status text.

Cached reads are keyed on the viewer, the global filters, the quarter window and the data
versions of the topics their queries declare (``data_access.sla.queries``: a reported value
or an operational record written anywhere invalidates them at the next rerun). The window is
the latest quarters whenever the chosen quarter is among them, so moving between recent
quarters, service types or operators never re-runs SQL: those are narrowed in memory from
the cached window.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.sla import queries as S
from rules.core.calendar import parse_quarter, quarter_window
from rules.core.catalog import SERVICE_TYPES
from rules.core.formatting import fmt_pct, quarter_label
from rules.core.i18n import t as translate
from rules.sla import scoring as R

TREND_QUARTERS = 6
# page-level query parameters (the global ones live in components.core.filters)
Q_QUARTER, Q_SERVICE, Q_OPERATOR = "trimestre", "servicio", "operador"  # not a role: a query parameter
Q_CMP_A, Q_CMP_B = "comparar_a", "comparar_b"
Q_STATUS = "estado"
CHART_STATUSES = (R.CUMPLE, R.EN_RIESGO, R.INCUMPLE, R.SIN_REPORTE)


# ---------------------------------------------------------------------------- reads


@cached(uses=(S.quarter_options,), by_reach=True)
def quarter_choices(viewer: Viewer, filters: GlobalFilters, url: str) -> list[str]:
    return S.quarter_options(viewer, filters, url=url)


@cached(uses=(S.operator_options,), by_reach=True)
def operator_choices(viewer: Viewer, filters: GlobalFilters, url: str) -> list[tuple[str, str]]:
    return S.operator_options(viewer, filters, url=url)


@cached(uses=(S.definitions,))
def definition_rows(viewer: Viewer, route: str | None, url: str) -> list[dict]:
    return S.definitions(viewer, route=route, url=url)


@cached(uses=(S.scorecard_frame,), by_reach=True)
def _window_rows(viewer: Viewer, filters: GlobalFilters, window: tuple[str, ...], url: str) -> pd.DataFrame:
    """All scored rows of a quarter window: one pass of each derived-ANS query for the window."""
    return S.scorecard_frame(viewer, filters, window, url=url)


@cached(uses=(S.scorecard_frame,), by_reach=True)
def window_frame(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                 service: str | None, url: str) -> pd.DataFrame:
    """Scored rows of the trend window (``window``, which contains ``quarter``), narrowed to one
    service type in memory (changing the service type never re-runs SQL)."""
    frame = _window_rows(viewer, filters, window, url)
    if frame.empty:
        return frame
    keep = frame["quarter"] <= quarter  # the trend runs up to the chosen quarter
    if service:
        keep &= frame["service_type_code"] == service
    return frame[keep].reset_index(drop=True)


@cached(uses=(S.scorecard_frame,), by_reach=True)
def operators_in_quarter(viewer: Viewer, filters: GlobalFilters, quarter: str, window: tuple[str, ...],
                         service: str | None, url: str) -> list[str]:
    frame = window_frame(viewer, filters, quarter, window, service, url)
    return sorted(set(frame.loc[frame["quarter"] == quarter, "operator_code"]))


def trend_window(quarter: str, options: list[str]) -> tuple[str, ...]:
    """The latest TREND_QUARTERS quarters when ``quarter`` is among them (so moving between
    recent quarters reuses one cached window), else the ones ending at ``quarter``."""
    latest = tuple(sorted(options[:TREND_QUARTERS]))
    if quarter in latest:
        return latest
    return tuple(q for q in quarter_window(quarter, TREND_QUARTERS) if q in options)


@dataclass(frozen=True)
class Texts:
    """What the table builders need from the page context (hashable: cached view models)."""

    lang: str
    scope_label: str = ""

    def t(self, key: str, **params) -> str:
        return translate(key, self.lang, **params)


def texts(ctx: PageContext) -> Texts:
    return Texts(ctx.lang, ctx.viewer.scope_label)


# -------------------------------------------------------------------------- filters


def compute_first_visit(viewer: Viewer, filters: GlobalFilters, url: str) -> None:
    """The reads of a first visit to the page (the latest quarter, every service type: what
    ``page_filters`` settles on without parameters), computed ahead (``components.overview.ahead``)."""
    options = quarter_choices(viewer, filters, url)
    operator_choices(viewer, filters, url)
    window_frame(viewer, filters, options[0], trend_window(options[0], options), None, url)


def page_filters(ctx: PageContext) -> dict:
    """Quarter and service type (and the operators offered), validated against the viewer's
    scope; mirrored in the URL so a copied link reproduces the view."""
    qp = st.query_params
    options = quarter_choices(ctx.viewer, ctx.filters, ctx.url)
    operators = operator_choices(ctx.viewer, ctx.filters, ctx.url)
    c1, c2 = st.columns(2)
    wanted_q = qp.get(Q_QUARTER)
    try:
        wanted_q = parse_quarter(wanted_q) if wanted_q else None
    except ValueError:
        wanted_q = None
    quarter = c1.selectbox(
        ctx.t("sla.filter.quarter"), options,
        index=options.index(wanted_q) if wanted_q in options else 0,
        format_func=lambda q: quarter_text(q, ctx.lang), key="sla_quarter",
    )
    services = [None, *SERVICE_TYPES]
    wanted_s = qp.get(Q_SERVICE)
    service = c2.selectbox(
        ctx.t("sla.filter.service"), services,
        index=services.index(wanted_s) if wanted_s in services else 0,
        format_func=lambda s: ctx.t("sla.filter.all_services") if s is None else ctx.t(f"sla.service.{s}"),
        key="sla_service",
    )
    _sync(Q_QUARTER, quarter if quarter != options[0] else None)
    _sync(Q_SERVICE, service)
    return {"quarter": quarter, "service": service, "options": options, "operators": operators,
            "window": trend_window(quarter, options)}


def pick_operator(ctx: PageContext, operators: list[tuple[str, str]], param: str, label_key: str,
                  key: str, exclude: str | None = None, default_index: int = 0) -> str | None:
    """A select of the VISIBLE operators. A code in the URL outside the viewer's scope is
    never honoured: it is dropped with a neutral warning that echoes nothing of it (not even
    the code: that an operator code exists is itself out of scope)."""
    codes = [c for c, _ in operators if c != exclude]
    if not codes:
        return None
    names = dict(operators)
    wanted = st.query_params.get(param)
    if wanted and wanted not in codes:
        if wanted not in names:
            st.warning(ctx.t("sla.operator_not_visible"))
        wanted = None
    # the widget's own state, seeded from the URL (a click on a chart sets both)
    if st.session_state.get(key) not in codes:
        st.session_state[key] = wanted if wanted in codes else codes[min(default_index, len(codes) - 1)]
    chosen = st.selectbox(ctx.t(label_key), codes, format_func=lambda c: f"{names[c]} ({c})", key=key)
    _sync(param, chosen)
    return chosen


def pick_status(ctx: PageContext, key: str = "sla_status") -> str | None:
    """The ANS state the detail is narrowed to (``estado`` in the URL; a click on a
    segment of the status chart sets it too); an unknown value is ignored."""
    wanted = st.query_params.get(Q_STATUS)
    options = [None, *CHART_STATUSES]
    if key not in st.session_state or st.session_state[key] not in options:
        st.session_state[key] = wanted if wanted in options else None
    chosen = st.selectbox(
        ctx.t("sla.filter.status"), options,
        format_func=lambda s: ctx.t("sla.filter.all_statuses") if s is None else ctx.t("sla.status." + s), key=key,
    )
    _sync(Q_STATUS, chosen)
    return chosen


def _sync(param: str, value: str | None) -> None:
    if value:
        if st.query_params.get(param) != value:
            st.query_params[param] = value
    elif param in st.query_params:
        del st.query_params[param]


# ---------------------------------------------------------------------------- texts


def quarter_text(quarter: str, lang: str) -> str:
    return quarter_label(quarter, lang)


def status_text(ctx: PageContext, status: str) -> str:
    """Icon AND words: a state is never told by colour alone."""
    return f"{R.STATUS_ICONS[status]} {ctx.t('sla.status.' + status)}"


def score_text(score, lang: str = "es") -> str:
    return fmt_pct(score, 1, lang) if score is not None else ("sin datos" if lang == "es" else "no data")


def trend_text(ctx: PageContext, trend: str) -> str:
    return f"{R.TREND_ICONS[trend]} {ctx.t('sla.trend.' + trend)}"


def target_text(ctx: PageContext, target: float, direction: str, tolerance: float, unit: str) -> str:
    """'≥ 90 % (en riesgo desde 85 %)' — the target and its amber band in words."""
    sign = "≥" if direction == R.HIGHER else "≤"
    edge = target - tolerance if direction == R.HIGHER else target + tolerance
    text = f"{sign} {R.fmt_value(target, unit, ctx.lang)}"
    if tolerance:
        text += " " + ctx.t("sla.band", edge=R.fmt_value(edge, unit, ctx.lang))
    return text


def evidence_text(ctx: PageContext, row) -> str:
    """Evidence of a value: the operator's document for reported ANS, the count behind a
    derived one (numerator of denominator), or why there is none."""
    if row.status == R.SIN_REPORTE:
        return ctx.t("sla.evidence.not_reported")
    if row.kind == "derived":
        if not row.denominator or row.denominator != row.denominator:
            return ctx.t("sla.evidence.no_base")
        if row.derived_key == R.DAYS_TO_FIRST_AT:
            return ctx.t("sla.evidence.days", n=int(row.denominator))
        return ctx.t("sla.evidence.ratio", num=int(row.numerator or 0), den=int(row.denominator))
    return row.evidence_ref or ctx.t("sla.evidence.missing_doc")


def items_table(ctx: PageContext, frame: pd.DataFrame, with_operator: bool = False) -> pd.DataFrame:
    """The person-readable table of ANS rows (also what the downloads contain)."""
    t = ctx.t
    rows = []
    for r in frame.itertuples():
        row = {}
        if with_operator:
            row[t("sla.col.operator")] = f"{r.operator_name} ({r.operator_code})"
        row.update({
            t("sla.col.quarter"): quarter_text(r.quarter, ctx.lang),
            t("sla.col.contract"): r.contract_code,
            t("sla.col.route"): t(f"route.{r.route}"),
            t("sla.col.office"): r.office_name,
            t("sla.col.ans"): f"{r.definition_name} ({r.definition_code})",
            t("sla.col.service"): t(f"sla.service.{r.service_type_code}"),
            t("sla.col.kind"): t(f"sla.kind.{r.kind}"),
            t("sla.col.value"): R.fmt_value(r.value, r.unit, ctx.lang) if r.value == r.value else "—",
            t("sla.col.target"): target_text(ctx, r.target, r.direction, r.tolerance, r.unit),
            t("sla.col.weight"): r.weight,
            t("sla.col.status"): status_text(ctx, r.status),
            t("sla.col.evidence"): evidence_text(ctx, r),
        })
        rows.append(row)
    return pd.DataFrame(rows)
