"""The demo generator: every programme table for one scale and seed, without the store.

Why one object: the areas are generated in a fixed order, each from its own child of
``numpy.random.SeedSequence(seed)`` and from what earlier areas decided (contracts serve
municipalities, enrolments follow households, plans follow enrolments), so the same seed
gives the same rows. The state they share is declared here; each area fills it in its
own module (``territory``, ``operators``, ``participants``, ``routes``, ``deliveries``,
``alliance``, ``sla``).
"""

from __future__ import annotations

import numpy as np

from data_access.demo import (
    alliance,
    characterisation,
    deliveries,
    knowledge,
    operators,
    participants,
    routes,
    sla,
    territory,
)
from data_access.demo import cofinancing as demo_cofinancing
from data_access.demo.arrays import Frame
from data_access.demo.parameters import OFFICE_QUALITY, OFFICE_SLOWNESS, SCALES
from data_access.demo.reference import Reference
from data_access.intake import codes


class Generator:
    """Builds every programme table for one scale and seed (no database access)."""

    # territory
    muni_size: np.ndarray
    capital: np.ndarray
    score_victims: np.ndarray
    prioritised: np.ndarray  # prioritised in 2024
    prio_any: np.ndarray  # prioritised in any year
    target_2024: np.ndarray
    # operators and contracts (arrays indexed by contract id / operator id; index 0 unused)
    muni_contract: dict[str, np.ndarray]  # route → contract id serving each municipality
    contract_operator: np.ndarray
    contract_office: np.ndarray
    contract_code: np.ndarray
    contract_route: np.ndarray
    contract_start: np.ndarray
    op_quality: np.ndarray
    op_lag: np.ndarray
    op_slow: np.ndarray
    op_at_delay: np.ndarray
    op_coverage: np.ndarray
    op_home: np.ndarray
    op_psde: np.ndarray
    op_late: np.ndarray
    op_code: np.ndarray
    # participants
    opr_muni: np.ndarray
    opr_chain: np.ndarray
    opr_route: np.ndarray
    hh: dict[str, np.ndarray]
    hh_opr: np.ndarray
    # routes
    enr: dict[str, np.ndarray]
    # business plans
    alliance_keep: np.ndarray

    def __init__(self, ref: Reference, scale: str, seed: int):
        if scale not in SCALES:
            raise ValueError(f"Escala «{scale}» desconocida: use {', '.join(SCALES)}.")
        self.ref, self.scale_name, self.scale = ref, scale, SCALES[scale]
        self.seed = seed
        children = np.random.SeedSequence(seed).spawn(16)
        self._rngs = [np.random.default_rng(c) for c in children]
        self.tables: dict[str, Frame] = {}
        n_off = len(ref.office_codes)
        self.office_quality = np.array([OFFICE_QUALITY.get(c, 0.0) for c in ref.office_codes])
        self.office_slow = np.array([OFFICE_SLOWNESS.get(c, 1.0) for c in ref.office_codes])
        self.n_muni = len(ref.muni_codes)
        self.n_off = n_off

    def rng(self, i: int) -> np.random.Generator:
        return self._rngs[i]

    def run(self) -> dict[str, Frame]:
        territory.generate(self)
        operators.generate(self)
        participants.oprs(self)
        participants.households(self)
        routes.generate(self)
        deliveries.generate(self)
        participants.household_links(self)
        alliance.generate(self)
        sla.generate(self)
        demo_cofinancing.generate(self)
        characterisation.generate(self)
        knowledge.generate(self)
        self._codes()
        return self.tables

    def _codes(self) -> None:
        """Each enrolment's and alert's code from its id, as ``codes.backfill`` would give it after the
        load (an UPDATE of every row, and as many dead rows for PostgreSQL's VACUUM)."""
        for model, prefix in codes.PREFIXES.items():
            frame = self.tables[model.__tablename__]
            frame["code"] = np.array([codes.fallback_code(prefix, i) for i in frame["id"]], dtype=object)


def generate(ref: Reference, scale: str, seed: int) -> dict[str, Frame]:
    """Every programme table for ``scale`` and ``seed`` (pure: no database access)."""
    return Generator(ref, scale, seed).run()
