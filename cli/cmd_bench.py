"""``tablero bench``: how fast every page is, measured on a freshly seeded temporary store.

Not a test: it prints figures. Steps:

1. seed ``data_access.demo.seed(url, scale, seed)`` into a TEMPORARY store (a SQLite
   file in a temp dir, or a temp PostgreSQL database created through
   ``TABLERO_BENCH_PG_URL``, admin URL, default ``postgresql://postgres@127.0.0.1:5432/test``);
   import the boundaries when ``TABLERO_GEODATA`` is set and the geodata importer exists;
2. per page of ``app.PAGES`` and for a national role and the comité regional role: run the
   real app under ``AppTest`` (OIDC identity of the demo account), time the first load
   with cold caches, then ``--runs`` warm reruns (median), and the SQL time of those runs
   (SQLAlchemy ``before/after_cursor_execute`` listeners on the store's engine);
3. with ``--browser``: the real app in headless Chromium (``cli/bench/browser.py``),
   log in, then per page the time from the navigation click to the page rendered;
4. area benchmarks when present: every ``bench``/``bench_*`` function of a ``bench.py`` or
   ``*_bench.py`` module in geodata/, data_access/, components/, exports/, rules/ (called
   with those of ``url``, ``scale``, ``runs``, ``browser`` it accepts).

The temporary store is dropped afterwards unless ``--keep`` (then its URL is printed).
Helpers used by the tests too: ``list(PAGES)``, ``import_boundaries(url)``.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click

from components.core.navigation import PAGES, PageSpec
from data_access.core.db import PROJECT_ROOT, get_engine, normalise_url

APP_PATH = PROJECT_ROOT / "app.py"
DEFAULT_PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
NATIONAL_PREFERENCE = ("directivo", "analista_pmo", "admin")  # first national role allowed on a page
AREA_BENCH_PACKAGES = ("geodata", "data_access", "components", "exports", "rules")


# --------------------------------------------------------------------------- app pages




# ------------------------------------------------------------------- store and geodata


def import_boundaries(url: str, source: str | os.PathLike | None = None, imported_by: str = "bench") -> str | None:
    """Import DANE MGN boundaries into ``url`` with the geodata importer, from ``source``
    (default: ``TABLERO_GEODATA``). Returns the importer's report as one line, or None
    when there is no source or no importer (``geodata.importer.import_boundaries``)."""
    raw = str(source) if source is not None else os.environ.get("TABLERO_GEODATA", "").strip()
    if not raw or not Path(raw).exists():
        return None
    try:
        from geodata.importer import import_boundaries as importer
    except ImportError:
        return None
    report = importer([Path(raw)], url=url, imported_by=imported_by)
    lines = report.lines() if hasattr(report, "lines") else [str(report)]
    return " · ".join(line for line in lines if line)[:300]


@contextlib.contextmanager
def temporary_store(kind: str) -> Iterator[tuple[str, Callable[[], None]]]:
    """A blank store URL and a ``drop()`` callable (called on exit unless detached)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from data_access.core.db import dispose_engines

    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="tablero-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"

        def drop() -> None:
            dispose_engines()
            for f in folder.glob("*"):
                f.unlink()
            folder.rmdir()
    else:
        admin_url = normalise_url(os.environ.get("TABLERO_BENCH_PG_URL", DEFAULT_PG_ADMIN))
        name = f"tablero_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # generated identifier, no user input
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            dispose_engines()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    state = {"keep": False}

    def keep() -> None:
        state["keep"] = True

    try:
        yield url, keep
    finally:
        if not state["keep"]:
            drop()


# ------------------------------------------------------------------------- SQL timing


class SqlTimer:
    """Sums the time spent in cursor executions on one engine while attached."""

    def __init__(self, url: str):
        self.engine = get_engine(url)
        self.seconds = 0.0
        self.count = 0

    def _before(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        conn.info.setdefault("_bench_t0", []).append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001
        stack = conn.info.get("_bench_t0")
        if stack:
            self.seconds += time.perf_counter() - stack.pop()
            self.count += 1

    def reset(self) -> None:
        self.seconds, self.count = 0.0, 0

    def __enter__(self) -> SqlTimer:
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)


# -------------------------------------------------------------------- AppTest timings


@dataclass
class PageTiming:
    page: str
    role: str
    username: str
    first_s: float = float("nan")
    first_sql_s: float = float("nan")
    first_queries: int = 0
    warm_s: float = float("nan")  # median
    warm_sql_s: float = float("nan")  # median per run
    warm_queries: int = 0  # median per run
    browser_s: float | None = None
    error: str = ""
    runs: list[float] = field(default_factory=list)


def _exception_text(at) -> str:
    if at.exception:
        return str(at.exception[0].value).splitlines()[0][:120]
    return ""


def bench_page(url: str, page: PageSpec, role: str, username: str, runs: int, timeout: float) -> PageTiming:
    """First load (cold caches) and ``runs`` warm reruns of one page as one account."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from exports import pack

    os.environ["DATABASE_URL"] = url
    timing = PageTiming(page=page.name, role=role, username=username)
    at = AppTest.from_file(str(APP_PATH), default_timeout=timeout)
    at.user = {"is_logged_in": True, "email": f"{username}@demo.tablero.gov.co", "name": username}
    at.run()  # the shell on the default page (login resolved)
    if at.exception:
        timing.error = _exception_text(at)
        return timing
    st.cache_data.clear()
    pack.forget()  # the committee views the pages share: a first load computes them
    at.switch_page(page.path)
    with SqlTimer(url) as sql:
        t0 = time.perf_counter()
        at.run()
        timing.first_s = time.perf_counter() - t0
        timing.first_sql_s, timing.first_queries = sql.seconds, sql.count
        if at.exception:
            timing.error = _exception_text(at)
            return timing
        sql_runs, query_runs = [], []
        for _ in range(runs):
            sql.reset()
            t0 = time.perf_counter()
            at.run()
            timing.runs.append(time.perf_counter() - t0)
            sql_runs.append(sql.seconds)
            query_runs.append(sql.count)
            if at.exception:
                timing.error = _exception_text(at)
                break
    if timing.runs:
        timing.warm_s = statistics.median(timing.runs)
        timing.warm_sql_s = statistics.median(sql_runs)
        timing.warm_queries = int(statistics.median(query_runs))
    return timing


def bench_pages(url: str, pages: list[PageSpec], accounts: list[dict], runs: int, timeout: float,
                echo: Callable[[str], None] = click.echo) -> list[PageTiming]:
    """Per page: one national account allowed on it and the comité regional account."""
    by_role: dict[str, dict] = {}
    for acc in accounts:
        by_role.setdefault(acc["role"], acc)
    out = []
    for page in pages:
        national = next((r for r in NATIONAL_PREFERENCE if r in page.roles and r in by_role), None)
        for role in (national, "comite_regional"):
            if role is None or role not in page.roles or role not in by_role:
                continue
            echo(f"  … {page.name} como {by_role[role]['username']}")
            out.append(bench_page(url, page, role, by_role[role]["username"], runs, timeout))
    return out


# -------------------------------------------------------------------- browser timings


def bench_browser(url: str, pages: list[PageSpec], accounts: list[dict], timings: list[PageTiming],
                  echo: Callable[[str], None] = click.echo) -> None:
    """Fill ``browser_s``: click in the sidebar → page rendered (script run finished)."""
    import sys

    if str(PROJECT_ROOT) not in sys.path:
        sys.path.insert(0, str(PROJECT_ROOT))
    try:
        from cli.bench import browser as h
    except ImportError as exc:  # installed without the source tree / without playwright
        raise click.ClickException(f"--browser necesita cli/bench/browser.py y playwright: {exc}") from exc

    pw_by_user = {a["username"]: a["password"] for a in accounts}
    by_page = {p.name: p for p in pages}
    with h.running_app(url) as app, h.chromium() as browser:
        for username in dict.fromkeys(t.username for t in timings):
            rows = [t for t in timings if t.username == username and not t.error]
            if not rows:
                continue
            with h.watched_page(browser) as w:
                h.login(w.page, app.base_url, username, pw_by_user[username], timeout=300_000)
                for row in rows:
                    page = by_page[row.page]
                    links = h.nav_links(w.page)
                    here = _current_path(w.page)
                    target = next((lk for lk in links if lk["path"] == "/" + page.url_path), None)
                    if target is None:  # the default page, linked as "/"
                        from rules.core.i18n import t as tr

                        target = next((lk for lk in links if lk["title"] == tr(page.title_key, "es")), None)
                    if target is None:
                        row.error = row.error or "sin enlace en el navegador"
                        continue
                    if target["path"] == here:  # leave first so that the click is a real navigation
                        other = next(lk for lk in links if lk["path"] != here)
                        h.click_nav(w.page, other["path"].strip("/") or other["title"], timeout=300_000)
                    echo(f"  … navegador: {page.name} como {username}")
                    row.browser_s = h.click_nav(w.page, target["path"].strip("/") or target["title"],
                                                timeout=300_000)


def _current_path(page) -> str:
    return page.evaluate("() => window.location.pathname")


# ------------------------------------------------------------------- area benchmarks


def _area_bench_functions() -> list[tuple[str, Callable]]:
    """``bench``/``bench_*`` functions of the areas' ``bench.py`` / ``*_bench.py`` modules."""
    import pkgutil
    import sys

    if str(PROJECT_ROOT) not in sys.path:  # area benches may drive Chromium via cli/bench/browser.py
        sys.path.insert(0, str(PROJECT_ROOT))
    found: list[tuple[str, Callable]] = []
    seen: set[int] = set()
    for pkg in AREA_BENCH_PACKAGES:
        try:
            package = importlib.import_module(pkg)
        except ImportError:
            continue
        for mod in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            if not (mod.name == "bench" or mod.name.endswith("_bench")):
                continue
            module = importlib.import_module(f"{pkg}.{mod.name}")
            candidates = {
                name: fn for name, fn in sorted(vars(module).items())
                if callable(fn) and (name == "bench" or name.startswith("bench_"))
                and getattr(fn, "__module__", "") == module.__name__
            }
            # A bench_* function that another one of the module calls is its helper (e.g. one
            # generic function behind per-role wrappers): only the callers are run.
            called = {n for fn in candidates.values() for n in getattr(getattr(fn, "__code__", None), "co_names", ())}
            for name, fn in candidates.items():
                if id(fn) in seen or (name in called and any(
                        name in getattr(getattr(other, "__code__", None), "co_names", ())
                        for other_name, other in candidates.items() if other_name != name and other is not fn)):
                    continue
                seen.add(id(fn))
                found.append((f"{pkg}.{mod.name}.{name}", fn))
    return found


def area_benchmarks(url: str, scale: str, runs: int, browser: bool,
                    echo: Callable[[str], None] = click.echo) -> list[tuple[str, str]]:
    """Call every area benchmark function with the arguments it takes among
    ``url``, ``scale``, ``runs`` and ``browser``; a failing one is reported, not fatal."""
    out = []
    for name, fn in _area_bench_functions():
        params = inspect.signature(fn).parameters
        offered = {"url": url, "scale": scale, "runs": runs, "browser": browser}
        kwargs = {k: v for k, v in offered.items() if k in params}
        echo(f"  … {name}")
        t0 = time.perf_counter()
        try:
            result = fn(**kwargs)
        except Exception as exc:  # noqa: BLE001 - reported in the output
            out.append((name, f"ERROR: {type(exc).__name__}: {exc}"[:300]))
            continue
        out.append((name, f"({time.perf_counter() - t0:.1f} s)"))
        if isinstance(result, dict):
            out.extend((f"  {k}", _fmt_value(v)) for k, v in result.items())
        elif result is not None:
            out.append(("  resultado", str(result)[:300]))
    return out


def _fmt_value(v) -> str:
    if isinstance(v, list) and len(v) > 12:
        return f"[{', '.join(_fmt_value(x) for x in v[:12])}, … ({len(v)})]"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt_value(x)}" for k, x in v.items())[:300]
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, int):
        return f"{v:,}".replace(",", ".")
    return str(v)


# ---------------------------------------------------------------------------- output


def _s(x: float | None) -> str:
    if x is None or x != x:  # NaN
        return "—"
    return f"{x:.3f}"


def format_table(timings: list[PageTiming], runs: int, browser: bool) -> str:
    head = ["página", "rol", "1ª carga s", "SQL 1ª s", "consultas 1ª", f"mediana {runs} s", "SQL/run s",
            "consultas/run"]
    if browser:
        head.append("navegador s")
    head.append("error")
    rows = []
    for t in timings:
        row = [t.page, t.role, _s(t.first_s), _s(t.first_sql_s), str(t.first_queries), _s(t.warm_s),
               _s(t.warm_sql_s), str(t.warm_queries)]
        if browser:
            row.append(_s(t.browser_s))
        row.append(t.error)
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(),
             "  ".join("-" * w for w in widths[:-1]) + "  " + "-" * 5]
    for r in rows:
        lines.append("  ".join(c.rjust(w) if 1 < i < len(head) - 1 else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    return "\n".join(lines)


# ------------------------------------------------------------------------------- CLI


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
        import streamlit.logger
        from streamlit import config as st_config

        from data_access.demo import seed as demo_seed

        # AppTest's bare-mode warnings are noise here (the config option survives AppTest runs)
        st_config.set_option("logger.level", "error")
        streamlit.logger.set_log_level("error")
        # The demo programme's "today" (its data end there), unless the caller set one.
        from data_access.demo import REFERENCE_DATE

        os.environ.setdefault("TABLERO_TODAY", REFERENCE_DATE.isoformat())
        pages = list(PAGES)
        click.echo(f"tablero bench — escala {scale}, semilla {seed_value}, almacén {store}, {runs} reejecuciones")
        with temporary_store(store) as (url, keep_store):
            t0 = time.perf_counter()
            result = demo_seed(url, scale, seed_value)
            seed_s = time.perf_counter() - t0
            counts = result.get("counts", {})
            click.echo(f"Siembra: {seed_s:.1f} s ({', '.join(f'{k} {v:,}' for k, v in counts.items())})"
                       .replace(",", "."))
            geo = None
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
                click.echo("Límites: no importados (TABLERO_GEODATA sin definir o sin importador).")
            accounts = _accounts(result)
            click.echo("Páginas (AppTest, servidor):")
            timings = bench_pages(url, pages, accounts, runs, timeout)
            if browser:
                click.echo("Navegador (Chromium):")
                bench_browser(url, pages, accounts, timings)
            click.echo("Benchmarks de área:")
            area = area_benchmarks(url, scale, runs, browser)
            click.echo("")
            click.echo(format_table(timings, runs, browser))
            click.echo("")
            click.echo(f"siembra total: {seed_s:.1f} s"
                       + (f" · límites: {geo_s:.1f} s" if geo_s is not None else ""))
            for name, value in area:
                click.echo(f"{name}: {value}")
            if not area:
                click.echo("(ningún benchmark de área)")
            if keep:
                keep_store()
                from sqlalchemy.engine import make_url

                click.echo(f"Almacén conservado: {make_url(url).render_as_string(hide_password=True)}")
            failed = [t for t in timings if t.error]
            if failed:
                raise click.ClickException(
                    f"{len(failed)} medición(es) con error: "
                    + "; ".join(f"{t.page}/{t.role}: {t.error}" for t in failed))


def _accounts(result: dict) -> list[dict]:
    """Accounts of the seed result as dicts (accepts (role, username, password) tuples too)."""
    out = []
    for acc in result.get("accounts", []):
        if isinstance(acc, dict):
            out.append(acc)
        else:
            role, username, password = acc
            out.append({"role": role, "username": username, "password": password})
    return out
