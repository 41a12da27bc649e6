"""The first visit after a write (a ``tablero bench`` area, with ``--browser``).

In the real app server, a write moves the data versions and the server recomputes the reads
people made recently in the background (``components.core.warm``). This bench signs in as a
national account, opens the overview and the ANS page (the heaviest), then writes (bumps the
participants' and ANS data versions, as an edit does) and clocks the next visit of each page
in Chromium: right after the write, and once the server's log says the recomputation ended.
"""

from __future__ import annotations

import os

import click

PAGES = ("overview", "sla")
USER = "directivo"  # not a role: the demo account
WAIT_S = 900
SEED_ENV = "TABLERO_BENCH_SEED"  # the demo seed of the bench's store (set by ``tablero bench``)


def _write(url: str) -> None:
    """A write as an edit makes it: the participants' and ANS data versions move."""
    from data_access.core import versions
    from data_access.core.db import session_scope

    with session_scope(url, write=True) as s:
        versions.bump(s, "participants", "sla")


def _warmed(app, count: int) -> float | None:
    """Wait (reading the server's log) for its ``count``-th recomputation line; its seconds."""
    from components.core.warm import WARMED_RE

    found = app.wait_for_line(WARMED_RE, count, WAIT_S)
    return float(found[1]) if found else None


def _clock_pages(page, specs) -> dict[str, float]:
    from cli.bench.pages import PageTiming, _visit

    out = {}
    for spec in specs:
        row = PageTiming(page=spec.name, role="", username=USER)
        _visit(page, row, "browser_s", spec)
        out[spec.name] = row.browser_s
    return out


def bench_after_write(url: str, runs: int = 1, browser: bool = False) -> dict | None:
    """Seconds: each page's visit before the write (first visit), right after it, and once the
    server recomputed; the recomputation's own seconds (the server's log)."""
    if not browser:
        return {"omitido": "solo con --browser (la recomputación corre en el servidor de la app)"}
    from cli.bench import browser as h
    from components.core.navigation import PAGES as NAV
    from data_access.core.auth import authenticate
    from data_access.demo.accounts import demo_passwords

    password = demo_passwords(int(os.environ.get(SEED_ENV, "7")))[USER]
    if authenticate(USER, password, url) is None:
        return {"omitido": f"la cuenta de demostración {USER} no está (o no con la semilla de {SEED_ENV})"}
    specs = [p for p in NAV if p.name in PAGES]
    out: dict = {}
    with h.running_app(url) as app, h.chromium() as chromium, h.watched_page(chromium) as w:
        h.login(w.page, app.base_url, USER, password, timeout=600_000)
        out["primera visita s"] = _clock_pages(w.page, specs)
        _write(url)
        out["inmediatamente después de una escritura s"] = _clock_pages(w.page, specs)
        out["recomputación 1 (servidor) s"] = _warmed(app, 1)
        _write(url)
        out["recomputación 2 (servidor) s"] = _warmed(app, 2)
        out["después de la recomputación s"] = _clock_pages(w.page, specs)
    click.echo(f"  … después de una escritura: {out}")
    return out


BENCHES = [bench_after_write]
