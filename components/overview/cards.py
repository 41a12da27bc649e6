"""Big, readable figure cards for the executive overview and the presentation mode.

A card: label, large value, change vs the previous quarter with an arrow written as
text (▲/▼/=, never colour alone), a state line (✔/✖ against a goal) and, below, a
link to the figure's page carrying the same filters. Colours from Okabe–Ito.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import streamlit as st

from components.core.context import PageContext
from components.core.filters import filters_to_query
from exports.content import KeyFigure
from rules.core import small_n
from rules.core.formatting import NO_DATA

CSS = """
<style>
.tb-card {border: 1px solid #D5DDD8; border-left: 8px solid #0072B2; border-radius: 10px;
          padding: 0.7rem 1rem 0.6rem 1rem; background: #FFFFFF; min-height: 9.2rem; margin-bottom: .25rem;}
.tb-card .tb-label {font-size: 1.05rem; color: #44554C; font-weight: 600; line-height: 1.25;}
.tb-card .tb-value {font-size: 2.6rem; font-weight: 800; color: #1B2A22; line-height: 1.15; margin: .2rem 0;
                    font-variant-numeric: tabular-nums; word-break: break-word;}
.tb-card .tb-delta {font-size: 1.0rem; color: #1B2A22;}
.tb-card .tb-status {font-size: 1.0rem; font-weight: 700; margin-top: .15rem;}
.tb-card.tb-good {border-left-color: #0072B2;}
.tb-card.tb-bad {border-left-color: #D55E00;}
.tb-card.tb-neutral {border-left-color: #999999;}
.tb-card .tb-value.tb-long {font-size: clamp(1.1rem, 1.65vw, 1.9rem); white-space: nowrap;}
.tb-card.tb-big .tb-value {font-size: 3.2rem;}
.tb-card.tb-big .tb-value.tb-long {font-size: clamp(1.3rem, 1.9vw, 2.2rem);}
.tb-card.tb-big .tb-label {font-size: 1.25rem;}
.tb-card.tb-big .tb-delta, .tb-card.tb-big .tb-status {font-size: 1.1rem;}
.tb-card.tb-side {min-height: 0; padding: .45rem .9rem .4rem .9rem;}
.tb-card.tb-side .tb-value {font-size: 2.5rem; margin: 0;}
</style>
"""


def inject_css() -> None:
    st.markdown(CSS, unsafe_allow_html=True)


def _tone(fig: KeyFigure) -> str:
    if fig.state in (small_n.SMALL_N, small_n.NO_DATA):  # «n pequeño» is neither good nor bad
        return "tb-neutral"
    if fig.status and fig.status.startswith("✔"):
        return "tb-good"
    if fig.status and fig.status.startswith("✖"):
        return "tb-bad"
    return "tb-neutral" if fig.value in NO_DATA.values() else "tb-good"


def _arrow(delta: str | None) -> str:
    if not delta:
        return ""
    if delta.startswith("+"):
        return "▲ "
    if delta.startswith("−"):
        return "▼ "
    return "= "


def _keep(text: str) -> str:
    """Escaped, with a non-breaking space before "%": a value or a goal such as "(80 %)" never wraps."""
    return html.escape(text).replace(" %", "\u00a0%")


def card_html(fig: KeyFigure, size: str = "") -> str:
    """``size``: "" (page), "big" (presentation) or "side" (stacked beside a chart)."""
    e = _keep
    extra = {"big": " tb-big", "side": " tb-big tb-side"}.get(size, "")
    parts = [f'<div class="tb-card {_tone(fig)}{extra}" role="group" aria-label="{e(fig.label)}">',
             f'<div class="tb-label">{e(fig.label)}</div>',
             f'<div class="tb-value{" tb-long" if len(fig.value) > 11 else ""}">{e(fig.value)}</div>']
    if fig.delta:
        parts.append(f'<div class="tb-delta">{_arrow(fig.delta)}{e(fig.delta)}</div>')
    if fig.status:
        parts.append(f'<div class="tb-status">{e(fig.status)}</div>')
    if fig.target:
        parts.append(f'<div class="tb-status tb-target">{e(fig.target)}</div>')
    parts.append("</div>")
    return "".join(parts)


def link_query(ctx: PageContext) -> dict[str, str]:
    """The current global filters (and language) as query parameters for a link."""
    q = filters_to_query(ctx.filters)
    if ctx.lang != "es":
        q["lang"] = ctx.lang
    return q


def render_cards(ctx: PageContext, figures: Sequence[KeyFigure], per_row: int = 4, links: bool = True,
                 key: str = "cards", size: str = "") -> None:
    """Cards in rows of ``per_row``; each links to its page with the same filters."""
    query = link_query(ctx)
    for start in range(0, len(figures), per_row):
        cols = st.columns(per_row)
        for col, fig in zip(cols, figures[start:start + per_row]):
            with col:
                st.markdown(card_html(fig, size), unsafe_allow_html=True)
                if links and fig.page:
                    st.page_link(fig.page, label=ctx.t("committee.see_detail"), icon=":material/arrow_forward:",
                                 query_params=query, help=fig.definition or None)
