"""``tablero verify CODE``: whether a certificate's verification code matches an unaltered exit record."""

from __future__ import annotations

import click

from cli.common import store_in_use


def register(group: click.Group) -> None:
    @group.command("verify")
    @click.argument("code")
    def verify_cmd(code: str) -> None:
        """Verifica el código de un certificado de salida: recalcula el sello del registro y lo compara con el
        guardado y con la cadena de auditoría. Código de salida 1 si no coincide o no existe."""
        from data_access.routes.exits import verify
        from rules.core.formatting import fmt_date
        from rules.core.i18n import t
        from rules.routes.exit_record import display_code

        try:
            with store_in_use("leer"):
                result = verify(code)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="CODE") from None
        shown = display_code(result.code)
        if not result.found:
            click.echo(f"No coincide: {' '.join(result.problems)}", err=True)
            raise SystemExit(1)
        facts = result.record
        said = (f"{t('route.' + facts['route'])}, {t('edit.st.outcome.' + facts['outcome'])}, salida "
                f"{fmt_date(facts['exit_date'])}, municipio {facts['municipality'] or facts['municipality_code']}")
        if result.ok:
            click.echo(f"Coincide: el código {shown} corresponde a un registro de salida inalterado ({said}); "
                       f"sello SHA-256 {facts['sha256']}.")
            return
        click.echo(f"No coincide: el registro del código {shown} fue alterado ({said}).", err=True)
        for problem in result.problems:
            click.echo(f"- {problem}", err=True)
        raise SystemExit(1)
