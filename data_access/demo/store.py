"""The programme tables of the store as the demo sees them: their order, their row
counts, and clearing them before a new seed.

Why: seeding refuses a store that already holds a programme (two would mix), and
``--replace`` must delete one quickly at national scale on both stores.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import func, select

from data_access.core.db import get_engine, is_sqlite
from data_access.core.models import Base
from data_access.demo.accounts import DEMO_ACCOUNTS

# Programme tables in foreign-key order (parents first). Reference tables (offices,
# municipalities, value chains, service types) come from the migrations and stay.
PROGRAMME_TABLES: tuple[str, ...] = (
    "operator",
    "operator_contract",
    "contract_service",
    "targeting",
    "territorial_alert",
    "territorial_asset",
    "opr",
    "household",
    "enrolment",
    "stage_event",
    "service_delivery",
    "household_cofinancing",
    "baseline",
    "business_plan",
    "alliance_evidence",
    "sales",
    "sla_definition",
    "sla_measurement",
    "knowledge_record",
    "document",
    "document_link",
)


# committee records that point at programme rows (operators, municipalities): children first
RESULTS_RECORDS = ("agreement_note", "agreement", "committee_session", "figure_comment")
# the reporting cycle of the programme: operators' reports, quarter closes and their official figures
REPORTING_RECORDS = ("submission_file", "report_submission", "official_figure", "period_close")
# the sealed exit records of the programme's enrolments (written after the load, not generated)
SEALED_RECORDS = ("exit_record",)


def programme_counts(url: str | None = None) -> dict[str, int]:
    md = Base.metadata.tables
    with get_engine(url).connect() as conn:
        return {
            t: conn.execute(select(func.count()).select_from(md[t])).scalar_one() for t in PROGRAMME_TABLES
        }


def household_count(url: str | None = None) -> int:
    with get_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(Base.metadata.tables["household"])).scalar_one()


def clear_programme(url: str | None = None) -> None:
    """Delete every programme row (children first) and the demo accounts.

    Other accounts tied to a deleted operator lose that link (their scope becomes empty:
    default-deny) rather than blocking the delete.
    """
    engine = get_engine(url)
    md = Base.metadata.tables
    users = md["app_user"]
    demo_names = [u for u, _, _ in DEMO_ACCOUNTS]
    with engine.begin() as conn:  # what committees recorded about the programme goes with it
        for name in (*RESULTS_RECORDS, *REPORTING_RECORDS, *SEALED_RECORDS):
            conn.execute(sa.delete(md[name]))
    if is_sqlite(engine):
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            # Unindexed self-references (previous_enrolment_id) make FK checks on a mass
            # delete quadratic; the whole programme goes, so checks are off for this delete.
            raw.execute("PRAGMA foreign_keys=OFF")
            try:
                conn = conn.execution_options(sqlite_immediate=True)
                with conn.begin():
                    conn.execute(sa.delete(users).where(users.c.username.in_(demo_names)))
                    conn.execute(
                        sa.update(users).where(users.c.operator_id.is_not(None)).values(operator_id=None)
                    )
                    for name in reversed(PROGRAMME_TABLES):
                        conn.execute(sa.delete(md[name]))
            finally:
                raw.execute("PRAGMA foreign_keys=ON")
        return
    with engine.begin() as conn:
        conn.execute(sa.delete(users).where(users.c.username.in_(demo_names)))
        conn.execute(sa.update(users).where(users.c.operator_id.is_not(None)).values(operator_id=None))
        # TRUNCATE of everything referencing operator in one statement; operator is still
        # referenced by app_user, so it is deleted row by row (it is small).
        names = [*SEALED_RECORDS, *(n for n in PROGRAMME_TABLES if n != "operator")]
        conn.exec_driver_sql("TRUNCATE " + ", ".join(f'"{n}"' for n in names))  # fixed identifiers
        conn.execute(sa.delete(md["operator"]))
