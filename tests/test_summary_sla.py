"""The per-enrolment summaries of the derived ANS (``data_access.summary.sla``) stay exactly equal
to the live computation: after the seed, after writes through the edit forms' writers, after
random ORM writes (insert, move, delete) and after an import; and every derived measure read
from them equals the one computed from the events and deliveries themselves, for every kind of
viewer and filter. A summary that is not exact for the current data version is never read.
Both stores."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import Date, delete, func, literal, select, update

from data_access.core import versions
from data_access.core.auth import viewer_for_username
from data_access.core.calendar import sql_quarter
from data_access.core.db import get_engine, session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import (
    Enrolment,
    ServiceDelivery,
    StageEvent,
    SummaryState,
)
from data_access.edits import services as service_edits
from data_access.edits import stage as stage_edits
from data_access.intake import engine as intake
from data_access.sla import queries as S
from data_access.summary import sla as summary
from rules.core.calendar import quarter_of, shift_quarter
from rules.core.catalog import SERVICE_TYPES
from rules.routes.model import SERVICIOS
from tests.test_edit_services import w  # noqa: F401 - the edit world (fixture)

CUTOFFS = (dt.date(2025, 12, 31), dt.date(2026, 2, 14))  # a quarter's end; inside a quarter


def _stored(url: str) -> dict[str, set[tuple]]:
    """Every summary row as stored."""
    with get_engine(url).connect() as conn:
        return {model.__tablename__: {tuple(r) for r in conn.execute(select(*[model.__table__.c[c] for c in cols]))}
                for model, cols, _ in summary.SUMMARIES}


def _recomputed(url: str) -> dict[str, set[tuple]]:
    """Every summary row as computed now from the events and deliveries."""
    with get_engine(url).connect() as conn:
        return {model.__tablename__: {tuple(r) for r in conn.execute(source())}
                for model, _, source in summary.SUMMARIES}


def _assert_exact(url: str) -> None:
    with get_engine(url).connect() as conn:
        assert summary.is_exact(conn), "the summaries are not marked exact for the current version"
    stored, live = _stored(url), _recomputed(url)
    for table in live:
        assert stored[table] == live[table], (table, sorted(stored[table] ^ live[table])[:10])


def _viewers(url: str):
    out = [viewer_for_username(name, url) for name in ("directivo", "comite", "operador")]  # not roles: demo users
    return [v for v in out if v is not None]


def _assert_measures_equal(url: str, viewer, filters: GlobalFilters) -> None:
    last = quarter_of(filters.cutoff)
    quarters = tuple(shift_quarter(last, -i) for i in range(6))
    services = tuple(sorted(SERVICE_TYPES))
    for fn, args in ((S.days_to_first_technical_assistance, ()), (S.events_registered_on_time, ()),
                     (S.service_coverage, (services,))):
        fast = fn(viewer, filters, quarters, *args, url=url)
        live = fn(viewer, filters, quarters, *args, url=url, live=True)
        assert fast == live, (fn.__name__, viewer.username, filters, sorted(set(fast.items()) ^ set(live.items()))[:5])


def test_after_the_seed_the_summaries_are_exact_and_every_measure_equals_the_live_one(demo_store):
    _assert_exact(demo_store)
    some_department = _a_department(demo_store)
    for viewer in _viewers(demo_store):
        for cutoff in CUTOFFS:
            _assert_measures_equal(demo_store, viewer, GlobalFilters(cutoff=cutoff))
        _assert_measures_equal(demo_store, viewer, GlobalFilters(cutoff=CUTOFFS[0], department_code=some_department))
        _assert_measures_equal(demo_store, viewer, GlobalFilters(cutoff=CUTOFFS[1], route="intermedia"))


def _a_department(url: str) -> str:
    with session_scope(url) as s:
        muni = s.scalar(select(Enrolment.municipality_code).group_by(Enrolment.municipality_code)
                        .order_by(func.count().desc()).limit(1))
    return muni[:2]


def test_random_writes_keep_the_summaries_exact(demo_store_rw):
    url = demo_store_rw
    rng = random.Random(20)
    with session_scope(url) as s:
        enrolments = s.scalars(select(Enrolment.id).order_by(Enrolment.id)).all()
        events = s.scalars(select(StageEvent.id).order_by(StageEvent.id)).all()
        deliveries = s.scalars(select(ServiceDelivery.id).order_by(ServiceDelivery.id)).all()
    for step in range(6):
        with session_scope(url, write=True) as s:
            ev = s.get(StageEvent, rng.choice(events))
            ev.event_date -= dt.timedelta(days=rng.randint(20, 200))  # moves it to another quarter
            ev.registered_on = ev.event_date + dt.timedelta(days=rng.choice((0, 40)))
            moved = s.get(ServiceDelivery, rng.choice(deliveries))
            moved.enrolment_id = rng.choice(enrolments)  # old and new enrolment both change
            s.add(StageEvent(enrolment_id=rng.choice(enrolments), stage=SERVICIOS,
                             event_date=dt.date(2025, 1, 1) + dt.timedelta(days=rng.randint(0, 400)),
                             registered_on=dt.date(2026, 3, 1), registered_by="prueba"))
            s.add(ServiceDelivery(enrolment_id=rng.choice(enrolments), service_type_code="asistencia_tecnica",
                                  operator_id=moved.operator_id, contract_id=moved.contract_id,
                                  municipality_code=moved.municipality_code,
                                  delivery_date=dt.date(2025, 3, 1) + dt.timedelta(days=step),
                                  registered_on=dt.date(2025, 6, 1)))
            s.delete(s.get(StageEvent, events.pop(rng.randrange(len(events)))))
            versions.bump(s, "participants")
        _assert_exact(url)
    for viewer in _viewers(url):
        _assert_measures_equal(url, viewer, GlobalFilters(cutoff=CUTOFFS[1]))


def test_the_edit_forms_writers_keep_the_summaries_exact(w):  # noqa: F811 - the fixture
    service_edits.add_service_delivery(w.v["operador"], w.enr_a_opr, w.contract_a, "asistencia_tecnica",
                                       "2024-07-04", url=w.url)
    _assert_exact(w.url)
    stage_edits.record_stage(w.v["comite"], w.enr_hh, 1, "evaluacion_capacidades", None, "2025-02-01", url=w.url)
    _assert_exact(w.url)
    assert _stored(w.url)["summary_first_service"] >= {(w.enr_a_opr, "asistencia_tecnica", dt.date(2024, 7, 3))}


def test_an_import_keeps_the_summaries_exact(demo_store_rw):
    url = demo_store_rw
    with session_scope(url) as s:
        code, service, day = s.execute(
            select(Enrolment.code, ServiceDelivery.service_type_code, func.min(ServiceDelivery.delivery_date))
            .join(Enrolment, Enrolment.id == ServiceDelivery.enrolment_id)
            .where(Enrolment.code.is_not(None))
            .group_by(Enrolment.code, ServiceDelivery.service_type_code)
            .order_by(Enrolment.code).limit(1)).one()
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    earlier = day - dt.timedelta(days=1)  # a new first delivery
    text = f"codigo_inscripcion,servicio,fecha_entrega\n{code},{service},{earlier:%d/%m/%Y}\n"
    report = intake.import_file("deliveries", text.encode(), "servicios_prestados.csv",
                                viewer_for_username("admin", url), url)
    assert report.ok and report.changed, report.message
    _assert_exact(url)
    with session_scope(url) as s:
        eid = s.scalar(select(Enrolment.id).where(Enrolment.code == code))
    assert (eid, service, earlier) in _stored(url)["summary_first_service"]


def test_a_summary_not_exact_for_the_current_version_is_not_read(demo_store_rw):
    """A write that bypassed the summaries (the version moved without them): the measures are
    computed live, and the next write through ``versions.bump`` rebuilds them."""
    url = demo_store_rw
    viewer = viewer_for_username("directivo", url)
    filters = GlobalFilters(cutoff=CUTOFFS[0])
    quarters = tuple(shift_quarter(quarter_of(filters.cutoff), -i) for i in range(4))
    with get_engine(url).begin() as conn:  # behind the summaries' back
        conn.execute(delete(StageEvent).where(StageEvent.id.in_(
            select(StageEvent.id).where(StageEvent.event_date >= dt.date(2025, 7, 1)).limit(500).scalar_subquery())))
        conn.execute(update(SummaryState).values(version=SummaryState.version - 1))
    with get_engine(url).connect() as conn:
        assert not summary.is_exact(conn)
    live = S.events_registered_on_time(viewer, filters, quarters, url=url, live=True)
    assert S.events_registered_on_time(viewer, filters, quarters, url=url) == live
    with session_scope(url, write=True) as s:
        versions.bump(s, "participants")
    _assert_exact(url)
    assert S.events_registered_on_time(viewer, filters, quarters, url=url) == live



def test_sql_quarter_is_the_quarter_of_every_day(empty_store):
    days = [dt.date(2023, 12, 25) + dt.timedelta(days=i) for i in range(400)]
    with get_engine(empty_store).connect() as conn:
        got = [conn.execute(select(sql_quarter(literal(d, Date())))).scalar() for d in days[::7] + days[-5:]]
    assert got == [quarter_of(d) for d in days[::7] + days[-5:]]
