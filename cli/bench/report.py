"""``tablero bench --format json``: every figure of a run as one JSON document.

Besides the pages and the area benches, the document carries what a figure needs to be read
on a shared machine: the load average at the start and the end, and (with ``--browser``) the
empty-page floor measured in the same run, with each page's ratio to it. ``goals`` states
each goal of the product's performance issue against the figure that decides it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

from cli.bench import AreaResult
from cli.bench.pages import BrowserFigures, PageTiming

GOAL_PAGE_COLD_S = 1.5  # visible in Chromium, national scale (≤ 3 s at x10 on PostgreSQL)
GOAL_PAGE_COLD_X10_S = 3.0
GOAL_FLOOR_RATIO = 1.5
GOAL_LOGIN_S = 2.0
GOAL_WARM_SWITCH_S = 0.5
GOAL_WARM_RERUN_S = 0.1
GOAL_MEMORY_MB = 1024.0  # the app process at x10


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@dataclass
class Run:
    """The facts of one ``tablero bench`` run, filled as it goes."""

    scale: str
    store: str
    seed: int
    runs: int
    browser: bool
    existing_store: bool = False  # --existing: a store seeded before the run (seed_seconds is then 0)
    started_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    load_average_start: list[float] = field(default_factory=load_average)
    load_average_end: list[float] = field(default_factory=list)
    seed_seconds: float | None = None
    seed_counts: dict = field(default_factory=dict)
    boundaries: str | None = None
    boundaries_seconds: float | None = None


def _num(x):
    """JSON has no NaN: an unmeasured figure is null."""
    if isinstance(x, float):
        return None if math.isnan(x) else round(x, 4)
    if isinstance(x, dict):
        return {str(k): _num(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_num(v) for v in x]
    return x


def _ratio(value: float | None, floor: float | None) -> float | None:
    if value is None or not floor or value != value:
        return None
    return round(value / floor, 3)


def page_rows(timings: list[PageTiming], figures: BrowserFigures | None) -> list[dict]:
    floor_load = figures.floor_load if figures else None
    floor_switch = figures.floor_switch if figures else None
    rows = []
    for t in timings:
        row = asdict(t)
        row["warm_runs_s"] = row.pop("runs")
        row["browser_ratio_to_floor"] = _ratio(t.browser_s, floor_load)
        row["browser_warm_ratio_to_floor"] = _ratio(t.browser_warm_s, floor_switch)
        rows.append(_num(row))
    return rows


def goals(run: Run, timings: list[PageTiming], figures: BrowserFigures | None) -> list[dict]:
    """Each goal with the worst figure that decides it (``met`` is null when not measured)."""
    cold_limit = GOAL_PAGE_COLD_X10_S if run.scale == "x10" else GOAL_PAGE_COLD_S
    ok = [t for t in timings if not t.error]

    def worst(values, limit, name, what):
        vals = [v for v in values if v is not None and v == v]
        value = max(vals) if vals else None
        return {"goal": name, "figure": what, "limit": limit, "value": _num(value),
                "met": None if value is None else value <= limit}

    out = [worst([t.warm_s for t in ok], GOAL_WARM_RERUN_S, "warm rerun", "max warm_s (server)")]
    if figures is not None:
        out += [
            worst([t.browser_s for t in ok], cold_limit, "page visible, first visit", "max browser_s"),
            worst([_ratio(t.browser_s, figures.floor_load) for t in ok], GOAL_FLOOR_RATIO,
                  "page within 1.5× the empty-page floor", "max browser_s / floor.load_s"),
            worst([t.browser_warm_s for t in ok], GOAL_WARM_SWITCH_S, "warm page switch", "max browser_warm_s"),
            worst(list(figures.login_s.values()), GOAL_LOGIN_S, "login to first page", "max login_s"),
            worst([figures.server_peak_rss_mb], GOAL_MEMORY_MB, "app process memory", "server_peak_rss_mb"),
        ]
    return out


def document(run: Run, timings: list[PageTiming], figures: BrowserFigures | None,
             areas: list[AreaResult]) -> dict:
    """The whole run as plain JSON values."""
    doc = {
        "run": {**asdict(run), "python": platform.python_version(), "cpus": os.cpu_count()},
        "floor": None,
        "logins": None,
        "pages": page_rows(timings, figures),
        "areas": [_num(asdict(a)) for a in areas],
        "goals": goals(run, timings, figures),
    }
    if figures is not None:
        doc["floor"] = _num({"load_s": figures.floor_load, "switch_s": figures.floor_switch,
                             "load_runs_s": figures.floor_load_s, "switch_runs_s": figures.floor_switch_s})
        doc["logins"] = [_num({"username": u, "login_s": s, "login_total_s": figures.login_total_s.get(u)})
                         for u, s in figures.login_s.items()]
        doc["ahead"] = _num({"views": figures.ahead_views, "seconds": figures.ahead_s})
        doc["server_peak_rss_mb"] = _num(figures.server_peak_rss_mb)
    return doc


def write(doc: dict, out: str | os.PathLike | None) -> str:
    """The document as JSON text, also written to ``out`` when given."""
    text = json.dumps(doc, ensure_ascii=False, indent=2, default=str)
    if out:
        Path(out).write_text(text + "\n", encoding="utf-8")
    return text
