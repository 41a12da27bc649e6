"""Business plans (PN) of the demo programme, their alliance evidence and their sales.

Why: the 18-month alliance indicator (``rules.alliance.indicator``) must land near its
goal and differ by region, and the evidence must fail in the ways the rule has to catch
(expired or voided contracts, a contrato with a financial ally, ventana 2 without credit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import NULL_DATE, NULL_INT, Frame, day_number, expit, logit, year_of
from data_access.demo.parameters import CHAIN_GROWTH, I_REQ, O_CUMPLE, REFERENCE_DATE, TODAY
from data_access.demo.vocabulary import COMMERCIAL_ALLIES, FINANCIAL_ALLIES

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


def generate(g: Generator) -> None:
    """Business plans (PN) of OPR whose resources were granted, plus plans of earlier calls."""
    rng, ref = g.rng(7), g.ref
    e = g.enr
    enr_ids = g.tables["enrolment"]["id"]
    target = g.scale.business_plans
    eligible = (
        np.isin(e["route"], ("intermedia", "competitividad"))
        & e["exists"][:, I_REQ]
        & (e["outcome"][:, I_REQ] == O_CUMPLE)
    )
    opr_rows = np.flatnonzero(eligible & (e["kind"] == "opr"))
    hh_opr = np.where(e["household"] > 0, g.hh_opr[np.maximum(e["household"], 1) - 1], NULL_INT)
    hh_rows = np.flatnonzero(eligible & (e["kind"] == "hogar") & (hh_opr > 0))
    n_extra_min = round(0.08 * target)
    k_hh = int(np.clip(target - n_extra_min - len(opr_rows), 0, len(hh_rows)))
    hh_rows = np.sort(rng.choice(hh_rows, size=k_hh, replace=False)) if k_hh else hh_rows[:0]
    n_extra = max(n_extra_min, target - len(opr_rows) - k_hh)
    rows = np.concatenate([opr_rows, hh_rows])
    n_enr = len(rows)
    n = n_enr + n_extra
    opr_id = np.concatenate(
        [
            np.where(e["kind"][rows] == "opr", e["opr"][rows], hh_opr[rows]),
            rng.integers(1, g.scale.opr + 1, n_extra),
        ]
    )
    muni = np.concatenate([e["muni"][rows], g.opr_muni[opr_id[n_enr:] - 1]])
    office = ref.muni_office[muni]
    chain = g.opr_chain[opr_id - 1]
    route_comp = np.concatenate([e["route"][rows] == "competitividad", rng.random(n_extra) < 0.3])
    # Disbursement after resources are granted; extras (no enrolment: earlier calls) spread 2023–2026.
    granted = e["date"][rows, I_REQ]
    d_enr = granted + np.rint(rng.lognormal(np.log(40), 0.4, n_enr)).astype(np.int64)
    d_extra = day_number("2023-02-01") + np.floor(
        rng.beta(1.2, 1.8, n_extra) * (TODAY - 20 - day_number("2023-02-01"))
    ).astype(np.int64)
    disb = np.concatenate([d_enr, d_extra])
    disbursed = disb <= TODAY
    disb = np.where(disbursed, disb, NULL_DATE)
    close = disb + rng.integers(183, 457, n)
    closed = disbursed & (close <= TODAY)
    ventana = rng.choice([1, 2, 3], size=n, p=[0.5, 0.3, 0.2])
    base_cop = np.where(route_comp, 210e6, 120e6) * np.where(ventana == 2, 1.15, 1.0)
    committed = np.clip(rng.lognormal(np.log(base_cop), 0.35), 50e6, 400e6)
    committed = (np.rint(committed / 1e5) * 1e5).astype(np.int64)
    elapsed = np.where(disbursed, (TODAY - disb) / 365.0, 0.0)
    frac = np.where(
        closed, rng.uniform(0.92, 1.0, n), np.where(disbursed, np.clip(0.4 + 0.6 * elapsed, 0, 0.95), 0.0)
    )
    disbursed_cop = (np.rint(committed * frac / 1e5) * 1e5).astype(np.int64)
    # PSDE operator of the office: deterministic per municipality (territories again).
    psde_ops = {o: np.flatnonzero(g.op_psde & (g.op_home == o)) for o in range(g.n_off)}
    all_psde = np.flatnonzero(g.op_psde)
    slot = rng.integers(0, 1_000_000, g.n_muni)[muni]
    psde = np.array(
        [
            (psde_ops[o] if len(psde_ops[o]) else all_psde)[s % max(1, len(psde_ops[o]) or len(all_psde))]
            for o, s in zip(office.tolist(), slot.tolist())
        ],
        dtype=np.int64,
    )
    year = np.where(
        disbursed, year_of(np.where(disbursed, disb, 0)), year_of(np.concatenate([granted, d_extra]))
    )
    ids = np.arange(1, n + 1)
    codes = np.array(
        [
            f"PN-{y}-{ref.office_codes[o]}-{i:06d}"
            for y, o, i in zip(year.tolist(), office.tolist(), ids.tolist())
        ],
        dtype=object,
    )
    g.tables["business_plan"] = Frame(
        id=ids,
        code=codes,
        opr_id=opr_id,
        enrolment_id=np.concatenate([enr_ids[rows], np.full(n_extra, NULL_INT)]),
        ventana=ventana,
        municipality_code=ref.muni_codes[muni],
        value_chain_id=ref.chain_ids[chain],
        psde_operator_id=psde,
        first_disbursement_date=disb,
        closure_date=np.where(closed, close, NULL_DATE),
        cofinancing_committed_cop=committed,
        cofinancing_disbursed_cop=disbursed_cop,
        version=np.ones(n, np.int64),
    )
    _alliances(g, rng, ids, disb, disbursed, ventana, office, chain, psde)
    _sales(g, rng, ids, disb, disbursed, year, committed, office, chain)


def _alliances(g: Generator, rng, ids, disb, disbursed, ventana, office, chain, psde) -> None:
    """Evidence such that the 18-month alliance indicator lands near 70–85%, by region.

    Keepers hold a commercial contract in force at D+18 months and/or recent invoices
    (and, on ventana 2, a credit in force); the others fail in the ways the rule must
    catch: expired or voided contracts, a contrato with a financial ally, no credit.
    """
    chain_eff = np.array([0.25 if CHAIN_GROWTH.get(c, 0) > 0.1 else 0.0 for c in g.ref.chain_names])
    p_keep = expit(
        logit(0.80) + 1.3 * g.office_quality[office] + 0.5 * g.op_quality[psde] + chain_eff[chain]
    )
    keep = rng.random(len(ids)) < p_keep
    u = rng.random((len(ids), 12))
    ri = rng.integers(0, 10_000, (len(ids), 6))
    cols: dict[str, list] = {
        k: []
        for k in (
            "business_plan_id",
            "kind",
            "ally_type",
            "ally_name",
            "start_date",
            "end_date",
            "document_ref",
            "voided",
        )
    }
    m18 = 548
    seen: set[tuple] = set()

    def add(bp, kind, ally_type, name, start, end=None, voided=False):
        """One document; the same document twice (the matrix's natural key) is registered once."""
        key = (bp, kind, ally_type, name, start)
        if start > TODAY or key in seen:
            return
        seen.add(key)
        cols["business_plan_id"].append(bp)
        cols["kind"].append(kind)
        cols["ally_type"].append(ally_type)
        cols["ally_name"].append(name)
        cols["start_date"].append(start)
        cols["end_date"].append(NULL_DATE if end is None else end)
        prefix = {"contrato": "CT", "factura": "FV", "credito": "CR"}[kind]
        cols["document_ref"].append(f"{prefix}-{bp:06d}-{len(cols['kind']):07d}")
        cols["voided"].append(voided)

    n_com, n_fin = len(COMMERCIAL_ALLIES), len(FINANCIAL_ALLIES)
    for j in np.flatnonzero(disbursed).tolist():
        bp, d = int(ids[j]), int(disb[j])
        e18 = d + m18
        uu, rr = u[j], ri[j]
        com = COMMERCIAL_ALLIES[rr[0] % n_com]
        fin = FINANCIAL_ALLIES[rr[1] % n_fin]
        v2 = ventana[j] == 2
        if keep[j]:
            mode = 0 if uu[0] < 0.5 else (1 if uu[0] < 0.75 else 2)  # contrato | facturas | both
            if mode in (0, 2):
                end = None if uu[1] < 0.4 else e18 + 30 + int(uu[2] * 870)
                add(bp, "contrato", "comercial", com, d - 120 + int(uu[3] * 270), end)
            if mode in (1, 2):
                for k in range(1 + rr[2] % 3):
                    add(
                        bp,
                        "factura",
                        "comercial",
                        COMMERCIAL_ALLIES[(rr[0] + k) % n_com],
                        e18 - 150 + int(uu[4 + k] * 130),
                    )
            for k in range(rr[3] % 3):  # earlier invoices along the way
                add(bp, "factura", "comercial", com, d + 20 + int(uu[7 + k] * 300))
            if v2:
                add(
                    bp,
                    "credito",
                    "financiero",
                    fin,
                    d - 90 + int(uu[10] * 180),
                    None if uu[11] < 0.15 else e18 + 60 + int(uu[11] * 900),
                )
            if uu[9] < 0.1:  # a replaced contract, voided
                add(
                    bp,
                    "contrato",
                    "comercial",
                    COMMERCIAL_ALLIES[(rr[0] + 5) % n_com],
                    d,
                    e18 + 400,
                    True,
                )
        else:
            mode = uu[0]
            if v2 and mode < 0.4:
                # Commercial side fine, but the credit ended before D+18 months (or never existed).
                add(bp, "contrato", "comercial", com, d - 60 + int(uu[3] * 150), None)
                if uu[1] < 0.7:
                    add(
                        bp,
                        "credito",
                        "financiero",
                        fin,
                        d - 60 + int(uu[2] * 90),
                        e18 - 30 - int(uu[4] * 200),
                    )
            elif mode < 0.55:
                start = d - 60 + int(uu[3] * 120)
                add(bp, "contrato", "comercial", com, start, max(start + 60, e18 - 30 - int(uu[4] * 270)))
                for k in range(rr[2] % 3):
                    add(bp, "factura", "comercial", com, d + int(uu[5 + k] * 120))
            elif mode < 0.7:
                add(bp, "contrato", "comercial", com, d - 30 + int(uu[3] * 90), None, True)
            elif mode < 0.82:
                # A contrato whose ally is financial does not make a commercial alliance.
                add(bp, "contrato", "financiero", fin, d - 30 + int(uu[3] * 90), None)
            # else: no evidence at all
            if v2 and mode >= 0.4 and uu[8] < 0.5:
                add(bp, "credito", "financiero", fin, d - 60 + int(uu[2] * 90), e18 + 200)
    m = len(cols["kind"])
    start = np.array(cols["start_date"], dtype=np.int64)
    g.tables["alliance_evidence"] = Frame(
        id=np.arange(1, m + 1),
        business_plan_id=np.array(cols["business_plan_id"], dtype=np.int64),
        kind=np.array(cols["kind"], dtype=object),
        ally_type=np.array(cols["ally_type"], dtype=object),
        ally_name=np.array(cols["ally_name"], dtype=object),
        start_date=start,
        end_date=np.array(cols["end_date"], dtype=np.int64),
        document_ref=np.array(cols["document_ref"], dtype=object),
        voided=np.array(cols["voided"], dtype=bool),
        registered_on=_registered(start, np.arange(m)),
        version=np.ones(m, np.int64),
    )
    g.alliance_keep = keep


def _sales(g: Generator, rng, ids, disb, disbursed, year, committed, office, chain) -> None:
    """Baseline in the disbursement year, then one row per closed year (≤ 2025)."""
    growth = np.array([CHAIN_GROWTH.get(c, 0.05) for c in g.ref.chain_names])[chain]
    growth = growth + 0.08 * g.office_quality[office]
    base = np.rint(committed * rng.lognormal(np.log(1.6), 0.5, len(ids)) / 1e3) * 1e3
    last_year = REFERENCE_DATE.year - 1
    n_years = np.where(disbursed, np.clip(last_year - year, 0, None), 0)
    bp = np.repeat(ids, 1 + n_years)
    first = np.concatenate([[0], np.cumsum(1 + n_years)[:-1]])
    step = np.arange(len(bp)) - np.repeat(first, 1 + n_years)
    rate = np.repeat(growth, 1 + n_years) + rng.normal(0, 0.12, len(bp))
    rate[step == 0] = 0.0
    # Cumulative growth within each plan: product of (1 + rate) over its rows.
    logf = np.log1p(np.clip(rate, -0.6, None))
    cum = np.cumsum(logf)
    cum -= np.repeat(cum[first], 1 + n_years)
    amount = (np.rint(np.repeat(base, 1 + n_years) * np.exp(cum) / 1e3) * 1e3).astype(np.int64)
    m = len(bp)
    years = np.repeat(year, 1 + n_years) + step
    year_end = (np.array([f"{y}-12-31" for y in years], dtype="datetime64[D]") - np.datetime64("1970-01-01")
                ).astype(np.int64)
    g.tables["sales"] = Frame(
        id=np.arange(1, m + 1),
        business_plan_id=bp,
        year=years,
        amount_cop=amount,
        is_baseline=step == 0,
        registered_on=_registered(year_end, np.arange(m)),
        version=np.ones(m, np.int64),
    )


def _registered(day: np.ndarray, index: np.ndarray) -> np.ndarray:
    """When a document (or a year's sales) reached the programme: 3–40 days after its date, never
    after the demo's today; derived from the row's index, not the random stream, so the rest of
    the demo stays as the seed makes it."""
    return np.minimum(day + 3 + (index * 7919) % 38, TODAY).astype(np.int64)
