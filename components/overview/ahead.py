"""The common views computed ahead: with the first session of an app server, for every role and
scope with an active account (broadest first, ``auth.scope_viewers``) and with the filters of a
first visit, the landing page (the overview), then the ANS page, «Metas y semáforo», «Rutas»,
«Caracterización» and every view of the slideshow and the committee pack, so that signing in,
opening the heaviest pages and taking the pack find them computed; afterwards
``components.core.warm`` keeps them current after every write."""

from __future__ import annotations

from components.characterisation import assets, baselines
from components.core import warm
from components.core.cache import cached
from components.core.filters import first_visit_filters
from components.core.navigation import DEFAULT_URL_PATH, pages_for
from components.overview import slides
from components.results import scorecard
from components.routes import page as routes
from components.sla import common as sla
from data_access.core.auth import scope_viewers
from data_access.core.scope import localised
from exports import content
from rules.core.i18n import t

LANG = "es"


def _overview(viewer, filters, url: str) -> None:
    slides.build("overview", viewer, filters, LANG, url)


def _characterisation(viewer, filters, url: str) -> None:
    baselines.compute_first_visit(viewer, filters, url)  # both tabs are drawn on a first visit
    assets.compute_first_visit(viewer, filters, url)


@cached(uses=tuple(query for view in content.VIEWS for query in content.READS[view]), by_reach=True)
def committee_views(viewer, filters, lang: str, url: str) -> int:
    """Every view of the slideshow and the committee pack in the scope's shared context, where the
    pack built at these filters (a click, outside any script run) finds them; cached on what the
    views read, so that a write computes them again in the background (``warm``), one at a time:
    the other core stays with the people using the app."""
    content.build_views(list(content.VIEWS), content.shared_context(viewer, filters, lang, url), workers=1)
    return len(content.VIEWS)


def _committee_views(viewer, filters, url: str) -> None:
    committee_views(viewer, filters, LANG, url)


# page (url path) → its first visit's reads, in the order they are computed
FIRST_VISITS = (
    (DEFAULT_URL_PATH, _overview),
    ("ans", sla.compute_first_visit),
    ("metas", scorecard.compute_first_visit),
    ("rutas", routes.compute_first_visit),
    ("caracterizacion", _characterisation),
    ("presentacion", _committee_views),
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
