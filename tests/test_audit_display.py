"""The audit log as a person reads it (issue 15, 5): Bogotá time, changes in the UI language
with sí/no, and the record by its name or code instead of its stored id; both stores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from components.audit.log import log_frame
from components.core.context import PageContext
from data_access.audit import log as audit
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import AuditLog, Municipality
from data_access.edits import plans as plan_edits
from data_access.edits import targeting as targeting_edits
from tests.test_edit_support import MUNI_CAR, build


@pytest.fixture
def w(empty_store):
    return build(empty_store)


def _ctx(w, lang: str) -> PageContext:
    return PageContext(viewer=w.v["analista"], filters=GlobalFilters(cutoff=dt.date(2026, 9, 30)), url=w.url,
                       lang=lang)


def _newest(w) -> list[dict]:
    return audit.entries(w.v["analista"], limit=1, url=w.url)


def test_targeting_change_reads_in_spanish_with_the_municipality_name(w):
    targeting_edits.set_targeting(w.v["analista"], MUNI_CAR, 2025, True, 100, 1, url=w.url)
    with session_scope(w.url) as s:
        name = s.scalar(select(Municipality.name).where(Municipality.code == MUNI_CAR))
    row = log_frame(_ctx(w, "es"), _newest(w)).iloc[0]
    assert row["Cambios"] == "Priorizado: no → sí"
    assert row["Registro"] == f"{name} ({MUNI_CAR}) · 2025"
    assert row["Entidad"] == "Focalización"
    assert row["Acción"] == "modificar"


def test_targeting_change_reads_in_english(w):
    targeting_edits.set_targeting(w.v["analista"], MUNI_CAR, 2025, True, 120, 1, url=w.url)
    row = log_frame(_ctx(w, "en"), _newest(w)).iloc[0]
    assert row["Changes"] == "Prioritised: no → yes; Target population: 100 → 120"
    assert row["Entity"] == "Targeting"


def test_entry_time_is_bogota_wall_time(w):
    targeting_edits.set_targeting(w.v["analista"], MUNI_CAR, 2025, True, 100, 1, url=w.url)
    entry = _newest(w)[0]
    with session_scope(w.url, write=True) as s:  # 02:30 UTC on 1 Oct is 21:30 on 30 Sep in Bogotá
        s.execute(update(AuditLog).where(AuditLog.id == entry["id"]).values(at=dt.datetime(2026, 10, 1, 2, 30, 5)))
    row = log_frame(_ctx(w, "es"), _newest(w)).iloc[0]
    assert row["Fecha y hora (Bogotá)"] == "30/09/2026 21:30:05"
    # the date filter picks Bogotá days: the entry is on 30 Sep, not on 1 Oct
    on = audit.entries(w.v["analista"], date_from=dt.date(2026, 9, 30), date_to=dt.date(2026, 9, 30), url=w.url)
    off = audit.entries(w.v["analista"], date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 10, 1), url=w.url)
    assert entry["id"] in [e["id"] for e in on]
    assert entry["id"] not in [e["id"] for e in off]


def test_plan_change_names_the_pn_code_and_shows_dates_as_es_co(w):
    plan_edits.set_pn_dates(w.v["comite"], w.pn_car, 1, "2025-03-01", dt.date(2026, 6, 30), url=w.url)
    row = log_frame(_ctx(w, "es"), _newest(w)).iloc[0]
    assert row["Registro"] == "PN-CAR-1 · Barranquilla"
    assert row["Cambios"] == "Fecha de cierre: — → 30/06/2026"
