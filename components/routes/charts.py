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
from components.core.plotting import trusted_figure
from components.core.selection import point_key
from exports import theme
from rules.core.formatting import fmt_int, fmt_num, fmt_pct
from rules.routes.funnels import OTHER_REASON, FunnelStage, Sankey
from rules.routes.model import LOSS_REASONS, stage_name

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
    """A figure from plain specs on the shared theme (``exports.theme``), not validated
    (``components.core.plotting``) but where the tests build it with ``validate=True``."""
    base = {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    spec = {"data": data, "layout": theme.layout(lang, {**base, **layout})}
    return go.Figure(spec) if validate else trusted_figure(spec)


# a funnel stage narrower than this share of the widest is labelled outside its bar
INSIDE_SHARE = 0.35
# the participant list's route and stage in the URL (a click on a funnel stage sets them)
Q_LIST_ROUTE, Q_LIST_STAGE = "lista_ruta", "lista_etapa"


def stage_point_params(route: str, stages: Sequence[str], point: dict) -> dict[str, str] | None:
    """A clicked stage of ``route``'s funnel (its points are ``stages`` in order) as the
    participant list's filters (the point's ``customdata`` is its hover text: not a key)."""
    key = point_key({k: v for k, v in point.items() if k != "customdata"}, stages)
    if key is None or key[0] not in stages:
        return None
    return {Q_LIST_ROUTE: route, Q_LIST_STAGE: key[0]}


def stage_label(ctx: PageContext, stage: str, optional: bool = False) -> str:
    return stage_name(stage, ctx.lang, funnel=True, optional=optional)


def funnel_figure(ctx: PageContext, route: str, rows: Sequence[FunnelStage], validate: bool = False) -> go.Figure:
    """One route's funnel: participants reaching each stage, with % of entrants written."""
    labels = [stage_label(ctx, r.stage, r.optional) for r in rows]
    text = [
        f"{fmt_int(r.count, ctx.lang)} · {fmt_pct(r.pct_entrants, 0, ctx.lang)}" if r.count else "0"
        for r in rows
    ]
    colours = [OKABE_ITO["grey"] if r.optional else ROUTE_COLOURS.get(route, OKABE_ITO["blue"]) for r in rows]
    widest = max((r.count for r in rows), default=0) or 1
    trace = {
        "type": "funnel",
        "y": labels,
        "x": [r.count for r in rows],
        "text": text,
        "textinfo": "text",
        # every stage labelled: inside a wide bar, beside a narrow one (never shrunk out of sight)
        "textposition": ["inside" if r.count >= INSIDE_SHARE * widest else "outside" for r in rows],
        "insidetextanchor": "middle",
        "constraintext": "none",
        "cliponaxis": False,
        "marker": {"color": colours, "line": {"color": "#333333", "width": [2 if r.optional else 0 for r in rows]}},
        "connector": {"line": {"color": "#999999", "width": 1}},
        "customdata": [
            ctx.t("routes.hover.conversion", pct=fmt_pct(r.conversion, 1, ctx.lang),
                  base=stage_label(ctx, r.base_stage)) if r.base_stage else ""
            for r in rows
        ],
        "hovertemplate": "%{y}<br>%{text}<br>%{customdata}<extra></extra>",
    }
    layout = {"title": {"text": ctx.t(f"route.{route}"), "x": 0}, "margin": {"r": 90},
              "clickmode": "event+select", "dragmode": False}
    return figure([trace], layout, max(360, 80 + 38 * len(rows)), ctx.lang, validate)


def losses_figure(ctx: PageContext, funnels: dict[str, list[FunnelStage]], validate: bool = False) -> go.Figure:
    """Participants lost right after each stage, by reason: horizontal stacked bars, one
    panel per route (its name as the panel's title), stage names written level."""
    panels = [(route, [r for r in rows if r.stage != "salida"]) for route, rows in funnels.items()]
    panels = [(route, rows) for route, rows in panels if rows]
    total = sum(len(rows) for _, rows in panels) or 1
    gap = 0.09 if len(panels) > 1 else 0.0
    usable = 1.0 - gap * (len(panels) - 1)
    # the legend at the top of the figure, over the first panel's title
    layout = {"barmode": "stack", "annotations": [], "margin": {"t": 90},
              "legend": {"orientation": "h", "x": 0, "yref": "container", "y": 1, "yanchor": "top"}}
    traces, top = [], 1.0
    for i, (route, rows) in enumerate(panels):
        n = "" if i == 0 else str(i + 1)
        height = usable * len(rows) / total
        domain = [max(0.0, top - height), top]
        top = domain[0] - gap
        layout[f"yaxis{n}"] = {"domain": domain, "autorange": "reversed", "anchor": f"x{n}"}
        layout[f"xaxis{n}"] = {"anchor": f"y{n}", "matches": "x" if n else None}
        layout["annotations"].append({"text": f"<b>{ctx.t(f'route.{route}')}</b>", "x": 0, "xref": "paper",
                                      "xanchor": "left", "y": domain[1], "yref": "paper", "yanchor": "bottom",
                                      "showarrow": False})
        labels = [stage_label(ctx, r.stage) for r in rows]
        for reason in (*LOSS_REASONS, OTHER_REASON):
            values = [r.losses.get(reason, 0) for r in rows]
            if not any(values) and reason == OTHER_REASON:
                continue
            colour, pattern = REASON_STYLE[reason]
            traces.append({
                "type": "bar",
                "orientation": "h",
                "y": labels,
                "x": values,
                "xaxis": f"x{n}",
                "yaxis": f"y{n}",
                "name": ctx.t(f"routes.reason.{reason}"),
                "legendgroup": reason,
                "showlegend": i == 0,
                "marker": {"color": colour, "pattern": {"shape": pattern, "fgcolor": "#222222", "size": 6,
                                                        "fillmode": "overlay"}},
                "text": [fmt_int(v, ctx.lang) if v else "" for v in values],
                "textposition": "inside",
                "insidetextanchor": "middle",
                "hovertemplate": "%{y}<br>%{fullData.name}: %{x:,}<extra></extra>",
            })
    for key in [k for k in layout if k.startswith("xaxis")]:
        if layout[key]["matches"] is None:
            del layout[key]["matches"]
    height = 110 + 34 * total + 50 * len(panels)
    return figure(traces, layout, height, ctx.lang, validate)


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
        "node": {"label": labels, "color": colours, "pad": 22, "thickness": 18,
                 "line": {"color": "#333333", "width": 0.5},
                 "hovertemplate": "%{label}<extra></extra>"},
        "textfont": {"size": theme.SCREEN_PX},
        "link": {
            "source": [a for a, _, _ in sankey.links],
            "target": [b for _, b, _ in sankey.links],
            "value": [n for _, _, n in sankey.links],
            "color": "rgba(120,120,120,0.30)",
            "hovertemplate": "%{source.label} → %{target.label}: %{value:,}<extra></extra>",
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
            "cliponaxis": False,
            "hovertemplate": "%{y}: %{text}<extra>%{fullData.name}</extra>",
        })
    layout = {"barmode": "group", "xaxis": {"range": [0, 115], "ticksuffix": " %", "title": {"text": "%"}},
              "yaxis": {"autorange": "reversed"}}
    groups = max(1, len({r["service"] for r in rows})) * max(1, len(traces))
    return figure(traces, layout, 120 + 24 * groups + 20 * max(1, len({r["service"] for r in rows})), ctx.lang,
                  validate)


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
            "cliponaxis": False,
        })
    layout = {
        "barmode": "group",
        "title": {"text": ctx.t(f"route.{route}"), "x": 0},
        "xaxis": {"range": [0, 120], "ticksuffix": " %", "title": {"text": ctx.t("routes.col.conversion")}},
        "yaxis": {"autorange": "reversed"},
    }
    return figure(traces, layout, max(420, 120 + 56 * len(stages)), ctx.lang, validate)


def fmt_days(value: float | None, lang: str) -> str:
    return fmt_num(value, 1 if value is not None and value % 1 else 0, lang)
