"""Timeliness and completeness of the operators' quarterly reports («registro oportuno»).

For one quarter, an operator is expected to report when it holds a contract active in the
quarter (``start_date`` ≤ the quarter's end and no ``end_date`` before its start). Its report is on
time when first sent (``first_submitted_at``, as a Bogotá date) by ``rules.reporting.cycle.deadline``,
late when sent after it, missing when never sent; approved and returned (ever, from the audit
trail) are counted too. The rate is on time / expected. Scoped like the reports themselves: an
operator sees its own row, a comité the operators with a contract in its office, the PMO all.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, cast, func, select

from data_access.core.db import get_engine
from data_access.core.models import AuditLog, Operator, OperatorContract, ReportSubmission
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from rules import access
from rules.access import Reach
from rules.core.calendar import parse_quarter, quarter_bounds
from rules.core.formatting import bogota_time
from rules.reporting import cycle
from rules.reporting.cycle import State


@dataclass(frozen=True)
class Summary:
    quarter: str
    expected: int
    on_time: int
    late: int
    missing: int
    approved: int
    returned: int

    @property
    def rate(self) -> float | None:
        """On time / expected, None when nobody was expected to report."""
        return self.on_time / self.expected if self.expected else None


def scope_contracts(viewer: Viewer):
    """The contracts whose operators the viewer's scope covers (``SEE_REPORTS``)."""
    r = access.reach(viewer, access.SEE_REPORTS)
    if r is Reach.ALL:
        return None
    if r is Reach.CONTRACTS and viewer.operator_id is not None:
        return OperatorContract.operator_id == viewer.operator_id
    if r is Reach.OFFICE and viewer.regional_office_id is not None:
        return OperatorContract.regional_office_id == viewer.regional_office_id
    if r is Reach.ROUTE and viewer.route is not None:  # the operators a dirección de ruta directs
        return OperatorContract.route == viewer.route
    return OperatorContract.id.is_(None)


@reads("reporting")
def rows(viewer: Viewer, quarter: str, url: str | None = None) -> list[dict]:
    """One row per operator expected to report ``quarter``: when it first sent it and whether on time,
    late or missing, approved, ever returned, and the state of its latest report."""
    quarter = parse_quarter(quarter)
    start, end = quarter_bounds(quarter)
    active = (select(OperatorContract.operator_id)
              .where(OperatorContract.start_date <= end,
                     (OperatorContract.end_date.is_(None)) | (OperatorContract.end_date >= start)))
    clause = scope_contracts(viewer)
    if clause is not None:
        active = active.where(clause)
    returned = (select(AuditLog.entity_id).where(AuditLog.entity == "report_submission",
                                                 AuditLog.action == cycle.Step.RETURN.value))
    subs = (select(ReportSubmission.operator_id,
                   func.min(ReportSubmission.first_submitted_at).label("first"),
                   func.max(ReportSubmission.id).label("latest"),
                   func.count(ReportSubmission.id).filter(ReportSubmission.state == State.APROBADO.value)
                   .label("approved"),
                   func.count(ReportSubmission.id).filter(cast(ReportSubmission.id, String).in_(returned))
                   .label("returned"))
            .where(ReportSubmission.quarter == quarter).group_by(ReportSubmission.operator_id).subquery())
    stmt = (select(Operator.id, Operator.code, Operator.name, subs.c.first, subs.c.approved, subs.c.returned,
                   ReportSubmission.state)
            .where(Operator.id.in_(active.distinct()))
            .outerjoin(subs, subs.c.operator_id == Operator.id)
            .outerjoin(ReportSubmission, ReportSubmission.id == subs.c.latest)
            .order_by(Operator.code))
    deadline = cycle.deadline(quarter)
    out = []
    with get_engine(url).connect() as conn:
        for op_id, code, name, first, approved, returned_n, state in conn.execute(stmt):
            sent_on = bogota_time(first).date() if first is not None else None
            out.append({"quarter": quarter, "operator_id": op_id, "operator_code": code, "operator_name": name,
                        "deadline": deadline, "first_submitted_on": sent_on, "state": state,
                        "on_time": sent_on is not None and sent_on <= deadline,
                        "late": sent_on is not None and sent_on > deadline, "missing": sent_on is None,
                        "approved": bool(approved), "returned": bool(returned_n)})
    return out


def summary(table: list[dict], quarter: str) -> Summary:
    """The counts of a ``rows`` table."""
    return Summary(parse_quarter(quarter), len(table), sum(r["on_time"] for r in table),
                   sum(r["late"] for r in table), sum(r["missing"] for r in table),
                   sum(r["approved"] for r in table), sum(r["returned"] for r in table))
