"""Where an enrolment stands on its route, derived from its stage events.

An enrolment row keeps a summary of its history — current stage, furthest stage reached,
status and exit — so that the funnels and the ANS read one row per participant. The
summary must be the same whoever writes the events (the stage form, an intake file, the
demo generator), so it is derived here, by one rule:

* the current stage is the last event's stage (history order: ``rules.routes.model.sort_history``,
  viability round, route order, then date — a reformulation returns it to «formulación»);
* the furthest stage is the furthest stage reached other than «salida» (the exit marker,
  not progress); an enrolment without events is at «ingreso» (order 1);
* status is «activo» until a «salida», then «finalizado» for a completed exit (graduado,
  asociación autogestionada) and «salido» for a loss; the exit outcome and date are the
  salida's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rules.routes.model import COMPLETED_EXITS, INGRESO, SALIDA, route_model

ACTIVE, FINISHED, LEFT = "activo", "finalizado", "salido"


@dataclass(frozen=True)
class Progress:
    current_stage: str
    furthest_stage_order: int
    status: str
    exit_outcome: str | None = None
    exit_date: dt.date | None = None

    def as_dict(self) -> dict:
        return {"current_stage": self.current_stage, "furthest_stage_order": self.furthest_stage_order,
                "status": self.status, "exit_outcome": self.exit_outcome, "exit_date": self.exit_date}


START = Progress(INGRESO, 1, ACTIVE)
"""A new enrolment: entered its route, no event recorded yet."""


def status_after_exit(outcome: str | None) -> str:
    return FINISHED if outcome in COMPLETED_EXITS else LEFT


def advance(route: str, state: Progress, stage: str, outcome: str | None, day: dt.date | None) -> Progress:
    """The summary after one more event (the event is assumed allowed:
    ``rules.routes.model.validate_history`` / ``allowed_next``)."""
    furthest = state.furthest_stage_order or 0
    if stage == SALIDA:
        return Progress(SALIDA, furthest, status_after_exit(outcome), outcome, day)
    furthest = max(furthest, route_model(route).order(stage))
    return Progress(stage, furthest, state.status, state.exit_outcome, state.exit_date)


def progress_of(route: str, events: Iterable[tuple[str, str | None, dt.date | None]]) -> Progress:
    """The summary of a whole history ``[(stage, outcome, date), ...]`` in history order."""
    state = START
    for stage, outcome, day in events:
        state = advance(route, state, stage, outcome, day)
    return state

