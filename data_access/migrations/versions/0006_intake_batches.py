"""Intake batches: ``import_batch`` and each imported row's ``import_batch_id``; natural keys
for alerts and enrolments (``code``)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Every file loaded by ``tablero import`` or the «Carga de datos» page is one batch (entity,
file name, SHA-256, user, time, counts); each row it writes keeps the batch id, so any
figure can be traced to the file it came from. Alerts and enrolments had no natural key a
file could name; ``codigo_alerta`` and ``codigo_inscripcion`` are stored as ``code``.
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

IMPORTED_TABLES = (
    "municipality", "targeting", "territorial_alert", "opr", "household", "operator", "operator_contract",
    "enrolment", "stage_event", "service_delivery", "business_plan", "alliance_evidence", "sales",
    "sla_definition", "sla_measurement",
)


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("file_name", sa.String(260), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
    )
    for column in ("entity", "sha256", "username", "at"):
        op.create_index(f"ix_import_batch_{column}", "import_batch", [column])
    for table in IMPORTED_TABLES:
        op.add_column(table, sa.Column("import_batch_id", sa.Integer(), nullable=True))
    sqlite = op.get_bind().dialect.name == "sqlite"
    for table, prefix in (("territorial_alert", "AL"), ("enrolment", "INS")):
        op.add_column(table, sa.Column("code", sa.String(40), nullable=True))
        # rows stored before get their id's code (data_access.intake.codes.fallback_code)
        code = f"printf('{prefix}-%06d', id)" if sqlite else f"'{prefix}-' || lpad(id::text, 6, '0')"
        op.execute(f"UPDATE {table} SET code = {code} WHERE code IS NULL")
        op.create_index(f"uq_{table}_code", table, ["code"], unique=True)


def downgrade() -> None:
    for table in ("territorial_alert", "enrolment"):
        op.drop_index(f"uq_{table}_code", table_name=table)
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("code")
    for table in IMPORTED_TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("import_batch_id")
    op.drop_table("import_batch")
