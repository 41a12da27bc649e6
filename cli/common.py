"""Shared CLI plumbing: resolving ``--as-user`` to a scoped Viewer, output formats."""

from __future__ import annotations

import contextlib
import csv
import io
import json
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


def emit_rows(rows: list[dict], fmt: str, columns: list[str]) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buf.getvalue())
        return
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) if rows else len(c) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        click.echo("  ".join(str(r.get(c, "") if r.get(c) is not None else "").ljust(widths[c]) for c in columns))
