"""Territory of the demo programme: yearly targeting of municipalities and territorial alerts.

Why first: which municipalities are prioritised (and how large they are) decides where
households, OPR and alerts are drawn, so every later area reads it from the generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import NULL_DATE, Frame, take, weighted
from data_access.demo.parameters import OFFICE_POVERTY, OFFICE_VICTIMS, PROGRAMME_START, TODAY
from data_access.demo.vocabulary import ALERT_TEXT
from rules.core.catalog import ALERT_CATEGORIES

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


def generate(g: Generator) -> None:
    rng = g.rng(0)
    _targeting(g, rng)
    _alerts(g, rng)


def _targeting(g: Generator, rng: np.random.Generator) -> None:
    """Targeting scores and prioritisation (top 35 % by total score) per municipality, 2023–2026."""
    ref = g.ref
    n = g.n_muni
    codes = ref.muni_codes
    capital = np.array([c.endswith("001") for c in codes])
    office_code = take(ref.office_codes, ref.muni_office)
    size = rng.lognormal(0.0, 0.8, n) * np.where(capital, 3.0, 1.0)
    pov0 = (
        np.array([OFFICE_POVERTY.get(c, 55) for c in office_code]) + rng.normal(0, 12, n) - 15 * capital
    )
    rur0 = 68 + rng.normal(0, 14, n) - 35 * capital
    vic0 = np.array([OFFICE_VICTIMS.get(c, 48) for c in office_code]) + rng.normal(0, 15, n)
    prd0 = 55 + rng.normal(0, 15, n)
    years = np.arange(2023, 2027)
    cols: dict[str, list] = {
        k: []
        for k in (
            "municipality_code",
            "year",
            "prioritised",
            "target_population",
            "score_poverty",
            "score_rurality",
            "score_victims",
            "score_productive",
            "total_score",
        )
    }
    prioritised_by_year = {}
    drift = np.zeros((4, n))
    for i, year in enumerate(years):
        drift = drift + rng.normal(0, 2.0, (4, n)) if i else drift
        pov = np.clip(pov0 + drift[0], 0, 100).round(1)
        rur = np.clip(rur0 + drift[1], 0, 100).round(1)
        vic = np.clip(vic0 + drift[2], 0, 100).round(1)
        prd = np.clip(prd0 + drift[3], 0, 100).round(1)
        total = (0.35 * pov + 0.25 * rur + 0.25 * vic + 0.15 * prd).round(2)
        k = round(0.35 * n)
        prio = np.zeros(n, bool)
        prio[np.argsort(-total, kind="stable")[:k]] = True
        prioritised_by_year[int(year)] = prio
        target = np.where(prio, np.rint(size * 900 * (0.4 + pov / 100) * (0.5 + rur / 100)), 0).astype(
            np.int64
        )
        cols["municipality_code"].append(codes)
        cols["year"].append(np.full(n, year))
        cols["prioritised"].append(prio)
        cols["target_population"].append(target)
        cols["score_poverty"].append(pov)
        cols["score_rurality"].append(rur)
        cols["score_victims"].append(vic)
        cols["score_productive"].append(prd)
        cols["total_score"].append(total)
    f = Frame({k: np.concatenate(v) for k, v in cols.items()})
    f["id"] = np.arange(1, len(f["year"]) + 1)
    f["version"] = np.ones(len(f["id"]), np.int64)
    g.tables["targeting"] = f

    g.muni_size = size
    g.capital = capital
    g.score_victims = np.clip(vic0, 0, 100)
    g.prioritised = prioritised_by_year[2024]
    g.prio_any = np.any(np.stack(list(prioritised_by_year.values())), axis=0)
    g.target_2024 = cols["target_population"][1].astype(float)


def _alerts(g: Generator, rng: np.random.Generator) -> None:
    """Territorial alerts on ~25% of prioritised municipalities, 1–3 each."""
    codes = g.ref.muni_codes
    prio_idx = np.flatnonzero(g.prio_any)
    chosen = prio_idx[rng.random(len(prio_idx)) < 0.25]
    per = rng.choice([1, 2, 3], size=len(chosen), p=[0.5, 0.33, 0.17])
    mi = np.repeat(chosen, per)
    m = len(mi)
    cats = np.array(list(ALERT_CATEGORIES), dtype=object)
    cat = cats[weighted(rng, [3, 2, 1.5, 1.5, 2], m)]
    sev = take(("alta", "media", "baja"), weighted(rng, [3, 4, 3], m))
    opened = PROGRAMME_START + 30 + rng.integers(0, TODAY - PROGRAMME_START - 30, m)
    status_i = weighted(rng, [4, 3, 3], m)
    # Alerts opened recently are rarely already closed.
    status_i = np.where((status_i == 2) & (opened > TODAY - 90), 1, status_i)
    status = take(("abierta", "en_gestion", "cerrada"), status_i)
    closed = np.where(status_i == 2, np.minimum(opened + rng.integers(30, 400, m), TODAY), NULL_DATE)
    g.tables["territorial_alert"] = Frame(
        id=np.arange(1, m + 1),
        municipality_code=codes[mi],
        category=cat,
        severity=sev,
        status=status,
        description=np.array([ALERT_TEXT[c] for c in cat], dtype=object),
        opened_on=opened,
        closed_on=closed,
        version=np.ones(m, np.int64),
    )
