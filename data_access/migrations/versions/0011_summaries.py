"""Summaries of the derived ANS, per enrolment, kept exact by the writers (issue 20)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06

* ``summary_services_reached``: first date each enrolment reached «servicios activados»;
* ``summary_first_service``: first delivery date of each service type to each enrolment;
* ``summary_quarter_events``: stage events per enrolment and quarter of their date, and how many
  were registered on time — with a covering index by quarter;
* ``summary_state``: the "participants" data version each summary is exact for.

The derived ANS (``data_access.sla.queries``) read these instead of scanning millions of stage
events and deliveries; ``data_access.summary`` builds them here from the rows already stored
and keeps them exact in every write's own transaction.
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "summary_state",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "summary_services_reached",
        sa.Column("enrolment_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("reached_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "summary_first_service",
        sa.Column("enrolment_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("service_type_code", sa.String(30), primary_key=True),
        sa.Column("first_on", sa.Date(), nullable=False),
    )
    op.create_table(
        "summary_quarter_events",
        sa.Column("enrolment_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("quarter", sa.String(6), primary_key=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.Column("on_time", sa.Integer(), nullable=False),
    )
    op.create_index("ix_summary_quarter_events_quarter", "summary_quarter_events",
                    ["quarter", "enrolment_id", "events", "on_time"], unique=False)
    from data_access.summary import sla as summary

    summary.rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_summary_quarter_events_quarter", table_name="summary_quarter_events")
    op.drop_table("summary_quarter_events")
    op.drop_table("summary_first_service")
    op.drop_table("summary_services_reached")
    op.drop_table("summary_state")
