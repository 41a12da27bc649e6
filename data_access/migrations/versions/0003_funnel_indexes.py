"""funnel indexes: covering stage-event index, promotion chains

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

* ``ix_stage_event_funnel`` (stage_event: enrolment_id, stage, event_date, outcome):
  the route funnels pivot each cohort enrolment's events; with this covering index the
  pivot is an index-only nested loop (no heap / table row lookups). It supersedes
  ``ix_stage_event_enrolment_stage`` (same leading columns) for every query.
* ``ix_enrolment_previous`` (enrolment: previous_enrolment_id): the Sankey between
  routes follows promotions from an enrolment to the next one.
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_stage_event_funnel", "stage_event", ["enrolment_id", "stage", "event_date", "outcome"], unique=False
    )
    op.create_index("ix_enrolment_previous", "enrolment", ["previous_enrolment_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enrolment_previous", table_name="enrolment")
    op.drop_index("ix_stage_event_funnel", table_name="stage_event")
