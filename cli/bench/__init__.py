"""``tablero bench``: every benchmark of the product, run on a freshly seeded temporary store.

* ``store`` — the temporary store, the demo seed and the DANE boundaries the run measures;
* ``pages`` — every page of the navigation under AppTest (cold first load, warm reruns, SQL
  time) and, with ``--browser``, in Chromium; the AppTest helpers the area benches share;
* the area benches, one module each, listed in ``AREAS`` (``warm``: the first visit after a
  write); each module's ``BENCHES`` lists
  functions called as ``fn(url, runs=..., browser=...)`` that return a dict of figures;
* ``browser`` — the Playwright helper (real app server, offline Chromium), shared with the
  browser tests.

The areas are listed, not found by scanning names, so that adding one is one line here,
helpers never run as benches, and the output keeps a fixed order.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass

AREAS = ("map", "routes", "sla", "pack", "intake", "warm")


def cold_caches() -> None:
    """Forget every in-process cached read: a first load then pays what it pays after a data change."""
    import streamlit as st

    from exports import pack

    st.cache_data.clear()
    pack.forget()  # the committee views the overview, presentation and pack share


def area_benches(areas: tuple[str, ...] = AREAS) -> list[tuple[str, Callable[..., dict | None]]]:
    """(``area.function``, function) of the ``BENCHES`` of ``areas`` (default every area), in ``AREAS`` order."""
    found = []
    for area in (a for a in AREAS if a in areas):
        module = importlib.import_module(f"{__name__}.{area}")
        found.extend((f"{area}.{fn.__name__}", fn) for fn in module.BENCHES)
    return found


@dataclass
class AreaResult:
    """One area bench's run: its seconds and returned figures, or its error."""

    name: str
    seconds: float
    figures: dict | str | None = None
    error: str = ""


def run_area_benches(url: str, runs: int, browser: bool, echo: Callable[[str], None],
                     areas: tuple[str, ...] = AREAS) -> list[AreaResult]:
    """The benches of ``areas``, in order; a failing bench is reported, not fatal."""
    out = []
    for name, fn in area_benches(areas):
        echo(f"  … {name}")
        t0 = time.perf_counter()
        try:
            result = fn(url, runs=runs, browser=browser)
        except Exception as exc:  # noqa: BLE001 - reported in the output
            out.append(AreaResult(name, time.perf_counter() - t0, error=f"{type(exc).__name__}: {exc}"[:300]))
            continue
        figures = result if isinstance(result, dict) or result is None else str(result)[:300]
        out.append(AreaResult(name, time.perf_counter() - t0, figures))
    return out


def area_lines(results: list[AreaResult]) -> list[tuple[str, str]]:
    """(label, value) lines of the area benches for the table output."""
    out = []
    for r in results:
        if r.error:
            out.append((r.name, f"ERROR: {r.error}"))
            continue
        out.append((r.name, f"({r.seconds:.1f} s)"))
        if isinstance(r.figures, dict):
            out.extend((f"  {k}", _fmt_value(v)) for k, v in r.figures.items())
        elif r.figures is not None:
            out.append(("  resultado", r.figures))
    return out


def _fmt_value(v) -> str:
    if isinstance(v, list) and len(v) > 12:
        return f"[{', '.join(_fmt_value(x) for x in v[:12])}, … ({len(v)})]"
    if isinstance(v, dict):
        return "; ".join(f"{k}: {_fmt_value(x)}" for k, x in v.items())[:300]
    if isinstance(v, float):
        return f"{v:.3f}"
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}".replace(",", ".")
    return str(v)
