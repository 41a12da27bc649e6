"""The demo generator: deterministic, route-valid, internally consistent, loadable twice.

Runs on every store kind of the shared fixtures (SQLite file and PostgreSQL). The
session's ``demo_store`` was seeded with ``DEMO_SEED`` by ``tests/conftest.py``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from data_access.core.auth import authenticate
from data_access.core.db import get_engine, is_sqlite
from data_access.core.models import Base
from data_access.demo.accounts import DEMO_ACCOUNTS, demo_passwords
from data_access.demo.generator import generate
from data_access.demo.parameters import REFERENCE_DATE
from data_access.demo.reference import read_reference
from data_access.demo.seed import StoreNotEmpty, seed
from data_access.demo.store import PROGRAMME_TABLES, programme_counts
from rules.core.catalog import ETHNICITIES, ROUTE_ORDER, services_for_route
from rules.core.nit import is_valid_nit
from rules.routes import model as R
from tests.conftest import DEMO_SEED

TODAY = REFERENCE_DATE
T = Base.metadata.tables


def _rows(url: str, table: str) -> list[tuple]:
    t = T[table]
    with get_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]


@pytest.fixture(scope="module")
def histories(demo_store):
    """enrolment id → [(stage, outcome, event_date, registered_on)] in event order."""
    t = T["stage_event"]
    out: dict[int, list] = defaultdict(list)
    with get_engine(demo_store).connect() as conn:
        for r in conn.execute(
            select(t.c.enrolment_id, t.c.stage, t.c.outcome, t.c.event_date, t.c.registered_on).order_by(
                t.c.enrolment_id, t.c.id
            )
        ):
            out[r.enrolment_id].append((r.stage, r.outcome, r.event_date, r.registered_on))
    return out


@pytest.fixture(scope="module")
def enrolments(demo_store):
    t = T["enrolment"]
    with get_engine(demo_store).connect() as conn:
        return {r.id: r for r in conn.execute(select(t))}


# ------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_rows(store_factory, demo_store):
    url = store_factory.new()
    result = seed(url, "demo", DEMO_SEED)
    for table in PROGRAMME_TABLES:
        assert _rows(url, table) == _rows(demo_store, table), table
    assert result["counts"] == {t: len(_rows(url, t)) for t in PROGRAMME_TABLES}


def test_other_seed_gives_other_rows(demo_store):
    ref = read_reference(get_engine(demo_store))
    a = generate(ref, "demo", DEMO_SEED)
    b = generate(ref, "demo", DEMO_SEED + 1)
    again = generate(ref, "demo", DEMO_SEED)
    assert list(a["household"]["head_name"][:50]) != list(b["household"]["head_name"][:50])
    for table in PROGRAMME_TABLES:
        for col, values in a[table].items():
            assert (values == again[table][col]).all(), (table, col)


def test_demo_scale_counts(demo_store):
    counts = programme_counts(demo_store)
    assert counts["household"] == 3_000
    assert counts["opr"] == 150
    assert counts["business_plan"] == 200
    assert counts["operator"] == 20
    assert counts["enrolment"] > 3_000
    assert counts["stage_event"] > 15_000
    assert counts["service_delivery"] > 5_000
    assert all(counts[t] > 0 for t in PROGRAMME_TABLES)


# ---------------------------------------------------------------- route histories


def test_every_history_follows_the_route_model(histories, enrolments):
    assert len(histories) == len(enrolments)
    bad = {}
    for eid, events in histories.items():
        route = enrolments[eid].route
        problems = R.validate_history(route, [(s, o) for s, o, _, _ in events], [d for _, _, d, _ in events])
        if problems:
            bad[eid] = problems
    assert not bad, list(bad.items())[:3]


def test_enrolment_summary_agrees_with_events(histories, enrolments):
    for eid, e in enrolments.items():
        events = histories[eid]
        model = R.route_model(e.route)
        stages = [s for s, _, _, _ in events]
        assert stages[0] == R.INGRESO
        assert e.entry_date == events[0][2]
        assert e.cohort_quarter == f"{e.entry_date.year}Q{(e.entry_date.month - 1) // 3 + 1}"
        assert e.current_stage == stages[-1]
        assert e.furthest_stage_order == max(model.order(s) for s in stages if s != R.SALIDA)
        if stages[-1] == R.SALIDA:
            outcome, date = events[-1][1], events[-1][2]
            assert e.exit_outcome == outcome and e.exit_date == date
            assert e.status == ("finalizado" if outcome in R.COMPLETED_EXITS else "salido")
        else:
            assert e.status == "activo" and e.exit_outcome is None and e.exit_date is None
        assert e.participant_kind in model.participant_kinds
        assert (e.household_id is not None) == (e.participant_kind == "hogar")
        assert (e.opr_id is not None) == (e.participant_kind == "opr")


def test_filters_and_exits_where_seed_000_puts_them(histories, enrolments):
    exits = defaultdict(int)
    for eid, events in histories.items():
        if events[-1][0] != R.SALIDA:
            continue
        before, outcome = events[-2], events[-1][1]
        exits[outcome] += 1
        if outcome == R.EXIT_NO_VIABLE:
            assert before[:2] == (R.EVAL_VIABILIDAD, R.NO_VIABLE)
        elif outcome == R.EXIT_REQUISITOS:
            assert before[:2] == (R.REQUISITOS, R.NO_CUMPLE)
        elif outcome in R.COMPLETED_EXITS:
            assert before[0] == R.PLAN_COMPLETADO
            assert outcome == R.route_model(enrolments[eid].route).completed_exit
    assert set(exits) == set(R.EXIT_OUTCOMES)
    # Formación is optional only in básica: some básica histories skip it.
    skipped = sum(
        1
        for eid, ev in histories.items()
        if enrolments[eid].route == "basica" and R.FORMACION not in [s for s, *_ in ev] and len(ev) > 3
    )
    assert skipped > 0


def test_the_viability_loop_is_used(demo_store, histories):
    """«No viable» is fed back and reformulated (seed 000 §4.1 c): some loop and then pass, some are
    still reformulating, some leave «no viable» after reformulating; every reformulation carries
    its feedback."""
    t = T["stage_event"]
    with get_engine(demo_store).connect() as conn:
        notes = {(r.enrolment_id, r.stage, r.event_date): r.note for r in conn.execute(select(t))}
    resolved = in_loop = left_after_loop = 0
    for eid, events in histories.items():
        stages = [(s, o) for s, o, _, _ in events]
        if (R.EVAL_VIABILIDAD, R.NO_VIABLE) not in stages:
            continue
        first = stages.index((R.EVAL_VIABILIDAD, R.NO_VIABLE))
        for i in range(first + 1, len(events)):
            if events[i][0] == R.FORMULACION:
                assert notes[eid, R.FORMULACION, events[i][2]].startswith("Retroalimentación"), eid
        reformulated = stages.count((R.FORMULACION, None)) > 1
        resolved += (R.EVAL_VIABILIDAD, R.VIABLE) in stages
        in_loop += reformulated and stages[-1][0] in (R.FORMULACION, R.EVAL_VIABILIDAD)
        left_after_loop += reformulated and stages[-1] == (R.SALIDA, R.EXIT_NO_VIABLE)
    assert resolved > 50 and in_loop > 0 and left_after_loop > 5


def test_no_date_after_today_and_registration_lags(histories):
    lags = []
    for events in histories.values():
        for _, _, date, registered in events:
            assert date <= TODAY and date <= registered <= TODAY
            lags.append((registered - date).days)
    within_15 = sum(1 for x in lags if x <= 15) / len(lags)
    assert 0.75 < within_15 < 0.99  # mostly timely, some operators late


def test_later_cohorts_are_mid_route(enrolments):
    recent = [e for e in enrolments.values() if e.entry_date >= dt.date(2026, 1, 1)]
    early = [e for e in enrolments.values() if e.entry_date < dt.date(2024, 1, 1) and e.route == "basica"]
    assert recent and early
    assert sum(e.status == "activo" for e in recent) / len(recent) > 0.6
    assert sum(e.status != "activo" for e in early) / len(early) > 0.9
    quarters = {e.cohort_quarter for e in enrolments.values()}
    assert "2023Q1" in quarters and "2026Q4" in quarters


def test_promotions_chain_enrolments(enrolments):
    promoted = [e for e in enrolments.values() if e.entry_mechanism == "promocion"]
    assert {e.route for e in promoted} == {"intermedia", "competitividad"}
    for e in enrolments.values():
        assert (e.previous_enrolment_id is not None) == (e.entry_mechanism == "promocion")
        assert R.entry_problem(e.route, e.participant_kind, e.entry_mechanism) is None, e  # §3.2, §4
        if e.route == "basica":
            assert e.entry_mechanism == "barrido"
    for e in promoted:
        prev = enrolments[e.previous_enrolment_id]
        assert ROUTE_ORDER.index(prev.route) + 1 == ROUTE_ORDER.index(e.route)
        assert prev.status == "finalizado" and prev.exit_date <= e.entry_date
        assert (prev.household_id, prev.opr_id) == (e.household_id, e.opr_id)


def test_enrolments_use_their_routes_contract(demo_store, enrolments):
    with get_engine(demo_store).connect() as conn:
        contracts = {r.id: r for r in conn.execute(select(T["operator_contract"]))}
        office = dict(
            conn.execute(select(T["municipality"].c.code, T["municipality"].c.regional_office_id)).all()
        )
    for e in enrolments.values():
        c = contracts[e.contract_id]
        assert c.operator_id == e.operator_id and c.route == e.route
        assert c.regional_office_id == office[e.municipality_code]


# ------------------------------------------------------------ services and others


def test_deliveries_only_after_services_activated(demo_store, histories, enrolments):
    t = T["service_delivery"]
    with get_engine(demo_store).connect() as conn:
        rows = conn.execute(select(t)).all()
    assert rows
    for d in rows:
        e = enrolments[d.enrolment_id]
        by_stage = {s: date for s, _, date, _ in histories[d.enrolment_id]}
        assert R.SERVICIOS in by_stage
        assert by_stage[R.SERVICIOS] <= d.delivery_date <= d.registered_on <= TODAY
        assert d.service_type_code in services_for_route(e.route)
        assert (d.operator_id, d.contract_id, d.municipality_code) == (
            e.operator_id,
            e.contract_id,
            e.municipality_code,
        )


def test_households_look_like_the_programme(demo_store):
    t = T["household"]
    with get_engine(demo_store).connect() as conn:
        rows = conn.execute(select(t)).all()
    n = len(rows)
    assert 0.47 < sum(r.sex == "F" for r in rows) / n < 0.57
    assert 0.22 < sum(r.victim for r in rows) / n < 0.40
    assert all(18 <= r.age <= 75 and r.youth == (r.age <= 28) for r in rows)
    assert {r.ethnicity for r in rows} <= set(ETHNICITIES)
    assert all(len(r.head_name.split()) >= 3 for r in rows)


def test_nits_carry_a_valid_check_digit(demo_store):
    with get_engine(demo_store).connect() as conn:
        nits = conn.scalars(select(T["opr"].c.nit)).all() + conn.scalars(select(T["operator"].c.nit)).all()
    assert nits and all(is_valid_nit(n) and "-" in n and len(n) == 11 for n in nits)
    assert len(set(nits)) == len(nits)


def test_business_plans_and_alliance_evidence(demo_store, histories, enrolments):
    with get_engine(demo_store).connect() as conn:
        plans = conn.execute(select(T["business_plan"])).all()
        psde = dict(conn.execute(select(T["operator"].c.id, T["operator"].c.is_psde)).all())
        evidence = conn.execute(select(T["alliance_evidence"])).all()
        sales = conn.execute(select(T["sales"])).all()
    assert 0.2 < sum(p.ventana == 2 for p in plans) / len(plans) < 0.4
    for p in plans:
        assert psde[p.psde_operator_id]
        assert 50_000_000 <= p.cofinancing_committed_cop <= 400_000_000
        assert 0 <= p.cofinancing_disbursed_cop <= p.cofinancing_committed_cop
        if p.enrolment_id is not None:
            e = enrolments[p.enrolment_id]
            assert e.route in ("intermedia", "competitividad")
            assert (R.REQUISITOS, R.CUMPLE) in [(s, o) for s, o, _, _ in histories[p.enrolment_id]]
        if p.first_disbursement_date is None:
            assert p.closure_date is None
        else:
            assert dt.date(2023, 1, 1) <= p.first_disbursement_date <= TODAY
        if p.closure_date is not None:
            months = (p.closure_date - p.first_disbursement_date).days / 30.4
            assert 5.9 < months < 15.1 and p.closure_date <= TODAY
    assert {(e.kind, e.ally_type) for e in evidence} >= {
        ("contrato", "comercial"),
        ("factura", "comercial"),
        ("credito", "financiero"),
        ("contrato", "financiero"),
    }
    assert any(e.voided for e in evidence) and all(e.start_date <= TODAY for e in evidence)
    baselines = {s.business_plan_id for s in sales if s.is_baseline}
    assert baselines == {p.id for p in plans}


def test_alliance_indicator_lands_near_the_goal(demo_store):
    """Checked with the programme's own rule (rules.alliance.indicator) on the demo PN."""
    from rules.alliance import indicator as rule

    with get_engine(demo_store).connect() as conn:
        plans = conn.execute(select(T["business_plan"])).all()
        evidence = conn.execute(select(T["alliance_evidence"])).all()
    by_plan = defaultdict(list)
    for e in evidence:
        by_plan[e.business_plan_id].append(
            rule.Evidence(e.kind, e.ally_type, e.ally_name, e.start_date, e.end_date, e.voided)
        )
    counted = total = 0
    for p in plans:
        d = rule.evaluation_date(p.first_disbursement_date)
        if p.closure_date is None or d is None or d > TODAY:
            continue
        total += 1
        counted += rule.satisfies(p.ventana, by_plan[p.id], d)
    assert total > 30
    assert 0.6 < counted / total < 0.92


def test_sla_definitions_and_measurements(demo_store):
    with get_engine(demo_store).connect() as conn:
        defs = conn.execute(select(T["sla_definition"])).all()
        meas = conn.execute(select(T["sla_measurement"])).all()
        contracts = {r.id: r for r in conn.execute(select(T["operator_contract"]))}
    keys = {d.derived_key for d in defs if d.kind == "derived"}
    assert keys == {
        "dias_ingreso_primera_asistencia",
        "pct_eventos_registrados_15d",
        "pct_cobertura_servicio",
    }
    assert all((d.kind == "derived") == (d.derived_key is not None) for d in defs)
    assert {(d.route, d.service_type_code) for d in defs} == {
        (r, s) for r in ROUTE_ORDER for s in services_for_route(r)
    }
    assert all(d.direction in ("higher", "lower") and d.frequency == "trimestral" for d in defs)
    by_id = {d.id: d for d in defs}
    quarters = {m.quarter for m in meas}
    assert min(quarters) == "2023Q1" and max(quarters) == "2026Q3"
    for m in meas:
        d = by_id[m.definition_id]
        assert d.kind == "reported" and d.route == contracts[m.contract_id].route
        assert m.reported_on <= TODAY and m.reported_by and m.evidence_ref
    reported = [d for d in defs if d.kind == "reported"]
    expected = sum(1 for c in contracts.values() for d in reported if d.route == c.route) * 15
    assert 0.75 * expected < len(meas) < expected  # some never reported


def test_targeting_and_alerts(demo_store):
    with get_engine(demo_store).connect() as conn:
        targeting = conn.execute(select(T["targeting"])).all()
        alerts = conn.execute(select(T["territorial_alert"])).all()
        n_muni = len(conn.execute(select(T["municipality"].c.code)).all())
    assert len(targeting) == 4 * n_muni
    for year in range(2023, 2027):
        rows = [t for t in targeting if t.year == year]
        assert 0.33 < sum(t.prioritised for t in rows) / len(rows) < 0.37
        assert all((t.target_population > 0) == t.prioritised for t in rows)
    assert {a.status for a in alerts} == {"abierta", "en_gestion", "cerrada"}
    assert all((a.closed_on is not None) == (a.status == "cerrada") for a in alerts)


def test_foreign_keys_hold(demo_store):
    engine = get_engine(demo_store)
    if not is_sqlite(engine):
        # PostgreSQL re-validated every constraint when it re-added it after the COPY.
        with engine.connect() as conn:
            n = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND NOT convalidated"
            ).scalar_one()
        assert n == 0
        return
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []


# ------------------------------------------------------------------ accounts


def test_demo_accounts_authenticate(demo_store):
    passwords = demo_passwords(DEMO_SEED)
    with get_engine(demo_store).connect() as conn:
        offices = dict(conn.execute(select(T["regional_office"].c.id, T["regional_office"].c.code)).all())
        operators = {r.id: r for r in conn.execute(select(T["operator"]))}
        with_contracts = set(conn.scalars(select(T["operator_contract"].c.operator_id)))
        emails = dict(conn.execute(select(T["app_user"].c.username, T["app_user"].c.email)).all())
    roles = {}
    for username, role, office in DEMO_ACCOUNTS:
        viewer = authenticate(username, passwords[username], url=demo_store)
        assert viewer is not None and viewer.role == role, username
        assert emails[username] == f"{username}@demo.tablero.gov.co"
        assert authenticate(username, passwords[username] + "x", url=demo_store) is None
        roles[username] = viewer
        if office:
            assert offices[viewer.regional_office_id] == office
    op = roles["operador"].operator_id
    assert operators[op].is_psde and op in with_contracts


# ------------------------------------------------------------------ store guards


def test_refuses_a_non_empty_store_and_replaces_on_request(store_factory):
    url = store_factory.new("demo", lambda u: seed(u, "demo", DEMO_SEED))
    with pytest.raises(StoreNotEmpty):
        seed(url, "demo", DEMO_SEED + 1)
    result = seed(url, "demo", DEMO_SEED + 1, replace=True)
    assert programme_counts(url) == result["counts"]
    from data_access.core.versions import current

    assert all(v > 0 for v in current(url).values())


def test_cli_if_empty_keeps_a_seeded_store(store_factory, monkeypatch, tmp_path):
    from cli import cmd_demo
    from cli.main import tablero

    url = store_factory.new("demo", lambda u: seed(u, "demo", DEMO_SEED))
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(cmd_demo, "ACCOUNTS_FILE", tmp_path / "accounts.txt")
    before = programme_counts(url)
    out = CliRunner().invoke(tablero, ["demo", "seed", "--scale", "demo", "--seed", "1", "--if-empty"])
    assert out.exit_code == 0, out.output
    assert "ya tiene" in out.output
    assert programme_counts(url) == before
    out = CliRunner().invoke(tablero, ["demo", "seed", "--scale", "demo", "--seed", "1"])
    assert out.exit_code != 0 and "--replace" in out.output


def test_cli_prints_counts_time_and_accounts(store_factory, monkeypatch, tmp_path):
    from cli import cmd_demo
    from cli.main import tablero

    url = store_factory.new()
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(cmd_demo, "ACCOUNTS_FILE", tmp_path / "accounts.txt")
    out = CliRunner().invoke(tablero, ["demo", "seed", "--scale", "demo", "--seed", str(DEMO_SEED)])
    assert out.exit_code == 0, out.output
    assert "stage_event" in out.output and "Tiempo:" in out.output
    passwords = demo_passwords(DEMO_SEED)
    text = (tmp_path / "accounts.txt").read_text(encoding="utf-8")
    for username, role, _ in DEMO_ACCOUNTS:
        line = f"{role}\t{username}\t{passwords[username]}"
        assert line in out.output and line in text


def test_new_rows_get_fresh_ids_after_the_seed(demo_store_rw):
    """PostgreSQL sequences were moved past the generator's explicit ids."""
    from data_access.core.db import session_scope
    from data_access.core.models import Operator, StageEvent

    counts = programme_counts(demo_store_rw)
    with session_scope(demo_store_rw, write=True) as s:
        op = Operator(code="OP-NUEVO", name="Operador nuevo", nit="800197268-4", is_psde=False)
        ev = StageEvent(
            enrolment_id=1,
            stage=R.SALIDA,
            event_date=TODAY,
            outcome=R.EXIT_ABANDONO,
            registered_on=TODAY,
            registered_by="prueba",
            note="",
        )
        s.add_all([op, ev])
        s.flush()
        assert op.id == counts["operator"] + 1
        assert ev.id == counts["stage_event"] + 1
        s.rollback()


def test_national_demo_has_what_the_intake_requires_once(demo_store):
    """Unique alliance evidence by the matrix's natural key (PN, kind, ally type, ally, start) and
    one household per identity document, so a national store exported with ``tablero export
    data`` loads back with ``tablero import all``."""
    from rules.intake.sheets import EVIDENCE

    tables = generate(read_reference(get_engine(demo_store)), "national", DEMO_SEED)
    ev = tables["alliance_evidence"]
    assert EVIDENCE.key == ("codigo_pn", "tipo", "tipo_aliado", "aliado", "fecha_inicio")
    keys = list(zip(*(ev[c].tolist() for c in ("business_plan_id", "kind", "ally_type", "ally_name", "start_date")),
                    strict=True))
    assert len(keys) > 15_000 and len(set(keys)) == len(keys)
    documents = tables["household"]["document_id"].tolist()
    assert len(documents) == 250_000 and len(set(documents)) == len(documents)


def test_the_demo_has_a_history_of_quarterly_reports(demo_store):
    """Operators of the demo reported before its today: most on time, some late or never, every
    sent report reviewed (the PMO's queue starts empty), and the audit chain records them."""
    from data_access.audit import log as audit
    from data_access.core.scope import Viewer
    from data_access.reporting import submissions as subs
    from data_access.reporting import timeliness as T
    from rules import access

    national = Viewer("prueba", access.CONSOLE_ROLE)
    table = [r for q in ("2025Q3", "2026Q2") for r in T.rows(national, q, demo_store)]
    on_time, late, missing = (sum(r[k] for r in table) for k in ("on_time", "late", "missing"))
    assert on_time > late + missing > 0 and on_time + late + missing == len(table)
    assert all(r["approved"] for r in table if not r["missing"])
    assert not subs.pending_count(national, demo_store)
    assert audit.verify(demo_store).ok
