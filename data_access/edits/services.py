"""Service deliveries: a service delivered to a participant under an operator's contract."""

from __future__ import annotations

from sqlalchemy import select

from data_access.core import versions
from data_access.core.db import get_engine
from data_access.core.models import ContractService, Enrolment, OperatorContract, ServiceDelivery, ServiceType
from data_access.core.scope import Viewer
from data_access.core.versions import reads
from data_access.edits.common import (
    EditResult,
    NotFound,
    check_contract,
    edit_contract_clause,
    editable_contracts,
    fetch_rows,
    for_update,
    insert,
    participants_stmt,
    raise_if,
    write_session,
)
from rules.access import EDIT_SERVICE_DELIVERY
from rules.core.catalog import SERVICE_TYPES, services_for_route
from rules.core.clock import today
from rules.edit import validation as V
from rules.edit.validation import FieldError


def add_service_delivery(
    viewer: Viewer,
    enrolment_id: int,
    contract_id: int,
    service_type_code: str,
    delivery_date,
    url: str | None = None,
) -> EditResult:
    """A service delivered under a contract (operators: own contracts only)."""
    with write_session(viewer, url) as s:
        contract = for_update(s, OperatorContract, OperatorContract.id == contract_id)
        if contract is None:
            raise NotFound(f"El contrato {contract_id} no existe; elíjalo de la lista.")
        check_contract(viewer, EDIT_SERVICE_DELIVERY, contract, "registrar entregas de servicios")
        enr = s.get(Enrolment, enrolment_id)
        errors: list[FieldError] = []
        if enr is None:
            errors.append(
                FieldError("enrolment_id", f"Inscripción {enrolment_id}: no existe; búsquela de nuevo.")
            )
        elif enr.route != contract.route:
            errors.append(
                FieldError(
                    "contract_id",
                    f"Contrato: {contract.code} es de la ruta {contract.route} y la "
                    f"inscripción de la ruta {enr.route}; elija el contrato correcto.",
                )
            )
        elif enr.contract_id != contract.id:
            errors.append(
                FieldError(
                    "enrolment_id",
                    f"Inscripción {enrolment_id}: no es un participante del contrato {contract.code}; "
                    "elija un participante de la lista del contrato.",
                )
            )
        if s.get(ServiceType, service_type_code) is None:
            errors.append(
                FieldError(
                    "service_type_code", f"Servicio: «{service_type_code}» no existe; elíjalo de la lista."
                )
            )
        elif service_type_code not in _provided_services(s, contract.id, contract.route):
            errors.append(
                FieldError(
                    "service_type_code",
                    f"Servicio: «{service_type_code}» no es un servicio del contrato {contract.code}; "
                    "elija uno de los servicios del contrato.",
                )
            )
        d = V._dates(
            {"delivery_date": delivery_date}, ("delivery_date",), errors, required=("delivery_date",)
        )
        day = d["delivery_date"]
        ours = enr is not None and enr.contract_id == contract.id
        if day:
            stay = (enr.entry_date, enr.exit_date) if ours else (None, None)
            errors += V.delivery_date_errors(day, contract.start_date, contract.end_date, *stay)
        if day and ours:
            same = s.scalar(
                select(ServiceDelivery.id).where(
                    ServiceDelivery.enrolment_id == enr.id,
                    ServiceDelivery.service_type_code == service_type_code,
                    ServiceDelivery.delivery_date == day,
                ).limit(1)
            )
            if same is not None:
                errors.append(
                    FieldError(
                        "delivery_date",
                        f"Fecha de entrega: esta entrega ya está registrada (registro #{same}, mismo "
                        "servicio y fecha); no la registre dos veces.",
                    )
                )
        raise_if(errors)
        row = ServiceDelivery(
            enrolment_id=enr.id,
            service_type_code=service_type_code,
            operator_id=contract.operator_id,
            contract_id=contract.id,
            municipality_code=enr.municipality_code,
            delivery_date=d["delivery_date"],
            registered_on=today(),
        )
        result = insert(s, viewer, row, "service_delivery")
        versions.bump(s, "participants", "sla")
        return result


# ------------------------------------------------------------------ reads for the forms


@reads("sla", "reference")
def delivery_contracts(viewer: Viewer, url: str | None = None) -> list[dict]:
    """Contracts the viewer may register service deliveries for (operador its own, analista
    PMO and admin any; everyone else none)."""
    return editable_contracts(viewer, EDIT_SERVICE_DELIVERY, url=url)


def _provided_services(conn, contract_id: int, route: str) -> set[str]:
    """Service codes a contract provides: listed in ``contract_service``, else all of its route."""
    listed = conn.scalars(
        select(ContractService.service_type_code).where(ContractService.contract_id == contract_id)
    ).all()
    return set(listed) if listed else set(services_for_route(route))


@reads("sla", "reference")
def contract_services(viewer: Viewer, contract_id: int, url: str | None = None) -> list[dict]:
    """Service types a contract provides (code, name), in catalogue order: those listed in
    ``contract_service``, or every service of its route when none is listed (básica four,
    the other routes all eight; ``rules.core.catalog.services_for_route``). Empty when the
    viewer may not register deliveries for the contract."""
    with get_engine(url).connect() as conn:
        route = conn.scalar(
            select(OperatorContract.route).where(
                OperatorContract.id == contract_id, edit_contract_clause(viewer, EDIT_SERVICE_DELIVERY)
            )
        )
        if route is None:
            return []
        codes = _provided_services(conn, contract_id, route)
        rows = conn.execute(
            select(ServiceType.code, ServiceType.name).where(ServiceType.code.in_(sorted(codes)))
        ).all()
    order = {code: i for i, code in enumerate(SERVICE_TYPES)}
    return sorted(
        ({"code": r.code, "name": r.name} for r in rows), key=lambda r: (order.get(r["code"], 99), r["code"])
    )


@reads("participants", "reference")
def contract_enrolments(
    viewer: Viewer, contract_id: int, search: str = "", limit: int = 100, url: str | None = None
) -> list[dict]:
    """Enrolments (participants) of one contract the viewer may register deliveries for,
    by household code, OPR name or enrolment id. No personal data: the household is
    named by its code only."""
    stmt = (
        participants_stmt(search, limit, Enrolment.entry_date)
        .join(OperatorContract, OperatorContract.id == Enrolment.contract_id)
        .where(Enrolment.contract_id == contract_id, edit_contract_clause(viewer, EDIT_SERVICE_DELIVERY))
    )
    return fetch_rows(stmt, url)


@reads("participants")
def enrolment_deliveries(
    viewer: Viewer, contract_id: int, enrolment_id: int, url: str | None = None
) -> list[dict]:
    """Deliveries already registered for one enrolment under one contract, newest first."""
    return fetch_rows(
        select(
            ServiceDelivery.id,
            ServiceDelivery.service_type_code,
            ServiceType.name.label("service"),
            ServiceDelivery.delivery_date,
            ServiceDelivery.registered_on,
        )
        .join(OperatorContract, OperatorContract.id == ServiceDelivery.contract_id)
        .join(ServiceType, ServiceType.code == ServiceDelivery.service_type_code)
        .where(
            ServiceDelivery.enrolment_id == enrolment_id,
            ServiceDelivery.contract_id == contract_id,
            edit_contract_clause(viewer, EDIT_SERVICE_DELIVERY),
        )
        .order_by(ServiceDelivery.delivery_date.desc(), ServiceDelivery.id.desc()),
        url,
    )
