"""Per-topic data versions for cross-process cache invalidation.

Cached reads take the current version of their topic as an argument. A write bumps
the versions of the topics it touches in the same transaction; at their next rerun,
every user in every app process reads the new version and so misses the cache for
exactly those reads — no TTL wait, no global cache clear.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from data_access.core.db import get_engine
from data_access.core.models import DataVersion
from data_access.summary import sla as summary

TOPICS = (
    "reference",  # municipalities, offices, users
    "targeting",
    "alerts",
    "participants",  # households, OPR, enrolments, stage events, deliveries
    "business_plans",  # PN, evidence, sales
    "sla",  # ANS definitions and measurements
    "boundaries",
    "reporting",  # submissions, quarter closes and their official figures
    "results",  # targets, committee sessions, agreements, comments on figures
    "characterisation",  # baselines at entry and exit, the territorial asset map
)


def reads(*topics: str):
    """Declare, next to a query's definition, the data topics it reads.

    The UI cache (``components.core.cache.cached``) keys the query's entries on exactly
    these topics' versions, and writers ``bump`` the same names, so a read and a write
    can never disagree on what a change invalidates. Every query is scoped for a viewer,
    and scope follows the accounts and the municipality → office mapping, so every
    declaration also reads ``reference``.
    """
    unknown = [topic for topic in topics if topic not in TOPICS]
    if unknown or not topics:
        raise ValueError(f"unknown or missing data topics {unknown!r}")
    declared = tuple(topic for topic in TOPICS if topic in {"reference", *topics})

    def declare(fn):
        fn.topics = declared
        return fn

    return declare


def topics_of(*queries) -> tuple[str, ...]:
    """The union of the topics the given queries declared with ``reads`` (in TOPICS order)."""
    missing = [getattr(q, "__qualname__", repr(q)) for q in queries if not getattr(q, "topics", None)]
    if missing:
        raise TypeError(f"queries without declared topics (use @versions.reads): {missing}")
    used = {topic for q in queries for topic in q.topics}
    return tuple(topic for topic in TOPICS if topic in used)


def bump(session: Session, *topics: str) -> None:
    for topic in topics:
        if topic not in TOPICS:
            raise ValueError(f"unknown data topic {topic!r}")
        res = session.execute(
            update(DataVersion).where(DataVersion.topic == topic).values(version=DataVersion.version + 1)
        )
        if res.rowcount == 0:
            session.add(DataVersion(topic=topic, version=1))
            session.flush()
    if summary.TOPIC in topics:
        summary.note_bump(session)  # its summaries are made exact before this transaction commits


def current(url: str | None = None) -> dict[str, int]:
    """All topic versions in one cheap query (run once per page run)."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(DataVersion.topic, DataVersion.version)).all()
    versions = {t: 0 for t in TOPICS}
    versions.update({t: v for t, v in rows})
    return versions
