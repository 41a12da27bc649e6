"""Results framework: targets (metas) per indicator, year or quarter and territory; committee
sessions and their agreements (compromisos) with follow-up notes; comments on figures

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(20), nullable=False),
        sa.Column("territory_code", sa.String(10), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.UniqueConstraint("indicator", "year", "quarter", "level", "territory_code"),
    )
    op.create_table(
        "committee_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("regional_office_id", sa.Integer(), sa.ForeignKey("regional_office.id"), nullable=True),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("participants", sa.Text(), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_committee_session_regional_office_id", "committee_session", ["regional_office_id"])
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("committee_session.id"), nullable=True),
        sa.Column("subject_kind", sa.String(20), nullable=False),
        sa.Column("subject_code", sa.String(40), nullable=False),
        sa.Column("regional_office_id", sa.Integer(), sa.ForeignKey("regional_office.id"), nullable=True),
        sa.Column("municipality_code", sa.String(5), nullable=True),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("responsible", sa.String(160), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    for column in ("session_id", "regional_office_id", "operator_id", "due_on", "status"):
        op.create_index(f"ix_agreement_{column}", "agreement", [column])
    op.create_table(
        "agreement_note",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("agreement_id", sa.Integer(), sa.ForeignKey("agreement.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
    )
    op.create_index("ix_agreement_note_agreement_id", "agreement_note", ["agreement_id"])
    op.create_table(
        "figure_comment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("figure", sa.String(60), nullable=False),
        sa.Column("value_text", sa.String(200), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("cutoff", sa.Date(), nullable=False),
        sa.Column("regional_office_id", sa.Integer(), sa.ForeignKey("regional_office.id"), nullable=True),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=True),
        sa.Column("username", sa.String(60), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Integer(), sa.ForeignKey("figure_comment.id"), nullable=True),
    )
    op.create_index("ix_figure_comment_figure", "figure_comment", ["figure"])


def downgrade() -> None:
    for table in ("figure_comment", "agreement_note", "agreement", "committee_session", "target"):
        op.drop_table(table)
