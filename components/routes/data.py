"""Cached reads of the routes page, each keyed on the data topics its query declares
(``data_access.routes.funnels``, ``data_access.reference.queries``: ``versions.reads``) and on
the viewer's scope only (``by_scope``): every person of one scope shares them, and the first
visit is computed ahead (``components.overview.ahead``).

Saved cohorts are the viewer's own small list and are read uncached (one indexed query).
"""

from __future__ import annotations

from components.core.cache import cached
from data_access.reference import queries as ref
from data_access.routes import funnels as F
from data_access.routes import loops as L

funnel = cached(F.funnel, by_scope=True)
viability_loops = cached(L.viability_loops, by_scope=True)
unobserved_entrants = cached(F.unobserved_entrants, by_scope=True)
sankey = cached(F.sankey, by_scope=True)
service_coverage = cached(F.service_coverage, by_scope=True)
participants = cached(F.participants, by_scope=True)
cohort_quarters = cached(F.cohort_quarters, by_scope=True)
operators = cached(F.operators, by_scope=True)
offices = cached(ref.offices, by_scope=True)
departments = cached(ref.departments, by_scope=True)
municipalities = cached(ref.municipalities, by_scope=True)

COHORT_READS = (funnel, viability_loops, unobserved_entrants, sankey, service_coverage, participants)


def clear_cohort_reads() -> None:
    """Forget cached cohort results (benchmarks: every cohort change is then a miss)."""
    for fn in COHORT_READS:
        fn.clear()
