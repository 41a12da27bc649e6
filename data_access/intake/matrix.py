"""Store-side check of the «Matriz de seguimiento a OPRs» (plans, evidence, sales).

The reader has typed every cell (``rules.intake.sheets`` PLANS, EVIDENCE, SALES); here every
reference is checked against the store — the PSDE by code or name, the OPR by NIT (a NIT
without its check digit that lands on another OPR's name is refused), the value chain, the
municipality and its regional office, the plans that evidence and sales name — and a valid
file becomes bulk changes: OPR by NIT, plans by ``codigo_pn``, the evidence of every plan of
the file made equal to the file's (evidence no longer listed is voided, never deleted), sales
by (plan, year, baseline). Rows that need the id of an OPR or plan inserted by the same file
are written by ``then`` steps once those ids exist.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    Operator,
    Opr,
    RegionalOffice,
    Sales,
    ValueChain,
)
from data_access.core.scope import Viewer
from data_access.intake import changes
from data_access.intake.changes import Change, Plan, among, chunks, stored_by_key
from data_access.intake.engine import importer
from data_access.intake.rows import municipality_offices, problem, records
from rules import access
from rules.alliance.matrix_cells import nit_base
from rules.core.clock import today
from rules.core.nit import format_nit
from rules.edit import validation as rv
from rules.intake import sheets as S
from rules.intake.cells import norm
from rules.intake.problems import Problem

PN, EV, SALES = S.PLANS, S.EVIDENCE, S.SALES
PN_FIELDS = ("opr_id", "ventana", "municipality_code", "value_chain_id", "psde_operator_id",
             "first_disbursement_date", "closure_date")
PN_FIELD_COLUMN = {"ventana": "ventana", "municipality_code": "cod_municipio",
                   "first_disbursement_date": "fecha_primer_desembolso", "closure_date": "fecha_cierre"}
EV_FIELD_COLUMN = {"kind": "tipo", "ally_type": "tipo_aliado", "ally_name": "aliado", "start_date": "fecha_inicio",
                   "end_date": "fecha_fin"}
EV_KEY = ("kind", "ally_type", "ally_name", "start_date", "end_date", "document_ref")
PENDING = object()  # an id that exists only once the rows of the same file are written


@dataclass
class MatrixPlan(Plan):
    """A plan whose ``later`` changes are written by its ``then`` step, after the OPR and plans
    they point to; ``voided`` is the evidence change whose updates void rows."""

    later: list[Change] = field(default_factory=list)
    voided: Change | None = None

    @property
    def changed(self) -> bool:
        return super().changed or any(c.changed for c in self.later)

    def counts(self) -> dict[str, int]:
        out: Counter = Counter({f"{s.name}.{w}": 0 for s in (PN, S.OPR, EV, SALES)
                                for w in ("insert", "update", "unchanged")})
        for c in (*self.changes, *self.later):
            out[f"{c.sheet}.insert"] += len(c.inserts)
            out[f"{c.sheet}.{'void' if c is self.voided else 'update'}"] += len(c.updates)
            out[f"{c.sheet}.unchanged"] += c.unchanged
        out.update(self.extra_counts)
        return dict(out)


@dataclass
class _Reference:
    municipalities: dict[str, int | None]  # code → office id
    offices: dict[str, int]  # normalised code or name → id
    office_names: dict[int, str]
    chains: dict[str, int]  # normalised name → id
    chain_names: list[str]
    operators: dict[str, int]  # normalised code or name → id


def _reference(conn: Connection) -> _Reference:
    munis = municipality_offices(conn)
    offices, office_names = {}, {}
    for i, code, name in conn.execute(select(RegionalOffice.id, RegionalOffice.code, RegionalOffice.name)):
        offices[norm(code)] = offices[norm(name)] = i
        office_names[i] = name
    chains, chain_names = {}, []
    for i, name in conn.execute(select(ValueChain.id, ValueChain.name).order_by(ValueChain.name)):
        chains[norm(name)] = i
        chain_names.append(name)
    operators: dict[str, int] = {}
    for i, code, name in conn.execute(select(Operator.id, Operator.code, Operator.name).order_by(Operator.id)):
        operators.setdefault(norm(code), i)
        operators.setdefault(norm(name), i)
    return _Reference(munis, offices, office_names, chains, chain_names, operators)


def _strip_label(message: str) -> str:
    """'Ventana: «4» no es válida…' → '«4» no es válida…' (the report names the column)."""
    head, sep, rest = message.partition(": ")
    return rest if sep and len(head) < 60 else message


def _completed_nits(frame) -> dict[int, str]:
    """Row → NIT as written, of the rows whose NIT came without its check digit (the reader's
    notes, which the engine attaches to the frame)."""
    if frame is None:
        return {}
    return {n.row: n.value for n in frame.attrs.get("notes") or () if n.column == "nit_opr"}


# ------------------------------------------------------------------ the check


@importer("tracking-matrix")
def check_matrix(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    ref = _reference(conn)
    plans = _check_plans(conn, frames.get(PN.name), ref, viewer, problems)
    file_codes = {r["codigo_pn"] for r in records(frames.get(PN.name))}  # a refused row is still named there
    ev_rows, sales_rows = records(frames.get(EV.name)), records(frames.get(SALES.name))
    referenced = {r["codigo_pn"] for r in (*ev_rows, *sales_rows)} - file_codes
    stored_plans: dict[str, int] = {}
    for part in chunks(sorted(referenced | file_codes)):
        stored_plans.update(conn.execute(select(BusinessPlan.code, BusinessPlan.id)
                                         .where(among(conn, BusinessPlan.code, part))).all())
    known = file_codes | set(stored_plans)
    if psde_scoped(viewer):
        _check_psde_of_stored(conn, viewer, sorted(known), frames, problems)
    evidence = _check_evidence(ev_rows, known, problems)
    sales = _check_sales(sales_rows, known, problems)
    order = {s.name: i for i, s in enumerate((PN, EV, SALES))}
    problems.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0))
    if problems:
        return Plan()
    return _changes(conn, plans, evidence if EV.name in frames else None, sales, stored_plans)


def psde_scoped(viewer: Viewer) -> bool:
    """An operator reports the PN of its own PSDE (``SUBMIT_REPORT``), whatever their municipality."""
    return not access.allowed(viewer, access.IMPORTS[PN.entity]) and access.allowed(viewer, access.SUBMIT_REPORT)


def _check_psde_of_stored(conn: Connection, viewer: Viewer, codes: list[str], frames: dict,
                          problems: list[Problem]) -> None:
    """An operator may touch a stored PN (its row, evidence or sales) only when its PSDE is the operator's."""
    others: dict[str, int | None] = {}
    for part in chunks(codes):
        for code, psde in conn.execute(select(BusinessPlan.code, BusinessPlan.psde_operator_id)
                                       .where(among(conn, BusinessPlan.code, part))):
            if psde is None or not access.allowed(viewer, access.SUBMIT_REPORT, operator=psde):
                others[code] = psde
    if not others:
        return
    for sheet, column in ((PN, "codigo_pn"), (EV, "codigo_pn"), (SALES, "codigo_pn")):
        for r in records(frames.get(sheet.name)):
            if r["codigo_pn"] in others:
                problems.append(problem(sheet, r, column, f"el PN {r['codigo_pn']} registrado en el tablero no es "
                                                          "de su PSDE: quite la fila (solo reporta los PN de su "
                                                          "PSDE) o pida la corrección a la PMO."))


def _check_plans(conn: Connection, frame, ref: _Reference, viewer: Viewer, problems: list[Problem]) -> list[dict]:
    rows = records(frame)
    known = set(ref.municipalities)
    completed = _completed_nits(frame)
    by_psde = psde_scoped(viewer)
    may: dict[int | None, bool] = {}
    ok_rows = []
    for r in rows:
        before = len(problems)
        data = {"ventana": r["ventana"], "municipality_code": r["cod_municipio"],
                "first_disbursement_date": r["fecha_primer_desembolso"], "closure_date": r["fecha_cierre"]}
        for err in rv.validate_business_plan(data, known):
            problems.append(problem(PN, r, PN_FIELD_COLUMN.get(err.field, err.field), _strip_label(err.message)))
        chain = ref.chains.get(norm(r["cadena_valor"]))
        if chain is None:
            problems.append(problem(PN, r, "cadena_valor", f"«{r['cadena_valor']}» no es una cadena de valor del "
                                                           f"catálogo; use una de: {', '.join(ref.chain_names)}."))
        psde = ref.operators.get(norm(r["psde"]))
        if psde is None:
            problems.append(problem(PN, r, "psde", f"«{r['psde']}» no es un operador registrado; escriba el código "
                                                   "o el nombre exacto del PSDE (pida su registro al administrador "
                                                   "si es nuevo)."))
        muni = r["cod_municipio"]
        office = ref.municipalities.get(muni)
        if r["oficina_regional"] and muni in ref.municipalities:
            given = ref.offices.get(norm(r["oficina_regional"]))
            if given is None:
                problems.append(problem(PN, r, "oficina_regional", f"«{r['oficina_regional']}» no es una oficina "
                                                                   "regional; use su código o nombre, o deje la "
                                                                   "celda vacía."))
            elif given != office:
                problems.append(problem(PN, r, "oficina_regional",
                                        f"«{r['oficina_regional']}» no corresponde al municipio {muni}, que "
                                        f"pertenece a la oficina «{ref.office_names.get(office, 'sin oficina')}»; "
                                        "corrija la oficina o el municipio."))
        if by_psde:
            if psde is not None and not access.allowed(viewer, access.SUBMIT_REPORT, operator=psde):
                problems.append(problem(PN, r, "psde", f"el PN {r['codigo_pn']} es del PSDE «{r['psde']}», no de "
                                                       "su operador: quite la fila (solo reporta los PN de su "
                                                       "PSDE) o pida la corrección a la PMO."))
        elif muni in ref.municipalities:
            if office not in may:
                may[office] = access.allowed(viewer, access.IMPORTS[PN.entity], office=office)
            if not may[office]:
                problems.append(problem(PN, r, "cod_municipio", f"el municipio {muni} está fuera de su alcance; "
                                                                "quite la fila o pida la carga a la PMO."))
        if len(problems) == before:
            ok_rows.append({**r, "_chain": chain, "_psde": psde, "_written": completed.get(int(r["_row"]))})
    _check_nit_owners(conn, ok_rows, problems)
    return ok_rows


def _stored_oprs(conn: Connection, bases) -> dict[str, tuple]:
    """NIT base → (id, name, version) of the first stored OPR with that NIT, written with or without its
    check digit."""
    found: dict[str, tuple] = {}
    for part in chunks(sorted(bases)):
        candidates = list(part) + [format_nit(b) for b in part if b.isdigit()]
        for i, nit, name, version in conn.execute(select(Opr.id, Opr.nit, Opr.name, Opr.version)
                                                  .where(among(conn, Opr.nit, candidates)).order_by(Opr.id)):
            found.setdefault(nit_base(nit), (i, name, version))
    return found


def _check_nit_owners(conn: Connection, plans: list[dict], problems: list[Problem]) -> None:
    """A NIT without its check digit cannot be verified: when it names an OPR already registered
    under another name it is more likely a mistyped NIT than a renaming, so the row is refused
    (written with its check digit, the NIT renames the OPR)."""
    unverified = [p for p in plans if p["_written"] is not None]
    owners = _stored_oprs(conn, {nit_base(p["nit_opr"]) for p in unverified})
    for p in unverified:
        owner = owners.get(nit_base(p["nit_opr"]))
        if owner is None or norm(owner[1]) == norm(p["nombre_opr"]):
            continue
        problems.append(problem(PN, p, "nit_opr",
                                f"«{p['_written']}» (sin dígito de verificación, {p['nit_opr']}) es el NIT de la OPR "
                                f"«{owner[1]}» ya registrada, no de «{p['nombre_opr']}»; revise el NIT, o escríbalo "
                                "con su dígito de verificación si la OPR cambió de nombre."))


def _check_evidence(rows: list[dict], known: set[str], problems: list[Problem]) -> list[dict]:
    out = []
    for r in rows:
        before = len(problems)
        if r["codigo_pn"] not in known:
            problems.append(problem(EV, r, "codigo_pn", f"el plan «{r['codigo_pn']}» no existe en la hoja "
                                                        f"{PN.name} ni en el tablero; agréguelo a {PN.name} o "
                                                        "corrija el código."))
        data = {"kind": r["tipo"], "ally_type": r["tipo_aliado"], "ally_name": r["aliado"],
                "start_date": r["fecha_inicio"]}
        for err in rv.validate_evidence(data):
            problems.append(problem(EV, r, EV_FIELD_COLUMN.get(err.field, err.field), _strip_label(err.message)))
        start, end = r["fecha_inicio"], r["fecha_fin"]
        if start is not None and end is not None and end < start:
            problems.append(problem(EV, r, "fecha_fin", f"{end.isoformat()} es anterior a la fecha de inicio "
                                                        f"({start.isoformat()}); corrija una de las dos fechas."))
        if len(problems) == before:
            out.append(r)
    return out


def _check_sales(rows: list[dict], known: set[str], problems: list[Problem]) -> list[dict]:
    max_year = today().year
    out = []
    for r in rows:
        before = len(problems)
        if r["codigo_pn"] not in known:
            problems.append(problem(SALES, r, "codigo_pn", f"el plan «{r['codigo_pn']}» no existe en la hoja "
                                                           f"{PN.name} ni en el tablero; corrija el código."))
        if r["anio"] > max_year:
            problems.append(problem(SALES, r, "anio", f"{r['anio']} está fuera de rango; use un año entre 2000 y "
                                                      f"{max_year}."))
        if len(problems) == before:
            out.append(r)
    return out


# ------------------------------------------------------------------ the changes


def _changes(conn: Connection, plans: list[dict], evidence: list[dict] | None, sales: list[dict],
             plan_ids: dict[str, int]) -> MatrixPlan:
    # OPR by NIT (its first plan row gives the name, municipality and chain of a new one)
    oprs = _stored_oprs(conn, {nit_base(p["nit_opr"]) for p in plans})
    opr_change = Change(S.OPR.name, Opr)
    opr_id: dict[str, object] = {}
    for p in plans:
        base = nit_base(p["nit_opr"])
        if base in opr_id:
            continue
        stored = oprs.get(base)
        if stored is None:
            opr_id[base] = PENDING
            opr_change.inserts.append({"nit": p["nit_opr"], "name": p["nombre_opr"], "municipality_code":
                                       p["cod_municipio"], "value_chain_id": p["_chain"], "created_on": today()})
            continue
        opr_id[base] = stored[0]
        if stored[1] != p["nombre_opr"]:
            opr_change.updates.append({"id": stored[0], "name": p["nombre_opr"], "version": (stored[2] or 1) + 1})
        else:
            opr_change.unchanged += 1
    new_oprs = {format_nit(b) if b.isdigit() else b: b for b, i in opr_id.items() if i is PENDING}

    # plans by codigo_pn
    plan_change = Change(PN.name, BusinessPlan)
    stored = stored_by_key(conn, BusinessPlan, ("code",), PN_FIELDS, [(p["codigo_pn"],) for p in plans])
    waiting_opr: list[tuple[dict, str]] = []  # (row, NIT base of its new OPR)
    for p in plans:
        base = nit_base(p["nit_opr"])
        target = {"opr_id": opr_id[base], "ventana": int(p["ventana"]), "municipality_code": p["cod_municipio"],
                  "value_chain_id": p["_chain"], "psde_operator_id": p["_psde"],
                  "first_disbursement_date": p["fecha_primer_desembolso"], "closure_date": p["fecha_cierre"]}
        old = stored.get((p["codigo_pn"],))
        if old is None:
            row = {"code": p["codigo_pn"], **target}
            plan_change.inserts.append(row)
        else:
            row = {k: v for k, v in target.items() if v is PENDING or old[k] != v}
            if not row:
                plan_change.unchanged += 1
                continue
            row.update(id=old["id"], version=(old["version"] or 1) + 1)
            plan_change.updates.append(row)
        if row.get("opr_id") is PENDING:
            waiting_opr.append((row, base))

    # evidence: the file's list is complete for every plan it names; a new row is known from today on
    known_on = today()
    ev_insert, ev_void = Change(EV.name, AllianceEvidence), Change(EV.name, AllianceEvidence)
    waiting_plan: list[tuple[dict, str]] = []  # (row, codigo_pn of its new plan)
    if evidence is not None:
        wanted: dict[str, list[dict]] = {}
        for r in evidence:
            wanted.setdefault(r["codigo_pn"], []).append(
                {"kind": r["tipo"], "ally_type": r["tipo_aliado"], "ally_name": (r["aliado"] or "")[:200],
                 "start_date": r["fecha_inicio"], "end_date": r["fecha_fin"],
                 "document_ref": (r["soporte"] or "")[:200], "voided": False})
        touched = {p["codigo_pn"] for p in plans} | set(wanted)
        current: dict[int, list[tuple]] = {}
        ids = sorted(plan_ids[c] for c in touched if c in plan_ids)
        cols = [AllianceEvidence.business_plan_id, AllianceEvidence.id, AllianceEvidence.version,
                *(getattr(AllianceEvidence, k) for k in EV_KEY)]
        for part in chunks(ids):
            for row in conn.execute(select(*cols).where(among(conn, AllianceEvidence.business_plan_id, part),
                                                        AllianceEvidence.voided.is_(False))
                                    .order_by(AllianceEvidence.id)):
                current.setdefault(row[0], []).append(tuple(row[1:]))
        for code in sorted(touched):
            pid = plan_ids.get(code)
            want = Counter(tuple(e[k] for k in EV_KEY) for e in wanted.get(code, []))
            have_rows = current.get(pid, []) if pid is not None else []
            have = Counter(_key(h[2:]) for h in have_rows)
            ev_insert.unchanged += sum(min(n, have.get(k, 0)) for k, n in want.items())
            for ev_id, version, *values in have_rows:
                k = _key(values)
                if have[k] > want.get(k, 0):
                    have[k] -= 1
                    ev_void.updates.append({"id": ev_id, "voided": True, "version": (version or 1) + 1})
            for e in wanted.get(code, []):
                k = tuple(e[c] for c in EV_KEY)
                if have.get(k, 0) >= want[k]:
                    continue
                have[k] = have.get(k, 0) + 1
                row = {"business_plan_id": pid if pid is not None else PENDING, **e, "registered_on": known_on}
                ev_insert.inserts.append(row)
                if pid is None:
                    waiting_plan.append((row, code))

    # sales by (plan, year, baseline)
    sales_change = Change(SALES.name, Sales)
    known_rows = [{"business_plan_id": plan_ids[r["codigo_pn"]], "year": int(r["anio"]),
                   "is_baseline": bool(r["linea_base"]), "amount_cop": int(r["ventas_cop"])}
                  for r in sales if r["codigo_pn"] in plan_ids]
    if known_rows:
        sales_change = changes.diff(conn, SALES.name, Sales, ("business_plan_id", "year", "is_baseline"), known_rows)
    for r in sales:
        if r["codigo_pn"] not in plan_ids:
            row = {"business_plan_id": PENDING, "year": int(r["anio"]), "is_baseline": bool(r["linea_base"]),
                   "amount_cop": int(r["ventas_cop"])}
            sales_change.inserts.append(row)
            waiting_plan.append((row, r["codigo_pn"]))
    for row in sales_change.inserts:  # an update keeps the date the year's sales were first known
        row["registered_on"] = known_on

    def write_later(session: Session, batch_id: int) -> None:
        _resolve(session, Opr.nit, Opr.id, new_oprs, waiting_opr, "opr_id")
        changes.apply(session, Plan([plan_change]), batch_id)
        new_plans = {code for _, code in waiting_plan}
        _resolve(session, BusinessPlan.code, BusinessPlan.id, {c: c for c in new_plans}, waiting_plan,
                 "business_plan_id")
        changes.apply(session, Plan([ev_insert, sales_change]), batch_id)

    return MatrixPlan(changes=[opr_change, ev_void], then=[write_later],
                      later=[plan_change, ev_insert, sales_change], voided=ev_void)


def _key(values) -> tuple:
    values = list(values)
    values[EV_KEY.index("document_ref")] = values[EV_KEY.index("document_ref")] or ""
    return tuple(values)


def _resolve(session: Session, key_col, id_col, stored_as: dict[str, str], waiting: list[tuple[dict, str]],
             column: str) -> None:
    """Fill ``column`` of the waiting rows with the ids of the rows just written (stored key → file key)."""
    if not waiting:
        return
    ids: dict[str, int] = {}
    for part in chunks(sorted(stored_as)):
        for key, i in session.execute(select(key_col, id_col).where(among(session, key_col, part))):
            ids.setdefault(stored_as[key], i)
    for row, key in waiting:
        row[column] = ids[key]

