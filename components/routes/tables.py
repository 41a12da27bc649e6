"""Tables of the routes page: display frames (es-CO formatted text) and export frames
(numbers, localized headers) for funnels, comparisons, coverage and participant lists."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from components.core.context import PageContext
from components.routes.charts import fmt_days, stage_label
from rules.core.formatting import fmt_date, fmt_int, fmt_pct, quarter_label
from rules.routes.funnels import OTHER_REASON, FunnelStage, ViabilityLoop
from rules.routes.model import LOSS_REASONS

REASONS = (*LOSS_REASONS, OTHER_REASON)


def funnel_frames(ctx: PageContext, funnels: dict[str, list[FunnelStage]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display, export) of every route's funnel, one row per route and stage."""
    t, lang = ctx.t, ctx.lang
    has_other = any(r.losses.get(OTHER_REASON) for rows in funnels.values() for r in rows)
    shown_reasons = [x for x in REASONS if x != OTHER_REASON or has_other]
    reason_names = {x: t(f"routes.reason.{x}") for x in REASONS}
    show, export = [], []
    for route, rows in funnels.items():
        for r in rows:
            base = stage_label(ctx, r.base_stage) if r.base_stage else "—"
            show.append(
                {
                    t("routes.col.route"): t(f"route.{route}"),
                    t("routes.col.stage"): stage_label(ctx, r.stage, r.optional),
                    t("routes.col.count"): fmt_int(r.count, lang),
                    t("routes.col.pct_entrants"): fmt_pct(r.pct_entrants, 1, lang),
                    t("routes.col.conversion"): fmt_pct(r.conversion, 1, lang) if r.base_stage else "—",
                    t("routes.col.base_stage"): base,
                    **{reason_names[x]: fmt_int(r.losses.get(x, 0), lang) for x in shown_reasons},
                    t("routes.col.median_days"): fmt_days(r.median_days, lang) if r.base_stage else "—",
                    t("routes.col.days_n"): fmt_int(r.days_measured, lang) if r.base_stage else "—",
                }
            )
            export.append(
                {
                    t("routes.col.route"): route,
                    t("routes.col.stage_code"): r.stage,
                    t("routes.col.stage"): stage_label(ctx, r.stage, r.optional),
                    t("routes.col.count"): r.count,
                    t("routes.col.pct_entrants"): None if r.pct_entrants is None else round(r.pct_entrants, 2),
                    t("routes.col.conversion"): None if r.conversion is None else round(r.conversion, 2),
                    t("routes.col.base_stage"): r.base_stage or "",
                    **{reason_names[x]: r.losses.get(x, 0) for x in REASONS},
                    t("routes.col.median_days"): r.median_days,
                    t("routes.col.days_n"): r.days_measured,
                }
            )
    return pd.DataFrame(show), pd.DataFrame(export)


LOOP_COLUMNS = ("participants", "reformulations", "resolved", "in_loop", "exited", "days_lost_median",
                "days_lost_total")


def loop_frames(ctx: PageContext, loops: dict[str, ViabilityLoop]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(display, export) of the viability loop, one row per route."""
    t, lang = ctx.t, ctx.lang
    show, export = [], []
    for route, loop in loops.items():
        row = loop.as_row()
        shown = {c: fmt_days(row[c], lang) if c == "days_lost_median" else fmt_int(row[c], lang) for c in LOOP_COLUMNS}
        show.append({t("routes.col.route"): t(f"route.{route}"),
                     **{t(f"routes.loop.{c}"): v for c, v in shown.items()}})
        export.append({t("routes.col.route"): route, **{t(f"routes.loop.{c}"): row[c] for c in LOOP_COLUMNS}})
    return pd.DataFrame(show), pd.DataFrame(export)


def comparison_frames(
    ctx: PageContext, rows: Sequence[dict], names: tuple[str, str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    t, lang = ctx.t, ctx.lang
    a, b = names

    def pp(v):
        if v is None:
            return "—"
        sign = "+" if v > 0 else ("−" if v < 0 else "±")
        return f"{sign}{fmt_pct(abs(v), 1, lang).replace(' %', '')} {t('routes.pp')}"

    show, export = [], []
    for r in rows:
        show.append(
            {
                t("routes.col.route"): t(f"route.{r['route']}"),
                t("routes.col.stage"): stage_label(ctx, r["stage"]),
                f"{t('routes.col.count')} · {a}": fmt_int(r["count_a"], lang),
                f"{t('routes.col.count')} · {b}": fmt_int(r["count_b"], lang),
                f"{t('routes.col.conversion')} · {a}": fmt_pct(r["conversion_a"], 1, lang),
                f"{t('routes.col.conversion')} · {b}": fmt_pct(r["conversion_b"], 1, lang),
                t("routes.col.delta_conversion"): pp(r["delta_conversion_pp"]),
                t("routes.col.delta_pct_entrants"): pp(r["delta_pct_entrants_pp"]),
                f"{t('routes.col.median_days')} · {a}": fmt_days(r["median_days_a"], lang),
                f"{t('routes.col.median_days')} · {b}": fmt_days(r["median_days_b"], lang),
            }
        )
        export.append(
            {
                t("routes.col.route"): r["route"],
                t("routes.col.stage_code"): r["stage"],
                f"{t('routes.col.count')} · {a}": r["count_a"],
                f"{t('routes.col.count')} · {b}": r["count_b"],
                f"{t('routes.col.pct_entrants')} · {a}": r["pct_entrants_a"],
                f"{t('routes.col.pct_entrants')} · {b}": r["pct_entrants_b"],
                f"{t('routes.col.conversion')} · {a}": r["conversion_a"],
                f"{t('routes.col.conversion')} · {b}": r["conversion_b"],
                t("routes.col.delta_conversion"): r["delta_conversion_pp"],
                t("routes.col.delta_pct_entrants"): r["delta_pct_entrants_pp"],
                f"{t('routes.col.median_days')} · {a}": r["median_days_a"],
                f"{t('routes.col.median_days')} · {b}": r["median_days_b"],
            }
        )
    return pd.DataFrame(show), pd.DataFrame(export)


def coverage_frames(ctx: PageContext, rows: Sequence[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    t, lang = ctx.t, ctx.lang
    show = [
        {
            t("routes.col.route"): t(f"route.{r['route']}"),
            t("routes.col.service"): t(f"routes.service.{r['service']}"),
            t("routes.col.activated"): fmt_int(r["activated"], lang),
            t("routes.col.received"): fmt_int(r["received"], lang),
            t("routes.col.coverage"): fmt_pct(r["coverage_pct"], 1, lang),
        }
        for r in rows
    ]
    export = [
        {
            t("routes.col.route"): r["route"],
            t("routes.col.service_code"): r["service"],
            t("routes.col.service"): t(f"routes.service.{r['service']}"),
            t("routes.col.activated"): r["activated"],
            t("routes.col.received"): r["received"],
            t("routes.col.coverage"): None if r["coverage_pct"] is None else round(r["coverage_pct"], 2),
        }
        for r in rows
    ]
    return pd.DataFrame(show), pd.DataFrame(export)


def participant_frames(
    ctx: PageContext, rows: Sequence[dict], columns: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Participant list: codes (names/documents only when the data layer included them)."""
    t, lang = ctx.t, ctx.lang

    def label(value, col):
        if value is None:
            return "—"
        if col == "route":
            return t(f"route.{value}")
        if col in ("last_stage",):
            return stage_label(ctx, value)
        if col == "entry_mechanism":
            return t(f"routes.mechanism.{value}")
        if col == "exit_outcome":
            return t(f"routes.exit_outcome.{value}")
        if col == "cohort_quarter":
            return quarter_label(value, lang)
        if col == "participant_kind":
            return t(f"routes.kind.{value}")
        if col == "stage_date":
            return fmt_date(value, lang)
        return str(value)

    show = [{t(f"routes.pcol.{c}"): label(r.get(c), c) for c in columns} for r in rows]
    export = [{t(f"routes.pcol.{c}"): r.get(c) for c in columns} for r in rows]
    header = [t(f"routes.pcol.{c}") for c in columns]
    return pd.DataFrame(show, columns=header), pd.DataFrame(export, columns=header)
