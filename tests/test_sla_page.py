"""The ANS page under AppTest, per role, on the demo store (SQLite and PostgreSQL).

An operador must never see another operator's values: not through the page filters, not
through URL query parameters (operator codes, compare parameters, tabs), not in downloads.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import func, select

from components.core import figures
from components.sla import (
    compare as sla_compare,
)
from components.sla import (
    definitions as sla_definitions,
)
from components.sla import (
    ranking as sla_ranking,
)
from components.sla import (
    scorecard as sla_scorecard,
)
from data_access.core.db import get_engine
from data_access.core.models import AppUser, Operator, OperatorContract, RegionalOffice, SlaDefinition
from rules.sla import scoring as R
from tests.apptest_utils import all_text, run_app

PAGE = "pages/sla.py"
TABS = (None, "Ranking", "Comparar", "Definiciones")


def _operators(url: str) -> dict[str, str]:
    with get_engine(url).connect() as conn:
        return dict(conn.execute(select(Operator.code, Operator.name)).all())


def _account(url: str, username: str) -> AppUser:
    with get_engine(url).connect() as conn:
        return conn.execute(select(AppUser).where(AppUser.username == username)).one()


def _operators_with_contracts(url: str, office_code: str | None = None) -> set[str]:
    stmt = select(Operator.code).join(OperatorContract, OperatorContract.operator_id == Operator.id)
    if office_code:
        stmt = stmt.join(RegionalOffice, RegionalOffice.id == OperatorContract.regional_office_id).where(
            RegionalOffice.code == office_code)
    with get_engine(url).connect() as conn:
        return set(conn.execute(stmt).scalars())


def _page_text(at) -> str:
    """Everything a person can read: texts, tables, select options."""
    parts = [all_text(at)]
    for df in at.dataframe:
        parts.append(df.value.to_csv(index=False))
    for sb in at.selectbox:
        parts.extend(str(o) for o in sb.options)
    return "\n".join(parts)


def _codes_in(text: str, operators: dict[str, str]) -> set[str]:
    return {code for code in operators if f"({code})" in text or code in text.split()}


@pytest.fixture
def downloads(monkeypatch):
    """Capture every table offered for download (CSV/Excel are built from these frames)."""
    captured: list[pd.DataFrame] = []
    real = figures.download_table

    def spy(ctx, df, basename, key, **kw):
        captured.append(df() if callable(df) else df.copy())
        return real(ctx, df, basename, key, **kw)

    for mod in (sla_scorecard, sla_ranking, sla_compare, sla_definitions):
        monkeypatch.setattr(mod, "download_table", spy)
    return captured


@pytest.mark.parametrize("username", ["directivo", "analista", "admin"])
def test_national_roles_see_every_operator(demo_store, username, downloads):
    at = run_app(demo_store, username, page=PAGE)
    assert not at.exception
    text = _page_text(at)
    assert "ANS de los operadores" in text
    assert "Puntaje ponderado" in text
    # traffic lights always carry text
    assert "✅ cumple" in text and ("❌ incumple" in text or "⚠️ en riesgo" in text)
    shown = _codes_in(text, _operators(demo_store))
    assert len(shown) > 5
    assert shown <= _operators_with_contracts(demo_store)
    assert downloads and all(not d.empty for d in downloads)


def test_missing_reports_show_as_sin_reporte(demo_store):
    at = run_app(demo_store, "directivo", page=PAGE)
    summary = at.dataframe[0].value
    col = "⏺ sin reporte"
    assert col in summary.columns
    assert summary[col].sum() > 0  # the demo has unreported ANS: shown, never hidden as 100 %
    assert "⏺ sin reporte" in _page_text(at)


def test_comite_sees_only_operators_of_its_office(demo_store, downloads):
    at = run_app(demo_store, "comite", page=PAGE)
    assert not at.exception
    operators = _operators(demo_store)
    allowed = _operators_with_contracts(demo_store, "CAR")
    shown = _codes_in(_page_text(at), operators)
    assert shown and shown <= allowed
    for df in downloads:
        assert _codes_in(df.to_csv(index=False), operators) <= allowed
    # the office column only ever names its own office
    summary_items = at.dataframe[1].value
    assert set(summary_items["Oficina regional"]) == {"Caribe"}


def test_operador_sees_only_its_own_contracts(demo_store, downloads):
    me = _account(demo_store, "operador")
    operators = _operators(demo_store)
    own = {c for c, n in operators.items() if c == _code_of(demo_store, me.operator_id)}
    at = run_app(demo_store, "operador", page=PAGE)
    assert not at.exception
    assert _codes_in(_page_text(at), operators) == own
    assert downloads
    for df in downloads:
        assert _codes_in(df.to_csv(index=False), operators) <= own


def _code_of(url: str, operator_id: int) -> str:
    with get_engine(url).connect() as conn:
        return conn.execute(select(Operator.code).where(Operator.id == operator_id)).scalar_one()


@pytest.mark.parametrize("tab", TABS)
def test_operador_cannot_reach_other_operators_by_url(demo_store, downloads, tab):
    me = _code_of(demo_store, _account(demo_store, "operador").operator_id)
    operators = _operators(demo_store)
    others = sorted(_operators_with_contracts(demo_store) - {me})
    victim = others[0]
    query = {"operador": victim, "comparar_a": victim, "comparar_b": others[-1], "oficina": "1",
             "servicio": "asistencia_tecnica"}
    if tab:
        query["vista"] = tab
    at = run_app(demo_store, "operador", page=PAGE, query=query)
    assert not at.exception
    text = _page_text(at)
    assert _codes_in(text, operators) <= {me}
    assert operators[victim] not in text
    for df in downloads:
        assert _codes_in(df.to_csv(index=False), operators) <= {me}
    if tab is None:
        assert any("indicado en el enlace no existe" in w.value for w in at.warning)  # told, neutrally
        assert not any(victim in w.value for w in at.warning)  # not even the code it asked for
    if tab == "Ranking":
        assert all("Puesto" not in df.value.columns for df in at.dataframe)  # no rank against unseen operators
    if tab == "Comparar":
        assert "al menos dos operadores" in text


def test_tabs_for_directivo(demo_store, downloads):
    codes = sorted(_operators_with_contracts(demo_store))
    at = run_app(demo_store, "directivo", page=PAGE, query={"vista": "Ranking"})
    assert not at.exception
    ranking = at.dataframe[0].value
    assert {"Puesto", "De", "Ruta", "Oficina regional"} <= set(ranking.columns)
    assert ranking.groupby(["Ruta", "Oficina regional"])["Puesto"].apply(lambda s: 1 in set(s)).all()

    at = run_app(demo_store, "directivo", page=PAGE,
                 query={"vista": "Comparar", "comparar_a": codes[0], "comparar_b": codes[1]})
    assert not at.exception
    table = at.dataframe[0].value
    assert any(codes[0] in c for c in table.columns) and any(codes[1] in c for c in table.columns)
    assert len(at.get("plotly_chart")) == 1

    at = run_app(demo_store, "directivo", page=PAGE, query={"vista": "Definiciones"})
    assert not at.exception
    text = _page_text(at)
    assert "Mediana de días" in text and "15 días" in text and "sin reporte" in text
    defs = at.dataframe[0].value
    with get_engine(demo_store).connect() as conn:
        assert len(defs) == conn.execute(select(func.count()).select_from(SlaDefinition)).scalar_one()
    assert defs["Cómo se calcula"].str.len().min() > 40


def test_quarter_and_service_filters_from_url(demo_store):
    at = run_app(demo_store, "directivo", page=PAGE, query={"trimestre": "2026Q1", "servicio": "monitoreo"})
    assert not at.exception
    assert at.selectbox(key="sla_quarter").value == "2026Q1"
    assert at.selectbox(key="sla_service").value == "monitoreo"
    items = at.dataframe[1].value
    assert set(items["Servicio"]) == {"Registro, monitoreo y evaluación"}
    assert set(items["Trimestre"]) == {"T1 2026"}
    # an invalid quarter falls back to the latest, without an error
    at = run_app(demo_store, "directivo", page=PAGE, query={"trimestre": "2026Q9"})
    assert not at.exception and at.selectbox(key="sla_quarter").value == "2026Q3"


def test_english(demo_store):
    at = run_app(demo_store, "analista", page=PAGE, query={"lang": "en"})
    assert not at.exception
    text = _page_text(at)
    assert "Operator SLAs (ANS)" in text and "✅ met" in text


def _status_bars(at) -> list[str]:
    """The operator codes of the chart of states, top to bottom."""
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith("sla_status_fig"))
    return [_code(label) for label in json.loads(chart.proto.spec)["data"][0]["y"]]


def _code(label: str) -> str:
    """«Name (CODE)» → CODE."""
    return label.rsplit("(", 1)[1].rstrip(")")


def test_the_chart_of_states_shows_the_operators_that_need_attention_first(demo_store, monkeypatch):
    monkeypatch.setattr(sla_scorecard.R, "ATTENTION_FIRST", 3)
    at = run_app(demo_store, "directivo", page=PAGE)
    assert not at.exception
    summary = at.dataframe[0].value.set_index("Operador")
    states = {"❌ incumple": R.INCUMPLE, "⏺ sin reporte": R.SIN_REPORTE, "⚠️ en riesgo": R.EN_RIESGO}
    counts = {_code(name): {s: int(row[col]) for col, s in states.items()} for name, row in summary.iterrows()}
    assert len(counts) > 3
    assert _status_bars(at) == R.attention_order(counts)[:3]
    assert any(f"Se muestran los 3 operadores que más requieren atención de {len(counts)}" in c.value
               for c in at.caption)

    at.toggle(key="sla_status_everyone").set_value(True).run()
    assert not at.exception
    assert _status_bars(at) == R.attention_order(counts)
    assert not any("Se muestran los 3" in c.value for c in at.caption)
