"""Cohort filter widgets of the routes page, mirrored in the URL (prefix ``c_``).

No SQL here: the page passes the option lists (already scoped) and a callable for the
municipalities of a department. Two independent filter sets can live on one page
(``prefix``): the cohort analysed and, in the comparison view, the second cohort.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import streamlit as st

from components.core.context import PageContext
from rules.core.catalog import ENTRY_MECHANISMS, ETHNICITIES, ROUTE_ORDER
from rules.core.formatting import quarter_label
from rules.routes.funnels import Cohort, default_quarter

# Cohort field → URL parameter (the global filters own corte/desde/oficina/depto/mpio/ruta).
QUERY_KEYS: dict[str, str] = {
    "quarters": "c_trim",
    "route": "c_ruta",
    "entry_mechanisms": "c_mec",
    "sex": "c_sexo",
    "youth": "c_joven",
    "ethnicities": "c_etnia",
    "victim": "c_victima",
    "regional_office_id": "c_oficina",
    "department_code": "c_depto",
    "municipality_code": "c_mpio",
    "operator_id": "c_operador",
}
_PENDING = "_routes_pending_cohort"


@dataclass(frozen=True)
class CohortOptions:
    quarters: Sequence[str] = ()
    operators: Sequence[tuple[int, str, str]] = ()  # (id, code, name)
    offices: Sequence[tuple[int, str]] = ()
    departments: Sequence[tuple[str, str]] = ()
    municipalities: Callable[[str], Sequence[tuple[str, str]]] = field(default=lambda dept: ())


ALL_QUARTERS = "todos"


def cohort_from_query(params, quarters: Sequence[str] = (), cutoff=None) -> Cohort:
    """The cohort in the URL; an invalid parameter is ignored (the rest still applies).

    Without ``c_trim`` the cohort is the default quarter (``rules.routes.funnels.default_quarter``:
    the latest with a year of follow-up); ``c_trim=todos`` means every quarter.
    """
    data = {}
    if params.get(QUERY_KEYS["quarters"]) in (None, "") and cutoff is not None:
        first = default_quarter(quarters, cutoff)
        if first:
            data["quarters"] = [first]
    for name, key in QUERY_KEYS.items():
        value = params.get(key)
        if value in (None, "") or (name == "quarters" and value == ALL_QUARTERS):
            continue
        try:
            Cohort.from_dict({name: value})
        except ValueError:
            continue
        data[name] = value
    return Cohort.from_dict(data)


def cohort_to_query(cohort: Cohort) -> dict[str, str]:
    out = {} if cohort.quarters else {QUERY_KEYS["quarters"]: ALL_QUARTERS}
    for name, value in cohort.to_dict().items():
        if isinstance(value, list):
            out[QUERY_KEYS[name]] = ",".join(value)
        elif isinstance(value, bool):
            out[QUERY_KEYS[name]] = "si" if value else "no"
        else:
            out[QUERY_KEYS[name]] = str(value)
    return out


def sync_cohort_query(cohort: Cohort) -> None:
    wanted = cohort_to_query(cohort)
    for key in QUERY_KEYS.values():
        if key in wanted:
            if st.query_params.get(key) != wanted[key]:
                st.query_params[key] = wanted[key]
        elif key in st.query_params:
            del st.query_params[key]


def request_cohort(prefix: str, cohort: Cohort) -> None:
    """Ask the next run to show ``cohort`` in the widgets of ``prefix`` (then ``st.rerun()``)."""
    st.session_state[f"{_PENDING}_{prefix}"] = cohort


def _tri(value: bool | None) -> str:
    return "all" if value is None else ("yes" if value else "no")


def _untri(text: str) -> bool | None:
    return None if text == "all" else text == "yes"


def _apply_to_widgets(prefix: str, cohort: Cohort) -> None:
    s = st.session_state
    s[f"{prefix}_quarters"] = list(cohort.quarters)
    s[f"{prefix}_route"] = cohort.route
    s[f"{prefix}_mech"] = list(cohort.entry_mechanisms)
    s[f"{prefix}_sex"] = cohort.sex
    s[f"{prefix}_youth"] = _tri(cohort.youth)
    s[f"{prefix}_eth"] = list(cohort.ethnicities)
    s[f"{prefix}_victim"] = _tri(cohort.victim)
    s[f"{prefix}_office"] = cohort.regional_office_id
    s[f"{prefix}_dept"] = cohort.department_code
    s[f"{prefix}_muni"] = cohort.municipality_code
    s[f"{prefix}_operator"] = cohort.operator_id


def render_cohort_filters(ctx: PageContext, options: CohortOptions, prefix: str, initial: Cohort) -> Cohort:
    """The cohort widgets; returns the cohort they describe.

    ``initial`` seeds the widgets the first time (from the URL or a saved cohort); values
    outside the viewer's options are dropped, so a shared link never widens the scope.
    """
    t = ctx.t
    s = st.session_state
    pending = s.pop(f"{_PENDING}_{prefix}", None)
    if pending is not None:
        _apply_to_widgets(prefix, pending)
    elif f"{prefix}_quarters" not in s:
        _apply_to_widgets(prefix, initial)
    # Drop values the options no longer offer (scope, data changes) before rendering.
    quarters = list(options.quarters)
    s[f"{prefix}_quarters"] = [q for q in s.get(f"{prefix}_quarters", []) if q in quarters]
    op_ids = [None] + [o[0] for o in options.operators]
    if s.get(f"{prefix}_operator") not in op_ids:
        s[f"{prefix}_operator"] = None
    office_ids = [None] + [o for o, _ in options.offices]
    if s.get(f"{prefix}_office") not in office_ids:
        s[f"{prefix}_office"] = None
    dept_codes = [None] + [c for c, _ in options.departments]
    if s.get(f"{prefix}_dept") not in dept_codes:
        s[f"{prefix}_dept"] = None

    c1, c2, c3, c4 = st.columns([3, 2, 2, 3])
    sel_quarters = c1.multiselect(
        t("routes.filter.quarters"), quarters, key=f"{prefix}_quarters",
        format_func=lambda q: quarter_label(q, ctx.lang), placeholder=t("routes.filter.all_quarters"),
        help=t("routes.filter.quarters_help"),
    )
    route_options = [ctx.viewer.route] if ctx.viewer.is_route else [None, *ROUTE_ORDER]  # its route, nothing else
    if s.get(f"{prefix}_route") not in route_options:
        s[f"{prefix}_route"] = route_options[0]
    route = c2.selectbox(
        t("routes.filter.route"), route_options, key=f"{prefix}_route", placeholder=t("routes.all"),
        format_func=lambda r: t("routes.all") if r is None else t(f"route.{r}"),
    )
    mechanisms = c3.multiselect(
        t("routes.filter.mechanism"), list(ENTRY_MECHANISMS), key=f"{prefix}_mech",
        format_func=lambda m: t(f"routes.mechanism.{m}"), placeholder=t("routes.all"),
    )
    operators = {o[0]: f"{o[2]} ({o[1]})" for o in options.operators}
    operator_id = c4.selectbox(
        t("routes.filter.operator"), op_ids, key=f"{prefix}_operator", placeholder=t("routes.all"),
        format_func=lambda o: t("routes.all") if o is None else operators.get(o, str(o)),
    )
    c1, c2, c3, c4 = st.columns([2, 2, 3, 2])
    sex = c1.selectbox(
        t("routes.filter.sex"), [None, "F", "M"], key=f"{prefix}_sex", placeholder=t("routes.all"),
        format_func=lambda v: t("routes.all") if v is None else t(f"routes.sex.{v}"),
    )
    youth = c2.selectbox(
        t("routes.filter.youth"), ["all", "yes", "no"], key=f"{prefix}_youth",
        format_func=lambda v: t(f"routes.youth.{v}"),
    )
    ethnicities = c3.multiselect(
        t("routes.filter.ethnicity"), list(ETHNICITIES), key=f"{prefix}_eth",
        format_func=lambda e: t(f"routes.ethnicity.{e}"), placeholder=t("routes.all"),
    )
    victim = c4.selectbox(
        t("routes.filter.victim"), ["all", "yes", "no"], key=f"{prefix}_victim",
        format_func=lambda v: t(f"routes.victim.{v}"),
    )
    c1, c2, c3 = st.columns(3)
    office_names = dict(options.offices)
    office = c1.selectbox(
        t("routes.filter.office"), office_ids, key=f"{prefix}_office", placeholder=t("routes.all"),
        format_func=lambda o: t("routes.all") if o is None else office_names.get(o, str(o)),
    )
    dept_names = dict(options.departments)
    dept = c2.selectbox(
        t("routes.filter.department"), dept_codes, key=f"{prefix}_dept", placeholder=t("routes.all"),
        format_func=lambda d: t("routes.all") if d is None else dept_names.get(d, d),
    )
    muni = None
    if dept:
        munis = list(options.municipalities(dept))
        muni_codes = [None] + [c for c, _ in munis]
        if s.get(f"{prefix}_muni") not in muni_codes:
            s[f"{prefix}_muni"] = None
        muni_names = dict(munis)
        muni = c3.selectbox(
            t("routes.filter.municipality"), muni_codes, key=f"{prefix}_muni", placeholder=t("routes.all"),
            format_func=lambda c: t("routes.all") if c is None else f"{muni_names.get(c, c)} ({c})",
        )
    else:
        s.pop(f"{prefix}_muni", None)
    return Cohort(
        quarters=tuple(sorted(sel_quarters)),
        route=route,
        entry_mechanisms=tuple(sorted(mechanisms)),
        sex=sex,
        youth=_untri(youth),
        ethnicities=tuple(sorted(ethnicities)),
        victim=_untri(victim),
        regional_office_id=office,
        department_code=dept,
        municipality_code=muni,
        operator_id=operator_id,
    )


def cohort_labels(ctx: PageContext, cohort: Cohort, options: CohortOptions | None = None) -> list[str]:
    """Human description of a cohort's filters (for figure notes and exports)."""
    t = ctx.t
    out = []
    if cohort.quarters:
        out.append(f"{t('routes.filter.quarters')}: {', '.join(quarter_label(q, ctx.lang) for q in cohort.quarters)}")
    if cohort.route:
        out.append(f"{t('routes.filter.route')}: {t('route.' + cohort.route)}")
    if cohort.entry_mechanisms:
        out.append(
            f"{t('routes.filter.mechanism')}: "
            + ", ".join(t(f"routes.mechanism.{m}") for m in cohort.entry_mechanisms)
        )
    if cohort.sex:
        out.append(f"{t('routes.filter.sex')}: {t('routes.sex.' + cohort.sex)}")
    if cohort.youth is not None:
        out.append(t("routes.youth." + _tri(cohort.youth)))
    if cohort.ethnicities:
        out.append(
            f"{t('routes.filter.ethnicity')}: " + ", ".join(t(f"routes.ethnicity.{e}") for e in cohort.ethnicities)
        )
    if cohort.victim is not None:
        out.append(t("routes.victim." + _tri(cohort.victim)))
    if cohort.regional_office_id is not None:
        names = dict(options.offices) if options else {}
        out.append(f"{t('routes.filter.office')}: {names.get(cohort.regional_office_id, cohort.regional_office_id)}")
    if cohort.department_code:
        names = dict(options.departments) if options else {}
        out.append(f"{t('routes.filter.department')}: {names.get(cohort.department_code, cohort.department_code)}")
    if cohort.municipality_code:
        out.append(f"{t('routes.filter.municipality')}: {cohort.municipality_code}")
    if cohort.operator_id is not None:
        names = {o[0]: o[2] for o in options.operators} if options else {}
        out.append(f"{t('routes.filter.operator')}: {names.get(cohort.operator_id, cohort.operator_id)}")
    if cohort.person_filters:
        out.append(t("routes.note.person_filters"))
    return out
