"""Cached reads keyed on data versions (see ``data_access.versions``).

``@cached_read("business_plans")`` wraps a data_access query so that its cache entry
depends on the store URL and the current versions of the named topics. A write bumps
those versions; every user in every app process misses exactly those entries at the
next rerun. ``.clear()`` is still available for a local, per-function clear.
"""

from __future__ import annotations

import functools

import streamlit as st

from .context import page_context

DEFAULT_TTL = 900  # seconds; memory hygiene only — freshness comes from the versions


def cached_read(*topics: str, ttl: int = DEFAULT_TTL):
    def decorate(fn):
        def inner(token, *args, **kwargs):  # 'token' (no underscore) is hashed into the key
            return fn(*args, **kwargs)

        inner.__module__ = fn.__module__
        inner.__qualname__ = f"{fn.__qualname__}__cached"
        inner.__name__ = inner.__qualname__
        cached = st.cache_data(ttl=ttl, show_spinner=False, max_entries=256)(inner)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            ctx = page_context()
            return cached((ctx.url, ctx.version(*topics)), *args, **kwargs)

        wrapper.clear = cached.clear
        wrapper.topics = topics
        return wrapper

    return decorate
