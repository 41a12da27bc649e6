"""Background recomputation after a write (``components.core.warm``): the reads people made
recently are computed again under the new data versions, so the next visitor's read is a cache
hit; a read of topics the write did not touch is left alone; a cached read composing another
one keys the inner read on the new versions too. Both stores."""

from __future__ import annotations

from components.core import warm
from components.core.cache import cached
from data_access.core import versions
from data_access.core.db import session_scope
from data_access.core.scope import Viewer
from rules.core.catalog import Role

CALLS: list[tuple[str, int]] = []


@versions.reads("participants")
def _participants(x: int, url: str | None = None) -> int:
    CALLS.append(("participants", x))
    return x * 2


@versions.reads("alerts")
def _alerts(x: int, url: str | None = None) -> int:
    CALLS.append(("alerts", x))
    return x * 3


participants = cached(_participants)
alerts = cached(_alerts)


@cached(uses=(_participants,))
def composed(x: int, url: str) -> int:
    CALLS.append(("composed", x))
    return participants(x, url=url) + 1


def _token(url: str, read) -> tuple:
    current = versions.current(url)
    return (url, tuple(current[t] for t in read.topics))


def test_recent_reads_are_computed_again_under_the_new_versions(empty_store):
    url = empty_store
    CALLS.clear()
    with warm.recomputing(url, versions.current(url)):  # as a page run would, before the write
        for read, args in ((participants, (5,)), (alerts, (5,)), (composed, (7, url))):
            read.store(_token(url, read), *args)
            warm.note(url, read.__qualname__, read.topics, read.store, args, {})
    CALLS.clear()
    with session_scope(url, write=True) as s:
        versions.bump(s, "participants")
    assert warm.warm(url, versions.current(url), {"participants"}) == 2  # not the alerts read
    assert sorted(CALLS) == [("composed", 7), ("participants", 5), ("participants", 7)]
    CALLS.clear()
    with warm.recomputing(url, versions.current(url)):  # the next visitor's reads
        assert participants.store(_token(url, participants), 5) == 10
        assert composed.store(_token(url, composed), 7, url) == 15
        assert alerts.store(_token(url, alerts), 5) == 15
    assert CALLS == []  # every read the next visitor makes is already there


def test_unhashable_arguments_are_not_noted(empty_store):
    before = len(warm._recent)
    warm.note(empty_store, "x", ("participants",), participants.store, ([1, 2],), {})
    assert len(warm._recent) == before


@cached(uses=(_participants,), by_scope=True)
def per_scope(viewer: Viewer, x: int, url: str) -> str:
    CALLS.append(("scope", viewer.username))
    return viewer.role


def test_a_read_by_scope_is_shared_by_every_viewer_of_one_role_and_reach(empty_store):
    url = empty_store
    CALLS.clear()
    ana = Viewer(username="ana", role=Role.DIRECTIVO, display_name="Ana", scope_label="Nacional")
    beto = Viewer(username="beto", role=Role.DIRECTIVO, display_name="Beto", scope_label="Nacional")
    carla = Viewer(username="carla", role=Role.COMITE_REGIONAL, regional_office_id=1, scope_label="Oficina")
    with warm.recomputing(url, versions.current(url)):
        assert [per_scope(v, 1, url) for v in (ana, beto, carla)] == [Role.DIRECTIVO, Role.DIRECTIVO,
                                                                      Role.COMITE_REGIONAL]
    assert CALLS == [("scope", ""), ("scope", "")]  # once per scope, never with the person's name
