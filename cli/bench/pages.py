"""How fast every page of the navigation is, per role: the core of ``tablero bench``.

Server side, the real app under ``AppTest`` logged in as a demo account (OIDC identity):
the first load after forgetting every cached read (what the first visitor after a data
change waits), then ``runs`` warm reruns (median), and the SQL time of each (listeners
on the store's engine). With ``--browser``, the real app in headless Chromium: per page,
the time from the sidebar click to the end of the page's script run.
"""

from __future__ import annotations

import functools
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import click

from cli.bench import cold_caches
from components.core.navigation import PageSpec
from data_access.core.db import PROJECT_ROOT
from data_access.core.timing import SqlTimer
from rules.core.catalog import Role

APP_PATH = PROJECT_ROOT / "app.py"
NATIONAL_PREFERENCE = (Role.DIRECTIVO, Role.ANALISTA_PMO, Role.ADMIN)  # first national role allowed on a page
COMITE_ROLE = Role.COMITE_REGIONAL


@functools.cache
def scripts_compiled_once() -> None:
    """AppTest compiles ``app.py`` and the page again on every run; the server compiles each
    script once per process (its ``ScriptCache`` lives as long as the runtime). Runs timed by
    the bench share one cache, as the server's do, so that a warm rerun carries no compilation
    (10–30 ms a run) that no visitor pays."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    shared = ScriptCache()
    app_test.ScriptCache = local_script_runner.ScriptCache = lambda: shared


def logged_in_app(url: str, username: str, timeout: float, query: dict | None = None):
    """The real app under AppTest on ``url``, logged in as the demo account ``username`` (with
    ``query`` parameters), after its first run (the shell on the default page)."""
    from streamlit.testing.v1 import AppTest

    scripts_compiled_once()
    os.environ["DATABASE_URL"] = url
    at = AppTest.from_file(str(APP_PATH), default_timeout=timeout)
    at.user = {"is_logged_in": True, "email": f"{username}@demo.tablero.gov.co", "name": username}
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    return at


def exception_text(at) -> str:
    """First line of the app's first exception, or ``""``."""
    return str(at.exception[0].value).splitlines()[0][:120] if at.exception else ""


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
    browser_s: float | None = None  # first visit in a fresh app process
    browser_warm_s: float | None = None  # second visit
    browser_elements: int | None = None  # DOM elements of the page drawn (what the front end lays out)
    error: str = ""
    runs: list[float] = field(default_factory=list)


def bench_page(url: str, page: PageSpec, role: str, username: str, runs: int, timeout: float) -> PageTiming:
    """First load (cold caches) and ``runs`` warm reruns of one page as one account."""
    timing = PageTiming(page=page.name, role=role, username=username)
    at = logged_in_app(url, username, timeout)
    if at.exception:
        timing.error = exception_text(at)
        return timing
    cold_caches()
    at.switch_page(page.path)
    with SqlTimer(url) as sql:
        t0 = time.perf_counter()
        at.run()
        timing.first_s = time.perf_counter() - t0
        timing.first_sql_s, timing.first_queries = sql.seconds, sql.count
        if at.exception:
            timing.error = exception_text(at)
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
                timing.error = exception_text(at)
                break
    if timing.runs:
        timing.warm_s = statistics.median(timing.runs)
        timing.warm_sql_s = statistics.median(sql_runs)
        timing.warm_queries = int(statistics.median(query_runs))
    return timing


def bench_pages(url: str, pages: list[PageSpec], accounts: list[dict], runs: int, timeout: float,
                echo: Callable[[str], None] = click.echo) -> list[PageTiming]:
    """Per page: the first national account allowed on it and the comité regional account."""
    by_role: dict[str, dict] = {}
    for acc in accounts:
        by_role.setdefault(acc["role"], acc)
    out = []
    for page in pages:
        national = next((r for r in NATIONAL_PREFERENCE if r in page.roles and r in by_role), None)
        for role in (national, COMITE_ROLE):
            if role is None or role not in page.roles or role not in by_role:
                continue
            echo(f"  … {page.name} como {by_role[role]['username']}")
            out.append(bench_page(url, page, role, by_role[role]["username"], runs, timeout))
    return out


@dataclass
class BrowserFigures:
    """What ``--browser`` measures besides each page: the empty-page floor of the same run and
    each account's login."""

    floor_load_s: list[float] = field(default_factory=list)  # new session at a one-line page
    floor_switch_s: list[float] = field(default_factory=list)  # click between two one-line pages
    login_s: dict[str, float] = field(default_factory=dict)  # «Ingresar» → first page settled
    login_total_s: dict[str, float] = field(default_factory=dict)  # address typed → first page settled
    ahead_s: float | None = None  # the server's computation ahead of the common views (its log)
    ahead_views: int | None = None
    server_peak_rss_mb: float | None = None  # the app process's peak memory after every visit

    @property
    def floor_load(self) -> float | None:
        return statistics.median(self.floor_load_s) if self.floor_load_s else None

    @property
    def floor_switch(self) -> float | None:
        return statistics.median(self.floor_switch_s) if self.floor_switch_s else None


FULL_SCREEN = {"presentation"}  # pages drawn without the sidebar
FULL_SCREEN_EXIT = ".st-key-pres_exit a"  # their link out (Esc): the browser's Back stays on the page, its
# address having gained the slide's parameters
FLOOR_APP = PROJECT_ROOT / "cli" / "bench" / "floor_app.py"


def measure_floor(browser, url: str, figures: BrowserFigures, loads: int = 3, switches: int = 4) -> None:
    """The empty-page floor, measured now, in this Chromium: ``loads`` new sessions at a one-line
    page and ``switches`` sidebar clicks between two of them."""
    from cli.bench import browser as h

    with h.running_app(url, script=FLOOR_APP) as app:
        for _ in range(loads):
            with h.watched_page(browser) as w:
                figures.floor_load_s.append(h.load_seconds(w.page, app.base_url + "/"))
        with h.watched_page(browser) as w:
            h.goto_page(w.page, app.base_url, "")
            for i in range(switches):
                target = "dos" if i % 2 == 0 else "Uno"  # the default page links as "/": by its title
                figures.floor_switch_s.append(h.click_nav(w.page, target))


def bench_browser(url: str, pages: list[PageSpec], accounts: list[dict], timings: list[PageTiming],
                  echo: Callable[[str], None] = click.echo) -> BrowserFigures:
    """Fill ``browser_s`` (first visit in a fresh app process: click in the sidebar → page rendered)
    and ``browser_warm_s`` (second visit) of ``timings``; the floor, before and after, and the logins."""
    import importlib.util

    from cli.bench import browser as h

    if importlib.util.find_spec("playwright") is None:
        raise click.ClickException("--browser necesita playwright (extra «test»): pip install -e '.[test]'.")
    pw_by_user = {a["username"]: a["password"] for a in accounts}
    by_page = {p.name: p for p in pages}
    figures = BrowserFigures()
    with h.chromium() as browser:
        echo("  … navegador: página vacía (piso)")
        measure_floor(browser, url, figures)
        with h.running_app(url) as app:
            echo("  … navegador: primera sesión; vistas comunes calculadas por adelantado")
            figures.ahead_views, figures.ahead_s = computed_ahead(browser, app)
            for username in dict.fromkeys(row.username for row in timings):
                rows = [row for row in timings if row.username == username and not row.error]
                if not rows:
                    continue
                with h.watched_page(browser) as w:
                    figures.login_s[username], figures.login_total_s[username] = h.login_seconds(
                        w.page, app.base_url, username, pw_by_user[username], timeout=300_000)
                    for attr, visit in (("browser_s", ""), ("browser_warm_s", " (2ª visita)")):
                        # a full-screen page (no sidebar) has no second visit: leaving it is not a click
                        for row in (rows if attr == "browser_s" else [r for r in rows if r.page not in FULL_SCREEN]):
                            echo(f"  … navegador: {row.page} como {username}{visit}")
                            try:
                                _visit(w.page, row, attr, by_page[row.page])
                            except Exception as exc:  # noqa: BLE001 - reported with the row, the run goes on
                                row.error = row.error or f"navegador: {type(exc).__name__}: {exc}"[:200]
            figures.server_peak_rss_mb = app.peak_rss_mb()
        echo("  … navegador: página vacía (piso, al final)")
        measure_floor(browser, url, figures)
    return figures


def computed_ahead(browser, app) -> tuple[int | None, float | None]:
    """Open the app once (its login page: the first session starts the computation ahead,
    ``components.overview.ahead``) and wait for the server's log line; (views, seconds)."""
    from cli.bench import browser as h
    from components.core.warm import AHEAD_RE

    with h.watched_page(browser) as w:
        w.page.goto(app.base_url + "/", wait_until="domcontentloaded")
        h.wait_for_app_run(w.page, 300_000)
    found = app.wait_for_line(AHEAD_RE)
    return (int(found[0]), float(found[1])) if found else (None, None)


def _visit(page, row: PageTiming, attr: str, spec: PageSpec) -> None:
    """Click ``spec``'s sidebar link (leaving it first when already there); its seconds in ``row.<attr>``."""
    from playwright.sync_api import expect

    from cli.bench import browser as h
    from rules.core.i18n import t

    if not page.get_by_test_id("stSidebarNav").is_visible():  # a full-screen page: left by its own link
        page.locator(FULL_SCREEN_EXIT).click()
        expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=300_000)
        h.wait_for_app_run(page, 300_000)
    links = h.nav_links(page)
    here = page.evaluate("() => window.location.pathname")
    target = next((lk for lk in links if lk["path"] == "/" + spec.url_path), None)
    if target is None:  # the default page, linked as "/"
        target = next((lk for lk in links if lk["title"] == t(spec.title_key, "es")), None)
    if target is None:
        row.error = row.error or "sin enlace en el navegador"
        return
    if target["path"] == here:  # leave first so that the click is a real navigation
        other = next(lk for lk in links if lk["path"] != here)
        h.click_nav(page, other["path"].strip("/") or other["title"], timeout=300_000)
    setattr(row, attr, h.click_nav(page, target["path"].strip("/") or target["title"], timeout=300_000))
    row.browser_elements = page.evaluate("() => document.querySelectorAll('*').length")


def _s(x: float | None) -> str:
    if x is None or x != x:  # NaN
        return "—"
    return f"{x:.3f}"


def format_table(timings: list[PageTiming], runs: int, browser: bool, figures: BrowserFigures | None = None) -> str:
    """One row per page and role; figures right-aligned, ``—`` where nothing was measured; with
    the browser, each page's ratio to the empty-page floor, then the floor and the logins."""
    head = ["página", "rol", "1ª carga s", "SQL 1ª s", "consultas 1ª", f"mediana {runs} s", "SQL/run s",
            "consultas/run"]
    if browser:
        head += ["navegador s", "× piso", "navegador 2ª s"]
    head.append("error")
    floor = figures.floor_load if figures else None
    rows = []
    for t in timings:
        row = [t.page, t.role, _s(t.first_s), _s(t.first_sql_s), str(t.first_queries), _s(t.warm_s),
               _s(t.warm_sql_s), str(t.warm_queries)]
        if browser:
            ratio = t.browser_s / floor if floor and t.browser_s is not None else None
            row += [_s(t.browser_s), "—" if ratio is None else f"{ratio:.2f}", _s(t.browser_warm_s)]
        row.append(t.error)
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths)).rstrip(),
             "  ".join("-" * w for w in widths[:-1]) + "  " + "-" * 5]
    for r in rows:
        lines.append("  ".join(c.rjust(w) if 1 < i < len(head) - 1 else c.ljust(w)
                               for i, (c, w) in enumerate(zip(r, widths))).rstrip())
    if figures is not None:
        lines.append("")
        loads = ", ".join(_s(x) for x in figures.floor_load_s)
        lines.append(f"piso (página vacía, mismo Chromium): carga {_s(figures.floor_load)} s ({loads}); "
                     f"cambio de página {_s(figures.floor_switch)} s")
        for user, secs in figures.login_s.items():
            lines.append(f"ingreso {user}: «Ingresar» → primera página {_s(secs)} s "
                         f"(desde la dirección {_s(figures.login_total_s.get(user))} s)")
        if figures.ahead_views is not None:
            lines.append(f"vistas calculadas por adelantado: {figures.ahead_views} en {_s(figures.ahead_s)} s")
        if figures.server_peak_rss_mb is not None:
            lines.append(f"memoria máxima del proceso de la aplicación: {figures.server_peak_rss_mb:.0f} MB")
    return "\n".join(lines)
