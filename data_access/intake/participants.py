"""Store-side checks of the participants: OPR («opr»), households («hogares») and enrolments
(«inscripciones»); the references they share with the route records (stage events and
deliveries, ``data_access.intake.route_records``).

Each check names every reference that does not exist or does not fit — the municipality,
the OPR (by NIT, with or without its check digit), the household, the contract (its route,
its oficina regional, its dates), the enrolment promoted from — by sheet, row and column,
and returns the changes of a valid file. These are territorial records of the programme
register: ``rules.access.IMPORTS`` is asked with the oficina regional of the row's
municipality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from data_access.core.models import (
    ContractService,
    Enrolment,
    Household,
    OperatorContract,
    Opr,
    StageEvent,
    ValueChain,
)
from data_access.core.scope import Viewer
from data_access.intake.changes import Change, Plan, among, chunks, diff, update_rows
from data_access.intake.engine import importer
from data_access.intake.frames import stored_frame
from data_access.intake.rows import municipality_in_scope, municipality_offices, problem, records
from rules.alliance.matrix_cells import nit_base
from rules.core.calendar import quarter_of
from rules.core.catalog import ROUTE_ORDER, YOUTH_AGE_RANGE, services_for_route
from rules.core.nit import format_nit
from rules.intake import sheets as S
from rules.intake.cells import value_key
from rules.intake.problems import Problem
from rules.routes.model import (
    EVAL_VIABILIDAD,
    EXIT_OUTCOMES,
    NO_VIABLE,
    STAGE_LABELS,
    entry_problem,
    route_model,
    validate_history,
)
from rules.routes.progress import ACTIVE, START

PROMOTION = "promocion"

# ------------------------------------------------------------------ shared references


def contract_map(conn: Connection) -> dict[str, dict]:
    """Contract code → id, operator, route, office, dates and the services it offers: those
    listed in ``contract_service``, or every service of its route when none is listed (as the
    delivery form reads them)."""
    c = OperatorContract
    listed: dict[int, set[str]] = {}
    for cid, service in conn.execute(select(ContractService.contract_id, ContractService.service_type_code)):
        listed.setdefault(cid, set()).add(service)
    out = {}
    for r in conn.execute(select(c.code, c.id, c.operator_id, c.route, c.regional_office_id, c.start_date,
                                 c.end_date)):
        out[r.code] = {"code": r.code, "id": r.id, "operator_id": r.operator_id, "route": r.route,
                       "office": r.regional_office_id, "start": r.start_date, "end": r.end_date,
                       "services": listed.get(r.id) or set(services_for_route(r.route))}
    return out


def _lookup(conn: Connection, key, value, keys: Iterable) -> dict:
    """``{key: value}`` of the stored rows whose ``key`` is among ``keys`` (chunked IN lists)."""
    found: dict = {}
    for part in chunks(list(dict.fromkeys(k for k in keys if k is not None))):
        found.update(conn.execute(select(key, value).where(among(conn, key, part))).all())
    return found


def _oprs_by_nit(conn: Connection, nits: Iterable[str | None], names: dict | None = None) -> dict[str, int]:
    """NIT base (without its check digit) → id of the stored OPR, as the tracking matrix matches
    them: a NIT stored with or without its check digit is the same organisation (the oldest
    record when two share a base). ``names`` receives each one's name."""
    found: dict[str, int] = {}
    bases = list(dict.fromkeys(nit_base(n) for n in nits if n))
    for part in chunks(bases):
        candidates = list(part) + [format_nit(b) for b in part if b.isdigit()]
        for oid, nit, name in conn.execute(select(Opr.id, Opr.nit, Opr.name).where(among(conn, Opr.nit, candidates))
                                           .order_by(Opr.id)):
            if found.setdefault(nit_base(nit), oid) == oid and names is not None:
                names[oid] = name
    return found


def _completed_nits(frame) -> dict[int, str]:
    """Row → NIT as written, of the rows whose NIT came without its check digit (the reader's
    notes, which the engine attaches to the frame)."""
    if frame is None:
        return {}
    return {n.row: n.value for n in frame.attrs.get("notes") or () if n.column == "nit_opr"}


def column_length(model_column) -> int | None:
    return getattr(model_column.type, "length", None)


def _too_long(sheet: S.Sheet, r: dict, limits: dict[str, int | None], problems: list[Problem]) -> bool:
    bad = False
    for column, limit in limits.items():
        value = r.get(column)
        if limit and value is not None and len(str(value)) > limit:
            problems.append(problem(sheet, r, column, f"Tiene {len(str(value))} caracteres y el máximo es {limit}: "
                                                      "abrévielo."))
            bad = True
    return bad


def _unknown_opr(nit: str) -> str:
    return (f"La OPR con NIT {nit} no está registrada: cárguela antes en la hoja «opr» o revise el NIT "
            "(con su dígito de verificación).")


def stored_events(conn: Connection, enrolment_ids: Sequence[int]) -> pd.DataFrame:
    """The stored stage events of ``enrolment_ids`` (one row each)."""
    e = StageEvent
    return stored_frame(conn, (e.id, e.enrolment_id, e.stage, e.event_date, e.outcome, e.registered_on,
                               e.registered_by, e.note), e.enrolment_id, map(int, enrolment_ids),
                        ints=("id", "enrolment_id"))


def event_rounds(events: pd.DataFrame) -> np.ndarray:
    """Per event row (``enrolment_id``, ``stage``, ``outcome``, ``event_date``), its viability
    round (``rules.routes.model.history_rounds``) by whole columns: only the enrolments with a
    «no viable» evaluation are compared."""
    out = np.zeros(len(events), dtype=np.int64)
    failed = (events["stage"] == EVAL_VIABILIDAD) & (events["outcome"] == NO_VIABLE)
    if not failed.any():
        return out
    nv = events.loc[failed, ["enrolment_id", "event_date"]].rename(columns={"event_date": "failed_on"})
    mine = events[["enrolment_id", "event_date"]].assign(at=np.arange(len(events)))
    mine = mine[mine["enrolment_id"].isin(nv["enrolment_id"])].merge(nv, on="enrolment_id")
    after = mine[mine["failed_on"] < mine["event_date"]].groupby("at").size()
    out[after.index.to_numpy()] = after.to_numpy()
    return out


# ------------------------------------------------------------------ OPR


@importer("opr")
def check_opr(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.OPR
    given = records(frames.get(sheet.name))
    offices = municipality_offices(conn)
    chains = {value_key(name): cid for cid, name in conn.execute(select(ValueChain.id, ValueChain.name))}
    chain_names = ", ".join(sorted(n for (n,) in conn.execute(select(ValueChain.name))))
    names: dict[int, str] = {}
    stored = _oprs_by_nit(conn, [r["nit_opr"] for r in given], names)
    completed = _completed_nits(frames.get(sheet.name))
    limits = {"nombre": column_length(Opr.name), "forma_organizativa": column_length(Opr.formalisation)}
    known, new = [], []
    for r in given:
        before = len(problems)
        municipality_in_scope(sheet, r, viewer, offices, problems)
        owner = names.get(stored.get(nit_base(r["nit_opr"])))
        if r["_row"] in completed and owner is not None and value_key(owner) != value_key(r["nombre"]):
            # without its check digit a NIT cannot be verified: naming another OPR, it is more likely mistyped
            problems.append(problem(sheet, r, "nit_opr", f"«{completed[r['_row']]}» (sin dígito de verificación, "
                                                         f"{r['nit_opr']}) es el NIT de la OPR «{owner}» ya "
                                                         f"registrada, no de «{r['nombre']}»: revise el NIT, o "
                                                         "escríbalo con su dígito de verificación si la OPR cambió "
                                                         "de nombre."))
        _too_long(sheet, r, limits, problems)
        chain = r.get("cadena_valor")
        if chain and value_key(chain) not in chains:
            problems.append(problem(sheet, r, "cadena_valor", f"«{chain}» no es una cadena de valor del catálogo: "
                                                              f"use una de {chain_names}."))
        if len(problems) > before:
            continue
        row = {"nit": r["nit_opr"], "name": r["nombre"], "municipality_code": r["cod_municipio"],
               "value_chain_id": chains[value_key(chain)] if chain else None,
               "members": int(r["asociados"] or 0), "formalised": bool(r["formalizada"]),
               "formalisation": r.get("forma_organizativa") or "colectivo", "created_on": r.get("fecha_constitucion")}
        oid = stored.get(nit_base(r["nit_opr"]))
        if oid is None:
            new.append(row)
        else:
            known.append({"id": oid, **row})
    if problems:
        return Plan()
    change = diff(conn, sheet.name, Opr, ("id",), known)
    change.inserts.extend(new)
    return Plan([change])


# ------------------------------------------------------------------ households


def _youth(age: int) -> bool:
    low, high = YOUTH_AGE_RANGE
    return low <= age <= high


@importer("households")
def check_households(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.HOUSEHOLDS
    given = records(frames.get(sheet.name))
    offices = municipality_offices(conn)
    oprs = _oprs_by_nit(conn, [r.get("nit_opr") for r in given])
    limits = {"codigo_hogar": column_length(Household.code), "nombre_jefe": column_length(Household.head_name),
              "documento": column_length(Household.document_id)}
    rows = []
    repeated = _repeated_documents(conn, sheet, given)
    for r in given:
        before = len(problems)
        municipality_in_scope(sheet, r, viewer, offices, problems)
        _too_long(sheet, r, limits, problems)
        if r["_row"] in repeated:
            problems.append(problem(sheet, r, "documento", repeated[r["_row"]]))
        nit = r.get("nit_opr")
        if nit and nit_base(nit) not in oprs:
            problems.append(problem(sheet, r, "nit_opr", _unknown_opr(nit)))
        if len(problems) > before:
            continue
        rows.append({"code": r["codigo_hogar"], "head_name": r["nombre_jefe"], "document_id": r["documento"],
                     "municipality_code": r["cod_municipio"], "sex": r["sexo"], "age": int(r["edad"]),
                     "youth": _youth(int(r["edad"])), "ethnicity": r["etnia"], "victim": bool(r["victima"]),
                     "opr_id": oprs[nit_base(nit)] if nit else None, "registered_on": r["fecha_registro"]})
    if problems:
        return Plan()
    return Plan([diff(conn, sheet.name, Household, ("code",), rows)])


def _repeated_documents(conn: Connection, sheet: S.Sheet, given: list[dict]) -> dict[int, str]:
    """Row → message, for a head of household's document already held by another household:
    earlier in the file, or stored under another code that the file does not move elsewhere."""
    out: dict[int, str] = {}
    first: dict[str, dict] = {}
    for r in given:
        seen = first.setdefault(r["documento"], r)
        if seen["codigo_hogar"] != r["codigo_hogar"]:
            out[r["_row"]] = (f"El documento {r['documento']} ya figura en la fila {seen['_row']} con el hogar "
                              f"{seen['codigo_hogar']}: un jefe de hogar se registra una sola vez; deje un solo "
                              "código de hogar para esa persona o corrija el documento.")
    in_file = {r["codigo_hogar"]: r["documento"] for r in given}
    stored = _lookup(conn, Household.document_id, Household.code, first)
    for r in given:
        doc, holder = r["documento"], stored.get(r["documento"])
        moved = in_file.get(holder, doc) != doc  # the file gives that household another document
        if r["_row"] not in out and holder and holder != r["codigo_hogar"] and not moved:
            out[r["_row"]] = (f"El documento {r['documento']} ya está registrado con el hogar {holder}: un jefe de "
                              "hogar se registra una sola vez; use ese código de hogar o corrija el documento.")
    return out


# ------------------------------------------------------------------ enrolments

ENROLMENT_INFO = (Enrolment.id, Enrolment.code, Enrolment.participant_kind, Enrolment.household_id, Enrolment.opr_id,
                  Enrolment.route, Enrolment.entry_date, Enrolment.municipality_code, Enrolment.contract_id,
                  Enrolment.operator_id, Enrolment.current_stage, Enrolment.furthest_stage_order, Enrolment.status,
                  Enrolment.exit_outcome, Enrolment.exit_date, Enrolment.version)


def _stored_enrolments(conn: Connection, codes: Iterable[str]) -> dict[str, dict]:
    """Enrolment code → its stored row (the columns of ``ENROLMENT_INFO``)."""
    found: dict[str, dict] = {}
    for part in chunks(list(dict.fromkeys(c for c in codes if c))):
        for row in conn.execute(select(*ENROLMENT_INFO).where(among(conn, Enrolment.code, part))):
            found[row.code] = row._asdict()
    return found


def _with_events(conn: Connection, enrolment_ids: list[int]) -> set[int]:
    """The enrolments among ``enrolment_ids`` that have stage events."""
    found: set[int] = set()
    for part in chunks(enrolment_ids):
        found.update(conn.execute(select(StageEvent.enrolment_id).where(among(conn, StageEvent.enrolment_id, part))
                                  .distinct()).scalars())
    return found


def _participant(sheet: S.Sheet, r: dict, households: dict[str, int], oprs: dict[str, int],
                 problems: list[Problem]) -> int | None:
    """The id of the household or OPR enrolled: exactly one of codigo_hogar / nit_opr, the one
    of ``tipo_participante``, registered."""
    kind, household, nit = r["tipo_participante"], r.get("codigo_hogar"), r.get("nit_opr")
    own, other = ("codigo_hogar", "nit_opr") if kind == "hogar" else ("nit_opr", "codigo_hogar")
    if r.get(other):
        problems.append(problem(sheet, r, other, f"Una inscripción de tipo «{kind}» no lleva «{other}»: deje la "
                                                 f"columna vacía o cambie «tipo_participante»."))
    if not r.get(own):
        what = "el código del hogar" if kind == "hogar" else "el NIT de la OPR"
        problems.append(problem(sheet, r, own, f"Una inscripción de tipo «{kind}» necesita «{own}»: escriba {what} "
                                               "inscrito."))
        return None
    if kind == "hogar":
        if household not in households:
            problems.append(problem(sheet, r, "codigo_hogar", f"El hogar «{household}» no está registrado: cárguelo "
                                                              "antes en la hoja «hogares» o corrija el código."))
            return None
        return households[household]
    if nit_base(nit) not in oprs:
        problems.append(problem(sheet, r, "nit_opr", _unknown_opr(nit)))
        return None
    return oprs[nit_base(nit)]


def _contract_fits(sheet: S.Sheet, r: dict, contract: dict | None, office: int | None,
                   problems: list[Problem]) -> bool:
    """The contract exists, is of the enrolment's route and of the oficina regional of its
    municipality, and was in force on the entry date."""
    code = r["codigo_contrato"]
    if contract is None:
        problems.append(problem(sheet, r, "codigo_contrato", f"El contrato «{code}» no está registrado: cárguelo "
                                                             "antes en la hoja «contratos» o corrija el código."))
        return False
    before = len(problems)
    if contract["route"] != r["ruta"]:
        problems.append(problem(sheet, r, "codigo_contrato", f"El contrato «{code}» es de la ruta "
                                                             f"«{contract['route']}» y la inscripción de la ruta "
                                                             f"«{r['ruta']}»: use un contrato de la ruta de la "
                                                             "inscripción."))
    if office is None or contract["office"] != office:
        problems.append(problem(sheet, r, "codigo_contrato", f"El municipio {r['cod_municipio']} no pertenece a la "
                                                             f"oficina regional del contrato «{code}»: use el contrato "
                                                             "de la oficina que atiende el municipio."))
    day = r["fecha_ingreso"]
    if day < contract["start"] or (contract["end"] is not None and day > contract["end"]):
        start, end = contract["start"].isoformat(), contract["end"].isoformat() if contract["end"] else "vigente"
        problems.append(problem(sheet, r, "fecha_ingreso", f"La fecha de ingreso {day.isoformat()} está fuera de la "
                                                           f"vigencia del contrato «{code}» ({start} a {end}): "
                                                           "corrija la fecha o el contrato."))
    return len(problems) == before


def _open_enrolments(conn: Connection, households: Iterable[int], oprs: Iterable[int]) -> dict[tuple, list[str]]:
    """(participant kind, participant id, route) → codes of its stored open (activo) enrolments."""
    found: dict[tuple, list[str]] = {}
    for kind, column, ids in (("hogar", Enrolment.household_id, households), ("opr", Enrolment.opr_id, oprs)):
        for part in chunks(list(dict.fromkeys(ids))):
            stmt = (select(column, Enrolment.route, Enrolment.code)
                    .where(among(conn, column, part), Enrolment.status == ACTIVE))
            for pid, route, code in conn.execute(stmt):
                found.setdefault((kind, pid, route), []).append(code or "(sin código)")
    return found


class _Enrolments:
    """The rows of an enrolment file once their participants are known, for the checks that
    look across rows: promotions and a second open enrolment of one participant."""

    def __init__(self, sheet: S.Sheet, stored: dict[str, dict], with_events: set[int], problems: list[Problem]):
        self.sheet, self.stored, self.with_events, self.problems = sheet, stored, with_events, problems
        self.rows: dict[str, dict] = {}  # code → file row
        self.household_opr: dict[int, int | None] = {}  # household id → the OPR it belongs to
        self.who: dict[str, tuple[str, int]] = {}  # code → (kind, participant id) of a valid row

    def is_open(self, code: str) -> bool:
        stored = self.stored.get(code)
        return stored is None or stored["status"] == ACTIVE

    def previous(self, r: dict) -> tuple[int | None, str | None]:
        """(stored id, code of a new enrolment of this file) of the enrolment promoted from."""
        code, prev = r["codigo_inscripcion"], r.get("inscripcion_anterior")
        promoted = r["mecanismo_ingreso"] == PROMOTION
        if promoted and not prev:
            self._say(r, "inscripcion_anterior", "Una inscripción por promoción necesita «inscripcion_anterior»: "
                                                 "escriba el código de la inscripción de la ruta anterior de la que "
                                                 "se graduó.")
        if prev and not promoted:
            self._say(r, "mecanismo_ingreso", f"Tiene «inscripcion_anterior» ({prev}) pero el mecanismo es "
                                              f"«{r['mecanismo_ingreso']}»: una promoción usa el mecanismo "
                                              "«promocion»; corrija el mecanismo o deje vacía «inscripcion_anterior».")
        if not prev or not promoted:
            return None, None
        position = ROUTE_ORDER.index(r["ruta"])
        if position == 0:
            self._say(r, "inscripcion_anterior", f"La ruta «{r['ruta']}» es la primera: no hay promoción hacia ella; "
                                                 "use otro mecanismo de ingreso.")
            return None, None
        if prev == code:
            self._say(r, "inscripcion_anterior", "Una inscripción no puede ser su propia inscripción anterior: "
                                                 "escriba la de la ruta anterior.")
            return None, None
        in_file, stored = self.rows.get(prev), self.stored.get(prev)
        if in_file is None and stored is None:
            self._say(r, "inscripcion_anterior", f"La inscripción anterior «{prev}» no existe: cárguela en este "
                                                 "archivo o antes, o corrija el código.")
            return None, None
        if in_file is not None:
            if prev not in self.who:
                return None, None  # its own row is wrong and says so
            who, route, entry = self.who[prev], in_file["ruta"], in_file["fecha_ingreso"]
        else:
            who = (stored["participant_kind"], stored["household_id"] or stored["opr_id"])
            route, entry = stored["route"], stored["entry_date"]
        expected = ROUTE_ORDER[position - 1]
        if who != self.who[code] and not self._joined(who, self.who[code]):
            self._say(r, "inscripcion_anterior", f"La inscripción anterior «{prev}» es de otro participante: una "
                                                 "promoción continúa la del mismo hogar u OPR (o, de intermedia a "
                                                 "competitividad, la de un hogar de esa OPR); corrija el código.")
        elif route != expected:
            self._say(r, "inscripcion_anterior", f"La inscripción anterior «{prev}» es de la ruta «{route}»: una "
                                                 f"promoción a «{r['ruta']}» viene de la ruta «{expected}».")
        elif stored is not None:
            self._graduated(r, prev, stored)
        elif entry > r["fecha_ingreso"]:
            self._say(r, "fecha_ingreso", f"La fecha de ingreso {r['fecha_ingreso'].isoformat()} es anterior al "
                                          f"ingreso de la inscripción anterior «{prev}» ({entry.isoformat()}): "
                                          "corrija la fecha.")
        return (stored["id"], None) if stored is not None else (None, prev)

    def _joined(self, previous: tuple[str, int], promoted: tuple[str, int]) -> bool:
        """A household's enrolment continued by the OPR it belongs to (intermedia → competitividad)."""
        return previous[0] == "hogar" and promoted[0] == "opr" and self.household_opr.get(previous[1]) == promoted[1]

    def _graduated(self, r: dict, prev: str, stored: dict) -> None:
        """A stored enrolment promoted from ended with its route's completed exit before the
        promotion's entry. Its state comes from its stage events: one without any yet (its
        history not loaded) is checked when they come (``_promotions_still_fit``)."""
        completed = route_model(stored["route"]).completed_exit
        if stored["status"] == ACTIVE and stored["id"] not in self.with_events:
            return
        if stored["status"] == ACTIVE:
            stage = STAGE_LABELS.get(stored["current_stage"], stored["current_stage"])
            self._say(r, "inscripcion_anterior", f"La inscripción anterior «{prev}» sigue activa (etapa «{stage}»): "
                                                 "solo se promueve a quien terminó graduado; cargue antes su salida en "
                                                 "la hoja «etapas».")
        elif stored["exit_outcome"] != completed:
            outcome = EXIT_OUTCOMES.get(stored["exit_outcome"], stored["exit_outcome"])
            self._say(r, "inscripcion_anterior", f"La inscripción anterior «{prev}» terminó con la salida «{outcome}», "
                                                 "no graduada: solo se promueve a quien terminó graduado; revise el "
                                                 "código o el mecanismo de ingreso.")
        elif stored["exit_date"] is not None and stored["exit_date"] > r["fecha_ingreso"]:
            self._say(r, "fecha_ingreso", f"La fecha de ingreso {r['fecha_ingreso'].isoformat()} es anterior a la "
                                          f"salida graduada de la inscripción anterior «{prev}» "
                                          f"({stored['exit_date'].isoformat()}): corrija la fecha.")

    def second_open(self, r: dict, stored_open: dict[tuple, list[str]], first_row: dict[tuple, dict]) -> None:
        """One open enrolment per participant and route: a new (or still active) enrolment of
        a participant that already has another, in the file or in the store, is a duplicate."""
        code = r["codigo_inscripcion"]
        if not self.is_open(code):
            return
        kind, pid = self.who[code]
        key = (kind, pid, r["ruta"])
        other = first_row.setdefault(key, r)
        if other is not r:
            self._say(r, "codigo_inscripcion", f"El participante ya tiene la inscripción "
                                               f"«{other['codigo_inscripcion']}» en la ruta «{r['ruta']}» (fila "
                                               f"{other['_row']}): un participante tiene una sola inscripción abierta "
                                               "por ruta; quite la fila repetida.")
            return
        elsewhere = [c for c in stored_open.get(key, []) if c != code and c not in self.rows]
        if elsewhere:
            self._say(r, "codigo_inscripcion", f"El participante ya tiene la inscripción abierta «{elsewhere[0]}» en "
                                               f"la ruta «{r['ruta']}»: use ese código para actualizarla, o registre "
                                               "antes su salida en la hoja «etapas».")

    def _say(self, r: dict, column: str, message: str) -> None:
        self.problems.append(problem(self.sheet, r, column, message))


@importer("enrolments")
def check_enrolments(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.ENROLMENTS
    given = records(frames.get(sheet.name))
    offices = municipality_offices(conn)
    contracts = contract_map(conn)
    households = _lookup(conn, Household.code, Household.id, (r.get("codigo_hogar") for r in given))
    oprs = _oprs_by_nit(conn, [r.get("nit_opr") for r in given])
    stored = _stored_enrolments(conn, [*(r["codigo_inscripcion"] for r in given),
                                       *(r.get("inscripcion_anterior") for r in given)])
    promoted_from = [stored[r["inscripcion_anterior"]]["id"] for r in given if r.get("inscripcion_anterior") in stored]
    book = _Enrolments(sheet, stored, _with_events(conn, promoted_from), problems)
    book.rows = {r["codigo_inscripcion"]: r for r in given}
    limits = {"codigo_inscripcion": column_length(Enrolment.code)}
    valid = []
    for r in given:
        before = len(problems)
        pid = _participant(sheet, r, households, oprs, problems)
        kinds = route_model(r["ruta"]).participant_kinds
        if r["tipo_participante"] not in kinds:
            problems.append(problem(sheet, r, "ruta", f"La ruta «{r['ruta']}» no admite participantes de tipo "
                                                      f"«{r['tipo_participante']}» (admite: "
                                                      f"{', '.join(sorted(kinds))}): corrija «ruta» o "
                                                      "«tipo_participante»."))
        elif entry := entry_problem(r["ruta"], r["tipo_participante"], r["mecanismo_ingreso"]):
            problems.append(problem(sheet, r, "mecanismo_ingreso", entry))
        if municipality_in_scope(sheet, r, viewer, offices, problems) and r.get("codigo_contrato"):
            _contract_fits(sheet, r, contracts.get(r["codigo_contrato"]), offices[r["cod_municipio"]], problems)
        _too_long(sheet, r, limits, problems)
        if len(problems) == before:
            book.who[r["codigo_inscripcion"]] = (r["tipo_participante"], pid)
            valid.append(r)
    book.household_opr = _lookup(conn, Household.id, Household.opr_id,
                                 [*(p for k, p in book.who.values() if k == "hogar"),
                                  *(e["household_id"] for e in stored.values() if e["household_id"] is not None)])
    stored_open = _open_enrolments(conn, [p for k, p in book.who.values() if k == "hogar"],
                                   [p for k, p in book.who.values() if k == "opr"])
    first_row: dict[tuple, dict] = {}
    rows, pending = [], {}
    for r in valid:
        before = len(problems)
        previous_id, previous_code = book.previous(r)
        book.second_open(r, stored_open, first_row)
        if len(problems) > before:
            continue
        kind, pid = book.who[r["codigo_inscripcion"]]
        contract = contracts.get(r.get("codigo_contrato") or "")
        if previous_code:
            pending[r["codigo_inscripcion"]] = previous_code
        rows.append({"code": r["codigo_inscripcion"], "participant_kind": kind,
                     "household_id": pid if kind == "hogar" else None, "opr_id": pid if kind == "opr" else None,
                     "route": r["ruta"], "entry_mechanism": r["mecanismo_ingreso"], "entry_date": r["fecha_ingreso"],
                     "cohort_quarter": quarter_of(r["fecha_ingreso"]), "municipality_code": r["cod_municipio"],
                     "operator_id": contract["operator_id"] if contract else None,
                     "contract_id": contract["id"] if contract else None, "previous_enrolment_id": previous_id})
    _moved_histories(conn, sheet, book, rows, problems)
    if problems:
        return Plan()
    change = diff(conn, sheet.name, Enrolment, ("code",), rows)
    for row in change.inserts:
        row.update(START.as_dict())
    plan = Plan([change])
    if pending:
        plan.then.append(_link_promotions(pending, stored, change, plan))
    return plan


def _moved_histories(conn: Connection, sheet: S.Sheet, book: _Enrolments, rows: list[dict],
                     problems: list[Problem]) -> None:
    """A stored enrolment whose route or entry date changes keeps its stage events: they must
    still fit the route model and come on or after the entry."""
    before = {code: (row["route"], row["entry_date"]) for code, row in book.stored.items()}
    moved = {book.stored[r["code"]]["id"]: r for r in rows
             if r["code"] in before and before[r["code"]] != (r["route"], r["entry_date"])}
    if not moved:
        return
    for eid, events in stored_events(conn, list(moved)).groupby("enrolment_id"):
        r = moved[eid]
        line = book.rows[r["code"]]
        events = events.assign(order=[route_model(r["route"]).order(s) for s in events["stage"]],
                               round=event_rounds(events))
        events = events.sort_values(["round", "order", "event_date"])
        early = events[events["event_date"] < r["entry_date"]]
        if len(early):
            first = early.iloc[0]
            problems.append(problem(sheet, line, "fecha_ingreso", f"La inscripción tiene la etapa "
                                    f"«{STAGE_LABELS[first['stage']]}» registrada el "
                                    f"{first['event_date'].isoformat()}, antes de esta fecha de ingreso: corrija la "
                                    "fecha de ingreso."))
        found = validate_history(r["route"], list(zip(events["stage"], events["outcome"], strict=True)))
        if found:
            problems.append(problem(sheet, line, "ruta", f"Las etapas ya registradas de la inscripción no caben en la "
                                                         f"ruta «{r['route']}»: {found[0].message} Corrija la ruta."))


def _link_promotions(pending: dict[str, str], stored: dict[str, dict], change: Change,
                     plan: Plan) -> Callable[[Session, int], None]:
    """After the inserts: point each promotion whose previous enrolment is new in this file
    at that enrolment's id."""
    updated = {u["id"] for u in change.updates}
    for code in pending:
        if code in stored and stored[code]["id"] not in updated:  # counted unchanged, but it changes here
            change.unchanged -= 1
            plan.extra_counts[f"{change.sheet}.update"] = plan.extra_counts.get(f"{change.sheet}.update", 0) + 1

    def link(session: Session, batch_id: int) -> None:
        ids: dict[str, int] = {}
        for part in chunks(list({*pending, *pending.values()})):
            stmt = select(Enrolment.code, Enrolment.id).where(among(session, Enrolment.code, part))
            ids.update(session.execute(stmt).all())
        rows = []
        for code, prev in pending.items():
            row = {"id": ids[code], "previous_enrolment_id": ids[prev], "import_batch_id": batch_id}
            if code in stored and stored[code]["id"] not in updated:
                row["version"] = (stored[code]["version"] or 1) + 1
            rows.append(row)
        for same in ([r for r in rows if "version" in r], [r for r in rows if "version" not in r]):
            if same:
                update_rows(session, Enrolment, same)

    return link


