"""reference data: DIVIPOLA catalogue, oficinas regionales, service types, value chains

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
import sqlalchemy as sa
from alembic import op

from data_access.core.versions import TOPICS
from data_access.reference.load import divipola_catalogue, regional_offices, service_types, value_chains

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

office_t = sa.table("regional_office", sa.column("id", sa.Integer), sa.column("code"), sa.column("name"))
dept_t = sa.table("department", sa.column("code"), sa.column("name"))
muni_t = sa.table(
    "municipality",
    sa.column("code"),
    sa.column("name"),
    sa.column("department_code"),
    sa.column("regional_office_id", sa.Integer),
    sa.column("source"),
    sa.column("version", sa.Integer),
)
service_t = sa.table("service_type", sa.column("code"), sa.column("name"), sa.column("in_basic_route", sa.Boolean))
chain_t = sa.table("value_chain", sa.column("id", sa.Integer), sa.column("name"))
version_t = sa.table("data_version", sa.column("topic"), sa.column("version", sa.Integer))


def upgrade() -> None:
    departments, municipalities = divipola_catalogue()
    offices = regional_offices()
    office_of_dept = {}
    op.bulk_insert(office_t, [{"id": i, "code": c, "name": n} for i, (c, n, _) in enumerate(offices, 1)])
    for i, (_, _, depts) in enumerate(offices, 1):
        for d in depts:
            office_of_dept[d] = i
    op.bulk_insert(dept_t, [{"code": c, "name": n} for c, n in sorted(departments.items())])
    op.bulk_insert(
        muni_t,
        [
            {
                "code": code,
                "name": name,
                "department_code": dpto,
                "regional_office_id": office_of_dept.get(dpto),
                "source": "divipola",
                "version": 1,
            }
            for code, (name, dpto) in sorted(municipalities.items())
        ],
    )
    op.bulk_insert(service_t, [{"code": c, "name": n, "in_basic_route": b} for c, n, b in service_types()])
    op.bulk_insert(chain_t, [{"id": i, "name": n} for i, n in enumerate(value_chains(), 1)])
    op.bulk_insert(version_t, [{"topic": t, "version": 0} for t in TOPICS])
    if op.get_bind().dialect.name == "postgresql":
        for table in ("regional_office", "value_chain"):
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")


def downgrade() -> None:
    for table in ("data_version", "value_chain", "service_type", "municipality", "department", "regional_office"):
        op.execute(sa.text(f"DELETE FROM {table}"))
