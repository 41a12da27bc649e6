"""Promotion between routes (seed 000 §3.2: "las tres rutas integrales están enlazadas por los
criterios de entrada y salida"): a completed exit of básica or intermedia, recorded with a
promotion, creates the next route's enrolment in the same transaction.

The new enrolment enters by ``promocion``, points at the one it continues
(``previous_enrolment_id``, which the Sankey and funnels follow), starts with its «ingreso»
event on the exit day and is served by the next route's contract of the same oficina regional
in force that day (the same operator's when it has one). A household leaving intermedia enters
competitividad as the OPR it joined (``rules.routes.model.promotion_target``).

Exactly once: an enrolment is promoted at most once (a second request finds the first
promotion and creates nothing). The caller holds the exited enrolment's row lock; a
promotion into an OPR also locks the OPR, so two of its households graduating at once cannot
both open its next enrolment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from data_access.core.models import Enrolment, Household, Municipality, OperatorContract, Opr, StageEvent
from rules.core.calendar import quarter_of
from rules.routes.model import INGRESO, PROMOCION, entry_problem, promotion_target
from rules.routes.progress import ACTIVE, START


@dataclass(frozen=True)
class Target:
    """The enrolment a promotion creates."""

    route: str
    participant_kind: str
    household_id: int | None
    opr_id: int | None
    municipality_code: str
    operator_id: int | None
    contract_id: int | None
    previous_enrolment_id: int
    entry_date: dt.date

    def row(self) -> dict:
        return {"code": None, "participant_kind": self.participant_kind, "household_id": self.household_id,
                "opr_id": self.opr_id, "route": self.route, "entry_mechanism": PROMOCION,
                "entry_date": self.entry_date, "cohort_quarter": quarter_of(self.entry_date),
                "municipality_code": self.municipality_code, "operator_id": self.operator_id,
                "contract_id": self.contract_id, "previous_enrolment_id": self.previous_enrolment_id,
                **START.as_dict()}


class PromotionRefused(ValueError):
    """The exit cannot be promoted; the message (Spanish) says why and what to do."""


def successor(conn: Connection | Session, enrolment_id: int) -> int | None:
    """The enrolment already promoted from ``enrolment_id``, if any."""
    return conn.scalar(select(Enrolment.id).where(Enrolment.previous_enrolment_id == enrolment_id).limit(1))


def plan(conn: Connection | Session, enr, outcome: str | None, day: dt.date, *, lock: bool = False) -> Target | None:
    """The enrolment that promoting ``enr`` (leaving with ``outcome`` on ``day``) creates; None
    when it was already promoted. ``PromotionRefused`` when it may not be promoted."""
    target = promotion_target(enr.route, enr.participant_kind, outcome)
    if target is None:
        raise PromotionRefused(
            "Promoción: solo se promueve una salida graduada de la ruta básica o intermedia (con «Plan cumplido»); "
            "registre la salida sin promoción."
        )
    if successor(conn, enr.id) is not None:
        return None
    route, kind = target
    household_id, opr_id, municipality = _participant(conn, enr, kind, lock)
    problem = entry_problem(route, kind, PROMOCION)
    if problem:
        raise PromotionRefused(f"Promoción: {problem}")
    column, pid = (Enrolment.household_id, household_id) if kind == "hogar" else (Enrolment.opr_id, opr_id)
    open_one = conn.scalar(select(Enrolment.id).where(column == pid, Enrolment.route == route,
                                                      Enrolment.status == ACTIVE).limit(1))
    if open_one is not None:
        who = "El hogar" if kind == "hogar" else "La OPR"
        raise PromotionRefused(
            f"Promoción: {who} ya tiene la inscripción abierta #{open_one} en la ruta «{route}»: un participante "
            "tiene una sola inscripción abierta por ruta; registre la salida sin promoción."
        )
    contract = _contract(conn, route, municipality, day, enr.operator_id)
    return Target(route, kind, household_id, opr_id, municipality, contract[1] if contract else None,
                  contract[0] if contract else None, enr.id, day)


def _participant(conn, enr, kind: str, lock: bool) -> tuple[int | None, int | None, str]:
    """(household id, OPR id, municipality) of who enters the next route: the same participant,
    or the OPR a household joined (locked with ``lock``)."""
    if kind == enr.participant_kind:
        return enr.household_id, enr.opr_id, enr.municipality_code
    opr_id = conn.scalar(select(Household.opr_id).where(Household.id == enr.household_id))
    if opr_id is None:
        raise PromotionRefused(
            "Promoción: a la ruta de la competitividad entran asociaciones (OPR), y este hogar no pertenece a "
            "ninguna: registre su OPR en la hoja «hogares» (columna «nit_opr») antes de promoverlo, o registre "
            "la salida sin promoción."
        )
    stmt = select(Opr.municipality_code).where(Opr.id == opr_id)
    municipality = conn.scalar(stmt.with_for_update() if lock else stmt)
    return None, opr_id, municipality


def _contract(conn, route: str, municipality: str, day: dt.date, operator_id: int | None) -> tuple[int, int] | None:
    """(contract id, operator id) of the route's contract in the municipality's office in force on
    ``day``, the same operator's first."""
    office = select(Municipality.regional_office_id).where(Municipality.code == municipality).scalar_subquery()
    c = OperatorContract
    rows = conn.execute(
        select(c.id, c.operator_id)
        .where(c.route == route, c.regional_office_id == office, c.start_date <= day,
               or_(c.end_date.is_(None), c.end_date >= day))
        .order_by(c.id)
    ).all()
    mine = [r for r in rows if r.operator_id == operator_id]
    return tuple((mine or rows)[0]) if rows else None


def create(s: Session, target: Target, *, by: str, registered_on: dt.date, batch_id: int | None = None) -> Enrolment:
    """Add the promoted enrolment and its «ingreso» event (flushed; the caller audits)."""
    enr = Enrolment(**target.row(), version=1, import_batch_id=batch_id)
    s.add(enr)
    s.flush()
    s.add(StageEvent(enrolment_id=enr.id, stage=INGRESO, event_date=target.entry_date, outcome=None,
                     registered_on=registered_on, registered_by=(by or "")[:60],
                     note=f"Promoción desde la inscripción #{target.previous_enrolment_id}",
                     import_batch_id=batch_id))
    s.flush()
    return enr
