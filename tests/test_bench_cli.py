"""Smoke test of ``tablero bench`` (no timing asserted: figures are for people): on a
temporary store of each kind it seeds the demo, measures every page of the navigation for
a national role and the comité role, runs every area bench, prints the table and drops
the store."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from cli.bench import AREAS, area_benches
from components.core.navigation import PAGES as NAV_PAGES
from tests.stores import PG_ADMIN_URL

ROOT = Path(__file__).resolve().parent.parent


def _tablero() -> list[str]:
    exe = ROOT / ".venv" / "bin" / "tablero"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "cli.main"]


def _bench_databases() -> set[str]:
    engine = create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return set(conn.execute(text("SELECT datname FROM pg_database WHERE datname LIKE 'tablero_bench_%'"))
                       .scalars())
    finally:
        engine.dispose()


def test_every_area_lists_its_benches_callable_as_the_command_calls_them():
    found = area_benches()
    assert {name.split(".")[0] for name, _ in found} == set(AREAS)
    assert [name for name, _ in found] == [
        "map.bench", "routes.bench_routes_cohort_changes", "routes.bench_routes_cohort_changes_comite",
        "sla.bench_sla_page", "pack.bench", "intake.bench_intake", "intake.bench_national",
    ]
    for _, fn in found:
        inspect.signature(fn).bind("sqlite://", runs=1, browser=False)  # raises TypeError if not


def test_bench_demo_prints_every_page(store_kind):
    env = dict(os.environ)
    env["TABLERO_BENCH_PG_URL"] = PG_ADMIN_URL
    env.pop("DATABASE_URL", None)
    before = _bench_databases() if store_kind == "postgresql" else set()
    proc = subprocess.run(
        [*_tablero(), "bench", "--scale", "demo", "--runs", "1", "--store", store_kind],
        # the intake area seeds a national store, whose demo targets and committee sessions are
        # computed from the seeded programme (about a minute on PostgreSQL, more on SQLite)
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800,
    )
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:] + proc.stderr[-3000:]
    table = out[out.index("página"):]
    rows = [line.split() for line in table.splitlines()[2:] if line.strip()]
    measured = {(r[0], r[1]) for r in rows if len(r) > 2}
    for page in NAV_PAGES:
        assert any(p == page.name for p, _ in measured), f"{page.name} missing from:\n{table}"
        if "comite_regional" in page.roles:
            assert (page.name, "comite_regional") in measured, f"{page.name} has no comité row:\n{table}"
    assert "siembra total" in out
    for name, _ in area_benches():
        assert f"\n{name}: (" in out, f"area bench {name} did not run or failed:\n{out[-3000:]}"
    if store_kind == "postgresql":
        assert _bench_databases() == before, "the temporary bench database was not dropped"
