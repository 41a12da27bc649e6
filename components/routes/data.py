"""Cached reads of the routes page (``cached_read`` keyed on the data versions).

Funnels, Sankey, coverage and participant pages depend on the ``participants`` topic
(enrolments, stage events, deliveries); option lists on ``reference`` too. Saved
cohorts are the viewer's own small list and are read uncached (one indexed query).
"""

from __future__ import annotations

from components.core.cache import cached_read
from data_access.reference import queries as ref
from data_access.routes import funnels as F

TOPICS = ("participants",)

funnel = cached_read(*TOPICS)(F.funnel)
sankey = cached_read(*TOPICS)(F.sankey)
service_coverage = cached_read(*TOPICS)(F.service_coverage)
participants = cached_read(*TOPICS)(F.participants)
cohort_quarters = cached_read(*TOPICS)(F.cohort_quarters)
operators = cached_read("participants", "reference")(F.operators)
offices = cached_read("reference")(ref.offices)
departments = cached_read("reference")(ref.departments)
municipalities = cached_read("reference")(ref.municipalities)

COHORT_READS = (funnel, sankey, service_coverage, participants)


def clear_cohort_reads() -> None:
    """Forget cached cohort results (benchmarks: every cohort change is then a miss)."""
    for fn in COHORT_READS:
        fn.clear()
