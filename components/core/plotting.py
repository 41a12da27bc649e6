"""Plotly figures from specs known to be valid, without plotly's per-property validation.

Validation is most of what drawing a chart costs on a rerun (5–8 ms a figure, on every run that
shows it): a figure's dict kept in the cache was validated when the figure was built, and the
pages' fixed specs are built validated by the tests (``tests/test_chart_legibility.py``).
"""

from __future__ import annotations

import plotly.graph_objects as go


def trusted_figure(spec: dict) -> go.Figure:
    """``go.Figure(spec)`` without validating it again."""
    try:
        return go.Figure(spec, _validate=False)
    except TypeError:  # a plotly without the private fast path
        return go.Figure(spec)
