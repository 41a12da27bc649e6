"""The landing page computed ahead (``components.overview.ahead``): at the server's start, one
overview per role and scope of the active accounts, broadest first, keyed exactly as the first
visit of a person who signs in reads it, and remembered so that writes recompute it. Both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from components.core import warm
from components.core.filters import first_visit_filters
from components.core.navigation import pages_for
from components.overview import ahead, slides
from components.results import scorecard as results_scorecard
from components.sla import common as sla
from data_access.core import versions
from data_access.core.auth import scope_viewers, viewer_for_username
from data_access.core.db import session_scope
from data_access.core.models import AppUser
from data_access.core.scope import Viewer, localised, reach_only, scope_only
from data_access.core.timing import SqlTimer
from data_access.results import indicators as indicators_q
from data_access.sla import queries as S
from exports import content, pack
from rules import access
from rules.access import Reach
from rules.core.catalog import NATIONAL_ROLES, Role
from rules.core.i18n import t
from tests.apptest_utils import run_app

BREADTH = [Reach.ALL, Reach.ROUTE, Reach.OFFICE, Reach.CONTRACTS]


def _localised(viewer):
    return localised(viewer, lambda key, name: t(key, "es", name=name))


def test_one_viewer_per_scope_of_the_active_accounts_broadest_first(demo_store):
    viewers = scope_viewers(demo_store)
    reaches = [access.scope_of(v.role) for v in viewers]
    assert reaches == sorted(reaches, key=BREADTH.index) and reaches[0] is Reach.ALL
    scopes = [(v.role, v.regional_office_id, v.operator_id, v.route) for v in viewers]
    assert len(set(scopes)) == len(scopes)
    with session_scope(demo_store) as s:
        accounts = s.execute(select(AppUser.role, AppUser.regional_office_id, AppUser.operator_id, AppUser.route)
                             .where(AppUser.active)).all()
    assert {tuple(a) for a in accounts} == set(scopes)  # the demo has fewer scopes than the limit


@pytest.mark.parametrize("username", ["directivo", "comite", "operador", "direccion_basica"])
def test_a_first_visit_asks_for_what_was_computed_ahead(demo_store, username):
    at = run_app(demo_store, username)
    assert not at.exception
    ctx = at.session_state["_page_context"]
    assert ctx.filters == first_visit_filters(ctx.viewer, demo_store)
    assert scope_only(ctx.viewer) in {scope_only(_localised(v)) for v in scope_viewers(demo_store)}


def test_computing_ahead_fills_and_remembers_the_landing_view_of_every_scope(demo_store, monkeypatch):
    url = demo_store
    built = []
    real = content.BUILDERS["overview"]
    monkeypatch.setitem(content.BUILDERS, "overview", lambda vc: built.append("overview") or real(vc))
    overview = slides._BUILDS["overview"]
    overview.clear()
    pack.forget()  # the scopes' shared contexts (exports.content)
    current = versions.current(url)
    with warm.recomputing(url, current, remember=True):
        done = ahead.compute(url)
    viewers = scope_viewers(url)
    pages = {name: [v for v in viewers if any(p.url_path == name for p in pages_for(v.role))]
             for name, _ in ahead.FIRST_VISITS[1:]}
    reaches = {reach_only(v) for v in viewers}  # every national role shares one (the committee views' key)
    assert built.count("overview") == len(reaches) < len(viewers) and all(pages.values())
    assert done == len(viewers) + sum(map(len, pages.values()))
    token = (url, tuple(current.get(topic, 0) for topic in overview.topics))
    for viewer in map(_localised, viewers):
        key = ("overview", reach_only(viewer), first_visit_filters(viewer, url), "es")
        overview.store(token, *key, url=url)  # what the page's first run asks for
        assert (url, f"{overview.__module__}.{overview.__qualname__}", key, (("url", url),)) in warm._recent
    assert built.count("overview") == len(reaches)  # every one was already there


def test_computing_ahead_fills_the_first_visit_to_the_ans_and_scorecard_pages(demo_store, monkeypatch):
    url = demo_store
    frames, cells = [], []
    real, real_groups = S.scorecard_frame, indicators_q.groups
    monkeypatch.setattr(S, "scorecard_frame", lambda *a, **k: frames.append(a[2]) or real(*a, **k))
    # groups() is read once a scorecard (and not by the overview, whose cache other tests may fill)
    monkeypatch.setattr(indicators_q, "groups", lambda *a, **k: cells.append(a[1]) or real_groups(*a, **k))
    sla._window_rows.clear()
    sla.window_frame.clear()
    results_scorecard._scorecard.clear()
    with warm.recomputing(url, versions.current(url)):
        ahead.compute(url)
        first, first_cells = len(frames), len(cells)
        assert first > 0
        for viewer in map(_localised, scope_viewers(url)):  # what each first visit reads
            filters = first_visit_filters(viewer, url)
            options = sla.quarter_choices(viewer, filters, url)
            sla.window_frame(viewer, filters, options[0], sla.trend_window(options[0], options), None, url)
            results_scorecard._scorecard(viewer, filters, results_scorecard.LEVELS[0], url=url)
    assert len(frames) == first and len(cells) == first_cells  # the first visits computed nothing
    assert first_cells == len({(reach_only(_localised(v)), first_visit_filters(v, url)) for v in scope_viewers(url)
                              if any(p.url_path == "metas" for p in pages_for(v.role))})


def _page_queries(at, url: str, page: str) -> tuple[int, int]:
    """SQL statements of the first run of ``page`` in this session, and of a rerun."""
    at.switch_page(page)
    counts = []
    for _ in range(2):
        with SqlTimer(url) as sql:
            at.run()
        assert not at.exception
        counts.append(sql.count)
    return counts[0], counts[1]


@pytest.mark.parametrize("page", ["pages/routes.py", "pages/characterisation.py"])
@pytest.mark.parametrize("username", ["directivo", "comite"])
def test_a_first_visit_after_the_computation_ahead_reads_no_more_than_a_rerun(demo_store, username, page):
    cold_first, cold_rerun = _page_queries(run_app(demo_store, username), demo_store, page)
    assert cold_first > cold_rerun  # the page's reads are cached: its first visit computes them
    at = run_app(demo_store, username)  # caches forgotten
    with warm.recomputing(demo_store, versions.current(demo_store)):
        ahead.compute(demo_store)
    assert _page_queries(at, demo_store, page) == (cold_rerun, cold_rerun)


def _slide_facts(slide) -> tuple:
    figure = slide.figure.to_plotly_json() if slide.figure is not None else None
    table = slide.table.to_dict("split") if slide.table is not None else None
    return (slide.view, slide.title, slide.subtitle, repr(slide.key_figures), figure, table, slide.definition,
            slide.notes, repr(slide.official))


@pytest.mark.parametrize("username", ["directivo", "comite"])
def test_the_pack_after_the_computation_ahead_computes_nothing_and_equals_the_live_pack(demo_store, username,
                                                                                        monkeypatch):
    pack.forget()
    ahead.committee_views.clear()
    with warm.recomputing(demo_store, versions.current(demo_store)):
        ahead.compute(demo_store)
    person = _localised(viewer_for_username(username, demo_store))  # a person, not the scope computed ahead
    filters = first_visit_filters(person, demo_store)
    built = []
    for view, builder in list(content.BUILDERS.items()):
        monkeypatch.setitem(content.BUILDERS, view, lambda vc, b=builder, v=view: built.append(v) or b(vc))
    shared = pack.build_slides(person, filters, content.VIEWS, "es", demo_store)
    assert built == []  # the person's pack found every view computed
    live = pack.build_slides(person, filters, content.VIEWS, "es", demo_store, shared=False)
    assert sorted(built) == sorted(content.VIEWS)
    assert [_slide_facts(s) for s in shared] == [_slide_facts(s) for s in live]


def test_the_reach_key_joins_the_roles_of_one_reach_and_keeps_offices_operators_and_routes_apart():
    national = {reach_only(Viewer(username=r, role=r, display_name=r)) for r in sorted(NATIONAL_ROLES)}
    assert len(national) == 1
    assert access.scope_of(next(iter(national)).role) is Reach.ALL
    offices = {reach_only(Viewer(username="c", role=Role.COMITE_REGIONAL, regional_office_id=o)) for o in (1, 2)}
    routes = {reach_only(Viewer(username="d", role=Role.DIRECCION_RUTA, route=r)) for r in ("basica", "intermedia")}
    assert len(offices) == 2 and len(routes) == 2


def test_a_second_national_role_finds_the_committee_views_of_the_first_and_they_equal_its_own(demo_store,
                                                                                                monkeypatch):
    pack.forget()
    directivo, analista = (_localised(viewer_for_username(u, demo_store)) for u in ("directivo", "analista"))
    filters = first_visit_filters(directivo, demo_store)
    content.build_view("overview", content.shared_context(directivo, filters, "es", demo_store))
    built = []
    for view, builder in list(content.BUILDERS.items()):
        monkeypatch.setitem(content.BUILDERS, view, lambda vc, b=builder, v=view: built.append(v) or b(vc))
    shared = content.build_view("overview", content.shared_context(analista, filters, "es", demo_store))
    assert built == []
    live = content.build_view("overview", content.make_context(analista, filters, "es", demo_store))
    assert built == ["overview"]
    assert _slide_facts(shared) == _slide_facts(live)
