"""Every kind of bad intake file, through the real engine on both stores: the report names the
problem and NOTHING is written (no row, no batch, no audit entry, no data-version bump)."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import get_engine
from data_access.core.models import ImportBatch, Operator, OperatorContract
from data_access.core.scope import Viewer
from data_access.intake import engine
from rules import access
from rules.intake import sheets as S

ADMIN = Viewer(username="cli", role=access.CONSOLE_ROLE, scope_label="Nacional")
OPS = [S.OPERATORS.columns[i].name for i in range(4)]


def book(rows: list[list], title: str = "operadores", formula: str | None = None, merge: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    if formula:
        ws["B2"] = formula
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


GOOD = ["PSA", "PSDE Andino", "900123456-8", "si"]
CASES = {
    "wrong file type": (b"%PDF-1.7 not a workbook", "operadores.pdf", "PDF"),
    "empty file": (b"", "operadores.xlsx", "vacío"),
    "missing sheet": (book([OPS, GOOD], title="otra"), "operadores.xlsx", "operadores"),
    "missing column": (book([OPS[:3], GOOD[:3]]), "operadores.xlsx", "es_psde"),
    "value outside its catalogue": (book([OPS, GOOD[:3] + ["quizás"]]), "operadores.xlsx", "escriba si o no"),
    "bad check digit": (book([OPS, ["PSA", "PSDE Andino", "900123456-1", "si"]]), "operadores.xlsx", "nit"),
    "duplicate key": (book([OPS, GOOD, GOOD]), "operadores.xlsx", "fila 2"),
    "formula cell": (book([OPS, GOOD], formula='=HYPERLINK("http://evil.example","x")'), "operadores.xlsx",
                     "fórmula"),
    "merged cells": (book([OPS, GOOD, ["PSB", "PSDE B", "", "no"]], merge="A2:A3"), "operadores.xlsx",
                     "combinad"),
    "csv in another encoding": ("codigo_operador;nombre;nit;es_psde\nPSB;PSDE Bolívar;;sí\n".encode("latin-1"),
                                "operadores.csv", "UTF-8"),
    "row limit": ("codigo_operador;nombre;nit;es_psde\n" + "".join(f"P{i};Op {i};;no\n" for i in range(6)),
                  "operadores.csv", "5"),
}


def snapshot(url: str) -> tuple:
    with get_engine(url).connect() as conn:
        rows = tuple(conn.execute(select(func.count()).select_from(m)).scalar() for m in (Operator, ImportBatch))
    return rows + (audit.count(url), versions.current(url)["sla"])


@pytest.mark.parametrize("case", CASES)
def test_a_bad_file_is_refused_whole_and_writes_nothing(empty_store, case):
    data, name, said = CASES[case]
    data = data.encode() if isinstance(data, str) else data
    before = snapshot(empty_store)
    report = engine.import_file("operators", data, name, ADMIN, empty_store, max_rows=5)
    assert not report.ok and report.problems
    assert said.lower() in " ".join(report.lines()).lower(), report.lines()
    assert snapshot(empty_store) == before


def test_a_store_side_problem_anywhere_writes_nothing_of_the_rest(empty_store):
    """Two good contracts and one of an unknown operator: none is written."""
    engine.import_file("operators", book([OPS, GOOD]), "operadores.xlsx", ADMIN, empty_store)
    header = [c.name for c in S.CONTRACTS.columns]
    good = ["C-1", "PSA", "intermedia", "NOC", "01/02/2025", None, 1, "asistencia_tecnica"]
    rows = [header, good, ["C-2", *good[1:]], ["C-3", "NOPE", *good[2:]]]
    before = snapshot(empty_store)
    report = engine.import_file("contracts", book(rows, title="contratos"), "contratos.xlsx", ADMIN, empty_store)
    assert not report.ok and [(p.row, p.column) for p in report.problems] == [(4, "codigo_operador")]
    with get_engine(empty_store).connect() as conn:
        assert conn.execute(select(func.count()).select_from(OperatorContract)).scalar() == 0
    assert snapshot(empty_store) == before
