"""The «Metas y semáforo» page and the targets edit tab under AppTest, and the PMO's audited
target edits, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from data_access.core.auth import viewer_for_username
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import AuditLog, RegionalOffice, Target
from data_access.edits import targets as target_edits
from data_access.edits.common import PermissionDenied, StaleEdit, ValidationFailed
from data_access.results import targets
from tests.apptest_utils import all_text, run_app, spy_downloads

PAGE = "pages/scorecard.py"


def test_the_page_shows_each_office_with_target_status_and_last_year(demo_store, monkeypatch):
    files = spy_downloads(monkeypatch)
    at = run_app(demo_store, "directivo", PAGE)
    assert not at.exception
    frame = at.dataframe[0].value
    cells = targets.scorecard(viewer_for_username("directivo", demo_store), GlobalFilters(cutoff=_cutoff(at)),
                              "oficina_regional", demo_store)
    names = sorted({c.group_name for c in cells})
    assert sorted(frame["Territorio"]) == names
    text = " ".join(str(v) for v in frame.to_numpy().ravel())
    assert "meta" in text and "año anterior" in text and "✅ En meta" in text
    assert "en riesgo" in all_text(at)  # the legend, text beside the icons
    assert any(name.startswith("metas_semaforo") and name.endswith(".xlsx") for name in files)


def _cutoff(at) -> dt.date:
    return at.date_input[0].value if at.date_input else dt.date(2026, 9, 30)


def test_a_comite_sees_its_office_only(demo_store):
    at = run_app(demo_store, "comite", PAGE)
    assert not at.exception
    comite = viewer_for_username("comite", demo_store)
    with get_engine(demo_store).connect() as conn:
        name = conn.scalar(select(RegionalOffice.name).where(RegionalOffice.id == comite.regional_office_id))
    assert list(at.dataframe[0].value["Territorio"]) == [name]


def test_the_pmo_edits_a_target_with_audit_and_version(demo_store_rw):
    url = demo_store_rw
    admin = viewer_for_username("admin", url)
    res = target_edits.set_target(admin, "promociones", 2027, 2, "oficina_regional", "CAR", 40, url=url)
    assert res.changed and res.version == 1
    with pytest.raises(StaleEdit):
        target_edits.set_target(admin, "promociones", 2027, 2, "oficina_regional", "CAR", 45, None, url=url)
    again = target_edits.set_target(admin, "promociones", 2027, 2, "oficina_regional", "CAR", 45, 1, url=url)
    assert again.version == 2
    with get_engine(url).connect() as conn:
        value = conn.scalar(select(Target.value).where(Target.indicator == "promociones", Target.year == 2027))
        trail = conn.execute(select(AuditLog.action).where(AuditLog.entity == "target")).scalars().all()
    assert value == 45 and trail == ["create", "update"]
    goal = targets.goals(admin, 2027, url)[("promociones", "oficina_regional", "CAR")]
    assert goal.quarters == {2: 45.0} and goal.year_value is None
    with pytest.raises(ValidationFailed, match="La oficina regional «XYZ» no existe"):
        target_edits.set_target(admin, "promociones", 2027, 0, "oficina_regional", "XYZ", 1, url=url)
    with pytest.raises(ValidationFailed, match="mayor o igual a 0"):
        target_edits.set_target(admin, "promociones", 2027, 0, "nacional", "", -1, url=url)
    with pytest.raises(PermissionDenied):
        target_edits.set_target(viewer_for_username("comite", url), "promociones", 2027, 0, "nacional", "", 1,
                                url=url)


def test_the_edit_tab_lists_targets_for_the_pmo(demo_store):
    at = run_app(demo_store, "admin", "pages/edit.py")
    assert not at.exception
    assert "Metas" in [tab.label for tab in at.tabs]


def test_the_overdue_agreements_of_the_scope_come_first(demo_store):
    from data_access.results import agreements
    from rules.core.i18n import t

    found = agreements.overdue(viewer_for_username("directivo", demo_store), limit=3, url=demo_store)
    assert found["count"] > 0  # the demo keeps some agreements past their due date
    at = run_app(demo_store, "directivo", PAGE)
    assert t("agreements.overdue.title") in all_text(at)
