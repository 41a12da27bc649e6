"""The demo accounts: one per role, with deterministic passwords for the seed.

Why: tests, benchmarks and ``make run`` log in as each role without configuring users;
the passwords follow from the seed so the CLI can print them and the tests know them.
"""

from __future__ import annotations

import numpy as np

from data_access.core.auth import create_user
from data_access.demo.arrays import Frame
from data_access.demo.reference import Reference
from rules import access
from rules.access import Reach
from rules.core.catalog import ROLES, Role

# (username, role, regional office code); a username is a login, not a role
DEMO_ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    ("directivo", Role.DIRECTIVO, None),  # not a role: username
    ("analista", Role.ANALISTA_PMO, None),
    ("comite", Role.COMITE_REGIONAL, "CAR"),
    ("comite_pac", Role.COMITE_REGIONAL, "PAC"),
    ("operador", Role.OPERADOR, None),  # not a role: username
    ("admin", Role.ADMIN, None),  # not a role: username
    ("direccion_basica", Role.DIRECCION_RUTA, None),
    ("unidad_ejecutora", Role.UNIDAD_EJECUTORA, None),  # not a role: username
    ("direccion_tecnica", Role.DIRECCION_TECNICA, None),  # not a role: username
)
DEMO_ROUTES = {"direccion_basica": "basica"}  # username → the route a dirección de ruta directs
ACCOUNT_EMAIL_DOMAIN = "demo.tablero.gov.co"


def demo_passwords(seed: int) -> dict[str, str]:
    """Deterministic demo passwords, username → password (printed by the CLI; demo only)."""
    rng = np.random.default_rng([seed, 20261123])
    alphabet = np.array(list("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"))
    return {u: "".join(alphabet[rng.integers(0, len(alphabet), 14)]) for u, _, _ in DEMO_ACCOUNTS}


def create_accounts(url: str | None, ref: Reference, tables: dict[str, Frame], seed: int) -> list[dict]:
    """Create the demo accounts; the operator account belongs to the PSDE operator with
    contracts that serves the most enrolments. Returns role, username and password."""
    office_by_code = dict(zip(ref.office_codes, ref.office_ids.tolist()))
    ops = tables["operator"]
    enr_ops = tables["enrolment"]["operator_id"]
    counts = np.bincount(enr_ops, minlength=len(ops["id"]) + 1)[1:]
    with_contracts = np.isin(ops["id"], tables["operator_contract"]["operator_id"])
    cand = np.flatnonzero(ops["is_psde"] & with_contracts)
    op_id = int(ops["id"][cand[np.argmax(counts[cand])]])
    passwords = demo_passwords(seed)
    labels = {
        "comite": "Comité regional Caribe (demo)",
        "comite_pac": "Comité regional Pacífico (demo)",
        "direccion_basica": "Dirección de ruta básica (demo)",
    }
    accounts = []
    for username, role, office in DEMO_ACCOUNTS:
        office_id = office_by_code.get(office) if office else None
        if office and office_id is None:
            raise RuntimeError(f"No existe la oficina regional «{office}» en el catálogo.")
        create_user(
            username,
            role,
            passwords[username],
            display_name=labels.get(username) or _label(role, ops["name"][op_id - 1]),
            email=f"{username}@{ACCOUNT_EMAIL_DOMAIN}",
            regional_office_id=office_id,
            operator_id=op_id if access.scope_of(role) is Reach.CONTRACTS else None,
            route=DEMO_ROUTES.get(username),
            url=url,
        )
        accounts.append({"role": role, "username": username, "password": passwords[username]})
    return accounts


def _label(role: str, operator_name: str) -> str:
    """The operator account shows its operator's name; the others their role's label."""
    name = operator_name if access.scope_of(role) is Reach.CONTRACTS else ROLES[role]
    return f"{name} (demo)"
