"""Shared CLI plumbing: resolving ``--as-user`` to a scoped Viewer, output formats."""

from __future__ import annotations

import contextlib
import json
import re
import sys
from collections.abc import Iterator

import click

from data_access.core.db import ConnectionLost, StoreError, StoreUnavailable, store_errors
from data_access.core.scope import NOBODY, Viewer
from rules import access


def as_user_option(f):
    return click.option(
        "--as-user",
        "as_user",
        default=None,
        help="Usuario cuyo alcance (scope) se aplica. Sin él: alcance nacional de sistema.",
    )(f)


def resolve_viewer(as_user: str | None) -> Viewer:
    """``--as-user`` → that account's Viewer (default-deny if unknown); none → national."""
    from data_access.core.auth import viewer_for_username

    if as_user is None:
        return Viewer(username="cli", role=access.CONSOLE_ROLE, scope_label="Nacional")
    viewer = viewer_for_username(as_user)
    if viewer is None:
        raise click.ClickException(f"Usuario «{as_user}» no existe o está inactivo.")
    return viewer if viewer.known else NOBODY


UPGRADE_HINT = "verifique DATABASE_URL y ejecute `tablero db upgrade`"


@contextlib.contextmanager
def store_in_use(verb: str = "usar", hint: str = UPGRADE_HINT) -> Iterator[None]:
    """A store failure becomes one Spanish message naming its cause and the fix, never a traceback:
    a missing, unreachable or not migrated store (``verb``: what could not be done, e.g. ``leer``),
    a connection lost mid-way, a lock wait that ran out or a simultaneous conflict."""
    try:
        with store_errors():
            yield
    except ConnectionLost as exc:
        raise click.ClickException(exc.message) from None
    except StoreUnavailable as exc:
        raise click.ClickException(f"No se pudo {verb} el almacén ({exc}): {hint}.") from None
    except StoreError as exc:
        raise click.ClickException(exc.message) from None


class StoreAwareGroup(click.Group):
    """The ``tablero`` group: any command's store failure that no narrower ``store_in_use`` told
    ends as its Spanish message (``store_in_use``), never as a driver traceback."""

    def invoke(self, ctx: click.Context):
        with store_in_use():
            return super().invoke(ctx)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _table_cell(value, inert) -> str:
    """A value as a cell of the text table: ``inert`` like a CSV field, and with its control
    characters shown escaped (a tab, a carriage return or an escape sequence would break
    the table or drive the terminal)."""
    text = "" if value is None else str(inert(value))
    return _CONTROL.sub(lambda m: m.group(0).encode("unicode_escape").decode("ascii"), text)


def emit_rows(rows: list[dict], fmt: str, columns: list[str]) -> None:
    """Rows as ``json`` (the values as stored), ``csv`` or a text ``table``; CSV and table
    fields come from ``exports.tables``, so typed text never opens as a formula."""
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    from exports.tables import inert, rows_csv_text  # pandas and openpyxl: only for commands that print rows

    if fmt == "csv":
        sys.stdout.write(rows_csv_text(rows, columns))
        return
    cells = [[_table_cell(r.get(c), inert) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)))
