"""The common views computed ahead: with the first session of an app server, for every role and
scope with an active account (broadest first, ``auth.scope_viewers``) and with the filters of a
first visit, the landing page (the overview), then the ANS page, «Metas y semáforo», «Rutas» and
«Caracterización», so that signing in and opening the heaviest pages find them computed;
afterwards ``components.core.warm`` keeps them current after every write."""

from __future__ import annotations

from components.characterisation import assets, baselines
from components.core import warm
from components.core.filters import first_visit_filters
from components.core.navigation import DEFAULT_URL_PATH, pages_for
from components.overview import slides
from components.results import scorecard
from components.routes import page as routes
from components.sla import common as sla
from data_access.core.auth import scope_viewers
from data_access.core.scope import localised
from rules.core.i18n import t

LANG = "es"


def _overview(viewer, filters, url: str) -> None:
    slides.build("overview", viewer, filters, LANG, url)


def _characterisation(viewer, filters, url: str) -> None:
    baselines.compute_first_visit(viewer, filters, url)  # both tabs are drawn on a first visit
    assets.compute_first_visit(viewer, filters, url)


# page (url path) → its first visit's reads, in the order they are computed
FIRST_VISITS = (
    (DEFAULT_URL_PATH, _overview),
    ("ans", sla.compute_first_visit),
    ("metas", scorecard.compute_first_visit),
    ("rutas", routes.compute_first_visit),
    ("caracterizacion", _characterisation),
)


def compute(url: str) -> int:
    """Each page of ``FIRST_VISITS``, for each scope whose role sees it (landing pages first);
    how many views."""
    scopes = [localised(v, lambda key, name: t(key, LANG, name=name)) for v in scope_viewers(url)]
    scopes = [(v, first_visit_filters(v, url)) for v in scopes]
    done = 0
    for page, first_visit in FIRST_VISITS:
        for viewer, filters in scopes:
            if any(p.url_path == page for p in pages_for(viewer.role)):
                first_visit(viewer, filters, url)
                done += 1
    return done


def start(url: str) -> None:
    warm.start_ahead(url, lambda: compute(url))
