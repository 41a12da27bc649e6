"""The one access policy: which roles may do each action, and over which records.

A registry in the manner of Datasette's permissions. Every decision the app takes on a
person's role — see a page, edit an entity, read personal data, import the tracking
matrix, read the audit log, export the committee pack, manage accounts — is an
``Action`` here, named once with the roles allowed. Navigation, the edit tabs, the
writers and readers of ``data_access``, the pack buttons and the CLI ask ``allowed`` /
``roles_for`` / ``reach`` instead of naming roles, so a change of policy is one edit here
(pinned by ``tests/test_access.py``); ``tests/test_lint.py`` keeps role names out of the
rest of the code.

A role acts over the records of its scope (``Reach``): national roles over everything,
a comité regional over the municipalities of its oficina regional, an operador over its
own operator's contracts, a dirección de ruta over the records of its route nationwide.
The governance roles of seed 000 §2.2–2.3: a dirección de ruta directs the operators of
its route (reads its route, their reports and the pack; edits nothing); the Unidad
Ejecutora reads the whole programme and approves where the reporting cycle asks; the
Dirección Técnica reads it all and keeps targeting, alerts and reference data.
``allowed(viewer, action, office=..., operator=..., route=...)`` decides for one record.
Roles are the catalogue's (``rules.core.catalog.Role``).
Pure: no Streamlit, no SQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from rules.core.catalog import NATIONAL_ROLES, Role


class Reach(StrEnum):
    """The records a role acts on."""

    ALL = "all"  # every record
    OFFICE = "office"  # the municipalities of the person's oficina regional
    CONTRACTS = "contracts"  # the contracts of the person's operator
    ROUTE = "route"  # the records of one route, nationwide (a dirección de ruta)


SCOPES: dict[str, Reach] = {
    **{role: Reach.ALL for role in sorted(NATIONAL_ROLES)},
    Role.COMITE_REGIONAL: Reach.OFFICE,
    Role.OPERADOR: Reach.CONTRACTS,
    Role.DIRECCION_RUTA: Reach.ROUTE,
}

CONSOLE_ROLE = Role.ADMIN
"""The role of the ``tablero`` console without ``--as-user``: whoever runs the server's
shell already holds the store's credentials, so it acts as the system administrator."""


@dataclass(frozen=True)
class Action:
    name: str
    description: str
    roles: frozenset[str]


ACTIONS: dict[str, Action] = {}


def _register(name: str, description: str, roles: Iterable[str]) -> Action:
    roles = frozenset(roles)
    unknown = roles - set(SCOPES)
    if unknown or name in ACTIONS:
        raise ValueError(f"action {name!r}: unknown roles {sorted(unknown)} or registered twice")
    ACTIONS[name] = action = Action(name, description, roles)
    return action


EVERYONE = frozenset(SCOPES)
PMO = frozenset({Role.ANALISTA_PMO, Role.ADMIN})
TERRITORIAL_EDITORS = PMO | {Role.COMITE_REGIONAL}
# Targeting, territorial alerts and the asset map: the Dirección Técnica's reference data (§2.3).
REFERENCE_EDITORS = TERRITORIAL_EDITORS | {Role.DIRECCION_TECNICA}
REVIEWERS = PMO | {Role.UNIDAD_EJECUTORA}
CONTRACT_EDITORS = PMO | {Role.OPERADOR}

# ------------------------------------------------------------------ data and files

VIEW_DATA = _register("data.view", "See programme data (figures, lists, maps) within the role's scope.", EVERYONE)
# The committee pack and its slideshow are the committees' (national, an office): an operador acts on
# its contracts and sits on no committee, so a pack of its scope would be territorial zeros.
EXPORT_PACK = _register("export.committee_pack", "Download the committee pack (PDF/PPTX) of the views.",
                        EVERYONE - {Role.OPERADOR})
READ_PERSONAL_DATA = _register(
    "personal_data.read",
    "See a household head's name and document in participant lists. Other roles get codes "
    "(household code, OPR NIT, enrolment id): enough for a committee or an operator to find the "
    "case in its own records; only the PMO's work needs to identify a person.",
    PMO,
)
READ_AUDIT = _register("audit.read", "Read the hash-chained audit log of every write.", PMO)
IMPORT_TRACKING_MATRIX = _register(
    "import.tracking_matrix", "Import the «Matriz de seguimiento a OPRs» (plans, evidence, sales).", PMO
)
IMPORT_PROGRAMME = _register(
    "import.programme",
    "Load the programme's register from files: operators, offices, contracts, ANS definitions, OPR, "
    "households and enrolments.",
    PMO,
)
IMPORT_TERRITORIAL = _register(
    "import.territorial", "Load targeting and territorial alerts of the municipalities in scope.", REFERENCE_EDITORS
)
IMPORT_CONTRACT_RECORDS = _register(
    "import.contract_records",
    "Load what an operator reports for its own contracts: ANS values, stage events, service deliveries.",
    CONTRACT_EDITORS,
)
EXPORT_DATA = _register(
    "export.data", "Take every record in scope out in the intake templates' format (tablero export data).", EVERYONE
)
EDIT_TARGETS = _register("targets.edit", "Load and edit the targets (metas) of the indicators.", PMO)
# The co-financing instrument is the programme's (seed 000 §4.1 d–e): it grants the resources and states the
# requirements; operators deliver the services activated once resources are in hand, they do not grant them.
EDIT_HOUSEHOLD_COFINANCING = _register(
    "edit.household_cofinancing",
    "Record the co-financing of ruta básica households' micro-projects (committed, disbursed, requirements met): "
    "the PMO everywhere, a comité regional in its office's municipalities.",
    TERRITORIAL_EDITORS,
)
MANAGE_KNOWLEDGE = _register(
    "knowledge.manage",
    "Record good practices, life stories and lessons learned and attach their files: the PMO everywhere, a "
    "comité regional in its office's municipalities, an operador for its own contracts.",
    PMO | {Role.COMITE_REGIONAL, Role.OPERADOR},
)
IMPORTS: dict[str, Action] = {
    "operators": IMPORT_PROGRAMME,
    "offices": IMPORT_PROGRAMME,
    "contracts": IMPORT_PROGRAMME,
    "sla-definitions": IMPORT_PROGRAMME,
    "sla-reports": IMPORT_CONTRACT_RECORDS,
    "targeting": IMPORT_TERRITORIAL,
    "alerts": IMPORT_TERRITORIAL,
    "opr": IMPORT_PROGRAMME,
    "households": IMPORT_PROGRAMME,
    "enrolments": IMPORT_PROGRAMME,
    "stage-events": IMPORT_CONTRACT_RECORDS,
    "deliveries": IMPORT_CONTRACT_RECORDS,
    "tracking-matrix": IMPORT_TRACKING_MATRIX,
    "targets": EDIT_TARGETS,
    "household-cofinancing": EDIT_HOUSEHOLD_COFINANCING,
    "assets": IMPORT_TERRITORIAL,  # the asset map of the municipalities in scope
    "baselines": IMPORT_CONTRACT_RECORDS,  # operators measure their own participants
    "knowledge": MANAGE_KNOWLEDGE,
}
"""The action that loads each intake entity (``rules.intake.sheets.ENTITIES``); a sheet holding
personal data also needs ``READ_PERSONAL_DATA``, to load it and to export it."""

# ------------------------------------------------------------------ edits, per entity

EDIT_BUSINESS_PLAN = _register("edit.business_plan", "Edit business-plan dates and alliance evidence.",
                               TERRITORIAL_EDITORS)
EDIT_STAGE = _register("edit.stage", "Record route stage events and viability results of enrolments (an operador: "
                       "those of its own contracts, §4.2 c).", TERRITORIAL_EDITORS | {Role.OPERADOR})
EDIT_TARGETING = _register("edit.targeting", "Edit municipal targeting (prioritised, target population).",
                           REFERENCE_EDITORS)
EDIT_ALERT = _register("edit.alert", "Open, update and close territorial alerts.", REFERENCE_EDITORS)
EDIT_TERRITORIAL_ASSET = _register("edit.territorial_asset", "Record the territorial assets of a municipality "
                                   "(the asset map).", REFERENCE_EDITORS)
EDIT_SLA = _register("edit.sla", "Report ANS values and their evidence for a contract.", CONTRACT_EDITORS)
EDIT_SERVICE_DELIVERY = _register("edit.service_delivery", "Register service deliveries under a contract.",
                                  CONTRACT_EDITORS)
# ------------------------------------------------------------------ reporting cycle

SUBMIT_REPORT = _register(
    "report.submit", "Prepare and send the quarterly report of the person's own operator (its own contracts).",
    {Role.OPERADOR},
)
REVIEW_REPORT = _register(
    "report.review", "Approve or return an operator's quarterly report (never one's own).", REVIEWERS
)
SEE_REPORTS = _register(
    "report.see", "See the state and timeliness of quarterly reports within the role's scope.", EVERYONE
)
CLOSE_PERIOD = _register("period.close", "Close a quarter: freeze its official figures.", REVIEWERS)
REOPEN_PERIOD = _register("period.reopen", "Reopen a closed quarter, with a stated reason.", {Role.ADMIN})

# ------------------------------------------------------------------ results framework

# Agreements and comment threads are kept per territory (national, an office) or operator; a
# dirección de ruta's route is neither, so it neither records nor reads them.
MANAGE_AGREEMENTS = _register(
    "agreements.manage",
    "Record committee sessions and their agreements (compromisos), and follow them up, within the role's "
    "territory: the national committee (directivos, PMO) everywhere, a comité regional in its office.",
    EVERYONE - {Role.OPERADOR, Role.DIRECCION_RUTA},
)
COMMENT_FIGURES = _register("figures.comment", "Comment on a figure; others whose scope covers it read the thread.",
                            EVERYONE - {Role.DIRECCION_RUTA})

MANAGE_USERS = _register("admin.users", "Create accounts, set passwords, activate or deactivate them.",
                         {Role.ADMIN})
MANAGE_OFFICE_MAPPING = _register("admin.municipality_office", "Map a municipality to its oficina regional.",
                                  {Role.ADMIN})

EDIT_FORMS = (EDIT_BUSINESS_PLAN, EDIT_STAGE, EDIT_HOUSEHOLD_COFINANCING,
              EDIT_SLA, EDIT_SERVICE_DELIVERY, EDIT_TARGETING, EDIT_ALERT,
              EDIT_TERRITORIAL_ASSET)
"""The entities of the edit page, one tab each, in tab order."""

# ------------------------------------------------------------------ pages (by page name)

_PAGE_ROLES: dict[str, frozenset[str]] = {
    "overview": EVERYONE,
    "map": EVERYONE,
    "routes": EVERYONE,
    "alliance": EVERYONE,
    "sla": EVERYONE,
    "edit": frozenset().union(*(a.roles for a in EDIT_FORMS)),  # whoever has a form to fill in
    "audit": READ_AUDIT.roles,
    "presentation": EXPORT_PACK.roles,  # the committee slideshow: whoever may take the committee pack
    "admin": MANAGE_USERS.roles | MANAGE_OFFICE_MAPPING.roles,
    "intake": frozenset().union(*(a.roles for a in set(IMPORTS.values()))),  # whoever may load some sheet
    "reporting": SEE_REPORTS.roles,
    "scorecard": EVERYONE,
    "characterisation": EVERYONE,  # baselines of the records in scope, the asset map of its territory
    "knowledge": EVERYONE,  # records in the role's scope; the personal link only with consent
    "document": EVERYONE,  # a document is seen by whoever may see the row it belongs to
    "agreements": MANAGE_AGREEMENTS.roles | {Role.OPERADOR},  # an operador sees the agreements assigned to it
    "verify": EVERYONE,  # a certificate's code is checked by whoever holds it: the answer names no person
}
PAGES: dict[str, Action] = {
    name: _register(f"page.{name}", f"See the page pages/{name}.py.", roles) for name, roles in _PAGE_ROLES.items()
}


def page(name: str) -> Action:
    """The action of seeing a page, by its name (the file stem: ``"edit"`` for pages/edit.py)."""
    try:
        return PAGES[name]
    except KeyError:
        raise KeyError(f"page {name!r} has no access rule in rules.access") from None


ADMIN_PAGE = page("admin")


# ------------------------------------------------------------------ questions

_ANY = object()


def _role(who) -> str | None:
    role = getattr(who, "role", who)
    return role if isinstance(role, str) else None


def _action(action: Action | str) -> Action:
    if isinstance(action, Action):
        return action
    try:
        return ACTIONS[action]
    except KeyError:
        raise KeyError(f"unknown action {action!r}: see rules.access.ACTIONS") from None


def roles_for(action: Action | str) -> frozenset[str]:
    return _action(action).roles


def scope_of(who) -> Reach | None:
    """The records a role (or a viewer's role) acts on; None for no or an unknown role."""
    return SCOPES.get(_role(who))


def reach(who, action: Action | str) -> Reach | None:
    """How far ``who`` may do ``action``: its role's scope, or None when not allowed at all."""
    return scope_of(who) if _role(who) in _action(action).roles else None


def allowed(who, action: Action | str, *, office=_ANY, operator=_ANY, route=_ANY) -> bool:
    """May ``who`` (a role, or anything with ``.role``) do ``action``?

    Without ``office``/``operator``: somewhere within its scope. With ``office`` (the
    oficina regional of the record's municipality) or ``operator`` (the operator of the
    record's contract) or ``route`` (the record's route): on that record — a comité regional
    only in its own office (``who.regional_office_id``), an operador only on its own contracts
    (``who.operator_id``), a dirección de ruta only on its route (``who.route``); an office,
    operator or route of None never matches.
    """
    r = reach(who, action)
    if r is None:
        return False
    if r is Reach.ALL or (office is _ANY and operator is _ANY and route is _ANY):
        return True
    if r is Reach.ROUTE and route is not _ANY:
        mine = getattr(who, "route", None)
        return mine is not None and route == mine
    if r is Reach.OFFICE and office is not _ANY:
        mine = getattr(who, "regional_office_id", None)
        return mine is not None and office == mine
    if r is Reach.CONTRACTS and operator is not _ANY:
        mine = getattr(who, "operator_id", None)
        return mine is not None and operator == mine
    return False


def actions_for(who) -> tuple[Action, ...]:
    """Every action a role (or viewer) may do, in registry order."""
    return tuple(a for a in ACTIONS.values() if allowed(who, a))
