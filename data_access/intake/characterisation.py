"""Store-side checks of the characterisation sheets: baselines («lineas_base») and the
territorial asset map («mapa_activos»).

Baselines are contract records: the operator measures its participants, so an operador loads
only rows of enrolments of its own contracts (``rules.access.IMPORTS``, asked with the operator
of the enrolment's contract) and an enrolment it may not see reads exactly like an unknown one.
A row fills the measures of its participant (a household's or an OPR's, ``rules.characterisation``)
and leaves the others blank; it is measured on or after the entry, and the exit follow-up
(``salida``) exists only for an enrolment that left its route, measured on or after the entry.
A national file holds a row per enrolment and moment, so the checks work on whole columns.

The asset map is territorial: a comité loads only rows of its office's municipalities, and an
asset keeps its municipality (its code cannot move a row out of another office).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.core.models import Baseline, Enrolment, TerritorialAsset
from data_access.core.scope import Viewer, municipality_clause, record_clause
from data_access.intake.changes import Plan, diff, stored_by_key
from data_access.intake.engine import importer
from data_access.intake.enrolments import known_enrolments
from data_access.intake.frames import before, flag, frame_change, stored_frame
from data_access.intake.participants import column_length
from data_access.intake.rows import municipality_in_scope, municipality_offices, problem, records
from rules import access
from rules import characterisation as CH
from rules.intake import sheets as S
from rules.intake.problems import Problem

MEASURE_COLUMNS = {m.code: m.column for m in CH.MEASURES}
STORED = ("id", "enrolment_id", "moment", "measured_on", "municipality_code", "operator_id", *MEASURE_COLUMNS)


def _stored_baselines(conn: Connection, enrolment_ids: list[int]) -> pd.DataFrame:
    b = Baseline
    return stored_frame(conn, tuple(getattr(b, c) for c in STORED), b.enrolment_id, enrolment_ids,
                        ints=("id", "enrolment_id"))


def _filled(m: pd.DataFrame, measures) -> np.ndarray:
    """Per row: how many of ``measures`` the row fills."""
    out = np.zeros(len(m), dtype=np.int64)
    for measure in measures:
        out += m[measure.column].notna().to_numpy(dtype=np.int64)
    return out


@importer("baselines")
def check_baselines(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.BASELINES
    f = frames.get(sheet.name)
    if f is None or f.empty:
        return Plan()
    m, known = known_enrolments(conn, sheet, f, viewer, problems)
    early = known & before(m["fecha"], m["entry_date"])
    flag(problems, sheet, m, early, "fecha",
         lambda r: f"La medición del {r['fecha'].isoformat()} es anterior al ingreso a la ruta "
                   f"({r['entry_date'].isoformat()}): la línea de base se toma al ingresar o después; corrija la "
                   "fecha.")
    exit_row = (m["momento"] == CH.SALIDA).to_numpy()
    active = known & ~early & exit_row & m["exit_date"].isna().to_numpy()
    flag(problems, sheet, m, active, "momento",
         lambda r: f"La inscripción «{r['codigo_inscripcion']}» sigue en su ruta: la medición de «salida» se carga "
                   "cuando sale; cárguela como «entrada» o espere su salida.")
    for kind in (CH.HOGAR, CH.OPR):
        mine = known & (m["participant_kind"] == kind).to_numpy()
        others = [x for x in CH.MEASURES if x.participant != kind]
        for measure in others:
            wrong = mine & m[measure.column].notna().to_numpy()
            flag(problems, sheet, m, wrong, measure.column,
                 lambda r, measure=measure, kind=kind: f"«{measure.column}» es una medida de "
                 f"{'la OPR' if measure.participant == CH.OPR else 'el hogar'} y la inscripción "
                 f"«{r['codigo_inscripcion']}» es de {'un hogar' if kind == CH.HOGAR else 'una OPR'}: deje la "
                 "columna vacía.")
        own = CH.measures_for(kind)
        empty = mine & (_filled(m, own) == 0)
        flag(problems, sheet, m, empty, own[0].column,
             lambda r, own=own: "La fila no trae ninguna medida: llene al menos una de "
                                f"{', '.join('«' + x.column + '»' for x in own)}.")
    if problems:
        return Plan()
    key = ("enrolment_id", "moment")
    new = pd.DataFrame({"enrolment_id": m["id"].astype("int64"), "moment": m["momento"],
                        "measured_on": m["fecha"], "municipality_code": m["municipality_code"],
                        "operator_id": m["contract_operator_id"].astype(object),
                        **{code: m[column].astype(object) for code, column in MEASURE_COLUMNS.items()}})
    new["operator_id"] = new["operator_id"].map(lambda v: None if v is None or pd.isna(v) else int(v))
    stored = _stored_baselines(conn, new["enrolment_id"].unique().tolist())
    return Plan([frame_change(sheet.name, Baseline, key, new, stored)])


# ------------------------------------------------------------------ asset map

ASSET_FIELDS = {"kind": "tipo", "category": "categoria", "status": "estado"}


@importer("assets")
def check_assets(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.ASSETS
    offices = municipality_offices(conn)
    given = records(frames.get(sheet.name))
    found = stored_by_key(conn, TerritorialAsset, ("code",), ("municipality_code",),
                          [(r["codigo_activo"],) for r in given])
    stored = {k[0]: row["municipality_code"] for k, row in found.items()}
    limits = {"codigo_activo": column_length(TerritorialAsset.code), "nombre": column_length(TerritorialAsset.name),
              "entidad": column_length(TerritorialAsset.entity)}
    rows = []
    for r in given:
        if not municipality_in_scope(sheet, r, viewer, offices, problems):
            continue
        code, muni = r["codigo_activo"], r["cod_municipio"]
        where = stored.get(code)
        if where is not None and where != muni:
            problems.append(problem(sheet, r, "codigo_activo", _moved(code, where, viewer, offices)))
            continue
        bad = False
        for column, limit in limits.items():
            value = r.get(column)
            if limit and value is not None and len(str(value)) > limit:
                problems.append(problem(sheet, r, column, f"Tiene {len(str(value))} caracteres y el máximo es "
                                                          f"{limit}: abrévielo."))
                bad = True
        services = ",".join(r.get("servicios") or ())
        for field, message in CH.asset_errors(r["tipo"], r.get("categoria"), r.get("estado")):
            problems.append(problem(sheet, r, ASSET_FIELDS[field], message))
            bad = True
        if bad:
            continue
        rows.append({"code": code, "municipality_code": muni, "kind": r["tipo"], "name": r["nombre"],
                     "entity": r.get("entidad") or "", "services": services, "category": r.get("categoria"),
                     "status": r.get("estado") or "", "description": r.get("descripcion") or "",
                     "updated_on": r["fecha"]})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, TerritorialAsset, ("code",), rows)])


def _moved(code: str, where: str, viewer: Viewer, offices: dict[str, int | None]) -> str:
    """An asset keeps its municipality; the stored one is named only within the uploader's scope."""
    if access.allowed(viewer, access.IMPORTS[S.ASSETS.entity], office=offices.get(where)):
        return (f"El activo «{code}» ya está registrado en el municipio {where} y el municipio de un activo no "
                "cambia: corrija «cod_municipio» o use un código nuevo.")
    return f"El código de activo «{code}» ya está en uso fuera de su oficina regional: use un código nuevo."


# ------------------------------------------------------------------ tablero export data


def baselines_export(viewer: Viewer):
    """The «lineas_base» rows the viewer may see (``data_access.intake.export``)."""
    E, B = Enrolment, Baseline
    return (select(E.code.label("codigo_inscripcion"), E.id.label("_id"), B.moment.label("momento"),
                   B.measured_on.label("fecha"),
                   *(getattr(B, code).label(column) for code, column in MEASURE_COLUMNS.items()))
            .join(E, E.id == B.enrolment_id)
            .where(record_clause(viewer, B.municipality_code, B.operator_id, route_col=E.route))
            .order_by(B.id))


def assets_export(viewer: Viewer):
    """The «mapa_activos» rows the viewer may see."""
    A = TerritorialAsset
    return (select(A.code.label("codigo_activo"), A.municipality_code.label("cod_municipio"), A.kind.label("tipo"),
                   A.name.label("nombre"), A.entity.label("entidad"), A.services.label("servicios"),
                   A.category.label("categoria"), A.status.label("estado"), A.description.label("descripcion"),
                   A.updated_on.label("fecha"))
            .where(municipality_clause(viewer, A.municipality_code, route_neutral=True))
            .order_by(A.id))


def asset_services(frame: pd.DataFrame, _maps) -> pd.DataFrame:
    """The stored comma-separated services as the sheet's list."""
    frame["servicios"] = frame["servicios"].map(lambda v: tuple(s for s in (v or "").split(",") if s))
    return frame

