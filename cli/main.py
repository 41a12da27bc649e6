"""``tablero`` entry point. Each concern lives in its own ``cli/cmd_*.py`` module that
exposes ``register(group)``; they are discovered here so concerns stay apart."""

from __future__ import annotations

import importlib
import pkgutil

import click

import cli as cli_pkg
from cli.common import StoreAwareGroup


@click.group(cls=StoreAwareGroup, context_settings={"help_option_names": ["-h", "--help"]})
def tablero() -> None:
    """Tablero de decisión — Generación de Ingresos (MADR)."""


def _register_commands() -> None:
    for mod in sorted(pkgutil.iter_modules(cli_pkg.__path__), key=lambda m: m.name):
        if mod.name.startswith("cmd_"):
            importlib.import_module(f"cli.{mod.name}").register(tablero)


_register_commands()


def main() -> None:
    tablero()


if __name__ == "__main__":
    main()
