"""The municipality profile shown beside the map (no SQL: it renders a profile dict
from ``data_access.map.queries.municipality_profile``, already scoped)."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from components.characterisation.assets import profile_section as asset_map
from components.core.context import PageContext
from components.core.figures import data_table, figure_note
from components.core.filters import filters_to_query
from components.knowledge.lists import profile_section as knowledge_records
from components.map.cofinancing import profile_section as household_cofinancing
from rules.core.catalog import ROUTE_ORDER
from rules.core.formatting import fmt_date, fmt_int, fmt_money, fmt_num, fmt_pct
from rules.routes.model import stage_name

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")

# Other pages that read the global filters (``mpio=`` in the URL).
LINKED_PAGES = (
    ("pages/routes.py", "nav.routes"),
    ("pages/alliance.py", "nav.alliance"),
    ("pages/sla.py", "nav.sla"),
    ("pages/overview.py", "nav.overview"),
)


def md_escape(text: str) -> str:
    """Text from the store shown through Markdown renders literally (no links, no HTML)."""
    return _MD_SPECIAL.sub(r"\\\1", str(text))


def profile_query(ctx: PageContext, code: str) -> dict[str, str]:
    """Query parameters that open another page filtered on this municipality."""
    params = filters_to_query(ctx.filters.with_(municipality_code=code, department_code=code[:2],
                                                regional_office_id=None))
    params["mpio"] = code
    if ctx.lang != "es":
        params["lang"] = ctx.lang
    return params


def render_out_of_scope(ctx: PageContext, name: str) -> None:
    st.warning(ctx.t("map.profile.out_of_scope", name=name))


def render_profile(ctx: PageContext, p: dict, extras) -> None:
    """``extras()`` → (alliance dict | None, ANS % | None): called after the rest
    of the profile is on screen, its figures drawn in their place."""
    t, lang = ctx.t, ctx.lang
    st.subheader(md_escape(p["name"]))
    caption = t("map.profile.caption", department=p["department"], office=p["office"] or "—", code=p["code"])
    if p.get("area_km2"):
        caption += " · " + t("map.profile.area", area=fmt_num(p["area_km2"], 0, lang))
    st.caption(md_escape(caption))
    if p.get("source") == "mgn":
        st.caption(t("map.profile.mgn_source"))

    na = t("map.profile.not_for_role")
    tgt = p["targeting"]
    c1, c2 = st.columns(2)
    c1.metric(t("map.profile.households"), fmt_int(p["households"], lang))
    c2.metric(t("map.profile.opr"), fmt_int(p["opr"], lang))
    c1, c2 = st.columns(2)
    if p["territorial_visible"]:
        c1.metric(t("map.profile.prioritised", year=p["year"]),
                  (t("map.profile.prioritised_yes") if tgt["prioritised"] else t("map.profile.prioritised_no"))
                  if tgt else t("map.legend_no_data"))
        c2.metric(t("map.profile.target_population", year=p["year"]),
                  fmt_int(tgt["target_population"], lang) if tgt else t("map.legend_no_data"))
    else:
        c1.metric(t("map.profile.prioritised", year=p["year"]), na)
        c2.metric(t("map.profile.target_population", year=p["year"]), na)
    c1, c2 = st.columns(2)
    plans_detail = t("map.profile.plans_detail", disbursed=fmt_int(p["disbursed_plans"], lang),
                     closed=fmt_int(p["closed_plans"], lang))
    c1.metric(t("map.profile.plans"), fmt_int(p["plans"], lang), help=plans_detail)
    c1.caption(plans_detail)
    c2.metric(t("map.profile.alerts_open"), fmt_int(len(p["alerts"]), lang) if p["territorial_visible"] else na)
    # amounts in pesos need a whole row each: in half of the profile's column they would be cut
    st.metric(t("map.profile.committed"), fmt_money(p["committed_cop"], lang))
    st.metric(t("map.profile.disbursed"), fmt_money(p["disbursed_cop"], lang))
    later = st.container()  # alliance and ANS: filled last (slower reads), shown in place
    figure_note(ctx, t("map.profile.definition"))
    household_cofinancing(ctx, p["code"])

    st.markdown(f"**{t('map.profile.funnel')}**")
    first = p["funnel"][0][1] if p["funnel"] else 0
    funnel = pd.DataFrame(
        [(stage_name(stage, lang), n, (100.0 * n / first) if first else None) for stage, n in p["funnel"]],
        columns=[t("map.profile.stage"), t("map.profile.reached"), t("map.profile.share")],
    )
    data_table(
        funnel, hide_index=True, placeholder="—", width="stretch", height=min(390, 36 * (len(funnel) + 1)),
        column_config={
            t("map.profile.share"): st.column_config.ProgressColumn(
                t("map.profile.share"), format="%.0f %%", min_value=0, max_value=100),
        },
    )
    st.caption(t("map.profile.funnel_note"))
    routes = pd.DataFrame(
        [(t(f"route.{r}"), p["by_route"].get(r, {}).get("hogar", 0), p["by_route"].get(r, {}).get("opr", 0))
         for r in ROUTE_ORDER],
        columns=[t("map.profile.route"), t("map.profile.households"), t("map.profile.opr")],
    )
    st.markdown(f"**{t('map.profile.by_route')}**")
    data_table(routes, hide_index=True, placeholder="—", width="stretch")

    st.markdown(f"**{t('map.profile.operators')}**")
    if p["operators"]:
        data_table(
            pd.DataFrame(
                [(o["name"], ", ".join(t(f"route.{r}") for r in o["routes"]), o["participants"], o["plans"])
                 for o in p["operators"]],
                columns=[t("map.profile.operator"), t("map.profile.routes"), t("map.profile.participants"),
                         t("map.profile.psde_plans")],
            ),
            hide_index=True, placeholder="—", width="stretch",
        )
    else:
        st.caption(t("map.profile.no_operators"))

    st.markdown(f"**{t('map.profile.alerts')}**")
    if not p["territorial_visible"]:
        st.caption(na)
    elif p["alerts"]:
        data_table(
            pd.DataFrame(
                [(t(f"map.alert.{a['category']}"), t(f"map.severity.{a['severity']}"),
                  t(f"map.status.{a['status']}"), fmt_date(a["opened_on"], lang), a["description"])
                 for a in p["alerts"]],
                columns=[t("map.profile.category"), t("map.profile.severity"), t("map.profile.status"),
                         t("map.profile.opened"), t("map.profile.description")],
            ),
            hide_index=True, placeholder="—", width="stretch",
        )
    else:
        st.caption(t("map.profile.no_alerts"))

    asset_map(ctx, p["code"])

    knowledge_records(ctx, p["code"])

    st.markdown(f"**{t('map.profile.links')}**")
    params = profile_query(ctx, p["code"])
    for page, title in LINKED_PAGES:  # one per row: a page's name is never cut
        st.page_link(page, label=t(title), query_params=params, width="stretch")

    alliance, sla = extras()
    with later:
        c1, c2 = st.columns(2)
        if alliance is None:
            c1.metric(t("map.profile.alliance"), t("map.legend_no_data"))
        else:
            detail = t("map.profile.alliance_detail", num=fmt_int(alliance["numerator"], lang),
                       den=fmt_int(alliance["denominator"], lang), pending=fmt_int(alliance["pending"], lang))
            c1.metric(t("map.profile.alliance"), fmt_pct(alliance["percent"], 1, lang), help=detail)
            c1.caption(detail)
        c2.metric(t("map.profile.sla"), fmt_pct(sla, 1, lang) if sla is not None else t("map.legend_no_data"))
