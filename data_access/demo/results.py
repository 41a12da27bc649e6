"""Demo results framework: plausible targets (metas) for 2025–2026.

Targets are set from the seeded programme itself, so the scorecard shows every status: for each
stock indicator, the previous year's end value plus the year's growth (as seeded, to the demo's
reference date, projected to the year's end) times a factor drawn per territory and indicator
from the seed (0,9–1,4: some territories reach their target, some lag); the rates get the
programme goals (alliance 80 %, ANS 90 %). National, every office and the three departments with
most municipalities. Same store and seed → same targets. Written after the bulk load
(``data_access.demo.seed``), through the store like a PMO import.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from sqlalchemy import delete, func, select, true

from data_access.core.db import get_engine, session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Municipality, RegionalOffice, Target
from data_access.core.scope import Viewer
from data_access.demo.parameters import REFERENCE_DATE
from data_access.results import indicators
from rules import access
from rules.alliance.indicator import GOAL_PERCENT
from rules.results import catalog

YEARS = (2025, 2026)
RATE_GOALS = {"alianzas_18m": float(GOAL_PERCENT), "ans_cumplimiento": 90.0}
NATIONAL = Viewer(username="sistema:demo", role=access.CONSOLE_ROLE, scope_label="Nacional")


def _territories(url: str | None) -> list[tuple[str, str, GlobalFilters]]:
    base = GlobalFilters(cutoff=REFERENCE_DATE)
    out = [("nacional", "", base)]
    with get_engine(url).connect() as conn:
        for oid, code in conn.execute(select(RegionalOffice.id, RegionalOffice.code).order_by(RegionalOffice.code)):
            out.append(("oficina_regional", code, base.with_(regional_office_id=oid)))
        deps = conn.execute(select(Municipality.department_code).group_by(Municipality.department_code)
                            .order_by(func.count().desc(), Municipality.department_code).limit(3)).scalars().all()
    out += [("departamento", d, base.with_(department_code=d)) for d in deps]
    return out


def target_rows(url: str | None, seed: int) -> list[dict]:
    """The demo targets (model dicts), deterministic for a store and ``seed``."""
    rng = np.random.default_rng([seed, 17])
    rows = []
    for level, code, filters in _territories(url):
        ends = {y: min(dt.date(y, 12, 31), REFERENCE_DATE) for y in (YEARS[0] - 1, *YEARS)}
        days = tuple(ends.values())  # only the stocks are read: the rates' goals are fixed
        found = indicators.values_at(NATIONAL, filters.with_(cutoff=max(days)), list(days), url, stock_only=days)
        at = {y: found[d] for y, d in ends.items()}
        for year in YEARS:
            end, start, now = ends[year], at[year - 1], at[year]
            span = ((end - dt.date(year, 1, 1)).days + 1) / 365
            for ind in catalog.CATALOG:
                factor = float(rng.uniform(0.9, 1.4))
                if not ind.stock:
                    value = RATE_GOALS.get(ind.code)
                    if value is None:
                        continue
                else:
                    base, cur = start[ind.code].value or 0.0, now[ind.code].value or 0.0
                    growth = max(cur - base, 0.0) / max(span, 0.25)
                    value = round(base + growth * factor)
                    if value <= 0:
                        continue
                rows.append({"indicator": ind.code, "year": year, "quarter": 0, "level": level,
                             "territory_code": code, "value": float(value)})
    return rows


def add_targets(url: str | None, seed: int) -> int:
    """Replace the stored targets with the demo's; returns how many."""
    rows = target_rows(url, seed)
    with session_scope(url, write=True) as s:
        s.execute(delete(Target))
        s.add_all(Target(**r) for r in rows)
    return len(rows)


# ------------------------------------------------------------------ sessions and agreements

_AGREEMENT_TEXTS = (
    ("municipio", "Visitar las OPR rezagadas y acordar un plan de choque", "Coordinador territorial"),
    ("pn", "Destrabar el desembolso de cofinanciación del plan de negocio", "Operador PSDE"),
    ("operador",  # not a role: a subject kind
     "Presentar el plan de mejora del ANS de registro oportuno", "Director del operador"),
    ("indicador", "Revisar la meta trimestral y la trayectoria del indicador", "Analista PMO"),
    ("municipio", "Gestionar con la alcaldía la vía de acceso a las veredas", "Enlace municipal"),
)
_INDICATOR_SUBJECTS = ("hogares_atendidos", "alianzas_18m", "pn_ejecutados", "ans_cumplimiento")
# (status, due date relative to the demo's reference date in days, closed with a note)
_STATUS_PLAN = (("pendiente", 45), ("en_curso", 30), ("pendiente", -20), ("cumplido", -10), ("cancelado", 15),
                ("en_curso", -5))


SESSION_FIGURES = catalog.CATALOG[:6]


def _session_figures(office: int | None, days: tuple[dt.date, ...], url: str | None) -> dict[dt.date, list[dict]]:
    """The first catalogue indicators at each session date, as a session freezes them (labels in
    Spanish); all in one computation (``indicators.values_at``)."""
    from rules.core.formatting import fmt_num
    from rules.core.i18n import t

    stocks_only = days if all(ind.stock for ind in SESSION_FIGURES) else ()
    at = indicators.values_at(NATIONAL, GlobalFilters(cutoff=max(days), regional_office_id=office), list(days), url,
                              stock_only=stocks_only)
    return {day: [{"key": ind.code, "label": t(ind.name_key, "es"),
                   "value": "—" if found[ind.code].value is None else fmt_num(found[ind.code].value,
                                                                            0 if ind.stock else 1),
                   "delta": "", "status": ""} for ind in SESSION_FIGURES] for day, found in at.items()}


def add_agreements(url: str | None, seed: int) -> int:
    """Replace the stored committee sessions and agreements with the demo's: two sessions of the
    national committee and two of every comité regional, each with agreements about a municipality, a
    PN, an operator or an indicator of its territory in every status (some overdue: due before the
    reference date while still open). Same store and seed → same rows. Returns the agreements."""
    from data_access.core.models import (
        Agreement,
        AgreementNote,
        BusinessPlan,
        CommitteeSession,
        Operator,
        OperatorContract,
    )

    rng = np.random.default_rng([seed, 1717])
    at = dt.datetime.combine(REFERENCE_DATE, dt.time(15, 0))
    with session_scope(url, write=True) as s:
        s.execute(delete(AgreementNote))
        s.execute(delete(Agreement))
        s.execute(delete(CommitteeSession))
        offices = s.execute(select(RegionalOffice.id, RegionalOffice.name).order_by(RegionalOffice.code)).all()
        committees = [(None, "nacional"), *((oid, name) for oid, name in offices)]
        n = 0
        for office, name in committees:
            munis = s.scalars(select(Municipality.code).where(Municipality.regional_office_id == office)
                              .order_by(Municipality.code)).all() if office else \
                s.scalars(select(Municipality.code).order_by(Municipality.code)).all()
            if not munis:
                continue
            helds = (REFERENCE_DATE - dt.timedelta(days=75), REFERENCE_DATE - dt.timedelta(days=20))
            figures = _session_figures(office, helds, url)
            for k, held in enumerate(helds):
                session = CommitteeSession(regional_office_id=office, held_on=held,
                                           title=f"Seguimiento {k + 1} ({name})",
                                           participants="Presidencia del comité; PMO; operadores invitados",
                                           figures=figures[held], created_by="sistema:demo",
                                           created_at=at, version=1)
                s.add(session)
                s.flush()
                for j, (status, days) in enumerate(_STATUS_PLAN[k * 3:k * 3 + 3]):
                    kind, text, who = _AGREEMENT_TEXTS[int(rng.integers(len(_AGREEMENT_TEXTS)))]
                    muni = str(munis[int(rng.integers(len(munis)))])
                    row = {"subject_kind": kind, "municipality_code": None, "operator_id": None,
                           "regional_office_id": office}
                    if kind == "municipio":
                        row.update(subject_code=muni, municipality_code=muni)
                    elif kind == "indicador":
                        row.update(subject_code=_INDICATOR_SUBJECTS[(j + k) % len(_INDICATOR_SUBJECTS)])
                    elif kind == "pn":
                        plan = s.execute(select(BusinessPlan.code, BusinessPlan.municipality_code,
                                                BusinessPlan.psde_operator_id)
                                         .join(Municipality, Municipality.code == BusinessPlan.municipality_code)
                                         .where(Municipality.regional_office_id == office if office else true())
                                         .order_by(BusinessPlan.code)
                                         .offset(int(rng.integers(20))).limit(1)).first()
                        if plan is None:
                            row.update(subject_kind="municipio", subject_code=muni, municipality_code=muni)
                        else:
                            row.update(subject_code=plan[0], municipality_code=plan[1], operator_id=plan[2])
                    else:
                        op = s.execute(select(Operator.id, Operator.code)
                                       .join(OperatorContract, OperatorContract.operator_id == Operator.id)
                                       .where(OperatorContract.regional_office_id == office if office else true())
                                       .group_by(Operator.id, Operator.code).order_by(Operator.code)
                                       .offset(j).limit(1)).first()
                        if op is None:
                            row.update(subject_kind="municipio", subject_code=muni, municipality_code=muni)
                        else:
                            row.update(subject_code=op[1], operator_id=op[0])
                    if office is None and row["municipality_code"]:
                        row["regional_office_id"] = s.scalar(select(Municipality.regional_office_id)
                                                             .where(Municipality.code == row["municipality_code"]))
                    closed = status in ("cumplido", "cancelado")
                    agreement = Agreement(session_id=session.id, description=text, responsible=who,
                                          due_on=REFERENCE_DATE + dt.timedelta(days=days), status=status,
                                          created_by="sistema:demo", created_at=at, version=1,
                                          closed_on=REFERENCE_DATE - dt.timedelta(days=3) if closed else None, **row)
                    s.add(agreement)
                    s.flush()
                    if status != "pendiente":
                        s.add(AgreementNote(agreement_id=agreement.id, at=at, username="sistema:demo", status=status,
                                            text="Seguimiento registrado en la sesión de comité."))
                    n += 1
    return n
