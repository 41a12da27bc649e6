"""The demo accounts: one per role, with deterministic passwords for the seed.

Why: tests, benchmarks and ``make run`` log in as each role without configuring users;
the passwords follow from the seed so the CLI can print them and the tests know them.
"""

from __future__ import annotations

import numpy as np

from data_access.core.auth import create_user
from data_access.demo.arrays import Frame
from data_access.demo.reference import Reference

DEMO_ACCOUNTS: tuple[tuple[str, str, str | None], ...] = (
    # (username, role, regional office code)
    ("directivo", "directivo", None),
    ("analista", "analista_pmo", None),
    ("comite", "comite_regional", "CAR"),
    ("comite_pac", "comite_regional", "PAC"),
    ("operador", "operador", None),
    ("admin", "admin", None),
)
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
        "directivo": "Directivo (demo)",
        "analista": "Analista PMO (demo)",
        "comite": "Comité regional Caribe (demo)",
        "comite_pac": "Comité regional Pacífico (demo)",
        "operador": f"{ops['name'][op_id - 1]} (demo)",
        "admin": "Administrador (demo)",
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
            display_name=labels[username],
            email=f"{username}@{ACCOUNT_EMAIL_DOMAIN}",
            regional_office_id=office_id,
            operator_id=op_id if role == "operador" else None,
            url=url,
        )
        accounts.append({"role": role, "username": username, "password": passwords[username]})
    return accounts
