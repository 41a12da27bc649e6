"""Whole-column helpers for the intake sheets that come by the million (stage events,
service deliveries): problems flagged per column mask, and ``changes.diff`` for a frame —
inserts made into dicts a chunk at a time, updates and unchanged found by one merge with the
stored rows — so that a national file is never held as millions of dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from data_access.intake.changes import Change
from data_access.intake.rows import problem
from rules.intake import sheets as S
from rules.intake.problems import MAX_PROBLEMS, Problem


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
    them), so that millions of rows are never held as dicts at once."""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame.reset_index(drop=True)

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return plain_records(self.frame.iloc[index])
        return plain_records(self.frame.iloc[[index]])[0]


def plain_records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts of plain values, a missing one None: never NaN, which a store keeps as
    text («NaN») or a number."""
    values = frame.astype(object)
    return values.where(values.notna(), None).to_dict("records")


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


def keep_or(new: pd.DataFrame, stored: pd.DataFrame, key: Sequence[str], column: str, default) -> np.ndarray:
    """A column left blank keeps the stored value of the same record, else ``default``."""
    merged = with_stored(new[[*key, column]], stored, key, [column])
    kept = merged[column].astype(object)
    kept = kept.where(kept.notna(), merged[f"{column}__stored"].astype(object))
    return kept.where(kept.notna(), default).astype(object).to_numpy()


def before(day: pd.Series, bound: pd.Series) -> np.ndarray:
    """Per row: ``day`` comes before ``bound`` (False where either is missing)."""
    a, b = day.to_numpy(dtype=object), bound.to_numpy(dtype=object)
    out = np.zeros(len(a), dtype=bool)
    both = ~(pd.isna(a) | pd.isna(b))
    out[both] = a[both] < b[both]
    return out
