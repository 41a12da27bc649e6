"""Restatements: how a closed quarter's live figures moved away from its official ones, and why.

For a closed quarter and a viewer's scope, ``restatements`` compares the frozen figures
(``periods.official``) with the same figures computed now (``figures.quarter_figures``): every
value that differs (figure, group, measure, official, live, delta); the PN whose status changed
between the frozen ``alliance.plans`` and the live list, each with the writes after the close
that touched it (its business_plan, alliance_evidence and sales rows: the import batch that last
wrote a row, or an edit's audit entry — who and when); and the ANS values of the quarter written
after the close. Scoped like every query: the viewer's own scope only.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from data_access.core.db import get_engine
from data_access.core.models import (
    AllianceEvidence,
    AuditLog,
    BusinessPlan,
    ImportBatch,
    Operator,
    OperatorContract,
    Sales,
    SlaDefinition,
    SlaMeasurement,
)
from data_access.core.scope import Viewer, contract_clause
from data_access.core.versions import reads
from data_access.intake.changes import chunks
from data_access.reporting import figures, periods
from rules.core.calendar import parse_quarter
from rules.core.formatting import quarter_label

_MEASURES = ("numerator", "denominator", "percent", "pending", "not_executed")


def _delta(official, live):
    if isinstance(official, int | float) and isinstance(live, int | float) and not isinstance(official, bool):
        return live - official
    return None


def _compare(out: list[dict], figure: str, group: str, measure: str, official, live) -> None:
    if official != live:
        out.append({"figure": figure, "group": group, "measure": measure, "official": official, "live": live,
                    "delta": _delta(official, live)})


def figure_changes(frozen: dict, live: dict) -> list[dict]:
    """Every value of the official-figure set that differs between ``frozen`` and ``live``."""
    out: list[dict] = []
    for m in _MEASURES:
        _compare(out, "alliance", "total", m, frozen["alliance"].get(m), live["alliance"].get(m))
    for dim in figures.DIMENSIONS:
        fig = f"alliance.by.{dim}"
        old = {r["key"]: r for r in frozen.get(fig, {}).get("rows", [])}
        new = {r["key"]: r for r in live.get(fig, {}).get("rows", [])}
        for key in sorted(old.keys() | new.keys()):
            a, b = old.get(key, {}), new.get(key, {})
            group = (b or a).get("code") or (b or a).get("name") or key
            for m in _MEASURES:
                _compare(out, fig, group, m, a.get(m), b.get(m))
    fs, ls = frozen.get("sla", {}), live.get("sla", {})
    _compare(out, "sla", "total", "score", fs.get("score"), ls.get("score"))
    for part in ("operators", "indicators"):
        old = {r["code"]: r for r in fs.get(part, [])}
        new = {r["code"]: r for r in ls.get(part, [])}
        for code in sorted(old.keys() | new.keys()):
            _compare(out, f"sla.{part}", code, "score", old.get(code, {}).get("score"), new.get(code, {}).get("score"))
    old = {(r["route"], r["stage"]): r["count"] for r in frozen.get("funnel", {}).get("rows", [])}
    new = {(r["route"], r["stage"]): r["count"] for r in live.get("funnel", {}).get("rows", [])}
    for key in sorted(old.keys() | new.keys()):
        _compare(out, "funnel", f"{key[0]}/{key[1]}", "count", old.get(key), new.get(key))
    old, new = frozen.get("overview", {}).get("values", {}), live.get("overview", {}).get("values", {})
    for metric in sorted(old.keys() | new.keys()):
        _compare(out, "overview", metric, "value", old.get(metric), new.get(metric))
    return out


def changed_plans(frozen_rows: list[dict], live_rows: list[dict]) -> list[dict]:
    """The PN whose status (counted, in the denominator) differs, or that entered or left the list."""
    old = {r["id"]: r for r in frozen_rows}
    new = {r["id"]: r for r in live_rows}
    out = []
    for pid in sorted(old.keys() | new.keys(), key=lambda i: (old.get(i) or new.get(i))["code"]):
        a, b = old.get(pid), new.get(pid)
        if a is not None and b is not None and a["status"] == b["status"]:
            continue
        out.append({"id": pid, "code": (a or b)["code"], "official_status": a and a["status"],
                    "live_status": b and b["status"], "official_counted": bool(a and a["counted"]),
                    "live_counted": bool(b and b["counted"])})
    return out


def _writes_after(conn, closed_at: dt.datetime, plans: list[dict]) -> dict[int, list[dict]]:
    """Per PN id: the writes after ``closed_at`` to its plan, evidence and sales rows — import
    batches (file, user, time) and edits' audit entries (entity, action, user, time) — oldest first."""
    out: dict[int, list[dict]] = {p["id"]: [] for p in plans}
    code_of = {p["code"]: p["id"] for p in plans}
    for part in chunks(sorted(out)):
        batch_rows = []
        for model, entity, plan_col in ((BusinessPlan, "business_plan", BusinessPlan.id),
                                        (AllianceEvidence, "alliance_evidence", AllianceEvidence.business_plan_id),
                                        (Sales, "sales", Sales.business_plan_id)):
            batch_rows += [(entity, *r) for r in conn.execute(
                select(plan_col, model.id, ImportBatch.id, ImportBatch.file_name, ImportBatch.username,
                       ImportBatch.at)
                .join(ImportBatch, ImportBatch.id == model.import_batch_id)
                .where(plan_col.in_(part), ImportBatch.at > closed_at))]
        seen = set()
        for _entity, pid, _rid, bid, file_name, user, at in batch_rows:
            if (pid, bid) in seen:
                continue
            seen.add((pid, bid))
            out[pid].append({"entity": "import_batch", "record": str(bid), "action": "import", "detail": file_name,
                             "username": user, "at": at})
        ev_ids = {str(i): pid for i, pid in conn.execute(
            select(AllianceEvidence.id, AllianceEvidence.business_plan_id)
            .where(AllianceEvidence.business_plan_id.in_(part)))}
        codes = {c: i for c, i in code_of.items() if i in set(part)}
        edits = conn.execute(
            select(AuditLog.entity, AuditLog.entity_id, AuditLog.action, AuditLog.username, AuditLog.at)
            .where(AuditLog.at > closed_at,
                   or_(and_(AuditLog.entity == "business_plan", AuditLog.entity_id.in_(sorted(codes))),
                       and_(AuditLog.entity == "alliance_evidence", AuditLog.entity_id.in_(sorted(ev_ids)))))
        ).all()
        for entity, eid, action, user, at in edits:
            pid = codes.get(eid) if entity == "business_plan" else ev_ids.get(eid)
            out[pid].append({"entity": entity, "record": eid, "action": action, "detail": "", "username": user,
                             "at": at})
    for rows in out.values():
        rows.sort(key=lambda r: r["at"])
    return out


def sla_writes(viewer: Viewer, quarter: str, closed_at: dt.datetime, url: str | None = None) -> list[dict]:
    """ANS values of ``quarter`` in the viewer's scope written after the close (by an import or an
    edit): contract, ANS, value now, who reported it and when it was written."""
    M = SlaMeasurement
    stmt = (
        select(M.id, OperatorContract.code, Operator.code, SlaDefinition.code, M.value, M.reported_by, M.reported_on,
               ImportBatch.username, ImportBatch.at)
        .join(OperatorContract, OperatorContract.id == M.contract_id)
        .join(Operator, Operator.id == OperatorContract.operator_id)
        .join(SlaDefinition, SlaDefinition.id == M.definition_id)
        .outerjoin(ImportBatch, ImportBatch.id == M.import_batch_id)
        .where(M.quarter == quarter, contract_clause(viewer))
    )
    with get_engine(url).connect() as conn:
        rows = conn.execute(stmt).all()
        ids = {str(r[0]): r for r in rows}
        edits: dict[str, tuple] = {}
        for part in chunks(sorted(ids)):
            for eid, user, at in conn.execute(
                    select(AuditLog.entity_id, AuditLog.username, AuditLog.at)
                    .where(AuditLog.entity == "sla_measurement", AuditLog.at > closed_at,
                           AuditLog.entity_id.in_(part))):
                if eid not in edits or at > edits[eid][1]:
                    edits[eid] = (user, at)
    out = []
    for mid, r in ids.items():
        by_import = r[8] is not None and r[8] > closed_at
        if not by_import and mid not in edits:
            continue
        user, at = (r[7], r[8]) if by_import and (mid not in edits or r[8] >= edits[mid][1]) else edits[mid]
        out.append({"contract_code": r[1], "operator_code": r[2], "definition_code": r[3], "value": r[4],
                    "reported_by": r[5], "reported_on": r[6], "username": user, "at": at})
    return sorted(out, key=lambda x: (x["at"], x["contract_code"], x["definition_code"]))


@reads("reporting", "business_plans", "participants", "sla", "targeting", "alerts")
def restatements(viewer: Viewer, quarter: str, url: str | None = None) -> dict:
    """The restatement list of a closed quarter for the viewer's scope (module docstring):
    ``{"quarter", "closed_at", "closed_by", "figures": [...], "plans": [... with "writes"], "sla": [...]}``.
    ``periods.PeriodRefused`` when the quarter is not closed."""
    off = periods.official(viewer, quarter, url)
    if off is None:
        raise periods.PeriodRefused(
            f"El trimestre {quarter_label(parse_quarter(quarter))} no está cerrado (o su alcance no tiene "
            "cifras oficiales): no hay reexpresiones. Vea `tablero periods list`.")
    quarter, frozen = off["quarter"], off["figures"]
    live = figures.quarter_figures(viewer, quarter, url)
    plans = changed_plans(frozen.get("alliance.plans", {}).get("rows", []), live["alliance.plans"]["rows"])
    with get_engine(url).connect() as conn:
        writes = _writes_after(conn, off["closed_at"], plans)
    for p in plans:
        p["writes"] = writes[p["id"]]
    return {"quarter": quarter, "closed_at": off["closed_at"], "closed_by": off["closed_by"],
            "figures": figure_changes(frozen, live), "plans": plans,
            "sla": sla_writes(viewer, quarter, off["closed_at"], url)}
