"""Knowledge records in the UI: the «Gestión del conocimiento» page (search, filters, a record with
its files, the form to record one) and the short lists of the municipality profile and the Rutas
page. Scope and the consent rule are the queries' (``data_access.knowledge.search``): a row without
consent arrives without its household or OPR."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note, plain
from components.documents.files import attachments
from data_access.edits.common import EditError
from data_access.knowledge import records as R
from data_access.knowledge import search as S
from rules import access
from rules import knowledge as K
from rules.core.catalog import ROUTES, SERVICE_TYPES
from rules.core.formatting import fmt_date, fmt_num

search_rows = cached(S.search)
record_rows = cached(S.records, by_scope=True)
one_record = cached(S.record)
PAGE = "pages/knowledge.py"
_FLASH = "_knowledge_flash"


def _link(ctx: PageContext, r: dict) -> str:
    if not r["consent"]:
        return ctx.t("knowledge.no_consent")
    return r["household_code"] or r["opr_name"] or "—"


def _frame(ctx: PageContext, rows: list[dict], ranked: bool) -> pd.DataFrame:
    t = ctx.t
    out = []
    for r in rows:
        row = {
            t("knowledge.code"): r["code"], t("knowledge.kind"): t(f"knowledge.kind.{r['kind']}"),
            t("knowledge.title"): r["title"], t("knowledge.municipality"): r["municipality"],
            t("knowledge.route"): t(f"route.{r['route']}") if r["route"] else None,
            t("knowledge.service"): t(f"routes.service.{r['service_type_code']}") if r["service_type_code"] else None,
            t("knowledge.link"): _link(ctx, r), t("knowledge.tags"): r["tags"] or None,
            t("knowledge.date"): fmt_date(r["created_on"], ctx.lang),
        }
        if ranked:
            row[t("knowledge.rank")] = fmt_num(r["rank"], 3, ctx.lang)
        row[t("knowledge.snippet")] = " ".join((r["snippet"] or "").split())
        out.append(row)
    return pd.DataFrame(out)


def _short_list(ctx: PageContext, rows: list[dict], empty_key: str, params: dict[str, str]) -> None:
    t = ctx.t
    if not rows:
        st.caption(t(empty_key))
        return
    data_table(pd.DataFrame([{
        t("knowledge.code"): r["code"], t("knowledge.kind"): t(f"knowledge.kind.{r['kind']}"),
        t("knowledge.title"): r["title"], t("knowledge.link"): _link(ctx, r),
        t("knowledge.date"): fmt_date(r["created_on"], ctx.lang)} for r in rows]),
        hide_index=True, placeholder="—", width="stretch")
    st.page_link(PAGE, label=t("knowledge.see_all"), query_params=params, icon=":material/menu_book:")


def profile_section(ctx: PageContext, municipality_code: str) -> None:
    """The municipality profile's knowledge records (newest ten)."""
    st.markdown(f"**{ctx.t('knowledge.section')}**")
    rows = record_rows(ctx.viewer, municipality=municipality_code, limit=10, url=ctx.url)
    _short_list(ctx, rows, "knowledge.section_none", {"mpio": municipality_code})


def route_rows(viewer, filters, url: str) -> list[dict]:
    """The Rutas page's short list of knowledge records (the page's first visit reads it too)."""
    return record_rows(viewer, territory=filters, limit=10, url=url)


def route_section(ctx: PageContext) -> None:
    """The Rutas page's knowledge records: of the route in the global filters, else of every route."""
    st.subheader(ctx.t("knowledge.route_section"))
    rows = route_rows(ctx.viewer, ctx.filters, ctx.url)
    params = {"ruta": ctx.filters.route} if ctx.filters.route else {}
    _short_list(ctx, rows, "knowledge.route_none", params)


# ------------------------------------------------------------------ the page


def _choice(label: str, options: dict[str, str], key: str, t) -> str | None:
    values = [None, *options]
    return st.selectbox(label, values, key=key, format_func=lambda v: t("knowledge.all") if v is None else options[v])


def page(ctx: PageContext) -> None:
    t = ctx.t
    st.caption(t("knowledge.intro"))
    flash = st.session_state.pop(_FLASH, None)
    if flash is not None:
        (st.success if flash[0] == "ok" else st.error)(flash[1])
    text = st.text_input(t("knowledge.search"), key="kn_q", help=t("knowledge.search_help"),
                         icon=":material/search:")
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        kind = _choice(t("knowledge.kind"), {k: t(f"knowledge.kind.{k}") for k in K.KINDS}, "kn_kind", t)
    with c2:
        route = _choice(t("knowledge.route"), {r: t(f"route.{r}") for r in ROUTES}, "kn_route", t)
    with c3:
        service = _choice(t("knowledge.service"), {k: t(f"routes.service.{k}") for k in SERVICE_TYPES},
                          "kn_service", t)
    everything = record_rows(ctx.viewer, territory=ctx.filters, limit=1000, url=ctx.url)
    with c4:
        places = {r["municipality_code"]: f"{r['municipality']} ({r['municipality_code']})" for r in everything}
        municipality = _choice(t("knowledge.municipality"), dict(sorted(places.items(), key=lambda kv: kv[1])),
                               "kn_mpio", t)
    ranked = bool(K.search_terms(text))
    rows = search_rows(ctx.viewer, text, kind=kind, route=route, service=service, municipality=municipality,
                       territory=ctx.filters, limit=200, url=ctx.url)
    if not rows:
        st.info(t("knowledge.none"))
    else:
        st.caption(t("knowledge.results" if ranked else "knowledge.listed", n=len(rows)))
        frame = _frame(ctx, rows, ranked)
        data_table(frame, hide_index=True, placeholder="—", width="stretch")
        download_table(ctx, frame, "conocimiento", key="kn_table")
        figure_note(ctx, t("knowledge.definition"))
        _detail(ctx, rows)
    if access.allowed(ctx.viewer, access.MANAGE_KNOWLEDGE):
        _add_form(ctx)


def _detail(ctx: PageContext, rows: list[dict]) -> None:
    t = ctx.t
    labels = {r["id"]: f"{r['code']} · {r['title']}" for r in rows}
    chosen = st.selectbox(t("knowledge.open"), list(labels), format_func=labels.get, key="kn_open")
    r = one_record(ctx.viewer, chosen, url=ctx.url)
    if r is None:
        return
    with st.container(border=True):
        st.markdown(f"**{plain(r['title'])}**")
        st.caption(plain(t("knowledge.meta", code=r["code"], kind=t(f"knowledge.kind.{r['kind']}"),
                           municipality=r["municipality"], date=fmt_date(r["created_on"], ctx.lang),
                           who=r["created_by"])) + " · " + plain(_link(ctx, r)))
        st.text(r["text"])
        attachments(ctx, "knowledge_record", r["id"], f"kn_doc_{r['id']}",
                    access.allowed(ctx.viewer, access.MANAGE_KNOWLEDGE))


def _add_form(ctx: PageContext) -> None:
    t = ctx.t
    with st.expander(t("knowledge.add"), icon=":material/add:"):
        with st.form("kn_add", clear_on_submit=False, border=False):
            kind = st.selectbox(t("knowledge.kind"), list(K.KINDS), format_func=lambda k: t(f"knowledge.kind.{k}"))
            title = st.text_input(t("knowledge.title"), max_chars=K.MAX_TITLE)
            text = st.text_area(t("knowledge.text"), max_chars=K.MAX_TEXT)
            c1, c2, c3 = st.columns(3)
            municipality = c1.text_input(t("knowledge.municipality"), value=ctx.filters.municipality_code or "",
                                         max_chars=5)
            route = c2.selectbox(t("knowledge.route"), [None, *ROUTES],
                                 format_func=lambda r: "—" if r is None else t(f"route.{r}"))
            service = c3.selectbox(t("knowledge.service"), [None, *SERVICE_TYPES],
                                   format_func=lambda s: "—" if s is None else t(f"routes.service.{s}"))
            tags = st.text_input(t("knowledge.tags"), help=t("knowledge.tags_help"))
            c1, c2 = st.columns(2)
            household = c1.text_input(t("knowledge.household"))
            opr = c2.text_input(t("knowledge.opr"))
            consent = st.checkbox(t("knowledge.consent"))
            go = st.form_submit_button(t("knowledge.save"), type="primary")
    if not go:
        return
    data = {"kind": kind, "title": title, "text": text, "municipality_code": municipality.strip(), "route": route,
            "service_type_code": service, "tags": tags, "household_code": household, "opr_nit": opr,
            "consent": consent}
    try:
        result = R.add(ctx.viewer, data, url=ctx.url)
    except EditError as exc:
        st.session_state[_FLASH] = ("error", exc.message)
    else:
        st.session_state[_FLASH] = ("ok", t("knowledge.saved", code=f"{R.CODE_PREFIX}-{int(result.id):06d}"))
    st.rerun()
