"""The submissions section of the «Reportes trimestrales» page."""

from __future__ import annotations

from components.core.context import PageContext


def section(ctx: PageContext) -> None:
    """Draw the submissions section for the viewer of ``ctx``."""
