"""The store a bench run measures: temporary, seeded with the demo programme, with the DANE
boundaries when configured — never a store someone uses, and the same data every run."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from data_access.core.temporary import temporary_store

DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"


@contextlib.contextmanager
def bench_store(kind: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """A blank temporary store (url, keep); PostgreSQL ones are created through
    ``TABLERO_BENCH_PG_URL`` (an admin URL, default ``DEFAULT_PG_ADMIN``)."""
    admin_url = os.environ.get("TABLERO_BENCH_PG_URL", DEFAULT_PG_ADMIN) if kind == "postgresql" else None
    with temporary_store(kind, admin_url) as store:
        yield store


@dataclass
class Seeded:
    seconds: float
    counts: dict[str, int]
    accounts: list[dict] = field(default_factory=list)  # {"role", "username", "password"}


def seed_demo(url: str, scale: str, seed: int) -> Seeded:
    """Migrate and seed the demo programme into ``url``, timed."""
    from data_access.demo.seed import seed as demo_seed

    t0 = time.perf_counter()
    result = demo_seed(url, scale, seed)
    seconds = time.perf_counter() - t0
    accounts = []
    for acc in result.get("accounts", []):
        if isinstance(acc, dict):
            accounts.append(acc)
        else:
            role, username, password = acc
            accounts.append({"role": role, "username": username, "password": password})
    return Seeded(seconds, dict(result.get("counts", {})), accounts)


def import_boundaries(url: str, source: str | os.PathLike | None = None, imported_by: str = "bench") -> str | None:
    """Import DANE MGN boundaries into ``url`` from ``source`` (default: ``TABLERO_GEODATA``).
    Returns the importer's report as one line, or None when there is no source."""
    from geodata.importer import import_boundaries as importer

    raw = str(source) if source is not None else os.environ.get("TABLERO_GEODATA", "").strip()
    if not raw or not Path(raw).exists():
        return None
    report = importer([Path(raw)], url=url, imported_by=imported_by)
    return " · ".join(line for line in report.lines() if line)[:300]


def existing_demo(url: str, seed: int) -> Seeded:
    """A store already seeded with ``tablero demo seed --seed SEED``: its counts and the demo
    accounts (their passwords follow from the seed); nothing is seeded."""
    from data_access.core.auth import authenticate
    from data_access.demo.accounts import DEMO_ACCOUNTS, demo_passwords
    from data_access.demo.store import programme_counts

    passwords = demo_passwords(seed)
    accounts = [{"role": role, "username": user, "password": passwords[user]} for user, role, _ in DEMO_ACCOUNTS]
    if authenticate(accounts[0]["username"], accounts[0]["password"], url) is None:
        raise ValueError(f"{accounts[0]['username']}: no es la cuenta de demostración de la semilla {seed}")
    return Seeded(0.0, programme_counts(url), accounts)
