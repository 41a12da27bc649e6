"""Global filters in the sidebar, mirrored in the URL query string so that a copied
link reproduces the view (cut-off date, period, office, department, municipality,
route, language)."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.reference import queries as ref
from rules.core.calendar import last_quarter_end
from rules.core.catalog import ROUTES
from rules.core.i18n import t

QUERY_KEYS = ("corte", "desde", "oficina", "depto", "mpio", "ruta")


def _parse_date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def filters_from_query(params) -> GlobalFilters:
    """Build filters from ``st.query_params`` (invalid values fall back to defaults)."""
    office = params.get("oficina")
    route = params.get("ruta")
    return GlobalFilters(
        cutoff=_parse_date(params.get("corte")) or last_quarter_end(),
        period_start=_parse_date(params.get("desde")),
        regional_office_id=int(office) if office and office.isdigit() else None,
        department_code=params.get("depto") or None,
        municipality_code=params.get("mpio") or None,
        route=route if route in ROUTES else None,
    )


def filters_to_query(filters: GlobalFilters) -> dict[str, str]:
    out = {"corte": filters.cutoff.isoformat()}
    if filters.period_start:
        out["desde"] = filters.period_start.isoformat()
    if filters.regional_office_id is not None:
        out["oficina"] = str(filters.regional_office_id)
    if filters.department_code:
        out["depto"] = filters.department_code
    if filters.municipality_code:
        out["mpio"] = filters.municipality_code
    if filters.route:
        out["ruta"] = filters.route
    return out


def sync_query(filters: GlobalFilters) -> None:
    """Write the filters into the URL, keeping any page-specific parameters."""
    wanted = filters_to_query(filters)
    for key in QUERY_KEYS:
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def _outside_scope(viewer: Viewer, params, office_ids, dept_codes, muni_codes, url: str) -> list[str]:
    """The territory parameters of the URL that name no office, department or municipality the
    viewer may see. Only the viewer's own lists are read (never a name behind a parameter);
    a value merely inconsistent with another filter (a department of another office) is not
    counted: the widgets resolve that."""
    out = []
    office = params.get("oficina")
    if office and not (office.isdigit() and int(office) in office_ids):
        out.append("oficina")
    dept = params.get("depto")
    if dept and dept not in dept_codes and dept not in {c for c, _ in ref.departments(viewer, url=url)}:
        out.append("depto")
    muni = params.get("mpio")
    if muni and muni not in muni_codes and muni not in {
        c for c, _ in ref.municipalities(viewer, department_code=muni[:2], url=url)
    }:
        out.append("mpio")
    return out


def office_choices(viewer: Viewer, offices: list[tuple[int, str]]) -> list[int | None]:
    """The office selector's options, its default first: «every office» for a national viewer and a
    dirección de ruta (whose route runs in every office), else the viewer's own offices."""
    ids = [o for o, _ in offices]
    return [None, *ids] if viewer.is_national or viewer.is_route else ids


def route_choices(viewer: Viewer) -> list[str | None]:
    """The route selector's options, its default first: a dirección de ruta's own route only."""
    return [viewer.route] if viewer.is_route else [None, *ROUTES]


def first_visit_filters(viewer: Viewer, url: str) -> GlobalFilters:
    """The filters ``render_global_filters`` settles on for an address without parameters (what
    the landing page computes for a person who just signed in): every selector's default."""
    current = filters_from_query({})
    offices = office_choices(viewer, ref.offices(viewer, url=url))
    return GlobalFilters(cutoff=current.cutoff, period_start=current.period_start,
                         regional_office_id=offices[0] if offices else None, route=route_choices(viewer)[0])


def render_global_filters(viewer: Viewer, lang: str, url: str) -> tuple[GlobalFilters, dict]:
    """Sidebar widgets; the URL is the source of truth on first load.

    Returns the filters and the names of the selected office/department/municipality. A
    territory in the URL outside the viewer's scope is dropped with a neutral notice.
    """
    current = filters_from_query(st.query_params)
    asked = {key: st.query_params.get(key) for key in ("oficina", "depto", "mpio")}
    sb = st.sidebar
    sb.markdown(f"**{t('filters.title', lang)}**")
    cutoff = sb.date_input(
        t("filters.cutoff", lang), value=current.cutoff, format="DD/MM/YYYY", key="gf_cutoff"
    )
    offices = ref.offices(viewer, url=url)
    office_ids = office_choices(viewer, offices)
    office_names = dict(offices)
    office = sb.selectbox(
        t("filters.office", lang),
        office_ids,
        index=office_ids.index(current.regional_office_id) if current.regional_office_id in office_ids else 0,
        format_func=lambda o: t("filters.all_offices", lang) if o is None else office_names.get(o, str(o)),
        key="gf_office",
    ) if office_ids else None
    depts = ref.departments(viewer, office_id=office, url=url)
    dept_codes = [None] + [c for c, _ in depts]
    dept_names = dict(depts)
    dept = sb.selectbox(
        t("filters.department", lang),
        dept_codes,
        index=dept_codes.index(current.department_code) if current.department_code in dept_codes else 0,
        format_func=lambda c: t("filters.all_departments", lang) if c is None else dept_names[c],
        key="gf_dept",
    )
    muni = None
    muni_codes: list[str | None] = []
    if dept:
        munis = ref.municipalities(viewer, department_code=dept, office_id=office, url=url)
        muni_codes = [None] + [c for c, _ in munis]
        muni_names = dict(munis)
        muni = sb.selectbox(
            t("filters.municipality", lang),
            muni_codes,
            index=muni_codes.index(current.municipality_code) if current.municipality_code in muni_codes else 0,
            format_func=lambda c: t("filters.all_municipalities", lang) if c is None else f"{muni_names[c]} ({c})",
            key="gf_muni",
        )
    routes = route_choices(viewer)
    route = sb.selectbox(
        t("filters.route", lang),
        routes,
        index=routes.index(current.route) if current.route in routes else 0,
        format_func=lambda r: t("filters.all_routes", lang) if r is None else t(f"route.{r}", lang),
        key="gf_route",
    )
    filters = GlobalFilters(
        cutoff=cutoff if isinstance(cutoff, dt.date) else current.cutoff,
        period_start=current.period_start,
        regional_office_id=office,
        department_code=dept,
        municipality_code=muni,
        route=route,
    )
    if _outside_scope(viewer, asked, office_ids, dept_codes, muni_codes, url):
        sb.info(t("filters.dropped", lang), icon=":material/filter_alt_off:")
    sync_query(filters)
    labels = {}
    if office is not None:
        labels["office"] = office_names.get(office, str(office))
    if dept:
        labels["department"] = dept_names[dept]
    if muni:
        labels["municipality"] = f"{muni_names[muni]} ({muni})"
    return filters, labels
