"""Comments on figures: a thread under a figure, keeping the value and filters it was written about.

Scope of a comment (``figure_comment.regional_office_id`` / ``operator_id``): the part of the programme
it is about. A comité's comment is about its office; an operador's about its operator; a national
viewer's comment is about the office its filters narrow to (office filter, or the office of the
filtered municipality), else national (both empty). A reply takes its parent's scope, so everyone who
saw the comment sees the answer.

Who reads what (the same or a narrower scope inside one's own): a national viewer reads every comment;
a comité reads its office's comments and those of operators with a contract in its office; an
operador reads its own operator's comments only; anyone else reads nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, false, func, select, true

from data_access.core import versions
from data_access.core.db import get_engine
from data_access.core.filters import GlobalFilters
from data_access.core.models import FigureComment, Municipality, OperatorContract
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import NotFound, PermissionDenied, insert, raise_if, who, write_session
from rules import access
from rules.access import COMMENT_FIGURES
from rules.edit.validation import FieldError

MAX_TEXT = 2000
MAX_FIGURE = 60
MAX_VALUE = 200


def visible_clause(viewer: Viewer):
    """Comments ``viewer`` may read (module docstring), default-deny."""
    C = FigureComment
    if viewer.is_national:
        return true()
    if viewer.is_regional:
        office_operators = select(OperatorContract.operator_id).where(
            OperatorContract.regional_office_id == viewer.regional_office_id)
        return ((C.regional_office_id == viewer.regional_office_id) & C.operator_id.is_(None)) | (
            C.operator_id.in_(office_operators))
    if viewer.is_operator:
        return C.operator_id == viewer.operator_id
    return false()


def filters_dict(filters: GlobalFilters) -> dict:
    """The filters in force as plain JSON (dates ISO), the unset ones left out."""
    out = {}
    for name, value in vars(filters).items():
        if value is None or value == "":
            continue
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _scope_of(s, viewer: Viewer, filters: GlobalFilters) -> tuple[int | None, int | None]:
    if viewer.is_regional:
        return viewer.regional_office_id, None
    if viewer.is_operator:
        return None, viewer.operator_id
    if filters.regional_office_id is not None:
        return filters.regional_office_id, None
    if filters.municipality_code:
        office = s.scalar(select(Municipality.regional_office_id)
                          .where(Municipality.code == filters.municipality_code))
        return office, None
    return None, None


def _check(figure: str, value_text: str, text: str) -> list[FieldError]:
    errors = []
    if not figure or len(figure) > MAX_FIGURE:
        errors.append(FieldError("figure", f"Cifra: indique la clave de la cifra comentada (1 a {MAX_FIGURE} "
                                           "caracteres), p. ej. «overview.households»."))
    if len(value_text) > MAX_VALUE:
        errors.append(FieldError("value_text", f"Valor mostrado: tiene {len(value_text)} caracteres; el máximo es "
                                               f"{MAX_VALUE}. Copie solo el valor de la cifra."))
    if not text:
        errors.append(FieldError("text", "Comentario: está vacío; escriba el comentario antes de publicarlo."))
    elif len(text) > MAX_TEXT:
        errors.append(FieldError("text", f"Comentario: tiene {len(text)} caracteres; el máximo es {MAX_TEXT}. "
                                         "Acórtelo o divídalo en dos comentarios."))
    return errors


def add(viewer: Viewer, figure: str, value_text: str, filters: GlobalFilters, text: str,
        parent_id: int | None = None, url: str | None = None) -> int:
    """Publish a comment (or, with ``parent_id``, a reply) on ``figure`` as shown (``value_text``) under
    ``filters``; audited, bumps ``results``. Returns its id. ``PermissionDenied``, ``NotFound`` (parent
    not visible) or ``ValidationFailed`` with Spanish messages."""
    figure, value_text, text = (figure or "").strip(), (value_text or "").strip(), (text or "").strip()
    if not access.allowed(viewer, COMMENT_FIGURES):
        raise PermissionDenied(f"Su rol {who(viewer)} no puede comentar cifras; solicite acceso al administrador.")
    raise_if(_check(figure, value_text, text))
    with write_session(viewer, url) as s:
        if parent_id is not None:
            parent = s.scalar(select(FigureComment).where(FigureComment.id == parent_id, visible_clause(viewer)))
            if parent is None:
                raise NotFound(f"El comentario {parent_id} no existe o no está en su alcance; recargue el hilo.")
            if parent.figure != figure:
                raise NotFound(f"El comentario {parent_id} es de otra cifra («{parent.figure}»); responda en su hilo.")
            office, operator = parent.regional_office_id, parent.operator_id
        else:
            office, operator = _scope_of(s, viewer, filters)
        row = FigureComment(figure=figure, value_text=value_text, filters=filters_dict(filters),
                            cutoff=filters.cutoff, regional_office_id=office, operator_id=operator,
                            username=viewer.username, at=dt.datetime.now(dt.UTC).replace(tzinfo=None), text=text,
                            parent_id=parent_id)
        result = insert(s, viewer, row, "figure_comment")
        versions.bump(s, "results")
        return result.id


def _row(r) -> dict:
    return {"id": r.id, "figure": r.figure, "value_text": r.value_text, "filters": dict(r.filters or {}),
            "cutoff": r.cutoff, "regional_office_id": r.regional_office_id, "operator_id": r.operator_id,
            "username": r.username, "at": r.at, "text": r.text, "parent_id": r.parent_id}


@reads("results")
def thread(viewer: Viewer, figure: str | None = None, url: str | None = None) -> list[dict]:
    """The comments ``viewer`` may read, of one ``figure`` (or of every figure), oldest first; each
    reply right after its parent's thread position (``depth`` 0 or 1 and more)."""
    C = FigureComment
    stmt = select(C).where(visible_clause(viewer))
    if figure is not None:
        stmt = stmt.where(C.figure == figure)
    with get_engine(url).connect() as conn:
        rows = [_row(r) for r in conn.execute(stmt.order_by(C.at, C.id))]
    return _nest(rows)


def _nest(rows: list[dict]) -> list[dict]:
    """Depth-first order: a comment, then its replies (a reply whose parent is not visible is a root)."""
    ids = {r["id"] for r in rows}
    children: dict[int | None, list[dict]] = {}
    for r in rows:
        children.setdefault(r["parent_id"] if r["parent_id"] in ids else None, []).append(r)
    out: list[dict] = []

    def walk(parent, depth):
        for r in children.get(parent, []):
            out.append({**r, "depth": depth})
            walk(r["id"], depth + 1)

    walk(None, 0)
    return out


@reads("results")
def counts(viewer: Viewer, figures: tuple[str, ...], url: str | None = None) -> dict[str, int]:
    """Number of comments ``viewer`` may read on each of ``figures`` (0 when none)."""
    C = FigureComment
    stmt = (select(C.figure, func.count()).where(and_(visible_clause(viewer), C.figure.in_(list(figures))))
            .group_by(C.figure))
    with get_engine(url).connect() as conn:
        found = dict(conn.execute(stmt).all())
    return {f: int(found.get(f, 0)) for f in figures}


def filters_of(comment: dict) -> GlobalFilters:
    """The filters a comment was written under, back as ``GlobalFilters`` (inverse of ``filters_dict``)."""
    raw = dict(comment["filters"])
    for name in ("cutoff", "period_start", "known_at"):
        if raw.get(name):
            raw[name] = dt.date.fromisoformat(raw[name])
    raw.setdefault("cutoff", comment["cutoff"])
    known = set(GlobalFilters.__dataclass_fields__)
    return GlobalFilters(**{k: v for k, v in raw.items() if k in known})
