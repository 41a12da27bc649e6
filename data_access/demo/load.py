"""Bulk loading of the generated frames into the store, in one transaction.

Why: the national scale is millions of rows; row-by-row ORM inserts would take hours.
SQLite gets Core ``insert()`` executemany with values already in storage form;
PostgreSQL gets psycopg 3 ``COPY ... FROM STDIN``. Both drop and re-create secondary
indexes (and, on PostgreSQL, foreign keys) around the load, as bulk-load guides advise.
"""

from __future__ import annotations

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Engine, func, select

from data_access.core.db import is_sqlite
from data_access.core.models import Base
from data_access.demo.arrays import EPOCH, NULL_DATE, NULL_INT, Frame
from data_access.demo.store import PROGRAMME_TABLES
from data_access.intake import codes

_DATE_COLS = {
    "operator_contract": ("start_date", "end_date"),
    "territorial_alert": ("opened_on", "closed_on"),
    "opr": ("created_on",),
    "household": ("registered_on",),
    "enrolment": ("entry_date", "exit_date"),
    "stage_event": ("event_date", "registered_on"),
    "service_delivery": ("delivery_date", "registered_on"),
    "business_plan": ("first_disbursement_date", "closure_date"),
    "alliance_evidence": ("start_date", "end_date", "registered_on"),
    "sales": ("registered_on",),
    "sla_measurement": ("reported_on",),
    "baseline": ("measured_on",),
    "territorial_asset": ("updated_on",),
    "knowledge_record": ("created_on",),
    "household_cofinancing": ("committed_on", "disbursed_on", "registered_on"),
}
_NULLABLE_FK = {
    "household": ("opr_id",),
    "enrolment": ("household_id", "opr_id", "previous_enrolment_id"),
    "business_plan": ("enrolment_id",),
    "household_cofinancing": ("operator_id",),
}


def _date_strings(arr: np.ndarray) -> list:
    """Int days → ISO strings (None for NULL) through a lookup table: fast on millions."""
    null = arr == NULL_DATE
    if null.all():
        return [None] * len(arr)
    lo, hi = int(arr[~null].min()), int(arr[~null].max())
    lut = np.datetime_as_string(EPOCH + np.arange(lo, hi + 1).astype("timedelta64[D]"), unit="D").astype(
        object
    )
    out = lut[np.where(null, lo, arr) - lo]
    out[null] = None
    return out.tolist()


def _python_columns(table: str, frame: Frame, start: int, stop: int, sqlite: bool) -> list[list]:
    """One chunk of a frame as Python lists, in the table's column order."""
    out = []
    dates = _DATE_COLS.get(table, ())
    nullable = _NULLABLE_FK.get(table, ())
    for name in _column_names(table):
        arr = frame[name][start:stop]
        if name in dates:
            out.append(_date_strings(arr))
        elif name in nullable:
            vals = arr.astype(object)
            vals[arr == NULL_INT] = None
            out.append(vals.tolist())
        elif arr.dtype == bool:
            out.append(arr.astype(np.int64).tolist() if sqlite else arr.tolist())
        else:
            out.append(arr.tolist())
    return out


# Written only by the intake (data_access.intake): the demo's rows come from no file and
# carry no intake codes, so these stay NULL; but enrolments and alerts get the code of their id
# (``codes.fallback_code``), as a row created without one does.
INTAKE_ONLY = frozenset({"import_batch_id", "code"})
CODED = frozenset(model.__tablename__ for model in codes.PREFIXES)


def _column_names(table: str) -> list[str]:
    columns = Base.metadata.tables[table].columns
    return [c.name for c in columns if not (c.name in INTAKE_ONLY and c.nullable and not c.primary_key)
            or (c.name == "code" and table in CODED)]


def check_frames(tables: dict[str, Frame]) -> None:
    """Every programme table has exactly the store's columns (a generator bug fails here, not mid-load)."""
    for name in PROGRAMME_TABLES:
        have, want = set(tables[name]), set(_column_names(name))
        if have != want:
            raise RuntimeError(
                f"demo: table {name}: missing {sorted(want - have)}, extra {sorted(have - want)}"
            )


def load(engine: Engine, tables: dict[str, Frame]) -> None:
    """Insert every programme table (parents first) in one transaction."""
    if is_sqlite(engine):
        _load_sqlite(engine, tables)
    else:
        _load_postgres(engine, tables)


def _load_sqlite(engine: Engine, tables: dict[str, Frame], chunk: int = 100_000) -> None:
    """Core ``insert()`` executemany in big batches, all in one (BEGIN IMMEDIATE) transaction.

    The insert is compiled once per table and run as a driver-level executemany over
    positional tuples, with values already in their SQLite storage form (ISO dates, 0/1):
    per-row dicts and bind processing would triple the load time on millions of rows.
    Foreign-key checks are off for the load only (ids are assigned consistently by the
    generator; the tests run ``PRAGMA foreign_key_check``): they would double it again.
    Secondary indexes are dropped and re-created from their own SQL around the load.
    """
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it is a no-op
        try:
            conn = conn.execution_options(sqlite_immediate=True)
            with conn.begin():
                # Secondary indexes are rebuilt once after the load (a sort) rather than
                # maintained row by row; UNIQUE/PK auto-indexes (no SQL) stay.
                indexes = conn.execute(
                    sa.text(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                        "AND tbl_name IN :names ORDER BY name"
                    ).bindparams(sa.bindparam("names", expanding=True)),
                    {"names": list(PROGRAMME_TABLES)},
                ).all()
                quote = conn.dialect.identifier_preparer.quote
                for idx, _ in indexes:
                    conn.exec_driver_sql(f"DROP INDEX {quote(idx)}")
                for name in PROGRAMME_TABLES:
                    frame = tables[name]
                    cols = _column_names(name)
                    compiled = sa.insert(sa.table(name, *[sa.column(c) for c in cols])).compile(
                        dialect=conn.dialect, column_keys=cols
                    )
                    if list(compiled.positiontup) != cols:
                        raise RuntimeError(f"demo: unexpected parameter order for {name}")
                    n = len(frame)
                    for start in range(0, n, chunk):
                        values = _python_columns(name, frame, start, min(n, start + chunk), sqlite=True)
                        conn.exec_driver_sql(compiled.string, list(zip(*values)))
                for _, definition in indexes:
                    conn.exec_driver_sql(definition)
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _load_postgres(engine: Engine, tables: dict[str, Frame], chunk: int = 200_000) -> None:
    """psycopg 3 ``COPY ... FROM STDIN`` on the engine's own connection and transaction.

    As the PostgreSQL manual advises for bulk loads ("Populating a Database"), foreign
    keys and secondary indexes of the loaded tables are dropped first and re-created
    after the COPY, in the same transaction: row-by-row FK triggers (each locking its
    parent row) made the national load five times slower. Definitions come from the
    catalogue, so whatever the migrations created is restored exactly.
    """
    from psycopg import sql

    names = list(PROGRAMME_TABLES)
    with engine.begin() as conn:
        quote = conn.dialect.identifier_preparer.quote
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '256MB'"))
        fks = conn.execute(
            sa.text(
                "SELECT c.relname, k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace s ON s.oid = c.relnamespace "
                "WHERE k.contype = 'f' AND s.nspname = current_schema() AND c.relname = ANY(:names) "
                "ORDER BY c.relname, k.conname"
            ),
            {"names": names},
        ).all()
        indexes = conn.execute(
            sa.text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = current_schema() "
                "AND i.tablename = ANY(:names) AND i.indexname NOT IN (SELECT k.conname FROM pg_constraint k "
                "WHERE k.contype IN ('p', 'u', 'x')) ORDER BY i.indexname"
            ),
            {"names": names},
        ).all()
        for table, con, _ in fks:
            conn.exec_driver_sql(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(con)}")
        for idx, _ in indexes:
            conn.exec_driver_sql(f"DROP INDEX {quote(idx)}")

        raw = conn.connection.driver_connection
        with raw.cursor() as cur:
            for name in names:
                frame = tables[name]
                cols = _column_names(name)
                stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
                    sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, cols))
                )
                n = len(frame)
                if not n:
                    continue
                with cur.copy(stmt) as copy:
                    for start in range(0, n, chunk):
                        values = _python_columns(name, frame, start, min(n, start + chunk), sqlite=False)
                        for row in zip(*values):
                            copy.write_row(row)

        for _, definition in indexes:
            conn.exec_driver_sql(definition)
        for table, con, definition in fks:
            conn.exec_driver_sql(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(con)} {definition}")


def after_load(engine: Engine) -> None:
    """Sequences past the explicit ids (PostgreSQL) and fresh planner statistics."""
    md = Base.metadata.tables
    if is_sqlite(engine):
        with engine.connect() as conn:
            raw = conn.connection.driver_connection
            raw.execute("PRAGMA analysis_limit=2000")
            raw.execute("ANALYZE")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return
    with engine.begin() as conn:
        for name in PROGRAMME_TABLES:
            t = md[name]
            if "id" not in t.c:
                continue
            top = select(func.max(t.c.id)).scalar_subquery()
            conn.execute(
                select(
                    func.setval(
                        func.pg_get_serial_sequence(name, "id"), func.coalesce(top, 1), top.is_not(None)
                    )
                )
            )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for name in PROGRAMME_TABLES:
            # VACUUM too: a fresh visibility map lets covering indexes answer alone
            conn.exec_driver_sql(f'VACUUM ANALYZE "{name}"')  # identifiers from a fixed list
