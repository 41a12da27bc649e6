"""Timing of the routes page when a cohort filter changes (a ``tablero bench`` area).

:func:`bench_cohort_changes` opens the real app under ``AppTest`` as a demo account, goes
to ``pages/routes.py`` and, for each change in ``changes``, sets the cohort widgets and
times the rerun (server time: the whole script run, shell included). Cohort results are
forgotten before each timed rerun, so every change is a cache miss — as for a person who
picks a cohort nobody looked at since the last data change; the cached option lists and
the shell's reads behave as in production. No assertions: it returns figures.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from cli.bench import cold_caches
from cli.bench.pages import exception_text, logged_in_app
from rules.core.catalog import Role

# (description, {widget key suffix: value}) applied cumulatively, like an analyst would.
DEFAULT_CHANGES: tuple[tuple[str, dict], ...] = (
    ("cohorte = primer trimestre con datos", {"quarters": "first"}),
    ("sexo = mujer", {"sex": "F"}),
    ("jóvenes 18–28", {"youth": "yes"}),
    ("víctimas", {"victim": "yes"}),
    ("ruta = básica", {"route": "basica"}),
    ("mecanismo = barrido", {"mech": ["barrido"]}),
    ("sin filtros de persona", {"sex": None, "youth": "all", "victim": "all"}),
    ("otro trimestre", {"quarters": "second"}),
    ("ruta = intermedia", {"route": "intermedia", "mech": []}),
)
MULTI = ("quarters", "mech", "eth")  # cohort filters shown as multiselects (the others are selectboxes)


def bench_cohort_changes(
    url: str,
    username: str = "analista",
    changes: Sequence[tuple[str, dict]] = DEFAULT_CHANGES,
    view: str = "funnel",
    timeout: float = 300,
    runs: int = 1,
) -> dict:
    """Median and per-change server time (seconds) of routes-page reruns after a cohort change.

    The sequence of ``changes`` is applied ``runs`` times (a fresh page each time); the
    median is over every timed rerun. ``tablero bench`` runs it through ``BENCHES``."""
    from components.routes import data as funnel_data
    from data_access.core.scope import Viewer
    from data_access.core.timing import SqlTimer
    from data_access.routes.funnels import cohort_quarters

    if runs > 1:
        results = [bench_cohort_changes(url, username, changes, view, timeout) for _ in range(runs)]
        times = [t for r in results for t in r["_times"]]
        sql_times = [q for r in results for q in r["_sql"]]
        out = dict(results[-1])
        out["routes: cohort change median (s)"] = statistics.median(times)
        out["routes: cohort change SQL median (s)"] = statistics.median(sql_times)
        out["routes: cohort change max (s)"] = max(times)
        out["routes: timed reruns"] = len(times)
        cpu = [c for r in results for c in r["_cpu"]]
        out["routes: cohort change app-process CPU median (s)"] = statistics.median(cpu)
        return {k: v for k, v in out.items() if not k.startswith("_")}
    at = logged_in_app(url, username, timeout)
    cold_caches()
    at.switch_page("pages/routes.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"la página de rutas falló: {exception_text(at)}")
    if view != "funnel":
        at.radio(key="rt_view").set_value(view).run()
    quarters = cohort_quarters(Viewer("bench", Role.ADMIN), url=url)
    with SqlTimer(url) as sql:
        per_change = [_timed_change(at, sql, quarters, change, clear=funnel_data.clear_cohort_reads)
                      for _, change in changes]
    times = [s for s, _, _, _ in per_change]
    sql_times = [q for _, q, _, _ in per_change]
    cpu = [c for _, _, c, _ in per_change]  # this process's CPU (app + SQLite in-process; not a PostgreSQL server)
    return {
        "routes: first load (s)": first,
        "routes: cohort change median (s)": statistics.median(times) if times else None,
        "routes: cohort change SQL median (s)": statistics.median(sql_times) if sql_times else None,
        "routes: cohort change max (s)": max(times) if times else None,
        "routes: changes (s, SQL s)": [(label, round(s, 3), round(q, 3), "ERROR" if err else "ok")
                                       for (label, _), (s, q, _, err) in zip(changes, per_change)],
        "routes: cohort change app-process CPU median (s)": statistics.median(cpu) if cpu else None,
        "_times": times,
        "_sql": sql_times,
        "_cpu": cpu,
    }


def _timed_change(at, sql, quarters: list, change: dict, clear) -> tuple[float, float, float, bool]:
    """Apply one cohort change and time the rerun: (seconds, SQL seconds, CPU seconds, failed).
    ``clear`` forgets the cohort results first, so that the rerun is a cache miss."""
    def wanted(value):
        if value == "first":
            return [quarters[0]] if quarters else []
        if value == "second":
            return [quarters[min(1, len(quarters) - 1)]] if quarters else []
        return value

    def widget(suffix: str):
        kind = "multiselect" if suffix in MULTI else "selectbox"
        el = next((w for w in at.get(kind) if w.key == f"ca_{suffix}"), None)
        if el is None:
            raise RuntimeError(f"filtro de cohorte «ca_{suffix}» no encontrado en la página de rutas")
        return el

    for suffix, value in change.items():
        widget(suffix).set_value(wanted(value))
    clear()
    sql.reset()
    c0 = time.process_time()
    t0 = time.perf_counter()
    at.run()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    ok = not at.exception and all(widget(k).value == wanted(v) for k, v in change.items())
    return seconds, sql.seconds, cpu, not ok


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}


def bench_routes_cohort_changes(url: str, runs: int = 1, browser: bool = False) -> dict:
    """Routes page, national analyst (analista), cohort changes (server side: ``browser`` unused)."""
    return _public(bench_cohort_changes(url, "analista", runs=max(1, min(int(runs), 3))))


def bench_routes_cohort_changes_comite(url: str, runs: int = 1, browser: bool = False) -> dict:
    """Routes page, comité regional (comite, oficina Caribe), cohort changes (server side)."""
    return _public(bench_cohort_changes(url, "comite", runs=max(1, min(int(runs), 3))))


BENCHES = [bench_routes_cohort_changes, bench_routes_cohort_changes_comite]
