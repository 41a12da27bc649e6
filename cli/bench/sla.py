"""Timing of the ANS page (a ``tablero bench`` area).

:func:`time_sla_page` opens the real app under ``AppTest`` logged in as a demo account, goes
to ``pages/sla.py`` with cold caches, times that first load, then ``runs`` warm reruns
(median), then one rerun after each page-filter change (service type, an earlier quarter of
the cached window). Server time: the whole script run, shell included. No assertions.
"""

from __future__ import annotations

import statistics
import time

from cli.bench import cold_caches
from cli.bench.pages import logged_in_app

PAGE = "pages/sla.py"


def time_sla_page(url: str, username: str = "directivo", runs: int = 7, timeout: float = 900,  # not a role: demo user
                  query: dict | None = None) -> dict:
    """Seconds: ``first_s`` (cold caches), ``warm_median_s`` and ``warm_runs_s``, and
    ``after_service_change_s`` / ``after_quarter_change_s``; ``errors`` lists exceptions."""
    at = logged_in_app(url, username, timeout, query)
    cold_caches()
    at.switch_page(PAGE)
    t0 = time.perf_counter()
    at.run()
    out: dict = {"first_s": time.perf_counter() - t0}
    warm = []
    for _ in range(runs):
        t0 = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - t0)
    out["warm_median_s"] = statistics.median(warm) if warm else None
    out["warm_runs_s"] = warm
    try:
        at.selectbox(key="sla_service").select("monitoreo")
        t0 = time.perf_counter()
        at.run()
        out["after_service_change_s"] = time.perf_counter() - t0
        quarter = at.selectbox(key="sla_quarter")
        if len(quarter.options) > 1:
            from rules.core.calendar import shift_quarter

            quarter.select(shift_quarter(quarter.value, -1))  # raw value (options are formatted labels)
            t0 = time.perf_counter()
            at.run()
            out["after_quarter_change_s"] = time.perf_counter() - t0
    except (KeyError, ValueError):  # the page showed no filters (e.g. an error message)
        pass
    out["errors"] = [str(e.value) for e in at.exception]
    return out


def bench_sla_page(url: str, runs: int = 7, browser: bool = False) -> dict:
    """The ANS page as a national role, the comité regional and an operador (server side:
    ``browser`` unused)."""
    out = {}
    for username in ("directivo", "comite", "operador"):  # not a role: demo usernames
        r = time_sla_page(url, username, runs)
        out[f"ans {username}: 1ª carga s"] = r["first_s"]
        out[f"ans {username}: mediana {runs} s"] = r["warm_median_s"]
        for key in ("after_service_change_s", "after_quarter_change_s"):
            if key in r:
                out[f"ans {username}: {key[:-2]} s"] = r[key]
        if r["errors"]:
            out[f"ans {username}: errores"] = "; ".join(r["errors"])[:200]
    return out


BENCHES = [bench_sla_page]
