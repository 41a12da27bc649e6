"""The one Plotly theme of every chart: on screen, in the presentation and in the pack.

Text is never smaller than :data:`SCREEN_PX` (14 px) on a screen chart nor :data:`PACK_PT`
(12 pt) in a pack chart (pack PNGs are drawn on a canvas of the chart's box on the slide in
points, 1 px = 1 pt); numbers follow the language (``2.500`` / ``83,5`` in es-CO, also on
the axes: ``separatethousands``); tick labels are never rotated. Plain dicts, no Plotly
import: the alliance page builds its figures as dicts for speed.
"""

from __future__ import annotations

import copy
import re

SCREEN_PX = 14
PACK_PT = 12
FONT_FAMILY = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
INK = "#1B2A22"
GRID = "#E5E5E5"
FONT_KEYS = frozenset({"font", "tickfont", "textfont", "insidetextfont", "outsidetextfont", "titlefont"})
_AXIS = re.compile(r"^[xy]axis\d*$")
FigureSpec = dict  # a figure as Plotly's plain data, {"data": [...], "layout": {...}}


def separators(lang: str) -> str:
    """Plotly's decimal and thousands separators for ``lang`` (es-CO: ``83,5`` and ``2.500``)."""
    return ",." if lang == "es" else ".,"


def merge(base: dict, over: dict) -> dict:
    """``base`` updated by ``over``, nested dicts merged (neither is changed)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def axis(size: int = SCREEN_PX) -> dict:
    """An axis at ``size``: horizontal tick labels, thousands separated (2.500, not 2500)."""
    return {"tickfont": {"size": size}, "title": {"font": {"size": size}}, "tickangle": 0,
            "separatethousands": True, "automargin": True, "gridcolor": GRID}


def base(lang: str, size: int = SCREEN_PX) -> dict:
    """The theme's layout at text ``size``."""
    return {
        "font": {"family": FONT_FAMILY, "size": size, "color": INK},
        "separators": separators(lang),
        "hoverlabel": {"font": {"size": size}},
        "legend": {"font": {"size": size}},
        "title": {"font": {"size": size + 2}},
        # text inside a bar is never shrunk below the minimum: it moves out or is left to the hover
        "uniformtext": {"minsize": size, "mode": "hide"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": axis(size),
        "yaxis": axis(size),
    }


def layout(lang: str, spec: dict | None = None, size: int = SCREEN_PX) -> dict:
    """``spec`` (a figure's own layout) on the theme: the theme under it, every axis it
    names (``xaxis2``, ``yaxis3``...) themed too, and no text under ``size``."""
    spec = spec or {}
    out = merge(base(lang, size), spec)
    for key in list(out):
        if _AXIS.match(key):
            out[key] = merge(axis(size), out[key])
    return floor_fonts(out, size)


def floor_fonts(tree, size: int):
    """``tree`` with every font size under ``size`` raised to it (in place; returned)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in FONT_KEYS and isinstance(value, dict) and isinstance(value.get("size"), int | float):
                value["size"] = max(size, value["size"])
            floor_fonts(value, size)
        if isinstance(tree.get("uniformtext"), dict):
            tree["uniformtext"]["minsize"] = max(size, tree["uniformtext"].get("minsize") or 0)
    elif isinstance(tree, list):
        for item in tree:
            floor_fonts(item, size)
    return tree


def rescale(spec: dict, size: int) -> dict:
    """A figure spec (``{"data", "layout"}``) redrawn with ``size`` as its body text: every
    font and margin scaled by ``size`` / the spec's body size, none under ``size``."""
    spec = copy.deepcopy(spec)
    lay = spec.setdefault("layout", {})
    current = ((lay.get("font") or {}).get("size")) or SCREEN_PX
    factor = size / current

    def scale(tree):
        if isinstance(tree, dict):
            for key, value in tree.items():
                if key in FONT_KEYS and isinstance(value, dict):
                    if isinstance(value.get("size"), int | float):
                        value["size"] = max(size, round(value["size"] * factor, 1))
                    elif isinstance(value.get("size"), list):
                        value["size"] = [max(size, round(s * factor, 1)) for s in value["size"]]
                elif key in ("xshift", "yshift") and isinstance(value, int | float):
                    tree[key] = value * factor
                scale(value)
        elif isinstance(tree, list):
            for item in tree:
                scale(item)

    scale(spec)
    margin = lay.get("margin") or {}
    for side in ("l", "r", "t", "b"):
        if isinstance(margin.get(side), int | float):
            margin[side] = round(margin[side] * factor)
    lay["font"] = {**(lay.get("font") or {}), "size": size}
    if isinstance(lay.get("uniformtext"), dict):
        lay["uniformtext"]["minsize"] = size
    return spec


def label_width(texts, size: int = SCREEN_PX) -> int:
    """Rough width in px of the longest of ``texts`` at ``size`` (for a margin that holds it)."""
    longest = max((len(re.sub(r"<[^>]+>", "", str(x))) for x in texts), default=0)
    return int(longest * size * 0.6) + 4


def label_column(ys, texts, yref: str = "y") -> list[dict]:
    """One annotation per bar of a horizontal bar chart, in a column right of the plot
    area: a value label there never meets a goal line nor another bar's label."""
    return [{"x": 1, "xref": "paper", "xanchor": "left", "xshift": 8, "y": y, "yref": yref, "text": text,
             "showarrow": False, "align": "left"} for y, text in zip(ys, texts)]
