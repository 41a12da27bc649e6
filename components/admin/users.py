"""Admin page: accounts (list, create with role and scope, password, activation)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table
from components.edit.common import saved, show_refusal
from data_access.edits import accounts as account_edits
from data_access.edits.common import EditError
from rules.core.catalog import ROLES, ROUTES

users = cached(account_edits.users)
offices = cached(account_edits.offices_all)
operators = cached(account_edits.operators_all)
CLEAR = (users,)


def users_section(ctx: PageContext) -> None:
    t = ctx.t
    rows = users(ctx.viewer, url=ctx.url)
    data_table(
        pd.DataFrame(
            [
                {
                    t("admin.col.username"): r["username"],
                    t("admin.col.name"): r["display_name"],
                    t("admin.col.email"): r["email"] or "—",
                    t("admin.col.role"): t("role." + r["role"]) if r["role"] in ROLES else r["role"],
                    t("admin.col.scope"): r["office"] or r["operator"]
                    or (t("route." + r["route"]) if r["route"] in ROUTES else t("scope.national")),
                    t("admin.col.active"): ("✓ " + t("admin.yes")) if r["active"] else ("✗ " + t("admin.no")),
                    t("admin.col.local"): t("admin.yes") if r["local_password"] else t("admin.oidc_only"),
                }
                for r in rows
            ]
        ),
        hide_index=True,
        placeholder="—",
        width="stretch",
    )
    add, scope, pw, act = st.tabs([t("admin.add"), t("admin.scope"), t("admin.password"), t("admin.activation")])
    with add:
        _add_form(ctx)
    names = [r["username"] for r in rows]
    with scope:
        _scope_form(ctx, names)
    with pw:
        with st.form("adm_pw"):
            who = st.selectbox(t("admin.col.username"), names)
            new = st.text_input(t("admin.new_password"), type="password", help=t("admin.password_help"))
            go = st.form_submit_button(t("admin.password_submit"), type="primary")
        if go:
            try:
                account_edits.set_password(ctx.viewer, who, new, url=ctx.url)
            except EditError as exc:
                show_refusal(ctx, exc)
            else:
                saved(ctx, t("admin.password_ok", user=who), clear=CLEAR)
    with act:
        with st.form("adm_active"):
            who = st.selectbox(t("admin.col.username"), names, key="adm_active_user")
            active = st.radio(
                t("admin.col.active"),
                [True, False],
                horizontal=True,
                format_func=lambda a: t("admin.activate") if a else t("admin.deactivate"),
            )
            go = st.form_submit_button(t("admin.apply"))
        if go:
            try:
                account_edits.set_user_active(ctx.viewer, who, active, url=ctx.url)
            except EditError as exc:
                show_refusal(ctx, exc)
            else:
                saved(ctx, t("admin.active_ok", user=who), clear=CLEAR)


def _route_select(ctx: PageContext, column, key: str) -> str | None:
    """The route of a dirección de ruta (the anchor of its scope); empty for other roles."""
    return column.selectbox(ctx.t("admin.route"), [None, *ROUTES], key=key, help=ctx.t("admin.route_help"),
                            format_func=lambda r: "—" if r is None else ctx.t("route." + r))


def _scope_form(ctx: PageContext, names: list[str]) -> None:
    """Change an account's role, office or operator (its open sessions follow at their next run)."""
    t = ctx.t
    office_names = {o["id"]: f"{o['name']} ({o['code']})" for o in offices(url=ctx.url)}
    op_names = {o["id"]: o["name"] for o in operators(url=ctx.url)}
    with st.form("adm_scope"):
        who = st.selectbox(t("admin.col.username"), names, key="adm_scope_user")
        role = st.selectbox(t("admin.col.role"), list(ROLES), key="adm_scope_role",
                            format_func=lambda r: t("role." + r))
        c1, c2 = st.columns(2)
        office = c1.selectbox(t("admin.office"), [None, *office_names], key="adm_scope_office",
                              help=t("admin.office_help"), format_func=lambda o: "—" if o is None else office_names[o])
        operator = c2.selectbox(t("admin.operator"), [None, *op_names], key="adm_scope_op",
                                help=t("admin.operator_help"), format_func=lambda o: "—" if o is None else op_names[o])
        route = _route_select(ctx, c1, "adm_scope_route")
        go = st.form_submit_button(t("admin.scope_submit"), type="primary", help=t("admin.scope_help"))
    if go:
        try:
            account_edits.set_user_scope(ctx.viewer, who, role, office, operator, route, url=ctx.url)
        except EditError as exc:
            show_refusal(ctx, exc)
        else:
            saved(ctx, t("admin.scope_ok", user=who), clear=CLEAR)


def _add_form(ctx: PageContext) -> None:
    t = ctx.t
    office_rows = offices(url=ctx.url)
    op_rows = operators(url=ctx.url)
    office_names = {o["id"]: f"{o['name']} ({o['code']})" for o in office_rows}
    op_names = {o["id"]: o["name"] for o in op_rows}
    with st.form("adm_add"):
        c1, c2 = st.columns(2)
        username = c1.text_input(t("admin.col.username"), help=t("admin.username_help"))
        display = c2.text_input(t("admin.col.name"))
        email = c1.text_input(t("admin.col.email"), help=t("admin.email_help"))
        role = c2.selectbox(t("admin.col.role"), list(ROLES), format_func=lambda r: t("role." + r))
        office = c1.selectbox(
            t("admin.office"),
            [None, *office_names],
            format_func=lambda o: "—" if o is None else office_names[o],
            help=t("admin.office_help"),
        )
        operator = c2.selectbox(
            t("admin.operator"),
            [None, *op_names],
            format_func=lambda o: "—" if o is None else op_names[o],
            help=t("admin.operator_help"),
        )
        route = _route_select(ctx, c1, "adm_add_route")
        password = c2.text_input(t("admin.new_password"), type="password", help=t("admin.password_help"))
        generate = c1.checkbox(t("admin.generate"))
        go = st.form_submit_button(t("admin.add_submit"), type="primary")
    if go:
        try:
            res = account_edits.create_user(
                ctx.viewer,
                {
                    "username": username,
                    "display_name": display,
                    "email": email,
                    "role": role,
                    "regional_office_id": office,
                    "operator_id": operator,
                    "route": route,
                    "password": password,
                    "generate_password": generate and not password,
                },
                url=ctx.url,
            )
        except EditError as exc:
            show_refusal(ctx, exc)
        else:
            msg = t("admin.added", user=username.strip().lower())
            if res.extra.get("password"):
                msg += " " + t("admin.generated", password=res.extra["password"])
            saved(ctx, msg, clear=CLEAR)
