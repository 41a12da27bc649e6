"""One truth (issue 15, point 1 and acceptance 1): the committee pack and the presentation show
exactly the figures, stage names and definitions of the pages and the CLI — for the nation, a
comité and a filtered view. Every expected value here comes from the page's own query (or the
CLI's), never from ``exports.content``."""

from __future__ import annotations

import datetime as dt
import html
import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from cli.cmd_indicator import alliance_rows
from components.routes.charts import stage_label
from data_access.alliance import queries as al
from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import RegionalOffice
from data_access.routes import funnels
from data_access.sla import queries as sla_queries
from exports.content import VIEWS
from exports.pack import build_pack
from rules.alliance import indicator as rule
from rules.core import small_n
from rules.core.formatting import fmt_int, fmt_pct
from rules.core.i18n import t
from rules.routes.funnels import Cohort
from tests.apptest_utils import all_text, run_app
from tests.test_exports import pptx_slides

CUT = dt.date(2026, 9, 30)
SINCE = dt.date(2025, 1, 1)
CONTEXTS = ("national", "comite", "filtered")
# stage names the pages do not use (the committee's old catalogue); never on a slide
FOREIGN_STAGE_NAMES = ("Solicitud de cofinanciación", "Requisitos y recursos otorgados", "Requisitos verificados",
                       "Formulación del plan")


def _context(url: str, which: str):
    """(username, filters, presentation query) of one of the three views."""
    if which == "national":
        return "directivo", GlobalFilters(cutoff=CUT), {"corte": CUT.isoformat()}
    if which == "comite":
        return "comite", GlobalFilters(cutoff=CUT), {"corte": CUT.isoformat()}
    with get_engine(url).connect() as conn:
        pac = conn.scalar(select(RegionalOffice.id).where(RegionalOffice.code == "PAC"))
    filters = GlobalFilters(cutoff=CUT, period_start=SINCE, regional_office_id=pac, route="basica")
    return "analista", filters, {"corte": CUT.isoformat(), "desde": SINCE.isoformat(), "oficina": str(pac),
                                 "ruta": "basica"}


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _figures(slide) -> dict:
    return {k.key: k for k in slide.key_figures}


def _expected_status(state: str, denominator: int) -> str:
    goal = fmt_pct(rule.GOAL_PERCENT, 0)
    return {small_n.MET: "✔ " + t("committee.status.meets", goal=goal),
            small_n.MISSED: "✖ " + t("committee.status.below", goal=goal),
            small_n.SMALL_N: t("common.small_n_status", n=fmt_int(denominator), min=small_n.minimum()),
            small_n.NO_DATA: t("committee.status.no_data")}[state]


def _rutas_rows(viewer, filters, url):
    """The Rutas page's funnel rows: (route, stage name as the page writes it, participants)."""
    ctx = SimpleNamespace(lang="es", t=lambda key, **kw: t(key, "es", **kw))
    return [(route, stage_label(ctx, s.stage, s.optional), s.count)
            for route, stages in funnels.funnel(viewer, filters, Cohort(), url=url).items()
            if stages and stages[0].count for s in stages]


@pytest.fixture(scope="module")
def packs(demo_store):
    """Per context: (viewer, filters, query, pack slides, pptx slide texts) — built once."""
    out = {}
    for which in CONTEXTS:
        username, filters, query = _context(demo_store, which)
        viewer = viewer_for_username(username, url=demo_store)
        result = build_pack(viewer, filters, list(VIEWS), "pptx", url=demo_store, images={}, use_cache=False)
        out[which] = (viewer, filters, query, {s.view: s for s in result.slides}, pptx_slides(result.data))
    return out


@pytest.mark.parametrize("which", CONTEXTS)
def test_alliance_slide_is_the_alliance_page_and_the_cli(packs, demo_store, which):
    viewer, filters, _q, slides, _pptx = packs[which]
    figs = _figures(slides["alliance"])
    head = al.indicator(viewer, filters, url=demo_store)  # the alliance page's headline
    assert figs["alliance"].value == fmt_pct(head.percent, 1)
    assert figs["alliance"].status == _expected_status(head.status, head.denominator)
    assert f"{fmt_int(head.numerator)}/{fmt_int(head.denominator)}" in figs["alliance"].definition
    ventanas = {r.code: r for r in al.by_dimension(viewer, filters, "ventana", url=demo_store)}
    for v in ("1", "2", "3"):
        row = ventanas.get(v)
        fig = figs[f"alliance_v{v}"]
        assert fig.value == fmt_pct(row.percent if row else None, 1)
        assert fig.status == _expected_status(row.status if row else small_n.NO_DATA, row.denominator if row else 0)
    # the overview card states the same
    assert _figures(slides["overview"])["alliance"].value == figs["alliance"].value
    assert _figures(slides["overview"])["alliance"].status == figs["alliance"].status
    if not filters.period_start and filters.route is None:  # the CLI takes the cut-off only
        total = alliance_rows(viewer, CUT, None, url=demo_store)[-1]
        assert (total["numerator"], total["denominator"]) == (head.numerator, head.denominator)
        assert total["meets_goal"] == {"cumple": "si", "no_cumple": "no", "n_pequeno": "n pequeño",
                                       "sin_datos": "sin datos"}[head.status]


@pytest.mark.parametrize("which", CONTEXTS)
def test_alliance_definition_is_the_page_rule(packs, which):
    definition = packs[which][3]["alliance"].definition
    assert definition.startswith(t("alliance.definition"))
    assert t("alliance.numerator_def") in definition and t("alliance.denominator_def") in definition
    assert "y en ventana 2 además un crédito con aliado financiero" in definition  # seed 004: both allies
    assert "comerciales o financieros" not in definition
    assert t("common.small_n_def", min=small_n.minimum()) in definition


@pytest.mark.parametrize("which", CONTEXTS)
def test_funnel_slide_is_the_rutas_page(packs, demo_store, which):
    viewer, filters, _q, slides, _pptx = packs[which]
    slide = slides["funnels"]
    expected = _rutas_rows(viewer, filters, demo_store)
    assert expected, "the demo store has funnels in every context"
    cols = list(slide.table.columns)
    mine = [(r[cols[0]], r[cols[1]], r[cols[2]]) for r in slide.table.to_dict("records")]
    assert mine == [(t(f"route.{route}"), name, n) for route, name, n in expected]
    assert ("Ruta básica", "Salida (egreso cumplido)") in {(r, s) for r, s, _ in mine}
    # the chart draws the same names and counts
    drawn = sorted((str(y), int(x)) for tr in slide.figure.data for x, y in zip(tr.x, tr.y))
    assert drawn == sorted((name, n) for _, name, n in expected)
    # entrants per route and «n pequeño» for a funnel on fewer entrants than the minimum
    figs = _figures(slide)
    for route in {r for r, _, _ in expected}:
        entered = next(n for r, _, n in expected if r == route)
        assert figs[f"funnel_{route}"].value == fmt_int(entered)
        assert ("n pequeño" in figs[f"funnel_{route}"].status) is small_n.is_small(entered)


@pytest.mark.parametrize("which", CONTEXTS)
def test_map_alerts_and_ans_slides_agree_with_the_overview(packs, demo_store, which):
    viewer, filters, _q, slides, _pptx = packs[which]
    overview, mapped = _figures(slides["overview"]), _figures(slides["map"])
    for key in ("municipalities_attended", "municipalities_prioritised", "alerts_open"):
        assert mapped[key].value == overview[key].value, key
        assert mapped[key].label == overview[key].label, key
        assert mapped[key].definition == overview[key].definition, key
    assert _figures(slides["alerts"])["alerts_open"].value == overview["alerts_open"].value
    avg = sla_queries.average_compliance(viewer, filters, url=demo_store)  # the ANS page's figure
    assert _figures(slides["sla"])["sla"].value == overview["sla"].value == fmt_pct(avg, 1)


@pytest.mark.parametrize("which", CONTEXTS)
def test_every_figure_and_definition_is_printed_in_the_pack(packs, which):
    _viewer, _filters, _q, slides, pptx = packs[which]
    assert [s["title"] for s in pptx] == [slides[v].title for v in VIEWS]
    for view, printed in zip(VIEWS, pptx):
        text = _flat(printed["text"] + "\n" + "\n".join("|".join(r) for tb in printed["tables"] for r in tb))
        sd = slides[view]
        assert _flat(sd.definition) in text, view
        for k in sd.key_figures:
            assert k.label in text and k.value in text, (view, k.key)
            if k.status:
                assert _flat(k.status) in text, (view, k.key)
        for name in FOREIGN_STAGE_NAMES:
            assert name not in text, (view, name)
        table_text = sd.table.to_csv() if sd.table is not None else ""
        assert not any(name in table_text for name in FOREIGN_STAGE_NAMES), view


@pytest.mark.parametrize("which", ("comite", "filtered"))
def test_presentation_shows_the_pack_figures(packs, demo_store, which):
    viewer, _filters, query, slides, _pptx = packs[which]
    for n, view in enumerate(VIEWS, start=1):
        at = run_app(demo_store, viewer.username, page="pages/presentation.py",
                     query={**query, "vistas": ",".join(VIEWS), "slide": str(n)})
        assert not at.exception, [e.value for e in at.exception]
        text = _flat(html.unescape(all_text(at)))  # the cards are HTML: «4 &lt; 5» reads «4 < 5»
        sd = slides[view]
        assert _flat(sd.definition) in text, view
        for k in sd.key_figures:
            assert k.label in text and k.value in text, (view, k.key)
            if k.status:
                assert _flat(k.status) in text, (view, k.key)


@pytest.fixture(autouse=True)
def _close_pools():
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()


def test_an_operador_gets_no_committee_pack(demo_store, monkeypatch, tmp_path):
    """The pack is the committees' (rules.access EXPORT_PACK): refused on the command line too."""
    from click.testing import CliRunner

    from cli.main import tablero

    monkeypatch.setenv("DATABASE_URL", demo_store)
    out = tmp_path / "p.pptx"
    res = CliRunner().invoke(tablero, ["export", "pack", "--views", "overview", "--out", str(out),
                                       "--as-of", "2026-09-30", "--as-user", "operador"])
    assert res.exit_code != 0 and "no puede generar el paquete para comité" in res.output
    assert not out.exists()
    operador = viewer_for_username("operador", url=demo_store)
    with pytest.raises(PermissionError, match="no puede generar el paquete para comité"):
        build_pack(operador, GlobalFilters(cutoff=CUT), ["overview"], "pdf", url=demo_store, images={})
