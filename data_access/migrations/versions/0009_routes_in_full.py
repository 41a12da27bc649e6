"""Routes as designed (seed 000 §4): household co-financing of ruta básica micro-projects, the
verifiable exit record, and the route of a dirección de ruta's account

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("route", sa.String(20), nullable=True))
    op.create_table(
        "household_cofinancing",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("enrolment.id"), nullable=False),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("household.id"), nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=True),
        sa.Column("committed_cop", sa.BigInteger(), nullable=False),
        sa.Column("disbursed_cop", sa.BigInteger(), nullable=False),
        sa.Column("requirements_met", sa.Boolean(), nullable=False),
        sa.Column("committed_on", sa.Date(), nullable=True),
        sa.Column("disbursed_on", sa.Date(), nullable=True),
        sa.Column("registered_on", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("uq_household_cofinancing_enrolment", "household_cofinancing", ["enrolment_id"], unique=True)
    for column in ("household_id", "municipality_code", "operator_id"):
        op.create_index(f"ix_household_cofinancing_{column}", "household_cofinancing", [column])
    op.create_table(
        "exit_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(24), nullable=False, unique=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("enrolment.id"), nullable=False),
        sa.Column("route", sa.String(20), nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=True),
        sa.Column("outcome", sa.String(30), nullable=False),
        sa.Column("exit_date", sa.Date(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("digests", sa.JSON(), nullable=True),
        sa.Column("audit_log_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("uq_exit_record_enrolment", "exit_record", ["enrolment_id"], unique=True)
    for column in ("municipality_code", "operator_id"):
        op.create_index(f"ix_exit_record_{column}", "exit_record", [column])


def downgrade() -> None:
    op.drop_table("exit_record")
    op.drop_table("household_cofinancing")
    op.drop_column("app_user", "route")
