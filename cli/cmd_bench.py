"""``tablero bench``: the options wired to the benchmarks of ``cli/bench`` (see its docstring).

Not a test: it prints figures. It seeds the demo into a TEMPORARY store (SQLite, or a
PostgreSQL database created through ``TABLERO_BENCH_PG_URL``), imports the boundaries of
``TABLERO_GEODATA`` when set, times every page per role (and in Chromium with ``--browser``),
runs the area benches, prints the table and drops the store unless ``--keep``.
"""

from __future__ import annotations

import contextlib
import os

import click

from cli.bench.store import bench_store, existing_demo, import_boundaries, seed_demo
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
    @click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
                  help="table: para personas; json: todas las cifras (piso, cargas, metas) en un documento.")
    @click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), default=None,
                  help="Archivo donde escribir el JSON (con --format json; sin él, a la salida estándar).")
    @click.option("--page", "only_pages", multiple=True, metavar="NOMBRE",
                  help="Solo estas páginas (p. ej. overview, sla; repetible). Por omisión, todas.")
    @click.option("--area", "only_areas", multiple=True, metavar="NOMBRE",
                  help="Solo estos benchmarks de área (map, routes, sla, pack, intake, warm; repetible; "
                       "«none»: ninguno). Por omisión, todos.")
    @click.option("--existing", "existing", default=None, metavar="URL",
                  help="Mide un almacén YA sembrado con «tablero demo seed --seed N» (misma --seed) en vez de "
                       "sembrar uno temporal; el benchmark «warm» escribe en él (versiones de datos).")
    def bench_cmd(scale: str, seed_value: int, runs: int, browser: bool, store: str, keep: bool,
                  timeout: float, fmt: str, out: str | None, only_pages: tuple[str, ...],
                  only_areas: tuple[str, ...], existing: str | None) -> None:
        """Siembra un almacén TEMPORAL y mide cada página (AppTest, SQL y, con --browser, Chromium)."""
        from cli.bench import AREAS
        from components.core.navigation import PAGES

        unknown = sorted(set(only_pages) - {p.name for p in PAGES}) + sorted(
            set(only_areas) - {*AREAS, "none"})
        if unknown:
            raise click.BadParameter(f"desconocido(s): {', '.join(unknown)}. Páginas: "
                                     f"{', '.join(p.name for p in PAGES)}; áreas: {', '.join(AREAS)}.")
        pages = [p for p in PAGES if not only_pages or p.name in only_pages]
        if existing:
            store = "postgresql" if existing.startswith("postgresql") else "sqlite"
        areas = tuple(a for a in AREAS if not only_areas or a in only_areas)
        try:
            with store_errors():
                _bench(scale, seed_value, runs, browser, store, keep, timeout, fmt, out, pages, areas, existing)
        except StoreUnavailable as exc:
            raise click.ClickException(
                f"No se pudo crear o usar el almacén temporal ({store}): {exc}. Con --store postgresql, "
                "verifique TABLERO_BENCH_PG_URL (URL de administración).") from None


def _bench(scale: str, seed_value: int, runs: int, browser: bool, store: str, keep: bool, timeout: float,
           fmt: str, out: str | None, pages: list, areas: tuple[str, ...], existing: str | None = None) -> None:
    import time

    import streamlit.logger
    from streamlit import config as st_config

    from cli.bench import report as rep
    from cli.bench import run_area_benches
    from cli.bench.pages import bench_browser, bench_pages
    from cli.bench.warm import SEED_ENV
    from data_access.demo.parameters import REFERENCE_DATE

    # AppTest's bare-mode warnings are noise here (the config option survives AppTest runs)
    st_config.set_option("logger.level", "error")
    streamlit.logger.set_log_level("error")
    os.environ.setdefault("TABLERO_TODAY", REFERENCE_DATE.isoformat())  # the demo's data end there
    os.environ[SEED_ENV] = str(seed_value)  # the demo accounts' passwords follow from it
    # with JSON to stdout, the progress lines go to stderr so that stdout is the document alone
    echo = (lambda m: click.echo(m, err=True)) if fmt == "json" and not out else click.echo
    run = rep.Run(scale=scale, store=store, seed=seed_value, runs=runs, browser=browser,
                  existing_store=existing is not None)
    echo(f"tablero bench — escala {scale}, semilla {seed_value}, almacén {store}, {runs} reejecuciones "
         f"(carga {' '.join(map(str, run.load_average_start))})")
    with _store(store, existing) as (url, keep_store):
        seeded = existing_demo(url, seed_value) if existing else seed_demo(url, scale, seed_value)
        run.seed_seconds, run.seed_counts = seeded.seconds, seeded.counts
        echo(f"Siembra: {seeded.seconds:.1f} s ({', '.join(f'{k} {v:,}' for k, v in seeded.counts.items())})"
             .replace(",", "."))
        t0 = time.perf_counter()
        try:  # an existing store keeps the boundaries it has: the bench writes nothing into it
            geo = None if existing else import_boundaries(url)
        except Exception as exc:  # noqa: BLE001 - reported, the page figures still count
            geo = f"ERROR: {type(exc).__name__}: {exc}"[:200]
        if geo is not None:
            run.boundaries, run.boundaries_seconds = geo, time.perf_counter() - t0
            echo(f"Límites (TABLERO_GEODATA): {geo} — {run.boundaries_seconds:.1f} s")
        else:
            echo("Límites: los del almacén existente." if existing
                 else "Límites: no importados (TABLERO_GEODATA sin definir).")
        echo("Páginas (AppTest, servidor):")
        timings = bench_pages(url, pages, seeded.accounts, runs, timeout, echo)
        figures = None
        if browser:
            echo("Navegador (Chromium):")
            figures = bench_browser(url, pages, seeded.accounts, timings, echo)
        echo("Benchmarks de área:")
        area = run_area_benches(url, runs, browser, echo, areas)
        run.load_average_end = rep.load_average()
        if fmt == "json":
            text = rep.write(rep.document(run, timings, figures, area), out)
            if not out:
                click.echo(text)
        else:
            _print_table(run, timings, figures, area, runs, browser)
        if keep:
            keep_store()
            echo(f"Almacén conservado: {display_url(url)}")
        failed = [t for t in timings if t.error]
        if failed:
            raise click.ClickException(
                f"{len(failed)} medición(es) con error: " + "; ".join(f"{t.page}/{t.role}: {t.error}" for t in failed))


def _store(kind: str, existing: str | None):
    """The temporary store of the run, or the existing one (kept, never dropped)."""
    return contextlib.nullcontext((existing, lambda: None)) if existing else bench_store(kind)


def _print_table(run, timings, figures, area, runs: int, browser: bool) -> None:
    """The figures for people: the page table, the floor and logins, the area benches."""
    from cli.bench import area_lines
    from cli.bench.pages import format_table

    click.echo("")
    click.echo(format_table(timings, runs, browser, figures))
    click.echo("")
    click.echo(f"siembra total: {run.seed_seconds:.1f} s"
               + (f" · límites: {run.boundaries_seconds:.1f} s" if run.boundaries_seconds is not None else ""))
    click.echo(f"carga media (1, 5, 15 min): al inicio {' '.join(map(str, run.load_average_start))}"
               f" · al final {' '.join(map(str, run.load_average_end))}")
    lines = area_lines(area)
    for name, value in lines:
        click.echo(f"{name}: {value}")
    if not lines:
        click.echo("(ningún benchmark de área)")
