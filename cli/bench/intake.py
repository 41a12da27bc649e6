"""Timing of the intake of a national tracking matrix (a ``tablero bench`` area).

:func:`bench_intake` builds a «Matriz de seguimiento a OPRs» of ``ROWS`` data rows (plans,
evidence and sales 2 : 2 : 1, every plan a new OPR), and loads it through the intake engine
into a fresh migrated store of the same kind as the bench's store — SQLite always, and
PostgreSQL too when the bench runs with ``--store postgresql``: the first load (every row new,
one audited batch), then the same file again (nothing changes). Seconds, no assertions.

:func:`bench_national` checks the national intake goal (≈ 250,000 households, 294,000 enrolments,
2.0 M stage events, 1.3 M deliveries load with ``tablero import all`` in ≤ 3 min, peak memory
≤ 1.5 GB): it seeds a temporary national demo store of the bench's kind, writes it out with
``tablero export data DIR --format csv``, and loads every file into a fresh empty migrated store
with the code of ``tablero import all`` (``files_in_order`` + ``engine.import_file``), in a
child process whose peak RSS (``ru_maxrss``) is the figure: the C side (pandas, the drivers)
counts too. Per file: read and validation, the store-side check, the write, and the total.

Run it alone with ``python -m cli.bench.intake [--store postgresql] [--rows N]`` or
``python -m cli.bench.intake national [--store postgresql]`` (one JSON object on stdout).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from cli.bench.store import bench_store

ROWS = 50_000
PSDES = 12


def matrix_bytes(rows: int, municipalities: list[str], chains: list[str], psdes: list[str]) -> bytes:
    """A valid matrix workbook of ``rows`` data rows across its three sheets."""
    from openpyxl import Workbook

    from rules.core.nit import format_nit
    from rules.intake import sheets as S

    plans = rows * 2 // 5
    wb = Workbook(write_only=True)
    pn, ev, sales = (wb.create_sheet(s.name) for s in (S.PLANS, S.EVIDENCE, S.SALES))
    for ws, sheet in ((pn, S.PLANS), (ev, S.EVIDENCE), (sales, S.SALES)):
        ws.append([c.name for c in sheet.columns])
    start = dt.date(2023, 1, 1)
    for i in range(plans):
        code = f"PN-B{i:07d}"
        first = start + dt.timedelta(days=i % 700)
        pn.append([code, format_nit(str(800_000_000 + i)), f"Organización {i}", 1 + i % 3,
                   municipalities[i % len(municipalities)], chains[i % len(chains)], psdes[i % len(psdes)],
                   first, first + dt.timedelta(days=200) if i % 4 == 0 else None, None])
        ev.append([code, "contrato" if i % 2 else "factura", "comercial", f"Aliado {i % 997}",
                   first + dt.timedelta(days=30), None, f"S-{i}"])
        if i % 2 == 0:
            sales.append([code, 2023 + i % 3, 1_000_000 + i, "si" if i % 4 == 0 else "no"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _time_store(kind: str, rows: int) -> dict:
    from data_access.alliance import tracking_matrix as tm
    from data_access.core.scope import Viewer
    from data_access.intake import engine
    from data_access.migrate import upgrade
    from data_access.reference.load import value_chains
    from data_access.reference.queries import municipalities as municipality_list
    from rules.core.catalog import Role

    out: dict = {}
    viewer = Viewer("bench", Role.ADMIN)
    with bench_store(kind) as (url, _keep):
        upgrade(url)
        psdes = "codigo_operador;nombre;es_psde\n" + "".join(f"PSDE-B{i};PSDE bench {i};si\n" for i in range(PSDES))
        engine.import_file("operators", psdes.encode(), "operadores.csv", viewer, url)
        municipalities = [code for code, _ in municipality_list(viewer, url=url)]
        chains = value_chains()
        t0 = time.perf_counter()
        data = matrix_bytes(rows, municipalities, chains, [f"PSDE-B{i}" for i in range(PSDES)])
        out[f"{kind}: libro de {rows} filas s"] = time.perf_counter() - t0
        for label in ("primera carga", "misma carga otra vez"):
            t0 = time.perf_counter()
            report = tm.import_tracking_matrix(data, viewer, url=url)
            out[f"{kind}: {label} s"] = time.perf_counter() - t0
            out[f"{kind}: {label}"] = report.message[:200]
    return out


def bench_intake(url: str, runs: int = 1, browser: bool = False, rows: int = ROWS) -> dict:
    """Seconds to load a ``rows``-row tracking matrix into a fresh SQLite store and, when ``url``
    is PostgreSQL, into a fresh PostgreSQL one (``runs`` and ``browser`` unused)."""
    kinds = ["sqlite"] + (["postgresql"] if url.startswith("postgresql") else [])
    out: dict = {}
    for kind in kinds:
        out.update(_time_store(kind, rows))
    return out


class _Phases:
    """Seconds spent per phase of the file being loaded, by wrapping the engine's steps."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def wrap(self, phase: str, fn):
        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - t0

        return timed


def import_all_timed(directory: Path, url: str) -> dict:
    """Load every intake file of ``directory`` into ``url`` as ``tablero import all`` does, timing
    each file's read + validation, check and write; ``peak_rss_mb`` is this process's peak RSS."""
    from cli.cmd_import import files_in_order
    from data_access.alliance import tracking_matrix as tm
    from data_access.core.scope import Viewer
    from data_access.intake import changes, engine
    from rules import access

    viewer = Viewer(username="cli", role=access.CONSOLE_ROLE, scope_label="Nacional")
    phases = _Phases()
    engine.read_file = phases.wrap("read_validate_s", engine.read_file)
    changes.apply = phases.wrap("write_s", changes.apply)
    for entity, imp in list(engine._importers().items()):
        engine.IMPORTERS[entity] = engine.Importer(entity, phases.wrap("check_s", imp.check))
    files, failed = [], []
    t_all = time.perf_counter()
    for entity, path in files_in_order(directory):
        phases.seconds = {}
        t0 = time.perf_counter()
        data = path.read_bytes()
        if entity == "tracking-matrix":
            report = tm.import_tracking_matrix(data, viewer, url=url, file_name=path.name)
        else:
            report = engine.import_file(entity, data, path.name, viewer, url)
        total = time.perf_counter() - t0
        if not report.ok:
            failed.append(path.name)
        files.append({"file": path.name, "entity": entity, "bytes": len(data),
                      "rows": sum(n for k, n in report.counts.items() if k.endswith((".insert", ".update",
                                                                                      ".unchanged"))),
                      **{k: round(v, 2) for k, v in phases.seconds.items()}, "total_s": round(total, 2),
                      "ok": report.ok, "message": report.message[:300]})
        del data
    return {"files": files, "total_s": round(time.perf_counter() - t_all, 1), "failed": failed,
            "peak_rss_mb": round(_peak_rss_mb(), 0)}


def _peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # KiB on Linux


def _tablero() -> list[str]:
    script = Path(sys.executable).parent / "tablero"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


def _national_store(kind: str, scale: str, seed: int, source: str | None = None) -> dict:
    """Export ``source`` (or a store seeded at ``scale`` for the purpose) and load it into an empty one."""
    out: dict = {"store": kind, "scale": scale}
    if source is not None:
        return _export_and_load(kind, source, out)
    from cli.bench.store import seed_demo

    with bench_store(kind) as (seeded_url, _k1):
        seeded = seed_demo(seeded_url, scale, seed)
        out["seed_s"] = round(seeded.seconds, 1)
        return _export_and_load(kind, seeded_url, out)


def _export_and_load(kind: str, source: str, out: dict) -> dict:
    from data_access.migrate import upgrade

    env = {**os.environ}
    env.setdefault("TABLERO_TODAY", _reference_date())
    with bench_store(kind) as (target, _k2), tempfile.TemporaryDirectory(prefix="tablero-national-") as folder:
        t0 = time.perf_counter()
        run = subprocess.run([*_tablero(), "export", "data", folder, "--format", "csv"], env={
            **env, "DATABASE_URL": source}, capture_output=True, text=True, check=False)
        out["export_s"] = round(time.perf_counter() - t0, 1)
        if run.returncode:
            out["export_error"] = (run.stderr or run.stdout)[-500:]
            return out
        out["export_mb"] = round(sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20, 1)
        upgrade(target)
        t0 = time.perf_counter()
        child = subprocess.run([sys.executable, "-m", "cli.bench.intake", "import-dir", folder],
                               env={**env, "DATABASE_URL": target}, capture_output=True, text=True, check=False)
        out["import_wall_s"] = round(time.perf_counter() - t0, 1)
        if child.returncode:
            out["import_error"] = child.stderr[-2000:]
            return out
        out.update(json.loads(child.stdout.strip().splitlines()[-1]))
        out["child_peak_rss_mb"] = round(_peak_rss_mb(resource.RUSAGE_CHILDREN), 0)
    return out


def _reference_date() -> str:
    from data_access.demo.parameters import REFERENCE_DATE

    return REFERENCE_DATE.isoformat()


def bench_national(url: str, runs: int = 1, browser: bool = False) -> dict:
    """The intake goal on the bench's own store (seeded at the command's ``--scale``): export it as
    CSV, ``import all`` into an empty store of the same kind; seconds per file and phase, total,
    peak RSS of the loading process."""
    kind = "postgresql" if url.startswith("postgresql") else "sqlite"
    result = _national_store(kind, "bench", 0, source=url)
    out: dict = {f"{kind}: {k}": v for k, v in result.items() if k != "files"}
    for f in result.get("files", []):
        out[f"{kind}: {f['file']} s (leer+validar / revisar / escribir)"] = (
            f"{f['total_s']:.1f} ({f.get('read_validate_s', 0):.1f} / {f.get('check_s', 0):.1f} / "
            f"{f.get('write_s', 0):.1f}), {f['rows']:,} filas" + ("" if f["ok"] else f" RECHAZADO: {f['message']}"))
    out[f"{kind}: json"] = json.dumps(result, ensure_ascii=False)
    return out


BENCHES = [bench_intake, bench_national]


if __name__ == "__main__":
    import argparse

    import click

    from data_access.demo.parameters import REFERENCE_DATE

    os.environ.setdefault("TABLERO_TODAY", REFERENCE_DATE.isoformat())
    if sys.argv[1:2] == ["import-dir"]:  # the child process of bench_national
        print(json.dumps(import_all_timed(Path(sys.argv[2]), os.environ["DATABASE_URL"]), ensure_ascii=False))
        raise SystemExit(0)
    if sys.argv[1:2] == ["national"]:
        parser = argparse.ArgumentParser(description="National intake: seed, export CSV, import all, timed.")
        parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
        parser.add_argument("--scale", default="national")
        args = parser.parse_args(sys.argv[2:])
        print(json.dumps(_national_store(args.store, args.scale, 7), ensure_ascii=False, indent=1))
        raise SystemExit(0)
    parser = argparse.ArgumentParser(description="Intake timing of a tracking matrix on fresh stores.")
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    for key, value in bench_intake(args.store, rows=args.rows).items():
        click.echo(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
