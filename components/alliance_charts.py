"""Alliance-indicator figures: sorted drill-down bars and series, each with the goal line.

States are never told by colour alone: every bar carries its value, its fraction and an
icon (✅ meets the goal, ⚠️ does not, «sin datos» without denominator); the palette is
Okabe–Ito (blue / vermillion / grey), safe for colour-blind readers. No SQL here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rules.formatting import fmt_int, fmt_pct

BLUE, VERMILLION, GREY, BLACK = "#0072B2", "#D55E00", "#999999", "#000000"
MAX_BARS = 40


def _icon(value: float | None, goal: float) -> str:
    if value is None:
        return "ℹ️"
    return "✅" if value >= goal else "⚠️"


def bar_label(row, goal: float, lang: str, no_data: str) -> str:
    if row.percent is None:
        return f"{no_data} {_icon(None, goal)}"
    return f"{fmt_pct(row.percent, 1, lang)} ({fmt_int(row.numerator, lang)}/{fmt_int(row.denominator, lang)}) " \
           f"{_icon(row.percent, goal)}"


def pick_bars(rows: Sequence, limit: int = MAX_BARS) -> list:
    """At most ``limit`` groups: those with the largest denominators, kept in percent order."""
    rows = list(rows)
    if len(rows) <= limit:
        return rows
    keep = {id(r) for r in sorted(rows, key=lambda r: (-r.denominator, -r.pending, r.name))[:limit]}
    return [r for r in rows if id(r) in keep]


def _goal_shape(goal: float, axis: str) -> dict:
    if axis == "x":
        return {"type": "line", "xref": "x", "yref": "paper", "x0": goal, "x1": goal, "y0": 0, "y1": 1,
                "line": {"dash": "dash", "color": BLACK, "width": 2}}
    return {"type": "line", "xref": "paper", "yref": "y", "x0": 0, "x1": 1, "y0": goal, "y1": goal,
            "line": {"dash": "dash", "color": BLACK, "width": 2}}


def drilldown_bar(rows: Sequence, goal: float, lang: str, t: Callable[[str], str]) -> dict:
    """Horizontal bars of percent by group, sorted (best on top), with the goal line.

    Returned as a plain Plotly figure dict (no ``go.Figure`` building: that costs
    ~100 ms per figure and the page budget is 300 ms).
    """
    rows = list(rows)
    no_data = t("alliance.no_data")
    goal_text = t("alliance.goal_line").format(goal=fmt_pct(goal, 0, lang))
    hover = [
        f"<b>{r.name}</b><br>{t('alliance.percent')}: {fmt_pct(r.percent, 1, lang)}<br>"
        f"{t('alliance.numerator')}: {fmt_int(r.numerator, lang)} · {t('alliance.denominator')}: "
        f"{fmt_int(r.denominator, lang)}<br>{t('alliance.pending')}: {fmt_int(r.pending, lang)} · "
        f"{t('alliance.not_executed')}: {fmt_int(r.not_executed, lang)}"
        for r in rows
    ]
    bar = {
        "type": "bar", "orientation": "h",
        "x": [r.percent if r.percent is not None else 0.0 for r in rows],
        "y": [r.name for r in rows],
        "text": [bar_label(r, goal, lang, no_data) for r in rows],
        "textposition": "outside", "cliponaxis": False,
        "customdata": [[r.key] for r in rows],
        "hovertext": hover, "hoverinfo": "text",
        "marker": {
            "color": [GREY if r.percent is None else (BLUE if r.percent >= goal else VERMILLION) for r in rows],
            "pattern": {"shape": ["/" if r.percent is None else "" for r in rows]},
        },
    }
    layout = {
        "height": max(220, 70 + 30 * len(rows)), "margin": {"l": 10, "r": 160, "t": 30, "b": 40},
        "showlegend": False, "clickmode": "event+select", "dragmode": False,
        "xaxis": {"range": [0, 100], "ticksuffix": " %", "title": {"text": t("alliance.percent")}},
        "yaxis": {"autorange": "reversed", "automargin": True},
        "shapes": [_goal_shape(goal, "x")],
        "annotations": [{"x": goal, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
                         "text": goal_text, "showarrow": False}],
    }
    return {"data": [bar], "layout": layout}


def series_chart(points: Sequence[tuple[str, object]], goal: float, lang: str, t: Callable[[str], str]) -> dict:
    """Line of the indicator at each date (``points``: [(label, Row)]), gaps for «sin datos»."""
    values = [p[1].percent for p in points]
    goal_text = t("alliance.goal_line").format(goal=fmt_pct(goal, 0, lang))
    line = {
        "type": "scatter", "mode": "lines+markers+text", "x": [p[0] for p in points], "y": values,
        "text": [t("alliance.no_data") if r.percent is None else f"{fmt_pct(r.percent, 1, lang)} {_icon(r.percent, goal)}"
                 for _, r in points],
        "textposition": "top center",
        "hovertext": [
            f"<b>{lab}</b><br>{t('alliance.percent')}: {fmt_pct(r.percent, 1, lang)}<br>{t('alliance.numerator')}: "
            f"{fmt_int(r.numerator, lang)} · {t('alliance.denominator')}: {fmt_int(r.denominator, lang)}<br>"
            f"{t('alliance.pending')}: {fmt_int(r.pending, lang)}"
            for lab, r in points
        ],
        "hoverinfo": "text", "connectgaps": False,
        "line": {"color": BLUE, "width": 2},
        "marker": {"size": 9, "color": BLUE,
                   "symbol": ["circle" if (v is not None and v >= goal) else "triangle-down" for v in values]},
    }
    layout = {
        "height": 320, "margin": {"l": 10, "r": 10, "t": 30, "b": 40}, "showlegend": False,
        "yaxis": {"range": [0, 110], "ticksuffix": " %", "title": {"text": t("alliance.percent")}},
        "xaxis": {"type": "category"},
        "shapes": [_goal_shape(goal, "y")],
        "annotations": [{"x": 1, "xref": "paper", "xanchor": "right", "y": goal, "yref": "y", "yanchor": "top",
                         "text": goal_text, "showarrow": False}],
    }
    return {"data": [line], "layout": layout}
