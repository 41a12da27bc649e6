"""«n pequeño» (issue 15, point 7): a share over fewer cases than the minimum denominator is
neither coloured nor ranked as meeting or failing, on every surface that shows it."""

from __future__ import annotations

import pytest

from data_access.alliance.queries import Row, sort_rows
from rules.alliance import indicator as rule
from rules.core import small_n


@pytest.mark.parametrize(("numerator", "denominator", "expected"), [
    (1, 1, small_n.SMALL_N),  # «Amazonía 100,0 % (1/1)» is not a result
    (4, 4, small_n.SMALL_N),  # 100 % of 4: still under 5
    (0, 4, small_n.SMALL_N),  # 0 % of 4 is not «no cumple» either
    (4, 5, small_n.MET),  # 80,0 % of 5: exactly the goal
    (3, 5, small_n.MISSED),  # 60,0 %
    (7, 9, small_n.MISSED),  # 77,8 %
    (8, 10, small_n.MET),
    (0, 0, small_n.NO_DATA),  # no denominator: sin datos, never 0 %
])
def test_alliance_goal_status(numerator, denominator, expected):
    assert rule.goal_status(numerator, denominator) == expected


def test_minimum_is_a_setting_and_can_be_overridden(monkeypatch):
    assert small_n.MIN_DENOMINATOR == 5 and small_n.minimum() == 5
    monkeypatch.setenv(small_n.ENV_VAR, "2")
    assert small_n.minimum() == 2
    assert rule.current_settings().min_denominator == 2
    assert rule.goal_status(1, 1) == small_n.SMALL_N and rule.goal_status(2, 2) == small_n.MET
    assert rule.goal_status(1, 2, rule.Settings(min_denominator=1)) == small_n.MISSED  # 50 %, rated
    monkeypatch.setenv(small_n.ENV_VAR, "cinco")
    with pytest.raises(ValueError, match="no es un número entero"):
        small_n.minimum()
    monkeypatch.setenv(small_n.ENV_VAR, "0")
    with pytest.raises(ValueError, match="1 o más"):
        small_n.minimum()


def test_state_against_any_goal():
    assert small_n.state(50.0, 3, 40.0) == small_n.SMALL_N
    assert small_n.state(50.0, 6, 40.0) == small_n.MET
    assert small_n.state(30.0, 6, 40.0) == small_n.MISSED
    assert small_n.state(None, 6, 40.0) == small_n.NO_DATA
    assert small_n.state(50.0, 3, 40.0, minimum_n=3) == small_n.MET
    assert not small_n.is_small(0) and small_n.is_small(4) and not small_n.is_small(5)


def _row(name, num, den):
    return Row(key=name, code=name, name=name, numerator=num, denominator=den, pending=0, not_executed=0)


def test_small_groups_are_not_ranked():
    """Rated groups by percent; then small groups by size (not by their percent); sin datos last."""
    rows = [_row("Amazonía", 1, 1), _row("Caribe", 7, 9), _row("Pacífico", 9, 10), _row("Orinoquía", 0, 3),
            _row("Andina", 0, 0), _row("Centro", 2, 4)]
    assert [r.name for r in sort_rows(rows)] == ["Pacífico", "Caribe", "Centro", "Orinoquía", "Amazonía", "Andina"]
    statuses = {r.name: r.status for r in rows}
    assert statuses == {"Amazonía": "n_pequeno", "Caribe": "no_cumple", "Pacífico": "cumple",
                        "Orinoquía": "n_pequeno", "Andina": "sin_datos", "Centro": "n_pequeno"}
    assert _row("Amazonía", 1, 1).as_dict()["status"] == "n_pequeno"


def test_a_small_n_card_is_neutral():
    from components.overview.cards import card_html
    from exports.content import KeyFigure

    small = KeyFigure("alliance", "Indicador de alianzas", "100,0 %", status="n pequeño (1 < 5)",
                      state=small_n.SMALL_N)
    met = KeyFigure("alliance", "Indicador de alianzas", "85,0 %", status="✔ Cumple la meta (80 %)",
                    state=small_n.MET)
    missed = KeyFigure("alliance", "Indicador de alianzas", "60,0 %", status="✖ Por debajo de la meta (80 %)",
                       state=small_n.MISSED)
    assert "tb-neutral" in card_html(small) and "n pequeño (1 &lt; 5)" in card_html(small)
    assert "tb-good" in card_html(met) and "tb-bad" in card_html(missed)


def test_slides_with_a_higher_minimum_rate_nothing(demo_store, monkeypatch):
    """With a minimum above every group's size, no slide rates or colours a group: all «n pequeño»."""
    import datetime as dt

    from data_access.core.auth import viewer_for_username
    from data_access.core.filters import GlobalFilters
    from exports.content import build_view, make_context

    monkeypatch.setenv(small_n.ENV_VAR, "100000")
    vc = make_context(viewer_for_username("directivo", url=demo_store), GlobalFilters(cutoff=dt.date(2026, 9, 30)),
                      url=demo_store)
    alliance = build_view("alliance", vc)
    assert [k.state for k in alliance.key_figures] == [small_n.SMALL_N] * 4
    assert all(k.status.startswith("n pequeño (") and "< 100000)" in k.status for k in alliance.key_figures)
    assert all("n pequeño" in text for text in alliance.table["Estado"])
    drawn = str(alliance.figure.to_dict())
    assert "✔" not in drawn and "✖" not in drawn and "n pequeño" in drawn
    funnels = build_view("funnels", vc)
    assert funnels.key_figures and all(k.state == small_n.SMALL_N for k in funnels.key_figures)
    assert all("completó el plan" not in k.status for k in funnels.key_figures)
    assert len([n for n in funnels.notes if "«n pequeño»" in n]) == len(funnels.key_figures)
    overview = build_view("overview", vc)
    assert next(k for k in overview.key_figures if k.key == "alliance").state == small_n.SMALL_N
    # the default minimum rates the same national groups
    monkeypatch.delenv(small_n.ENV_VAR)
    rated = build_view("alliance", make_context(vc.viewer, vc.filters, url=demo_store))
    assert rated.key_figures[0].state in (small_n.MET, small_n.MISSED)


def test_rutas_page_flags_a_small_funnel(demo_store, monkeypatch):
    from tests.apptest_utils import run_app

    def flags(minimum: str) -> list[str]:
        monkeypatch.setenv(small_n.ENV_VAR, minimum)
        at = run_app(demo_store, "directivo", page="pages/routes.py", query={"corte": "2026-09-30"})
        assert not at.exception
        return [str(w.value) for w in at.warning if "n pequeño (" in str(w.value)]

    assert flags("1") == []  # a minimum of 1: every funnel with entrants is a result
    every = flags("100000")  # above any route's entrants: every funnel drawn is flagged
    assert every and all("< 100000)" in f and "no se califica" in f for f in every)


@pytest.fixture(autouse=True)
def _close_pools():
    yield
    from data_access.core.db import dispose_engines

    dispose_engines()
