"""The UI cache is keyed on the data topics its queries declare (``versions.reads``).

A write bumps topics in the store; a cached read misses exactly when one of its own
topics moved, on both stores. The committee views (presentation, overview page) are
cached per view on the queries ``exports.content.READS`` lists: every declared query a
view calls while it is built must be among them.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib

import pytest

from components.core import cache
from components.core.context import PageContext
from data_access.core import versions
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.core.versions import reads, topics_of

NATIONAL = Viewer("dir", "directivo", scope_label="Nacional")
FILTERS = GlobalFilters(cutoff=dt.date(2026, 9, 30))


@pytest.fixture
def store_context(empty_store, monkeypatch):
    """The page context the cache sees: the store's current versions, re-read at every call
    (as ``app.py`` does once per rerun)."""
    monkeypatch.setattr(cache, "current_context", lambda: PageContext(
        viewer=NATIONAL, filters=FILTERS, url=empty_store, versions=versions.current(empty_store)))
    return empty_store


def bump(url: str, *topics: str) -> None:
    with session_scope(url) as s:
        versions.bump(s, *topics)


def test_a_bump_misses_exactly_the_reads_of_its_topics(store_context):
    url = store_context
    calls = []

    @reads("sla", "participants")
    def probe(x, url=None):
        calls.append(x)
        return x

    read = cache.cached(probe)
    read.clear()
    assert read.topics == ("reference", "participants", "sla")  # scope reads accounts and offices
    assert read(1, url=url) == 1 and read(1, url=url) == 1
    assert calls == [1]  # the second read is a hit
    bump(url, "alerts", "boundaries")
    read(1, url=url)
    assert calls == [1]  # other topics: still a hit
    bump(url, "reference")
    read(1, url=url)
    assert calls == [1, 1]  # an account or office changed: the viewer's scope may have too
    bump(url, "sla")
    read(1, url=url)
    assert calls == [1, 1, 1]  # its topic moved: a miss
    bump(url, "participants")
    read(1, url=url)
    read(1, url=url)
    assert calls == [1, 1, 1, 1]


def test_a_composing_view_is_keyed_on_the_queries_it_uses(store_context, monkeypatch):
    """``@cached(uses=...)`` over a UI function: the ANS definitions table re-reads the store
    after an ANS write, not after an alert's."""
    from components.sla import common
    from data_access.sla import queries as S

    url = store_context
    calls = []
    definitions = S.definitions

    def counting(*args, **kwargs):
        calls.append(args)
        return definitions(*args, **kwargs)

    monkeypatch.setattr(S, "definitions", functools.update_wrapper(counting, definitions))
    common.definition_rows.clear()
    assert common.definition_rows.topics == ("reference", "sla")
    common.definition_rows(NATIONAL, None, url)
    common.definition_rows(NATIONAL, None, url)
    assert len(calls) == 1
    bump(url, "alerts", "participants")
    common.definition_rows(NATIONAL, None, url)
    assert len(calls) == 1
    bump(url, "sla")
    common.definition_rows(NATIONAL, None, url)
    assert len(calls) == 2


def test_a_query_without_declared_topics_cannot_be_cached():
    def undeclared(url=None):
        return None

    with pytest.raises(TypeError, match="declared topics"):
        cache.cached(undeclared)
    with pytest.raises(TypeError, match="declared topics"):
        cache.cached(uses=(undeclared,))(lambda: None)
    with pytest.raises(ValueError):
        reads("not_a_topic")


QUERY_MODULES = ("data_access.overview.queries", "data_access.alliance.queries", "data_access.sla.queries",
                 "data_access.map.queries", "data_access.routes.funnels", "data_access.reference.queries")


def test_every_committee_view_is_keyed_on_every_topic_it_reads(empty_store, monkeypatch):
    """Build each view with every declared query recording its calls: the topics of what
    the view called are within the topics of the queries ``content.READS`` lists for it."""
    from data_access.map import queries as map_queries
    from exports import content
    from tests.test_overview import seed_small

    seed_small(empty_store)
    called: list = []

    def recording(fn):
        @functools.wraps(fn)
        def record(*args, **kwargs):
            called.append(fn)
            return fn(*args, **kwargs)
        return record

    for name in QUERY_MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if callable(value) and getattr(value, "topics", None) and getattr(value, "__module__", "") == name:
                monkeypatch.setattr(module, attr, recording(value))
    for key, query in map_queries.METRIC_VALUES.items():
        monkeypatch.setitem(map_queries.METRIC_VALUES, key, recording(query))

    assert set(content.READS) == set(content.VIEWS)
    for view in content.VIEWS:
        called.clear()
        content.build_view(view, content.make_context(NATIONAL, FILTERS, "es", empty_store))
        assert called, view
        unkeyed = set(topics_of(*called)) - set(topics_of(*content.READS[view]))
        assert not unkeyed, f"view {view!r} reads {sorted(unkeyed)} but is not keyed on them"


def test_a_cached_figure_comes_back_equal_without_being_validated_again(monkeypatch):
    import pickle

    import _plotly_utils.basevalidators as validators
    import plotly.graph_objects as go

    fig = go.Figure(go.Bar(x=[3, 1], y=["Operador A (OP1)", "Operador B (OP2)"], orientation="h",
                           marker={"color": "#0072B2", "pattern": {"shape": "x"}}, customdata=[["OP1"], ["OP2"]]))
    fig.update_layout(height=300, barmode="stack", yaxis={"autorange": "reversed"})
    validated = []
    real = validators.DataArrayValidator.validate_coerce
    monkeypatch.setattr(validators.DataArrayValidator, "validate_coerce",
                        lambda self, v: validated.append(v) or real(self, v))
    back = pickle.loads(pickle.dumps(fig))  # what st.cache_data does on every read
    assert isinstance(back, go.Figure) and back.to_dict() == fig.to_dict()
    assert not validated
    back.update_layout(height=500)  # a figure like any other: a page may still adjust it
    assert (back.layout.height, fig.layout.height) == (500, 300)
