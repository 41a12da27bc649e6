"""Demo characterisation: baselines at entry and exit, and the asset map of the territory.

Baselines: most enrolments (92 %) are measured within a month of entry; those that finished
their route (a completed exit) are measured again at exit. Households start poor (income
around 55 % of a minimum wage, lower in the poorer offices) and OPR small; at exit they have
improved by route (the longer routes more) and by operator (the better operators more), with
noise, so that some get worse. Asset map: every municipality with enrolments gets its plaza de
mercado, centros de acopio, institutional offer and demand, and one public good per category,
whose state is worse where the municipality has territorial alerts of that category.

Drawn from its own generator seeded by ``(seed, 19019)``: adding it changes no other table.
"""

from __future__ import annotations

import numpy as np

from data_access.demo.arrays import Frame
from data_access.demo.parameters import OFFICE_POVERTY, TODAY
from rules import characterisation as CH

ENTRY_SHARE = 0.92
ROUTE_GAIN = {"basica": 0.12, "intermedia": 0.2, "competitividad": 0.25}  # mean log change of money measures

OFFER = (  # (entity, name, services)
    ("SENA", "Formación complementaria rural (SENA Emprende Rural)", "capacidades"),
    ("Agencia de Desarrollo Rural", "Proyectos integrales de desarrollo agropecuario",
     "asistencia_tecnica,asociatividad"),
    ("Banco Agrario de Colombia", "Crédito agropecuario de pequeño productor", "financieros"),
    ("Secretaría de Agricultura municipal", "Extensión agropecuaria (EPSEA)", "asistencia_tecnica"),
    ("AGROSAVIA", "Transferencia de tecnología", "asistencia_tecnica,capacidades"),
    ("Prosperidad Social", "Programa de generación de ingresos", "capacidades,financieros"),
    ("Cámara de Comercio", "Ruta de formalización empresarial", "asociatividad,comercializacion"),
)
DEMAND = (
    ("ICBF / Alcaldía", "Programa de Alimentación Escolar (PAE): compras locales", "comercializacion"),
    ("Alcaldía municipal", "Compras públicas de alimentos (Ley 2046 de 2020)", "comercializacion"),
    ("Hospital local", "Suministro de alimentos frescos", "comercializacion"),
)
PUBLIC_GOOD_NAMES = {  # names as the municipalities' plans write them (data, not UI words)
    "vias_terciarias": "Red vial veredal de", "riego": "Distrito de riego de",
    "electrificacion": "Red eléctrica rural de", "centros_acopio": "Acopio municipal de",
}
STATUS_P = {False: (0.35, 0.35, 0.2, 0.1), True: (0.05, 0.2, 0.45, 0.3)}  # bueno, regular, malo, inexistente


def generate(g) -> None:
    rng = np.random.default_rng([g.seed, 19019])
    g.tables["baseline"] = _baselines(g, rng)
    g.tables["territorial_asset"] = _assets(g, rng)


def _objects(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = values.astype(object)
    out[~keep] = None
    return out


def _baselines(g, rng: np.random.Generator) -> Frame:
    e = g.tables["enrolment"]
    n = len(e)
    measured = rng.random(n) < ENTRY_SHARE
    finished = measured & (e["status"] == "finalizado")
    entry_on = np.minimum(e["entry_date"] + rng.integers(0, 31, n), TODAY)
    exit_on = np.minimum(np.where(finished, e["exit_date"], 0) + rng.integers(0, 21, n), TODAY)
    hogar = e["participant_kind"] == CH.HOGAR
    poverty = np.array([OFFICE_POVERTY.get(c, 57) for c in g.ref.office_codes])[
        g.ref.muni_office[g.enr["muni"]]]
    quality = g.op_quality[e["operator_id"]]
    gain = np.array([ROUTE_GAIN[r] for r in e["route"]]) + 0.08 * quality

    income = np.rint(700_000 * (1.3 - poverty / 100) * rng.lognormal(0, 0.4, n) / 1000) * 1000
    assets = np.rint(2_500_000 * rng.lognormal(0, 0.6, n) / 10_000) * 10_000
    capacities = np.clip(rng.normal(42, 12, n), 0, 100).round(1)
    credit = rng.random(n) < 0.12
    members = 5 + rng.poisson(22, n)
    sales = np.rint(60_000_000 * rng.lognormal(0, 0.7, n) / 100_000) * 100_000
    formalised = rng.random(n) < 0.55
    markets = 1 + rng.poisson(0.8, n)

    out_income = np.rint(income * rng.lognormal(gain, 0.2) / 1000) * 1000
    out_assets = np.rint(assets * rng.lognormal(gain * 0.8, 0.25) / 10_000) * 10_000
    out_capacities = np.clip(capacities + rng.normal(12 + 5 * quality, 8), 0, 100).round(1)
    out_credit = credit | (rng.random(n) < 0.22 + 0.05 * quality)
    out_members = np.maximum(5, members + rng.poisson(3, n) - rng.poisson(1, n))
    out_sales = np.rint(sales * rng.lognormal(gain * 1.2, 0.3) / 100_000) * 100_000
    out_formalised = formalised | (rng.random(n) < 0.5)
    out_markets = markets + rng.binomial(2, 0.35, n)

    rows_in, rows_out = np.flatnonzero(measured), np.flatnonzero(finished)
    idx = np.concatenate([rows_in, rows_out])
    is_exit = np.concatenate([np.zeros(len(rows_in), bool), np.ones(len(rows_out), bool)])
    h = hogar[idx]

    def pick(entry: np.ndarray, exit_: np.ndarray, mine: np.ndarray, kind=np.int64) -> np.ndarray:
        values = np.where(is_exit, exit_[idx], entry[idx]).astype(kind)
        return _objects(values, mine)

    m = len(idx)
    return Frame(
        id=np.arange(1, m + 1),
        enrolment_id=e["id"][idx],
        moment=np.where(is_exit, CH.SALIDA, CH.ENTRADA).astype(object),
        measured_on=np.where(is_exit, exit_on[idx], entry_on[idx]),
        municipality_code=e["municipality_code"][idx],
        operator_id=e["operator_id"][idx],
        income_cop=pick(income, out_income, h),
        productive_assets_cop=pick(assets, out_assets, h),
        capacities_score=pick(capacities, out_capacities, h, float),
        credit_access=pick(credit, out_credit, h, bool),
        members=pick(members, out_members, ~h),
        sales_cop=pick(sales, out_sales, ~h),
        formalised=pick(formalised, out_formalised, ~h, bool),
        markets=pick(markets, out_markets, ~h),
        version=np.ones(m, np.int64),
    )


def _assets(g, rng: np.random.Generator) -> Frame:
    ref = g.ref
    active = np.unique(g.enr["muni"])
    alerts = g.tables["territorial_alert"]
    alerted = set(zip(alerts["municipality_code"].tolist(), alerts["category"].tolist()))
    per_muni: dict[str, int] = {}
    rows: dict[str, list] = {k: [] for k in ("code", "municipality_code", "kind", "name", "entity", "services",
                                             "category", "status", "description")}

    def add(muni: str, kind: str, name: str, entity: str = "", services: str = "", category=None,
            status: str = "", description: str = "") -> None:
        k = per_muni[muni] = per_muni.get(muni, 0) + 1
        for key, value in (("code", f"MA-{muni}-{k:03d}"), ("municipality_code", muni), ("kind", kind),
                           ("name", name), ("entity", entity), ("services", services), ("category", category),
                           ("status", status), ("description", description)):
            rows[key].append(value)

    for i in active.tolist():
        muni, name = ref.muni_codes[i], ref.muni_names[i]
        add(muni, "mercado", f"Plaza de mercado de {name}", "Alcaldía municipal", "comercializacion",
            description="Plaza municipal con días de mercado campesino")
        for j in range(int(rng.poisson(1.2))):
            add(muni, "centro_acopio", f"Acopio veredal {j + 1} de {name}",
                "Asociación de productores", "comercializacion", description="Acopio, selección y empaque")
        for o in rng.choice(len(OFFER), size=int(rng.integers(2, 5)), replace=False).tolist():
            entity, program, services = OFFER[o]
            add(muni, "oferta_institucional", program, entity, services)
        for d in rng.choice(len(DEMAND), size=int(rng.integers(0, 3)), replace=False).tolist():
            entity, program, services = DEMAND[d]
            add(muni, "demanda_institucional", program, entity, services)
        for category in CH.PUBLIC_GOOD_CATEGORIES:
            status = list(CH.PUBLIC_GOOD_STATUSES)[int(rng.choice(4, p=STATUS_P[(muni, category) in alerted]))]
            add(muni, CH.PUBLIC_GOOD, f"{PUBLIC_GOOD_NAMES[category]} {name}", "Alcaldía municipal",
                category=category, status=status)
    m = len(rows["code"])
    return Frame(
        id=np.arange(1, m + 1),
        **{k: np.array(v, dtype=object) for k, v in rows.items()},
        updated_on=TODAY - rng.integers(0, 400, m),
        version=np.ones(m, np.int64),
    )
