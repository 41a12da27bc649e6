"""Modo presentación: full screen, large type, sidebar hidden; a slideshow across the chosen
views advancing on click, keys (→/← PageDown/PageUp/space; Esc leaves; F = full screen) or a
timer. Each slide fits the window (1366×768 and up) without scrolling.

The URL carries the whole state — ``vistas=overview,map,...``, ``slide=N`` (1-based),
``auto=seconds`` plus the global filters and ``lang`` — so a director opens exactly the
same slide from a link. Cut-off date, scope and active filters are printed on every slide.
"""

from __future__ import annotations

import time

import streamlit as st

from components.core.context import page_context
from components.overview import slides
from components.overview.cards import inject_css, link_query
from components.overview.pack import pack_buttons
from exports.content import VIEWS, parse_views

TIMERS = (0, 15, 30, 60, 120)

PRESENTATION_CSS = """
<style>
html {font-size: clamp(15px, 2.05vh, 20px);}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
[data-testid="stSidebarNav"], header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"], .st-key-pres_assets {display: none !important;}
[data-testid="stMainBlockContainer"], .block-container {padding: .45rem 1.6rem .4rem 1.6rem !important;
  max-width: 100% !important; height: 100dvh; box-sizing: border-box;}
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"] {height: 100%; gap: .45rem;}
.st-key-pres_bar .stButton button, .st-key-pres_bar a {min-height: 2.3rem;}
/* the slide takes the height the bar leaves, its body what the header and footer leave, and the
   chart what the key figures leave: every wrapper on that path grows and may shrink */
[data-testid="stLayoutWrapper"]:has(.st-key-pres_slide), .st-key-pres_slide,
[data-testid="stLayoutWrapper"]:has(> .st-key-slide_body), .st-key-slide_body,
.st-key-slide_body [data-testid="stLayoutWrapper"]:has([data-testid="stPlotlyChart"]),
.st-key-slide_body [data-testid="stElementContainer"]:has([data-testid="stPlotlyChart"]),
.st-key-slide_body [data-testid="stElementContainer"]:has([data-testid="stDataFrame"])
  {flex: 1 1 0 !important; min-height: 0 !important;}
.st-key-slide_body [data-testid="stHorizontalBlock"], .st-key-slide_body [data-testid="stColumn"] > div,
.st-key-slide_body [data-testid="stFullScreenFrame"], .st-key-slide_body [data-testid="stPlotlyChart"] {height: 100%;}
.st-key-pres_slide {gap: .4rem;}
.st-key-pres_slide > *, .st-key-slide_body > * {flex-shrink: 0;}
.st-key-pres_slide [data-testid="stMarkdownContainer"]:has(.tb-slide-title) {margin-bottom: 0 !important;}
.st-key-slide_foot {flex: 0 0 auto;}
.st-key-slide_note [data-testid="stCaptionContainer"] {font-size: .78rem; line-height: 1.3; margin: 0;}
.st-key-slide_note [data-testid="stCaptionContainer"] p {margin: 0;}
.st-key-slide_note {gap: .1rem;}
h1.tb-slide-title {font-size: 2.05rem; line-height: 1.1; margin: 0; padding: 0;}
.tb-slide-sub {font-size: 1rem; color: #1B2A22; background: #F2F5F3; border-radius: 6px;
  padding: .25rem .7rem; margin-top: .3rem; font-weight: 600;}
.tb-counter {font-size: 1.05rem; font-weight: 700; text-align: center; white-space: nowrap; overflow: hidden;
  text-overflow: ellipsis;}
.st-key-slide_body .tb-card {min-height: 0; padding: .35rem .8rem .3rem .8rem; margin: 0;}
.st-key-slide_body .tb-card .tb-label {font-size: .95rem;}
.st-key-slide_body .tb-card .tb-value {font-size: clamp(1.5rem, 4.6vh, 2.6rem); margin: .05rem 0;}
.st-key-slide_body .tb-card .tb-value.tb-long {font-size: clamp(1rem, 1.45vw, 2rem);}
.st-key-slide_body .tb-card .tb-delta, .st-key-slide_body .tb-card .tb-status {font-size: .9rem;}
/* the overview's many figures above its chart: compact, so the chart keeps room for its axes */
.st-key-slide_body .tb-card.tb-big:not(.tb-side) {padding: .25rem .7rem .2rem .7rem;}
.st-key-slide_body .tb-card.tb-big:not(.tb-side) .tb-label {font-size: .85rem; line-height: 1.15;}
.st-key-slide_body .tb-card.tb-big:not(.tb-side) .tb-value {font-size: clamp(1.3rem, 3.6vh, 2.4rem); margin: 0;}
.st-key-slide_body .tb-card.tb-big:not(.tb-side) .tb-value.tb-long {font-size: clamp(.95rem, 1.3vw, 1.8rem);}
.st-key-slide_body .tb-card.tb-big:not(.tb-side) .tb-delta,
.st-key-slide_body .tb-card.tb-big:not(.tb-side) .tb-status {font-size: .8rem; line-height: 1.25;}
</style>
"""

KEYS_JS = """
<script>
(function () {
  if (window.__tableroSlideKeys) { return; }
  window.__tableroSlideKeys = true;
  document.addEventListener("keydown", function (e) {
    var t = e.target || {};
    var tag = (t.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || t.isContentEditable) { return; }
    if (e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (!document.querySelector(".st-key-pres_next")) { return; }  /* not on the presentation page */
    /* an open settings panel or table takes Esc (to close itself) and the arrows */
    if (document.querySelector('[data-testid="stPopoverBody"], [role="dialog"]')) { return; }
    var sel = null;
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") { sel = ".st-key-pres_next button"; }
    else if (e.key === "ArrowLeft" || e.key === "PageUp") { sel = ".st-key-pres_prev button"; }
    else if (e.key === "Escape") { sel = ".st-key-pres_exit a"; }
    else if (e.key === "f" || e.key === "F") {
      if (!document.fullscreenElement) { document.documentElement.requestFullscreen().catch(function () {}); }
      else { document.exitFullscreen(); }
      return;
    }
    if (sel) {
      var b = document.querySelector(sel);
      if (b && !b.disabled) { e.preventDefault(); b.click(); }
    }
  });
})();
</script>
"""

ctx = page_context()
with st.container(key="pres_assets"):  # style and keys: no room taken on the screen
    inject_css()
    st.markdown(PRESENTATION_CSS, unsafe_allow_html=True)
    st.html(KEYS_JS, unsafe_allow_javascript=True)

params = st.query_params
views = parse_views(params.get("vistas"))
bad_link = not views
views = views or list(VIEWS)  # a link without any valid view shows them all (and says so)
try:
    auto = int(params.get("auto", "0"))
except ValueError:
    auto = 0
auto = auto if auto in TIMERS else 0
try:
    start_slide = int(params.get("slide", "1"))
except ValueError:
    start_slide = 1
# The URL is the state: write the canonical values back (a copied link reproduces this slide).
if params.get("vistas") != ",".join(views):
    params["vistas"] = ",".join(views)
# Every full run takes the slide from the URL (buttons, keys and the timer keep the URL in step).
wanted = max(0, min(len(views) - 1, start_slide - 1))
if st.session_state.get("pres_idx") != wanted or st.session_state.get("pres_views") != views:
    st.session_state["pres_changed"] = time.monotonic()
st.session_state["pres_idx"] = wanted
st.session_state["pres_views"] = views


def _go(step: int) -> None:
    n = len(st.session_state["pres_views"])
    st.session_state["pres_idx"] = (st.session_state["pres_idx"] + step) % n
    st.session_state["pres_changed"] = time.monotonic()


def _settings() -> None:
    """Views, timer, link and keys hints and the pack, behind the bar's settings button."""
    chosen = st.multiselect(ctx.t("committee.pres.views"), list(VIEWS), default=views,
                            format_func=lambda v: ctx.t(f"committee.view.{v}"), key="pres_views_select",
                            placeholder=ctx.t("widget.choose_many"))
    timer = st.selectbox(ctx.t("committee.pres.timer"), TIMERS, index=TIMERS.index(auto),
                         format_func=lambda s: ctx.t("committee.pres.timer_off") if s == 0
                         else ctx.t("committee.pres.timer_every", s=s), key="pres_timer")
    if chosen and (chosen != views or timer != auto):
        st.query_params["vistas"] = ",".join(chosen)
        st.query_params["slide"] = "1"
        if timer:
            st.query_params["auto"] = str(timer)
        elif "auto" in st.query_params:
            del st.query_params["auto"]
        st.session_state.pop("pres_idx", None)
        st.rerun()
    st.caption(ctx.t("committee.pres.keys_hint"))
    st.caption(ctx.t("committee.pres.link_hint"))
    pack_buttons(ctx, key="pres_pack", views=views)


def _show() -> None:
    n = len(views)
    if auto and time.monotonic() - st.session_state.get("pres_changed", 0) >= auto - 0.5:
        _go(+1)
    idx = st.session_state["pres_idx"]
    if st.query_params.get("slide") != str(idx + 1):
        st.query_params["slide"] = str(idx + 1)
    with st.container(key="pres_bar", horizontal=True, vertical_alignment="center", gap="small"):
        st.button(ctx.t("committee.pres.prev"), key="pres_prev", on_click=_go, args=(-1,),
                  icon=":material/chevron_left:")
        st.button(ctx.t("committee.pres.next"), key="pres_next", on_click=_go, args=(+1,),
                  icon=":material/chevron_right:", type="primary")
        st.markdown(
            f'<div class="tb-counter">{ctx.t("committee.pres.counter", n=idx + 1, total=n)} · '
            f'{ctx.t("committee.view." + views[idx])}</div>', unsafe_allow_html=True, width="stretch")
        with st.popover(ctx.t("committee.pres.settings"), icon=":material/tune:"):
            _settings()
        with st.container(key="pres_exit", width="content"):
            st.page_link("pages/overview.py", label=ctx.t("committee.pres.exit"),
                         icon=":material/close_fullscreen:", query_params=link_query(ctx))
    if bad_link:
        st.warning(ctx.t("committee.pres.no_views"))
    view = views[idx]
    with st.container(key="pres_slide"):
        slides.render(ctx, slides.REGISTRY[view].build(ctx), big=True, key=f"pres_{view}")


st.fragment(_show, run_every=auto or None)()
