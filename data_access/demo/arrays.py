"""Column arrays of the demo generator: int-day dates, NULL sentinels and vectorised draws.

Why: every table is built as numpy columns (millions of rows at ``x10``), so dates are
int days since 1970-01-01 and NULLs are sentinels until the loader turns them into SQL.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from rules.core.calendar import quarter_of
from rules.core.nit import DIAN_WEIGHTS

EPOCH = np.datetime64("1970-01-01", "D")
NULL_DATE = np.int32(-(2**31) + 1)  # sentinel for a NULL date in the int-day arrays
NULL_INT = -1  # sentinel for a NULL foreign key (ids start at 1)


class Frame(dict):
    """Columns of one table: name → numpy array (dates as int days, NULLs as sentinels)."""

    def __len__(self) -> int:  # number of rows, not of columns
        return len(next(iter(self.values()))) if dict.__len__(self) else 0


# ------------------------------------------------------------------------------ dates


def day_number(value: str | dt.date) -> int:
    """'2024-03-01' or a date → int days since 1970-01-01."""
    return int((np.datetime64(value, "D") - EPOCH).astype(np.int64))


def quarter_labels(days: np.ndarray) -> np.ndarray:
    """Int days → '2024Q3' codes: ``rules.core.calendar.quarter_of`` once per distinct month."""
    months = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[M]")
    distinct, index = np.unique(months, return_inverse=True)
    labels = np.array([quarter_of(m.astype(dt.date)) for m in distinct], dtype=object)
    return labels[index.reshape(-1)]


def year_of(days: np.ndarray) -> np.ndarray:
    return (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[Y]").astype(np.int64) + 1970


# ------------------------------------------------------------------------------ draws


def expit(x):
    return 1.0 / (1.0 + np.exp(-x))


def logit(p):
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def choice_cdf(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of ``probs`` (rows sum to 1), vectorised."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cdf[:, -1:]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def weighted(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=float)
    return rng.choice(len(w), size=n, p=w / w.sum())


def take(labels, idx: np.ndarray) -> np.ndarray:
    return np.asarray(labels, dtype=object)[idx]


# ------------------------------------------------------------------------------- NITs


def check_digits(bases: np.ndarray) -> np.ndarray:
    """DIAN check digit of many 9-digit bases at once (see ``rules.core.nit``)."""
    total = np.zeros(len(bases), dtype=np.int64)
    rest = bases.astype(np.int64).copy()
    for w in DIAN_WEIGHTS[:9]:
        total += (rest % 10) * w
        rest //= 10
    r = total % 11
    return np.where(r <= 1, r, 11 - r)


def nits(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    """n distinct 9-digit NIT bases in [low, high) formatted 'base-dv'."""
    draw = rng.integers(low, high, size=int(n * 1.2) + 16)
    _, first = np.unique(draw, return_index=True)
    bases = draw[np.sort(first)][:n]
    dv = check_digits(bases)
    return np.array([f"{b}-{d}" for b, d in zip(bases.tolist(), dv.tolist())], dtype=object)
