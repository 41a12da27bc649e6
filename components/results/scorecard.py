"""The scorecard page's content."""

from __future__ import annotations

from components.core.context import PageContext


def section(ctx: PageContext) -> None:
    """Draw the scorecard page for the viewer of ``ctx``."""
