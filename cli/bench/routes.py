"""Timing of the routes page when a cohort filter changes (for ``tablero bench``).

:func:`bench_cohort_changes` opens the real app under ``AppTest`` as a demo account, goes
to ``pages/routes.py`` and, for each change in ``changes``, sets the cohort widgets and
times the rerun (server time: the whole script run, shell included). Cohort results are
forgotten before each timed rerun, so every change is a cache miss — as for a person who
picks a cohort nobody looked at since the last data change; the cached option lists and
the shell's reads behave as in production. No assertions: it returns figures.
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Sequence
from pathlib import Path

APP = str(Path(__file__).resolve().parents[2] / "app.py")

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
    median is over every timed rerun. Discovered by ``tablero bench`` through the
    ``bench_routes_*`` wrappers below (national analyst and comité regional)."""
    import streamlit as st
    from sqlalchemy import event
    from streamlit.testing.v1 import AppTest

    from components.routes import data as funnel_data
    from data_access.core.db import get_engine

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
    os.environ["DATABASE_URL"] = url
    engine = get_engine(url)
    sql = {"s": 0.0, "t0": []}

    def before(*_a):
        sql["t0"].append(time.perf_counter())

    def after(*_a):
        if sql["t0"]:
            sql["s"] += time.perf_counter() - sql["t0"].pop()

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.user = {"is_logged_in": True, "email": f"{username}@demo.tablero.gov.co", "name": username}
    at.run()
    at.switch_page("pages/routes.py")
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"la página de rutas falló: {str(at.exception[0].value).splitlines()[0][:160]}")
    if view != "funnel":
        at.radio(key="rt_view").set_value(view).run()
    from data_access.core.scope import Viewer
    from data_access.routes.funnels import cohort_quarters

    quarters = cohort_quarters(Viewer("bench", "admin"), url=url)
    per_change = []
    cpu: list[float] = []  # this process's CPU (app + SQLite in-process; not a PostgreSQL server)
    for label, change in changes:
        for suffix, value in change.items():
            if value == "first":
                value = [quarters[0]] if quarters else []
            elif value == "second":
                value = [quarters[min(1, len(quarters) - 1)]] if quarters else []
            widget = at.get("multiselect") if suffix in ("quarters", "mech", "eth") else at.get("selectbox")
            el = next((w for w in widget if w.key == f"ca_{suffix}"), None)
            if el is None:
                raise RuntimeError(f"filtro de cohorte «ca_{suffix}» no encontrado en la página de rutas")
            el.set_value(value)
        funnel_data.clear_cohort_reads()
        sql["s"] = 0.0
        c0 = time.process_time()
        t0 = time.perf_counter()
        at.run()
        cpu.append(time.process_time() - c0)
        ok = not at.exception and all(
            (at.multiselect(key=f"ca_{k}").value if k in ("quarters", "mech", "eth") else at.selectbox(key=f"ca_{k}").value)
            == (([quarters[0]] if v == "first" else [quarters[min(1, len(quarters) - 1)]]) if v in ("first", "second")
                else v)
            for k, v in change.items()
        )
        per_change.append((label, time.perf_counter() - t0, sql["s"], not ok))
    event.remove(engine, "before_cursor_execute", before)
    event.remove(engine, "after_cursor_execute", after)
    times = [s for _, s, _, _ in per_change]
    sql_times = [q for _, _, q, _ in per_change]
    return {
        "routes: first load (s)": first,
        "routes: cohort change median (s)": statistics.median(times) if times else None,
        "routes: cohort change SQL median (s)": statistics.median(sql_times) if sql_times else None,
        "routes: cohort change max (s)": max(times) if times else None,
        "routes: changes (s, SQL s)": [(label, round(s, 3), round(q, 3), "ERROR" if err else "ok")
                                       for label, s, q, err in per_change],
        "routes: cohort change app-process CPU median (s)": statistics.median(cpu) if cpu else None,
        "_times": times,
        "_sql": sql_times,
        "_cpu": cpu,
    }


def _public(result: dict) -> dict:
    return {k: v for k, v in result.items() if not k.startswith("_")}


def bench_routes_cohort_changes(url: str, runs: int = 1) -> dict:
    """``tablero bench``: routes page, national analyst (analista), cohort changes."""
    return _public(bench_cohort_changes(url, "analista", runs=max(1, min(int(runs), 3))))


def bench_routes_cohort_changes_comite(url: str, runs: int = 1) -> dict:
    """``tablero bench``: routes page, comité regional (comite, oficina Caribe), cohort changes."""
    return _public(bench_cohort_changes(url, "comite", runs=max(1, min(int(runs), 3))))
