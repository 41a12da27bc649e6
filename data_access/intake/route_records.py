"""Store-side checks of the route records: stage events («etapas») and service deliveries
(«servicios_prestados»).

Both are contract records: an operador loads them only for enrolments of its own contracts
(``rules.access.IMPORTS`` asked with the operator of the enrolment's contract, and of the
delivery's), and an enrolment it may not see reads exactly like an unknown one.

Stage events: each touched enrolment's whole history — its stored events and the file's —
must follow its route model (``rules.routes.model.validate_history``), start on or after
the entry, and record each stage once; the enrolment's current stage, furthest stage, status
and exit are then derived from it (``rules.routes.progress``), as the stage form does.
Deliveries: the contract (the enrolment's unless named) offers the service, the route allows
it, and the date falls within the contract and the participant's stay.

Both come by the million, so the checks work on whole columns (``data_access.intake.frames``)
and on each distinct history once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from data_access.core.models import Enrolment, ServiceDelivery, StageEvent
from data_access.core.scope import Viewer
from data_access.intake import enrolments as enrolled
from data_access.intake.changes import Change, Plan, among, chunks
from data_access.intake.engine import importer
from data_access.intake.enrolments import known_enrolments, may_load
from data_access.intake.frames import before, differs, fill_blanks, flag, frame_change, plain_records, stored_frame
from data_access.intake.participants import column_length, contract_map, event_rounds, stored_events
from data_access.intake.rows import municipality_offices, problem
from data_access.routes import exit_batch, promotion
from rules.core.catalog import ROUTE_ORDER, SERVICE_TYPES, services_for_route
from rules.core.clock import today
from rules.edit import validation as V
from rules.intake import sheets as S
from rules.intake.problems import MAX_PROBLEMS, Problem
from rules.routes.model import (
    EXIT_OUTCOMES,
    FORMULACION,
    SALIDA,
    STAGE_LABELS,
    STAGE_OUTCOMES,
    route_model,
    validate_history,
)
from rules.routes.progress import ACTIVE, FINISHED, LEFT, START, Progress, advance


def _stored_deliveries(conn: Connection, enrolment_ids: Sequence[int]) -> pd.DataFrame:
    d = ServiceDelivery
    return stored_frame(conn, (d.id, d.enrolment_id, d.service_type_code, d.delivery_date, d.operator_id,
                               d.contract_id, d.municipality_code, d.registered_on), d.enrolment_id,
                        map(int, enrolment_ids), ints=("id", "enrolment_id", "operator_id"))


@lru_cache(maxsize=4096)
def _pattern(route: str, steps: tuple[tuple[str, str | None], ...]) -> tuple[tuple, Progress | None]:
    """(problems, summary) of a history's stages and outcomes; histories repeat, so each
    distinct one is validated and summarised once. The exit date is the caller's."""
    found = validate_history(route, list(steps))
    if found:
        return tuple(found), None
    state = START
    for stage, outcome in steps:
        state = advance(route, state, stage, outcome, None)
    return (), state


@importer("stage-events")
def check_stage_events(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.STAGE_EVENTS
    f = frames.get(sheet.name)
    if f is None or f.empty:
        return Plan()
    m, known = known_enrolments(conn, sheet, f, viewer, problems)
    early = known & before(m["fecha_evento"], m["entry_date"])
    flag(problems, sheet, m, early, "fecha_evento",
          lambda r: f"El evento del {r['fecha_evento'].isoformat()} es anterior al ingreso a la ruta "
                    f"({r['entry_date'].isoformat()}): corrija la fecha del evento o la de ingreso de la inscripción.")
    bare = known & m["resultado"].notna().to_numpy() & ~m["etapa"].isin([*STAGE_OUTCOMES, SALIDA]).to_numpy()
    flag(problems, sheet, m, bare, "resultado",
          lambda r: f"La etapa «{STAGE_LABELS[r['etapa']]}» no lleva resultado: deje vacía la columna (solo llevan "
                    "resultado la evaluación de viabilidad, los requisitos y la salida).")
    limit = column_length(StageEvent.registered_by)
    long = m["registrado_por"].map(lambda v: v is not None and len(v) > limit).to_numpy(dtype=bool)
    flag(problems, sheet, m, long, "registrado_por",
          lambda r: f"Tiene {len(r['registrado_por'])} caracteres y el máximo es {limit}: abrévielo.")
    if problems:
        return Plan()
    m = m.assign(enrolment_id=m["id"].astype("int64"))
    stored = stored_events(conn, m["enrolment_id"].unique().tolist())
    summaries = _histories(sheet, m, stored, problems)
    _promotions_still_fit(conn, sheet, m, summaries, problems)
    promoted = _promotions_asked(conn, sheet, m, summaries, problems)
    if problems:
        return Plan()
    key = ("enrolment_id", "stage", "event_date")
    new = pd.DataFrame({"enrolment_id": m["enrolment_id"], "stage": m["etapa"], "event_date": m["fecha_evento"],
                        "outcome": m["resultado"].astype(object), "registered_on": m["fecha_registro"],
                        "registered_by": m["registrado_por"], "note": m["nota"].astype(object).fillna("")})
    new = fill_blanks(new, stored, key, {"registered_on": today(), "registered_by": viewer.username[:limit]})
    events = frame_change(sheet.name, StageEvent, key, new, stored)
    plan = Plan([events, _summary_change(sheet, m[list(enrolled.ENROLMENT_FRAME)], summaries)])
    exited = [eid for eid, state in summaries.items() if state.status != ACTIVE]
    if exited:
        plan.then.append(_seal_exits(exited, viewer.username))
    if promoted:
        plan.then.append(_promote(promoted, viewer.username, plan))
    return plan


def _histories(sheet: S.Sheet, m: pd.DataFrame, stored: pd.DataFrame,
               problems: list[Problem]) -> dict[int, Progress]:
    """Each touched enrolment's whole history (stored events and the file's, a file row
    replacing the stored event of the same stage and date) against the route model; the
    summary of each valid one."""
    key = ["enrolment_id", "stage", "event_date"]
    mine = pd.DataFrame({"enrolment_id": m["enrolment_id"], "stage": m["etapa"], "event_date": m["fecha_evento"],
                         "outcome": m["resultado"].astype(object), "line": np.arange(len(m))})
    if len(stored):
        rest = stored[key + ["outcome"]].merge(mine[key], on=key, how="left", indicator=True)
        rest = rest.loc[rest["_merge"] == "left_only", key + ["outcome"]].assign(line=-1)
        mine = pd.concat([mine, rest], ignore_index=True)
    order = {s: i for i, s in enumerate(route_model(ROUTE_ORDER[0]).stages)}  # every route orders STAGES alike
    mine = mine.assign(order=mine["stage"].map(order), round=event_rounds(mine))
    mine = mine.sort_values(["enrolment_id", "round", "order", "event_date"], kind="stable")
    _feedback_missing(sheet, m, mine, problems)
    ids = mine["enrolment_id"].to_numpy()
    stages, outcomes = mine["stage"].tolist(), mine["outcome"].where(mine["outcome"].notna(), None).tolist()
    dates, lines, rounds = mine["event_date"].tolist(), mine["line"].tolist(), mine["round"].tolist()
    routes = dict(zip(m["enrolment_id"], m["route"], strict=True))
    file_rows = plain_records(m) if len(m) < 2 * MAX_PROBLEMS else None
    cuts = np.flatnonzero(np.diff(ids)) + 1
    summaries: dict[int, Progress] = {}
    for start, end in zip([0, *cuts.tolist()], [*cuts.tolist(), len(ids)], strict=True):
        eid = int(ids[start])
        steps = tuple(zip(stages[start:end], outcomes[start:end], strict=True))
        found = _repeated(steps, dates[start:end], rounds[start:end])
        backwards = any(dates[i] < dates[i - 1] for i in range(start + 1, end))
        if not found:
            checked, state = _pattern(routes[eid], steps)
            if backwards or checked:
                found = validate_history(routes[eid], list(steps), dates[start:end])
        if found:
            for p in found:
                if len(problems) > MAX_PROBLEMS:
                    break
                problems.append(_history_problem(sheet, m, file_rows, p, stages, dates, lines, start, end))
            continue
        if state.status != ACTIVE:
            state = Progress(state.current_stage, state.furthest_stage_order, state.status, state.exit_outcome,
                             dates[end - 1])
        summaries[eid] = state
    return summaries


def _feedback_missing(sheet: S.Sheet, m: pd.DataFrame, mine: pd.DataFrame, problems: list[Problem]) -> None:
    """A reformulation (a formulación in a later viability round) of the file records in its note
    the feedback given after the «no viable» evaluation (seed 000 §4.1 c)."""
    lines = mine.loc[(mine["line"] >= 0) & (mine["stage"] == FORMULACION) & (mine["round"] > 0), "line"].to_numpy()
    blank = np.zeros(len(m), dtype=bool)
    blank[lines] = m["nota"].iloc[lines].map(lambda v: v is None or pd.isna(v) or not str(v).strip()).to_numpy(bool)
    flag(problems, sheet, m, blank, "nota",
          lambda r: "Una reformulación tras una evaluación «no viable» registra en «nota» la retroalimentación dada al "
                    "participante (qué debe corregir del plan): escríbala.")


def _repeated(steps: tuple, dates: list, rounds: list) -> list:
    """A stage recorded twice (on two dates) in one viability round of a history, as
    ``StageProblem`` s (a reformulation opens a new round: ``rules.routes.model.history_rounds``)."""
    from rules.routes.model import StageProblem

    seen: dict[tuple[int, str], int] = {}
    found = []
    for i, (stage, _) in enumerate(steps):
        if (rounds[i], stage) in seen:
            first = dates[seen[rounds[i], stage]].isoformat()
            found.append(StageProblem(i, stage, f"La etapa «{STAGE_LABELS.get(stage, stage)}» ya está registrada para "
                                                f"esta inscripción el {first}: una etapa se registra una sola vez "
                                                "(la formulación y la evaluación de viabilidad, una vez por "
                                                "reformulación tras un «no viable»); corrija la fecha o quite la "
                                                "fila."))
        else:
            seen[rounds[i], stage] = i
    return found


HISTORY_COLUMNS = {"stage": "etapa", "outcome": "resultado", "event_date": "fecha_evento"}


def _history_problem(sheet: S.Sheet, m: pd.DataFrame, file_rows: list[dict] | None, p, stages: list, dates: list,
                     lines: list, start: int, end: int) -> Problem:
    """A history problem at the file row of its event; an event already stored is named and
    the problem goes to the nearest file row of the same enrolment."""
    at = start + p.position
    message = p.message
    if lines[at] < 0:
        message = (f"Con la etapa ya registrada «{STAGE_LABELS.get(stages[at], stages[at])}» del "
                   f"{dates[at].isoformat()}: {message}")
        candidates = [i for i in range(start, end) if lines[i] >= 0]
        at = min(candidates, key=lambda i: abs(i - at))
    row = file_rows[lines[at]] if file_rows is not None else plain_records(m.iloc[[lines[at]]])[0]
    return problem(sheet, row, HISTORY_COLUMNS[p.field], message)


def _promotions_still_fit(conn: Connection, sheet: S.Sheet, m: pd.DataFrame, summaries: dict[int, Progress],
                          problems: list[Problem]) -> None:
    """An enrolment someone was promoted from must end graduated, before that promotion's
    entry: a file may not turn it into a loss or move its exit after the promotion."""
    touched = list(summaries)
    promoted: list = []
    for part in chunks(touched):
        promoted += conn.execute(select(Enrolment.previous_enrolment_id, Enrolment.code, Enrolment.entry_date)
                                 .where(among(conn, Enrolment.previous_enrolment_id, part))).all()
    if not promoted:
        return
    line = dict(zip(m["enrolment_id"], np.arange(len(m)), strict=True))  # the last file row of each enrolment
    for prev, code, entry in promoted:
        state = summaries[prev]
        if state.status == LEFT:
            message = (f"La inscripción «{code or '(sin código)'}» fue promovida desde esta inscripción, que con este "
                       f"archivo termina en «{EXIT_OUTCOMES.get(state.exit_outcome, state.exit_outcome)}»: solo se "
                       "promueve a quien terminó graduado; revise la salida.")
        elif state.status == FINISHED and state.exit_date is not None and state.exit_date > entry:
            message = (f"La salida del {state.exit_date.isoformat()} es posterior al ingreso de la inscripción "
                       f"«{code or '(sin código)'}» promovida desde esta ({entry.isoformat()}): corrija la fecha.")
        else:
            continue
        problems.append(problem(sheet, plain_records(m.iloc[[line[prev]]])[0], "etapa", message))


PROMOTION_INFO = (Enrolment.id, Enrolment.route, Enrolment.participant_kind, Enrolment.household_id, Enrolment.opr_id,
                  Enrolment.municipality_code, Enrolment.operator_id)


def _promotions_asked(conn: Connection, sheet: S.Sheet, m: pd.DataFrame, summaries: dict[int, Progress],
                      problems: list[Problem]) -> dict[int, tuple[str, dt.date]]:
    """Enrolment id → (outcome, exit date) of the rows marked «promover» still to promote: each is
    its enrolment's completed exit and may be promoted (``data_access.routes.promotion.plan``)."""
    asked = m["promover"].fillna(False).astype(bool).to_numpy()
    if not asked.any():
        return {}
    rows = m.loc[asked]
    info = {r.id: r for part in chunks(rows["enrolment_id"].unique().tolist())
            for r in conn.execute(select(*PROMOTION_INFO).where(among(conn, Enrolment.id, part)))}
    out: dict[int, tuple[str, dt.date]] = {}
    for line in plain_records(rows):
        eid, state = int(line["enrolment_id"]), summaries.get(int(line["enrolment_id"]))
        if line["etapa"] != SALIDA or state is None or state.exit_outcome != line["resultado"]:
            problems.append(problem(sheet, line, "promover", "Solo se promueve en la fila de la salida graduada de "
                                                             "la inscripción: deje vacía «promover» en las demás "
                                                             "filas."))
            continue
        try:
            target = promotion.plan(conn, info[eid], line["resultado"], line["fecha_evento"])
        except promotion.PromotionRefused as exc:
            problems.append(problem(sheet, line, "promover", str(exc)))
            continue
        if target is not None:  # None: promoted already (a file loaded again)
            out[eid] = (line["resultado"], line["fecha_evento"])
    return out


def _seal_exits(exited: list[int], by: str) -> Callable[[Session, int], None]:
    """After the writes: seal the exit record of each enrolment that has left its route and has
    none yet, set-wise (``data_access.routes.exit_batch``)."""

    def seal(session: Session, batch_id: int) -> None:
        exit_batch.seal_enrolments(session, exited, by=by, at=dt.datetime.now(dt.UTC).replace(tzinfo=None))

    return seal


def _promote(asked: dict[int, tuple[str, dt.date]], by: str, plan: Plan) -> Callable[[Session, int], None]:
    """After the writes: create the next route's enrolment of each exit marked «promover»
    (exactly once: an enrolment already promoted is left as is), under its row lock."""
    plan.extra_counts["promociones.insert"] = len(asked)

    def promote(session: Session, batch_id: int) -> None:
        created = 0
        for eid, (outcome, day) in sorted(asked.items()):
            enr = session.execute(select(Enrolment).where(Enrolment.id == eid).with_for_update()).scalar_one()
            target = promotion.plan(session, enr, outcome, day, lock=True)
            if target is not None:
                promotion.create(session, target, by=by, registered_on=today(), batch_id=batch_id)
                created += 1
        plan.extra_counts["promociones.insert"] = created

    return promote


def _summary_change(sheet: S.Sheet, enrolments: pd.DataFrame, summaries: dict[int, Progress]) -> Change:
    """The enrolments whose current stage, furthest stage, status or exit the history changes."""
    change = Change(f"{sheet.name}.inscripciones", Enrolment)
    if not summaries:
        return change
    columns = list(START.as_dict())
    now = pd.DataFrame.from_records([(eid, *s.as_dict().values()) for eid, s in summaries.items()],
                                    columns=["id", *columns])
    old = enrolments.reset_index(drop=True).drop_duplicates("id").set_index("id")
    old = old.loc[now["id"].to_numpy()]
    changed_rows = np.zeros(len(now), dtype=bool)
    for c in columns:
        changed_rows |= differs(now[c], old[c])
    changed = now.loc[changed_rows].astype(object)
    changed["id"] = changed["id"].astype("int64")
    changed["furthest_stage_order"] = changed["furthest_stage_order"].astype("int64")
    changed["version"] = old.loc[changed["id"].to_numpy(), "version"].fillna(1).astype("int64").to_numpy() + 1
    change.updates = plain_records(changed)
    change.unchanged = int((~changed_rows).sum())
    return change


@importer("deliveries")
def check_deliveries(conn: Connection, frames: dict, viewer: Viewer, problems: list[Problem]) -> Plan:
    sheet = S.DELIVERIES
    f = frames.get(sheet.name)
    if f is None or f.empty:
        return Plan()
    national = enrolled.national(viewer, sheet.entity)
    contracts = contract_map(conn)
    by_id = {c["id"]: c for c in contracts.values()}
    offices = municipality_offices(conn)
    m, known = known_enrolments(conn, sheet, f, viewer, problems)
    given = m["codigo_contrato"].map(lambda c: contracts[c]["id"] if c in contracts else None)
    named = m["codigo_contrato"].notna().to_numpy()
    unknown = known & named & given.isna().to_numpy()
    flag(problems, sheet, m, unknown, "codigo_contrato", lambda r: _unknown_contract(r["codigo_contrato"], national))
    contract = given.where(named, m["contract_id"]).map(lambda c: by_id.get(int(c)) if pd.notna(c) else None)
    none = known & ~named & contract.isna().to_numpy()
    flag(problems, sheet, m, none, "codigo_contrato",
          lambda r: f"La inscripción «{r['codigo_inscripcion']}» no tiene contrato: escriba en «codigo_contrato» el "
                    "contrato con el que se prestó el servicio.")
    m = m.assign(contract=contract)
    rows = m.loc[known & ~unknown & ~none]
    problems += _delivery_problems(sheet, rows, viewer, national, offices)
    if problems:
        return Plan()
    key = ("enrolment_id", "service_type_code", "delivery_date")
    new = pd.DataFrame({"enrolment_id": rows["id"].astype("int64"), "service_type_code": rows["servicio"],
                        "delivery_date": rows["fecha_entrega"],
                        "operator_id": rows["contract"].map(lambda c: c["operator_id"]).astype("int64"),
                        "contract_id": rows["contract"].map(lambda c: c["id"]).astype("int64"),
                        "municipality_code": rows["municipality_code"], "registered_on": rows["fecha_registro"]})
    stored = _stored_deliveries(conn, new["enrolment_id"].unique().tolist())
    new = fill_blanks(new, stored, key, {"registered_on": today()})
    return Plan([frame_change(sheet.name, ServiceDelivery, key, new, stored)])


def _unknown_contract(code: str, national: bool) -> str:
    if national:
        return f"El contrato «{code}» no está registrado: cárguelo antes en la hoja «contratos» o corrija el código."
    return (f"El contrato «{code}» no es uno de sus contratos: un operador solo carga registros de sus propios "
            "contratos; revise el código o quite la fila.")


def _delivery_problems(sheet: S.Sheet, rows: pd.DataFrame, viewer: Viewer, national: bool,
                       offices: dict[str, int | None]) -> list[Problem]:
    """The delivery's contract is the uploader's, of the enrolment's route and office, offers
    the service (which the route allows), and was in force on a date within the stay."""
    out: list[Problem] = []
    operators = rows["contract"].map(lambda c: c["operator_id"])
    foreign = ~may_load(viewer, sheet.entity, operators)
    flag(out, sheet, rows, foreign, "codigo_contrato", lambda r: _unknown_contract(r["codigo_contrato"], national))
    other = ~foreign & (rows["contract"].map(lambda c: c["id"]).to_numpy() != rows["contract_id"].to_numpy())
    misfit = other & np.array([c["route"] != route or c["office"] != offices.get(muni)
                               for c, route, muni in zip(rows["contract"], rows["route"], rows["municipality_code"],
                                                         strict=True)], dtype=bool)
    flag(out, sheet, rows, misfit, "codigo_contrato",
          lambda r: f"El contrato «{r['codigo_contrato']}» no atiende esta inscripción: es de la ruta "
                    f"«{r['contract']['route']}» o de otra oficina regional; deje vacía la columna para usar el "
                    "contrato de la inscripción o escriba uno de su ruta y oficina.")
    ok = ~foreign & ~misfit
    off_route = ok & np.array([s not in services_for_route(route) for s, route in
                               zip(rows["servicio"], rows["route"], strict=True)], dtype=bool)
    flag(out, sheet, rows, off_route, "servicio",
          lambda r: f"El servicio «{SERVICE_TYPES[r['servicio']]}» no se presta en la ruta «{r['route']}»: use uno de "
                    f"{', '.join(services_for_route(r['route']))}.")
    unoffered = ok & ~off_route & np.array([s not in c["services"] for s, c in
                                            zip(rows["servicio"], rows["contract"], strict=True)], dtype=bool)
    flag(out, sheet, rows, unoffered, "servicio",
          lambda r: f"El servicio «{SERVICE_TYPES[r['servicio']]}» no está en el contrato «{r['contract']['code']}» "
                    f"(servicios: {', '.join(sorted(r['contract']['services']))}): corrija el servicio o agréguelo "
                    "al contrato en la hoja «contratos».")
    dated = ok & _outside(rows)
    flag(out, sheet, rows, dated, "fecha_entrega", _date_message)
    return out


def _outside(rows: pd.DataFrame) -> np.ndarray:
    """Rows whose delivery date falls outside the contract or the stay, by whole columns (the
    message of each comes from ``rules.edit.validation.delivery_date_errors``)."""
    day = rows["fecha_entrega"]
    start = rows["contract"].map(lambda c: c["start"])
    end = rows["contract"].map(lambda c: c["end"])
    return before(day, start) | before(end, day) | before(day, rows["entry_date"]) | before(rows["exit_date"], day)


def _date_or_none(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else value


def _date_message(r: dict) -> str:
    c = r["contract"]
    errors = V.delivery_date_errors(r["fecha_entrega"], c["start"], c["end"], r["entry_date"],
                                    _date_or_none(r["exit_date"]))
    return " ".join(e.message for e in errors)
