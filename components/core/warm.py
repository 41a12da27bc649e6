"""Recompute the recently used cached reads in the background right after the data change.

A write bumps data versions, and every cached read keyed on them misses at its next call: the
first person to open a page after an edit, an import or a submission would pay the whole
computation. In the app server, one daemon thread per store polls the versions (one small
query every ``POLL_S`` seconds) and, when they move, calls again the reads people made most
recently (``cached`` notes each read's arguments) under the new versions, most recent first.
A visitor arriving meanwhile waits only for what is still being computed: Streamlit computes
each cache entry once, other callers of the same entry wait for it.

Only in a running app server (``streamlit run``): under AppTest, the CLI or the benchmarks'
in-process runs nothing starts. The values are the live computation's own, by construction.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator

from data_access.core import versions

POLL_S = 2.0
LOG_MARK = "tablero-warm:"
# the server's log lines, read by tablero bench (AHEAD_RE, WARMED_RE: views or reads, seconds)
AHEAD_LINE = LOG_MARK + " {done} vistas calculadas por adelantado en {seconds:.2f} s"
AHEAD_RE = re.compile(re.escape(LOG_MARK) + r" (\d+) vistas calculadas por adelantado en ([\d.]+) s")
WARMED_LINE = LOG_MARK + " {done} lecturas recalculadas en {seconds:.2f} s (temas: {topics})"
WARMED_RE = re.compile(re.escape(LOG_MARK) + r" (\d+) lecturas recalculadas en ([\d.]+) s")
# argument sets kept per cached read: at least every scope computed ahead (40) times the committee
# views one read serves (``slides._build``: 7)
RECENT_PER_READ = 320
RECENT_S = 3600  # a read not used for an hour is not recomputed

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_recent: OrderedDict[tuple, tuple[float, Callable, tuple, tuple, dict]] = OrderedDict()
_pollers: dict[str, threading.Thread] = {}
_ahead: set[str] = set()  # stores whose common views were computed ahead in this process
_stats: dict[str, float | int] = {"warmed": 0, "errors": 0, "last_s": 0.0}
_here = threading.local()  # in the warming thread: the store and versions its reads key on


@contextlib.contextmanager
def recomputing(url: str, current: dict[str, int], remember: bool = False) -> Iterator[None]:
    """Within the block, this thread's cached reads key on ``url`` and ``current`` versions
    (not on a page context: there is none outside a script run); ``remember``: they are noted
    as recent reads too (computed ahead for people who have not come yet)."""
    _here.current = (url, current, remember)
    try:
        yield
    finally:
        _here.current = None


def token(topics: tuple[str, ...]) -> tuple | None:
    """The cache token of a read made by the warming thread (None elsewhere)."""
    current = getattr(_here, "current", None)
    if current is None:
        return None
    url, vers, _ = current
    return (url, tuple(vers.get(t, 0) for t in topics))


def remembering() -> str | None:
    """The store whose reads this thread notes as recent (``recomputing(..., remember=True)``)."""
    current = getattr(_here, "current", None)
    return current[0] if current and current[2] else None


def start_ahead(url: str, compute: Callable[[], int]) -> None:
    """Once per process and store: ``compute()`` in a daemon thread under the store's current
    versions, its reads remembered, so that the first people to sign in find them computed
    (only in a running app server)."""
    if not enabled():
        return
    with _lock:
        if url in _ahead:
            return
        _ahead.add(url)

    def run() -> None:
        t0 = time.perf_counter()
        try:
            with recomputing(url, versions.current(url), remember=True):
                done = compute()
        except Exception:  # noqa: BLE001 - the visitor's own call will show what went wrong
            _log.exception("computing ahead failed")
            return
        print(AHEAD_LINE.format(done=done, seconds=time.perf_counter() - t0), file=sys.stderr, flush=True)
        _ensure_poller(url)

    threading.Thread(target=run, name="tablero-ahead", daemon=True).start()


def enabled() -> bool:
    """Only inside a running app server (AppTest installs a mock runtime: not that)."""
    from streamlit.runtime import Runtime

    return type(Runtime._instance) is Runtime  # noqa: SLF001 - exists() is also true under AppTest


def note(url: str, name: str, topics: tuple[str, ...], call: Callable, args: tuple, kwargs: dict) -> None:
    """Remember that ``call(*args, **kwargs)`` (a read keyed on ``topics``) was just made on ``url``."""
    try:
        key = (url, name, args, tuple(sorted(kwargs.items())))
        hash(key)
    except TypeError:  # unhashable arguments: not recomputed in the background
        return
    with _lock:
        _recent.pop(key, None)
        _recent[key] = (time.monotonic(), call, topics, args, kwargs)
        same = [k for k in _recent if k[:2] == (url, name)]
        for old in same[:-RECENT_PER_READ]:
            del _recent[old]
    if enabled():
        _ensure_poller(url)


def _ensure_poller(url: str) -> None:
    with _lock:
        if url in _pollers and _pollers[url].is_alive():
            return
        thread = threading.Thread(target=_poll, args=(url,), name=f"tablero-warm-{len(_pollers)}", daemon=True)
        _pollers[url] = thread
    thread.start()


def _poll(url: str) -> None:
    """Forever: when the store's versions move, recompute the recent reads under the new ones."""
    seen = versions.current(url)
    while True:
        time.sleep(POLL_S)
        try:
            now = versions.current(url)
        except Exception:  # noqa: BLE001 - a store briefly away: poll again
            continue
        if now != seen:
            changed = {t for t in now if now[t] != seen.get(t)}
            seen = now
            warm(url, now, changed)


def warm(url: str, current: dict[str, int], changed: set[str]) -> int:
    """Call again, under ``current`` versions, the recent reads of ``url`` that read a topic in
    ``changed`` (most recent first); returns how many were computed."""
    horizon = time.monotonic() - RECENT_S
    with _lock:
        todo = [entry for key, entry in reversed(_recent.items())
                if key[0] == url and entry[0] >= horizon and changed & set(entry[2])]
    t0 = time.perf_counter()
    done = 0
    with recomputing(url, current):
        for _, call, topics, args, kwargs in todo:
            try:
                call((url, tuple(current.get(t, 0) for t in topics)), *args, **kwargs)
                done += 1
            except Exception:  # noqa: BLE001 - the visitor's own call will show what went wrong
                _stats["errors"] += 1
                _log.exception("background recomputation failed")
    _stats["warmed"] += done
    _stats["last_s"] = time.perf_counter() - t0
    # one line in the server's log: what was recomputed and how long it took (read by tablero bench)
    print(WARMED_LINE.format(done=done, seconds=_stats["last_s"], topics=", ".join(sorted(changed))),
          file=sys.stderr, flush=True)
    return done
