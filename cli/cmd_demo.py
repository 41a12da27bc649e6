"""``tablero demo seed``: load the deterministic demo programme into the store."""

from __future__ import annotations

import click

from cli.common import store_in_use
from data_access.core.db import PROJECT_ROOT, database_url, display_url

ACCOUNTS_FILE = PROJECT_ROOT / "data" / "demo_accounts.txt"


def register(group: click.Group) -> None:
    @group.group("demo")
    def demo() -> None:
        """Datos de demostración (deterministas a partir de una semilla)."""

    @demo.command("seed")
    @click.option(
        "--scale",
        type=click.Choice(["demo", "national", "x10"]),
        default="demo",
        show_default=True,
        help="demo ≈ 3.000 hogares; national ≈ 250.000; x10 = 10 × national.",
    )
    @click.option(
        "--seed", "seed_value", type=int, default=42, show_default=True, help="Misma semilla, mismas filas."
    )
    @click.option("--if-empty", is_flag=True, help="No hace nada si el almacén ya tiene hogares.")
    @click.option("--replace", is_flag=True, help="Borra primero los datos del programa existentes.")
    def seed_cmd(scale: str, seed_value: int, if_empty: bool, replace: bool) -> None:
        """Migra el esquema y carga un programa de demostración completo."""
        from data_access.demo.seed import StoreNotEmpty, seed
        from data_access.demo.store import household_count
        from data_access.migrate import upgrade

        url = database_url()
        with store_in_use("cargar"):
            if if_empty:
                upgrade(url)
                n = household_count(url)
                if n:
                    click.echo(f"El almacén ya tiene {_es(n)} hogares: no se cargan datos de demostración.")
                    return
            try:
                result = seed(url, scale, seed_value, replace=replace)
            except StoreNotEmpty as exc:
                raise click.ClickException(str(exc)) from None
        click.echo(f"Escala {scale}, semilla {seed_value}, {result['dialect']} ({display_url(url)})")
        width = max(len(t) for t in result["counts"])
        for table, count in result["counts"].items():
            click.echo(f"  {table.ljust(width)}  {_es(count):>12}")
        t = result["timings"]
        click.echo(
            f"Tiempo: {result['elapsed_seconds']:.1f} s (generación {t['generate']:.1f} s, "
            f"carga {t['load']:.1f} s, cierre {t['finish']:.1f} s, de él sellado de salidas "
            f"{t.get('seal_exits', 0):.1f} s)"
        )
        lines = [f"{a['role']}\t{a['username']}\t{a['password']}" for a in result["accounts"]]
        click.echo("Cuentas de demostración (rol, usuario, contraseña):")
        for line in lines:
            click.echo(f"  {line}")
        ACCOUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        ACCOUNTS_FILE.write_text(
            f"# Cuentas de demostración ({scale}, semilla {seed_value}, {display_url(url)})\n"
            "# rol\tusuario\tcontraseña\n" + "\n".join(lines) + "\n",
            encoding="utf-8",
        )
        click.echo(f"Escritas en {ACCOUNTS_FILE}")


def _es(n: int) -> str:
    """12345 → '12.345' (Spanish thousands separator)."""
    return f"{n:,}".replace(",", ".")
