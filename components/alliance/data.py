"""Cached reads of the alliance page: each keyed on the data topics its query declares
(``data_access.alliance.queries``, ``versions.reads``)."""

from __future__ import annotations

from components.core.cache import cached
from data_access.alliance import queries as al

page_overview = cached(al.page_overview)
drill_labels = cached(al.drill_labels)
plan_list = cached(al.plan_list)
at_risk = cached(al.at_risk)
sales_overview = cached(al.sales_overview)
