"""The single engine factory and unit-of-work sessions.

``DATABASE_URL`` names the store (PostgreSQL via psycopg 3 in production); without
it the embedded default is a SQLite file under ``data/``. Engines are cached per URL
so the app, the CLI and the tests share one pool per store and process.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import NullPool, StaticPool

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "tablero.db"


class StoreError(RuntimeError):
    """A store failure a person is told about by its cause: ``message`` is Spanish and says what
    happened and what to do; ``detail`` is the driver's first line, for logs, never for people."""

    message = (
        "No se pudo usar la base de datos; no se guardó nada. Vuelva a intentarlo y, si se repite, "
        "avise al administrador."
    )

    def __init__(self, detail: str = ""):
        super().__init__(detail or self.message)
        self.detail = detail


class StoreUnavailable(StoreError):
    """The store is missing, unreachable or not migrated; ``str()`` is the driver's first line,
    which the CLI shows next to the fix (DATABASE_URL, ``tablero db upgrade``)."""

    message = (
        "No se pudo conectar con la base de datos o su esquema no está al día; no se guardó nada. "
        "Verifique DATABASE_URL y ejecute `tablero db upgrade`."
    )


class ConnectionLost(StoreUnavailable):
    """The connection dropped in the middle of the work (network, server restart, killed session)."""

    message = (
        "Se perdió la conexión con la base de datos antes de confirmar; no se guardó nada. "
        "Verifique la red o que el servidor de la base de datos esté disponible y vuelva a intentarlo."
    )


class LockTimeout(StoreError):
    """Another transaction held the same rows (or the whole SQLite file) longer than the wait allows."""

    message = (
        "La base de datos está ocupada: otra operación tenía bloqueados los mismos registros y se agotó "
        "el tiempo de espera; no se guardó nada. Vuelva a intentarlo en unos segundos."
    )


class WriteConflict(StoreError):
    """Another person's simultaneous write won: a duplicate key, a serialisation failure, a deadlock
    or a version that changed under the ORM."""

    message = (
        "Otra persona modificó los mismos registros al mismo tiempo; no se guardó nada. "
        "Recargue los datos, revíselos y vuelva a intentarlo."
    )


_LOST_STATES = {"57P01", "57P02", "57P03", "08000", "08003", "08006", "08007"}  # admin shutdown, link failure
_TIMEOUT_STATES = {"55P03", "57014"}  # lock_not_available (lock_timeout), query_canceled (statement_timeout)
_CONFLICT_STATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected
_SQLITE_LOCKED = ("database is locked", "database table is locked")


def classify(exc: BaseException) -> StoreError | None:
    """The cause of a driver error as a ``StoreError`` (connection lost, lock timeout, conflict,
    store unavailable), or None for an error that is a bug rather than a state of the store."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, StaleDataError):
        return WriteConflict(str(exc).splitlines()[0] if str(exc) else "")
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    detail = (str(orig or exc).strip().splitlines() or [""])[0]
    state = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if exc.connection_invalidated or state in _LOST_STATES:
        return ConnectionLost(detail)
    if state in _TIMEOUT_STATES or any(m in detail.lower() for m in _SQLITE_LOCKED):
        return LockTimeout(detail)
    if isinstance(exc, IntegrityError) or state in _CONFLICT_STATES:
        return WriteConflict(detail)
    if isinstance(exc, (OperationalError, ProgrammingError)):
        return StoreUnavailable(detail)
    return None


@contextmanager
def store_errors() -> Iterator[None]:
    """Raise driver errors as the ``StoreError`` of their cause, so that callers outside
    data_access (the CLI, the app) tell a person what happened without knowing SQLAlchemy."""
    try:
        yield
    except (DBAPIError, StaleDataError) as exc:
        err = classify(exc)
        if err is None:
            raise
        raise err from exc


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
_ENGINES_LOCK = threading.Lock()  # the app server's sessions run in threads


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


_PINNED: ContextVar[dict[str, Engine] | None] = ContextVar("tablero_pinned_engines", default=None)


def get_engine(url: str | None = None) -> Engine:
    key = normalise_url(url) if url else database_url()
    pinned = _PINNED.get()
    if pinned and key in pinned:
        return pinned[key]
    with _ENGINES_LOCK:
        if key not in _ENGINES:
            _ENGINES[key] = _create_engine(key)
        return _ENGINES[key]


def dispose_engines() -> None:
    """Close every cached pool (tests switching stores)."""
    with _ENGINES_LOCK:
        engines = list(_ENGINES.values())
        _ENGINES.clear()
    for engine in engines:
        engine.dispose()


@contextmanager
def session_scope(url: str | None = None, *, write: bool = False) -> Iterator[Session]:
    """One session per unit of work: commit on success, roll back on any error; a driver error
    leaves as the ``StoreError`` of its cause (``store_errors``).

    ``write=True`` serialises writers on SQLite (see ``_sqlite_begin``); on PostgreSQL
    row locks (``SELECT ... FOR UPDATE``) in the write functions do that job.
    """
    engine = get_engine(url)
    if write and is_sqlite(engine):
        engine = engine.execution_options(sqlite_immediate=True)
    session = Session(bind=engine, expire_on_commit=False)
    try:
        with store_errors():
            try:
                yield session
                session.commit()
            except Exception:
                with contextlib.suppress(DBAPIError):  # a lost connection cannot roll back: it is gone
                    session.rollback()
                raise
    finally:
        session.close()


@contextmanager
def what_if(url: str | None = None) -> Iterator[Engine]:
    """Run «what would it look like»: inside the block, every ``get_engine(url)`` and
    ``session_scope(url)`` of this thread (its context) works on ONE connection and ONE
    transaction, which is rolled back at the end whatever happens. Writes done in the block are
    seen by the reads done in it (a preview of a report's files against the page's figures) and
    nothing stays written. Yields the pinned engine."""
    key = normalise_url(url) if url else database_url()
    base = get_engine(url)
    pooled = base.raw_connection()
    raw = pooled.driver_connection
    sqlite = is_sqlite(base)
    if sqlite:
        raw.execute("BEGIN")
    pinned_engine = create_engine(key, creator=lambda: raw, poolclass=StaticPool, pool_reset_on_return=None)
    # every unit of work on it stays in the one transaction rolled back below
    dialect = pinned_engine.dialect
    dialect.do_commit = dialect.do_rollback = dialect.do_close = lambda dbapi_connection: None
    token = _PINNED.set({**(_PINNED.get() or {}), key: pinned_engine})
    try:
        yield pinned_engine
    finally:
        _PINNED.reset(token)
        pinned_engine.dispose()
        try:
            if sqlite:
                raw.execute("ROLLBACK")
            else:
                raw.rollback()
        finally:
            pooled.close()
