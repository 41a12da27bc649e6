"""Per-enrolment summaries of stage events and deliveries for the derived ANS.

The derived ANS (``data_access.sla.queries``) need, per enrolment, only: the first date it
reached «servicios activados», the first delivery date of each service type, and its stage
events per quarter with how many were registered on time. Those three tables
(``summary_services_reached``, ``summary_first_service``, ``summary_quarter_events``) replace
scans of millions of rows by reads of a few hundred thousand.

Exactness, in the writing transaction itself: stage events and deliveries written as ORM
objects note their enrolments at flush; bulk writers (the intake) say which enrolments they
touch with :func:`touch`, or :func:`touch_all`. Right before the session commits,
:func:`keep_exact` recomputes those enrolments' rows. Every such write also bumps the
"participants" data version (a rule of the house; ``versions.bump`` calls :func:`note_bump`),
and the commit records the new version in ``summary_state`` — rebuilding everything first if
the summaries were not exact for the version the transaction started from. A reader uses the
summaries only when their version is the current one (:func:`is_exact`), else it computes
live: a write that went around them is never read from a stale summary.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, case, delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session

from data_access.core.calendar import days_between, sql_quarter
from data_access.core.models import (
    DataVersion,
    EnrolmentFirstService,
    EnrolmentQuarterEvents,
    EnrolmentServicesReached,
    ServiceDelivery,
    StageEvent,
    SummaryState,
)
from rules.routes.model import SERVICIOS
from rules.sla.scoring import ON_TIME_DAYS

NAME = "sla"
TOPIC = "participants"
_PENDING = "summary_sla_enrolments"  # session.info: enrolment ids touched in this transaction
_ALL = "summary_sla_all"  # session.info: touched too many (or unknown) enrolments: rebuild
_BUMPED_FROM = "summary_sla_bumped_from"  # session.info: "participants" version before this transaction
CHUNK = 5_000  # enrolment ids per IN list
ALL_ABOVE = 50_000  # more touched enrolments than this: one rebuild is cheaper


def _services_reached(ids=None):
    stmt = (select(StageEvent.enrolment_id, func.min(StageEvent.event_date))
            .where(StageEvent.stage == SERVICIOS).group_by(StageEvent.enrolment_id))
    return stmt if ids is None else stmt.where(StageEvent.enrolment_id.in_(ids))


def _first_service(ids=None):
    d = ServiceDelivery
    stmt = (select(d.enrolment_id, d.service_type_code, func.min(d.delivery_date))
            .group_by(d.enrolment_id, d.service_type_code))
    return stmt if ids is None else stmt.where(d.enrolment_id.in_(ids))


def _quarter_events(ids=None):
    e = StageEvent
    quarter = sql_quarter(e.event_date)
    on_time = days_between(e.registered_on, e.event_date) <= ON_TIME_DAYS
    stmt = (select(e.enrolment_id, quarter, func.count(), func.sum(case((on_time, 1), else_=0)))
            .group_by(e.enrolment_id, quarter))
    return stmt if ids is None else stmt.where(e.enrolment_id.in_(ids))


SUMMARIES = (
    (EnrolmentServicesReached, ("enrolment_id", "reached_on"), _services_reached),
    (EnrolmentFirstService, ("enrolment_id", "service_type_code", "first_on"), _first_service),
    (EnrolmentQuarterEvents, ("enrolment_id", "quarter", "events", "on_time"), _quarter_events),
)


def refresh(conn, enrolment_ids: Iterable[int] | None = None) -> None:
    """Recompute the summary rows of ``enrolment_ids`` (every row when None) on ``conn``."""
    if enrolment_ids is None:
        for model, cols, source in SUMMARIES:
            conn.execute(delete(model))
            conn.execute(insert(model).from_select(list(cols), source()))
        return
    ids = sorted({int(i) for i in enrolment_ids})
    for start in range(0, len(ids), CHUNK):
        part = ids[start:start + CHUNK]
        for model, cols, source in SUMMARIES:
            conn.execute(delete(model).where(model.enrolment_id.in_(part)))
            conn.execute(insert(model).from_select(list(cols), source(part)))


def _version(conn) -> int:
    return conn.execute(select(DataVersion.version).where(DataVersion.topic == TOPIC)).scalar() or 0


def _state(conn) -> int | None:
    return conn.execute(select(SummaryState.version).where(SummaryState.name == NAME)).scalar()


def _set_state(conn, version: int) -> None:
    if conn.execute(SummaryState.__table__.update().where(SummaryState.name == NAME)
                    .values(version=version)).rowcount == 0:
        conn.execute(insert(SummaryState).values(name=NAME, version=version))


def rebuild(conn) -> None:
    """Every summary row from the stored rows, exact for the current "participants" version."""
    refresh(conn, None)
    _set_state(conn, _version(conn))


def is_exact(conn) -> bool:
    """Whether the summaries hold for the data as they are now (read in the reader's transaction)."""
    row = conn.execute(
        select(SummaryState.version).join(DataVersion, and_(DataVersion.topic == TOPIC,
                                                            DataVersion.version == SummaryState.version))
        .where(SummaryState.name == NAME)).first()
    if row is not None:
        return True
    return _state(conn) == 0 and _version(conn) == 0  # a store never written since it was built


def touch(session: Session, enrolment_ids: Iterable[int | None]) -> None:
    """Note enrolments whose stage events or deliveries this transaction writes (bulk writers)."""
    pending = session.info.setdefault(_PENDING, set())
    for i in enrolment_ids:
        if i is None:
            session.info[_ALL] = True
        else:
            pending.add(int(i))
    if len(pending) > ALL_ABOVE:
        session.info[_ALL] = True


def touch_all(session: Session) -> None:
    """This transaction rewrote stage events or deliveries wholesale: rebuild before it commits."""
    session.info[_ALL] = True


def note_bump(session: Session) -> None:
    """Called by ``versions.bump`` right after it bumped "participants": remember the version the
    transaction started from, so that the commit can tell whether the summaries were exact then."""
    if _BUMPED_FROM not in session.info:
        session.info[_BUMPED_FROM] = _version(session.connection()) - 1


def keep_exact(session: Session) -> None:
    """Before the transaction commits: recompute the rows of the enrolments it touched (all of
    them when it says so, or when it bumped "participants" from a version the summaries were
    not exact for) and, when it bumped, record the new version as the one they hold for."""
    session.flush()  # the last objects note their enrolments now
    info = session.info
    if not (info.get(_PENDING) or info.get(_ALL) or _BUMPED_FROM in info):
        return
    conn = session.connection()
    pending = info.pop(_PENDING, set())
    rebuild_all = info.pop(_ALL, False)
    bumped_from = info.pop(_BUMPED_FROM, None)
    if bumped_from is not None and _state(conn) != bumped_from:
        rebuild_all = True
    refresh(conn, None if rebuild_all else pending)
    if bumped_from is not None:
        _set_state(conn, _version(conn))


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    keep_exact(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    for key in (_PENDING, _ALL, _BUMPED_FROM):
        session.info.pop(key, None)


@event.listens_for(Session, "before_flush")
def _note_flushed(session: Session, _context, _instances) -> None:
    """ORM writes of stage events and deliveries note their enrolments (old and new)."""
    ids: list[int | None] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, StageEvent | ServiceDelivery):
            ids.append(obj.enrolment_id)
            ids.extend(inspect(obj).attrs.enrolment_id.history.deleted or ())
    if ids:
        touch(session, ids)


def touch_changes(session: Session, changes: Iterable) -> None:
    """Note the enrolments of the intake's planned changes (``data_access.intake.changes.Change``)
    of stage events and deliveries, before they are written: an update's stored enrolment too."""
    for change in changes:
        model = change.model
        if model not in (StageEvent, ServiceDelivery) or not change.changed:
            continue
        if len(change.inserts) + len(change.updates) > ALL_ABOVE:
            touch_all(session)
            return
        touch(session, (r.get("enrolment_id") for r in (*change.inserts, *change.updates) if "enrolment_id" in r))
        if any("enrolment_id" not in r for r in change.inserts):
            touch_all(session)
        updated = [r["id"] for r in change.updates]
        conn = session.connection()
        for start in range(0, len(updated), CHUNK):
            touch(session, conn.execute(select(model.enrolment_id)
                                        .where(model.id.in_(updated[start:start + CHUNK]))).scalars())
