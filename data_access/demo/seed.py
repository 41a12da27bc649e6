"""``seed(url, scale, seed)``: migrate the store, generate a demo programme and load it.

Why one entry point: the CLI (``tablero demo seed``), the test fixtures and the
benchmarks all need the same programme for the same seed, loaded the same way.
"""

from __future__ import annotations

import time

from data_access.audit import log as audit
from data_access.core.db import get_engine, session_scope
from data_access.core.versions import TOPICS, bump
from data_access.demo import exits as demo_exits
from data_access.demo import reporting as demo_reporting
from data_access.demo import results as demo_results
from data_access.demo.accounts import create_accounts
from data_access.demo.generator import generate
from data_access.demo.load import after_load, check_frames, load
from data_access.demo.parameters import SCALES
from data_access.demo.reference import read_reference
from data_access.demo.store import PROGRAMME_TABLES, clear_programme, programme_counts
from data_access.intake import codes
from data_access.migrate import upgrade
from data_access.summary import sla as summary


class StoreNotEmpty(RuntimeError):
    """The store already holds programme rows; seeding would mix two programmes."""


def seed(url: str | None, scale: str, seed: int, *, replace: bool = False) -> dict:
    """Migrate, generate and bulk-load a demo programme; returns counts, accounts, timings.

    Refuses a store that already holds programme rows unless ``replace`` (which deletes
    them first). Prints nothing: the CLI and the benchmarks format the result.
    """
    if scale not in SCALES:
        raise ValueError(f"Escala «{scale}» desconocida: use {', '.join(SCALES)}.")
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    upgrade(url)
    engine = get_engine(url)
    existing = {t: n for t, n in programme_counts(url).items() if n}
    if existing and not replace:
        raise StoreNotEmpty(
            "El almacén ya tiene datos del programa ("
            + ", ".join(f"{t}: {n:,}".replace(",", ".") for t, n in existing.items())
            + "): use --replace para borrarlos o --if-empty para no hacer nada."
        )
    if existing:
        clear_programme(url)
    timings["prepare"] = time.perf_counter() - t0
    t = time.perf_counter()
    ref = read_reference(engine)
    tables = generate(ref, scale, seed)
    check_frames(tables)
    timings["generate"] = time.perf_counter() - t
    t = time.perf_counter()
    load(engine, tables)
    with engine.begin() as conn:  # before the demo's own figures are computed from the programme
        summary.rebuild(conn)
    timings["load"] = time.perf_counter() - t
    t = time.perf_counter()
    accounts = create_accounts(url, ref, tables, seed)
    demo_results.add_targets(url, seed)
    demo_results.add_agreements(url, seed)
    demo_reporting.add_reports(url, seed)
    counts = {name: len(tables[name]) for name in PROGRAMME_TABLES}
    with session_scope(url, write=True) as s:
        # the bulk load is a write like any other: the audit chain records it (and so an
        # emptied log can be told from a store that never had data)
        audit.record(s, "sistema:demo", "demo_programme", f"{scale}-{seed}", "seed", None,
                     {"scale": scale, "seed": seed, "counts": counts, "replaced": sorted(existing)})
        codes.backfill(s)
        bump(s, *TOPICS)
    t_seal = time.perf_counter()  # after the codes backfill: the records carry the enrolments' codes
    demo_exits.seal_exits(url, seed)
    timings["seal_exits"] = time.perf_counter() - t_seal
    after_load(engine)
    timings["finish"] = time.perf_counter() - t
    return {
        "scale": scale,
        "seed": seed,
        "dialect": engine.dialect.name,
        "counts": counts,
        "accounts": accounts,
        "timings": timings,
        "elapsed_seconds": time.perf_counter() - t0,
    }
