"""Small helpers every entity check shares: typed rows as dicts, a problem at a row's
cell, a whole reference table as a map."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from rules.intake import sheets as S
from rules.intake.problems import Problem


def records(frame: pd.DataFrame) -> list[dict]:
    return frame.to_dict("records") if frame is not None else []


def problem(sheet: S.Sheet, row: dict, column: str, message: str) -> Problem:
    value = row.get(column)
    return Problem(sheet.name, int(row["_row"]), column, message, value="" if value is None else str(value))


def code_map(conn: Connection, *columns) -> dict:
    """``{first column: second column}`` of a whole (small, reference) table."""
    return dict(conn.execute(select(*columns)).all())
