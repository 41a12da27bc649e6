"""Accounts and roles: argon2 local passwords (embedded default) and OIDC identities
(``st.login`` in production) both resolve to a ``Viewer``."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from data_access.core.db import session_scope
from data_access.core.models import AppUser, Operator, RegionalOffice
from data_access.core.scope import Viewer
from rules import access
from rules.access import Reach
from rules.core.catalog import ROLES, ROUTES

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_password() -> str:
    return secrets.token_urlsafe(9)


def _to_viewer(session, user: AppUser) -> Viewer:
    label, name = "Nacional", ""
    scope = access.scope_of(user.role)
    if scope is Reach.OFFICE:
        office = session.get(RegionalOffice, user.regional_office_id) if user.regional_office_id else None
        name = office.name if office else ""
        label = f"Oficina regional {name}" if office else "Sin alcance"
    elif scope is Reach.CONTRACTS:
        op = session.get(Operator, user.operator_id) if user.operator_id else None
        name = op.name if op else ""
        label = f"Operador {name}" if op else "Sin alcance"
    elif scope is Reach.ROUTE:
        name = ROUTES.get(user.route or "", "")
        label = f"Dirección de {name[:1].lower()}{name[1:]}" if name else "Sin alcance"
    return Viewer(
        username=user.username,
        role=user.role if user.role in ROLES else "",
        regional_office_id=user.regional_office_id,
        operator_id=user.operator_id,
        route=user.route if scope is Reach.ROUTE and user.route in ROUTES else None,
        display_name=user.display_name,
        scope_label=label,
        scope_name=name,
        account_version=user.version,
    )


def authenticate(username: str, password: str, url: str | None = None) -> Viewer | None:
    with session_scope(url) as s:
        user = s.scalar(select(AppUser).where(AppUser.username == username.strip(), AppUser.active))
        if user is None or not verify_password(user.password_hash, password):
            return None
        return _to_viewer(s, user)


def viewer_for_username(username: str, url: str | None = None) -> Viewer | None:
    with session_scope(url) as s:
        user = s.scalar(select(AppUser).where(AppUser.username == username, AppUser.active))
        return _to_viewer(s, user) if user else None


# broadest first: the views of a national account serve the most people
_BREADTH = {Reach.ALL: 0, Reach.ROUTE: 1, Reach.OFFICE: 2, Reach.CONTRACTS: 3}


def scope_viewers(url: str | None = None, limit: int = 40) -> list[Viewer]:
    """One viewer per distinct role and scope among the active accounts (broadest first, at most
    ``limit``): what the app computes ahead for the people who will sign in."""
    key = (AppUser.role, AppUser.regional_office_id, AppUser.operator_id, AppUser.route)
    with session_scope(url) as s:
        first = select(func.min(AppUser.id)).where(AppUser.active, AppUser.role.in_(tuple(ROLES))).group_by(*key)
        users = s.scalars(select(AppUser).where(AppUser.id.in_(first))).all()
        viewers = [_to_viewer(s, u) for u in users]
    known = [v for v in viewers if access.scope_of(v.role) in _BREADTH]
    return sorted(known, key=lambda v: (_BREADTH[access.scope_of(v.role)], v.role, v.regional_office_id or 0,
                                        v.operator_id or 0, v.route or ""))[:limit]


def viewer_for_email(email: str, url: str | None = None) -> Viewer | None:
    """OIDC identity → account (matched on e-mail, case-insensitive); None if unknown."""
    with session_scope(url) as s:
        user = s.scalar(
            select(AppUser).where(func.lower(AppUser.email) == email.strip().lower(), AppUser.active)
        )
        return _to_viewer(s, user) if user else None


class AccountRefused(PermissionError):
    """A write by an account deactivated, removed or changed since its session read it;
    ``message`` is Spanish and says what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def current_account(viewer: Viewer, url: str | None = None) -> Viewer | None:
    """The account behind an open session as the store has it now, read at every script run:
    the same viewer while its version is unchanged (one indexed read), a fresh viewer (new role
    or scope) after any change, None once the account is deactivated or removed."""
    with session_scope(url) as s:
        row = s.execute(
            select(AppUser.active, AppUser.version).where(AppUser.username == viewer.username)
        ).one_or_none()
        if row is None or not row.active:
            return None
        if row.version == viewer.account_version:
            return viewer
        return _to_viewer(s, s.scalar(select(AppUser).where(AppUser.username == viewer.username)))


def email_deactivated(email: str, url: str | None = None) -> bool:
    """Whether an OIDC identity belongs to an account an administrator deactivated."""
    with session_scope(url) as s:
        return bool(
            s.scalar(
                select(func.count())
                .select_from(AppUser)
                .where(func.lower(AppUser.email) == email.strip().lower(), AppUser.active.is_(False))
            )
        )


def check_account(session, viewer: Viewer) -> None:
    """Inside a write's transaction: refuse (``AccountRefused``) unless the account behind
    ``viewer`` is still active and, when the viewer carries its version, unchanged since it was
    read. A share lock keeps it so until the write commits (an administrator's change waits);
    a viewer of no stored account (the console) passes."""
    row = session.execute(
        select(AppUser.active, AppUser.version)
        .where(AppUser.username == viewer.username)
        .with_for_update(read=True)
    ).one_or_none()
    who = viewer.username
    if row is None:
        if viewer.account_version is not None:
            raise AccountRefused(
                f"No se guardó nada: la cuenta «{who}» ya no existe. Solicite acceso al administrador."
            )
        return
    if not row.active:
        raise AccountRefused(
            f"No se guardó nada: la cuenta «{who}» fue desactivada por un administrador. "
            "Si necesita acceso, solicítelo al administrador."
        )
    if viewer.account_version is not None and row.version != viewer.account_version:
        raise AccountRefused(
            f"No se guardó nada: un administrador cambió la cuenta «{who}» (rol, alcance o contraseña) "
            "después de que usted ingresó. Recargue la página para seguir con su cuenta actual y vuelva a guardar."
        )


def create_user(
    username: str,
    role: str,
    password: str | None = None,
    *,
    display_name: str = "",
    email: str | None = None,
    regional_office_id: int | None = None,
    operator_id: int | None = None,
    route: str | None = None,
    url: str | None = None,
) -> AppUser:
    if role not in ROLES:
        raise ValueError(f"Rol «{role}» desconocido: use uno de {', '.join(ROLES)}.")
    if access.scope_of(role) is Reach.OFFICE and regional_office_id is None:
        raise ValueError("Un comité regional necesita su oficina regional.")
    if access.scope_of(role) is Reach.CONTRACTS and operator_id is None:
        raise ValueError("Un operador necesita su operador (empresa) asociado.")
    if access.scope_of(role) is Reach.ROUTE and route not in ROUTES:
        raise ValueError(f"Una dirección de ruta necesita su ruta: use una de {', '.join(ROUTES)}.")
    with session_scope(url, write=True) as s:
        user = s.scalar(select(AppUser).where(AppUser.username == username))
        if user is None:
            user = AppUser(username=username)
            s.add(user)
        user.display_name = display_name or username
        user.email = email
        user.role = role
        user.regional_office_id = regional_office_id
        user.operator_id = operator_id
        user.route = route if access.scope_of(role) is Reach.ROUTE else None
        user.password_hash = hash_password(password) if password else None
        user.active = True
        s.flush()
        return user
