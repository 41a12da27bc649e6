"""The agreements page's content."""

from __future__ import annotations

from components.core.context import PageContext


def section(ctx: PageContext) -> None:
    """Draw the agreements page for the viewer of ``ctx``."""
