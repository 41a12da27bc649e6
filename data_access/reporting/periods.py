"""Quarter closes: the PMO freezes a quarter's official figures, for every scope a viewer can have.

``close`` computes ``figures.quarter_figures`` for the national scope, every oficina regional
(``office:<id>``), every operator (``operator:<id>``) and every route (``route:<code>``, a
dirección de ruta's) — the scopes of ``rules.access.SCOPES`` —
and stores them in ``official_figure``; the SHA-256 of their canonical JSON goes into
``period_close`` and, through ``audit.record``, into the hash chain, so the frozen figures
cannot change unnoticed (``verify``). A reopened close keeps its row and figures; closing again
freezes a new set. ``official`` gives a viewer the frozen figures of its own scope.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import insert, select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.db import get_engine
from data_access.core.models import AuditLog, OfficialFigure, Operator, PeriodClose, RegionalOffice, ReportSubmission
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import EditError, PermissionDenied, write_session
from data_access.reporting import figures
from rules import access
from rules.access import Reach
from rules.core.calendar import parse_quarter, quarter_end
from rules.core.catalog import ROUTES
from rules.core.clock import today
from rules.core.formatting import fmt_date, quarter_label
from rules.reporting.cycle import PENDING_STATES

NATIONAL = "national"
WORKERS = 4
ENTITY = "period_close"


class PeriodRefused(EditError):
    """A close or reopen the cycle does not allow; ``message`` (Spanish) says why and what to do."""


@dataclass(frozen=True)
class CloseResult:
    close_id: int
    quarter: str
    sha256: str
    pending: list[dict]
    scopes: int


# ------------------------------------------------------------------ scopes


def scope_key(viewer: Viewer) -> str | None:
    """The official-figure scope of a viewer: national, its office, its operator or its route; None for none."""
    if viewer.is_national:
        return NATIONAL
    if viewer.is_regional:
        return f"office:{viewer.regional_office_id}"
    if viewer.is_operator:
        return f"operator:{viewer.operator_id}"
    if viewer.is_route:
        return f"route:{viewer.route}"
    return None


def _role_of(reach: Reach) -> str:
    return min(role for role, r in access.SCOPES.items() if r is reach)


def scope_viewers(url: str | None = None) -> dict[str, Viewer]:
    """A synthetic viewer for every scope a person can have, by scope key."""
    with get_engine(url).connect() as conn:
        offices = conn.execute(select(RegionalOffice.id, RegionalOffice.name).order_by(RegionalOffice.id)).all()
        operators = conn.execute(select(Operator.id, Operator.name).order_by(Operator.id)).all()
    out = {NATIONAL: Viewer(username="cierre", role=_role_of(Reach.ALL), scope_label="Nacional")}
    for oid, name in offices:
        out[f"office:{oid}"] = Viewer(username="cierre", role=_role_of(Reach.OFFICE), regional_office_id=oid,
                                      scope_name=name)
    for oid, name in operators:
        out[f"operator:{oid}"] = Viewer(username="cierre", role=_role_of(Reach.CONTRACTS), operator_id=oid,
                                        scope_name=name)
    for code, name in ROUTES.items():
        out[f"route:{code}"] = Viewer(username="cierre", role=_role_of(Reach.ROUTE), route=code, scope_name=name)
    return out


def compute_all(quarter: str, url: str | None = None) -> dict[str, dict[str, dict]]:
    """``quarter_figures`` of every scope, ``{scope: {figure: payload}}`` in scope order. The
    scopes are independent reads, so a few run at once (the store does most of the work)."""
    viewers = scope_viewers(url)
    workers = max(1, min(WORKERS, os.cpu_count() or 1, len(viewers)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = pool.map(lambda v: figures.quarter_figures(v, quarter, url), viewers.values())
        return dict(zip(viewers, done))


def digest(frozen: dict[str, dict[str, dict]]) -> str:
    """SHA-256 of the official figures ``{scope: {figure: payload}}`` as canonical JSON."""
    return hashlib.sha256(audit.canonical_json(frozen).encode("utf-8")).hexdigest()


# ------------------------------------------------------------------ reads


def _quarter(text: str) -> str:
    try:
        return parse_quarter(text)
    except ValueError:
        raise PeriodRefused(f"«{text}» no es un trimestre; escriba AAAAQn, p. ej. 2026Q2.") from None


def pending_submissions(quarter: str, url: str | None = None, session=None) -> list[dict]:
    """The submissions of ``quarter`` waiting for the PMO (``rules.reporting.cycle.PENDING_STATES``)."""
    stmt = (
        select(ReportSubmission.id, Operator.code, Operator.name, ReportSubmission.state,
               ReportSubmission.submitted_at)
        .join(Operator, Operator.id == ReportSubmission.operator_id)
        .where(ReportSubmission.quarter == quarter, ReportSubmission.state.in_(sorted(PENDING_STATES)))
        .order_by(Operator.code, ReportSubmission.id)
    )
    if session is not None:
        rows = session.execute(stmt).all()
    else:
        with get_engine(url).connect() as conn:
            rows = conn.execute(stmt).all()
    return [{"submission_id": r[0], "operator_code": r[1], "operator_name": r[2], "state": r[3],
             "submitted_at": r[4].isoformat() if r[4] else None} for r in rows]


@reads("reporting")
def periods(viewer: Viewer, url: str | None = None) -> list[dict]:
    """Every close, newest quarter first: state cerrado / reabierto, who and when, hash, reasons."""
    if not access.allowed(viewer, access.SEE_REPORTS):
        return []
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(PeriodClose).order_by(PeriodClose.quarter.desc(), PeriodClose.id.desc())).all()
    return [{
        "close_id": c.id, "quarter": c.quarter, "state": "reabierto" if c.reopened_at else "cerrado",
        "closed_by": c.closed_by, "closed_at": c.closed_at, "sha256": c.sha256, "reason": c.reason,
        "pending": list(c.pending or []), "reopened_by": c.reopened_by, "reopened_at": c.reopened_at,
        "reopen_reason": c.reopen_reason,
    } for c in rows]


@reads("reporting")
def closed_quarters(url: str | None = None) -> dict[str, dt.datetime]:
    """Quarters closed now (not reopened) → when they were closed."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(select(PeriodClose.quarter, PeriodClose.closed_at)
                            .where(PeriodClose.reopened_at.is_(None))).all()
    return {q: at for q, at in rows}


def _close_row(conn, quarter: str):
    return conn.execute(
        select(PeriodClose.id, PeriodClose.closed_at, PeriodClose.closed_by, PeriodClose.sha256)
        .where(PeriodClose.quarter == quarter, PeriodClose.reopened_at.is_(None))
        .order_by(PeriodClose.id.desc()).limit(1)
    ).first()


@reads("reporting")
def official(viewer: Viewer, quarter: str, url: str | None = None) -> dict | None:
    """The frozen figures of the viewer's scope for a closed quarter, as ``{"figures": {figure:
    payload}, "quarter", "close_id", "closed_at", "closed_by", "sha256"}``; None when the quarter
    is not closed (or reopened), the viewer has no scope or its scope had no figures at the close.
    ``closed_at`` (naive UTC) is when the close began computing."""
    scope = scope_key(viewer)
    quarter = _quarter(quarter)
    if scope is None or not access.allowed(viewer, access.VIEW_DATA):
        return None
    with get_engine(url).connect() as conn:
        close = _close_row(conn, quarter)
        if close is None:
            return None
        rows = conn.execute(select(OfficialFigure.figure, OfficialFigure.payload)
                            .where(OfficialFigure.close_id == close.id, OfficialFigure.scope == scope)).all()
    if not rows:  # a scope that did not exist at the close (an operator registered later)
        return None
    return {"quarter": quarter, "close_id": close.id, "closed_at": close.closed_at, "closed_by": close.closed_by,
            "sha256": close.sha256, "scope": scope, "figures": {f: _loaded(p) for f, p in rows}}


def _loaded(payload):
    """A JSON column as the store returned it (PostgreSQL's json may come back as text on some drivers)."""
    return json.loads(payload) if isinstance(payload, str) else payload


def frozen_figures(close_id: int, url: str | None = None) -> dict[str, dict[str, dict]]:
    """Every stored figure of a close, ``{scope: {figure: payload}}``."""
    out: dict[str, dict[str, dict]] = {}
    with get_engine(url).connect() as conn:
        for scope, figure, payload in conn.execute(
                select(OfficialFigure.scope, OfficialFigure.figure, OfficialFigure.payload)
                .where(OfficialFigure.close_id == close_id)):
            out.setdefault(scope, {})[figure] = _loaded(payload)
    return out


def verify(quarter: str, url: str | None = None, viewer: Viewer | None = None) -> dict:
    """Recompute the hash of a closed quarter's stored figures and compare it with the close's and
    with the one its audit entry holds: ``ok`` False names which differs (Spanish ``message``).
    ``viewer``: who asks (refused unless it may see the reporting cycle); None: the console."""
    if viewer is not None and not access.allowed(viewer, access.SEE_REPORTS):
        raise PermissionDenied("Su cuenta no puede consultar los cierres trimestrales.")
    quarter = _quarter(quarter)
    with get_engine(url).connect() as conn:
        close = _close_row(conn, quarter)
        if close is None:
            raise PeriodRefused(f"El trimestre {quarter_label(quarter)} no está cerrado: no hay cifras oficiales "
                                "que verificar. Vea `tablero periods list`.")
        entries = conn.execute(select(AuditLog.after).where(AuditLog.entity == ENTITY,
                                                            AuditLog.entity_id == str(close.id),
                                                            AuditLog.action == "close")).scalars().all()
    audited = {json.loads(a).get("sha256") for a in entries if a}
    now = digest(frozen_figures(close.id, url))
    ok_close, ok_audit = now == close.sha256, close.sha256 in audited
    if ok_close and ok_audit:
        message = f"Cifras oficiales de {quarter_label(quarter)} íntegras (SHA-256 {now})."
    elif not ok_close:
        message = (f"Las cifras oficiales de {quarter_label(quarter)} fueron alteradas: su SHA-256 es {now}, el cierre "
                   f"registró {close.sha256}. Revise la tabla official_figure y el registro de auditoría.")
    else:
        message = (f"El hash del cierre de {quarter_label(quarter)} ({close.sha256}) no es el que registró la "
                   "auditoría: la fila period_close fue alterada.")
    return {"ok": ok_close and ok_audit, "quarter": quarter, "close_id": close.id, "sha256": close.sha256,
            "recomputed": now, "audited": sorted(audited), "message": message}


@reads("reporting", "business_plans", "participants")
def annual(viewer: Viewer, year: int, url: str | None = None) -> list[dict]:
    """The alliance indicator of ``year`` for the viewer's scope: each quarter official when it is
    closed, live otherwise; then the year, which is the Q4 official figure when Q4 is closed and
    otherwise Q4's live figure marked provisional."""
    from data_access.alliance import queries as al

    rows = []
    for n in range(1, 5):
        quarter = f"{year}Q{n}"
        off = official(viewer, quarter, url)
        if off is not None:
            total, source, closed_at = off["figures"]["alliance"], "oficial", off["closed_at"]
        else:
            live = al.indicator(viewer, figures.filters_for(quarter).within(viewer), url=url)
            total, source, closed_at = figures.row_payload(live), "en vivo", None
        rows.append({"period": quarter_label(quarter), "quarter": quarter, "source": source,
                     "numerator": total["numerator"], "denominator": total["denominator"],
                     "percent": total["percent"], "pending": total["pending"], "closed_at": closed_at})
    q4 = rows[-1]
    rows.append({**q4, "period": str(year), "quarter": None,
                 "source": "oficial" if q4["source"] == "oficial" else "provisional"})
    return rows


# ------------------------------------------------------------------ writes


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def close(viewer: Viewer, quarter: str, reason: str = "", url: str | None = None) -> CloseResult:
    """Close ``quarter``: freeze its official figures for every scope, in one audited transaction.

    Refused to whoever may not ``CLOSE_PERIOD``, for a quarter not yet ended or already closed,
    and — without a stated reason — while submissions of the quarter wait for review (those are
    listed in the close).
    """
    if not access.allowed(viewer, access.CLOSE_PERIOD):
        raise PermissionDenied("Su rol no puede cerrar trimestres: lo hace la PMO (analista PMO o administrador).")
    quarter = _quarter(quarter)
    reason = (reason or "").strip()
    end = quarter_end(quarter)
    if end >= today():
        raise PeriodRefused(f"El trimestre {quarter_label(quarter)} no ha terminado (termina el {fmt_date(end)}): "
                            "ciérrelo a partir del día siguiente.")
    with get_engine(url).connect() as conn:
        if _close_row(conn, quarter) is not None:
            raise PeriodRefused(f"El trimestre {quarter_label(quarter)} ya está cerrado; para cambiar sus cifras "
                                "oficiales, un administrador debe reabrirlo con un motivo.")
    pending = pending_submissions(quarter, url)
    if pending and not reason:
        names = ", ".join(f"{p['operator_name']} ({p['operator_code']})" for p in pending)
        raise PeriodRefused(f"Hay {len(pending)} reporte(s) de {quarter_label(quarter)} enviados y sin revisar: "
                            f"{names}. Revíselos antes de cerrar o indique el motivo para cerrar sin ellos (--reason).")
    started = _now()  # a write from here on may be missing from the frozen set: restatements list it
    frozen = compute_all(quarter, url)
    sha = digest(frozen)
    with write_session(viewer, url) as s:
        audit.lock_chain(s)  # two closes of one quarter at once: the second sees the first
        if _close_row(s, quarter) is not None:
            raise PeriodRefused(f"El trimestre {quarter_label(quarter)} acaba de ser cerrado por otra persona.")
        pending = pending_submissions(quarter, session=s)
        if pending and not reason:
            raise PeriodRefused(f"Llegaron reportes de {quarter_label(quarter)} por revisar mientras se calculaba el "
                                "cierre; indique el motivo para cerrar sin ellos (--reason).")
        row = PeriodClose(quarter=quarter, closed_by=viewer.username, closed_at=started, reason=reason,
                          pending=pending, sha256=sha, reopen_reason="")
        s.add(row)
        s.flush()
        s.execute(insert(OfficialFigure), [
            {"close_id": row.id, "scope": scope, "figure": figure, "payload": payload}
            for scope, figs in frozen.items() for figure, payload in figs.items()
        ])
        audit.record(s, viewer.username, ENTITY, row.id, "close", None,
                     {"quarter": quarter, "sha256": sha, "pending": pending, "reason": reason})
        versions.bump(s, "reporting")
        return CloseResult(row.id, quarter, sha, pending, len(frozen))


def reopen(viewer: Viewer, quarter: str, reason: str, url: str | None = None) -> int:
    """Reopen a closed quarter (administrators only, with a reason): its figures are live again;
    the close and its frozen figures stay for the record. Returns the close's id."""
    if not access.allowed(viewer, access.REOPEN_PERIOD):
        raise PermissionDenied("Solo un administrador puede reabrir un trimestre cerrado.")
    quarter = _quarter(quarter)
    reason = (reason or "").strip()
    if not reason:
        raise PeriodRefused(f"Indique el motivo para reabrir {quarter_label(quarter)} (--reason «…»): "
                            "queda en el registro de auditoría.")
    with write_session(viewer, url) as s:
        row = s.execute(select(PeriodClose).where(PeriodClose.quarter == quarter, PeriodClose.reopened_at.is_(None))
                        .order_by(PeriodClose.id.desc()).limit(1).with_for_update()).scalars().first()
        if row is None:
            raise PeriodRefused(f"El trimestre {quarter_label(quarter)} no está cerrado: no hay nada que reabrir.")
        before = {"quarter": quarter, "state": "cerrado", "sha256": row.sha256}
        row.reopened_by, row.reopened_at, row.reopen_reason = viewer.username, _now(), reason
        s.flush()
        audit.record(s, viewer.username, ENTITY, row.id, "reopen", before,
                     {"quarter": quarter, "state": "reabierto", "sha256": row.sha256, "reason": reason})
        versions.bump(s, "reporting")
        return row.id
