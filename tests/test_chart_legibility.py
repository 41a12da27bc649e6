"""Every chart can be read when projected (issue 15, point 3): asserted on the figure objects
of EVERY chart builder — text ≥ 14 px on screen and ≥ 12 pt in the pack, es-CO separators
(``2.500``, ``83,5``) on axes and labels, tick labels never rotated, every bar and funnel
stage labelled, value labels never where a goal line crosses them.

The builders are found, not listed: every public function of a chart module that returns a
figure must have a sample here (a new one fails :func:`test_every_builder_has_a_sample`), and
a production module that builds a figure outside the chart modules fails
:func:`test_figures_are_built_only_in_chart_modules`.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import inspect
import io
import re
from pathlib import Path
from types import SimpleNamespace

import plotly.graph_objects as go
import pytest
from pptx import Presentation
from pptx.util import Pt

from components.core.context import PageContext
from components.sla.common import Texts
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from exports import charts, theme
from rules.core.i18n import t as translate
from rules.routes import model as R
from rules.routes.funnels import build_funnel, build_sankey, compare_funnels

ROOT = Path(__file__).resolve().parents[1]
CHART_MODULES = ("components.alliance.charts", "components.routes.charts", "components.sla.scorecard",
                 "components.sla.ranking", "exports.charts")
# modules that show or copy a figure built elsewhere
FIGURE_USERS = {"components/core/chart_export.py", "components/core/plotting.py"}
# figure-returning helpers that are not charts themselves (each applied by the builders below)
NOT_BUILDERS = {"components.routes.charts.figure", "exports.charts.base_layout", "exports.charts.for_pack",
                "exports.charts.topojson_polygons",
                "components.sla.scorecard.status_chart"}  # the cached read of status_figure

ING, CAP, FOR, FML, VIA, SOL, REQ, SRV, PLN, SAL = R.STAGES


def _ctx(lang: str) -> PageContext:
    return PageContext(viewer=Viewer("a", "analista_pmo", scope_label="Nacional"),
                       filters=GlobalFilters(cutoff=dt.date(2026, 9, 30)), url="sqlite://", lang=lang)


def _alliance_row(key, name, num, den):
    pct = None if not den else 100.0 * num / den
    return SimpleNamespace(key=key, code=key, name=name, numerator=num, denominator=den, pending=1,
                           not_executed=0, percent=pct, meets_goal=None if pct is None else pct >= 80)


# A funnel of 500 entrants whose last stages are tiny ("Plan cumplido 9", "Salida 8").
SMALL_END = build_funnel(
    "basica",
    {ING: {None: 2500}, CAP: {10: 2400}, FOR: {5: 900}, FML: {7: 1800}, VIA: {1: 1500}, SOL: {1: 1200},
     REQ: {1: 900}, SRV: {1: 600}, PLN: {3: 9}, SAL: {3: 8}},
    {(CAP, R.EXIT_ABANDONO): 100, (VIA, R.EXIT_NO_VIABLE): 300, (FML, "raro"): 2, (REQ, R.EXIT_ABANDONO): 3},
)
OTHER = build_funnel("intermedia", {ING: {None: 40}, CAP: {3: 30}}, {(CAP, R.EXIT_ABANDONO): 10})
STAGES = ["Ingreso", "Evaluación de capacidades", "Plan cumplido", "Salida (egreso cumplido)"]


def _samples(lang: str) -> dict[str, callable]:
    """One call per builder, on data shaped like the page's (big values, tiny stages, long names)."""
    c, tx = _ctx(lang), Texts(lang, "Nacional")
    tr = functools.partial(translate, lang=lang)
    rows = [_alliance_row("1", "Ventana 1", 31, 37), _alliance_row("2", "Ventana 2", 14, 18),
            _alliance_row("3", "Ventana 3", 0, 0)]
    points = [("T1 2026", rows[0]), ("T2 2026", rows[1]), ("T3 2026", _alliance_row("x", "x", 58, 74))]
    sankey = build_sankey([("barrido", "basica", R.EXIT_GRADUADO, "intermedia", None, None, None, 2500)])
    cov = [{"route": "basica", "service": "asistencia_tecnica", "activated": 4000, "received": 3000,
            "coverage_pct": 75.0}]
    stage_rows = [("basica", s, n) for s, n in zip(STAGES, (2500, 2400, 9, 8))] + \
                 [("competitividad", s, n) for s, n in zip(STAGES, (40, 30, 3, 2))]
    routes = {"basica": "Ruta básica", "competitividad": "Ruta de la competitividad"}
    square = {"05001": [[(0, 0), (1, 0), (1, 1), (0, 0)]], "05002": [[(1, 0), (2, 0), (2, 1), (1, 0)]]}
    return {
        "components.alliance.charts.drilldown_bar": lambda: __import__(
            "components.alliance.charts", fromlist=["x"]).drilldown_bar(rows, 80.0, lang, tr),
        "components.alliance.charts.series_chart": lambda: __import__(
            "components.alliance.charts", fromlist=["x"]).series_chart(points, 80.0, lang, tr),
        "components.routes.charts.funnel_figure": lambda: _mod("components.routes.charts").funnel_figure(
            c, "basica", SMALL_END, validate=True),
        "components.routes.charts.losses_figure": lambda: _mod("components.routes.charts").losses_figure(
            c, {"basica": SMALL_END, "intermedia": OTHER}, validate=True),
        "components.routes.charts.sankey_figure": lambda: _mod("components.routes.charts").sankey_figure(
            c, sankey, validate=True),
        "components.routes.charts.coverage_figure": lambda: _mod("components.routes.charts").coverage_figure(
            c, cov, validate=True),
        "components.routes.charts.comparison_figure": lambda: _mod("components.routes.charts").comparison_figure(
            c, "basica", compare_funnels(SMALL_END, SMALL_END), ("A", "B"), validate=True),
        "components.sla.scorecard.trend_figure": lambda: _mod("components.sla.scorecard").trend_figure(
            tx, [("Operador A", {"2026Q2": 78.0, "2026Q3": 80.5}, "#0072B2", "solid"),
                 ("Todos", {"2026Q2": 79.0, "2026Q3": 80.0}, "#E69F00", "dash")], ["2026Q2", "2026Q3"]),
        "components.sla.scorecard.status_figure": lambda: _mod("components.sla.scorecard").status_figure(
            tx, [("OP1", "Operador A", {"cumple": 2500, "incumple": 3}),
                 ("OP2", "Operador B", {"en_riesgo": 1, "sin_reporte": 4})]),
        "components.sla.ranking.ranking_figure": lambda: _mod("components.sla.ranking").ranking_figure(
            tx, ["Operador A (OP1)", "Operador B (OP2)"], [91.5, -1.0], ["91,5 %", "sin datos"]),
        "exports.charts.households_trend": lambda: charts.households_trend(
            [{"route": "basica", "quarter_end": q, "households": n} for q, n in ((1, 1400), (2, 2500))],
            {"basica": "Ruta básica"}, {1: "T2 2026", 2: "T3 2026"}, "Hogares", lang=lang),
        "exports.charts.funnel_bars": lambda: charts.funnel_bars(stage_rows, routes, "Participantes", lang=lang),
        "exports.charts.compliance_bars": lambda: charts.compliance_bars(
            ["Oficina A", "Oficina B"], [77.8, 91.0], ["✖ 77,8 % (14/18)", "✔ 91,0 % (91/100)"], 80.0,
            "Meta 80 %", "%", lang=lang),
        "exports.charts.stacked_bars": lambda: charts.stacked_bars(
            ["Vías", "Riego"], {"Alta": [1200, 0], "Baja": [3, 2500]}, "Alertas", lang=lang),
        "exports.charts.choropleth": lambda: charts.choropleth(
            square, {"05001": 2500}, lambda lo, hi: f"{lo}–{hi}", "Sin datos", lang=lang),
    }


def _mod(name: str):
    return importlib.import_module(name)


def _spec(fig) -> dict:
    """The figure as plain data, validated by Plotly (a dict spec must be a valid figure too)."""
    return (fig if isinstance(fig, go.Figure) else go.Figure(fig)).to_plotly_json()


def _fonts(tree, path=""):
    """(path, size) of every font size in a figure spec."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            if key in theme.FONT_KEYS and isinstance(value, dict) and value.get("size") is not None:
                sizes = value["size"] if isinstance(value["size"], list | tuple) else [value["size"]]
                for s in sizes:
                    yield f"{path}.{key}", s
            yield from _fonts(value, f"{path}.{key}")
    elif isinstance(tree, list | tuple):
        for i, item in enumerate(tree):
            yield from _fonts(item, f"{path}[{i}]")


def problems(spec: dict, minimum: float, lang: str) -> list[str]:
    """What would make the figure hard to read when projected (empty: nothing)."""
    lay, out = spec["layout"], []
    if (lay.get("font") or {}).get("size", 0) < minimum:
        out.append(f"body text {lay.get('font')} under {minimum}")
    out += [f"{p} = {s} under {minimum}" for p, s in _fonts(spec) if s < minimum]
    if (lay.get("hoverlabel") or {}).get("font", {}).get("size", 0) < minimum:
        out.append("hover text under the minimum")
    if (lay.get("uniformtext") or {}).get("minsize", 0) < minimum:
        out.append("text inside bars may shrink under the minimum (uniformtext)")
    if lay.get("separators") != theme.separators(lang):
        out.append(f"separators {lay.get('separators')!r}")
    for key, ax in lay.items():
        if re.match(r"^[xy]axis\d*$", key) and ax.get("visible", True):
            if ax.get("tickangle") != 0:
                out.append(f"{key}: tick labels may rotate (tickangle {ax.get('tickangle')})")
            if ax.get("type") == "multicategory":
                out.append(f"{key}: multicategory labels are drawn rotated")
            if not ax.get("separatethousands"):
                out.append(f"{key}: 2500 would read 2500, not 2.500")
    annotated = {(a.get("yref", "y"), str(a.get("y"))) for a in lay.get("annotations", ()) if a.get("text")}
    goal_across_bars = any(s.get("type") == "line" and s.get("xref") == "x" for s in lay.get("shapes", ()))
    for i, tr in enumerate(spec["data"]):
        if tr.get("type") not in ("bar", "funnel"):
            continue
        values = tr.get("x") if tr.get("orientation") == "h" or tr.get("type") == "funnel" else tr.get("y")
        texts = list(tr.get("text") or [])
        yref = "y" + str(tr.get("yaxis", "y"))[1:]
        for j, (value, label) in enumerate(zip(values, tr.get("y"))):
            if not value:
                continue
            written = j < len(texts) and str(texts[j]).strip()
            if not written and (yref, str(label)) not in annotated:
                out.append(f"trace {i} point {label!r} ({value}) has no label")
        if tr.get("type") == "funnel":
            positions = tr.get("textposition")
            positions = positions if isinstance(positions, list | tuple) else [positions] * len(values)
            widest = max(values) or 1
            out += [f"funnel stage {label!r} ({value}) labelled inside a bar too narrow to hold it"
                    for value, label, where in zip(values, tr["y"], positions)
                    if where in (None, "inside", "auto") and value < 0.2 * widest]
        if goal_across_bars and texts and any(texts) and tr.get("textposition") in (None, "outside", "auto"):
            out.append(f"trace {i}: bar labels at the bars' ends, where the goal line crosses them")
    return out


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_chart_is_legible_on_screen(lang):
    for name, build in _samples(lang).items():
        assert problems(_spec(build()), theme.SCREEN_PX, lang) == [], name


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_chart_is_legible_in_the_pack(lang):
    """Drawn for the slide (1 px = 1 pt on the chart's box), every text is ≥ 12 pt."""
    for name, build in _samples(lang).items():
        fig = build()
        packed = charts.for_pack(fig if isinstance(fig, go.Figure) else go.Figure(fig)).to_plotly_json()
        assert problems(packed, theme.PACK_PT, lang) == [], name
        assert (packed["layout"]["width"], packed["layout"]["height"]) == charts.PACK_BOX_PT, name


def test_every_builder_has_a_sample():
    """A chart builder added to a chart module without a sample here fails."""
    samples = set(_samples("es"))
    found = set()
    for module_name in CHART_MODULES:
        module = importlib.import_module(module_name)
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if fn.__module__ != module_name or name.startswith("_"):
                continue
            returns = str(inspect.signature(fn).return_annotation)
            if returns.endswith(("Figure", "FigureSpec")):
                found.add(f"{module_name}.{name}")
    assert found - NOT_BUILDERS - samples == set()
    assert samples <= found


def test_figures_are_built_only_in_chart_modules():
    pattern = re.compile(r'go\.Figure\(|make_subplots\(|"type": "(bar|scatter|funnel|sankey|pie)"')
    allowed = {m.replace(".", "/") + ".py" for m in CHART_MODULES} | FIGURE_USERS
    offenders = []
    for top in ("components", "exports", "pages", "cli"):
        for path in (ROOT / top).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if rel not in allowed and pattern.search(path.read_text(encoding="utf-8")):
                offenders.append(rel)
    assert offenders == []


def test_every_funnel_stage_is_labelled_even_the_smallest():
    """«Plan cumplido 9» and «Salida 8» next to 2.500 entrants: labelled beside their bars."""
    from components.routes.charts import funnel_figure

    trace = funnel_figure(_ctx("es"), "basica", SMALL_END, validate=True).data[0]
    by_stage = dict(zip(trace.y, zip(trace.text, trace.textposition)))
    assert by_stage["Plan cumplido"] == ("9 · 0 %", "outside")
    assert by_stage[next(s for s in trace.y if s.startswith("Salida"))][1] == "outside"
    assert by_stage["Ingreso"] == ("2.500 · 100 %", "inside")
    assert all(text for text in trace.text)


def test_losses_by_stage_and_reason_are_level_bars_per_route():
    from components.routes.charts import losses_figure

    fig = losses_figure(_ctx("es"), {"basica": SMALL_END, "intermedia": OTHER}, validate=True)
    lay = fig.to_plotly_json()["layout"]
    assert {tr.orientation for tr in fig.data} == {"h"}
    titles = [a["text"] for a in lay["annotations"]]
    assert titles == ["<b>Ruta básica</b>", "<b>Ruta intermedia</b>"]
    # stage names on the axis, once per route (no multicategory, no rotated route names)
    assert "Evaluación de capacidades" in fig.data[0].y
    assert fig.layout.yaxis2.domain[1] < fig.layout.yaxis.domain[0]


def test_trend_labels_only_the_last_points_apart():
    """ANS trend: one label per series (its last value), the higher above, the lower below."""
    from components.sla.scorecard import trend_figure

    fig = trend_figure(Texts("es"), [("A", {"2026Q1": 70.0, "2026Q2": 81.0}, "#000", "solid"),
                                     ("B", {"2026Q1": 72.0, "2026Q2": 80.0}, "#111", "dash")],
                       ["2026Q1", "2026Q2"])
    assert [list(tr.text) for tr in fig.data] == [["", "81,0 %"], ["", "80,0 %"]]
    assert [tr.textposition for tr in fig.data] == ["top left", "bottom left"]


def test_alliance_end_label_stays_off_the_goal_line():
    """The last value sits below its point when under the goal, above it otherwise, and the
    goal is named outside the plot area."""
    from components.alliance.charts import series_chart

    tr = functools.partial(translate, lang="es")
    below = series_chart([("T3 2026", _alliance_row("x", "x", 58, 74))], 80.0, "es", tr)
    above = series_chart([("T3 2026", _alliance_row("x", "x", 70, 74))], 80.0, "es", tr)
    assert below["data"][0]["textposition"][-1] == "bottom left"
    assert above["data"][0]["textposition"][-1] == "top left"
    assert below["data"][0]["cliponaxis"] is False
    goal = below["layout"]["annotations"][0]
    assert (goal["xref"], goal["x"], goal["xanchor"]) == ("paper", 1, "left")
    assert goal["text"] == "Meta 80\u00a0%"  # never wraps as "(80" / "%)"


def test_axis_numbers_read_in_es_co():
    spec = _spec(charts.funnel_bars([("basica", "Ingreso", 2500)], {"basica": "Ruta básica"}, "Participantes"))
    assert spec["layout"]["separators"] == ",."
    assert spec["data"][0]["text"] == ["2.500"]
    assert all(ax["separatethousands"] for k, ax in spec["layout"].items() if re.match(r"^xaxis\d*$", k))


def test_pack_places_the_chart_at_its_box(tmp_path):
    """The PPTX picture is exactly the chart's box in points, so the PNG's 12 px text is 12 pt."""
    from exports.content import SlideData
    from exports.pptx_writer import write_pptx

    slide = SlideData(view="alliance", title="Alianzas", subtitle="Corte", definition="d", source="s")
    png = io.BytesIO()
    from PIL import Image

    Image.new("RGB", (int(charts.PACK_BOX_PT[0] * charts.PNG_SCALE), int(charts.PACK_BOX_PT[1] * charts.PNG_SCALE)),
              "white").save(png, format="PNG")
    data = write_pptx([slide], {"alliance": png.getvalue()}, "pie", {"definition": "D", "source": "F"})
    pics = [s for s in Presentation(io.BytesIO(data)).slides[0].shapes if s.shape_type == 13]
    assert [(p.width, p.height) for p in pics] == [(Pt(charts.PACK_BOX_PT[0]), Pt(charts.PACK_BOX_PT[1]))]


def test_small_n_groups_are_neutral_grey_and_said_so():
    """«n pequeño» (rules.alliance.indicator.goal_status): grey, dotted, the words — not ✓/✗."""
    from components.alliance.charts import GREY, drilldown_bar

    tr = functools.partial(translate, lang="es")
    small = _alliance_row("9", "Amazonía", 1, 1)
    small.status = "n_pequeno"
    big = _alliance_row("1", "Caribe", 14, 18)
    big.status = "no_cumple"
    fig = drilldown_bar([small, big], 80.0, "es", tr)
    bar = fig["data"][0]
    assert bar["marker"]["color"][0] == GREY and bar["marker"]["color"][1] != GREY
    labels = [a["text"] for a in fig["layout"]["annotations"][1:]]
    assert labels[0] == "100,0 % (1/1) · n pequeño (1 < 5)"
    assert "✗ bajo la meta" in labels[1]
