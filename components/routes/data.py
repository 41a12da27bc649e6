"""Cached reads of the routes page, each keyed on the data topics its query declares
(``data_access.routes.funnels``, ``data_access.reference.queries``: ``versions.reads``) and on
the records the viewer reaches (``by_reach``; the participant list, which shows personal data only
to the roles that may read it, on the role too): every person of one reach shares them, and the
first visit is computed ahead (``components.overview.ahead``).

Saved cohorts are the viewer's own small list and are read uncached (one indexed query).
"""

from __future__ import annotations

from components.core.cache import cached
from data_access.reference import queries as ref
from data_access.routes import funnels as F
from data_access.routes import loops as L

funnel = cached(F.funnel, by_reach=True)
viability_loops = cached(L.viability_loops, by_reach=True)
unobserved_entrants = cached(F.unobserved_entrants, by_reach=True)
sankey = cached(F.sankey, by_reach=True)
service_coverage = cached(F.service_coverage, by_reach=True)
participants = cached(F.participants, by_scope=True)  # by role: personal data only where it may be read
cohort_quarters = cached(F.cohort_quarters, by_reach=True)
operators = cached(F.operators, by_reach=True)
offices = cached(ref.offices, by_reach=True)
departments = cached(ref.departments, by_reach=True)
municipalities = cached(ref.municipalities, by_reach=True)

COHORT_READS = (funnel, viability_loops, unobserved_entrants, sankey, service_coverage, participants)


def clear_cohort_reads() -> None:
    """Forget cached cohort results (benchmarks: every cohort change is then a miss)."""
    for fn in COHORT_READS:
        fn.clear()
