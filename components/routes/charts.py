"""Plotly figures of the routes page: funnels, losses by reason, the Sankey between
routes, service coverage and cohort comparison.

Colour-blind-safe Okabe–Ito palette; every state is also written (labels, values on
the bars) and loss reasons carry a fill pattern as well as a colour.
"""

from __future__ import annotations

from collections.abc import Sequence

import plotly.graph_objects as go

from components.core.context import PageContext
from components.core.figures import chart_text
from rules.core.formatting import fmt_int, fmt_num, fmt_pct
from rules.routes.funnels import OTHER_REASON, FunnelStage, Sankey
from rules.routes.model import LOSS_REASONS

# Okabe & Ito (2008).
OKABE_ITO = {
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
ROUTE_COLOURS = {"basica": OKABE_ITO["sky"], "intermedia": OKABE_ITO["blue"], "competitividad": OKABE_ITO["green"]}
REASON_STYLE = {  # colour and fill pattern (never colour alone)
    "no_viable": (OKABE_ITO["vermillion"], "/"),
    "requisitos_no_cumplidos": (OKABE_ITO["orange"], "x"),
    "abandono": (OKABE_ITO["purple"], "."),
    OTHER_REASON: (OKABE_ITO["grey"], "-"),
}
EXIT_COLOURS = {
    "graduado": OKABE_ITO["green"],
    "asociacion_autogestionada": OKABE_ITO["blue"],
    "salio": OKABE_ITO["vermillion"],
    "en_curso": OKABE_ITO["grey"],
}
ENTRY_COLOUR = OKABE_ITO["orange"]
COMPARE_STYLE = {"a": (OKABE_ITO["blue"], ""), "b": (OKABE_ITO["orange"], "/")}
ROUTE_PATTERNS = {"basica": "", "intermedia": "/", "competitividad": "."}


def figure(data: list[dict], layout: dict, height: int, lang: str, validate: bool = False) -> go.Figure:
    """A figure from plain specs. Plotly's per-property validation dominates the cost of a
    rerun, so the page skips it (``_validate=False``) for these fixed, tested specs; the
    tests build every figure with ``validate=True``."""
    base = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "separators": ",." if lang == "es" else ".,",
        "font": {"size": 12},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    spec = {"data": data, "layout": {**base, **layout}}
    if validate:
        return go.Figure(spec)
    try:
        return go.Figure(spec, _validate=False)
    except TypeError:  # a plotly without the private fast path
        return go.Figure(spec)


def stage_label(ctx: PageContext, stage: str, optional: bool = False) -> str:
    label = ctx.t(f"routes.stage.{stage}")
    return f"{label} ({ctx.t('routes.optional')})" if optional else label


def funnel_figure(ctx: PageContext, route: str, rows: Sequence[FunnelStage], validate: bool = False) -> go.Figure:
    """One route's funnel: participants reaching each stage, with % of entrants written."""
    labels = [stage_label(ctx, r.stage, r.optional) for r in rows]
    text = [
        f"{fmt_int(r.count, ctx.lang)} · {fmt_pct(r.pct_entrants, 0, ctx.lang)}" if r.count else "0"
        for r in rows
    ]
    colours = [OKABE_ITO["grey"] if r.optional else ROUTE_COLOURS.get(route, OKABE_ITO["blue"]) for r in rows]
    trace = {
        "type": "funnel",
        "y": labels,
        "x": [r.count for r in rows],
        "text": text,
        "textinfo": "text",
        "textposition": "inside",
        "marker": {"color": colours, "line": {"color": "#333333", "width": [2 if r.optional else 0 for r in rows]}},
        "connector": {"line": {"color": "#999999", "width": 1}},
        "customdata": [
            ctx.t("routes.hover.conversion", pct=fmt_pct(r.conversion, 1, ctx.lang),
                  base=stage_label(ctx, r.base_stage)) if r.base_stage else ""
            for r in rows
        ],
        "hovertemplate": "%{y}<br>%{text}<br>%{customdata}<extra></extra>",
    }
    return figure([trace], {"title": {"text": ctx.t(f"route.{route}"), "x": 0}}, 420, ctx.lang, validate)


def losses_figure(ctx: PageContext, funnels: dict[str, list[FunnelStage]], validate: bool = False) -> go.Figure:
    """Participants lost right after each stage, by reason (stacked, patterned)."""
    y = [
        (ctx.t(f"route.{route}"), stage_label(ctx, r.stage))
        for route, rows in funnels.items()
        for r in rows
        if r.stage != "salida"
    ]
    y_multi = [[a for a, _ in y], [b for _, b in y]]
    traces = []
    for reason in (*LOSS_REASONS, OTHER_REASON):
        values = [r.losses.get(reason, 0) for rows in funnels.values() for r in rows if r.stage != "salida"]
        if not any(values) and reason == OTHER_REASON:
            continue
        colour, pattern = REASON_STYLE[reason]
        traces.append({
            "type": "bar",
            "orientation": "h",
            "y": y_multi,
            "x": values,
            "name": ctx.t(f"routes.reason.{reason}"),
            "marker": {"color": colour, "pattern": {"shape": pattern, "fgcolor": "#222222", "size": 6,
                                                    "fillmode": "overlay"}},
            "text": [fmt_int(v, ctx.lang) if v else "" for v in values],
            "textposition": "auto",
            "hovertemplate": "%{y}<br>%{fullData.name}: %{x}<extra></extra>",
        })
    layout = {"barmode": "stack", "yaxis": {"autorange": "reversed"}}
    return figure(traces, layout, max(300, 18 * len(y) + 90), ctx.lang, validate)


def sankey_figure(ctx: PageContext, sankey: Sankey, validate: bool = False) -> go.Figure:
    totals = sankey.node_totals()
    labels, colours = [], []
    for kind, code in sankey.nodes:
        if kind == "entry":
            name, colour = ctx.t(f"routes.mechanism.{code}"), ENTRY_COLOUR
        elif kind == "route":
            name, colour = ctx.t(f"route.{code}"), ROUTE_COLOURS.get(code, OKABE_ITO["blue"])
        else:
            name, colour = ctx.t(f"routes.exit.{code}"), EXIT_COLOURS.get(code, OKABE_ITO["grey"])
        labels.append(f"{name}: {fmt_int(totals[(kind, code)], ctx.lang)}")
        colours.append(colour)
    trace = {
        "type": "sankey",
        "arrangement": "snap",
        "node": {"label": labels, "color": colours, "pad": 18, "thickness": 18,
                 "line": {"color": "#333333", "width": 0.5}},
        "link": {
            "source": [a for a, _, _ in sankey.links],
            "target": [b for _, b, _ in sankey.links],
            "value": [n for _, _, n in sankey.links],
            "color": "rgba(120,120,120,0.30)",
            "hovertemplate": "%{source.label} → %{target.label}: %{value}<extra></extra>",
        },
    }
    return figure([trace], {}, 460, ctx.lang, validate)


def coverage_figure(ctx: PageContext, rows: Sequence[dict], validate: bool = False) -> go.Figure:
    """Coverage (%) of each service among participants with services activated, per route."""
    traces = []
    for route in dict.fromkeys(r["route"] for r in rows):
        sub = [r for r in rows if r["route"] == route]
        traces.append({
            "type": "bar",
            "orientation": "h",
            "y": [ctx.t(f"routes.service.{r['service']}") for r in sub],
            "x": [r["coverage_pct"] or 0 for r in sub],
            "name": ctx.t(f"route.{route}"),
            "marker": {"color": ROUTE_COLOURS.get(route), "pattern": {
                "shape": ROUTE_PATTERNS.get(route, ""), "fgcolor": "#222222", "size": 6, "fillmode": "overlay"}},
            "text": [fmt_pct(r["coverage_pct"], 1, ctx.lang) for r in sub],
            "textposition": "outside",
            "hovertemplate": "%{y}: %{text}<extra>%{fullData.name}</extra>",
        })
    layout = {"barmode": "group", "xaxis": {"range": [0, 110], "title": {"text": "%"}},
              "yaxis": {"autorange": "reversed"}}
    return figure(traces, layout, 120 + 60 * max(1, len({r["service"] for r in rows})), ctx.lang, validate)


def comparison_figure(ctx: PageContext, route: str, rows: Sequence[dict], names: tuple[str, str],
                      validate: bool = False) -> go.Figure:
    """Stage-to-stage conversion of two cohorts on one route (grouped, patterned bars)."""
    stages = [r for r in rows if r["stage"] != "ingreso"]
    y = [stage_label(ctx, r["stage"]) for r in stages]
    traces = []
    for side, name in zip(("a", "b"), names):
        colour, pattern = COMPARE_STYLE[side]
        values = [r[f"conversion_{side}"] for r in stages]
        traces.append({
            "type": "bar",
            "orientation": "h",
            "y": y,
            "x": [v or 0 for v in values],
            "name": chart_text(name),
            "marker": {"color": colour, "pattern": {"shape": pattern, "fgcolor": "#222222", "size": 6,
                                                    "fillmode": "overlay"}},
            "text": [fmt_pct(v, 1, ctx.lang) for v in values],
            "textposition": "outside",
        })
    layout = {
        "barmode": "group",
        "title": {"text": ctx.t(f"route.{route}"), "x": 0},
        "xaxis": {"range": [0, 115], "title": {"text": ctx.t("routes.col.conversion")}},
        "yaxis": {"autorange": "reversed"},
    }
    return figure(traces, layout, 520, ctx.lang, validate)


def fmt_days(value: float | None, lang: str) -> str:
    return fmt_num(value, 1 if value is not None and value % 1 else 0, lang)
