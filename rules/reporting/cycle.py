"""The quarterly reporting cycle, as pure rules (no Streamlit, no SQL).

An operator prepares its report of a quarter (``borrador``), sends it (``enviado``); the PMO
approves it (``aprobado``: its files are loaded) or returns it with comments (``devuelto``),
and a returned report is fixed and sent again. Anchor: DHIS2's data approval and its
reporting-rate reports. A report is on time when it was first sent within
``deadline_days()`` after the quarter's end.
"""

from __future__ import annotations

import datetime as dt
import os
from enum import StrEnum

from rules.core.calendar import quarter_end


class State(StrEnum):
    BORRADOR = "borrador"
    ENVIADO = "enviado"
    APROBADO = "aprobado"
    DEVUELTO = "devuelto"


class Step(StrEnum):
    """What a person does to a submission."""

    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"


TRANSITIONS: dict[tuple[State, Step], State] = {
    (State.BORRADOR, Step.SUBMIT): State.ENVIADO,
    (State.DEVUELTO, Step.SUBMIT): State.ENVIADO,
    (State.ENVIADO, Step.APPROVE): State.APROBADO,
    (State.ENVIADO, Step.RETURN): State.DEVUELTO,
}
OPEN_STATES = frozenset({State.BORRADOR, State.ENVIADO, State.DEVUELTO})
"""A submission in these states is not finished: at most one per operator and quarter."""
PENDING_STATES = frozenset({State.ENVIADO})
"""Waiting for the PMO: closing a quarter with any of these needs a stated reason."""
EDITABLE_STATES = frozenset({State.BORRADOR, State.DEVUELTO})
"""The operator may add or remove files."""

ENTITIES = ("sla-reports", "stage-events", "deliveries", "tracking-matrix", "baselines")
"""The intake entities an operator's report carries (``rules.intake.sheets``): its ANS values,
its contracts' stage events and deliveries, and the tracking matrix of its PSDE's PN."""

DEFAULT_DEADLINE_DAYS = 20


class CycleError(ValueError):
    """A step the cycle does not allow; the message says why, in Spanish."""


def next_state(state: str, step: str) -> State:
    """The state after ``step``, or ``CycleError`` naming the state it is in."""
    try:
        return TRANSITIONS[(State(state), Step(step))]
    except KeyError:
        raise CycleError(f"El reporte está «{State(state).value}»: no se puede {_VERB[Step(step)]}.") from None


_VERB = {Step.SUBMIT: "enviar", Step.APPROVE: "aprobar", Step.RETURN: "devolver"}


def deadline_days() -> int:
    """Days after a quarter's end within which its report is on time (``TABLERO_REPORT_DEADLINE_DAYS``)."""
    return int(os.environ.get("TABLERO_REPORT_DEADLINE_DAYS", DEFAULT_DEADLINE_DAYS))


def deadline(quarter: str) -> dt.date:
    """The last day on which a quarter's report is on time: '2026Q2' → 2026-07-20 by default."""
    return quarter_end(quarter) + dt.timedelta(days=deadline_days())


def on_time(quarter: str, first_submitted: dt.date | None) -> bool:
    return first_submitted is not None and first_submitted <= deadline(quarter)

