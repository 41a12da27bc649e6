"""Operators of the demo programme, their contracts per route × regional office and the
services each contract covers.

Why: operators differ (quality, registration lag, speed, coverage of each service) and
serve territories (one contract per route serves each municipality); the routes,
deliveries, plans and ANS generated later all read these traits from the generator.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import Frame, day_number, expit, logit, nits, take
from data_access.demo.parameters import ROUTE_ABBR, SERVICE_CODES, SERVICE_COVERAGE
from data_access.demo.vocabulary import OFFICE_SHORT_NAMES, OPERATOR_KINDS, OPERATOR_WORDS
from rules.core.catalog import ROUTE_ORDER, services_for_route

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


def generate(g: Generator) -> None:
    rng, ref = g.rng(1), g.ref
    n_ops, n_off = g.scale.operators, g.n_off
    home = rng.permutation(np.arange(n_ops) % n_off)
    # ~20% PSDE-only operators (no route contracts); ~30% of route operators also PSDE.
    psde_only = np.zeros(n_ops, bool)
    route_op = np.ones(n_ops, bool)
    order = rng.permutation(n_ops)
    n_psde_only = round(0.2 * n_ops)
    psde_only[order[:n_psde_only]] = True
    route_op[psde_only] = False
    is_psde = psde_only | (route_op & (rng.random(n_ops) < 0.3))
    quality = rng.normal(0, 0.45, n_ops)
    weak = rng.random(n_ops) < 0.12
    quality[weak] -= 0.9
    late = weak | (rng.random(n_ops) < 0.08)
    lag_mean = np.where(late, rng.uniform(12, 22, n_ops), rng.uniform(2, 6, n_ops))
    slow = np.clip(rng.normal(1.0, 0.1, n_ops) + 0.15 * weak, 0.8, 1.5)
    at_delay = np.where(weak, rng.uniform(30, 60, n_ops), rng.uniform(5, 25, n_ops))
    cov_logit = np.array([logit(SERVICE_COVERAGE[s]) for s in SERVICE_CODES])
    coverage = expit(
        cov_logit[None, :] + 0.9 * quality[:, None] + rng.normal(0, 0.35, (n_ops, len(SERVICE_CODES)))
    )

    # Contracts: per route × office, k distinct operators based in that office.
    share = {"basica": 0.32, "intermedia": 0.2, "competitividad": 0.12}
    c_op, c_route, c_office, c_code, c_start, c_end = [], [], [], [], [], []
    cell_contracts: dict[tuple[str, int], list[int]] = {}
    for route in ROUTE_ORDER:
        k = max(1, round(n_ops * share[route] / n_off))
        for o in range(n_off):
            local = np.flatnonzero(route_op & (home == o))
            pool = local if len(local) else np.flatnonzero(route_op)
            picked = rng.choice(pool, size=min(k, len(pool)), replace=False)
            ids = []
            for j, op in enumerate(sorted(picked.tolist())):
                cid = len(c_op) + 1
                ids.append(cid)
                c_op.append(op + 1)
                c_route.append(route)
                c_office.append(o)
                c_code.append(f"CT-{ROUTE_ABBR[route]}-{ref.office_codes[o]}-{j + 1:03d}")
                start = day_number("2022-11-15") + int(rng.integers(0, 45))
                c_start.append(start)
                c_end.append(day_number("2026-12-31") if rng.random() < 0.7 else day_number("2027-06-30"))
            cell_contracts[(route, o)] = ids
    n_c = len(c_op)
    # Every office needs a PSDE operator for its business plans; prefer one with contracts.
    c_op_arr = np.array(c_op)
    has_contract = np.isin(np.arange(1, n_ops + 1), c_op_arr)
    for o in range(n_off):
        if not (is_psde & (home == o)).any():
            cands = np.flatnonzero((home == o) & has_contract)
            cands = cands if len(cands) else np.flatnonzero(home == o)
            if len(cands):
                is_psde[cands[0]] = True
    if not (is_psde & has_contract).any():
        is_psde[np.flatnonzero(has_contract)[0]] = True

    kinds = take(OPERATOR_KINDS, rng.integers(0, len(OPERATOR_KINDS), n_ops))
    words = take(OPERATOR_WORDS, rng.integers(0, len(OPERATOR_WORDS), n_ops))
    names = np.array(
        [
            f"{k} {w} {ref.office_codes[h]}-{i + 1:03d}"
            if k in ("Unión Temporal", "Consorcio")
            else f"{k} {w} de {OFFICE_SHORT_NAMES.get(ref.office_codes[h], ref.office_codes[h])}"
            for i, (k, w, h) in enumerate(zip(kinds, words, home.tolist()))
        ],
        dtype=object,
    )
    # Names must read as distinct organisations: suffix duplicates with a number.
    seen: dict[str, int] = {}
    for i, nm in enumerate(names):
        seen[nm] = seen.get(nm, 0) + 1
        if seen[nm] > 1:
            names[i] = f"{nm} {seen[nm]}"
    g.tables["operator"] = Frame(
        id=np.arange(1, n_ops + 1),
        code=np.array([f"OP-{i + 1:04d}" for i in range(n_ops)], dtype=object),
        name=names,
        nit=nits(rng, n_ops, 800_000_000, 901_999_999),
        is_psde=is_psde,
    )
    expected = np.array(
        [{"basica": 900, "intermedia": 260, "competitividad": 60}[r] for r in c_route], float
    )
    scale_f = g.scale.households / 250_000
    value = np.rint(expected * scale_f * rng.uniform(0.6, 1.4, n_c) * 9.5e6 / 1e6) * 1e6
    g.tables["operator_contract"] = Frame(
        id=np.arange(1, n_c + 1),
        code=np.array(c_code, dtype=object),
        operator_id=c_op_arr,
        route=np.array(c_route, dtype=object),
        regional_office_id=ref.office_ids[np.array(c_office)],
        start_date=np.array(c_start),
        end_date=np.array(c_end),
        value_cop=np.maximum(value, 50e6).astype(np.int64),
    )
    cs_contract, cs_service = [], []
    for cid, route in enumerate(c_route, 1):
        for s in services_for_route(route):
            cs_contract.append(cid)
            cs_service.append(s)
    g.tables["contract_service"] = Frame(
        contract_id=np.array(cs_contract), service_type_code=np.array(cs_service, dtype=object)
    )
    # Each municipality is served by one contract per route (operators have territories).
    slot = rng.integers(0, 1_000_000, g.n_muni)
    g.muni_contract = {}
    for route in ROUTE_ORDER:
        mc = np.empty(g.n_muni, np.int64)
        for o in range(n_off):
            ids = np.array(cell_contracts[(route, o)])
            sel = ref.muni_office == o
            mc[sel] = ids[slot[sel] % len(ids)]
        g.muni_contract[route] = mc
    g.contract_operator = np.concatenate([[0], c_op_arr])  # contract id → operator id
    g.contract_office = np.concatenate([[0], np.array(c_office)])
    g.contract_code = np.concatenate([[""], np.array(c_code, dtype=object)])
    g.contract_route = np.concatenate([[""], np.array(c_route, dtype=object)])
    g.contract_start = np.concatenate([[0], np.array(c_start)])
    g.op_quality = np.concatenate([[0.0], quality])  # operator id → ...
    g.op_lag = np.concatenate([[5.0], lag_mean])
    g.op_slow = np.concatenate([[1.0], slow])
    g.op_at_delay = np.concatenate([[15.0], at_delay])
    g.op_coverage = np.vstack([np.full((1, len(SERVICE_CODES)), 0.5), coverage])
    g.op_home = np.concatenate([[0], home])
    g.op_psde = np.concatenate([[False], is_psde])
    g.op_late = np.concatenate([[False], late])
    g.op_code = np.concatenate([[""], g.tables["operator"]["code"]])
