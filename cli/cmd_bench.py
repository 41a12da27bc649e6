"""``tablero bench``: the options wired to the benchmarks of ``cli/bench`` (see its docstring).

Not a test: it prints figures. It seeds the demo into a TEMPORARY store (SQLite, or a
PostgreSQL database created through ``TABLERO_BENCH_PG_URL``), imports the boundaries of
``TABLERO_GEODATA`` when set, times every page per role (and in Chromium with ``--browser``),
runs the area benches, prints the table and drops the store unless ``--keep``.
"""

from __future__ import annotations

import os

import click

from cli.bench.store import bench_store, import_boundaries, seed_demo
from data_access.core.db import StoreUnavailable, display_url, store_errors


def register(group: click.Group) -> None:
    @group.command("bench")
    @click.option("--scale", type=click.Choice(["demo", "national", "x10"]), default="national", show_default=True)
    @click.option("--seed", "seed_value", type=int, default=7, show_default=True)
    @click.option("--runs", type=click.IntRange(1, 100), default=7, show_default=True,
                  help="Reejecuciones en caliente por página (se informa la mediana).")
    @click.option("--browser", is_flag=True, help="Mide también en Chromium (clic → página dibujada).")
    @click.option("--store", type=click.Choice(["sqlite", "postgresql"]), default="sqlite", show_default=True)
    @click.option("--keep", is_flag=True, help="Conserva el almacén temporal e imprime su URL.")
    @click.option("--timeout", type=float, default=600, show_default=True, help="Límite por ejecución (s).")
    def bench_cmd(scale: str, seed_value: int, runs: int, browser: bool, store: str, keep: bool,
                  timeout: float) -> None:
        """Siembra un almacén TEMPORAL y mide cada página (AppTest, SQL y, con --browser, Chromium)."""
        try:
            with store_errors():
                _bench(scale, seed_value, runs, browser, store, keep, timeout)
        except StoreUnavailable as exc:
            raise click.ClickException(
                f"No se pudo crear o usar el almacén temporal ({store}): {exc}. Con --store postgresql, "
                "verifique TABLERO_BENCH_PG_URL (URL de administración).") from None


def _bench(scale: str, seed_value: int, runs: int, browser: bool, store: str, keep: bool, timeout: float) -> None:
    import time

    import streamlit.logger
    from streamlit import config as st_config

    from cli.bench import run_area_benches
    from cli.bench.pages import bench_browser, bench_pages, format_table
    from components.core.navigation import PAGES
    from data_access.demo.parameters import REFERENCE_DATE

    # AppTest's bare-mode warnings are noise here (the config option survives AppTest runs)
    st_config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    os.environ.setdefault("TABLERO_TODAY", REFERENCE_DATE.isoformat())  # the demo's data end there
    pages = list(PAGES)
    click.echo(f"tablero bench — escala {scale}, semilla {seed_value}, almacén {store}, {runs} reejecuciones")
    with bench_store(store) as (url, keep_store):
        seeded = seed_demo(url, scale, seed_value)
        click.echo(f"Siembra: {seeded.seconds:.1f} s ({', '.join(f'{k} {v:,}' for k, v in seeded.counts.items())})"
                   .replace(",", "."))
        geo_s = None
        t0 = time.perf_counter()
        try:
            geo = import_boundaries(url)
        except Exception as exc:  # noqa: BLE001 - reported, the page figures still count
            geo = f"ERROR: {type(exc).__name__}: {exc}"[:200]
        if geo is not None:
            geo_s = time.perf_counter() - t0
            click.echo(f"Límites (TABLERO_GEODATA): {geo} — {geo_s:.1f} s")
        else:
            click.echo("Límites: no importados (TABLERO_GEODATA sin definir).")
        click.echo("Páginas (AppTest, servidor):")
        timings = bench_pages(url, pages, seeded.accounts, runs, timeout)
        if browser:
            click.echo("Navegador (Chromium):")
            bench_browser(url, pages, seeded.accounts, timings)
        click.echo("Benchmarks de área:")
        area = run_area_benches(url, runs, browser, click.echo)
        click.echo("")
        click.echo(format_table(timings, runs, browser))
        click.echo("")
        click.echo(f"siembra total: {seeded.seconds:.1f} s"
                   + (f" · límites: {geo_s:.1f} s" if geo_s is not None else ""))
        for name, value in area:
            click.echo(f"{name}: {value}")
        if not area:
            click.echo("(ningún benchmark de área)")
        if keep:
            keep_store()
            click.echo(f"Almacén conservado: {display_url(url)}")
        failed = [t for t in timings if t.error]
        if failed:
            raise click.ClickException(
                f"{len(failed)} medición(es) con error: " + "; ".join(f"{t.page}/{t.role}: {t.error}" for t in failed))

