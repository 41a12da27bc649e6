"""The access policy (``rules.access``) pinned role by role: who sees which page, who edits
which entity, who reads personal data and the audit, who imports, and over which records.

The tables spell roles on purpose: a change of policy must change this file too.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from components.core.navigation import PAGES, pages_for
from data_access.core.scope import Viewer
from data_access.edits.common import can_edit_anything
from rules import access
from rules.access import Reach
from rules.core.catalog import NATIONAL_ROLES, ROLES, Role
from rules.edit.validation import validate_user

ALL_ROLES = ("directivo", "analista_pmo", "comite_regional", "operador", "admin", "direccion_ruta",
             "unidad_ejecutora", "direccion_tecnica")
EVERY_PAGE = ("overview", "map", "routes", "alliance", "sla", "scorecard", "characterisation", "agreements",
              "verify", "knowledge", "document", "edit", "intake", "reporting",
              "audit", "presentation", "admin")
_SEEN_BY_ALL = ("overview", "map", "routes", "alliance", "sla", "scorecard", "characterisation", "agreements",
                "verify", "knowledge", "document")

PAGES_BY_ROLE = {
    "directivo": (*_SEEN_BY_ALL, "reporting", "presentation"),
    "analista_pmo": (*_SEEN_BY_ALL, "edit", "intake", "reporting", "audit", "presentation"),
    "comite_regional": (*_SEEN_BY_ALL, "edit", "intake", "reporting", "presentation"),
    "operador": (*_SEEN_BY_ALL, "edit", "intake", "reporting"),
    "admin": EVERY_PAGE,
    "direccion_ruta": ("overview", "map", "routes", "alliance", "sla", "scorecard", "characterisation", "verify",
                       "knowledge", "document", "reporting",
                       "presentation"),
    "unidad_ejecutora": (*_SEEN_BY_ALL, "reporting", "presentation"),
    "direccion_tecnica": (*_SEEN_BY_ALL, "edit", "intake", "reporting", "presentation"),
}

TERRITORIAL = ("edit.business_plan", "edit.stage", "edit.household_cofinancing",
               "edit.targeting", "edit.alert", "edit.territorial_asset")
REFERENCE = ("edit.targeting", "edit.alert", "edit.territorial_asset")
CONTRACTUAL = ("edit.sla", "edit.service_delivery")
ADMINISTRATION = ("admin.users", "admin.municipality_office")
EDITS_BY_ROLE = {
    "directivo": (),
    "analista_pmo": TERRITORIAL + CONTRACTUAL,
    "comite_regional": TERRITORIAL,
    "operador": ("edit.stage", *CONTRACTUAL),  # stage events of its own contracts' participants
    "admin": TERRITORIAL + CONTRACTUAL + ADMINISTRATION,
    "direccion_ruta": (),
    "unidad_ejecutora": (),
    "direccion_tecnica": REFERENCE,
}

# the edit page's tabs, in order, per role
TABS_BY_ROLE = {
    "directivo": [],
    "analista_pmo": ["edit.business_plan", "edit.stage", "edit.household_cofinancing", "edit.sla",
                     "edit.service_delivery", "edit.targeting",
                     "edit.alert", "edit.territorial_asset"],
    "comite_regional": ["edit.business_plan", "edit.stage", "edit.household_cofinancing", "edit.targeting",
                        "edit.alert", "edit.territorial_asset"],
    "operador": ["edit.stage", "edit.sla", "edit.service_delivery"],
    "admin": ["edit.business_plan", "edit.stage", "edit.household_cofinancing", "edit.sla",
              "edit.service_delivery", "edit.targeting",
              "edit.alert", "edit.territorial_asset"],
    "direccion_ruta": [],
    "unidad_ejecutora": [],
    "direccion_tecnica": ["edit.targeting", "edit.alert", "edit.territorial_asset"],
}

OTHER_ACTIONS = {  # action → roles allowed
    "data.view": set(ALL_ROLES),
    "export.committee_pack": set(ALL_ROLES) - {"operador"},
    "personal_data.read": {"analista_pmo", "admin"},
    "audit.read": {"analista_pmo", "admin"},
    "import.tracking_matrix": {"analista_pmo", "admin"},
    "import.programme": {"analista_pmo", "admin"},
    "import.territorial": {"analista_pmo", "admin", "comite_regional", "direccion_tecnica"},
    "import.contract_records": {"analista_pmo", "admin", "operador"},
    "export.data": set(ALL_ROLES),
    "report.submit": {"operador"},
    "report.review": {"analista_pmo", "admin", "unidad_ejecutora"},
    "report.see": set(ALL_ROLES),
    "period.close": {"analista_pmo", "admin", "unidad_ejecutora"},
    "period.reopen": {"admin"},
    "targets.edit": {"analista_pmo", "admin"},
    "agreements.manage": set(ALL_ROLES) - {"operador", "direccion_ruta"},
    "figures.comment": set(ALL_ROLES) - {"direccion_ruta"},
    "knowledge.manage": {"analista_pmo", "admin", "comite_regional", "operador"},
}


def test_roles_are_the_catalogue_codes():
    assert tuple(ROLES) == ALL_ROLES
    assert [r.value for r in Role] == list(ALL_ROLES)
    assert NATIONAL_ROLES == {"directivo", "analista_pmo", "admin", "unidad_ejecutora", "direccion_tecnica"}
    assert set(access.SCOPES) == set(ALL_ROLES)
    for action in access.ACTIONS.values():
        assert action.roles <= set(ALL_ROLES), action.name


def test_the_registry_holds_exactly_these_actions():
    expected = {f"page.{p}" for p in EVERY_PAGE} | set(TERRITORIAL + CONTRACTUAL + ADMINISTRATION) | set(OTHER_ACTIONS)
    assert set(access.ACTIONS) == expected


@pytest.mark.parametrize("role", ALL_ROLES)
def test_pages_per_role(role):
    assert tuple(p.name for p in pages_for(role)) == PAGES_BY_ROLE[role]
    assert tuple(p.name for p in PAGES if role in p.roles) == PAGES_BY_ROLE[role]
    for name in EVERY_PAGE:
        assert access.allowed(role, access.page(name)) is (name in PAGES_BY_ROLE[role])


def test_every_navigation_page_has_a_rule_and_every_rule_a_page():
    assert tuple(p.name for p in PAGES) == EVERY_PAGE
    assert set(access.PAGES) == set(EVERY_PAGE)
    with pytest.raises(KeyError, match="no access rule"):
        access.page("nowhere")


@pytest.mark.parametrize("role", ALL_ROLES)
def test_edits_per_role(role):
    for action in TERRITORIAL + CONTRACTUAL + ADMINISTRATION:
        assert access.allowed(role, action) is (action in EDITS_BY_ROLE[role]), action
    assert [a.name for a in access.EDIT_FORMS if access.allowed(role, a)] == TABS_BY_ROLE[role]
    assert can_edit_anything(Viewer("x", role)) is (role not in ("directivo", "direccion_ruta", "unidad_ejecutora"))


@pytest.mark.parametrize("action, roles", OTHER_ACTIONS.items())
def test_other_actions(action, roles):
    assert access.roles_for(action) == roles
    for role in ALL_ROLES:
        assert access.allowed(role, action) is (role in roles)


def test_pages_follow_the_actions_they_show():
    assert access.page("edit").roles == frozenset().union(*(a.roles for a in access.EDIT_FORMS))
    assert access.page("audit").roles == access.READ_AUDIT.roles
    assert access.ADMIN_PAGE.roles == access.MANAGE_USERS.roles | access.MANAGE_OFFICE_MAPPING.roles
    assert access.page("intake").roles == frozenset().union(*(a.roles for a in access.IMPORTS.values()))


@pytest.mark.parametrize("role", ["", "root", "Admin", None])
def test_unknown_roles_may_do_nothing(role):
    for who in (role, Viewer("x", role)):
        assert access.scope_of(who) is None
        assert access.actions_for(who) == ()
        assert not access.allowed(who, access.VIEW_DATA)
        assert not access.allowed(who, access.EDIT_ALERT, office=None)
    assert pages_for(role) == []
    assert not can_edit_anything(Viewer("x", role))


def test_anything_without_a_role_may_do_nothing():
    for who in (3, SimpleNamespace(), SimpleNamespace(role=["admin"])):
        assert access.actions_for(who) == ()


def test_an_unknown_action_is_an_error_not_a_refusal():
    with pytest.raises(KeyError, match="unknown action"):
        access.allowed("admin", "edit.everything")


def test_scopes():
    assert {r: access.scope_of(r) for r in ALL_ROLES} == {
        "directivo": Reach.ALL, "analista_pmo": Reach.ALL, "admin": Reach.ALL,
        "comite_regional": Reach.OFFICE, "operador": Reach.CONTRACTS, "direccion_ruta": Reach.ROUTE,
        "unidad_ejecutora": Reach.ALL, "direccion_tecnica": Reach.ALL,
    }
    assert access.reach("direccion_ruta", access.VIEW_DATA) is Reach.ROUTE
    assert access.reach("direccion_ruta", access.SEE_REPORTS) is Reach.ROUTE
    assert access.reach("direccion_tecnica", access.EDIT_TARGETING) is Reach.ALL
    assert access.reach("direccion_tecnica", access.EDIT_BUSINESS_PLAN) is None
    assert access.reach("unidad_ejecutora", access.REVIEW_REPORT) is Reach.ALL
    assert access.reach("comite_regional", access.EDIT_ALERT) is Reach.OFFICE
    assert access.reach("operador", access.EDIT_SLA) is Reach.CONTRACTS
    assert access.reach("analista_pmo", access.EDIT_SLA) is Reach.ALL
    assert access.reach("operador", access.EDIT_ALERT) is None
    assert access.reach("directivo", access.EDIT_ALERT) is None


def test_allowed_on_one_record():
    comite = Viewer("c", "comite_regional", regional_office_id=2)
    assert access.allowed(comite, access.EDIT_ALERT, office=2)
    assert not access.allowed(comite, access.EDIT_ALERT, office=3)
    assert not access.allowed(comite, access.EDIT_ALERT, office=None)  # a municipality without office
    assert not access.allowed(comite, access.EDIT_SLA, operator=1)
    assert not access.allowed(comite, access.EDIT_ALERT, operator=1)  # its scope is offices, not contracts
    no_office = Viewer("c", "comite_regional")
    assert access.allowed(no_office, access.EDIT_ALERT)  # the role may, somewhere…
    assert not access.allowed(no_office, access.EDIT_ALERT, office=None)  # …but on no record

    operador = Viewer("o", "operador", operator_id=1)
    assert access.allowed(operador, access.EDIT_SERVICE_DELIVERY, operator=1)
    assert not access.allowed(operador, access.EDIT_SERVICE_DELIVERY, operator=2)
    assert not access.allowed(operador, access.EDIT_ALERT, office=2)
    assert not access.allowed(Viewer("o", "operador"), access.EDIT_SLA, operator=None)

    for role in ("analista_pmo", "admin"):
        national = Viewer("n", role)
        assert access.allowed(national, access.EDIT_ALERT, office=7)
        assert access.allowed(national, access.EDIT_SLA, operator=9)
        assert access.allowed(national, access.EDIT_ALERT, office=None)
    assert not access.allowed(Viewer("d", "directivo"), access.EDIT_ALERT, office=2)

    route = Viewer("r", "direccion_ruta", route="basica")
    assert access.allowed(route, access.SEE_REPORTS, route="basica")
    assert not access.allowed(route, access.SEE_REPORTS, route="intermedia")
    assert not access.allowed(route, access.SEE_REPORTS, route=None)
    assert not access.allowed(route, access.SEE_REPORTS, office=2)  # its scope is a route, not an office
    assert not access.allowed(route, access.EDIT_ALERT, route="basica")
    assert not access.allowed(Viewer("r", "direccion_ruta"), access.VIEW_DATA, route=None)
    tecnica = Viewer("t", "direccion_tecnica")
    assert access.allowed(tecnica, access.EDIT_TARGETING, office=7)
    assert not access.allowed(tecnica, access.EDIT_BUSINESS_PLAN, office=7)


@pytest.mark.parametrize("role, office, operator, route, national, regional, op, on_route", [
    ("directivo", None, None, None, True, False, False, False),
    ("analista_pmo", None, None, None, True, False, False, False),
    ("admin", None, None, None, True, False, False, False),
    ("unidad_ejecutora", None, None, None, True, False, False, False),
    ("direccion_tecnica", None, None, None, True, False, False, False),
    ("comite_regional", 2, None, None, False, True, False, False),
    ("comite_regional", None, None, "basica", False, False, False, False),
    ("operador", None, 1, None, False, False, True, False),
    ("operador", None, None, "basica", False, False, False, False),
    ("direccion_ruta", None, None, "basica", False, False, False, True),
    ("direccion_ruta", 2, 1, None, False, False, False, False),
    ("", 2, 1, "basica", False, False, False, False),
])
def test_viewer_scope_follows_the_policy(role, office, operator, route, national, regional, op, on_route):
    v = Viewer("x", role, regional_office_id=office, operator_id=operator, route=route)
    assert (v.is_national, v.is_regional, v.is_operator, v.is_route) == (national, regional, op, on_route)
    assert v.known is (role in ALL_ROLES)


def test_accounts_need_the_anchor_of_their_scope():
    def fields(role, **extra):
        return {e.field for e in validate_user({"username": "abc", "role": role, "password": "x" * 12, **extra})}

    assert "regional_office_id" in fields("comite_regional")
    assert "regional_office_id" not in fields("comite_regional", regional_office_id=1)
    assert "operator_id" in fields("operador")
    assert "operator_id" not in fields("operador", operator_id=1)
    assert "route" in fields("direccion_ruta")
    assert "route" in fields("direccion_ruta", route="nowhere")
    assert "route" not in fields("direccion_ruta", route="basica")
    for role in ("directivo", "analista_pmo", "admin", "unidad_ejecutora", "direccion_tecnica"):
        assert not {"regional_office_id", "operator_id", "route"} & fields(role)


def test_the_console_acts_as_administrator():
    from cli.common import resolve_viewer

    assert access.CONSOLE_ROLE == "admin"
    assert resolve_viewer(None).role == "admin"
