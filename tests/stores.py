"""Real test stores on SQLite and PostgreSQL, built from a migrated template.

SQLite stores are file copies of a migrated template; PostgreSQL stores are
``CREATE DATABASE ... TEMPLATE`` copies, so a fresh store costs milliseconds.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access.core.db import dispose_engines, get_engine, normalise_url
from data_access.migrate import upgrade

PG_ADMIN_URL = normalise_url(
    os.environ.get("TABLERO_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
)
STORES = [s.strip() for s in os.environ.get("TABLERO_TEST_STORES", "sqlite,postgresql").split(",") if s.strip()]
_PREFIX = f"tbt_{os.getpid()}_{uuid.uuid4().hex[:6]}"


class StoreFactory:
    """Creates fresh stores of one kind; tracks them for cleanup."""

    def __init__(self, kind: str, workdir: Path):
        if kind not in ("sqlite", "postgresql"):
            raise ValueError(f"unknown store kind {kind!r}")
        self.kind = kind
        self.workdir = workdir
        self._templates: dict[str, str] = {}
        self._created: list[str] = []
        self._admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT") if kind == "postgresql" else None

    # -- raw creation -------------------------------------------------------------
    def _blank(self, name: str) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.workdir / (name + '.db')}"
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self._created.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def _copy(self, template_url: str, name: str) -> str:
        if self.kind == "sqlite":
            src = Path(make_url(template_url).database)
            dst = self.workdir / (name + ".db")
            shutil.copyfile(src, dst)
            return f"sqlite:///{dst}"
        get_engine(template_url).dispose()  # TEMPLATE needs no open connections
        tmpl = make_url(template_url).database
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{tmpl}"'))
        self._created.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def template(self, label: str, build) -> str:
        """A store built once per session by ``build(url)`` (migrated first)."""
        if label not in self._templates:
            url = self._blank(f"{_PREFIX}_tmpl_{label}")
            upgrade(url)
            build(url)
            if self.kind == "sqlite":
                with get_engine(url).connect() as conn:
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            get_engine(url).dispose()
            self._templates[label] = url
        return self._templates[label]

    def new(self, label: str = "empty", build=lambda url: None) -> str:
        return self._copy(self.template(label, build), f"{_PREFIX}_{uuid.uuid4().hex[:8]}")

    def cleanup(self) -> None:
        dispose_engines()
        if self._admin is not None:
            with self._admin.connect() as conn:
                for name in self._created + [make_url(u).database for u in self._templates.values()]:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            self._admin.dispose()


def make_factory(kind: str) -> StoreFactory:
    return StoreFactory(kind, Path(tempfile.mkdtemp(prefix="tablero-test-")))
