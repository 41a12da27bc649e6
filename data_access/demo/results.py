"""Demo results framework: plausible targets (metas) for 2025–2026.

Targets are set from the seeded programme itself, so the scorecard shows every status: for each
stock indicator, the previous year's end value plus the year's growth (as seeded, to the demo's
reference date, projected to the year's end) times a factor drawn per territory and indicator
from the seed (0,9–1,4: some territories reach their target, some lag); the rates get the
programme goals (alliance 80 %, ANS 90 %). National, every office and the three departments with
most municipalities. Same store and seed → same targets. Written after the bulk load
(``data_access.demo.seed``), through the store like a PMO import.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import delete, func, select

from data_access.core.db import get_engine, session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Municipality, RegionalOffice, Target
from data_access.core.scope import Viewer
from data_access.demo.parameters import REFERENCE_DATE
from data_access.results import indicators
from rules import access
from rules.alliance.indicator import GOAL_PERCENT
from rules.results import catalog

YEARS = (2025, 2026)
RATE_GOALS = {"alianzas_18m": float(GOAL_PERCENT), "ans_cumplimiento": 90.0}
NATIONAL = Viewer(username="sistema:demo", role=access.CONSOLE_ROLE, scope_label="Nacional")


def _territories(url: str | None) -> list[tuple[str, str, GlobalFilters]]:
    base = GlobalFilters(cutoff=REFERENCE_DATE)
    out = [("nacional", "", base)]
    with get_engine(url).connect() as conn:
        for oid, code in conn.execute(select(RegionalOffice.id, RegionalOffice.code).order_by(RegionalOffice.code)):
            out.append(("oficina_regional", code, base.with_(regional_office_id=oid)))
        deps = conn.execute(select(Municipality.department_code).group_by(Municipality.department_code)
                            .order_by(func.count().desc(), Municipality.department_code).limit(3)).scalars().all()
    out += [("departamento", d, base.with_(department_code=d)) for d in deps]
    return out


def target_rows(url: str | None, seed: int) -> list[dict]:
    """The demo targets (model dicts), deterministic for a store and ``seed``."""
    rng = np.random.default_rng([seed, 17])
    rows = []
    for level, code, filters in _territories(url):
        ends = {y: min(dt.date(y, 12, 31), REFERENCE_DATE) for y in (YEARS[0] - 1, *YEARS)}
        at = {y: indicators.values(NATIONAL, filters.with_(cutoff=d), url) for y, d in ends.items()}
        for year in YEARS:
            end, start, now = ends[year], at[year - 1], at[year]
            span = ((end - dt.date(year, 1, 1)).days + 1) / 365
            for ind in catalog.CATALOG:
                factor = float(rng.uniform(0.9, 1.4))
                if not ind.stock:
                    value = RATE_GOALS.get(ind.code)
                    if value is None:
                        continue
                else:
                    base, cur = start[ind.code].value or 0.0, now[ind.code].value or 0.0
                    growth = max(cur - base, 0.0) / max(span, 0.25)
                    value = round(base + growth * factor)
                    if value <= 0:
                        continue
                rows.append({"indicator": ind.code, "year": year, "quarter": 0, "level": level,
                             "territory_code": code, "value": float(value)})
    return rows


def add_targets(url: str | None, seed: int) -> int:
    """Replace the stored targets with the demo's; returns how many."""
    rows = target_rows(url, seed)
    with session_scope(url, write=True) as s:
        s.execute(delete(Target))
        s.add_all(Target(**r) for r in rows)
    return len(rows)
