"""ANS (service-level agreements) of the demo programme: definitions per route × service
and the values operators report per contract × quarter.

Why: the ANS pages need operators that clearly differ (quality, late reporters, missing
reports) and improve over the years; the definitions are plain-Spanish catalogue text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from data_access.demo.arrays import Frame, day_number
from data_access.demo.parameters import FIRST_QUARTER, ROUTE_ABBR, SLA_LAST_QUARTER, TODAY
from rules.core.calendar import quarter_end, quarters_between
from rules.core.catalog import ROUTE_ORDER, SERVICE_TYPES, services_for_route

if TYPE_CHECKING:
    from data_access.demo.generator import Generator


def generate(g: Generator) -> None:
    """ANS definitions per route × service, and reported values per contract × quarter."""
    rng = g.rng(8)
    d_cols: dict[str, list] = {
        k: []
        for k in (
            "code",
            "route",
            "service_type_code",
            "name",
            "description",
            "kind",
            "derived_key",
            "unit",
            "target",
            "direction",
            "tolerance",
            "weight",
            "frequency",
        )
    }
    for route in ROUTE_ORDER:
        ri = ROUTE_ORDER.index(route)
        for service in services_for_route(route):
            for suffix, name, desc, kind, key, unit, targets, direction, tol, weight in _templates(
                service
            ):
                d_cols["code"].append(f"{ROUTE_ABBR[route]}-{suffix}")
                d_cols["route"].append(route)
                d_cols["service_type_code"].append(service)
                d_cols["name"].append(name)
                d_cols["description"].append(desc)
                d_cols["kind"].append(kind)
                d_cols["derived_key"].append(key)
                d_cols["unit"].append(unit)
                d_cols["target"].append(float(targets[ri]))
                d_cols["direction"].append(direction)
                d_cols["tolerance"].append(float(tol))
                d_cols["weight"].append(float(weight))
                d_cols["frequency"].append("trimestral")
    nd = len(d_cols["code"])
    defs = Frame(
        {
            k: np.array(v, dtype=object if isinstance(v[0], str) or v[0] is None else None)
            for k, v in d_cols.items()
        }
    )
    defs["id"] = np.arange(1, nd + 1)
    defs["version"] = np.ones(nd, np.int64)
    g.tables["sla_definition"] = defs

    # Reported values per contract × quarter up to the last one closed (some never reported).
    quarters = quarters_between(FIRST_QUARTER, SLA_LAST_QUARTER)
    q_ends = [day_number(quarter_end(q)) for q in quarters]
    m_def, m_con, m_q, m_val, m_rep_on = [], [], [], [], []
    contracts = g.tables["operator_contract"]
    for cid, route in zip(contracts["id"].tolist(), contracts["route"].tolist()):
        op = int(g.contract_operator[cid])
        qual, late = g.op_quality[op], bool(g.op_late[op])
        miss = 0.05 + (0.15 if late else 0.0) + (0.1 if qual < -0.6 else 0.0)
        for di in range(nd):
            if d_cols["route"][di] != route or d_cols["kind"][di] != "reported":
                continue
            target, direction = d_cols["target"][di], d_cols["direction"][di]
            tol, unit = d_cols["tolerance"][di], d_cols["unit"][di]
            for yi, (quarter, q_end) in enumerate(zip(quarters, q_ends)):
                if q_end < int(g.contract_start[cid]):
                    continue
                if rng.random() < miss:
                    continue
                trend = 0.02 * yi  # operators improve over the years
                rel = 1 + 0.12 * qual + trend + rng.normal(0, 0.08)
                if direction == "higher":
                    val = target * rel
                else:
                    val = target * (2 - rel)
                val = float(np.clip(val, 0, 100)) if unit == "%" else max(0.0, float(val))
                rep_on = min(q_end + int(rng.integers(5, 20 if not late else 60)), TODAY)
                m_def.append(di + 1)
                m_con.append(cid)
                m_q.append(quarter)
                m_val.append(round(val, 2))
                m_rep_on.append(rep_on)
    m = len(m_def)
    m_con_a = np.array(m_con, dtype=np.int64)
    g.tables["sla_measurement"] = Frame(
        id=np.arange(1, m + 1),
        definition_id=np.array(m_def, dtype=np.int64),
        contract_id=m_con_a,
        quarter=np.array(m_q, dtype=object),
        value=np.array(m_val, dtype=float),
        evidence_ref=np.array(
            [
                f"ANS/{g.contract_code[c]}/{q}/{d_cols['code'][d - 1]}.pdf"
                for c, q, d in zip(m_con, m_q, m_def)
            ],
            dtype=object,
        ),
        reported_by=np.array(
            [f"reportes.{g.op_code[g.contract_operator[c]].lower()}" for c in m_con], dtype=object
        ),
        reported_on=np.array(m_rep_on, dtype=np.int64),
        version=np.ones(m, np.int64),
    )


def _templates(service: str) -> list[tuple]:
    """ANS of one service: (suffix, name, description, kind, derived_key, unit,
    targets per route (básica, intermedia, competitividad), direction, tolerance, weight)."""
    ab = {
        "capacidades": "CAP",
        "asistencia_tecnica": "AT",
        "asociatividad": "ASO",
        "comercializacion": "COM",
        "financieros": "FIN",
        "monitoreo": "MON",
        "innovacion": "INN",
        "ordenamiento": "ORD",
    }[service]
    label = SERVICE_TYPES[service].lower()
    coverage_target = {"asistencia_tecnica": 90, "monitoreo": 85, "capacidades": 80}.get(service, 60)
    out = {
        "capacidades": [
            (
                "CAP-HOR",
                "Horas de formación por participante",
                "Promedio de horas de formación impartidas en el trimestre a cada participante activo.",
                "reported",
                None,
                "número",
                (10, 14, 18),
                "higher",
                2,
                1,
            ),
            (
                "CAP-SAT",
                "Satisfacción con la formación",
                "Porcentaje de participantes que califican la formación como buena o excelente "
                "en la encuesta del trimestre.",
                "reported",
                None,
                "%",
                (85, 85, 85),
                "higher",
                5,
                1,
            ),
        ],
        "asistencia_tecnica": [
            (
                "AT-VIS",
                "Visitas de asistencia técnica por participante",
                "Visitas de asistencia técnica en el trimestre por participante con servicios activados.",
                "reported",
                None,
                "número",
                (2, 2, 2.5),
                "higher",
                0.3,
                2,
            ),
            (
                "AT-DIA",
                "Días del ingreso a la primera asistencia técnica",
                "Mediana de días entre el ingreso a la ruta y la primera entrega de asistencia técnica: "
                "mide la oportunidad del servicio.",
                "derived",
                "dias_ingreso_primera_asistencia",
                "días",
                (260, 300, 320),
                "lower",
                30,
                2,
            ),
        ],
        "asociatividad": [
            (
                "ASO-ENC",
                "Encuentros de asociatividad realizados",
                "Encuentros de intercambio y fortalecimiento del capital social realizados en el trimestre.",
                "reported",
                None,
                "número",
                (2, 4, 6),
                "higher",
                1,
                1,
            ),
        ],
        "comercializacion": [
            (
                "COM-ACU",
                "Acuerdos comerciales gestionados",
                "Acuerdos, órdenes de compra o ruedas de negocio con resultado gestionados en el trimestre.",
                "reported",
                None,
                "número",
                (3, 5, 8),
                "higher",
                1,
                2,
            ),
        ],
        "financieros": [
            (
                "FIN-INC",
                "Participantes con producto financiero o seguro",
                "Porcentaje de participantes activos con un crédito, ahorro o microseguro vigente.",
                "reported",
                None,
                "%",
                (40, 55, 65),
                "higher",
                10,
                1,
            ),
        ],
        "monitoreo": [
            (
                "MON-INF",
                "Informes de seguimiento entregados a tiempo",
                "Porcentaje de informes de seguimiento del trimestre entregados en la fecha acordada.",
                "reported",
                None,
                "%",
                (95, 95, 95),
                "higher",
                5,
                1,
            ),
            (
                "MON-REG",
                "Eventos de la ruta registrados en 15 días",
                "Porcentaje de eventos de etapa registrados en el sistema dentro de los 15 días "
                "siguientes a su ocurrencia.",
                "derived",
                "pct_eventos_registrados_15d",
                "%",
                (90, 90, 90),
                "higher",
                5,
                2,
            ),
        ],
        "innovacion": [
            (
                "INN-BPA",
                "Buenas prácticas adoptadas por proyecto",
                "Buenas prácticas productivas o ambientales adoptadas y verificadas por proyecto "
                "en el trimestre.",
                "reported",
                None,
                "número",
                (1, 2, 3),
                "higher",
                0.5,
                1,
            ),
        ],
        "ordenamiento": [
            (
                "ORD-GES",
                "Alertas de bienes públicos gestionadas",
                "Porcentaje de alertas territoriales de los municipios del contrato con gestión "
                "documentada ante la entidad competente.",
                "reported",
                None,
                "%",
                (70, 70, 70),
                "higher",
                10,
                1,
            ),
        ],
    }[service]
    out.append(
        (
            f"{ab}-COB",
            f"Cobertura de {label}",
            f"Porcentaje de participantes en «Servicios activados» que recibieron {label}.",
            "derived",
            "pct_cobertura_servicio",
            "%",
            (coverage_target,) * 3,
            "higher",
            10,
            1,
        )
    )
    return out
