"""Cached reads keyed on the data versions their queries declare (``data_access.core.versions``).

``cached(query)`` wraps a data_access query decorated with ``@versions.reads(...)``; a view
function of the UI layer that composes several queries is wrapped with
``cached(uses=(query_a, query_b))``. The cache entry depends on the store URL and on the
current versions of exactly those topics: a write bumps them, and every user in every app
process misses exactly those entries at the next rerun. No call site names a topic.
``.clear()`` is still available for a local, per-function clear. In the app server, the reads
people made recently are computed again in the background as soon as a write moves their
versions (``components.core.warm``), so that nobody waits for them after a write.
"""

from __future__ import annotations

import copyreg
import functools

import plotly.graph_objects as go
import streamlit as st

from components.core import warm
from components.core.context import current_context
from components.core.plotting import trusted_figure
from data_access.core.scope import Viewer, reach_only, scope_only
from data_access.core.versions import topics_of

DEFAULT_TTL = 900  # seconds; memory hygiene only — freshness comes from the versions


def _reduce_figure(fig: go.Figure):
    return trusted_figure, (fig.to_dict(),)


# Every read of a cached value unpickles it; plotly pickles a figure as a call of its constructor,
# which validates every property again: about 8 ms a figure on every rerun that shows it.
copyreg.pickle(go.Figure, _reduce_figure)


def cached(query=None, *, uses=(), ttl: int = DEFAULT_TTL, by_scope: bool = False, by_reach: bool = False):
    """``cached(query)`` or ``@cached(uses=(q1, q2))`` over a composing view function.

    ``by_scope``: the read depends on the viewer's role and reach, never on who the person is
    (no username, name or account version): every viewer of the same role and reach shares its
    entries (``scope_only``), so one computation serves them all and the background
    recomputation after a write computes it once. ``by_reach``: narrower still, the read depends
    on the records the viewer reaches and on no permission of its role (its queries check none
    but ``VIEW_DATA``): every role of one reach shares its entries (``reach_only``), so the
    national roles make one computation."""
    viewer_key = reach_only if by_reach else scope_only if by_scope else None
    if query is None:
        return lambda fn: _wrap(fn, topics_of(*uses), ttl, viewer_key)
    return _wrap(query, topics_of(query, *uses), ttl, viewer_key)


def _wrap(fn, topics: tuple[str, ...], ttl: int, viewer_key=None):
    def inner(token, *args, **kwargs):  # 'token' (no underscore) is hashed into the key
        return fn(*args, **kwargs)

    inner.__module__ = fn.__module__
    inner.__qualname__ = f"{fn.__qualname__}__cached"
    inner.__name__ = inner.__qualname__
    store = st.cache_data(ttl=ttl, show_spinner=False, max_entries=256)(inner)

    name = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if viewer_key is not None:
            args = tuple(viewer_key(a) if isinstance(a, Viewer) else a for a in args)
            kwargs = {k: viewer_key(v) if isinstance(v, Viewer) else v for k, v in kwargs.items()}
        background = warm.token(topics)
        if background is not None:  # recomputing in the background (components.core.warm)
            ahead = warm.remembering()
            if ahead:
                warm.note(ahead, name, topics, store, args, kwargs)
            return store(background, *args, **kwargs)
        ctx = current_context()
        if ctx is None:  # a download built when clicked, after the run: no versions to key on, compute it
            return fn(*args, **kwargs)
        if warm.enabled():
            warm.note(ctx.url, name, topics, store, args, kwargs)
        return store((ctx.url, ctx.version(*topics)), *args, **kwargs)

    wrapper.clear = store.clear
    wrapper.store = store  # keyed on (url, versions) first: what components.core.warm calls
    wrapper.topics = topics
    return wrapper

