"""The common views computed ahead: with the first session of an app server, the overview (the
landing page) of every role and scope with an active account (broadest first,
``auth.scope_viewers``), then its ANS page and its «Metas y semáforo», with the filters of a first
visit, so that signing in and opening the heaviest pages find them computed; afterwards ``components.core.warm`` keeps
them current after every write."""

from __future__ import annotations

from components.core import warm
from components.core.filters import first_visit_filters
from components.core.navigation import pages_for
from components.overview import slides
from components.results import scorecard
from components.sla import common as sla
from data_access.core.auth import scope_viewers
from data_access.core.scope import localised
from rules.core.i18n import t

LANG = "es"


def compute(url: str) -> int:
    """The landing view of each scope (what ``pages/overview.py`` reads first), then each
    scope's first visit to the ANS page and to «Metas y semáforo»; how many views."""
    scopes = [localised(v, lambda key, name: t(key, LANG, name=name)) for v in scope_viewers(url)]
    scopes = [(v, first_visit_filters(v, url)) for v in scopes]
    done = 0
    for viewer, filters in scopes:
        slides.build("overview", viewer, filters, LANG, url)
        done += 1
    for page, first_visit in (("ans", sla.compute_first_visit), ("metas", scorecard.compute_first_visit)):
        for viewer, filters in scopes:
            if any(p.url_path == page for p in pages_for(viewer.role)):
                first_visit(viewer, filters, url)
                done += 1
    return done


def start(url: str) -> None:
    warm.start_ahead(url, lambda: compute(url))
