"""Modo presentación: full screen, large type, sidebar hidden; a slideshow across the chosen
views advancing on click, keys (→/← PageDown/PageUp/space; F = full screen) or a timer.

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
html {font-size: 19px;}
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="collapsedControl"],
[data-testid="stSidebarNav"], header[data-testid="stHeader"], [data-testid="stToolbar"],
[data-testid="stDecoration"] {display: none !important;}
[data-testid="stMainBlockContainer"], .block-container {padding-top: 0.6rem !important; padding-bottom: 1rem !important;
  max-width: 100% !important; padding-left: 2.2rem !important; padding-right: 2.2rem !important;}
h1.tb-slide-title {font-size: 2.6rem; line-height: 1.15; margin: 0.2rem 0 0.1rem 0; padding: 0;}
.tb-slide-sub {font-size: 1.15rem; color: #1B2A22; background: #F2F5F3; border-radius: 6px;
  padding: .35rem .7rem; margin-bottom: .6rem; font-weight: 600;}
.tb-counter {font-size: 1.1rem; font-weight: 700; text-align: center; padding-top: .35rem;}
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
    if (!document.querySelector(".st-key-pres_next")) { return; }  /* not on the presentation page */
    var sel = null;
    if (e.key === "ArrowRight" || e.key === "PageDown" || e.key === " ") { sel = ".st-key-pres_next button"; }
    else if (e.key === "ArrowLeft" || e.key === "PageUp") { sel = ".st-key-pres_prev button"; }
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


def _show() -> None:
    n = len(views)
    if auto and time.monotonic() - st.session_state.get("pres_changed", 0) >= auto - 0.5:
        _go(+1)
    idx = st.session_state["pres_idx"]
    if st.query_params.get("slide") != str(idx + 1):
        st.query_params["slide"] = str(idx + 1)
    c_prev, c_count, c_next = st.columns([1, 2, 1])
    c_prev.button(ctx.t("committee.pres.prev"), key="pres_prev", on_click=_go, args=(-1,), width="stretch",
                  icon=":material/chevron_left:")
    c_count.markdown(
        f'<div class="tb-counter">{ctx.t("committee.pres.counter", n=idx + 1, total=n)} · '
        f'{ctx.t("committee.view." + views[idx])}</div>', unsafe_allow_html=True)
    c_next.button(ctx.t("committee.pres.next"), key="pres_next", on_click=_go, args=(+1,), width="stretch",
                  icon=":material/chevron_right:", type="primary")
    view = views[idx]
    slides.render(ctx, slides.REGISTRY[view].build(ctx), big=True, key=f"pres_{view}")


if bad_link:
    st.warning(ctx.t("committee.pres.no_views"))

st.fragment(_show, run_every=auto or None)()

with st.expander(ctx.t("committee.pres.settings"), icon=":material/tune:"):
    chosen = st.multiselect(ctx.t("committee.pres.views"), list(VIEWS), default=views,
                            format_func=lambda v: ctx.t(f"committee.view.{v}"), key="pres_views_select")
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
    st.page_link("pages/overview.py", label=ctx.t("committee.pres.exit"), icon=":material/close_fullscreen:",
                 query_params=link_query(ctx))
    pack_buttons(ctx, key="pres_pack", views=views)
