"""Throwaway stores (``tablero bench``): a SQLite file in a temp folder, or a PostgreSQL
database created through an admin URL, dropped afterwards so that a benchmark never
measures, or leaves rows in, a store someone uses."""

from __future__ import annotations

import contextlib
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from data_access.core.db import dispose_engines, normalise_url


@contextlib.contextmanager
def temporary_store(kind: str, admin_url: str | None = None) -> Iterator[tuple[str, Callable[[], None]]]:
    """A blank store URL of ``kind`` (``sqlite`` or ``postgresql``, then created through
    ``admin_url``) and a ``keep()`` callable: the store is dropped on exit unless kept."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="tablero-bench-"))
        url = f"sqlite:///{folder / 'bench.db'}"

        def drop() -> None:
            dispose_engines()
            for f in folder.glob("*"):
                f.unlink()
            folder.rmdir()
    elif kind == "postgresql":
        if not admin_url:
            raise ValueError("a temporary PostgreSQL store needs an admin URL")
        admin_url = normalise_url(admin_url)
        name = f"tablero_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))  # generated identifier, no user input
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)

        def drop() -> None:
            dispose_engines()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        raise ValueError(f"unknown store kind {kind!r}")
    state = {"keep": False}

    def keep() -> None:
        state["keep"] = True

    try:
        yield url, keep
    finally:
        if not state["keep"]:
            drop()
