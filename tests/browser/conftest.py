"""Fixtures of the browser tests: one Chromium per session and a demo store with the real
boundaries, per store kind (SQLite and PostgreSQL, like every store test)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from cli.bench import browser as harness
from tests.conftest import DEMO_SEED

SHARED_GEODATA = harness.ROOT.parent / "shared" / "geodata"


def geodata_source() -> Path | None:
    """``TABLERO_GEODATA`` (as CI sets it), else ``../shared/geodata`` beside the checkout."""
    raw = os.environ.get("TABLERO_GEODATA", "").strip()
    if raw and Path(raw).exists():
        return Path(raw)
    return SHARED_GEODATA if SHARED_GEODATA.is_dir() else None


@dataclass
class DemoSite:
    url: str
    accounts: dict[str, tuple[str, str]] = field(default_factory=dict)  # username → (role, password)
    boundaries: str | None = None  # importer report, None when not imported

    def by_role(self, role: str) -> tuple[str, str]:
        """(username, password) of the first demo account with this role."""
        return next((u, pw) for u, (r, pw) in self.accounts.items() if r == role)


@pytest.fixture(scope="session")
def e2e_demo(store_factory) -> DemoSite:
    """A private, writable copy of a demo store (seed ``DEMO_SEED``) with the real DANE
    boundaries imported when the geodata importer exists; knows the demo passwords."""
    site = DemoSite(url="")

    def build(url: str) -> None:
        from cli.cmd_bench import import_boundaries
        from data_access.demo import seed

        result = seed(url, "demo", DEMO_SEED)
        for acc in result["accounts"]:
            if isinstance(acc, dict):
                site.accounts[acc["username"]] = (acc["role"], acc["password"])
            else:
                role, username, password = acc
                site.accounts[username] = (role, password)
        source = geodata_source()
        site.boundaries = import_boundaries(url, source, imported_by="e2e") if source else None

    site.url = store_factory.new("demo_e2e", build)
    return site


@pytest.fixture(scope="session")
def chromium_browser():
    """One headless Debian Chromium for the whole session (fresh context per page)."""
    with harness.chromium() as browser:
        yield browser


@pytest.fixture(scope="session")
def demo_app(e2e_demo):
    """The real app serving ``e2e_demo`` (one server per store kind)."""
    with harness.running_app(e2e_demo.url, {"TABLERO_TODAY": os.environ.get("TABLERO_TODAY", "2026-11-23")}) as app:
        yield app
