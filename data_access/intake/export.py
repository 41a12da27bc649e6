"""Every intake sheet read back out of the store for ``tablero export data``, scoped for a Viewer.

Each sheet of ``rules.intake.sheets`` has one scoped SELECT whose columns are the sheet's
declared columns holding stored values (catalogue codes, ints, dates, bools, a tuple for a
LIST, None for blank), so the files that ``exports.intake_workbook`` writes from them load
again with ``tablero import all`` and change nothing. The rows stream in chunks (``yield_per``:
server-side cursors on PostgreSQL), since a national store holds millions of stage events.

Scope is the default-deny scope of ``data_access.core.scope``: national roles see every row,
a comité the records of its oficina regional's municipalities, an operador those of its own
contracts; a sheet holding personal data (``hogares``) goes only to viewers allowed to read
personal data, the others get a note instead. References follow the natural keys of the
sheets: operators and contracts by code, OPR by NIT, households by code, alerts and
enrolments by ``code`` — or, for rows stored without one (the demo, the edit forms), by a
stable fallback from their id (``AL-000123``, ``INS-000456``) that ``inscripcion_anterior``
and the stage and delivery sheets use too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import ColumnElement, Select, case, exists, false, func, null, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.orm import aliased

from data_access.core.db import get_engine
from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    ContractService,
    Enrolment,
    Household,
    Municipality,
    Operator,
    OperatorContract,
    Opr,
    RegionalOffice,
    Sales,
    ServiceDelivery,
    SlaDefinition,
    SlaMeasurement,
    StageEvent,
    Target,
    Targeting,
    TerritorialAlert,
    ValueChain,
)
from data_access.core.scope import Viewer, contract_clause, enrolment_route, municipality_clause, record_clause
from data_access.intake import characterisation as characterisation_sheets
from data_access.intake import cofinancing as cofinancing_sheet
from data_access.intake import knowledge as knowledge_sheet
from data_access.intake.codes import ALERT_PREFIX, ENROLMENT_PREFIX, fallback_code
from data_access.results.targets import visible_clause as target_clause
from rules import access
from rules.intake import sheets as S

CHUNK = 20_000  # rows per streamed frame


class ExportPermissionError(PermissionError):
    """The viewer may not take data out."""


def _codes(codes: pd.Series, ids: pd.Series, prefix: str) -> pd.Series:
    """Stored codes, the id's fallback where a row has none (and None where there is no row)."""
    out = []
    for code, ident in zip(codes.tolist(), ids.tolist(), strict=True):
        if code not in (None, ""):
            out.append(code)
        elif ident is None:  # no row (an outer join found none)
            out.append(None)
        else:
            out.append(fallback_code(prefix, ident))
    return pd.Series(out, index=codes.index, dtype=object)


# ------------------------------------------------------------------ scope
def _known(viewer: Viewer) -> ColumnElement[bool]:
    """Catalogues (ANS definitions) any role with a scope may see."""
    return true() if viewer.is_national or viewer.is_regional or viewer.is_operator or viewer.is_route else false()


def _plan_clause(viewer: Viewer, plan=BusinessPlan) -> ColumnElement[bool]:
    """The alliance page's scope of a business plan: its municipality, or its PSDE for an operador."""
    return record_clause(viewer, plan.municipality_code, plan.psde_operator_id, enrolment_route(plan.enrolment_id))


def _enrolment_clause(viewer: Viewer, enrolment=Enrolment) -> ColumnElement[bool]:
    return record_clause(viewer, enrolment.municipality_code, enrolment.operator_id, enrolment.route)


def _participant_clause(viewer: Viewer, municipality_col, *links: ColumnElement[bool]) -> ColumnElement[bool]:
    """A household or OPR: its own municipality in the viewer's territory, or one of its
    enrolments or plans in the viewer's scope (an operador knows its participants)."""
    if viewer.is_national:
        return true()
    return or_(municipality_clause(viewer, municipality_col), *links)


# ------------------------------------------------------------------ one SELECT per sheet
def _operators(viewer: Viewer) -> Select:
    OP = Operator
    stmt = select(OP.code.label("codigo_operador"), OP.name.label("nombre"), OP.nit.label("nit"),
                  OP.is_psde.label("es_psde")).order_by(OP.code)
    if not viewer.is_national:
        stmt = stmt.where(or_(
            OP.id.in_(select(OperatorContract.operator_id).where(contract_clause(viewer))),
            OP.id.in_(select(BusinessPlan.psde_operator_id).where(_plan_clause(viewer))),
        ))
    return stmt


def _offices(viewer: Viewer) -> Select:
    M, RO = Municipality, RegionalOffice
    return (select(M.code.label("cod_municipio"), RO.code.label("oficina_regional"),
                   RO.name.label("nombre_oficina"))
            .join(RO, RO.id == M.regional_office_id)
            .where(municipality_clause(viewer, M.code, route_neutral=True))
            .order_by(M.code))


def _contracts(viewer: Viewer) -> Select:
    C, OP, RO = OperatorContract, Operator, RegionalOffice
    return (select(C.code.label("codigo_contrato"), OP.code.label("codigo_operador"), C.route.label("ruta"),
                   RO.code.label("oficina_regional"), C.start_date.label("fecha_inicio"),
                   C.end_date.label("fecha_fin"), C.value_cop.label("valor_cop"), C.id.label("_id"))
            .join(OP, OP.id == C.operator_id)
            .join(RO, RO.id == C.regional_office_id)
            .where(contract_clause(viewer))
            .order_by(C.code))


def _contract_services(conn: Connection, viewer: Viewer) -> dict:
    rows = conn.execute(select(ContractService.contract_id, ContractService.service_type_code)
                        .join(OperatorContract, OperatorContract.id == ContractService.contract_id)
                        .where(contract_clause(viewer))
                        .order_by(ContractService.contract_id, ContractService.service_type_code))
    services: dict[int, tuple[str, ...]] = {}
    for contract_id, service in rows:
        services[contract_id] = (*services.get(contract_id, ()), service)
    return services


def _with_services(frame: pd.DataFrame, services: dict) -> pd.DataFrame:
    frame["servicios"] = [services.get(i, ()) for i in frame["_id"].tolist()]
    return frame


def _sla_definitions(viewer: Viewer) -> Select:
    D = SlaDefinition
    return (select(D.code.label("codigo_ans"), D.route.label("ruta"), D.service_type_code.label("servicio"),
                   D.name.label("nombre"), D.description.label("descripcion"), D.kind.label("tipo"),
                   D.derived_key.label("clave_derivada"), D.unit.label("unidad"), D.target.label("meta"),
                   D.direction.label("direccion"), D.tolerance.label("tolerancia"), D.weight.label("peso"),
                   D.frequency.label("frecuencia"))
            .where(_known(viewer), D.route == viewer.route if viewer.is_route else true())
            .order_by(D.code))


def _sla_reports(viewer: Viewer) -> Select:
    M, D, C = SlaMeasurement, SlaDefinition, OperatorContract
    return (select(D.code.label("codigo_ans"), C.code.label("codigo_contrato"), M.quarter.label("trimestre"),
                   M.value.label("valor"), M.evidence_ref.label("soporte"), M.reported_on.label("fecha_reporte"))
            .join(D, D.id == M.definition_id)
            .join(C, C.id == M.contract_id)
            .where(contract_clause(viewer))
            .order_by(C.code, D.code, M.quarter))


def _targeting(viewer: Viewer) -> Select:
    T = Targeting
    return (select(T.municipality_code.label("cod_municipio"), T.year.label("anio"),
                   T.prioritised.label("priorizado"), T.target_population.label("poblacion_objetivo"),
                   T.score_poverty.label("puntaje_pobreza"), T.score_rurality.label("puntaje_ruralidad"),
                   T.score_victims.label("puntaje_victimas"), T.score_productive.label("puntaje_productivo"),
                   T.total_score.label("puntaje_total"))
            .where(municipality_clause(viewer, T.municipality_code, route_neutral=True))
            .order_by(T.municipality_code, T.year))


def _targets(viewer: Viewer) -> Select:
    T = Target
    return (select(T.indicator.label("indicador"), T.year.label("anio"),
                   case((T.quarter == 0, None), else_=T.quarter).label("trimestre"), T.level.label("nivel"),
                   T.territory_code.label("codigo_territorio"), T.value.label("meta"))
            .where(target_clause(viewer))
            .order_by(T.indicator, T.year, T.quarter, T.level, T.territory_code))


def _alerts(viewer: Viewer) -> Select:
    A = TerritorialAlert
    return (select(A.code.label("codigo_alerta"), A.id.label("_id"), A.municipality_code.label("cod_municipio"),
                   A.category.label("categoria"), A.severity.label("severidad"), A.status.label("estado"),
                   A.description.label("descripcion"), A.opened_on.label("fecha_apertura"),
                   A.closed_on.label("fecha_cierre"))
            .where(municipality_clause(viewer, A.municipality_code, route_neutral=True))
            .order_by(A.id))


def _alert_codes(frame: pd.DataFrame, _maps) -> pd.DataFrame:
    frame["codigo_alerta"] = _codes(frame["codigo_alerta"], frame["_id"], ALERT_PREFIX)
    return frame


def _opr(viewer: Viewer) -> Select:
    return (select(Opr.nit.label("nit_opr"), Opr.name.label("nombre"), Opr.municipality_code.label("cod_municipio"),
                   ValueChain.name.label("cadena_valor"), Opr.members.label("asociados"),
                   Opr.formalised.label("formalizada"), Opr.formalisation.label("forma_organizativa"),
                   Opr.created_on.label("fecha_constitucion"))
            .outerjoin(ValueChain, ValueChain.id == Opr.value_chain_id)
            .where(_participant_clause(
                viewer, Opr.municipality_code,
                exists().where(Enrolment.opr_id == Opr.id, _enrolment_clause(viewer)),
                exists().where(BusinessPlan.opr_id == Opr.id, _plan_clause(viewer))))
            .order_by(Opr.id))


def _households(viewer: Viewer) -> Select:
    H = Household
    return (select(H.code.label("codigo_hogar"), H.head_name.label("nombre_jefe"), H.document_id.label("documento"),
                   H.municipality_code.label("cod_municipio"), H.sex.label("sexo"), H.age.label("edad"),
                   H.ethnicity.label("etnia"), H.victim.label("victima"), Opr.nit.label("nit_opr"),
                   H.registered_on.label("fecha_registro"))
            .outerjoin(Opr, Opr.id == H.opr_id)
            .where(_participant_clause(viewer, H.municipality_code,
                                       exists().where(Enrolment.household_id == H.id, _enrolment_clause(viewer))))
            .order_by(H.id))


def _enrolments(viewer: Viewer) -> Select:
    E, P = Enrolment, aliased(Enrolment)
    return (select(E.code.label("codigo_inscripcion"), E.id.label("_id"), E.participant_kind.label("tipo_participante"),
                   Household.code.label("codigo_hogar"), Opr.nit.label("nit_opr"), E.route.label("ruta"),
                   E.entry_mechanism.label("mecanismo_ingreso"), E.entry_date.label("fecha_ingreso"),
                   E.municipality_code.label("cod_municipio"), OperatorContract.code.label("codigo_contrato"),
                   P.code.label("inscripcion_anterior"), P.id.label("_previous_id"))
            .outerjoin(Household, Household.id == E.household_id)
            .outerjoin(Opr, Opr.id == E.opr_id)
            .outerjoin(OperatorContract, OperatorContract.id == E.contract_id)
            .outerjoin(P, P.id == E.previous_enrolment_id)
            .where(_enrolment_clause(viewer))
            .order_by(E.id))


def _enrolment_codes(frame: pd.DataFrame, _maps) -> pd.DataFrame:
    frame["codigo_inscripcion"] = _codes(frame["codigo_inscripcion"], frame["_id"], ENROLMENT_PREFIX)
    if "inscripcion_anterior" in frame:
        frame["inscripcion_anterior"] = _codes(frame["inscripcion_anterior"], frame["_previous_id"], ENROLMENT_PREFIX)
    return frame


def _stage_events(viewer: Viewer) -> Select:
    E, SE = Enrolment, StageEvent
    return (select(E.code.label("codigo_inscripcion"), E.id.label("_id"), SE.stage.label("etapa"),
                   SE.event_date.label("fecha_evento"), SE.outcome.label("resultado"),
                   SE.registered_on.label("fecha_registro"), SE.registered_by.label("registrado_por"),
                   SE.note.label("nota"), null().label("promover"))
            .join(E, E.id == SE.enrolment_id)
            .where(_enrolment_clause(viewer))
            .order_by(SE.id))


def _deliveries(viewer: Viewer) -> Select:
    """One row per key of the sheet (inscripción, servicio, fecha): the key cannot tell apart two
    deliveries of one service on one day, so those leave as one row (``_n`` counts them)."""
    E, D = Enrolment, ServiceDelivery
    return (select(E.code.label("codigo_inscripcion"), E.id.label("_id"), D.service_type_code.label("servicio"),
                   D.delivery_date.label("fecha_entrega"), func.min(D.contract_id).label("_contract_id"),
                   func.min(D.registered_on).label("fecha_registro"), func.count().label("_n"))
            .join(E, E.id == D.enrolment_id)
            .where(record_clause(viewer, D.municipality_code, D.operator_id, E.route))
            .group_by(E.id, E.code, D.service_type_code, D.delivery_date)
            .order_by(E.id, D.service_type_code, D.delivery_date))


def _contract_codes(conn: Connection, viewer: Viewer) -> dict:
    return dict(conn.execute(select(OperatorContract.id, OperatorContract.code)).all())


def _delivery_rows(frame: pd.DataFrame, contracts: dict) -> pd.DataFrame:
    frame = _enrolment_codes(frame, None)
    frame["codigo_contrato"] = [contracts.get(i) for i in frame["_contract_id"].tolist()]
    return frame


def _plans(viewer: Viewer) -> Select:
    BP, M, RO = BusinessPlan, Municipality, RegionalOffice
    return (select(BP.code.label("codigo_pn"), Opr.nit.label("nit_opr"), Opr.name.label("nombre_opr"),
                   BP.ventana.label("ventana"), BP.municipality_code.label("cod_municipio"),
                   ValueChain.name.label("cadena_valor"), Operator.code.label("psde"),
                   BP.first_disbursement_date.label("fecha_primer_desembolso"),
                   BP.closure_date.label("fecha_cierre"), RO.code.label("oficina_regional"))
            .join(Opr, Opr.id == BP.opr_id)
            .join(M, M.code == BP.municipality_code)
            .outerjoin(RO, RO.id == M.regional_office_id)
            .outerjoin(ValueChain, ValueChain.id == BP.value_chain_id)
            .outerjoin(Operator, Operator.id == BP.psde_operator_id)
            .where(_plan_clause(viewer))
            .order_by(BP.code))


def _evidence(viewer: Viewer) -> Select:
    BP, EV = BusinessPlan, AllianceEvidence
    return (select(BP.code.label("codigo_pn"), EV.kind.label("tipo"), EV.ally_type.label("tipo_aliado"),
                   EV.ally_name.label("aliado"), EV.start_date.label("fecha_inicio"), EV.end_date.label("fecha_fin"),
                   EV.document_ref.label("soporte"))
            .join(BP, BP.id == EV.business_plan_id)
            .where(EV.voided.is_(False), _plan_clause(viewer))
            .order_by(BP.code, EV.id))


def _sales(viewer: Viewer) -> Select:
    BP, SA = BusinessPlan, Sales
    return (select(BP.code.label("codigo_pn"), SA.year.label("anio"), SA.amount_cop.label("ventas_cop"),
                   SA.is_baseline.label("linea_base"))
            .join(BP, BP.id == SA.business_plan_id)
            .where(_plan_clause(viewer))
            .order_by(BP.code, SA.year, SA.is_baseline))


@dataclass(frozen=True)
class Source:
    """How one sheet comes out of the store: its scoped SELECT (columns labelled with the sheet's
    column names, helper columns with a leading ``_``), the small maps it needs, read once before
    the rows stream, and what completes each chunk (codes, lists)."""

    select: Callable[[Viewer], Select]
    maps: Callable[[Connection, Viewer], object] | None = None
    finish: Callable[[pd.DataFrame, object], pd.DataFrame] | None = None


SOURCES: dict[str, Source] = {
    S.OPERATORS.name: Source(_operators),
    S.OFFICES.name: Source(_offices),
    S.CONTRACTS.name: Source(_contracts, _contract_services, _with_services),
    S.SLA_DEFINITIONS.name: Source(_sla_definitions),
    S.SLA_REPORTS.name: Source(_sla_reports),
    S.TARGETING.name: Source(_targeting),
    S.ALERTS.name: Source(_alerts, finish=_alert_codes),
    S.OPR.name: Source(_opr),
    S.HOUSEHOLDS.name: Source(_households),
    S.ENROLMENTS.name: Source(_enrolments, finish=_enrolment_codes),
    S.STAGE_EVENTS.name: Source(_stage_events, finish=_enrolment_codes),
    S.DELIVERIES.name: Source(_deliveries, _contract_codes, _delivery_rows),
    S.HOUSEHOLD_COFINANCING.name: Source(cofinancing_sheet.cofinancing_export, finish=_enrolment_codes),
    S.PLANS.name: Source(_plans),
    S.EVIDENCE.name: Source(_evidence),
    S.SALES.name: Source(_sales),
    S.TARGETS.name: Source(_targets),
    S.ASSETS.name: Source(characterisation_sheets.assets_export, finish=characterisation_sheets.asset_services),
    S.BASELINES.name: Source(characterisation_sheets.baselines_export, finish=_enrolment_codes),
    S.KNOWLEDGE.name: Source(knowledge_sheet.knowledge_export),
}


# ------------------------------------------------------------------ the export
def may_export(viewer: Viewer) -> bool:
    return viewer.known and access.allowed(viewer, access.EXPORT_DATA)


def may_export_sheet(viewer: Viewer, sheet: S.Sheet) -> bool:
    """Personal data (Ley 1581 de 2012) leaves only with roles allowed to read it."""
    return may_export(viewer) and (not sheet.personal or access.allowed(viewer, access.READ_PERSONAL_DATA))


def _blank_to_none(frame: pd.DataFrame) -> pd.DataFrame:
    for name in frame.columns:
        column = frame[name]
        if column.dtype == object:
            frame[name] = column.where(column != "", None)
    return frame


@dataclass
class DataExport:
    """The sheets a viewer may take out and their rows, read on demand in chunks.

    ``notes`` collects what the person should know about the files (a sheet withheld, rows
    merged); it is complete once every sheet's chunks have been read."""

    viewer: Viewer
    url: str | None = None
    chunk_size: int = CHUNK
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not may_export(self.viewer):
            raise ExportPermissionError("Su cuenta no puede exportar datos del programa: pida a la PMO o al "
                                        "administrador que revise su rol.")
        for sheet in self.withheld():
            self.notes.append(f"Hoja «{sheet.name}» no exportada: contiene datos personales (Ley 1581 de 2012) "
                              "y su rol no puede leerlos; pida esta hoja a la PMO.")

    def sheets(self) -> list[S.Sheet]:
        """The sheets this viewer may take out, in load order."""
        return [s for s in S.ORDER if may_export_sheet(self.viewer, s)]

    def withheld(self) -> list[S.Sheet]:
        return [s for s in S.ORDER if not may_export_sheet(self.viewer, s)]

    def entities(self) -> list[tuple[str, tuple[S.Sheet, ...]]]:
        """(entity, its exportable sheets) in load order; an entity none of whose sheets may leave is left out."""
        allowed = set(s.name for s in self.sheets())
        out = []
        for entity, sheets in S.ENTITIES.items():
            mine = tuple(s for s in sheets if s.name in allowed)
            if mine:
                out.append((entity, mine))
        return out

    def _statement(self, sheet: S.Sheet) -> Select:
        if not may_export_sheet(self.viewer, sheet):
            raise ExportPermissionError(f"La hoja «{sheet.name}» contiene datos personales (Ley 1581 de 2012): "
                                        "su rol no puede exportarla.")
        return SOURCES[sheet.name].select(self.viewer)

    def count(self, sheet: S.Sheet) -> int:
        """Rows the sheet will have (one query; decides between xlsx and CSV)."""
        inner = self._statement(sheet).order_by(None).subquery()
        with get_engine(self.url).connect() as conn:
            return int(conn.execute(select(func.count()).select_from(inner)).scalar() or 0)

    def chunks(self, sheet: S.Sheet) -> Iterator[pd.DataFrame]:
        """The sheet's rows as frames of at most ``chunk_size`` rows: exactly the declared
        columns, in order, holding stored values (None for blank)."""
        source = SOURCES[sheet.name]
        stmt = self._statement(sheet)
        names = [c.name for c in sheet.columns]
        merged = 0
        with get_engine(self.url).connect() as conn:
            maps = source.maps(conn, self.viewer) if source.maps else None
            result = conn.execution_options(yield_per=self.chunk_size).execute(stmt)
            keys = list(result.keys())
            for part in result.partitions():
                frame = pd.DataFrame([tuple(r) for r in part], columns=keys, dtype=object)
                if source.finish is not None:
                    frame = source.finish(frame, maps)
                if "_n" in frame:
                    merged += int(sum(n - 1 for n in frame["_n"].tolist()))
                yield _blank_to_none(frame[names].reset_index(drop=True))
        if merged:
            self.notes.append(f"Hoja «{sheet.name}»: {merged} prestaciones repetidas (misma inscripción, servicio y "
                              "fecha) salen como una sola fila, porque la clave de la hoja no las distingue.")

    def frame(self, sheet: S.Sheet) -> pd.DataFrame:
        """The whole sheet in one frame (small sheets and tests; the files stream ``chunks``)."""
        parts = list(self.chunks(sheet))
        if not parts:
            return pd.DataFrame({c.name: pd.Series(dtype=object) for c in sheet.columns})
        return pd.concat(parts, ignore_index=True)
