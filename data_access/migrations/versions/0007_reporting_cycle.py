"""Reporting cycle: operators' quarterly submissions, quarter closes with frozen official
figures, and the date each alliance evidence and sales row became known

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06

An operator's files wait in ``submission_file`` until the PMO approves the submission; a
closed quarter keeps its official figures per scope in ``official_figure`` (their SHA-256 is
in ``period_close`` and in the audit chain). ``registered_on`` on ``alliance_evidence`` and
``sales`` lets a figure be recomputed "as known on" a date; rows stored before take the date
of the batch that loaded them, or stay empty (known since before records began).
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "report_submission",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=False),
        sa.Column("quarter", sa.String(6), nullable=False),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("submitted_by", sa.String(60), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("first_submitted_at", sa.DateTime(), nullable=True),
        sa.Column("reviewed_by", sa.String(60), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_report_submission_quarter", "report_submission", ["quarter"])
    op.create_index("ix_report_submission_state", "report_submission", ["state"])
    op.create_index("ix_report_submission_operator_quarter", "report_submission", ["operator_id", "quarter"])
    op.create_table(
        "submission_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("submission_id", sa.Integer(), sa.ForeignKey("report_submission.id"), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("file_name", sa.String(260), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(60), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
    )
    op.create_index("ix_submission_file_submission_id", "submission_file", ["submission_id"])
    op.create_table(
        "period_close",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("quarter", sa.String(6), nullable=False),
        sa.Column("closed_by", sa.String(60), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("pending", sa.JSON(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("reopened_by", sa.String(60), nullable=True),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=False),
    )
    op.create_index("ix_period_close_quarter", "period_close", ["quarter"])
    op.create_table(
        "official_figure",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("close_id", sa.Integer(), sa.ForeignKey("period_close.id"), nullable=False),
        sa.Column("scope", sa.String(30), nullable=False),
        sa.Column("figure", sa.String(40), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
    )
    op.create_index("ix_official_figure_close_scope", "official_figure", ["close_id", "scope", "figure"])
    day = "date(b.at)" if op.get_bind().dialect.name == "sqlite" else "CAST(b.at AS DATE)"
    for table in ("alliance_evidence", "sales"):
        op.add_column(table, sa.Column("registered_on", sa.Date(), nullable=True))
        op.execute(f"UPDATE {table} SET registered_on = (SELECT {day} FROM import_batch b "
                   f"WHERE b.id = {table}.import_batch_id) WHERE import_batch_id IS NOT NULL")


def downgrade() -> None:
    for table in ("alliance_evidence", "sales"):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("registered_on")
    op.drop_table("official_figure")
    op.drop_table("period_close")
    op.drop_table("submission_file")
    op.drop_table("report_submission")
