"""ANS values: an operador (or the PMO) reports a measurement and its evidence per quarter."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.models import OperatorContract, SlaDefinition, SlaMeasurement
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
    raise_if,
    stale,
    versioned_update,
    write_session,
)
from rules.access import EDIT_SLA
from rules.core.calendar import quarter_end
from rules.core.clock import today
from rules.edit import validation as V
from rules.edit.validation import FieldError


def report_sla(
    viewer: Viewer,
    contract_id: int,
    definition_id: int,
    quarter: str,
    value,
    evidence_ref: str = "",
    opened_version: int | None = None,
    url: str | None = None,
) -> EditResult:
    """Upsert an ANS reported value and its evidence for one contract and quarter.

    ``opened_version`` is the measurement's version when the form was opened, or
    None when there was no value yet (a value created meanwhile is a stale edit).
    """
    quarter = (quarter or "").strip().upper()
    with write_session(viewer, url) as s:
        contract = for_update(s, OperatorContract, OperatorContract.id == contract_id)
        if contract is None:
            raise NotFound(f"El contrato {contract_id} no existe; elíjalo de la lista.")
        check_contract(viewer, EDIT_SLA, contract, "reportar valores de ANS")
        definition = s.get(SlaDefinition, definition_id)
        if definition is None:
            raise NotFound(f"El indicador de ANS {definition_id} no existe; elíjalo de la lista.")
        m = for_update(
            s,
            SlaMeasurement,
            SlaMeasurement.definition_id == definition.id,
            SlaMeasurement.contract_id == contract.id,
            SlaMeasurement.quarter == quarter,
        )
        number = None
        try:
            number = None if V._blank(value) else float(value)
        except (TypeError, ValueError):
            pass
        wanted = {
            "value": number if number is not None else value,
            "evidence_ref": (evidence_ref or "").strip(),
        }
        if m is not None and m.version != opened_version:
            raise stale(s, "sla_measurement", m.id, opened_version, audit.row_dict(m), wanted)
        errors = V.validate_sla_measurement(
            {"quarter": quarter, "value": value, "evidence_ref": evidence_ref}, definition.unit
        )
        if definition.kind != "reported":
            errors.append(
                FieldError(
                    "definition_id",
                    f"Indicador: «{definition.name}» se calcula desde los "
                    "registros (derivado); no se reporta a mano.",
                )
            )
        if definition.route != contract.route:
            errors.append(
                FieldError(
                    "definition_id",
                    f"Indicador: «{definition.name}» es de la ruta "
                    f"{definition.route} y el contrato {contract.code} de la "
                    f"ruta {contract.route}; elija un indicador de su ruta.",
                )
            )
        if not errors:
            if quarter_end(quarter) < contract.start_date or (
                contract.end_date and quarter_end(quarter) > contract.end_date + dt.timedelta(days=92)
            ):
                errors.append(
                    FieldError(
                        "quarter",
                        f"Trimestre: {quarter} está fuera de la vigencia del contrato "
                        f"{contract.code}; elija un trimestre de su ejecución.",
                    )
                )
        raise_if(errors)
        cols = {
            "value": number,
            "evidence_ref": (evidence_ref or "").strip()[:300],
            "reported_by": viewer.username[:60],
            "reported_on": today(),
        }
        if m is None:
            result = insert(
                s,
                viewer,
                SlaMeasurement(definition_id=definition.id, contract_id=contract.id, quarter=quarter, **cols),
                "sla_measurement",
            )
        else:
            if m.value == number and m.evidence_ref == cols["evidence_ref"]:
                return EditResult("sla_measurement", m.id, m.version, changed=False)
            result = versioned_update(s, viewer, m, "sla_measurement", opened_version, cols)
        versions.bump(s, "sla")
        return result


# ------------------------------------------------------------------ reads for the forms


@reads("sla", "reference")
def sla_contracts(viewer: Viewer, url: str | None = None) -> list[dict]:
    """Contracts whose ANS values the viewer may report."""
    return editable_contracts(viewer, EDIT_SLA, url=url)


@reads("sla")
def sla_reported_definitions(route: str, url: str | None = None) -> list[dict]:
    """Reported (not derived) ANS indicators of a route — catalogue, not programme data."""
    return fetch_rows(
        select(
            SlaDefinition.id,
            SlaDefinition.code,
            SlaDefinition.name,
            SlaDefinition.unit,
            SlaDefinition.target,
            SlaDefinition.direction,
        )
        .where(SlaDefinition.route == route, SlaDefinition.kind == "reported")
        .order_by(SlaDefinition.code),
        url,
    )


@reads("sla")
def sla_values(viewer: Viewer, contract_id: int, quarter: str, url: str | None = None) -> list[dict]:
    """One row per reported indicator of the contract's route, with the quarter's value."""
    m = (
        select(SlaMeasurement)
        .where(SlaMeasurement.contract_id == contract_id, SlaMeasurement.quarter == quarter)
        .subquery()
    )
    return fetch_rows(
        select(
            SlaDefinition.id.label("definition_id"),
            SlaDefinition.code,
            SlaDefinition.name,
            SlaDefinition.unit,
            SlaDefinition.target,
            m.c.value,
            m.c.evidence_ref,
            m.c.reported_by,
            m.c.reported_on,
            m.c.version,
        )
        .select_from(OperatorContract)
        .join(
            SlaDefinition,
            and_(SlaDefinition.route == OperatorContract.route, SlaDefinition.kind == "reported"),
        )
        .outerjoin(m, m.c.definition_id == SlaDefinition.id)
        .where(OperatorContract.id == contract_id, edit_contract_clause(viewer, EDIT_SLA))
        .order_by(SlaDefinition.code),
        url,
    )
