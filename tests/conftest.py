"""Fixtures that build real stores (SQLite and PostgreSQL) for every test.

A test that takes ``store_kind`` (directly or through a store fixture) runs once per
store listed in TABLERO_TEST_STORES (default: sqlite,postgresql).
"""

from __future__ import annotations

import os

import pytest

from tests.stores import STORES, make_factory

DEMO_SEED = 7
os.environ.setdefault("TABLERO_TODAY", "2026-11-23")
# hundreds of short-lived PostgreSQL stores: connect per use instead of keeping pools open
os.environ.setdefault("TABLERO_DB_NULLPOOL", "1")


@pytest.fixture(scope="session", params=STORES)
def store_kind(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def store_factory(store_kind):
    factory = make_factory(store_kind)
    yield factory
    factory.cleanup()


def _seed_demo(url: str) -> None:
    from data_access.demo.seed import seed

    seed(url, "demo", DEMO_SEED)


@pytest.fixture
def empty_store(store_factory) -> str:
    """A fresh, migrated store (reference data only); writable."""
    return store_factory.new()


@pytest.fixture(scope="session")
def demo_store(store_factory) -> str:
    """The demo-scale seeded store shared by the session: READ-ONLY for tests."""
    return store_factory.template("demo", _seed_demo)


@pytest.fixture
def demo_store_rw(store_factory) -> str:
    """A private, writable copy of the demo store."""
    return store_factory.new("demo", _seed_demo)


@pytest.fixture(scope="session")
def demo_accounts() -> dict[str, str]:
    """username → e-mail of the demo accounts (for ``at.user``)."""
    return {u: f"{u}@demo.tablero.gov.co"
            for u in ("directivo", "analista", "comite", "comite_pac", "operador", "admin", "direccion_basica",
                      "unidad_ejecutora", "direccion_tecnica")}
