"""Accounts and the municipality → oficina regional mapping (administration)."""

from __future__ import annotations

from sqlalchemy import func, select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import AppUser, Municipality, Operator, RegionalOffice
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    fetch_rows,
    for_update,
    raise_if,
    stale,
    versioned_update,
    who,
    write_session,
)
from rules import access
from rules.access import MANAGE_OFFICE_MAPPING, MANAGE_USERS, Action, Reach
from rules.core.catalog import Role
from rules.edit import validation as V
from rules.edit.validation import FieldError


def _require_admin(viewer: Viewer, action: Action, what: str) -> None:
    if not access.allowed(viewer, action):
        raise PermissionDenied(f"Su rol {who(viewer)} no puede {what}: solo el administrador puede hacerlo.")


def set_municipality_office(
    viewer: Viewer, municipality_code: str, office_id: int | None, opened_version: int, url: str | None = None
) -> EditResult:
    """Municipality → oficina regional mapping (admin); bumps 'reference'."""
    with write_session(viewer, url) as s:
        _require_admin(viewer, MANAGE_OFFICE_MAPPING, "cambiar la oficina regional de un municipio")
        muni = for_update(s, Municipality, Municipality.code == municipality_code)
        if muni is None:
            raise ValidationFailed(V.validate_municipality(municipality_code, set()))
        if muni.version != opened_version:
            raise stale(
                s,
                "municipality",
                muni.code,
                opened_version,
                audit.row_dict(muni),
                {"regional_office_id": office_id},
            )
        if office_id is not None and s.get(RegionalOffice, office_id) is None:
            raise ValidationFailed(
                [FieldError("regional_office_id", "Oficina regional: no existe; elíjala de la lista.")]
            )
        result = versioned_update(
            s, viewer, muni, "municipality", opened_version, {"regional_office_id": office_id}
        )
        if result.changed:
            versions.bump(s, "reference")
        return result


def _user_dict(user: AppUser) -> dict:
    d = audit.row_dict(user)
    d["password_hash"] = "(definida)" if d.get("password_hash") else None  # never log hashes
    return d


def create_user(viewer: Viewer, data: dict, url: str | None = None) -> EditResult:
    """Create an account with role and scope (admin). ``extra['password']`` is set when
    a password was generated (no password given and ``generate_password`` true)."""
    from data_access.core.auth import hash_password, new_password

    _require_admin(viewer, MANAGE_USERS, "crear usuarios")
    clean = {
        "username": str(data.get("username") or "").strip().lower(),
        "display_name": str(data.get("display_name") or "").strip(),
        "email": (str(data.get("email") or "").strip() or None),
        "role": data.get("role"),
        "regional_office_id": data.get("regional_office_id") or None,
        "operator_id": data.get("operator_id") or None,
        "route": data.get("route") or None,
        "password": data.get("password") or None,
    }
    generated = None
    if not clean["password"] and data.get("generate_password"):
        generated = clean["password"] = new_password() + new_password()[:2]
    with write_session(viewer, url) as s:
        errors = V.validate_user(clean)
        if s.scalar(select(AppUser.id).where(AppUser.username == clean["username"])) is not None:
            errors.append(
                FieldError("username", f"Usuario: «{clean['username']}» ya existe; elija otro nombre.")
            )
        if clean["email"] and s.scalar(
            select(AppUser.id).where(func.lower(AppUser.email) == clean["email"].lower())
        ):
            errors.append(
                FieldError("email", f"Correo electrónico: «{clean['email']}» ya está asociado a otra cuenta.")
            )
        if (
            clean["regional_office_id"] is not None
            and s.get(RegionalOffice, clean["regional_office_id"]) is None
        ):
            errors.append(
                FieldError("regional_office_id", "Oficina regional: no existe; elíjala de la lista.")
            )
        if clean["operator_id"] is not None and s.get(Operator, clean["operator_id"]) is None:
            errors.append(FieldError("operator_id", "Operador: no existe; elíjalo de la lista."))
        raise_if(errors)
        role = clean["role"]
        user = AppUser(
            username=clean["username"],
            display_name=clean["display_name"] or clean["username"],
            email=clean["email"],
            role=role,
            regional_office_id=clean["regional_office_id"] if access.scope_of(role) is Reach.OFFICE else None,
            operator_id=clean["operator_id"] if access.scope_of(role) is Reach.CONTRACTS else None,
            route=clean["route"] if access.scope_of(role) is Reach.ROUTE else None,
            password_hash=hash_password(clean["password"]) if clean["password"] else None,
            active=True,
        )
        s.add(user)
        s.flush()
        audit.record(s, viewer.username, "app_user", user.username, "create", None, _user_dict(user))
        versions.bump(s, "reference")
        return EditResult("app_user", user.id, 0, extra={"password": generated} if generated else {})


def set_password(viewer: Viewer, username: str, password: str, url: str | None = None) -> EditResult:
    from data_access.core.auth import hash_password

    _require_admin(viewer, MANAGE_USERS, "cambiar contraseñas")
    raise_if(
        [
            e
            for e in V.validate_user({"username": "x" * 3, "role": Role.ADMIN, "password": password})
            if e.field == "password"
        ]
        or (
            [FieldError("password", "Contraseña: es obligatoria; escriba al menos 10 caracteres.")]
            if not password
            else []
        )
    )
    with write_session(viewer, url) as s:
        user = for_update(s, AppUser, AppUser.username == username)
        if user is None:
            raise NotFound(f"El usuario «{username}» no existe; revise el nombre (tablero users list).")
        before = _user_dict(user)
        user.password_hash = hash_password(password)
        s.flush()
        after = {**before, "password_hash": "(cambiada)"}
        audit.record(s, viewer.username, "app_user", user.username, "set_password", before, after)
        return EditResult("app_user", user.id, 0)


def set_user_active(viewer: Viewer, username: str, active: bool, url: str | None = None) -> EditResult:
    _require_admin(viewer, MANAGE_USERS, "activar o desactivar usuarios")
    with write_session(viewer, url) as s:
        user = for_update(s, AppUser, AppUser.username == username)
        if user is None:
            raise NotFound(f"El usuario «{username}» no existe; revise el nombre.")
        if user.username == viewer.username and not active:
            raise ValidationFailed([FieldError("active", "Activo: no puede desactivar su propia cuenta.")])
        before = _user_dict(user)
        if user.active == active:
            return EditResult("app_user", user.id, 0, changed=False)
        user.active = active
        s.flush()
        audit.record(
            s,
            viewer.username,
            "app_user",
            user.username,
            "activate" if active else "deactivate",
            before,
            _user_dict(user),
        )
        versions.bump(s, "reference")
        return EditResult("app_user", user.id, 0)


def set_user_scope(
    viewer: Viewer,
    username: str,
    role: str,
    regional_office_id: int | None = None,
    operator_id: int | None = None,
    route: str | None = None,
    url: str | None = None,
) -> EditResult:
    """Change an account's role and scope (admin). The account's version moves with it, so
    its open sessions take the new role and scope at their next run and its pending writes
    are refused."""
    _require_admin(viewer, MANAGE_USERS, "cambiar el rol o el alcance de usuarios")
    office = regional_office_id if access.scope_of(role) is Reach.OFFICE else None
    operator = operator_id if access.scope_of(role) is Reach.CONTRACTS else None
    route = route if access.scope_of(role) is Reach.ROUTE else None
    with write_session(viewer, url) as s:
        user = for_update(s, AppUser, AppUser.username == username)
        if user is None:
            raise NotFound(f"El usuario «{username}» no existe; revise el nombre.")
        errors = [
            e
            for e in V.validate_user(
                {"username": user.username, "role": role, "regional_office_id": office, "operator_id": operator,
                 "route": route}
            )
            if e.field in ("role", "regional_office_id", "operator_id", "route")
        ]
        if office is not None and s.get(RegionalOffice, office) is None:
            errors.append(FieldError("regional_office_id", "Oficina regional: no existe; elíjala de la lista."))
        if operator is not None and s.get(Operator, operator) is None:
            errors.append(FieldError("operator_id", "Operador: no existe; elíjalo de la lista."))
        if user.username == viewer.username and role != user.role:
            errors.append(FieldError("role", "Rol: no puede cambiar el rol de su propia cuenta."))
        raise_if(errors)
        before = _user_dict(user)
        if (user.role, user.regional_office_id, user.operator_id, user.route) == (role, office, operator, route):
            return EditResult("app_user", user.id, user.version, changed=False)
        user.role, user.regional_office_id, user.operator_id, user.route = role, office, operator, route
        s.flush()
        audit.record(s, viewer.username, "app_user", user.username, "set_scope", before, _user_dict(user))
        versions.bump(s, "reference")
        return EditResult("app_user", user.id, user.version)


# ------------------------------------------------------------------ reads for the forms


@reads("reference")
def users(viewer: Viewer, url: str | None = None) -> list[dict]:
    if not access.allowed(viewer, MANAGE_USERS):
        return []
    return fetch_rows(
        select(
            AppUser.id,
            AppUser.username,
            AppUser.display_name,
            AppUser.email,
            AppUser.role,
            RegionalOffice.name.label("office"),
            Operator.name.label("operator"),
            AppUser.route,
            AppUser.active,
            (AppUser.password_hash.is_not(None)).label("local_password"),
        )
        .outerjoin(RegionalOffice, RegionalOffice.id == AppUser.regional_office_id)
        .outerjoin(Operator, Operator.id == AppUser.operator_id)
        .order_by(AppUser.username),
        url,
    )


@reads("reference")
def offices_all(url: str | None = None) -> list[dict]:
    """Oficinas regionales (reference catalogue)."""
    return fetch_rows(
        select(RegionalOffice.id, RegionalOffice.code, RegionalOffice.name).order_by(RegionalOffice.name), url
    )


@reads("reference")
def operators_all(url: str | None = None) -> list[dict]:
    return fetch_rows(select(Operator.id, Operator.code, Operator.name).order_by(Operator.name), url)


@reads("reference")
def municipality_offices(
    viewer: Viewer, department_code: str | None = None, url: str | None = None
) -> list[dict]:
    if not access.allowed(viewer, MANAGE_OFFICE_MAPPING):
        return []
    stmt = select(
        Municipality.code,
        Municipality.name,
        Municipality.department_code,
        Municipality.regional_office_id,
        Municipality.version,
    ).order_by(Municipality.department_code, Municipality.name)
    if department_code:
        stmt = stmt.where(Municipality.department_code == department_code)
    return fetch_rows(stmt, url)
