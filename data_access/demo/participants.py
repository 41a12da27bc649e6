"""Participants of the demo programme: organisations of rural producers (OPR), households,
and the households that work under an OPR.

Why apart from the routes: who the participants are (where, which chain, which entry
mechanism and date) is drawn once; the routes then decide how far each one gets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import NULL_INT, Frame, choice_cdf, day_number, nits, take, weighted
from data_access.demo.parameters import (
    CHAIN_REGION,
    CONVOCATORIAS,
    DEFAULT_ETHNICITY,
    DEPARTMENT_ETHNICITY,
    ETHNICITY_CODES,
    FIRST_QUARTER,
    LAST_QUARTER,
    OFFICE_ETHNICITY,
    PROGRAMME_START,
    QUARTER_WEIGHTS,
    TODAY,
)
from data_access.demo.vocabulary import FEMALE_NAMES, MALE_NAMES, SURNAMES
from rules.core.calendar import quarter_bounds, quarter_end, quarters_between
from rules.routes import model as R

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


def oprs(g: Generator) -> None:
    """Organisations of rural producers: municipality, value chain by regional suitability, maturity."""
    rng, ref = g.rng(2), g.ref
    n = g.scale.opr
    muni = sample_munis(g, rng, n, in_prio=0.9)
    # Value chain by regional suitability.
    w = np.array(
        [[CHAIN_REGION.get(ch, {}).get(oc, 1.0) for ch in ref.chain_names] for oc in ref.office_codes]
    )
    chain = choice_cdf(rng, (w / w.sum(1, keepdims=True))[ref.muni_office[muni]])
    members = np.clip(np.rint(rng.lognormal(np.log(45), 0.7, n)), 10, 300).astype(np.int64)
    maturity = rng.random(n)  # higher = more mature association
    formalised = maturity > 0.3
    form_kind = np.where(
        ~formalised,
        "colectivo",
        take(("asociacion", "cooperativa", "corporacion"), weighted(rng, [7, 2, 1], n)),
    ).astype(object)
    created = np.where(
        formalised,
        day_number("1995-01-01") + rng.integers(0, day_number("2026-01-01") - day_number("1995-01-01"), n),
        day_number("2019-01-01") + rng.integers(0, day_number("2026-06-01") - day_number("2019-01-01"), n),
    )
    prefix = {
        "colectivo": "Colectivo de productores de",
        "asociacion": "Asociación de productores de",
        "cooperativa": "Cooperativa agropecuaria de",
        "corporacion": "Corporación de productores de",
    }
    chain_name = take(ref.chain_names, chain)
    mname = ref.muni_names[muni]
    names = np.array(
        [f"{prefix[k]} {c.lower()} de {m}" for k, c, m in zip(form_kind, chain_name, mname)], dtype=object
    )
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):
        seen[nm] = seen.get(nm, 0) + 1
        if seen[nm] > 1:
            names[i] = f"{nm} {seen[nm]}"
    g.tables["opr"] = Frame(
        id=np.arange(1, n + 1),
        nit=nits(rng, n, 900_000_000, 902_000_000),
        name=names,
        municipality_code=ref.muni_codes[muni],
        value_chain_id=ref.chain_ids[chain],
        members=members,
        formalised=formalised,
        formalisation=form_kind,
        created_on=created,
        version=np.ones(n, np.int64),
    )
    g.opr_muni = muni
    g.opr_chain = chain
    # Route of entry: mature formalised OPR → competitividad; incipient → intermedia.
    g.opr_route = np.where(formalised & (maturity > 0.78), 2, np.where(maturity > 0.22, 1, 0))


def sample_munis(g: Generator, rng: np.random.Generator, n: int, in_prio: float) -> np.ndarray:
    """Municipality indices: mostly prioritised ones (weighted by target population)."""
    prio = np.flatnonzero(g.prioritised)
    other = np.flatnonzero(~g.prioritised)
    from_prio = rng.random(n) < in_prio
    out = np.empty(n, np.int64)
    k = int(from_prio.sum())
    out[from_prio] = prio[weighted(rng, g.target_2024[prio], k)]
    out[~from_prio] = other[weighted(rng, g.muni_size[other], n - k)]
    return out


def entry_dates(rng: np.random.Generator, mechanism: np.ndarray) -> np.ndarray:
    """Barrido: continuous, quarter-weighted; convocatoria: after the call windows."""
    n = len(mechanism)
    quarters = quarters_between(FIRST_QUARTER, LAST_QUARTER)
    q_start = np.array(
        [day_number(quarter_bounds(q)[0]) for q in quarters] + [day_number(quarter_end(LAST_QUARTER)) + 1]
    )
    q_len = np.minimum(q_start[1:], TODAY + 1) - q_start[:-1]
    w = np.array(QUARTER_WEIGHTS) * q_len / 91.0
    qi = weighted(rng, w, n)
    barrido = q_start[qi] + np.floor(rng.random(n) * q_len[qi]).astype(np.int64)
    opens = np.array([day_number(c) for c in CONVOCATORIAS])
    ci = rng.integers(0, len(opens), n)
    conv = np.minimum(opens[ci] + rng.integers(15, 75, n), TODAY)
    return np.where(mechanism == "convocatoria", conv, barrido)


def _unique_documents(doc: np.ndarray) -> np.ndarray:
    """One identity document per head of household: a repeated draw gets the next unused number
    of a series above the drawn range (the random stream, and so every other column, is kept)."""
    _, first = np.unique(doc, return_index=True)
    repeated = np.setdiff1d(np.arange(len(doc)), first)
    taken, candidate = set(doc.tolist()), 1_200_000_000
    for i in repeated.tolist():
        while candidate in taken:
            candidate += 1
        doc[i] = candidate
        taken.add(candidate)
    return doc


def households(g: Generator) -> None:
    """Households: place, sex, age, ethnicity, victim status, entry mechanism and date."""
    rng, ref = g.rng(3), g.ref
    n = g.scale.households
    muni = sample_munis(g, rng, n, in_prio=0.92)
    sex_f = rng.random(n) < 0.52
    age = np.clip(np.rint(rng.normal(43, 14, n)), 18, 75).astype(np.int64)
    eth_p = np.array(
        [
            DEPARTMENT_ETHNICITY.get(d, OFFICE_ETHNICITY.get(ref.office_codes[o], DEFAULT_ETHNICITY))
            for d, o in zip(ref.muni_dept, ref.muni_office)
        ]
    )
    eth = choice_cdf(rng, eth_p[muni])
    victim = rng.random(n) < np.clip(0.08 + 0.42 * g.score_victims[muni] / 100, 0, 0.9)
    first = np.where(sex_f, rng.integers(0, len(FEMALE_NAMES), n), rng.integers(0, len(MALE_NAMES), n))
    s1 = rng.integers(0, len(SURNAMES), n)
    s2 = rng.integers(0, len(SURNAMES), n)
    fem, mal = np.array(FEMALE_NAMES, dtype=object), np.array(MALE_NAMES, dtype=object)
    given = np.where(sex_f, fem[np.minimum(first, len(fem) - 1)], mal[np.minimum(first, len(mal) - 1)])
    sur = np.array(SURNAMES, dtype=object)
    head = given + " " + sur[s1] + " " + sur[s2]
    doc = rng.integers(1_000_000, 1_199_999_999, n)
    doc = _unique_documents(np.where(doc < 1_000_000_000, doc % 99_000_000 + 1_000_000, doc))
    # Route of entry: most households start in básica; some (with a project) in intermedia. Both come
    # by barrido (seed 000 §4.1, §3.2: rules.routes.model.ENTRY_RULES); convocatorias are for OPR.
    direct_int = rng.random(n) < 0.1
    mech = np.full(n, R.BARRIDO, dtype=object)
    entry = entry_dates(rng, mech)
    g.hh = {"muni": muni, "direct_int": direct_int, "mech": mech, "entry": entry}
    g.tables["household"] = Frame(
        id=np.arange(1, n + 1),
        code=np.array([f"HG-{i:07d}" for i in range(1, n + 1)], dtype=object),
        head_name=head,
        document_id=doc.astype(str).astype(object),
        municipality_code=ref.muni_codes[muni],
        sex=np.where(sex_f, "F", "M").astype(object),
        age=age,
        youth=age <= 28,
        ethnicity=take(ETHNICITY_CODES, eth),
        victim=victim,
        opr_id=np.full(n, NULL_INT),  # linked after the routes (household_links)
        registered_on=np.maximum(entry - rng.integers(0, 45, n), PROGRAMME_START + 1),
        version=np.ones(n, np.int64),
    )


def household_links(g: Generator) -> None:
    """Households on intermedia work under an OPR (seed 000 §4.2 g); a few in básica too."""
    rng = g.rng(6)
    e = g.enr
    n_hh = g.scale.households
    hh = g.tables["household"]
    in_int = np.zeros(n_hh + 1, bool)
    mask = (e["route"] == "intermedia") & (e["kind"] == "hogar")
    in_int[e["household"][mask]] = True
    p = np.where(in_int[1:], 0.75, 0.04)
    linked = rng.random(n_hh) < p
    g.hh_opr = _opr_near(g, rng, g.hh["muni"], linked)
    hh["opr_id"] = g.hh_opr


def _opr_near(g: Generator, rng: np.random.Generator, muni: np.ndarray, want: np.ndarray) -> np.ndarray:
    """An OPR of the same municipality, else of the same regional office (NULL_INT if none)."""
    out = np.full(len(muni), NULL_INT)
    om = g.opr_muni
    order = np.argsort(om, kind="stable")
    sorted_m = om[order]
    lo = np.searchsorted(sorted_m, muni, "left")
    hi = np.searchsorted(sorted_m, muni, "right")
    cnt = hi - lo
    u = rng.random(len(muni))
    same = want & (cnt > 0)
    out[same] = order[lo[same] + np.floor(u[same] * cnt[same]).astype(np.int64)] + 1
    # Fallback: same regional office.
    off = g.ref.muni_office
    oo = off[om]
    order_o = np.argsort(oo, kind="stable")
    so = oo[order_o]
    mo = off[muni]
    lo_o = np.searchsorted(so, mo, "left")
    cnt_o = np.searchsorted(so, mo, "right") - lo_o
    rest = want & (cnt == 0) & (cnt_o > 0)
    out[rest] = order_o[lo_o[rest] + np.floor(u[rest] * cnt_o[rest]).astype(np.int64)] + 1
    return out
