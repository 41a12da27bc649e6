"""Smoke test of ``tablero bench`` (no timing asserted: figures are for people): on a
temporary store of each kind it seeds the demo, measures every page of the navigation for
a national role and the comité role, runs every area bench, prints the table and drops
the store."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from cli.bench import AREAS, area_benches
from components.core.navigation import PAGES as NAV_PAGES
from data_access.map.queries import active_boundaries
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
        "sla.bench_sla_page", "pack.bench", "intake.bench_intake", "intake.bench_national", "warm.bench_after_write",
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


def run_bench_json(tmp_path: Path, store_kind: str, *args: str) -> dict:
    """``tablero bench --scale demo --runs 1 --format json --out FILE`` with ``args``; the document."""
    env = dict(os.environ)
    env["TABLERO_BENCH_PG_URL"] = PG_ADMIN_URL
    env.pop("DATABASE_URL", None)
    out = tmp_path / "bench.json"
    proc = subprocess.run(
        [*_tablero(), "bench", "--scale", "demo", "--runs", "1", "--store", store_kind, "--format", "json",
         "--out", str(out), *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_bench_json_holds_every_figure_of_the_chosen_pages_and_areas(store_kind, tmp_path):
    doc = run_bench_json(tmp_path, store_kind, "--page", "overview", "--page", "sla", "--area", "sla")
    run = doc["run"]
    assert (run["scale"], run["store"], run["runs"], run["browser"]) == ("demo", store_kind, 1, False)
    assert len(run["load_average_start"]) == 3 and len(run["load_average_end"]) == 3
    assert run["seed_counts"]["household"] > 0 and run["seed_seconds"] > 0
    assert {(p["page"], p["role"]) for p in doc["pages"]} == {
        ("overview", "directivo"), ("overview", "comite_regional"), ("sla", "directivo"), ("sla", "comite_regional")}
    for p in doc["pages"]:
        assert p["error"] == "" and p["first_s"] > 0 and p["first_queries"] > 0
        assert len(p["warm_runs_s"]) == 1 and p["warm_s"] == p["warm_runs_s"][0]
        assert p["browser_s"] is None and p["browser_ratio_to_floor"] is None
    assert doc["floor"] is None and doc["logins"] is None  # measured only with --browser
    assert [a["name"] for a in doc["areas"]] == ["sla.bench_sla_page"]
    assert doc["areas"][0]["error"] == "" and "ans directivo: 1ª carga s" in doc["areas"][0]["figures"]
    warm = next(g for g in doc["goals"] if g["goal"] == "warm rerun")
    assert warm["value"] == max(p["warm_s"] for p in doc["pages"]) and warm["met"] == (warm["value"] <= warm["limit"])


def test_bench_refuses_an_unknown_page_or_area():
    proc = subprocess.run([*_tablero(), "bench", "--scale", "demo", "--page", "nada", "--area", "tampoco"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "desconocido(s): nada, tampoco" in proc.stderr


def test_bench_measures_an_existing_demo_store_without_seeding(demo_store_rw, store_kind, tmp_path, monkeypatch):
    from tests.conftest import DEMO_SEED
    from tests.mapstore import geodata_dir

    monkeypatch.setenv("TABLERO_GEODATA", str(geodata_dir()))  # an existing store keeps its own boundaries
    doc = run_bench_json(tmp_path, "sqlite", "--existing", demo_store_rw, "--seed", str(DEMO_SEED),
                         "--page", "sla", "--area", "none")
    run = doc["run"]
    assert run["existing_store"] is True and run["seed_seconds"] == 0 and run["store"] == store_kind
    assert run["seed_counts"]["household"] > 0
    assert {p["role"] for p in doc["pages"]} == {"directivo", "comite_regional"}
    assert all(p["error"] == "" and p["first_s"] > 0 for p in doc["pages"])
    assert run["boundaries"] is None and active_boundaries(url=demo_store_rw) is None


def test_the_bench_compiles_each_script_once_as_the_server_does(demo_store, monkeypatch):
    from streamlit.runtime.scriptrunner import script_cache
    from streamlit.testing.v1 import app_test, local_script_runner

    from cli.bench.pages import logged_in_app, scripts_compiled_once

    compiled: list[str] = []

    def counting(source, path, *args, **kwargs):
        compiled.append(path)
        return compile(source, path, *args, **kwargs)

    monkeypatch.setattr(script_cache, "compile", counting, raising=False)
    for module in (app_test, local_script_runner):  # AppTest's own caches again after the test
        monkeypatch.setattr(module, "ScriptCache", module.ScriptCache)
    scripts_compiled_once.cache_clear()
    try:
        at = logged_in_app(demo_store, "directivo", 60)
        first = list(compiled)
        at.run()
    finally:
        scripts_compiled_once.cache_clear()
    assert any(p.endswith("app.py") for p in first)
    assert compiled == first  # the second run compiled nothing
