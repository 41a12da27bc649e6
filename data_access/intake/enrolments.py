"""The stored enrolments an intake sheet names, and which of them the uploader may load: one
reading for every sheet keyed by ``codigo_inscripcion`` on an operator's contracts (stage
events, deliveries, baselines)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.core.models import Enrolment, OperatorContract
from data_access.core.scope import Viewer
from data_access.intake.frames import flag, stored_frame
from rules import access
from rules.intake import sheets as S
from rules.intake.problems import Problem

ENROLMENT_FRAME = ("id", "route", "participant_kind", "entry_date", "exit_date", "contract_id", "operator_id",
                   "municipality_code", "current_stage", "furthest_stage_order", "status", "exit_outcome", "version")


def enrolment_frame(conn: Connection, codes: Sequence[str]) -> pd.DataFrame:
    """The stored enrolments among ``codes``, indexed by code (the columns of ``ENROLMENT_FRAME``)."""
    e = Enrolment
    return stored_frame(conn, (e.code, *(getattr(e, c) for c in ENROLMENT_FRAME)), e.code, codes,
                        ints=("id",)).set_index("code")


def known_enrolments(conn: Connection, sheet: S.Sheet, f: pd.DataFrame, viewer: Viewer,
                     problems: list[Problem]) -> tuple[pd.DataFrame, np.ndarray]:
    """``f`` joined to its stored enrolments (``contract_operator_id``: the operator whose
    contract the record falls under), and per row whether it names one of the uploader's; each
    other row is flagged on ``codigo_inscripcion``."""
    m = f.join(enrolment_frame(conn, f["codigo_inscripcion"].unique().tolist()), on="codigo_inscripcion")
    m["contract_operator_id"] = _operators_of(conn, m)
    known = m["id"].notna().to_numpy() & may_load(viewer, sheet.entity, m["contract_operator_id"])
    everywhere = national(viewer, sheet.entity)
    flag(problems, sheet, m, ~known, "codigo_inscripcion", lambda r: _not_found(r["codigo_inscripcion"], everywhere))
    return m, known


def national(viewer: Viewer, entity: str) -> bool:
    """Does the uploader load this sheet for the whole programme (messages may name what is missing)?"""
    return access.reach(viewer, access.IMPORTS[entity]) is access.Reach.ALL


def may_load(viewer: Viewer, entity: str, operators: pd.Series) -> np.ndarray:
    """Per row: may the uploader load a contract record of this operator (None: no contract)?"""
    action = access.IMPORTS[entity]
    verdict = {op: access.allowed(viewer, action, operator=int(op)) for op in operators.dropna().unique()}
    return operators.map(verdict).fillna(False).to_numpy(dtype=bool)


def _not_found(code: str, national: bool) -> str:
    """An unknown enrolment and another operator's read the same to an operador, so that no
    code outside its scope is confirmed."""
    if national:
        return (f"La inscripción «{code}» no está registrada: cárguela antes en la hoja «inscripciones» o corrija "
                "el código.")
    return (f"La inscripción «{code}» no es de uno de sus contratos: un operador solo carga registros de sus propios "
            "contratos; revise el código o quite la fila.")


def _operators_of(conn: Connection, m: pd.DataFrame) -> pd.Series:
    """The operator of each row's contract: the enrolment's contract's operator (the
    enrolment's own operator when it has no contract)."""
    owners = dict(conn.execute(select(OperatorContract.id, OperatorContract.operator_id)).all())
    by_contract = m["contract_id"].astype(object).map(owners)
    return by_contract.where(by_contract.notna(), m["operator_id"]).astype(object)
