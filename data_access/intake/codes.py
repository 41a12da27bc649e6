"""Natural keys of the rows that had none before the intake: alerts (``codigo_alerta``) and
enrolments (``codigo_inscripcion``). A row created without one (a form, the demo) gets a
stable code from its id, so a file exported from a store can be loaded back into it and
match its rows instead of duplicating them."""

from __future__ import annotations

from sqlalchemy import Text, cast, func, literal, update
from sqlalchemy.orm import Session

from data_access.core.db import is_sqlite
from data_access.core.models import Enrolment, TerritorialAlert

ALERT_PREFIX = "AL"
ENROLMENT_PREFIX = "INS"
PREFIXES = {TerritorialAlert: ALERT_PREFIX, Enrolment: ENROLMENT_PREFIX}


def fallback_code(prefix: str, ident: int) -> str:
    """The code of a row stored without one: stable, because it comes from the row's id."""
    return f"{prefix}-{int(ident):06d}"


def backfill(session: Session) -> None:
    """Give every alert and enrolment without a code its id's code (one UPDATE per table)."""
    sqlite = is_sqlite(session.get_bind())
    for model, prefix in PREFIXES.items():
        code = (func.printf(f"{prefix}-%06d", model.id) if sqlite
                else literal(f"{prefix}-").concat(func.lpad(cast(model.id, Text), 6, "0")))
        session.execute(update(model).where(model.code.is_(None)).values(code=code))
