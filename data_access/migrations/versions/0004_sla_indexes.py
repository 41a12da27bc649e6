"""ANS indexes: covering indexes for the derived ANS of ``data_access.sla.queries``

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

* ``ix_stage_event_date`` (stage_event: event_date, enrolment_id, registered_on): "% of stage
  events registered within 15 days", per quarter of event_date — an index-only range scan
  of one quarter instead of a scan of every event.
* ``ix_stage_event_stage_date`` (stage_event: stage, event_date, enrolment_id): who reached
  «servicios activados» by a date (service coverage, days to first visit) — index-only.
* ``ix_service_delivery_first`` (service_delivery: enrolment_id, service_type_code,
  delivery_date): first delivery of a service to a participant, index-only. It supersedes
  ``ix_service_delivery_enrolment`` (same leading columns) for every query.
* ``ix_enrolment_contract_cohort`` (enrolment: contract_id, cohort_quarter): a contract's
  entry cohort (days to first visit; an operador's own contracts).
"""
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_stage_event_date", "stage_event", ["event_date", "enrolment_id", "registered_on"],
                    unique=False)
    op.create_index("ix_stage_event_stage_date", "stage_event", ["stage", "event_date", "enrolment_id"],
                    unique=False)
    op.create_index("ix_service_delivery_first", "service_delivery",
                    ["enrolment_id", "service_type_code", "delivery_date"], unique=False)
    op.create_index("ix_enrolment_contract_cohort", "enrolment", ["contract_id", "cohort_quarter"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_enrolment_contract_cohort", table_name="enrolment")
    op.drop_index("ix_service_delivery_first", table_name="service_delivery")
    op.drop_index("ix_stage_event_stage_date", table_name="stage_event")
    op.drop_index("ix_stage_event_date", table_name="stage_event")
