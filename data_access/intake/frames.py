"""Whole-column helpers for the intake sheets that come by the million (stage events,
service deliveries): problems flagged per column mask, and ``changes.diff`` for a frame —
inserts made into dicts a chunk at a time, updates and unchanged found by one merge with the
stored rows — so that a national file is never held as millions of dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection

from data_access.intake.changes import Change, among, chunks
from data_access.intake.rows import problem
from rules.intake import sheets as S
from rules.intake.problems import MAX_PROBLEMS, Problem


def stored_frame(conn: Connection, columns: Sequence, where_in, keys: Iterable,
                 ints: Sequence[str] = ()) -> pd.DataFrame:
    """The stored rows of ``columns`` whose ``where_in`` column is among ``keys`` (chunked IN
    lists): object columns holding None where blank (no NaN, no inferred string type), and the
    ``ints`` columns (never blank) as integers, so that they merge with the file's."""
    names = [c.key for c in columns]
    parts: dict[str, list] = {n: [] for n in names}
    seen: dict[str, dict] = {n: {} for n in names if n not in ints}  # one object per distinct value
    for part in chunks(list(dict.fromkeys(keys))):
        rows = conn.execute(select(*columns).where(among(conn, where_in, part))).all()
        for i, name in enumerate(names):
            if name in ints:
                parts[name].append(np.fromiter((r[i] for r in rows), dtype=np.int64, count=len(rows)))
            else:
                same = seen[name]
                parts[name].append(np.array([same.setdefault(r[i], r[i]) for r in rows], dtype=object))
    kind = {n: np.int64 if n in ints else object for n in names}
    return pd.DataFrame({n: pd.Series(np.concatenate(p) if p else [], dtype=kind[n]) for n, p in parts.items()})


def flag(problems: list[Problem], sheet: S.Sheet, frame: pd.DataFrame, mask, column: str,
         message: Callable[[dict], str]) -> None:
    """A problem at each row of ``frame`` where ``mask`` holds, up to the report's limit; the
    rest are counted in one line (a wrong file can fail millions of rows)."""
    hits = frame.loc[np.asarray(mask, dtype=bool)]
    for r in plain_records(hits.head(MAX_PROBLEMS)):
        problems.append(problem(sheet, r, column, message(r)))
    if len(hits) > MAX_PROBLEMS:
        problems.append(Problem(sheet.name, None, column, f"… y {len(hits) - MAX_PROBLEMS} filas más con el mismo "
                                                          f"problema en «{column}»."))


class FrameRows(Sequence):
    """The rows to insert, as model dicts made a chunk at a time (``changes.apply`` slices
    them), so that millions of rows are never held as dicts at once. Rows with the same blank
    columns come together: the ORM's bulk insert leaves a None out of a row's parameters and
    batches only consecutive rows of the same parameters, so mixed rows would go one by one."""

    def __init__(self, frame: pd.DataFrame):
        blanks = np.zeros(len(frame), dtype=np.int64)
        for i, column in enumerate(frame.columns):
            blanks |= frame[column].isna().to_numpy(dtype=np.int64) << i
        self.frame = frame.iloc[np.argsort(blanks, kind="stable")].reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return plain_records(self.frame.iloc[index])
        return plain_records(self.frame.iloc[[index]])[0]


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain values, a missing one None: never NaN, which a store keeps as
    text («NaN») or a number."""
    columns = [str(c) for c in frame.columns]
    values = []
    for c in frame.columns:
        column = frame[c].to_numpy(dtype=object)  # Python ints, strings and dates
        blank = pd.isna(column)
        if blank.any():
            column = column.copy()
            column[blank] = None
        values.append(column.tolist())
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def differs(new: pd.Series, old: pd.Series) -> np.ndarray:
    """Per row: the values differ (two missing values are equal, whatever their kind of missing)."""
    a, b = new.to_numpy(dtype=object), old.to_numpy(dtype=object)
    a_na, b_na = pd.isna(a), pd.isna(b)
    return np.where(a_na | b_na, a_na != b_na, a != b).astype(bool)


def frame_change(sheet: str, model, key: tuple[str, ...], new: pd.DataFrame, stored: pd.DataFrame) -> Change:
    """``changes.diff`` for a frame: inserts, updates (the primary key and every compared
    column) and unchanged, against ``stored`` (``id`` plus the same columns; the oldest row
    of a key counts)."""
    compare = [c for c in new.columns if c not in key]
    change = Change(sheet, model)
    merged = with_stored(new, stored, key, ["id", *compare])
    matched = merged["id__stored"].notna().to_numpy()
    change.inserts = FrameRows(merged.loc[~matched, list(new.columns)])
    old = merged.loc[matched]
    changed_rows = np.zeros(len(old), dtype=bool)
    for c in compare:
        changed_rows |= differs(old[c], old[f"{c}__stored"])
    changed = old.loc[changed_rows, compare].astype(object)
    changed.insert(0, "id", old.loc[changed_rows, "id__stored"].astype("int64"))
    change.updates = plain_records(changed)
    change.unchanged = int((~changed_rows).sum())
    return change


def with_stored(new: pd.DataFrame, stored: pd.DataFrame, key: Sequence[str], columns: Sequence[str]) -> pd.DataFrame:
    """``new`` (in its order) with each of ``columns`` of the stored record of the same key as
    ``<column>__stored`` (None where nothing is stored; the oldest record of a key counts)."""
    if stored.empty:
        return new.assign(**{f"{c}__stored": None for c in columns})
    found = (stored.sort_values("id").drop_duplicates(list(key))[[*key, *columns]]
             .rename(columns={c: f"{c}__stored" for c in columns}))
    return new.merge(found, on=list(key), how="left")


def fill_blanks(new: pd.DataFrame, stored: pd.DataFrame, key: Sequence[str], defaults: dict) -> pd.DataFrame:
    """``new`` where each column of ``defaults`` left blank keeps the stored value of the same
    record, else takes its default (a registration date, who registered it)."""
    columns = list(defaults)
    merged = with_stored(new[[*key, *columns]], stored, key, columns)
    filled = {}
    for column, default in defaults.items():
        kept = merged[column].astype(object)
        kept = kept.where(kept.notna(), merged[f"{column}__stored"].astype(object))
        filled[column] = kept.where(kept.notna(), default).astype(object).to_numpy()
    return new.assign(**filled)


def before(day: pd.Series, bound: pd.Series) -> np.ndarray:
    """Per row: ``day`` comes before ``bound`` (False where either is missing)."""
    a, b = day.to_numpy(dtype=object), bound.to_numpy(dtype=object)
    out = np.zeros(len(a), dtype=bool)
    both = ~(pd.isna(a) | pd.isna(b))
    out[both] = a[both] < b[both]
    return out
