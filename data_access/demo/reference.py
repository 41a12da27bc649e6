"""The catalogue the demo programme is generated on, read once from the store.

Why: offices, municipalities (DIVIPOLA) and value chains come from the migrations; the
generator draws on them by array index so it never queries the store again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, select

from data_access.core.models import Base


@dataclass
class Reference:
    """The catalogue the programme is generated on (read from the store)."""

    office_ids: np.ndarray
    office_codes: list[str]
    muni_codes: np.ndarray  # object
    muni_names: np.ndarray  # object
    muni_dept: np.ndarray  # object
    muni_office: np.ndarray  # index into office_ids
    chain_ids: np.ndarray
    chain_names: list[str]


def read_reference(engine: Engine) -> Reference:
    md = Base.metadata.tables
    office, muni, chain = md["regional_office"], md["municipality"], md["value_chain"]
    with engine.connect() as conn:
        offices = conn.execute(select(office.c.id, office.c.code).order_by(office.c.id)).all()
        munis = conn.execute(
            select(muni.c.code, muni.c.name, muni.c.department_code, muni.c.regional_office_id)
            .where(muni.c.regional_office_id.is_not(None))
            .order_by(muni.c.code)
        ).all()
        chains = conn.execute(select(chain.c.id, chain.c.name).order_by(chain.c.id)).all()
    if not offices or not munis or not chains:
        raise RuntimeError("El catálogo de referencia está vacío: ejecute «tablero db upgrade» primero.")
    pos = {oid: i for i, (oid, _) in enumerate(offices)}
    return Reference(
        office_ids=np.array([o[0] for o in offices]),
        office_codes=[o[1] for o in offices],
        muni_codes=np.array([m[0] for m in munis], dtype=object),
        muni_names=np.array([m[1] for m in munis], dtype=object),
        muni_dept=np.array([m[2] for m in munis], dtype=object),
        muni_office=np.array([pos[m[3]] for m in munis]),
        chain_ids=np.array([c[0] for c in chains]),
        chain_names=[c[1] for c in chains],
    )

