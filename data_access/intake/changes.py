"""What a valid file would change in one table, computed against the store before any write.

An entity importer turns its typed rows into model dicts and calls :func:`diff`, which reads
the stored rows with the same natural keys and splits the file into inserts, updates and
unchanged rows. :func:`apply` then writes them in bulk, stamping each written row with its
batch id (and bumping ``version`` where the table has one). Nothing is ever deleted here: a
record leaves only through an explicit column (``anulado``) that the importer maps to an update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import any_, bindparam, func, insert, inspect, literal, select, tuple_, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateIndex, DropIndex

REBUILD_AT = 100_000  # rows inserted into one table from which its plain indexes are rebuilt
CHUNK = 5_000  # rows per bulk statement / keys per IN list
INSERT_CHUNK = 20_000  # rows per driver executemany (a national file inserts millions)


@dataclass
class Change:
    """The rows one sheet inserts and updates in one table, and how many it leaves as they are."""

    sheet: str
    model: type
    inserts: list[dict] = field(default_factory=list)
    updates: list[dict] = field(default_factory=list)  # each holds the primary key
    unchanged: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.inserts or self.updates)


@dataclass
class Plan:
    """Every change of a file, in write order, and steps that run after them in the same
    transaction (e.g. a contract's services, an enrolment's derived stage)."""

    changes: list[Change] = field(default_factory=list)
    then: list[Callable[[Session, int], None]] = field(default_factory=list)
    extra_counts: dict[str, int] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return any(c.changed for c in self.changes) or any(self.extra_counts.values())

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for c in self.changes:
            for what, n in (("insert", len(c.inserts)), ("update", len(c.updates)), ("unchanged", c.unchanged)):
                out[f"{c.sheet}.{what}"] = out.get(f"{c.sheet}.{what}", 0) + n
        for name, n in self.extra_counts.items():
            out[name] = out.get(name, 0) + n
        return out


def chunks(items: Sequence, size: int = CHUNK) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def among(conn: Connection | Session, column, values: Sequence):
    """``column IN values`` as each store runs it best: on PostgreSQL ``= ANY`` of ONE array
    parameter (an IN list of thousands of parameters costs more to render and parse than to
    run, millions of times over a national file), an IN list elsewhere."""
    dialect = (conn.connection() if isinstance(conn, Session) else conn).dialect
    if dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


def stored_by_key(conn: Connection, model, key: tuple[str, ...], columns: Iterable[str], keys: list[tuple]) -> dict:
    """The stored rows whose natural key is among ``keys``: key tuple → {column: value}."""
    cols = list(dict.fromkeys([*(c.name for c in model.__mapper__.primary_key), *key, *columns]))
    if hasattr(model, "version"):
        cols.append("version")
    table_cols = [getattr(model, c) for c in cols]
    key_cols = [getattr(model, c) for c in key]
    found: dict[tuple, dict] = {}
    wanted = list(dict.fromkeys(keys))
    for part in chunks(wanted):
        where = among(conn, key_cols[0], [k[0] for k in part]) if len(key) == 1 else tuple_(*key_cols).in_(part)
        for row in conn.execute(select(*table_cols).where(where)):
            d = dict(zip(cols, row, strict=True))
            found[tuple(d[k] for k in key)] = d
    return found


def diff(conn: Connection, sheet: str, model, key: tuple[str, ...], rows: list[dict]) -> Change:
    """Split ``rows`` (model dicts holding the key columns) into inserts, updates (only the
    columns that differ, with the primary key and the next version) and unchanged."""
    change = Change(sheet, model)
    if not rows:
        return change
    compare = [c for c in rows[0] if c not in key]
    stored = stored_by_key(conn, model, key, compare, [tuple(r[k] for k in key) for r in rows])
    pk = [c.name for c in model.__mapper__.primary_key]
    for row in rows:
        old = stored.get(tuple(row[k] for k in key))
        if old is None:
            change.inserts.append(row)
            continue
        new = {c: row[c] for c in compare if _differs(old.get(c), row[c])}
        if not new:
            change.unchanged += 1
            continue
        new.update({c: old[c] for c in pk})
        if "version" in old:
            new["version"] = (old["version"] or 1) + 1
        change.updates.append(new)
    return change


def _differs(stored, given) -> bool:
    if isinstance(stored, float) or isinstance(given, float):
        return stored is None or given is None or abs(float(stored) - float(given)) > 1e-9
    return stored != given


def apply(session: Session, plan: Plan, batch_id: int, done: Callable[[float], None] = lambda _: None) -> None:
    """Write every change of ``plan`` in the caller's transaction, then its ``then`` steps;
    ``done`` is told the fraction of rows written so far."""
    total = sum(len(c.inserts) + len(c.updates) for c in plan.changes) or 1
    written = 0
    for change in plan.changes:
        model = change.model
        defaults = {"version": 1} if hasattr(model, "version") else {}
        stamp = {"import_batch_id": batch_id} if hasattr(model, "import_batch_id") else {}
        with _plain_indexes_rebuilt(session, model, len(change.inserts)):
            for part in chunks(change.inserts, INSERT_CHUNK):
                _insert(session, model, [{**defaults, **r, **stamp} for r in part])
                written += len(part)
                done(written / total)
        by_columns: dict[tuple, list[dict]] = {}
        for r in change.updates:
            by_columns.setdefault(tuple(sorted(r)), []).append({**r, **stamp})
        for rows in by_columns.values():
            for part in chunks(rows, INSERT_CHUNK):
                update_rows(session, model, part)
                written += len(part)
                done(written / total)
    session.flush()
    for step in plan.then:
        step(session, batch_id)


@contextmanager
def _plain_indexes_rebuilt(session: Session, model, inserting: int) -> Iterator[None]:
    """A load that at least doubles a large table (a programme's first national files) drops
    the table's plain indexes — and on PostgreSQL its foreign keys, checked row by row by
    triggers — before its rows go in, and builds them again after, in the same transaction: one
    sorted build and one set-wise check cost a fraction of maintaining them row by row (as
    PostgreSQL's "Populating a Database" advises). Unique indexes and keys stay, so the store
    still checks what they guard; a foreign key added back checks every row. On PostgreSQL the
    table is locked until the commit; a load this large is an initial one."""
    conn = session.connection()
    table = model.__table__
    stored = inspect(conn)
    names = {ix["name"] for ix in stored.get_indexes(table.name)}
    plain = [ix for ix in table.indexes if not ix.unique and ix.name in names]
    keys = stored.get_foreign_keys(table.name) if conn.dialect.name == "postgresql" else []
    if inserting < REBUILD_AT or not (plain or keys) or _has_rows(conn, table, inserting):
        yield
        return
    quote = conn.dialect.identifier_preparer
    name = quote.format_table(table)
    for ix in plain:
        conn.execute(DropIndex(ix))
    for fk in keys:
        conn.exec_driver_sql(f"ALTER TABLE {name} DROP CONSTRAINT {quote.quote(fk['name'])}")
    yield
    for ix in plain:
        conn.execute(CreateIndex(ix))
    for fk in keys:
        columns = ", ".join(quote.quote(c) for c in fk["constrained_columns"])
        referred = ", ".join(quote.quote(c) for c in fk["referred_columns"])
        conn.exec_driver_sql(f"ALTER TABLE {name} ADD CONSTRAINT {quote.quote(fk['name'])} FOREIGN KEY ({columns}) "
                             f"REFERENCES {quote.quote(fk['referred_table'])} ({referred})")


def _has_rows(conn: Connection, table, at_least: int) -> bool:
    """Whether ``table`` holds ``at_least`` rows (counted no further)."""
    some = select(literal(1)).select_from(table).limit(at_least).subquery()
    return conn.execute(select(func.count()).select_from(some)).scalar_one() >= at_least


def _columns(model) -> dict:
    """Attribute key → its single table column, for every plain column of ``model``."""
    return {attr.key: attr.columns[0] for attr in model.__mapper__.column_attrs if len(attr.columns) == 1}


def _driver_values(dialect, cols, keys, group: Sequence[dict]) -> list[list]:
    """``group``'s values column by column, through each column's own bind processor."""
    values = []
    for key, col in zip(keys, cols, strict=True):
        process = col.type._cached_bind_processor(dialect)
        column = [r[key] for r in group]
        values.append([None if v is None else process(v) for v in column] if process else column)
    return values


def _copy(conn: Connection, target: str, values: list[list]) -> None:
    """``COPY target FROM STDIN``: PostgreSQL's own bulk path, in the caller's transaction."""
    with conn.connection.driver_connection.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in zip(*values, strict=True):
            copy.write_row(row)


def update_rows(session: Session, model, rows: Sequence[dict]) -> None:
    """Update ``rows`` (each holding the primary key and the same other columns) by primary key.
    On PostgreSQL, a large batch goes through ``COPY`` into a temporary table and ONE
    ``UPDATE … FROM``: hundreds of thousands of single-row statements cost minutes there."""
    conn = session.connection()
    dialect = conn.dialect
    table = model.__table__
    columns = _columns(model)
    keys = list(rows[0]) if rows else []
    pk = [c.name for c in table.primary_key.columns]
    if dialect.name != "postgresql" or len(rows) < 1_000 or not set(keys) <= set(columns) or len(pk) != 1:
        session.execute(update(model), list(rows))
        return
    quote = dialect.identifier_preparer
    cols = [columns[k] for k in keys]
    names = [quote.format_column(c) for c in cols]
    key = quote.quote(pk[0])
    conn.exec_driver_sql(f"CREATE TEMP TABLE tablero_update ON COMMIT DROP AS SELECT {', '.join(names)} "
                         f"FROM {quote.format_table(table)} WITH NO DATA")
    _copy(conn, f"tablero_update ({', '.join(names)})", _driver_values(dialect, cols, keys, rows))
    assignments = ", ".join(f"{n} = u.{n}" for n in names if n != key)
    conn.exec_driver_sql(f"UPDATE {quote.format_table(table)} AS t SET {assignments} FROM tablero_update AS u "
                         f"WHERE t.{key} = u.{key}")
    conn.exec_driver_sql("DROP TABLE tablero_update")


def _insert(session: Session, model, rows: list[dict]) -> None:
    """Bulk insert as the ORM does (a None where the column has a default leaves it out, so the
    default applies), straight through the driver (``COPY`` on PostgreSQL, ``executemany``
    elsewhere) with the columns' own bind processors: the ORM's per-row parameter handling
    costs more than the store's work on millions of rows. Rows needing a Python-side default,
    or keys that are not plain columns, go through the ORM's bulk insert."""
    table = model.__table__
    columns = _columns(model)
    defaulted = {key for key, col in columns.items() if col.default is not None or col.server_default is not None}
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        kept = {k: v for k, v in row.items() if v is not None or k not in defaulted}
        groups.setdefault(tuple(kept), []).append(kept)
    conn = session.connection()
    dialect = conn.dialect
    for keys, group in groups.items():
        missing_python_default = any(col.default is not None and key not in keys for key, col in columns.items()
                                     if col.table is table and not (col.primary_key and col.autoincrement))
        if not set(keys) <= set(columns) or missing_python_default:
            session.execute(insert(model), group)
            continue
        cols = [columns[k] for k in keys]
        target = (f"{dialect.identifier_preparer.format_table(table)} "
                  f"({', '.join(dialect.identifier_preparer.format_column(c) for c in cols)})")
        values = _driver_values(dialect, cols, keys, group)
        if dialect.name == "postgresql":
            _copy(conn, target, values)
            continue
        marks = ", ".join("?" if dialect.paramstyle == "qmark" else "%s" for _ in cols)
        conn.exec_driver_sql(f"INSERT INTO {target} VALUES ({marks})", list(zip(*values, strict=True)))
