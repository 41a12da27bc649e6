"""The periods section of the «Reportes trimestrales» page."""

from __future__ import annotations

from components.core.context import PageContext


def section(ctx: PageContext) -> None:
    """Draw the periods section for the viewer of ``ctx``."""
