"""``tablero assets install``: browser assets (Leaflet) into static/vendor, from an
installed registry package — never from a CDN, never committed."""

from __future__ import annotations

import click


def register(group: click.Group) -> None:
    @group.group("assets")
    def assets() -> None:
        """Archivos del navegador (Leaflet) servidos por la propia aplicación."""

    @assets.command("install")
    @click.option("--target", type=click.Path(file_okay=False), default=None,
                  help="Carpeta destino (por defecto static/vendor del proyecto).")
    def install_cmd(target: str | None) -> None:
        """Copia Leaflet desde el paquete instalado a static/vendor (idempotente)."""
        from components.map.assets import AssetError, install

        try:
            result = install(target)
        except AssetError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"Recursos del mapa en {result.target}: {len(result.copied)} copiados, "
            f"{len(result.unchanged)} ya al día (django-js-lib-leaflet {result.package_version})."
        )
