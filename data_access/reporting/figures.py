"""The official-figure set of a quarter: what a quarter close freezes, computed live.

``quarter_figures(viewer, quarter)`` computes, for the viewer's scope, exactly what the pages
show at the quarter's end (cut-off ``rules.core.calendar.quarter_end(quarter)``, no other global
filter), through the same query functions the pages call. Every value is plain JSON (numbers,
strings, booleans, None, ISO dates), so a frozen set and a live one compare with ``==`` and hash
the same way (``data_access.audit.log.canonical_json``).

Shape: ``{figure: payload}``, each payload a dict with ``definition_key`` / ``numerator_key`` /
``denominator_key`` (locale keys of the page's figure note; None where the page has none) and:

* ``alliance`` — the indicator's total row (``data_access.alliance.queries.indicator``):
  ``cutoff``, ``numerator``, ``denominator``, ``percent`` (None = sin datos), ``pending``,
  ``not_executed``, ``status`` (cumple / no_cumple / n_pequeno / sin_datos).
* ``alliance.by.<dim>`` for every dimension of ``DIMENSIONS`` — ``rows``: one per group, in the
  order of ``indicator_table`` (``by_code``: ``key``, ``code``, ``name`` and the counts of ``alliance``).
* ``alliance.plans`` — ``rows``: every PN behind the indicator, by code: ``id``, ``code``,
  ``municipality_code``, ``ventana``, ``psde`` (operator code or ""), ``status``, ``counted``
  (in the numerator), ``in_denominator``.
* ``sla`` — the ANS scorecard of the quarter (``data_access.sla.queries.scorecard_frame``
  and ``score_table``): ``quarter``, ``score`` (weighted compliance, None = nothing scorable),
  ``counts`` ({status: n}), ``operators`` and ``indicators`` (``code``, ``name``, ``score``,
  ``counts``), by code.
* ``funnel`` — ``rows``: (``route``, ``stage``, ``count``) of
  ``data_access.overview.queries.funnel_counts``, by route and stage.
* ``overview`` — the overview cards (``data_access.overview.queries.headline``): ``values``
  {metric: value at the quarter's end}, ``definitions`` {metric: locale key},
  ``households_by_route`` {route: households}, ``alliance_numerator`` / ``alliance_denominator``.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import select

from data_access.alliance import queries as al
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import BusinessPlan, Operator
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.overview import queries as ov
from data_access.sla import queries as sla
from rules.alliance import indicator as rule
from rules.core.calendar import parse_quarter, quarter_end
from rules.sla import scoring as sla_rule

DIMENSIONS = al.DIMENSIONS
"""The drill-downs frozen with the indicator: the page's and ``tablero indicator alliance --by``'s."""

FIGURES = ("alliance", *(f"alliance.by.{d}" for d in DIMENSIONS), "alliance.plans", "sla", "funnel", "overview")

_NOTES = {
    "alliance": ("alliance.definition", "alliance.numerator_def", "alliance.denominator_def"),
    "alliance.plans": ("alliance.list_note", None, None),
    "sla": ("sla.note.score", "sla.note.score_num", "sla.note.score_den"),
    "funnel": ("routes.note.funnel", "routes.note.funnel_num", "routes.note.funnel_den"),
    "overview": (None, None, None),
}


def _note(figure: str) -> dict:
    key = "alliance" if figure.startswith("alliance.by.") else figure
    definition, numerator, denominator = _NOTES[key]
    return {"definition_key": definition, "numerator_key": numerator, "denominator_key": denominator}


def plain(value):
    """A value as plain JSON: numpy and pandas scalars as Python, NaN as None, dates as ISO."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def row_payload(r: al.Row) -> dict:
    """One indicator row as frozen (``restore_row`` reads it back)."""
    return {"key": r.key, "code": r.code, "name": r.name, "numerator": r.numerator, "denominator": r.denominator,
            "pending": r.pending, "not_executed": r.not_executed, "percent": plain(r.percent), "status": r.status}


def restore_row(payload: dict) -> al.Row:
    """A frozen indicator row as the ``Row`` the live query returns."""
    return al.Row(key=payload["key"], code=payload["code"], name=payload["name"], numerator=payload["numerator"],
                  denominator=payload["denominator"], pending=payload["pending"],
                  not_executed=payload["not_executed"])


def filters_for(quarter: str) -> GlobalFilters:
    """The filters a quarter's official figures are computed with: its end as cut-off, nothing else."""
    return GlobalFilters(cutoff=quarter_end(parse_quarter(quarter)))


@reads("business_plans", "participants", "reference")
def plan_statuses(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> list[dict]:
    """Every visible PN with its status as of the cut-off (``status_subquery``, the rule of the
    page's PN list), without the per-PN explanation."""
    sq = al.status_subquery(viewer, filters)
    stmt = (
        select(sq.c.id, BusinessPlan.code, sq.c.municipality_code, sq.c.ventana, Operator.code.label("psde"),
               sq.c.status)
        .select_from(sq)
        .join(BusinessPlan, BusinessPlan.id == sq.c.id)
        .outerjoin(Operator, Operator.id == sq.c.psde_operator_id)
        .order_by(BusinessPlan.code)
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
    return [{"id": int(r.id), "code": r.code, "municipality_code": r.municipality_code, "ventana": int(r.ventana),
             "psde": r.psde or "", "status": r.status, "counted": r.status == rule.COUNTED,
             "in_denominator": r.status in (rule.COUNTED, rule.FAILED)} for r in rows]


def _score_rows(frame, code: str, name: str) -> list[dict]:
    table = sla.score_table(frame, [code, name])
    return [{"code": plain(r[code]), "name": plain(r[name]), "score": plain(r["score"]),
             "counts": {s: int(r[s]) for s in sla_rule.STATUSES}}
            for _, r in table.sort_values(code).iterrows()]


def sla_payload(frame, quarter: str) -> dict:
    """The ANS scorecard headline of one quarter from a scorecard frame."""
    part = frame[frame["quarter"] == quarter] if not frame.empty else frame
    counts = {s: int((part["status"] == s).sum()) if not part.empty else 0 for s in sla_rule.STATUSES}
    return {
        "quarter": quarter,
        "score": plain(ov.sla_average(frame, quarter)),
        "counts": counts,
        "operators": _score_rows(part, "operator_code", "operator_name") if not part.empty else [],
        "indicators": _score_rows(part, "definition_code", "definition_name") if not part.empty else [],
    }


@reads("reference", "targeting", "alerts", "participants", "business_plans", "sla")
def quarter_figures(viewer: Viewer, quarter: str, url: str | None = None) -> dict:
    """The official-figure set of ``quarter`` for ``viewer``'s scope, computed now (module docstring)."""
    quarter = parse_quarter(quarter)
    filters = filters_for(quarter).within(viewer)
    out: dict[str, dict] = {}
    total = al.indicator(viewer, filters, url=url)
    out["alliance"] = {**_note("alliance"), "cutoff": filters.cutoff.isoformat(), **row_payload(total)}
    for dim in DIMENSIONS:
        rows = al.by_code(al.by_dimension(viewer, filters, dim, url=url))
        out[f"alliance.by.{dim}"] = {**_note(f"alliance.by.{dim}"), "rows": [row_payload(r) for r in rows]}
    out["alliance.plans"] = {**_note("alliance.plans"), "rows": plan_statuses(viewer, filters, url)}
    frame = ov.sla_scorecard(viewer, filters, url)  # this quarter and the previous: the overview card's too
    out["sla"] = {**_note("sla"), **sla_payload(frame, quarter)}
    funnel = sorted(ov.funnel_counts(viewer, filters, url), key=lambda r: (r["route"], r["stage"]))
    out["funnel"] = {**_note("funnel"), "rows": [plain(r) for r in funnel]}
    head = ov.headline(viewer, filters, url, sla_frame=frame)
    nd = head.extra.get("alliance", {}).get("current") or {}
    out["overview"] = {
        **_note("overview"),
        "definitions": {metric: "alliance.definition" if metric == "alliance" else f"committee.def.{metric}"
                        for metric in sorted(head.values)},
        "values": {metric: plain(values[0]) for metric, values in sorted(head.values.items())},
        "households_by_route": {route: plain(values[0]) for route, values in sorted(head.households_by_route.items())},
        "alliance_numerator": plain(nd.get("numerator")),
        "alliance_denominator": plain(nd.get("denominator")),
    }
    return out
