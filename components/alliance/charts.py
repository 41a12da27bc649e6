"""Alliance-indicator figures: sorted drill-down bars and series, each with the goal line.

States are never told by colour alone: every bar carries its value, its fraction and the
state in words (✓ cumple / ✗ bajo la meta / sin datos, plus a hatch pattern for «sin
datos»); series markers differ in shape; the palette is Okabe–Ito (blue / vermillion /
grey), safe for colour-blind readers. No SQL here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

from exports import theme
from rules.core import small_n
from rules.core.formatting import NO_DATA
from rules.core.formatting import fmt_pct as _fmt_pct

BLUE, VERMILLION, GREY, BLACK = "#0072B2", "#D55E00", "#999999", "#000000"
MAX_BARS = 40


def fmt_int(value, lang: str = "es") -> str:
    """Same text as ``rules.core.formatting.fmt_int`` (1.234 / 1,234) without a Babel call: the
    charts format hundreds of labels per run."""
    if value is None:
        return NO_DATA.get(lang, "sin datos")
    text = f"{int(round(value)):,}"
    return text.replace(",", ".") if lang == "es" else text


@functools.lru_cache(maxsize=4096)
def fmt_pct(value, decimals: int = 1, lang: str = "es") -> str:
    """``rules.core.formatting.fmt_pct`` (83,5 %), memoised: Babel's rounding is kept exactly."""
    return _fmt_pct(value, decimals, lang)


def fmt_money(value, lang: str = "es") -> str:
    """Same text as ``rules.core.formatting.fmt_money`` ($ 12.500.000)."""
    if value is None:
        return NO_DATA.get(lang, "sin datos")
    sign = "-" if value < 0 else ""
    return f"{sign}$ {fmt_int(abs(value), lang)}"


def is_small(row) -> bool:
    """A group under the minimum denominator (``rules.alliance.indicator.goal_status``):
    drawn neutral grey and said «n pequeño», never as meeting or missing the goal."""
    return getattr(row, "status", None) == small_n.SMALL_N


def _state(value: float | None, goal: float, t: Callable[[str], str], row=None) -> str:
    """The goal state in words with a plain symbol (renders in any font, no emoji needed)."""
    if value is None:
        return t("alliance.no_data")
    if row is not None and is_small(row):
        return t("common.small_n_status", n=int(row.denominator), min=small_n.minimum())
    return t("alliance.chart_meets") if value >= goal else t("alliance.chart_below")


def bar_label(row, goal: float, lang: str, t: Callable[[str], str]) -> str:
    if row.percent is None:
        return t("alliance.no_data")
    return f"{fmt_pct(row.percent, 1, lang)} ({fmt_int(row.numerator, lang)}/{fmt_int(row.denominator, lang)}) · " \
           f"{_state(row.percent, goal, t, row)}"


def _symbol(row, value: float | None, goal: float) -> str:
    if is_small(row):
        return "circle-open"
    return "circle" if (value is not None and value >= goal) else "triangle-down"


def _colour(row, goal: float) -> str:
    if row.percent is None or is_small(row):
        return GREY
    return BLUE if row.percent >= goal else VERMILLION


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


def goal_text(goal: float, lang: str, t: Callable[[str], str]) -> str:
    """«Meta 80 %» on one line (a no-break space between number and sign)."""
    return t("alliance.goal_line").format(goal=fmt_pct(goal, 0, lang)).replace(" %", "\u00a0%")


def drilldown_bar(rows: Sequence, goal: float, lang: str, t: Callable[[str], str]) -> theme.FigureSpec:
    """Horizontal bars of percent by group, sorted (best on top), with the goal line.

    Each bar's label («77,8 % (14/18) · ✗ bajo la meta») sits in a column to the right of
    the plot area, so the goal line never crosses it. Returned as a plain Plotly figure
    dict (no ``go.Figure`` building: that costs ~100 ms per figure and the page budget is
    300 ms).
    """
    rows = list(rows)
    hover = [
        f"<b>{r.name}</b><br>{t('alliance.percent')}: {fmt_pct(r.percent, 1, lang)}<br>"
        f"{t('alliance.numerator')}: {fmt_int(r.numerator, lang)} · {t('alliance.denominator')}: "
        f"{fmt_int(r.denominator, lang)}<br>{t('alliance.pending')}: {fmt_int(r.pending, lang)} · "
        f"{t('alliance.not_executed')}: {fmt_int(r.not_executed, lang)}<br>{_state(r.percent, goal, t, r)}"
        for r in rows
    ]
    labels = [bar_label(r, goal, lang, t) for r in rows]
    bar = {
        "type": "bar", "orientation": "h",
        "x": [r.percent if r.percent is not None else 0.0 for r in rows],
        "y": [r.name for r in rows],
        "customdata": [[r.key] for r in rows],
        "hovertext": hover, "hoverinfo": "text",
        "marker": {
            "color": [_colour(r, goal) for r in rows],
            "pattern": {"shape": ["/" if r.percent is None else ("." if is_small(r) else "") for r in rows]},
        },
    }
    size = theme.SCREEN_PX
    spec = {
        "height": max(240, 90 + 34 * len(rows)),
        "margin": {"l": 10, "r": theme.label_width(labels, size) + 16, "t": 40, "b": 40},
        "showlegend": False, "clickmode": "event+select", "dragmode": False,
        "xaxis": {"range": [0, 100], "ticksuffix": " %", "title": {"text": t("alliance.percent")}},
        "yaxis": {"autorange": "reversed"},
        "shapes": [_goal_shape(goal, "x")],
        "annotations": [
            {"x": goal, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom", "text": goal_text(goal, lang, t),
             "showarrow": False},
            *theme.label_column([r.name for r in rows], labels),
        ],
    }
    return {"data": [bar], "layout": theme.layout(lang, spec, size)}


def series_chart(points: Sequence[tuple[str, object]], goal: float, lang: str,
                 t: Callable[[str], str]) -> theme.FigureSpec:
    """Line of the indicator at each date (``points``: [(label, Row)]), gaps for «sin datos».

    The last point carries its value and state in words, below the point when under the
    goal and above it otherwise (never across the goal line); the goal is named beside
    the plot area, at the right.
    """
    values = [p[1].percent for p in points]
    last = len(points) - 1
    end_side = "top left" if (values and values[-1] is not None and values[-1] >= goal) else "bottom left"
    line = {
        "type": "scatter", "mode": "lines+markers+text", "x": [p[0] for p in points], "y": values,
        # value and state in words on the last point (and «sin datos» wherever it applies);
        # every point keeps its value in the hover and in the table under the chart
        "text": [t("alliance.no_data") if r.percent is None else
                 (f"{fmt_pct(r.percent, 1, lang)} · {_state(r.percent, goal, t, r)}" if i == last else "")
                 for i, (_, r) in enumerate(points)],
        "textposition": [end_side if i == last else "top center" for i in range(len(points))],
        "cliponaxis": False,
        "hovertext": [
            f"<b>{lab}</b><br>{t('alliance.percent')}: {fmt_pct(r.percent, 1, lang)}<br>{t('alliance.numerator')}: "
            f"{fmt_int(r.numerator, lang)} · {t('alliance.denominator')}: {fmt_int(r.denominator, lang)}<br>"
            f"{t('alliance.pending')}: {fmt_int(r.pending, lang)}<br>{_state(r.percent, goal, t, r)}"
            for lab, r in points
        ],
        "hoverinfo": "text", "connectgaps": False,
        "line": {"color": BLUE, "width": 2},
        "marker": {"size": 9, "color": BLUE,
                   "symbol": [_symbol(r, v, goal) for (_, r), v in zip(points, values)]},
    }
    size = theme.SCREEN_PX
    label = goal_text(goal, lang, t)
    spec = {
        "height": 340, "margin": {"l": 10, "r": theme.label_width([label], size) + 14, "t": 30, "b": 40},
        "showlegend": False,
        "yaxis": {"range": [0, 110], "ticksuffix": " %", "title": {"text": t("alliance.percent")}},
        # level labels never pile up: at most about five of them in a half-width chart
        "xaxis": {"type": "category", "dtick": max(1, -(-len(points) // 5))},
        "shapes": [_goal_shape(goal, "y")],
        "annotations": [{"x": 1, "xref": "paper", "xanchor": "left", "xshift": 6, "y": goal, "yref": "y",
                         "yanchor": "middle", "text": label, "showarrow": False}],
    }
    return {"data": [line], "layout": theme.layout(lang, spec, size)}
