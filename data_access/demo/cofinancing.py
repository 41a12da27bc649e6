"""Demo household co-financing (seed 000 §4.1 d–e): the ruta básica households whose idea was found
viable apply to the instrument («solicitud de cofinanciación»); most get a commitment on that date;
those that met the requirements («requisitos» with outcome cumple) get resources disbursed on the
requirements' date — the whole commitment once services are activated, part of it before.

The rows follow ``rules.routes.cofinancing`` (the edit form's and the intake's rules), so an export
of the demo loads back unchanged. Same seed → same rows (its own random stream).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import NULL_DATE, NULL_INT, Frame
from data_access.demo.parameters import O_CUMPLE
from rules.routes.model import REQUISITOS, SERVICIOS, SOLICITUD, STAGES

if TYPE_CHECKING:
    from data_access.demo.generator import Generator

P_COMMITTED = 0.88  # households reaching the application that get a commitment
COMMITTED_COP = (1_500_000, 4_500_000)  # a micro-project's co-financing, rounded to 50.000
PARTIAL_SHARE = (0.4, 0.8)  # disbursed before services are activated


def generate(g: Generator) -> None:
    rng = np.random.default_rng([g.seed, 18018])
    e = g.tables["enrolment"]
    exists, date, outcome = g.enr["exists"], g.enr["date"], g.enr["outcome"]
    i_sol, i_req, i_srv = STAGES.index(SOLICITUD), STAGES.index(REQUISITOS), STAGES.index(SERVICIOS)
    eligible = (e["route"] == "basica") & (e["participant_kind"] == "hogar") & exists[:, i_sol]
    committed = eligible & (rng.random(len(eligible)) < P_COMMITTED)
    rows = np.flatnonzero(committed)
    n = len(rows)
    lo, hi = (v // 50_000 for v in COMMITTED_COP)
    amount = rng.integers(lo, hi + 1, size=n).astype(np.int64) * 50_000
    met = exists[rows, i_req] & (outcome[rows, i_req] == O_CUMPLE)
    share = np.where(exists[rows, i_srv], 1.0, rng.uniform(*PARTIAL_SHARE, size=n))
    disbursed = np.where(met, (amount * share // 50_000).astype(np.int64) * 50_000, 0)
    g.tables["household_cofinancing"] = Frame(
        id=np.arange(1, n + 1),
        enrolment_id=e["id"][rows],
        household_id=e["household_id"][rows],
        municipality_code=e["municipality_code"][rows],
        operator_id=np.where(e["operator_id"][rows] >= 0, e["operator_id"][rows], NULL_INT),
        committed_cop=amount,
        disbursed_cop=disbursed,
        requirements_met=met,
        committed_on=date[rows, i_sol],
        disbursed_on=np.where(disbursed > 0, date[rows, i_req], NULL_DATE),
        registered_on=date[rows, i_sol],
        version=np.ones(n, np.int64),
    )
