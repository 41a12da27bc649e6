"""Small helpers every entity check shares: typed rows as dicts, a problem at a row's
cell, a whole reference table as a map."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.core.models import Municipality
from data_access.core.scope import Viewer
from rules import access
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


def municipality_offices(conn: Connection) -> dict[str, int | None]:
    """DIVIPOLA code → id of the oficina regional that serves it (None: no office yet)."""
    return code_map(conn, Municipality.code, Municipality.regional_office_id)


def municipality_in_scope(sheet: S.Sheet, r: dict, viewer: Viewer, offices: dict[str, int | None],
                          problems: list[Problem]) -> bool:
    """The row's municipality exists and lies in the uploader's scope; otherwise a row problem."""
    code = r["cod_municipio"]
    if code not in offices:
        problems.append(problem(sheet, r, "cod_municipio", f"El municipio {code} no existe en DIVIPOLA: "
                                                           "revise el código de 5 dígitos."))
        return False
    if not access.allowed(viewer, access.IMPORTS[sheet.entity], office=offices[code]):
        problems.append(problem(sheet, r, "cod_municipio",
                                f"El municipio {code} no pertenece a su oficina regional: quite la fila o pida la "
                                "carga a la PMO."))
        return False
    return True
