"""Alembic environment: runs against the connection handed in by
``data_access.migrate`` (or DATABASE_URL when alembic is run directly)."""

from alembic import context

from data_access.core.db import get_engine
from data_access.core.models import Base
from data_access.knowledge.schema import include_object

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        return
    with get_engine(config.get_main_option("sqlalchemy.url") or None).connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True,
                          include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
        conn.commit()


run_migrations_online()
