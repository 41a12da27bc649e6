"""Routes of the demo programme: enrolments and their stage events, walked stage by stage.

Why vectorised per route: a whole national cohort (hundreds of thousands of
participants) is simulated at once, with abandonment and viability hazards that depend
on the office and the operator, so the funnels show drop-outs where seed 000 puts
filters. Every history satisfies ``rules.routes.model.validate_history``;
``furthest_stage_order`` excludes ``salida`` (the exit marker, not progress); no event
falls after the reference date, so later cohorts are still mid-route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import NULL_DATE, NULL_INT, Frame, expit, logit, quarter_labels, take
from data_access.demo.parameters import (
    COMPLETED_CODES,
    FEEDBACK_NOTES,
    I_FML,
    I_FOR,
    I_ING,
    I_PLN,
    I_REQ,
    I_SAL,
    I_SRV,
    I_VIA,
    LOOP_ROUNDS,
    O_AUTO,
    O_CUMPLE,
    O_GRAD,
    O_NO_CUMPLE,
    O_NO_VIABLE,
    O_VIABLE,
    O_X_AB,
    O_X_NV,
    O_X_REQ,
    OFFICE_PROMOTION,
    OUTCOMES,
    P_NO_VIABLE_AGAIN,
    P_REFORMULATE,
    REFORMULATION_DAYS,
    ROUTE_PARAMS,
    TODAY,
)
from data_access.demo.participants import entry_dates
from data_access.demo.vocabulary import SALIDA_NOTES
from rules.routes import model as R

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


@dataclass
@dataclass
class Batch:
    """Participants entering one route, before simulation."""

    kind: np.ndarray  # 'hogar' | 'opr'
    household: np.ndarray  # household id or NULL_INT
    opr: np.ndarray  # opr id or NULL_INT
    muni: np.ndarray  # municipality index
    entry: np.ndarray  # int day
    mechanism: np.ndarray  # object
    previous: np.ndarray  # enrolment id or NULL_INT


def generate(g: Generator) -> None:
    """Básica households, then intermedia (promoted, direct, OPR), then competitividad (OPR)."""
    rng = g.rng(4)
    n_hh = g.scale.households
    hh_ids = np.arange(1, n_hh + 1)
    nb = ~g.hh["direct_int"]
    enrol_parts: list[dict] = []
    next_id = 1

    def add(route: str, batch: Batch) -> dict:
        nonlocal next_id
        sim = _simulate(g, rng, route, batch)
        sim["id"] = np.arange(next_id, next_id + len(batch.entry))
        next_id += len(batch.entry)
        enrol_parts.append(sim)
        return sim

    def none(n):
        return np.full(n, NULL_INT)

    # Básica: households from barrido / convocatoria.
    b = add(
        "basica",
        Batch(
            kind=np.full(int(nb.sum()), "hogar", dtype=object),
            household=hh_ids[nb],
            opr=none(int(nb.sum())),
            muni=g.hh["muni"][nb],
            entry=g.hh["entry"][nb],
            mechanism=g.hh["mech"][nb],
            previous=none(int(nb.sum())),
        ),
    )
    # Básica graduates promoted to intermedia.
    grad = b["exists"][:, I_SAL] & (b["outcome"][:, I_SAL] == O_GRAD)
    p_promo = np.array([OFFICE_PROMOTION.get(c, 0.35) for c in g.ref.office_codes])[
        g.ref.muni_office[b["batch"].muni]
    ]
    p_promo = expit(logit(p_promo) + 0.4 * g.op_quality[b["operator"]])
    promo_entry = b["date"][:, I_SAL] + np.rint(rng.lognormal(np.log(45), 0.5, len(grad))).astype(
        np.int64
    )
    promoted = grad & (rng.random(len(grad)) < p_promo) & (promo_entry <= TODAY)
    direct = g.hh["direct_int"]
    opr_int = np.flatnonzero(g.opr_route == 1)
    opr_mech = np.full(len(opr_int), "convocatoria", dtype=object)
    opr_entry = entry_dates(rng, opr_mech)
    k_p, k_d, k_o = int(promoted.sum()), int(direct.sum()), len(opr_int)
    i_batch = Batch(
        kind=np.concatenate(
            [np.full(k_p + k_d, "hogar", dtype=object), np.full(k_o, "opr", dtype=object)]
        ),
        household=np.concatenate([b["batch"].household[promoted], hh_ids[direct], none(k_o)]),
        opr=np.concatenate([none(k_p + k_d), opr_int + 1]),
        muni=np.concatenate([b["batch"].muni[promoted], g.hh["muni"][direct], g.opr_muni[opr_int]]),
        entry=np.concatenate([promo_entry[promoted], g.hh["entry"][direct], opr_entry]),
        mechanism=np.concatenate(
            [np.full(k_p, "promocion", dtype=object), g.hh["mech"][direct], opr_mech]
        ),
        previous=np.concatenate([b["id"][promoted], none(k_d + k_o)]),
    )
    i = add("intermedia", i_batch)
    # OPR graduating from intermedia promoted to competitividad, plus mature OPR by convocatoria.
    is_opr = i_batch.kind == "opr"
    grad_i = is_opr & i["exists"][:, I_SAL] & (i["outcome"][:, I_SAL] == O_GRAD)
    promo_entry_i = i["date"][:, I_SAL] + np.rint(rng.lognormal(np.log(60), 0.5, len(grad_i))).astype(
        np.int64
    )
    promoted_i = grad_i & (rng.random(len(grad_i)) < 0.5) & (promo_entry_i <= TODAY)
    opr_comp = np.flatnonzero(g.opr_route == 2)
    comp_mech = np.full(len(opr_comp), "convocatoria", dtype=object)
    comp_entry = entry_dates(rng, comp_mech)
    k_p2, k_o2 = int(promoted_i.sum()), len(opr_comp)
    add(
        "competitividad",
        Batch(
            kind=np.full(k_p2 + k_o2, "opr", dtype=object),
            household=none(k_p2 + k_o2),
            opr=np.concatenate([i_batch.opr[promoted_i], opr_comp + 1]),
            muni=np.concatenate([i_batch.muni[promoted_i], g.opr_muni[opr_comp]]),
            entry=np.concatenate([promo_entry_i[promoted_i], comp_entry]),
            mechanism=np.concatenate([np.full(k_p2, "promocion", dtype=object), comp_mech]),
            previous=np.concatenate([i["id"][promoted_i], none(k_o2)]),
        ),
    )
    _assemble_enrolments(g, rng, enrol_parts)


def _simulate(g: Generator, rng: np.random.Generator, route: str, batch: Batch) -> dict:
    """Walk each participant along the route (vectorised); truncate at REFERENCE_DATE."""
    p = ROUTE_PARAMS[route]
    n = len(batch.entry)
    contract = g.muni_contract[route][batch.muni]
    operator = g.contract_operator[contract]
    office = g.ref.muni_office[batch.muni]
    q = g.office_quality[office] + g.op_quality[operator]
    slow = g.op_slow[operator] * g.office_slow[office]
    reach = np.zeros((n, 10), bool)
    date = np.zeros((n, 10), np.int64)
    outcome = np.zeros((n, 10), np.int8)
    reach[:, I_ING] = True
    date[:, I_ING] = batch.entry
    has_form = rng.random(n) < p.p_formacion if route == "basica" else np.ones(n, bool)
    alive = np.ones(n, bool)
    exit_code = np.zeros(n, np.int8)
    last = np.zeros(n, np.int64)  # stage index of the last stage reached
    cur = batch.entry.astype(np.int64).copy()
    loop: list[tuple] = []  # (participants, stage, dates, outcomes) of each reformulation round
    for st in range(1, I_SAL):
        part = alive & has_form if st == I_FOR else alive.copy()
        h = expit(logit(p.abandon[st]) - 0.8 * q)
        ab = part & (rng.random(n) < h)
        exit_code[ab] = O_X_AB
        alive &= ~ab
        part &= ~ab
        median = p.plan_days if st == I_PLN else p.gap_median[st]
        gap = np.maximum(1, np.rint(rng.lognormal(np.log(median), 0.35, n) * slow)).astype(np.int64)
        new = cur + gap
        reach[part, st] = True
        date[part, st] = new[part]
        cur = np.where(part, new, cur)
        last = np.where(part, st, last)
        if st == I_VIA:
            nv = part & (rng.random(n) < expit(logit(p.no_viable) - 0.6 * q))
            outcome[part, st] = O_VIABLE
            outcome[nv, st] = O_NO_VIABLE
            failed, cur = _viability_loop(rng, p, q, slow, nv, cur, loop)
            exit_code[failed] = O_X_NV
            alive &= ~failed
        elif st == I_REQ:
            nc = part & (rng.random(n) < expit(logit(p.no_cumple) - 0.5 * q))
            outcome[part, st] = O_CUMPLE
            outcome[nc, st] = O_NO_CUMPLE
            exit_code[nc] = O_X_REQ
            alive &= ~nc
    exit_code[alive] = O_AUTO if route == "competitividad" else O_GRAD
    exit_gap = np.where(
        exit_code == O_X_AB,
        np.where(last >= I_SRV, rng.integers(30, 300, n), rng.integers(15, 90, n)),
        np.where(np.isin(exit_code, COMPLETED_CODES), rng.integers(5, 30, n), rng.integers(3, 35, n)),
    )
    reach[:, I_SAL] = True
    date[:, I_SAL] = cur + exit_gap
    outcome[:, I_SAL] = exit_code
    exists = reach & (date <= TODAY)
    return {
        "batch": batch,
        "route": route,
        "contract": contract,
        "operator": operator,
        "exists": exists,
        "date": date,
        "outcome": outcome,
        "loop": loop,
    }


def _viability_loop(rng: np.random.Generator, p, q: np.ndarray, slow: np.ndarray, failed: np.ndarray,
                    cur: np.ndarray, loop: list) -> tuple[np.ndarray, np.ndarray]:
    """Seed 000 §4.1 c: after «no viable» most participants get feedback, reformulate and are
    evaluated again (up to ``LOOP_ROUNDS`` times); the rest leave «no viable». Appends each
    round's reformulations and evaluations to ``loop``; returns (who leaves no viable, the date
    of each one's last evaluation)."""
    n = len(cur)
    leaving = np.zeros(n, bool)

    def gap(median: float) -> np.ndarray:
        return np.maximum(1, np.rint(rng.lognormal(np.log(median), 0.35, n) * slow)).astype(np.int64)

    for _ in range(LOOP_ROUNDS):
        again = failed & (rng.random(n) < expit(logit(P_REFORMULATE) + 0.4 * q))
        leaving |= failed & ~again
        reformulated = cur + gap(REFORMULATION_DAYS)
        evaluated = reformulated + gap(p.gap_median[I_VIA])
        still = again & (rng.random(n) < expit(logit(P_NO_VIABLE_AGAIN) - 0.6 * q))
        idx = np.flatnonzero(again)
        loop.append((idx, I_FML, reformulated[idx], np.zeros(len(idx), np.int8)))
        loop.append((idx, I_VIA, evaluated[idx], np.where(still[idx], O_NO_VIABLE, O_VIABLE).astype(np.int8)))
        cur = np.where(again, evaluated, cur)
        failed = still
    return leaving | failed, cur


def _loop_events(parts: list[dict]) -> tuple[np.ndarray, ...]:
    """(enrolment row, stage index, date, outcome) of every reformulation round's events dated by
    the reference date, the rows numbered across ``parts`` as ``_assemble_enrolments`` stacks them."""
    at, stage, day, out = [], [], [], []
    offset = 0
    for p in parts:
        for idx, st, dates, outcomes in p["loop"]:
            seen = dates <= TODAY
            at.append(idx[seen] + offset)
            stage.append(np.full(int(seen.sum()), st))
            day.append(dates[seen])
            out.append(np.asarray(outcomes)[seen].astype(np.int8))
        offset += len(p["id"])
    if not at:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int8)
    return np.concatenate(at), np.concatenate(stage), np.concatenate(day), np.concatenate(out)


def _assemble_enrolments(g: Generator, rng: np.random.Generator, parts: list[dict]) -> None:
    ref = g.ref
    exists = np.concatenate([p["exists"] for p in parts])
    date = np.concatenate([p["date"] for p in parts])
    outcome = np.concatenate([p["outcome"] for p in parts])
    ids = np.concatenate([p["id"] for p in parts])
    route = np.concatenate([np.full(len(p["id"]), p["route"], dtype=object) for p in parts])
    contract = np.concatenate([p["contract"] for p in parts])
    operator = np.concatenate([p["operator"] for p in parts])
    b = {
        k: np.concatenate([getattr(p["batch"], k) for p in parts])
        for k in ("kind", "household", "opr", "muni", "entry", "mechanism", "previous")
    }
    n = len(ids)
    loop_at, loop_stage, loop_date, loop_out = _loop_events(parts)
    stage_idx = np.arange(10)
    last = np.where(exists, stage_idx, -1).max(axis=1)
    # In the viability loop (no stage after the evaluation yet), the last event is the loop's latest.
    latest = np.full(n, -1)
    order = np.argsort(loop_date, kind="stable")
    latest[loop_at[order]] = loop_stage[order]
    last = np.where((last == I_VIA) & (latest >= 0), latest, last)
    furthest = np.where(exists[:, :I_SAL], stage_idx[:I_SAL], -1).max(axis=1)
    exited = exists[:, I_SAL]
    exit_out = outcome[:, I_SAL]
    status = np.where(
        ~exited, "activo", np.where(np.isin(exit_out, COMPLETED_CODES), "finalizado", "salido")
    )
    stages = np.array(R.STAGES, dtype=object)
    g.tables["enrolment"] = Frame(
        id=ids,
        participant_kind=b["kind"],
        household_id=b["household"],
        opr_id=b["opr"],
        route=route,
        entry_mechanism=b["mechanism"],
        entry_date=b["entry"],
        cohort_quarter=quarter_labels(b["entry"]),
        municipality_code=ref.muni_codes[b["muni"]],
        operator_id=operator,
        contract_id=contract,
        current_stage=stages[last],
        furthest_stage_order=furthest + 1,  # every route uses all STAGES: order = index + 1
        status=status.astype(object),
        exit_outcome=np.where(exited, take(OUTCOMES, exit_out), None).astype(object),
        exit_date=np.where(exited, date[:, I_SAL], NULL_DATE),
        previous_enrolment_id=b["previous"],
        version=np.ones(n, np.int64),
    )
    g.enr = {
        "exists": exists,
        "date": date,
        "outcome": outcome,
        "route": route,
        "operator": operator,
        "contract": contract,
        "muni": b["muni"],
        "kind": b["kind"],
        "household": b["household"],
        "opr": b["opr"],
        "entry": b["entry"],
    }

    # Stage events in history order: by enrolment, then date (every history's dates increase).
    rows, cols = np.nonzero(exists)
    rows, cols = np.concatenate([rows, loop_at]), np.concatenate([cols, loop_stage])
    ev_date = np.concatenate([date[np.nonzero(exists)], loop_date])
    ev_out = np.concatenate([outcome[np.nonzero(exists)], loop_out])
    order = np.lexsort((ev_date, rows))
    rows, cols, ev_date, ev_out = rows[order], cols[order], ev_date[order], ev_out[order]
    m = len(rows)
    op = operator[rows]
    lag = np.floor(rng.gamma(1.6, g.op_lag[op] / 1.6)).astype(np.int64)
    feedback = np.array(FEEDBACK_NOTES, dtype=object)[rng.integers(0, len(FEEDBACK_NOTES), m)]
    reformulated = (cols == I_FML) & (np.arange(m) > 0) & (np.roll(cols, 1) == I_VIA) & (np.roll(rows, 1) == rows)
    notes = np.where(
        cols == I_SAL, take([SALIDA_NOTES.get(o, "") if o else "" for o in OUTCOMES], ev_out),
        np.where(reformulated, feedback, ""),
    )
    g.tables["stage_event"] = Frame(
        id=np.arange(1, m + 1),
        enrolment_id=ids[rows],
        stage=stages[cols],
        event_date=ev_date,
        outcome=take(OUTCOMES, ev_out),
        registered_on=np.minimum(ev_date + lag, TODAY),
        registered_by=np.array([f"registro.{c.lower()}" for c in g.op_code], dtype=object)[op],
        note=notes.astype(object),
    )
