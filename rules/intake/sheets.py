"""One declaration per intake sheet: the single source of the templates, the validation,
the error messages, ``tablero export data`` and the README's sheet tables.

A sheet lists its columns (Spanish snake_case headers, matched case- and accent-
insensitively), their kind, whether they are required, the catalogue of allowed values
(sheet value → stored code), references to other sheets, a description and an example;
its natural key (upsert by it, duplicates inside a file are named by it); the sheets it
depends on (``tablero import all`` loads in ``ORDER``); and whether it holds personal
data (Ley 1581 de 2012: only roles allowed to read personal data may load or export it).

Pure data: no Streamlit, no SQL. The reader and writers live in ``data_access.intake``,
the template and data workbooks in ``exports.intake_workbook``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from rules import characterisation as CH
from rules import knowledge as KN
from rules.core.catalog import (
    ALERT_CATEGORIES,
    ALERT_SEVERITIES,
    ALERT_STATUSES,
    ALLY_TYPES,
    ENTRY_MECHANISMS,
    ETHNICITIES,
    EVIDENCE_KINDS,
    ROUTES,
    SERVICE_TYPES,
    VENTANAS,
)
from rules.results.catalog import BY_CODE as INDICATORS
from rules.results.catalog import LEVELS as TARGET_LEVELS
from rules.routes.model import EXIT_OUTCOMES, STAGE_OUTCOMES, STAGES
from rules.sla.scoring import DERIVED_KEYS


class Kind(StrEnum):
    """How a cell is read; the reader turns each into one Python type."""

    TEXT = "texto"  # str, stripped
    CODE = "codigo"  # str, stripped; a number that lost nothing (12 → "12")
    INT = "entero"  # int
    NUMBER = "numero"  # float; es-CO "12,5" and "1.234,5" accepted
    MONEY = "pesos"  # int COP; "$ 12.500.000" accepted
    DATE = "fecha"  # date: Excel date, AAAA-MM-DD or dd/mm/aaaa
    BOOL = "si_no"  # bool: si | no
    LIST = "lista"  # tuple of codes separated by ";"
    QUARTER = "trimestre"  # "2026Q3"
    DIVIPOLA = "divipola"  # 5-digit municipality code; 5001 → "05001"
    NIT = "nit"  # NIT with its check digit (rules.core.nit)


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    description: str
    example: str
    required: bool = True
    # sheet value → stored code; matched case- and accent-insensitively
    allowed: Mapping[str, object] | None = None
    ref: str | None = None  # "sheet.column" this value must exist in (file or store)
    personal: bool = False
    past_event: bool = False  # a date of something that happened: not after today
    programme: bool = True  # a date of the programme: not before 2000 (False: e.g. an OPR's founding)
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Sheet:
    name: str  # sheet name in the workbook, e.g. "operadores"
    entity: str  # CLI name, e.g. "operators"
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    depends_on: tuple[str, ...] = ()  # entities (CLI names) this sheet references
    topics: tuple[str, ...] = ()  # data topics (data_access.core.versions) a load bumps
    workbook: str | None = None  # several sheets of one file (the tracking matrix)
    optional_sheet: bool = False
    notes: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def personal(self) -> bool:
        return any(c.personal for c in self.columns)


def _same(values) -> dict[str, object]:
    return {str(v): v for v in values}


YES_NO = {"si": True, "no": False}
ROUTE = _same(ROUTES)
SERVICE = _same(SERVICE_TYPES)
ANULADO = Column("anulado", Kind.BOOL, "«si» retira el registro (nunca se borra en silencio)", "no", required=False)


OPERATORS = Sheet(
    "operadores", "operators", "Operadores del programa: PSDE y operadores de servicios (ANS).",
    (
        Column("codigo_operador", Kind.CODE, "Código único del operador", "PSDE-AND"),
        Column("nombre", Kind.TEXT, "Nombre o razón social", "PSDE Andes"),
        Column("nit", Kind.NIT, "NIT con dígito de verificación", "900123456-8", required=False),
        Column("es_psde", Kind.BOOL, "¿Es Prestador de Servicios de Desarrollo Empresarial (PSDE)?", "si",
               allowed=YES_NO),
    ),
    key=("codigo_operador",), topics=("sla", "business_plans", "participants"),
)

OFFICES = Sheet(
    "oficinas", "offices", "Municipio → oficina regional que lo atiende (define el alcance de los comités).",
    (
        Column("cod_municipio", Kind.DIVIPOLA, "Código DIVIPOLA del municipio (5 dígitos)", "05001"),
        Column("oficina_regional", Kind.CODE, "Código de la oficina regional", "OR-ANT"),
        Column("nombre_oficina", Kind.TEXT, "Nombre de la oficina (obligatorio si la oficina es nueva)",
               "Oficina Antioquia", required=False),
    ),
    key=("cod_municipio",), topics=("reference",),
)

CONTRACTS = Sheet(
    "contratos", "contracts", "Contratos de operadores: una ruta en una oficina regional, con sus servicios.",
    (
        Column("codigo_contrato", Kind.CODE, "Código único del contrato", "C-2025-014"),
        Column("codigo_operador", Kind.CODE, "Operador contratado", "PSDE-AND", ref="operadores.codigo_operador"),
        Column("ruta", Kind.CODE, "Ruta del contrato", "intermedia", allowed=ROUTE),
        Column("oficina_regional", Kind.CODE, "Oficina regional del contrato", "OR-ANT",
               ref="oficinas.oficina_regional"),
        Column("fecha_inicio", Kind.DATE, "Inicio del contrato", "01/02/2025"),
        Column("fecha_fin", Kind.DATE, "Fin del contrato (vacío: vigente)", "31/01/2027", required=False),
        Column("valor_cop", Kind.MONEY, "Valor del contrato en pesos", "1250000000", minimum=0),
        Column("servicios", Kind.LIST, "Servicios del contrato, códigos separados por «;»",
               "asistencia_tecnica;comercializacion", allowed=SERVICE),
    ),
    key=("codigo_contrato",), depends_on=("operators", "offices"), topics=("sla", "participants"),
)

SLA_DEFINITIONS = Sheet(
    "ans_definiciones", "sla-definitions", "Acuerdos de nivel de servicio (ANS): uno por ruta y servicio.",
    (
        Column("codigo_ans", Kind.CODE, "Código único del ANS", "AT-INT-01"),
        Column("ruta", Kind.CODE, "Ruta", "intermedia", allowed=ROUTE),
        Column("servicio", Kind.CODE, "Servicio medido", "asistencia_tecnica", allowed=SERVICE),
        Column("nombre", Kind.TEXT, "Nombre del ANS", "Visitas de asistencia técnica realizadas"),
        Column("descripcion", Kind.TEXT, "Qué mide y cómo", "Visitas realizadas / programadas", required=False),
        Column("tipo", Kind.CODE, "reportado (lo informa el operador) o derivado (se calcula de los registros)",
               "reportado", allowed={"reportado": "reported", "derivado": "derived"}),
        Column("clave_derivada", Kind.CODE, "Para un ANS derivado: qué cálculo", "", required=False,
               allowed=_same(DERIVED_KEYS)),
        Column("unidad", Kind.CODE, "Unidad", "%", allowed={"%": "%", "dias": "días", "numero": "número"}),
        Column("meta", Kind.NUMBER, "Meta", "90"),
        Column("direccion", Kind.CODE, "mayor_mejor o menor_mejor", "mayor_mejor",
               allowed={"mayor_mejor": "higher", "menor_mejor": "lower"}),
        Column("tolerancia", Kind.NUMBER, "Ancho de la banda «en riesgo»", "5", required=False, minimum=0),
        Column("peso", Kind.NUMBER, "Peso en el puntaje del operador", "1", required=False, minimum=0),
        Column("frecuencia", Kind.CODE, "Frecuencia de reporte", "trimestral", required=False,
               allowed=_same(("trimestral", "semestral", "anual"))),
    ),
    key=("codigo_ans",), topics=("sla",),
)

SLA_REPORTS = Sheet(
    "ans_reportes", "sla-reports", "Valores reportados de los ANS por contrato y trimestre, con su soporte.",
    (
        Column("codigo_ans", Kind.CODE, "ANS reportado", "AT-INT-01", ref="ans_definiciones.codigo_ans"),
        Column("codigo_contrato", Kind.CODE, "Contrato que reporta", "C-2025-014", ref="contratos.codigo_contrato"),
        Column("trimestre", Kind.QUARTER, "Trimestre (AAAAQn)", "2026Q3"),
        Column("valor", Kind.NUMBER, "Valor reportado (vacío: sin reporte)", "92,5", required=False),
        Column("soporte", Kind.TEXT, "Referencia del soporte", "Informe trimestral 2026Q3", required=False),
        Column("fecha_reporte", Kind.DATE, "Fecha en que se reportó", "10/10/2026", required=False,
               past_event=True),
    ),
    key=("codigo_ans", "codigo_contrato", "trimestre"), depends_on=("sla-definitions", "contracts"),
    topics=("sla",),
)

TARGETING = Sheet(
    "focalizacion", "targeting", "Focalización por municipio y año: priorización, puntajes y población objetivo.",
    (
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio", "05001"),
        Column("anio", Kind.INT, "Año", "2026", minimum=2000, maximum=2100),
        Column("priorizado", Kind.BOOL, "¿Municipio priorizado?", "si", allowed=YES_NO),
        Column("poblacion_objetivo", Kind.INT, "Hogares objetivo", "1200", minimum=0),
        Column("puntaje_pobreza", Kind.NUMBER, "Puntaje de pobreza (0–100)", "72,5", minimum=0, maximum=100),
        Column("puntaje_ruralidad", Kind.NUMBER, "Puntaje de ruralidad (0–100)", "80", minimum=0, maximum=100),
        Column("puntaje_victimas", Kind.NUMBER, "Puntaje de víctimas (0–100)", "45", minimum=0, maximum=100),
        Column("puntaje_productivo", Kind.NUMBER, "Puntaje productivo (0–100)", "60", minimum=0, maximum=100),
        Column("puntaje_total", Kind.NUMBER, "Puntaje total (0–100)", "66,1", minimum=0, maximum=100),
    ),
    key=("cod_municipio", "anio"), depends_on=("offices",), topics=("targeting",),
)

ALERTS = Sheet(
    "alertas", "alerts", "Alertas territoriales de bienes públicos por municipio.",
    (
        Column("codigo_alerta", Kind.CODE, "Código único de la alerta", "AL-05001-001"),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio", "05001"),
        Column("categoria", Kind.CODE, "Categoría", "vias_terciarias", allowed=_same(ALERT_CATEGORIES)),
        Column("severidad", Kind.CODE, "Severidad", "alta", allowed=_same(ALERT_SEVERITIES)),
        Column("estado", Kind.CODE, "Estado", "abierta", allowed=_same(ALERT_STATUSES)),
        Column("descripcion", Kind.TEXT, "Descripción", "Vía veredal intransitable", required=False),
        Column("fecha_apertura", Kind.DATE, "Fecha de apertura", "15/03/2026", past_event=True),
        Column("fecha_cierre", Kind.DATE, "Fecha de cierre (si está cerrada)", "", required=False, past_event=True),
    ),
    key=("codigo_alerta",), depends_on=("offices",), topics=("alerts",),
)

OPR = Sheet(
    "opr", "opr", "Organizaciones de productores rurales (OPR), identificadas por su NIT.",
    (
        Column("nit_opr", Kind.NIT, "NIT de la OPR con dígito de verificación", "900123456-8"),
        Column("nombre", Kind.TEXT, "Razón social", "Asociación Cafetera"),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio sede", "05001"),
        Column("cadena_valor", Kind.TEXT, "Cadena de valor", "Café", required=False),
        Column("asociados", Kind.INT, "Número de asociados", "42", required=False, minimum=0),
        Column("formalizada", Kind.BOOL, "¿Está formalizada?", "si", required=False, allowed=YES_NO),
        Column("forma_organizativa", Kind.TEXT, "Forma organizativa", "asociacion", required=False),
        Column("fecha_constitucion", Kind.DATE, "Fecha de constitución", "12/05/2019", required=False,
               past_event=True, programme=False),
    ),
    key=("nit_opr",), depends_on=("offices",), topics=("participants", "business_plans"),
)

HOUSEHOLDS = Sheet(
    "hogares", "households", "Hogares participantes (datos personales, Ley 1581 de 2012).",
    (
        Column("codigo_hogar", Kind.CODE, "Código único del hogar", "H-0000123"),
        Column("nombre_jefe", Kind.TEXT, "Nombre del jefe de hogar", "María Pérez", personal=True),
        Column("documento", Kind.CODE, "Documento de identidad del jefe de hogar (un hogar por documento)", "43123456",
               personal=True),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio de residencia", "05001"),
        Column("sexo", Kind.CODE, "Sexo del jefe de hogar (F | M)", "F", allowed={"f": "F", "m": "M"}),
        Column("edad", Kind.INT, "Edad del jefe de hogar al registrarse", "34", minimum=14, maximum=110),
        Column("etnia", Kind.CODE, "Pertenencia étnica", "ninguna", allowed=_same(ETHNICITIES)),
        Column("victima", Kind.BOOL, "¿Víctima del conflicto?", "no", allowed=YES_NO),
        Column("nit_opr", Kind.NIT, "OPR a la que pertenece (si alguna)", "", required=False, ref="opr.nit_opr"),
        Column("fecha_registro", Kind.DATE, "Fecha de registro", "20/01/2025", past_event=True),
    ),
    key=("codigo_hogar",), depends_on=("offices", "opr"), topics=("participants",),
)

ENROLMENTS = Sheet(
    "inscripciones", "enrolments",
    "Inscripciones de hogares u OPR en una ruta; las promociones encadenan inscripciones.",
    (
        Column("codigo_inscripcion", Kind.CODE, "Código único de la inscripción", "INS-0000456"),
        Column("tipo_participante", Kind.CODE, "hogar u opr", "hogar", allowed=_same(("hogar", "opr"))),
        Column("codigo_hogar", Kind.CODE, "Hogar inscrito (si es hogar)", "H-0000123", required=False,
               ref="hogares.codigo_hogar"),
        Column("nit_opr", Kind.NIT, "OPR inscrita (si es opr)", "", required=False, ref="opr.nit_opr"),
        Column("ruta", Kind.CODE, "Ruta", "basica", allowed=ROUTE),
        Column("mecanismo_ingreso", Kind.CODE, "Mecanismo de ingreso", "barrido", allowed=_same(ENTRY_MECHANISMS)),
        Column("fecha_ingreso", Kind.DATE, "Fecha de ingreso a la ruta", "03/02/2025", past_event=True),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio de atención", "05001"),
        Column("codigo_contrato", Kind.CODE, "Contrato del operador que atiende", "C-2025-014", required=False,
               ref="contratos.codigo_contrato"),
        Column("inscripcion_anterior", Kind.CODE, "Inscripción de la ruta anterior (promoción)", "", required=False,
               ref="inscripciones.codigo_inscripcion"),
    ),
    key=("codigo_inscripcion",), depends_on=("households", "opr", "contracts"), topics=("participants",),
    notes=("La etapa actual, el estado y la salida se calculan de la hoja «etapas».",),
)

STAGE_EVENTS = Sheet(
    "etapas", "stage-events", "Historia de etapas de cada inscripción, con resultado y motivo de salida.",
    (
        Column("codigo_inscripcion", Kind.CODE, "Inscripción", "INS-0000456", ref="inscripciones.codigo_inscripcion"),
        Column("etapa", Kind.CODE, "Etapa de la ruta", "formulacion", allowed=_same(STAGES)),
        Column("fecha_evento", Kind.DATE, "Fecha del evento", "10/04/2025", past_event=True),
        Column("resultado", Kind.CODE, "Resultado (viabilidad, requisitos) o motivo de salida", "", required=False,
               allowed=_same(sorted({o for outs in STAGE_OUTCOMES.values() for o in outs} | set(EXIT_OUTCOMES)))),
        Column("fecha_registro", Kind.DATE, "Fecha en que el operador lo registró (vacío: hoy)", "12/04/2025",
               required=False, past_event=True),
        Column("registrado_por", Kind.TEXT, "Quién lo registró", "operador.andes", required=False),
        Column("nota", Kind.TEXT, "Nota (en una reformulación tras «no viable»: la retroalimentación dada)", "",
               required=False),
        Column("promover", Kind.BOOL, "En la salida graduada de básica o intermedia: «si» crea la inscripción de la "
               "ruta siguiente (promoción)", "", required=False, allowed=YES_NO),
    ),
    key=("codigo_inscripcion", "etapa", "fecha_evento"), depends_on=("enrolments",), topics=("participants",),
    notes=("Tras una evaluación «no viable» se registra la reformulación (etapa «formulacion», con fecha posterior) "
           "y una nueva evaluación, o la salida «no_viable».",),
)

DELIVERIES = Sheet(
    "servicios_prestados", "deliveries", "Servicios prestados a cada inscripción.",
    (
        Column("codigo_inscripcion", Kind.CODE, "Inscripción", "INS-0000456", ref="inscripciones.codigo_inscripcion"),
        Column("servicio", Kind.CODE, "Servicio prestado", "asistencia_tecnica", allowed=SERVICE),
        Column("fecha_entrega", Kind.DATE, "Fecha de la prestación", "15/05/2025", past_event=True),
        Column("codigo_contrato", Kind.CODE, "Contrato (vacío: el de la inscripción)", "", required=False,
               ref="contratos.codigo_contrato"),
        Column("fecha_registro", Kind.DATE, "Fecha de registro (vacío: hoy)", "16/05/2025", required=False,
               past_event=True),
    ),
    key=("codigo_inscripcion", "servicio", "fecha_entrega"), depends_on=("enrolments",), topics=("participants",),
)

HOUSEHOLD_COFINANCING = Sheet(
    "cofinanciacion_hogares", "household-cofinancing",
    "Cofinanciación del microproyecto de cada hogar de la ruta básica (modelo de gestión §4.1 d–e): lo comprometido "
    "y lo desembolsado, y si el hogar cumplió los requisitos del instrumento.",
    (
        Column("codigo_inscripcion", Kind.CODE, "Inscripción de un hogar en la ruta básica", "INS-0000456",
               ref="inscripciones.codigo_inscripcion"),
        Column("comprometido_cop", Kind.MONEY, "Cofinanciación comprometida en pesos", "2500000", minimum=0),
        Column("fecha_compromiso", Kind.DATE, "Fecha del compromiso (obligatoria si hay monto comprometido)",
               "20/06/2025", required=False, past_event=True),
        Column("requisitos_cumplidos", Kind.BOOL, "¿El hogar cumplió los requisitos del instrumento?", "si",
               allowed=YES_NO),
        Column("desembolsado_cop", Kind.MONEY, "Cofinanciación desembolsada en pesos (no más que lo comprometido)",
               "1500000", required=False, minimum=0),
        Column("fecha_desembolso", Kind.DATE, "Fecha del desembolso (obligatoria si hay desembolso)", "15/08/2025",
               required=False, past_event=True),
    ),
    key=("codigo_inscripcion",), depends_on=("enrolments", "stage-events"), topics=("participants",),
    notes=("Solo hogares de la ruta básica que llegaron a la aplicación a cofinanciación; un desembolso exige "
           "requisitos cumplidos y su fecha.",),
)

BASELINES = Sheet(
    "lineas_base", "baselines", "Líneas de base (entrada) y seguimiento a la salida de cada inscripción: las medidas "
    "del hogar o de la OPR según el participante.",
    (
        Column("codigo_inscripcion", Kind.CODE, "Inscripción medida", "INS-0000456",
               ref="inscripciones.codigo_inscripcion"),
        Column("momento", Kind.CODE, "entrada (línea de base) o salida (seguimiento)", "entrada",
               allowed=_same(CH.MOMENTS)),
        Column("fecha", Kind.DATE, "Fecha de la medición", "10/02/2025", past_event=True),
        *(Column(m.column, Kind.BOOL if m.boolean else Kind.MONEY if m.unit == CH.MONEY
                 else Kind.INT if m.unit == CH.COUNT else Kind.NUMBER,
                 f"{'Hogar' if m.participant == CH.HOGAR else 'OPR'}: {m.definition('es')}",
                 {"income_cop": "850000", "productive_assets_cop": "3200000", "capacities_score": "45",
                  "credit_access": "no"}.get(m.code, ""),
                 required=False, allowed=YES_NO if m.boolean else None, minimum=m.minimum, maximum=m.maximum)
          for m in CH.MEASURES),
    ),
    key=("codigo_inscripcion", "momento"), depends_on=("enrolments",), topics=("characterisation",),
    notes=("Un hogar llena las medidas del hogar y deja vacías las de la OPR; una OPR al revés.",),
)

ASSETS = Sheet(
    "mapa_activos", "assets", "Mapa de activos del territorio: mercados, centros de acopio, oferta y demanda "
    "institucional y bienes públicos de cada municipio.",
    (
        Column("codigo_activo", Kind.CODE, "Código único del activo", "MA-05001-001"),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio", "05001"),
        Column("tipo", Kind.CODE, "Tipo de activo", "centro_acopio", allowed=_same(CH.ASSET_KINDS)),
        Column("nombre", Kind.TEXT, "Nombre", "Centro de acopio veredal La Esperanza"),
        Column("entidad", Kind.TEXT, "Entidad que lo opera, ofrece o demanda", "Alcaldía municipal", required=False),
        Column("servicios", Kind.LIST, "Servicios que ofrece o demanda, códigos separados por «;»",
               "comercializacion", required=False, allowed=SERVICE),
        Column("categoria", Kind.CODE, "Bien público: su categoría (la de las alertas territoriales)", "",
               required=False, allowed=_same(CH.PUBLIC_GOOD_CATEGORIES)),
        Column("estado", Kind.CODE, "Bien público: su estado", "", required=False,
               allowed=_same(CH.PUBLIC_GOOD_STATUSES)),
        Column("descripcion", Kind.TEXT, "Descripción", "Acopio de café y cacao", required=False),
        Column("fecha", Kind.DATE, "Fecha de la información", "15/03/2026", past_event=True),
    ),
    key=("codigo_activo",), depends_on=("offices",), topics=("characterisation",),
    notes=("Solo un bien público lleva categoría y estado.",),
)

MATRIX = "matriz_seguimiento"
PLANS = Sheet(
    "planes_negocio", "tracking-matrix", "Matriz de seguimiento a OPRs: planes de negocio (PN).",
    (
        Column("codigo_pn", Kind.CODE, "Código del plan de negocio", "PN-2024-001"),
        Column("nit_opr", Kind.NIT, "NIT de la OPR", "900123456-8"),
        Column("nombre_opr", Kind.TEXT, "Nombre de la OPR", "Asociación Cafetera"),
        Column("ventana", Kind.INT, "Ventana (1, 2 o 3)", "2", allowed={str(v): v for v in VENTANAS}),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio", "05001"),
        Column("cadena_valor", Kind.TEXT, "Cadena de valor", "Café"),
        Column("psde", Kind.CODE, "PSDE que acompaña (código o nombre)", "PSDE-AND", ref="operadores.codigo_operador"),
        Column("fecha_primer_desembolso", Kind.DATE, "Fecha del primer desembolso (vacía: aún sin desembolso; "
               "obligatoria si el plan está cerrado)", "31/08/2024", required=False, past_event=True),
        Column("fecha_cierre", Kind.DATE, "Fecha de cierre (vacía: vigente)", "", required=False, past_event=True),
        Column("oficina_regional", Kind.CODE, "Oficina regional (comprobación)", "", required=False),
    ),
    key=("codigo_pn",), depends_on=("operators", "offices"), topics=("business_plans", "participants"),
    workbook=MATRIX,
)
EVIDENCE = Sheet(
    "evidencias", "tracking-matrix", "Matriz de seguimiento: evidencias de alianza de cada PN (lista completa).",
    (
        Column("codigo_pn", Kind.CODE, "Plan de negocio", "PN-2024-001", ref="planes_negocio.codigo_pn"),
        Column("tipo", Kind.CODE, "contrato, factura o credito", "contrato", allowed=_same(EVIDENCE_KINDS)),
        Column("tipo_aliado", Kind.CODE, "comercial o financiero", "comercial", allowed=_same(ALLY_TYPES)),
        Column("aliado", Kind.TEXT, "Nombre del aliado", "Cooperativa de Caficultores"),
        Column("fecha_inicio", Kind.DATE, "Inicio (la fecha de una factura)", "01/10/2025"),
        Column("fecha_fin", Kind.DATE, "Fin (vacía: sin término)", "", required=False),
        Column("soporte", Kind.TEXT, "Referencia del soporte", "Contrato 123-2025", required=False),
    ),
    key=("codigo_pn", "tipo", "tipo_aliado", "aliado", "fecha_inicio"), topics=("business_plans",), workbook=MATRIX,
    notes=("Las evidencias de un PN del archivo son su lista completa: las que ya no aparecen se anulan.",),
)
SALES = Sheet(
    "ventas", "tracking-matrix", "Matriz de seguimiento: ventas anuales de cada PN y su línea base.",
    (
        Column("codigo_pn", Kind.CODE, "Plan de negocio", "PN-2024-001", ref="planes_negocio.codigo_pn"),
        Column("anio", Kind.INT, "Año", "2025", minimum=2000, maximum=2100),
        Column("ventas_cop", Kind.MONEY, "Ventas del año en pesos", "85000000", minimum=0),
        Column("linea_base", Kind.BOOL, "¿Es la línea base?", "no", allowed=YES_NO),
    ),
    key=("codigo_pn", "anio", "linea_base"), topics=("business_plans",), workbook=MATRIX, optional_sheet=True,
)

TARGETS = Sheet(
    "metas", "targets", "Metas de los indicadores del catálogo por año (u opcionalmente trimestre), nivel y "
    "territorio.",
    (
        Column("indicador", Kind.CODE, "Código del indicador (catálogo de indicadores)", "hogares_atendidos",
               allowed=_same(INDICATORS)),
        Column("anio", Kind.INT, "Año de la meta", "2026", minimum=2000, maximum=2100),
        Column("trimestre", Kind.INT, "Trimestre 1–4 (vacío: meta del año)", "", required=False, minimum=1,
               maximum=4),
        Column("nivel", Kind.CODE, "Nivel territorial de la meta", "oficina_regional",
               allowed=_same(TARGET_LEVELS)),
        Column("codigo_territorio", Kind.CODE, "Código de la oficina regional (nivel oficina_regional) o código "
               "DIVIPOLA del departamento (nivel departamento); vacío para nacional", "CAR", required=False),
        Column("meta", Kind.NUMBER, "Valor de la meta (en la unidad del indicador; % como 80)", "1500", minimum=0),
    ),
    key=("indicador", "anio", "trimestre", "nivel", "codigo_territorio"), depends_on=("offices",),
    topics=("results",),
    notes=("Una meta de trimestre es el valor esperado al cierre de ese trimestre; sin metas trimestrales la "
           "trayectoria es lineal dentro del año.",),
)

KNOWLEDGE = Sheet(
    "conocimiento", "knowledge", "Gestión del conocimiento: buenas prácticas, historias de vida y lecciones "
    "aprendidas, con el hogar o la OPR de la historia (visibles solo con su consentimiento).",
    (
        Column("codigo_registro", Kind.CODE, "Código único del registro", "GC-ANT-001"),
        Column("tipo", Kind.CODE, "Tipo de registro", "buena_practica", allowed=_same(KN.KINDS)),
        Column("titulo", Kind.TEXT, "Título", "Comercialización asociativa de café especial"),
        Column("texto", Kind.TEXT, "El relato", "Las socias acordaron vender juntas a un comprador nacional."),
        Column("cod_municipio", Kind.DIVIPOLA, "Municipio", "05001"),
        Column("ruta", Kind.CODE, "Ruta (vacío: de todo el programa)", "intermedia", required=False, allowed=ROUTE),
        Column("servicio", Kind.CODE, "Tipo de servicio", "comercializacion", required=False, allowed=SERVICE),
        Column("codigo_hogar", Kind.CODE, "Hogar de la historia (si alguno)", "", required=False,
               ref="hogares.codigo_hogar"),
        Column("nit_opr", Kind.NIT, "OPR de la historia (si alguna)", "", required=False, ref="opr.nit_opr"),
        Column("consentimiento", Kind.BOOL, "¿Hay consentimiento para mostrar el hogar o la OPR?", "si",
               allowed=YES_NO),
        Column("etiquetas", Kind.TEXT, "Etiquetas separadas por «;»", "café; mujeres", required=False),
        Column("codigo_operador", Kind.CODE, "Operador que lo registra (un operador: el suyo)", "", required=False,
               ref="operadores.codigo_operador"),
        Column("fecha", Kind.DATE, "Fecha del registro", "15/03/2026", past_event=True),
    ),
    key=("codigo_registro",), depends_on=("offices", "operators", "households", "opr"), topics=("results",),
    notes=("Sin consentimiento, el hogar y la OPR no se muestran en páginas, consola ni descargas.",),
)

# Load order of ``tablero import all``: every sheet after the sheets it references.
ORDER: tuple[Sheet, ...] = (
    OPERATORS, OFFICES, CONTRACTS, SLA_DEFINITIONS, SLA_REPORTS, TARGETING, ALERTS, ASSETS, OPR, HOUSEHOLDS,
    ENROLMENTS, STAGE_EVENTS, DELIVERIES, HOUSEHOLD_COFINANCING, BASELINES, PLANS, EVIDENCE, SALES, TARGETS, KNOWLEDGE,
)
BY_NAME: dict[str, Sheet] = {s.name: s for s in ORDER}
ENTITIES: dict[str, tuple[Sheet, ...]] = {}
for _sheet in ORDER:
    ENTITIES.setdefault(_sheet.entity, ())
    ENTITIES[_sheet.entity] += (_sheet,)
