"""Demo reporting cycle: the quarterly reports operators sent before the demo's today.

For every operator with a contract in force in a quarter (``data_access.reporting.timeliness``'s
rule), from 2025Q1 to the last ended quarter: most reports were sent on time and approved, some
late, a few returned once and sent again, a few never sent — so «registro oportuno» and the
operators' reminders show what a running programme shows. Every sent report is reviewed: the
PMO's queue starts empty. The reports carry no files (the data they stood for is the seeded
programme). Same store and seed → same reports.
Written after the bulk load (``data_access.demo.seed``) with one audit entry.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import delete, or_, select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import session_scope
from data_access.core.models import Operator, OperatorContract, ReportSubmission
from data_access.demo.parameters import REFERENCE_DATE
from rules.core.calendar import last_quarter_end, quarter_bounds, quarter_of, quarters_between
from rules.reporting import cycle
from rules.reporting.cycle import State

FIRST_QUARTER = "2025Q1"
REVIEWER = "analista"  # the demo's analista PMO account
BOGOTA_AFTERNOON = dt.timedelta(hours=20)  # 15:00 in Bogotá, stored in UTC like every write
KINDS = ("approved", "late", "returned_then_approved", None)  # None: never sent
WEIGHTS = (0.80, 0.12, 0.05, 0.03)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(min(day, REFERENCE_DATE), dt.time()) + BOGOTA_AFTERNOON


def _active(s, quarter: str) -> list[tuple[int, str]]:
    start, end = quarter_bounds(quarter)
    c = OperatorContract
    return s.execute(
        select(Operator.id, Operator.code).join(c, c.operator_id == Operator.id)
        .where(c.start_date <= end, or_(c.end_date.is_(None), c.end_date >= start))
        .group_by(Operator.id, Operator.code).order_by(Operator.id)).all()


def _report(operator_id: int, code: str, quarter: str, kind: str, rng: np.random.Generator) -> ReportSubmission:
    end, deadline = quarter_bounds(quarter)[1], cycle.deadline(quarter)
    preparer = f"reportes.{code.lower()}"
    on_time = end + dt.timedelta(days=int(rng.integers(3, cycle.deadline_days() + 1)))
    sent = deadline + dt.timedelta(days=int(rng.integers(1, 41))) if kind == "late" else on_time
    r = ReportSubmission(operator_id=operator_id, quarter=quarter, created_by=preparer,
                         created_at=_at(end + dt.timedelta(days=1)), review_comment="", version=1)
    r.submitted_by, r.first_submitted_at = preparer, _at(sent)
    r.submitted_at, r.version = r.first_submitted_at, 2
    reviewed = _at(sent + dt.timedelta(days=int(rng.integers(2, 12))))
    r.state, r.reviewed_by, r.reviewed_at, r.version = State.APROBADO, REVIEWER, reviewed, 3
    if kind == "returned_then_approved":  # the comment went with the return; the approval cleared it
        resent = reviewed.date() + dt.timedelta(days=int(rng.integers(2, 8)))
        r.submitted_at = _at(resent)
        r.reviewed_at = _at(resent + dt.timedelta(days=int(rng.integers(1, 6))))
        r.version = 5
    return r


def add_reports(url: str | None, seed: int) -> int:
    """Write the demo's quarterly reports; returns how many."""
    rng = np.random.default_rng(seed + 16_016)
    last = quarter_of(last_quarter_end(REFERENCE_DATE))
    reports: list[ReportSubmission] = []
    with session_scope(url, write=True) as s:
        s.execute(delete(ReportSubmission))
        for quarter in quarters_between(FIRST_QUARTER, last):
            for operator_id, code in _active(s, quarter):
                kind = KINDS[int(rng.choice(len(KINDS), p=WEIGHTS))]
                if kind is not None:
                    reports.append(_report(operator_id, code, quarter, kind, rng))
        s.add_all(reports)
        audit.record(s, "sistema:demo", "demo_reports", f"{FIRST_QUARTER}-{last}", "seed", None,
                     {"reports": len(reports), "quarters": [FIRST_QUARTER, last]})
        versions.bump(s, "reporting")
    return len(reports)



