"""Plotly figures of the committee views and their static PNG rendering (kaleido).

* Okabe–Ito colour-blind-safe palette; every state is also written as text on the
  figure (values and ✔/✖ labels), never conveyed by colour alone.
* The map is drawn from the stored DANE MGN boundaries (``boundary_set``, TopoJSON
  decoded here to polygons) as filled shapes on plain axes: no geo base layer, so no
  topojson is ever fetched from the web — the same picture in the browser and in kaleido.
* ``render_png_batch`` renders many figures in ONE kaleido/Chromium session (the
  local Debian Chromium; plotly.js from the installed plotly package, no CDN).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go

from exports import theme
from rules.core.formatting import fmt_int

# Okabe & Ito (2008), "Color Universal Design".
OKABE_ITO = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
    "grey": "#999999",
}
SEQUENCE = [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "vermillion", "sky_blue",
                                   "reddish_purple", "yellow", "black")]
ROUTE_COLOURS = {"basica": OKABE_ITO["orange"], "intermedia": OKABE_ITO["sky_blue"],
                 "competitividad": OKABE_ITO["bluish_green"]}
GOOD, BAD = OKABE_ITO["blue"], OKABE_ITO["vermillion"]
# Sequential classes for the choropleth (light → dark blue; readable in grey scale too).
MAP_CLASSES = ["#DCEAF5", "#A6CBE6", "#56B4E9", "#0072B2", "#08306B"]
NO_DATA_COLOUR = "#EEEEEE"

FONT = theme.FONT_FAMILY
# The chart's box on a pack slide, in points (7,28 × 4,31 in; 185 × 109 mm): the PPTX and the
# PDF both place the PNG at exactly this size, so a pack chart drawn 1 px = 1 pt has its text
# at theme.PACK_PT (12 pt) or more. PNG_SCALE gives it print resolution.
PACK_BOX_PT = (524, 310)
PNG_SCALE = 3.0
PNG_SIZE = PACK_BOX_PT
BIG_PX = 20  # body text of the committee views on screen (presentation mode)


def base_layout(fig: go.Figure, *, big: bool = True, legend: bool = True, lang: str = "es") -> go.Figure:
    """The shared theme (``exports.theme``) at presentation size (20 px) or page size (14 px)."""
    size = BIG_PX if big else theme.SCREEN_PX
    spec = {
        "colorway": SEQUENCE,
        "margin": {"l": 20, "r": 20, "t": 30, "b": 20},
        "showlegend": legend,
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    own = fig.layout.to_plotly_json()
    own.pop("template", None)  # already the figure's: merged back, plotly would re-validate all of it
    fig.update_layout(theme.layout(lang, theme.merge(spec, own), size))
    return fig


def for_pack(fig: go.Figure, size: tuple[int, int] = PACK_BOX_PT) -> go.Figure:
    """``fig`` redrawn for its box on a pack slide: ``size`` in points, text at 12 pt or more."""
    spec = fig.to_plotly_json()
    spec["layout"].pop("template", None)  # nothing in it to rescale; rebuilt from a dict plotly re-validates it
    spec = theme.rescale(spec, theme.PACK_PT)
    spec["layout"].update(width=size[0], height=size[1], autosize=False)
    out = go.Figure(spec)
    out.layout.template = fig.layout.template
    return out


# ------------------------------------------------------------------------- view figures


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of about ``width`` characters (``<br>``), at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


def households_trend(rows: list[dict], route_labels: dict[str, str], quarter_labels: dict, y_title: str,
                     big: bool = True, lang: str = "es") -> go.Figure:
    """Cumulative households served at each quarter end, one line per route (labelled at the end)."""
    fig = go.Figure()
    for route, label in route_labels.items():
        pts = sorted((r["quarter_end"], r["households"]) for r in rows if r["route"] == route)
        if not pts:
            continue
        xs = [quarter_labels[q] for q, _ in pts]
        ys = [v for _, v in pts]
        fig.add_trace(go.Scatter(
            x=xs, y=ys, name=label, mode="lines+markers+text",
            line={"color": ROUTE_COLOURS.get(route), "width": 4},
            marker={"size": 10, "symbol": {"basica": "circle", "intermedia": "square"}.get(route, "diamond")},
            text=[""] * (len(ys) - 1) + [fmt_int(ys[-1], lang)], textposition="top left", cliponaxis=False,
            hovertemplate="%{x}: %{y:,}<extra>%{fullData.name}</extra>",
        ))
    # the axis named level above it (a vertical title is cut on a short chart), the legend at the right
    top = max((r["households"] for r in rows), default=0)
    fig.update_yaxes(range=[0, max(1, top) * 1.18])  # room above the highest end label
    fig.update_xaxes(type="category")
    fig.update_layout(
        margin={"t": 50},
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.02, "yanchor": "bottom"},
        annotations=[{"text": y_title, "x": 0, "xref": "paper", "xanchor": "left", "y": 1.02, "yref": "paper",
                      "yanchor": "bottom", "showarrow": False}],
    )
    base_layout(fig, big=big, lang=lang)
    return fig


def funnel_bars(stage_rows: list[tuple[str, str, int]], route_labels: dict[str, str], x_title: str,
                big: bool = True, lang: str = "es") -> go.Figure:
    """Participants reaching each stage: one panel per route (its own scale: a route of 40
    next to one of 2.600 is still read), stages shared down the left, every count written
    beside its bar."""
    from plotly.subplots import make_subplots

    routes = [(route, label) for route, label in route_labels.items() if any(r == route for r, _, _ in stage_rows)]
    stages: list[str] = []  # every route's stages in its own order (a stage one route lacks goes where it falls)
    for route, _ in routes:
        previous = None
        for r, stage, _ in stage_rows:
            if r != route:
                continue
            if stage not in stages:
                stages.insert(stages.index(previous) + 1 if previous in stages else len(stages), stage)
            previous = stage
    fig = make_subplots(rows=1, cols=max(1, len(routes)), shared_yaxes=True, horizontal_spacing=0.08,
                        subplot_titles=[wrap(label, 14) for _, label in routes])
    for i, (route, label) in enumerate(routes, start=1):
        counts = {s: c for r, s, c in stage_rows if r == route}
        ys = [s for s in stages if s in counts]
        xs = [counts[s] for s in ys]
        fig.add_trace(go.Bar(
            y=ys, x=xs, name=label, orientation="h", showlegend=False,
            marker={"color": ROUTE_COLOURS.get(route),
                    "pattern": {"shape": {"basica": "", "intermedia": "/", "competitividad": "."}.get(route, "")}},
            text=[fmt_int(c, lang) for c in xs], textposition="outside", cliponaxis=False, constraintext="none",
            hovertemplate="%{y}: %{x:,}<extra>" + label + "</extra>",
        ), row=1, col=i)
        # room at the right of each panel for its longest count; every count is written beside its
        # bar, so the panels need no tick numbers (side by side they would run into each other)
        fig.update_xaxes(range=[0, max(1, max(xs, default=0)) * 1.45], showticklabels=False, row=1, col=i)
    fig.update_layout(bargap=0.25, margin={"t": 60})
    fig.update_yaxes(autorange="reversed", categoryorder="array", categoryarray=stages)
    fig.update_xaxes(title=x_title, row=1, col=(len(routes) + 1) // 2 or 1)
    base_layout(fig, big=big, legend=False, lang=lang)
    return fig


def compliance_bars(names: list[str], values: list[float | None], texts: list[str], goal: float | None,
                    goal_label: str, x_title: str, big: bool = True, lang: str = "es",
                    neutral: Sequence[bool] | None = None) -> go.Figure:
    """Horizontal % bars against a goal line; meeting / not meeting shown by ✔/✖ text AND colour.

    Each bar's text sits in a column right of the plot area and the goal is named above
    it, so the goal line never crosses a label. ``neutral`` bars («n pequeño») are grey and
    dotted: neither meeting nor missing the goal."""
    neutral = list(neutral) if neutral is not None else [False] * len(values)
    colours = [OKABE_ITO["grey"] if n else GOOD if (goal is None or (v is not None and v >= goal)) else BAD
               for v, n in zip(values, neutral)]
    patterns = ["." if n else "" if (goal is None or (v is not None and v >= goal)) else "x"
                for v, n in zip(values, neutral)]
    size = BIG_PX if big else theme.SCREEN_PX
    fig = go.Figure(go.Bar(
        y=names, x=[v or 0 for v in values], orientation="h",
        marker={"color": colours, "pattern": {"shape": patterns}}, showlegend=False,
        hovertemplate="%{y}: %{x:.1f} %<extra></extra>",
    ))
    annotations = theme.label_column(names, texts)
    shapes = []
    if goal is not None:
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": goal, "x1": goal, "y0": 0, "y1": 1,
                       "line": {"color": "#000000", "dash": "dash", "width": 3}})
        annotations.append({"x": goal, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom",
                            "text": goal_label.replace(" %", "\u00a0%"), "showarrow": False})
    fig.update_layout(annotations=annotations, shapes=shapes,
                      margin={"l": 20, "r": theme.label_width(texts, size) + 16, "t": 40, "b": 20})
    fig.update_xaxes(title=x_title, range=[0, 100], ticksuffix=" %")
    fig.update_yaxes(autorange="reversed")
    base_layout(fig, big=big, legend=False, lang=lang)
    return fig


def stacked_bars(categories: list[str], series: dict[str, list[int]], x_title: str,
                 big: bool = True, lang: str = "es") -> go.Figure:
    colours = [OKABE_ITO["vermillion"], OKABE_ITO["orange"], OKABE_ITO["sky_blue"]]
    shapes = ["x", "/", ""]
    fig = go.Figure()
    for i, (name, vals) in enumerate(series.items()):
        fig.add_trace(go.Bar(y=categories, x=vals, name=name, orientation="h",
                             marker={"color": colours[i % 3], "pattern": {"shape": shapes[i % 3]}},
                             text=[fmt_int(v, lang) if v else "" for v in vals], textposition="inside",
                             insidetextanchor="middle",
                             hovertemplate="%{y}<br>%{fullData.name}: %{x:,}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=x_title)
    fig.update_yaxes(autorange="reversed")
    base_layout(fig, big=big, lang=lang)
    return fig


# ------------------------------------------------------------------------------ the map


def topojson_polygons(topo_text: str) -> dict[str, list[list[tuple[float, float]]]]:
    """Decode a TopoJSON topology into {municipality code: [ring, ...]} (outer and inner rings).

    The code is the geometry's ``id`` or the first 5-digit property value (DANE
    ``MPIO_CDPMP``, ``code``, ``municipality_code``...).
    """
    topo = json.loads(topo_text)
    tr = topo.get("transform")
    arcs_abs: list[list[tuple[float, float]]] = []
    for arc in topo.get("arcs", []):
        pts = []
        x = y = 0
        for p in arc:
            if tr:
                x += p[0]
                y += p[1]
                pts.append((x * tr["scale"][0] + tr["translate"][0], y * tr["scale"][1] + tr["translate"][1]))
            else:
                pts.append((p[0], p[1]))
        arcs_abs.append(pts)

    def ring(indexes):
        out: list[tuple[float, float]] = []
        for i in indexes:
            pts = arcs_abs[i] if i >= 0 else list(reversed(arcs_abs[~i]))
            out.extend(pts if not out else pts[1:])
        return out

    def code_of(geom) -> str | None:
        cands = [geom.get("id")] + list((geom.get("properties") or {}).values())
        for c in cands:
            s = str(c) if c is not None else ""
            if len(s) == 5 and s.isdigit():
                return s
        for c in cands:
            s = str(c) if c is not None else ""
            if s.isdigit() and len(s) == 4:  # leading zero lost (e.g. 5001 → 05001)
                return s.zfill(5)
        return None

    result: dict[str, list] = {}

    def walk(geom):
        kind = geom.get("type")
        if kind == "GeometryCollection":
            for g in geom.get("geometries", []):
                walk(g)
            return
        code = code_of(geom)
        if code is None:
            return
        if kind == "Polygon":
            polys = [geom["arcs"]]
        elif kind == "MultiPolygon":
            polys = geom["arcs"]
        else:
            return
        rings = result.setdefault(code, [])
        for poly in polys:
            for r in poly:
                rings.append(ring(r))

    for obj in topo.get("objects", {}).values():
        walk(obj)
    return result


def class_breaks(values: Sequence[int], k: int = 5) -> list[int]:
    """Upper bounds of up to ``k`` quantile classes of the positive values."""
    pos = sorted(v for v in values if v > 0)
    if not pos:
        return []
    bounds = []
    for i in range(1, k + 1):
        b = pos[min(len(pos) - 1, int(round(i * len(pos) / k)) - 1)]
        if not bounds or b > bounds[-1]:
            bounds.append(b)
    return bounds


def choropleth(polygons: dict[str, list], values: dict[str, int], class_label, no_data_label: str,
               outline: dict[str, list] | None = None, big: bool = True, lang: str = "es") -> go.Figure:
    """Filled municipality polygons coloured by class (one trace per class, legend = class
    ranges as text). ``class_label(lo, hi)`` formats a range."""
    breaks = class_breaks([values.get(c, 0) for c in polygons])
    groups: list[list[str]] = [[] for _ in breaks]
    zero: list[str] = []
    for code in polygons:
        v = values.get(code, 0)
        if v <= 0 or not breaks:
            zero.append(code)
            continue
        for i, b in enumerate(breaks):
            if v <= b:
                groups[i].append(code)
                break
    fig = go.Figure()

    def add(codes, colour, name):
        xs: list = []
        ys: list = []
        for c in codes:
            for r in polygons[c]:
                xs.extend(round(p[0], 3) for p in r)
                ys.extend(round(p[1], 3) for p in r)
                xs.append(None)
                ys.append(None)
        if not xs:
            return
        fig.add_trace(go.Scatter(x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines",
                                 line={"color": "#FFFFFF", "width": 0.4}, name=name, hoverinfo="skip",
                                 meta={"codes": list(codes)}))

    add(zero, NO_DATA_COLOUR, no_data_label)
    lo = 1
    palette = MAP_CLASSES[-len(breaks):] if breaks else []
    for i, b in enumerate(breaks):
        add(groups[i], palette[i], class_label(lo, b))
        lo = b + 1
    fig.update_layout(legend={"orientation": "v", "x": 0.0, "y": 0.02, "yanchor": "bottom",
                              "bgcolor": "rgba(255,255,255,0.85)"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    base_layout(fig, big=big, lang=lang)
    return fig


# --------------------------------------------------------------------- static rendering

_KALEIDO_LOCK = threading.Lock()
_SERVER_STARTED = False


def _ensure_server() -> None:
    global _SERVER_STARTED
    import kaleido

    if not _SERVER_STARTED:
        kaleido.start_sync_server(n=1, silence_warnings=True)
        _SERVER_STARTED = True


def warm_up() -> None:
    """Start Chromium ahead of time (e.g. in a thread while the SQL runs)."""
    with _KALEIDO_LOCK:
        _ensure_server()
        import kaleido

        kaleido.calc_fig_sync(go.Figure(), opts={"format": "png", "width": 10, "height": 10})


def stop() -> None:
    """Shut the kaleido Chromium down (a CLI run or a benchmark ends; the app keeps it)."""
    global _SERVER_STARTED
    with _KALEIDO_LOCK:
        if not _SERVER_STARTED:
            return
        try:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
        except Exception:  # noqa: BLE001 — shutting down is best effort
            pass
        _SERVER_STARTED = False


def render_png_batch(figs: Sequence[go.Figure], size: tuple[int, int] = PNG_SIZE, scale: float = PNG_SCALE
                     ) -> list[bytes]:
    """PNG bytes of every figure as drawn for a pack slide (:func:`for_pack`: ``size`` in
    points, text ≥ 12 pt), rendered in one kaleido session (one Chromium)."""
    if not figs:
        return []
    import kaleido

    os.environ.setdefault("BROWSER_PATH", "/usr/bin/chromium")
    if not (Path(os.environ["BROWSER_PATH"]).exists() or shutil.which("chromium")):
        # kaleido would wait for a browser forever
        raise RuntimeError("No se encontró Chromium para dibujar las imágenes de los gráficos: instale el "
                           "paquete «chromium» (Debian) o indique su ruta en BROWSER_PATH.")
    with tempfile.TemporaryDirectory(prefix="tablero-png-") as tmp, _KALEIDO_LOCK:
        _ensure_server()
        paths = [Path(tmp) / f"fig{i}.png" for i in range(len(figs))]
        kaleido.write_fig_from_object_sync([
            {"fig": for_pack(fig, size), "path": str(path),
             "opts": {"format": "png", "width": size[0], "height": size[1], "scale": scale}}
            for fig, path in zip(figs, paths)
        ])
        return [p.read_bytes() for p in paths]


def render_png(fig: go.Figure, size: tuple[int, int] = PNG_SIZE, scale: float = PNG_SCALE) -> bytes:
    return render_png_batch([fig], size, scale)[0]
