"""Store-side check of the targets sheet («metas»).

Loaded by the PMO only (``rules.access.IMPORTS["targets"]``). The reader already refuses an
indicator outside the catalogue, a level outside nacional / oficina_regional / departamento, a
quarter outside 1–4 and a negative target; here the territory must match its level: empty for
nacional, a stored office code for oficina_regional, a stored DIVIPOLA department code for
departamento. Upsert by indicator + year + quarter (0: the year's) + level + territory.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from data_access.core.models import Department, RegionalOffice, Target
from data_access.core.scope import Viewer
from data_access.intake.changes import Plan, diff
from data_access.intake.engine import importer
from data_access.intake.rows import code_map, problem, records
from rules.intake import sheets as S
from rules.intake.problems import Problem

KEY = ("indicator", "year", "quarter", "level", "territory_code")


def territory_problem(level: str, code: str, offices: set[str], departments: set[str]) -> str | None:
    """Why ``code`` cannot be the territory of a target of ``level`` (None: it can)."""
    if level == "nacional":
        return None if not code else (f"Una meta nacional no lleva territorio: deje vacío «codigo_territorio» "
                                      f"(tiene «{code}»).")
    if level == "oficina_regional":
        if code in offices:
            return None
        return (f"La oficina regional «{code}» no existe: use el código de una oficina cargada en «oficinas» "
                f"({', '.join(sorted(offices))}).") if code else \
            "Falta «codigo_territorio»: escriba el código de la oficina regional (p. ej. CAR)."
    if code in departments:
        return None
    return (f"El departamento «{code}» no existe: use el código DIVIPOLA de 2 dígitos del departamento (p. ej. 05)."
            if code else "Falta «codigo_territorio»: escriba el código DIVIPOLA del departamento (p. ej. 05).")


@importer("targets")
def check_targets(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.TARGETS
    offices = set(code_map(conn, RegionalOffice.code, RegionalOffice.id))
    departments = set(code_map(conn, Department.code, Department.name))
    rows = []
    for r in records(frames.get(sheet.name)):
        level, code = r["nivel"], (r.get("codigo_territorio") or "").strip()
        if level == "departamento" and code.isdigit() and len(code) == 1:
            code = code.zfill(2)
        why = territory_problem(level, code, offices, departments)
        if why:
            problems.append(problem(sheet, r, "codigo_territorio", why))
            continue
        quarter = r.get("trimestre")
        rows.append({"indicator": r["indicador"], "year": int(r["anio"]),
                     "quarter": int(quarter) if quarter is not None and quarter == quarter else 0,
                     "level": level, "territory_code": code, "value": float(r["meta"])})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, Target, KEY, rows)])
