"""The landing page computed ahead: when the app server starts, the overview of every role and
scope with an active account (broadest first, ``auth.scope_viewers``), with the filters of a
first visit, so that signing in shows it at once; afterwards ``components.core.warm`` keeps
it current after every write."""

from __future__ import annotations

from components.core import warm
from components.core.filters import first_visit_filters
from components.overview import slides
from data_access.core.auth import scope_viewers
from data_access.core.scope import localised
from rules.core.i18n import t

LANG = "es"


def compute(url: str) -> int:
    """The landing view of each scope (what ``pages/overview.py`` reads first); how many."""
    done = 0
    for viewer in scope_viewers(url):
        viewer = localised(viewer, lambda key, name: t(key, LANG, name=name))
        slides.build("overview", viewer, first_visit_filters(viewer, url), LANG, url)
        done += 1
    return done


def start(url: str) -> None:
    warm.start_ahead(url, lambda: compute(url))
