"""Alliance-indicator figures: sorted drill-down bars and series, each with the goal line.

States are never told by colour alone: every bar carries its value, its fraction and an
icon (✅ meets the goal, ⚠️ does not, «sin datos» without denominator); the palette is
Okabe–Ito (blue / vermillion / grey), safe for colour-blind readers. No SQL here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import plotly.graph_objects as go

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


def drilldown_bar(rows: Sequence, goal: float, lang: str, t: Callable[[str], str]) -> go.Figure:
    """Horizontal bars of percent by group, sorted (best on top), with the goal line."""
    rows = list(rows)
    no_data = t("alliance.no_data")
    names = [r.name for r in rows]
    values = [r.percent if r.percent is not None else 0.0 for r in rows]
    colours = [GREY if r.percent is None else (BLUE if r.percent >= goal else VERMILLION) for r in rows]
    labels = [bar_label(r, goal, lang, no_data) for r in rows]
    hover = [
        f"<b>{r.name}</b><br>{t('alliance.percent')}: {fmt_pct(r.percent, 1, lang)}<br>"
        f"{t('alliance.numerator')}: {fmt_int(r.numerator, lang)} · {t('alliance.denominator')}: "
        f"{fmt_int(r.denominator, lang)}<br>{t('alliance.pending')}: {fmt_int(r.pending, lang)} · "
        f"{t('alliance.not_executed')}: {fmt_int(r.not_executed, lang)}"
        for r in rows
    ]
    fig = go.Figure(
        go.Bar(
            x=values, y=names, orientation="h", marker_color=colours, text=labels, textposition="outside",
            cliponaxis=False, customdata=[[r.key] for r in rows], hovertext=hover, hoverinfo="text",
            marker_pattern_shape=["/" if r.percent is None else "" for r in rows],
        )
    )
    fig.add_vline(x=goal, line_dash="dash", line_color=BLACK, annotation_text=t("alliance.goal_line").format(
        goal=fmt_pct(goal, 0, lang)), annotation_position="top")
    fig.update_layout(
        height=max(220, 70 + 30 * len(rows)), margin=dict(l=10, r=150, t=30, b=30), showlegend=False,
        xaxis=dict(range=[0, 100], ticksuffix=" %", title=t("alliance.percent")),
        yaxis=dict(autorange="reversed", automargin=True), clickmode="event+select", dragmode=False,
    )
    return fig


def series_chart(points: Sequence[tuple[str, object]], goal: float, lang: str, t: Callable[[str], str]) -> go.Figure:
    """Line of the indicator at each date (``points``: [(label, Row)]), gaps for «sin datos»."""
    labels = [p[0] for p in points]
    values = [p[1].percent for p in points]
    text = [
        t("alliance.no_data") if r.percent is None
        else f"{fmt_pct(r.percent, 1, lang)} {_icon(r.percent, goal)}" for _, r in points
    ]
    hover = [
        f"<b>{lab}</b><br>{t('alliance.percent')}: {fmt_pct(r.percent, 1, lang)}<br>{t('alliance.numerator')}: "
        f"{fmt_int(r.numerator, lang)} · {t('alliance.denominator')}: {fmt_int(r.denominator, lang)}<br>"
        f"{t('alliance.pending')}: {fmt_int(r.pending, lang)}"
        for lab, r in points
    ]
    fig = go.Figure(
        go.Scatter(x=labels, y=values, mode="lines+markers+text", text=text, textposition="top center",
                   hovertext=hover, hoverinfo="text", line=dict(color=BLUE, width=2), marker=dict(size=9,
                   symbol=["circle" if (v is not None and v >= goal) else "triangle-down" for v in values]),
                   connectgaps=False)
    )
    fig.add_hline(y=goal, line_dash="dash", line_color=BLACK,
                  annotation_text=t("alliance.goal_line").format(goal=fmt_pct(goal, 0, lang)),
                  annotation_position="bottom right")
    fig.update_layout(height=320, margin=dict(l=10, r=10, t=30, b=30), showlegend=False,
                      yaxis=dict(range=[0, 110], ticksuffix=" %", title=t("alliance.percent")),
                      xaxis=dict(type="category"))
    return fig
