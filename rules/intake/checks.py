"""The typed frame of one intake sheet and its declarative checks (pure: pandas and pandera).

A sheet arrives as raw columns (``RawColumn``: each distinct cell value once, plus one code
per row), so a file of two million stage events parses each distinct date or code once and
then spreads the result with one ``take`` — vectorised where pandas can (ISO and DD/MM/AAAA
dates through ``pd.to_datetime``, text through ``.str``), a per-value slow path only for what
those miss. The kinds are read by ``rules.intake.cells``; the declarative checks of
``rules.intake.sheets`` — required, allowed values, minimum/maximum, unique natural key —
are a pandera schema built from the declaration (``pandera.pandas``), whose failure cases
become problems by spreadsheet row. Problems are kept as ``Finding`` s (a column and the rows
it fails at) and written out only up to the report's limit, because a wrong file of millions
of rows can fail every cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from rules.core.clock import today
from rules.edit.validation import programme_date_error
from rules.intake import cells
from rules.intake.problems import Problem
from rules.intake.sheets import Column, Kind, Sheet

READERS: dict[Kind, Callable] = {
    Kind.TEXT: cells.read_text, Kind.CODE: cells.read_code, Kind.INT: cells.read_int,
    Kind.NUMBER: cells.read_number, Kind.MONEY: cells.read_money, Kind.DATE: cells.read_date,
    Kind.BOOL: cells.read_bool, Kind.LIST: cells.read_list, Kind.QUARTER: cells.read_quarter,
    Kind.DIVIPOLA: cells.read_divipola, Kind.NIT: cells.read_nit,
}
NUMERIC = (Kind.INT, Kind.NUMBER, Kind.MONEY)
TEXTUAL = (Kind.TEXT, Kind.CODE)
ROW = "_row"


@dataclass
class RawColumn:
    """A column as read: its distinct cell values and, per row, the position of its value
    among them (-1: an empty cell)."""

    codes: np.ndarray
    uniques: np.ndarray

    @classmethod
    def of(cls, values) -> RawColumn:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return cls(codes.astype(np.int32), np.asarray(uniques, dtype=object))

    def shown(self, position: int) -> str:
        code = self.codes[position]
        return cells.shown(self.uniques[code]) if code >= 0 else ""


@dataclass
class Finding:
    """One kind of problem of one column, at many rows: ``describe(i)`` gives the message and
    the cell as read for the i-th of ``positions`` (row positions in the frame)."""

    column: str
    positions: np.ndarray
    describe: Callable[[int], tuple[str, str]]


@dataclass
class Typed:
    frame: pd.DataFrame
    findings: list[Finding]
    notes: list[Finding]


# ------------------------------------------------------------------ reading the kinds


def _objects(values: list) -> np.ndarray:
    """A 1-d object array, even of tuples (``np.array`` would make a 2-d array of them)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _spread(per_unique: np.ndarray, codes: np.ndarray, blank=None) -> np.ndarray:
    """Per distinct value → per row; an empty cell (code -1) gets ``blank``."""
    extended = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
    extended[:-1] = per_unique
    extended[-1] = blank
    return extended[codes]  # -1 picks the appended blank


def _slow(reader: Callable, uniques: np.ndarray, todo: np.ndarray, values: np.ndarray, errors: np.ndarray) -> None:
    for i in np.flatnonzero(todo):
        try:
            values[i] = reader(uniques[i])
        except cells.CellError as exc:
            errors[i] = f"«{cells.shown(uniques[i])}» {exc.message}"


def _is_str(uniques: np.ndarray) -> np.ndarray:
    return np.fromiter((isinstance(v, str) for v in uniques), dtype=bool, count=len(uniques))


def _read_textual(reader: Callable, uniques: np.ndarray, values: np.ndarray, errors: np.ndarray) -> None:
    strs = _is_str(uniques)
    stripped = pd.Series(uniques[strs], dtype=object).str.strip()
    odd = (stripped.str.upper().isin(cells.EXCEL_ERRORS)).to_numpy()
    texts = stripped.to_numpy(dtype=object, copy=True)
    texts[texts == ""] = None
    where = np.flatnonzero(strs)
    values[where[~odd]] = texts[~odd]
    todo = ~strs
    todo[where[odd]] = True
    _slow(reader, uniques, todo, values, errors)


def _read_dates(uniques: np.ndarray, values: np.ndarray, errors: np.ndarray) -> None:
    strs = _is_str(uniques)
    text = pd.Series(uniques[strs], dtype=object).str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    missing = parsed.isna()
    if missing.any():
        parsed[missing] = pd.to_datetime(text[missing], format="%d/%m/%Y", errors="coerce")
    ok = parsed.notna().to_numpy()
    where = np.flatnonzero(strs)
    values[where[ok]] = np.asarray(parsed[ok].dt.date, dtype=object)
    todo = np.ones(len(uniques), dtype=bool)
    todo[where[ok]] = False
    _slow(cells.read_date, uniques, todo, values, errors)


def _date_bounds(column: Column, values: np.ndarray, errors: np.ndarray) -> None:
    """Programme dates: not before 2000-01-01, and not after today for a past event
    (``rules.edit.validation.programme_date_error``, the rule the edit forms share)."""
    limit = today()
    for i in np.flatnonzero(np.not_equal(values, None)):
        err = programme_date_error(column.name, values[i], past_event=column.past_event, limit=limit,
                                   programme=column.programme)
        if err is not None:
            values[i] = None
            _, sep, rest = err.message.partition(": ")
            errors[i] = rest if sep else err.message


def read_uniques(column: Column, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(typed value, error message, note) of each distinct cell value of a column."""
    n = len(uniques)
    values = np.full(n, None, dtype=object)
    errors = np.full(n, None, dtype=object)
    notes = None
    if column.kind in TEXTUAL:
        _read_textual(READERS[column.kind], uniques, values, errors)
    elif column.kind == Kind.DATE:
        _read_dates(uniques, values, errors)
        _date_bounds(column, values, errors)
    else:
        _slow(READERS[column.kind], uniques, np.ones(n, dtype=bool), values, errors)
    if column.kind == Kind.NIT:
        notes = np.full(n, None, dtype=object)
        for i in np.flatnonzero(np.not_equal(values, None)):
            values[i], note = values[i]
            if note:
                notes[i] = f"«{cells.shown(uniques[i])}» {note}"
    return values, errors, notes


# ------------------------------------------------------------------ the declarative checks


def _allowed_lookup(column: Column) -> dict[object, object]:
    """Cell → stored code: a typed text or list item by its ``value_key``; other kinds (an
    integer ventana, si/no) by their typed value."""
    if column.kind in TEXTUAL or column.kind == Kind.LIST:
        return {cells.value_key(k): v for k, v in column.allowed.items()}
    return {v: v for v in column.allowed.values()}


def _allowed_text(column: Column) -> str:
    return ", ".join(str(k) for k in column.allowed)


def _bound(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")


def _range_message(column: Column, value: str) -> str:
    lo, hi = column.minimum, column.maximum
    if lo is not None and hi is not None:
        fix = f"escriba un valor entre {_bound(lo)} y {_bound(hi)}"
    elif lo is not None:
        fix = f"escriba un valor mayor o igual a {_bound(lo)}"
    else:
        fix = f"escriba un valor menor o igual a {_bound(hi)}"
    return f"«{value}» está fuera del rango permitido; {fix}."


def _required_message(column: Column) -> str:
    example = f", p. ej. «{column.example}»" if column.example else ""
    return f"está vacía y es obligatoria; escriba el valor ({column.description}{example})."


def _failures(schema: pa.DataFrameSchema, frame: pd.DataFrame) -> pd.DataFrame:
    try:
        schema.validate(frame, lazy=True, inplace=True)  # no copy of a frame of millions of rows
    except pa.errors.SchemaErrors as exc:
        return exc.failure_cases
    return pd.DataFrame(columns=["column", "check", "check_number", "failure_case", "index"])


def _positions(cases: pd.DataFrame, skip: np.ndarray | None = None) -> np.ndarray:
    positions = np.unique(cases["index"].to_numpy(dtype=np.int64))
    return positions[~skip[positions]] if skip is not None else positions


def _list_items(column: Column, raw: RawColumn, values_u: np.ndarray, lookup: dict,
                failed: np.ndarray) -> tuple[Finding | None, np.ndarray]:
    """Each item of a list checked against the catalogue (pandera ``isin`` on the exploded
    items); returns the finding and the typed tuples of stored codes."""
    keys_u = _objects([tuple(cells.value_key(i) for i in v) if v else None for v in values_u] + [None])
    raw_item = {cells.value_key(i): i for v in values_u if v for i in v}
    items = pd.Series(keys_u[raw.codes], dtype=object).explode()
    items = items[items.notna()]
    schema = pa.DataFrameSchema({column.name: pa.Column(checks=[pa.Check.isin(list(lookup))], nullable=True)})
    cases = _failures(schema, items.to_frame(column.name))
    typed_u = _objects([tuple(lookup[k] for k in keys if k in lookup) if keys else None for keys in keys_u[:-1]])
    if cases.empty:
        return None, typed_u
    cases = cases[~failed[cases["index"].to_numpy(dtype=np.int64)]]
    cases = cases.sort_values("index", kind="stable")
    positions = cases["index"].to_numpy(dtype=np.int64)
    bad = cases["failure_case"].to_numpy(dtype=object)

    def describe(i: int) -> tuple[str, str]:
        return (f"«{raw_item.get(bad[i], bad[i])}» no es un valor permitido; separe con «;» valores de: "
                f"{_allowed_text(column)}.", raw.shown(positions[i]))

    return Finding(column.name, positions, describe), typed_u


def _shown_key(value) -> str:
    return value.isoformat() if isinstance(value, dt.date) else "si" if value is True else (
        "no" if value is False else str(value))


def _duplicates(sheet: Sheet, frame: pd.DataFrame, first: RawColumn) -> Finding | None:
    """Rows repeating a natural key inside the file (pandera ``unique`` with every duplicate
    reported); each names the other rows with the same key."""
    key = list(sheet.key)
    keys = frame[key]
    complete = keys.notna().all(axis=1)
    if not complete.all():
        keys = keys[complete]
    if keys.empty:
        return None
    cases = _failures(pa.DataFrameSchema(unique=key, report_duplicates="all"), keys)
    if cases.empty:
        return None
    positions = _positions(cases)
    dup = keys.loc[positions]
    group = dup.groupby(key, sort=False).ngroup().to_numpy()
    rows = frame[ROW].to_numpy()[positions]
    members: dict[int, list[int]] = {}
    for g, r in zip(group, rows):
        members.setdefault(int(g), []).append(int(r))
    names = ", ".join(key)

    def describe(i: int) -> tuple[str, str]:
        values = " · ".join(_shown_key(v) for v in dup.iloc[i])
        others = [r for r in members[int(group[i])] if r != rows[i]]
        listed = ", ".join(str(r) for r in others[:5]) + (f" y {len(others) - 5} más" if len(others) > 5 else "")
        where = f"la fila {listed}" if len(others) == 1 else f"las filas {listed}"
        return (f"la clave ({names}) «{values}» está repetida: aparece también en {where}; deje una sola fila con "
                "esa clave.", first.shown(positions[i]))

    return Finding(sheet.key[0], positions, describe)


def type_sheet(sheet: Sheet, raw: dict[str, RawColumn], rows: np.ndarray) -> Typed:
    """The typed frame of a sheet (one column per declared column, ``_row`` the spreadsheet
    row) and its findings. ``raw`` holds the columns present in the file; a missing one is all
    None and is not checked here (the reader reports it)."""
    n = len(rows)
    data: dict[str, np.ndarray] = {}
    checked: dict[str, np.ndarray] = {}
    columns: dict[str, pa.Column] = {}
    tags: dict[str, list[str]] = {}
    failed: dict[str, np.ndarray] = {}
    findings: list[Finding] = []
    notes: list[Finding] = []
    for column in sheet.columns:
        rc = raw.get(column.name)
        if rc is None:
            data[column.name] = np.full(n, None, dtype=object)
            continue
        values_u, errors_u, notes_u = read_uniques(column, rc.uniques)
        bad_u = np.not_equal(errors_u, None)
        failed[column.name] = _spread(bad_u, rc.codes, False)
        findings.append(_cell_finding(column.name, rc, errors_u, failed[column.name]))
        if notes_u is not None:
            notes.append(_cell_finding(column.name, rc, notes_u, _spread(np.not_equal(notes_u, None), rc.codes, False)))
        checks, tags[column.name] = [], []
        check_u = values_u
        if column.allowed and column.kind == Kind.LIST:
            finding, values_u = _list_items(column, rc, values_u, _allowed_lookup(column), failed[column.name])
            if finding is not None:
                findings.append(finding)
        elif column.allowed:
            lookup = _allowed_lookup(column)
            if column.kind in TEXTUAL:
                check_u = _objects([cells.value_key(v) if v is not None else None for v in values_u])
                values_u = _objects([lookup.get(k) for k in check_u])
            checks.append(pa.Check.isin(list(lookup)))
            tags[column.name].append("allowed")
        if column.kind in NUMERIC and (column.minimum is not None or column.maximum is not None):
            check_u = np.array([float(v) if v is not None else np.nan for v in values_u], dtype=float)
            checks.append(pa.Check.in_range(column.minimum if column.minimum is not None else -np.inf,
                                            column.maximum if column.maximum is not None else np.inf))
            tags[column.name].append("range")
        data[column.name] = _spread(values_u, rc.codes)
        checked[column.name] = data[column.name] if check_u is values_u else _spread(
            check_u, rc.codes, np.nan if check_u.dtype == float else None)
        columns[column.name] = pa.Column(checks=checks, nullable=not column.required)
    # object dtype keeps None as None; copy=False keeps one array per column (millions of rows)
    frame = pd.DataFrame(data, index=pd.RangeIndex(n), dtype=object, copy=False)
    frame[ROW] = np.asarray(rows, dtype=np.int64)
    checked_frame = pd.DataFrame({k: pd.Series(v, dtype=v.dtype, copy=False) for k, v in checked.items()},
                                 index=pd.RangeIndex(n), copy=False)
    cases = _failures(pa.DataFrameSchema(columns), checked_frame)
    del checked, checked_frame
    for (name, check, number), group in cases.groupby(["column", "check", "check_number"], dropna=False, sort=False):
        column = sheet.column(name)
        positions = _positions(group, failed[name])
        if not len(positions):
            continue
        tag = "required" if check == "not_nullable" else tags[name][int(number)]
        findings.append(_rule_finding(column, raw[name], positions, tag))
    if all(k in raw for k in sheet.key):
        duplicate = _duplicates(sheet, frame, raw[sheet.key[0]])
        if duplicate is not None:
            findings.append(duplicate)
    return Typed(frame, [f for f in findings if len(f.positions)], [f for f in notes if len(f.positions)])


def _cell_finding(name: str, rc: RawColumn, messages_u: np.ndarray, at: np.ndarray) -> Finding:
    positions = np.flatnonzero(at)

    def describe(i: int) -> tuple[str, str]:
        return messages_u[rc.codes[positions[i]]], rc.shown(positions[i])

    return Finding(name, positions, describe)


def _rule_finding(column: Column, rc: RawColumn, positions: np.ndarray, tag: str) -> Finding:
    def describe(i: int) -> tuple[str, str]:
        value = rc.shown(positions[i])
        if tag == "required":
            return _required_message(column), value
        if tag == "allowed":
            return f"«{value}» no es un valor permitido; use uno de: {_allowed_text(column)}.", value
        return _range_message(column, value), value

    return Finding(column.name, positions, describe)


# ------------------------------------------------------------------ findings → problems


def problems_of(sheet: Sheet, findings: Sequence[Finding], rows: np.ndarray, letters: dict[str, str],
                budget: int) -> tuple[list[Problem], int]:
    """The first ``budget`` problems by spreadsheet row and column order, and how many more
    there were."""
    if not findings:
        return [], 0
    order = {c.name: i for i, c in enumerate(sheet.columns)}
    row = np.concatenate([rows[f.positions] for f in findings])
    col = np.concatenate([np.full(len(f.positions), order[f.column]) for f in findings])
    which = np.concatenate([np.full(len(f.positions), k) for k, f in enumerate(findings)])
    index = np.concatenate([np.arange(len(f.positions)) for f in findings])
    chosen = np.lexsort((col, row))[:max(budget, 0)]
    out = []
    for j in chosen:
        finding = findings[which[j]]
        message, value = finding.describe(int(index[j]))
        out.append(Problem(sheet.name, int(row[j]), finding.column, message, letters.get(finding.column, ""), value))
    return out, len(row) - len(out)
