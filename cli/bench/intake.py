"""Timing of the intake of a national tracking matrix (a ``tablero bench`` area).

:func:`bench_intake` builds a «Matriz de seguimiento a OPRs» of ``ROWS`` data rows (plans,
evidence and sales 2 : 2 : 1, every plan a new OPR), and loads it through the intake engine
into a fresh migrated store of the same kind as the bench's store — SQLite always, and
PostgreSQL too when the bench runs with ``--store postgresql``: the first load (every row new,
one audited batch), then the same file again (nothing changes). Seconds, no assertions.
Run it alone with ``python -m cli.bench.intake [--store postgresql] [--rows N]``.
"""

from __future__ import annotations

import datetime as dt
import io
import time

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


BENCHES = [bench_intake]


if __name__ == "__main__":
    import argparse
    import os

    import click

    from data_access.demo.parameters import REFERENCE_DATE

    parser = argparse.ArgumentParser(description="Intake timing of a tracking matrix on fresh stores.")
    parser.add_argument("--store", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=ROWS)
    args = parser.parse_args()
    os.environ.setdefault("TABLERO_TODAY", REFERENCE_DATE.isoformat())
    for key, value in bench_intake(args.store, rows=args.rows).items():
        click.echo(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
