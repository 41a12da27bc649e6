"""Schema migrations through Alembic (``tablero db upgrade``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError, ProgrammingError

from data_access.core.db import get_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    engine = get_engine(url)
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        # fresh statistics for the reference tables the migrations loaded (the planner
        # otherwise guesses one row per municipality table and picks poor plans)
        conn.exec_driver_sql("ANALYZE")


def current_revision(url: str | None = None) -> str | None:
    with get_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration; read once per process (the scripts do not change at run time)."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def is_up_to_date(url: str | None = None) -> bool:
    return current_revision(url) == head_revision()


def store_state(url: str | None = None) -> str:
    """``"ready"``, ``"not_migrated"`` or ``"unreachable"``: what the app and the CLI tell a
    person before anything else, without a traceback."""
    try:
        return "ready" if is_up_to_date(url) else "not_migrated"
    except (OperationalError, ProgrammingError):
        return "unreachable"
