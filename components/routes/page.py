"""The routes page (``pages/routes.py`` calls :func:`render_routes_page`).

Funnels per route, the progression between routes (Sankey), service coverage, the
participants behind any stage, saved cohorts and cohort comparison. Options and results
come from ``components.routes.data`` (cached, scoped reads of ``data_access.routes.funnels``);
drawing lives in ``components.routes.views``. Only the selected view is computed on a
rerun, so changing a cohort filter costs one cohort query.
"""

from __future__ import annotations

import streamlit as st

from components.core.context import PageContext, page_context
from components.core.figures import download_table, plain
from components.knowledge.lists import route_rows as knowledge_rows
from components.knowledge.lists import route_section as knowledge_records
from components.reporting import official
from components.routes import data
from components.routes.charts import Q_LIST_ROUTE, Q_LIST_STAGE
from components.routes.exit_record import certificate_lookup
from components.routes.filters import (
    CohortOptions,
    cohort_from_query,
    cohort_labels,
    render_cohort_filters,
    request_cohort,
    sync_cohort_query,
)
from components.routes.tables import participant_frames
from components.routes.views import (
    Elapsed,
    elapsed_control,
    render_comparison,
    render_funnels,
    render_participant_page,
    render_sankey,
    render_services,
    stage_options,
)
from data_access.routes import funnels as F
from rules.core.catalog import ROUTE_ORDER
from rules.routes.funnels import Cohort, default_quarter, like_for_like_months
from rules.routes.model import LOSS_REASONS, SALIDA, route_model

VIEWS = ("funnel", "sankey", "services", "participants", "compare")


def cohort_options(viewer, url: str) -> CohortOptions:
    return CohortOptions(
        quarters=data.cohort_quarters(viewer, url=url),
        operators=data.operators(viewer, url=url),
        offices=data.offices(viewer, url=url),
        departments=data.departments(viewer, url=url),
        municipalities=lambda dept: data.municipalities(viewer, department_code=dept, url=url),
    )


def saved_cohorts_panel(ctx: PageContext, cohort: Cohort) -> dict[str, Cohort]:
    """Save the current cohort by name; load or delete one of the viewer's own."""
    t, viewer = ctx.t, ctx.viewer
    saved = dict(F.saved_cohorts(viewer, url=ctx.url))
    with st.expander(t("routes.saved.title"), icon=":material/bookmark:"):
        c1, c2 = st.columns(2)
        with c1, st.form("rt_save_form", clear_on_submit=True, border=False):
            name = st.text_input(t("routes.saved.name"), max_chars=F.MAX_NAME, key="rt_save_name")
            if st.form_submit_button(t("routes.saved.save"), icon=":material/save:"):
                try:
                    clean = F.save_cohort(viewer, name, cohort, url=ctx.url)
                except (ValueError, PermissionError) as exc:
                    st.error(str(exc))
                else:
                    st.success(t("routes.saved.saved", name=plain(clean)))
                    saved = dict(F.saved_cohorts(viewer, url=ctx.url))
        with c2:
            if not saved:
                st.caption(t("routes.saved.none"))
            else:
                chosen = st.selectbox(t("routes.saved.pick"), list(saved), key="rt_saved_pick")
                b1, b2 = st.columns(2)
                if b1.button(t("routes.saved.load"), key="rt_saved_load", icon=":material/upload:"):
                    request_cohort("ca", saved[chosen])
                    st.rerun()
                if b2.button(t("routes.saved.delete"), key="rt_saved_delete", icon=":material/delete:"):
                    F.delete_saved_cohort(viewer, chosen, url=ctx.url)
                    st.rerun()
    return saved


def participants_view(ctx: PageContext, cohort: Cohort, notes: list[str]) -> None:
    t, viewer, filters = ctx.t, ctx.viewer, ctx.filters
    routes = [r for r in ROUTE_ORDER if r == (cohort.route or r) and r == (filters.route or r)]
    if not routes:
        st.info(t("routes.empty"))
        return
    c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
    # the list's route and stage come from the URL (a link, a click on a funnel stage) when valid
    wanted_route, wanted_stage = st.query_params.get(Q_LIST_ROUTE), st.query_params.get(Q_LIST_STAGE)
    if st.session_state.get("rt_list_route") not in routes:
        st.session_state["rt_list_route"] = wanted_route if wanted_route in routes else routes[0]
    route = c1.selectbox(t("routes.filter.route"), routes, key="rt_list_route", format_func=lambda r: t(f"route.{r}"))
    names = stage_options(ctx, route_model(route).stages)
    if st.session_state.get("rt_list_stage") not in names:
        st.session_state["rt_list_stage"] = wanted_stage if wanted_stage in names else next(iter(names))
    stage = c2.selectbox(t("routes.list.stage"), list(names), key="rt_list_stage", format_func=names.get)
    for param, value in ((Q_LIST_ROUTE, route), (Q_LIST_STAGE, stage)):
        if st.query_params.get(param) != value:
            st.query_params[param] = value
    whiches = ("reached",) if stage == SALIDA else F.WHICH
    which = c3.selectbox(t("routes.list.which"), whiches, key="rt_list_which",
                         format_func=lambda w: t(f"routes.list.which_{w}"))
    reason = None
    if which == "lost":
        reason = c4.selectbox(t("routes.list.reason"), [None, *LOSS_REASONS], key="rt_list_reason",
                              format_func=lambda r: t("routes.all") if r is None else t(f"routes.reason.{r}"))
    c1, c2 = st.columns(2)
    size = c1.selectbox(t("routes.list.page_size"), (25, 50, 100, 250), index=1, key="rt_list_size")
    args = (viewer, filters, cohort, route, stage, which, reason)
    first = data.participants(*args, 1, size, url=ctx.url)
    number = int(c2.number_input(t("common.page"), min_value=1, max_value=first.pages, value=1, step=1,
                                 key="rt_list_page"))
    page = first if number == 1 else data.participants(*args, number, size, url=ctx.url)
    list_notes = [*notes, f"{t('routes.list.stage')}: {names[stage]}", t(f"routes.list.which_{which}")]
    if reason:
        list_notes.append(t(f"routes.reason.{reason}"))
    render_participant_page(ctx, page, list_notes, key="rt_list_dl")
    if page.total > page.page_size:
        if page.total > F.MAX_EXPORT_ROWS:
            st.caption(t("routes.list.too_many", limit=F.MAX_EXPORT_ROWS))
        elif st.toggle(t("routes.list.all_rows", total=page.total), key="rt_list_all"):
            full = data.participants(*args, url=ctx.url, limit=F.MAX_EXPORT_ROWS)
            _, export = participant_frames(ctx, full.rows, full.columns)
            download_table(ctx, export, "participantes", key="rt_list_all_dl")
    certificate_lookup(ctx)  # the exit certificate of a listed enrolment (by its number)


def compare_view(ctx: PageContext, cohort: Cohort, notes: list[str], options: CohortOptions,
                 saved: dict[str, Cohort]) -> None:
    t, viewer, filters = ctx.t, ctx.viewer, ctx.filters
    choices = ["__filters__", *saved]
    pick = st.selectbox(
        t("routes.compare.other"), choices, index=1 if saved else 0, key="rt_cmp_pick",
        format_func=lambda c: t("routes.compare.define") if c == "__filters__" else c,
    )
    if pick == "__filters__":
        with st.expander(t("routes.compare.other_filters"), expanded=True):
            other = render_cohort_filters(ctx, options, "cb", Cohort())
        name_b = t("routes.compare.b")
    else:
        other, name_b = saved[pick], pick
    default = like_for_like_months((cohort, other), filters.cutoff,
                                   fallback=default_quarter(options.quarters, filters.cutoff))
    months = elapsed_control(ctx, default)
    elapsed = None if months is None else Elapsed(months, (
        data.unobserved_entrants(viewer, filters, cohort, months, url=ctx.url),
        data.unobserved_entrants(viewer, filters, other, months, url=ctx.url)))
    render_comparison(
        ctx,
        data.funnel(viewer, filters, cohort, url=ctx.url, months=months),
        data.funnel(viewer, filters, other, url=ctx.url, months=months),
        (t("routes.compare.a"), name_b),
        notes,
        cohort_labels(ctx, other, options),
        elapsed,
    )


def compute_first_visit(viewer, filters, url: str) -> None:
    """The reads of a first visit to the page (the cohort of an address without parameters, the
    funnels), computed ahead (``components.overview.ahead``)."""
    options = cohort_options(viewer, url)
    cohort = cohort_from_query({}, options.quarters, filters.cutoff)
    data.funnel(viewer, filters, cohort, url=url)
    data.viability_loops(viewer, filters, cohort, url=url)
    knowledge_rows(viewer, filters, url)


def render_routes_page() -> None:
    ctx = page_context()
    t, viewer, filters = ctx.t, ctx.viewer, ctx.filters
    st.title(t("routes.title"))
    st.caption(t("routes.intro"))
    official.banner(ctx, "funnels")
    options = cohort_options(viewer, ctx.url)
    with st.expander(t("routes.cohort"), expanded=True, icon=":material/filter_alt:"):
        initial = cohort_from_query(st.query_params, options.quarters, filters.cutoff)
        cohort = render_cohort_filters(ctx, options, "ca", initial)
    sync_cohort_query(cohort)
    notes = cohort_labels(ctx, cohort, options)
    saved = saved_cohorts_panel(ctx, cohort)
    if "rt_view" not in st.session_state and st.query_params.get(Q_LIST_STAGE):
        st.session_state["rt_view"] = "participants"  # a link to a stage's participants
    view = st.radio(t("routes.views"), VIEWS, key="rt_view", horizontal=True,
                    format_func=lambda v: t(f"routes.view.{v}"))
    if view != "participants":
        for param in (Q_LIST_ROUTE, Q_LIST_STAGE):
            if param in st.query_params:
                del st.query_params[param]
    if view == "funnel":
        render_funnels(ctx, data.funnel(viewer, filters, cohort, url=ctx.url), notes,
                       data.viability_loops(viewer, filters, cohort, url=ctx.url))
    elif view == "sankey":
        render_sankey(ctx, data.sankey(viewer, filters, cohort, url=ctx.url), notes)
    elif view == "services":
        render_services(ctx, data.service_coverage(viewer, filters, cohort, url=ctx.url), notes)
    elif view == "participants":
        participants_view(ctx, cohort, notes)
    else:
        compare_view(ctx, cohort, notes, options, saved)
    knowledge_records(ctx)
