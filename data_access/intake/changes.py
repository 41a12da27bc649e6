"""What a valid file would change in one table, computed against the store before any write.

An entity importer turns its typed rows into model dicts and calls :func:`diff`, which reads
the stored rows with the same natural keys and splits the file into inserts, updates and
unchanged rows. :func:`apply` then writes them in bulk, stamping each written row with its
batch id (and bumping ``version`` where the table has one). Nothing is ever deleted here: a
record leaves only through an explicit column (``anulado``) that the importer maps to an update.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select, tuple_, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

CHUNK = 5_000  # rows per bulk statement / keys per IN list


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
        where = key_cols[0].in_([k[0] for k in part]) if len(key) == 1 else tuple_(*key_cols).in_(part)
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


def apply(session: Session, plan: Plan, batch_id: int) -> None:
    """Write every change of ``plan`` in the caller's transaction, then its ``then`` steps."""
    for change in plan.changes:
        model = change.model
        defaults = {"version": 1} if hasattr(model, "version") else {}
        stamp = {"import_batch_id": batch_id} if hasattr(model, "import_batch_id") else {}
        for part in chunks(change.inserts):
            session.execute(insert(model), [{**defaults, **r, **stamp} for r in part])
        by_columns: dict[tuple, list[dict]] = {}
        for r in change.updates:
            by_columns.setdefault(tuple(sorted(r)), []).append({**r, **stamp})
        for rows in by_columns.values():
            for part in chunks(rows):
                session.execute(update(model), list(part))
    session.flush()
    for step in plan.then:
        step(session, batch_id)
