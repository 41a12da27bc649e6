"""Cached reads of the routes page, each keyed on the data topics its query declares
(``data_access.routes.funnels``, ``data_access.reference.queries``: ``versions.reads``).

Saved cohorts are the viewer's own small list and are read uncached (one indexed query).
"""

from __future__ import annotations

from components.core.cache import cached
from data_access.reference import queries as ref
from data_access.routes import funnels as F
from data_access.routes import loops as L

funnel = cached(F.funnel)
viability_loops = cached(L.viability_loops)
unobserved_entrants = cached(F.unobserved_entrants)
sankey = cached(F.sankey)
service_coverage = cached(F.service_coverage)
participants = cached(F.participants)
cohort_quarters = cached(F.cohort_quarters)
operators = cached(F.operators)
offices = cached(ref.offices)
departments = cached(ref.departments)
municipalities = cached(ref.municipalities)

COHORT_READS = (funnel, viability_loops, unobserved_entrants, sankey, service_coverage, participants)


def clear_cohort_reads() -> None:
    """Forget cached cohort results (benchmarks: every cohort change is then a miss)."""
    for fn in COHORT_READS:
        fn.clear()
