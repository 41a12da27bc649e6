"""Service deliveries of the demo programme, once a participant's services are activated.

Why: coverage, frequency, the first technical-assistance visit and the registration lag
depend on the operator, so the ANS derived from deliveries differ between operators.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import Frame, take
from data_access.demo.parameters import I_PLN, I_SAL, I_SRV, SERVICE_CODES, SERVICE_RATE, TODAY
from rules.core.catalog import BASIC_ROUTE_SERVICES

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


def generate(g: Generator) -> None:
    """Deliveries of each covered service between «servicios activados» and the plan or exit."""
    rng = g.rng(5)
    e = g.enr
    ids = g.tables["enrolment"]["id"]
    active = np.flatnonzero(e["exists"][:, I_SRV])
    start = e["date"][active, I_SRV]
    end = np.where(
        e["exists"][active, I_PLN],
        e["date"][active, I_PLN],
        np.where(e["exists"][active, I_SAL], e["date"][active, I_SAL], TODAY),
    )
    end = np.maximum(end, start)
    basic = e["route"][active] == "basica"
    basic_idx = np.array([SERVICE_CODES.index(s) for s in BASIC_ROUTE_SERVICES])
    all_idx = np.arange(len(SERVICE_CODES))
    pe = np.concatenate(
        [
            np.repeat(np.flatnonzero(basic), len(basic_idx)),
            np.repeat(np.flatnonzero(~basic), len(all_idx)),
        ]
    )
    ps = np.concatenate([np.tile(basic_idx, int(basic.sum())), np.tile(all_idx, int((~basic).sum()))])
    order = np.lexsort((ps, pe))
    pe, ps = pe[order], ps[order]
    op = e["operator"][active][pe]
    covered = rng.random(len(pe)) < g.op_coverage[op, ps]
    pe, ps, op = pe[covered], ps[covered], op[covered]
    months = (end[pe] - start[pe]) / 30.4
    rate = np.array([SERVICE_RATE[s] for s in SERVICE_CODES])[ps]
    count = 1 + rng.poisson(rate * months)
    de = np.repeat(pe, count)
    dsv = np.repeat(ps, count)
    dop = np.repeat(op, count)
    span = end[de] - start[de] + 1
    ddate = start[de] + np.floor(rng.random(len(de)) * span).astype(np.int64)
    # The first asistencia técnica visit comes a few operator-dependent days after activation.
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    at = ps == SERVICE_CODES.index("asistencia_tecnica")
    fi = first[at]
    delay = np.rint(rng.gamma(2.0, g.op_at_delay[op[at]] / 2.0)).astype(np.int64)
    ddate[fi] = np.minimum(start[pe[at]] + delay, end[pe[at]])
    ddate = np.minimum(ddate, TODAY)
    lag = np.floor(rng.gamma(1.6, g.op_lag[dop] / 1.6)).astype(np.int64)
    enr_rows = active[de]
    m = len(de)
    g.tables["service_delivery"] = Frame(
        id=np.arange(1, m + 1),
        enrolment_id=ids[enr_rows],
        service_type_code=take(SERVICE_CODES, dsv),
        operator_id=dop,
        contract_id=e["contract"][enr_rows],
        municipality_code=g.ref.muni_codes[e["muni"][enr_rows]],
        delivery_date=ddate,
        registered_on=np.minimum(ddate + lag, TODAY),
    )
