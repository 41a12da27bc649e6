"""The store after `db upgrade`: schema at head, DIVIPOLA catalogue, office mapping,
and default-deny scoping — on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import func, select

from data_access.core.db import get_engine
from data_access.core.models import Department, Municipality, RegionalOffice, ServiceType
from data_access.core.scope import NOBODY, Viewer, municipality_clause, record_clause
from data_access.migrate import current_revision, head_revision


def _count(url, stmt):
    with get_engine(url).connect() as conn:
        return conn.execute(stmt).scalar_one()


def test_upgrade_reaches_head_with_catalogue(empty_store):
    assert current_revision(empty_store) == head_revision()
    assert _count(empty_store, select(func.count()).select_from(Department)) == 33
    assert _count(empty_store, select(func.count()).select_from(Municipality)) == 1121
    assert _count(empty_store, select(func.count()).select_from(RegionalOffice)) == 8
    assert _count(empty_store, select(func.count()).select_from(ServiceType)) == 8
    # every municipality has an office, and its 5-digit code starts with its department's
    unmapped = select(func.count()).select_from(Municipality).where(Municipality.regional_office_id.is_(None))
    assert _count(empty_store, unmapped) == 0
    with get_engine(empty_store).connect() as conn:
        name, dpto = conn.execute(
            select(Municipality.name, Municipality.department_code).where(Municipality.code == "05001")
        ).one()
        assert (name, dpto) == ("Medellín", "05")
        codes = conn.execute(select(Municipality.code, Municipality.department_code)).all()
    assert all(len(c) == 5 and c.isdigit() and c.startswith(d) for c, d in codes)


def _visible(url, viewer):
    stmt = select(func.count()).select_from(Municipality).where(municipality_clause(viewer, Municipality.code))
    return _count(url, stmt)


def test_scope_is_default_deny(empty_store):
    with get_engine(empty_store).connect() as conn:
        car = conn.execute(select(RegionalOffice.id).where(RegionalOffice.code == "CAR")).scalar_one()
        car_munis = conn.execute(
            select(func.count()).select_from(Municipality).where(Municipality.regional_office_id == car)
        ).scalar_one()
    assert _visible(empty_store, Viewer("d", "directivo")) == 1121
    assert _visible(empty_store, Viewer("c", "comite_regional", regional_office_id=car)) == car_munis
    assert 0 < car_munis < 1121
    # no office, unknown role, nobody, operator (no territorial scope): nothing
    assert _visible(empty_store, Viewer("c", "comite_regional")) == 0
    assert _visible(empty_store, Viewer("x", "superuser")) == 0
    assert _visible(empty_store, NOBODY) == 0
    assert _visible(empty_store, Viewer("o", "operador", operator_id=3)) == 0


def test_record_clause_operator_sees_own_only():
    op = Viewer("o", "operador", operator_id=3)
    clause = record_clause(op, Municipality.code, Municipality.regional_office_id)
    assert "regional_office_id" in str(clause)
    assert str(record_clause(Viewer("o", "operador"), Municipality.code, Municipality.regional_office_id)) == "false"


def test_models_and_migrations_agree(empty_store):
    """Every schema change goes through Alembic: the migrated store equals the models."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data_access.core.models import Base
    from data_access.knowledge.schema import include_object

    with get_engine(empty_store).connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": include_object})
        assert compare_metadata(context, Base.metadata) == []
