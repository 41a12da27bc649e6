"""The single engine factory and unit-of-work sessions.

``DATABASE_URL`` names the store (PostgreSQL via psycopg 3 in production); without
it the embedded default is a SQLite file under ``data/``. Engines are cached per URL
so the app, the CLI and the tests share one pool per store and process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "tablero.db"


class StoreUnavailable(RuntimeError):
    """The store cannot be reached; pages show a Spanish message instead of a traceback."""


@contextmanager
def store_errors() -> Iterator[None]:
    """Raise a missing, unreachable or unmigrated store's driver errors as ``StoreUnavailable``,
    so that callers outside data_access (the CLI) handle them without knowing SQLAlchemy."""
    try:
        yield
    except (OperationalError, ProgrammingError) as exc:
        raise StoreUnavailable(str(exc.orig or exc).splitlines()[0]) from exc


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` / ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return normalise_url(url)
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def display_url(url: str) -> str:
    """The store URL with its password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def is_sqlite(engine_or_url: Engine | str) -> bool:
    url = engine_or_url if isinstance(engine_or_url, str) else str(engine_or_url.url)
    return url.startswith("sqlite")


_ENGINES: dict[str, Engine] = {}


def _create_engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        if os.environ.get("TABLERO_DB_NULLPOOL"):
            # tests open hundreds of short-lived stores: no idle pooled connections
            return create_engine(url, poolclass=NullPool)
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _sqlite_begin(conn):  # noqa: ANN001
        # Writers ask for BEGIN IMMEDIATE (session_scope(write=True)): it takes the write
        # lock up front, so concurrent writers queue instead of failing with "database is
        # locked" when upgrading a read lock. Readers keep a plain deferred BEGIN.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def get_engine(url: str | None = None) -> Engine:
    key = normalise_url(url) if url else database_url()
    if key not in _ENGINES:
        _ENGINES[key] = _create_engine(key)
    return _ENGINES[key]


def dispose_engines() -> None:
    """Close every cached pool (tests switching stores)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


@contextmanager
def session_scope(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """One session per unit of work: commit on success, roll back on any error.

    ``write=True`` serialises writers on SQLite (see ``_sqlite_begin``); on PostgreSQL
    row locks (``SELECT ... FOR UPDATE``) in the write functions do that job.
    """
    engine = get_engine(url)
    if write and is_sqlite(engine):
        engine = engine.execution_options(sqlite_immediate=True)
    session = Session(bind=engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
