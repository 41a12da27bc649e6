"""Import of the «Matriz de seguimiento a OPRs» (seed 004) from an .xlsx workbook.

One code path for ``tablero import tracking-matrix`` and the upload form of the alliance
page. The whole workbook is parsed and validated first; any problem rejects the whole
file and the report lists every problem by sheet, row and column with its fix — nothing
is written. A valid file is applied in ONE transaction: plans upserted by ``codigo_pn``,
OPR matched by NIT, the evidence of every plan in the file made equal to the file's
(evidence no longer listed is voided, never deleted), sales upserted by (plan, year,
baseline). Every changed row appends an audit entry (``data_access.audit.log.record``) and
the ``business_plans`` data version is bumped. Re-importing the same file changes
nothing and says so.

Sheets (headers match case- and accent-insensitively; extra columns are ignored):

* ``planes_negocio``: codigo_pn, nit_opr, nombre_opr, ventana, cod_municipio, cadena_valor,
  psde, fecha_primer_desembolso, fecha_cierre (may be empty), [oficina_regional];
* ``evidencias``: codigo_pn, tipo (contrato | factura | credito), tipo_aliado (comercial |
  financiero), aliado, fecha_inicio (a factura's date), fecha_fin (may be empty), [soporte];
* ``ventas`` (optional): codigo_pn, anio, ventas_cop, linea_base (si | no).

Dates arrive as Excel dates, ISO text or dd/mm/yyyy text; ``cod_municipio`` may arrive as
a number that lost its leading zero (5001 → 05001).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import select

from data_access.audit import log as audit
from data_access.core import versions
from data_access.core.auth import AccountRefused, check_account
from data_access.core.db import StoreError, get_engine, session_scope, store_errors
from data_access.core.models import (
    AllianceEvidence,
    BusinessPlan,
    Municipality,
    Operator,
    Opr,
    RegionalOffice,
    Sales,
    ValueChain,
)
from data_access.core.scope import Viewer
from rules import access
from rules.alliance.matrix_cells import blank as _blank
from rules.alliance.matrix_cells import cell_text as _text
from rules.alliance.matrix_cells import municipality_code, nit_base, parse_date
from rules.core.clock import today
from rules.core.nit import format_nit, read_nit
from rules.edit import validation as rv

PN_SHEET, EV_SHEET, SALES_SHEET = "planes_negocio", "evidencias", "ventas"
PN_COLUMNS = ("codigo_pn", "nit_opr", "nombre_opr", "ventana", "cod_municipio", "cadena_valor", "psde",
              "fecha_primer_desembolso", "fecha_cierre")
PN_OPTIONAL = ("oficina_regional",)
EV_COLUMNS = ("codigo_pn", "tipo", "tipo_aliado", "aliado", "fecha_inicio", "fecha_fin")
EV_OPTIONAL = ("soporte",)
SALES_COLUMNS = ("codigo_pn", "anio", "ventas_cop", "linea_base")
SHEETS = {
    PN_SHEET: (PN_COLUMNS, PN_OPTIONAL),
    EV_SHEET: (EV_COLUMNS, EV_OPTIONAL),
    SALES_SHEET: (SALES_COLUMNS, ()),
}
REQUIRED_SHEETS = (PN_SHEET, EV_SHEET)
HEADER_ALIASES = {"ano": "anio", "year": "anio", "planes_de_negocio": PN_SHEET, "planes": PN_SHEET,
                  "evidencia": EV_SHEET, "venta": SALES_SHEET}
MAX_ROWS = 200_000


class ImportPermissionError(PermissionError):
    """The viewer's role may not write through the importer."""


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int | None
    column: str
    message: str  # Spanish, says how to fix it
    letter: str = ""

    def __str__(self) -> str:
        where = [f"Hoja «{self.sheet}»"] if self.sheet else ["Archivo"]
        if self.row:
            where.append(f"fila {self.row}")
        if self.column:
            where.append(f"columna «{self.column}»" + (f" ({self.letter})" if self.letter else ""))
        return f"{', '.join(where)}: {self.message}"


@dataclass
class ImportReport:
    ok: bool
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    changed: bool = False
    message: str = ""
    notes: list[Problem] = field(default_factory=list)  # NITs completed with a computed check digit

    def lines(self) -> list[str]:
        return [self.message] + [str(p) for p in self.problems] + [str(n) for n in self.notes]


# ------------------------------------------------------------------ normalisation
def norm(text) -> str:
    """'Código PN ' → 'codigo_pn'; 'Año' → 'anio' (case-, accent- and spacing-insensitive)."""
    s = unicodedata.normalize("NFKD", str(text or "")).encode("ascii", "ignore").decode().lower().strip()
    s = re.sub(r"[^a-z0-9]+", "_", s).strip("_")
    return HEADER_ALIASES.get(s, s)


def _bool_si_no(v) -> bool | None:
    s = norm(v)
    if s in ("si", "s", "yes", "true", "1", "x"):
        return True
    if s in ("no", "n", "false", "0"):
        return False
    return None


# ------------------------------------------------------------------ parsing
@dataclass
class _Sheet:
    name: str  # canonical
    title: str  # as in the file
    columns: dict[str, int]  # canonical column → 0-based index
    headers: dict[str, str]  # canonical column → header text as in the file
    rows: list[tuple[int, dict]]  # (excel row number, {canonical: value})


def _read(data: bytes, problems: list[Problem]) -> dict[str, _Sheet]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        problems.append(Problem("", None, "",
                                f"el archivo no es un libro de Excel .xlsx válido ({type(exc).__name__}); "
                                "guárdelo como «Libro de Excel (.xlsx)» o use la plantilla."))
        return {}
    sheets: dict[str, _Sheet] = {}
    try:
        for ws in wb.worksheets:
            name = norm(ws.title)
            if name not in SHEETS or name in sheets:
                continue
            required, optional = SHEETS[name]
            rows_iter = ws.iter_rows(values_only=True)
            header = next(rows_iter, None) or ()
            columns: dict[str, int] = {}
            headers: dict[str, str] = {}
            for i, h in enumerate(header):
                key = norm(h)
                if key and key not in columns:
                    columns[key] = i
                    headers[key] = _text(h)
            for col in required:
                if col not in columns:
                    problems.append(Problem(ws.title, 1, col, f"falta la columna «{col}»; agréguela en la fila de "
                                                              "encabezados (vea la plantilla)."))
            rows = []
            for n, values in enumerate(rows_iter, start=2):
                if values is None or all(_blank(v) for v in values):
                    continue
                if len(rows) >= MAX_ROWS:
                    problems.append(Problem(ws.title, n, "", f"más de {MAX_ROWS} filas; divida el archivo."))
                    break
                rows.append((n, {c: (values[i] if i < len(values) else None) for c, i in columns.items()}))
            sheets[name] = _Sheet(name, ws.title, columns, headers, rows)
    finally:
        wb.close()
    for name in REQUIRED_SHEETS:
        if name not in sheets:
            problems.append(Problem(name, None, "", f"falta la hoja «{name}»; el libro debe tener las hojas "
                                                    f"{', '.join(REQUIRED_SHEETS)} (y opcionalmente {SALES_SHEET})."))
    return sheets


# ------------------------------------------------------------------ reference lookups
@dataclass
class _Reference:
    municipalities: dict[str, int | None]  # code → office id
    offices: dict[str, int]  # normalised code/name → id
    office_names: dict[int, str]
    chains: dict[str, int]  # normalised name → id
    chain_names: list[str]
    operators: dict[str, int]  # normalised code/name → id


def _reference(conn) -> _Reference:
    munis = dict(conn.execute(select(Municipality.code, Municipality.regional_office_id)).all())
    offices, office_names = {}, {}
    for i, code, name in conn.execute(select(RegionalOffice.id, RegionalOffice.code, RegionalOffice.name)):
        offices[norm(code)] = i
        offices[norm(name)] = i
        office_names[i] = name
    chains, chain_names = {}, []
    for i, name in conn.execute(select(ValueChain.id, ValueChain.name).order_by(ValueChain.name)):
        chains[norm(name)] = i
        chain_names.append(name)
    operators = {}
    for i, code, name in conn.execute(select(Operator.id, Operator.code, Operator.name).order_by(Operator.id)):
        operators.setdefault(norm(code), i)
        operators.setdefault(norm(name), i)
    return _Reference(munis, offices, office_names, chains, chain_names, operators)


def _chunks(items, size=500):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i:i + size]


# ------------------------------------------------------------------ validation
PN_FIELD_COLUMN = {
    "ventana": "ventana", "municipality_code": "cod_municipio", "first_disbursement_date": "fecha_primer_desembolso",
    "closure_date": "fecha_cierre", "nit": "nit_opr",
}
EV_FIELD_COLUMN = {
    "kind": "tipo", "ally_type": "tipo_aliado", "ally_name": "aliado", "start_date": "fecha_inicio",
    "end_date": "fecha_fin", "document_ref": "soporte",
}
KINDS = {"contrato": "contrato", "factura": "factura", "credito": "credito"}
ALLY_TYPES = {"comercial": "comercial", "financiero": "financiero"}


@dataclass
class _PlanRow:
    row: int
    code: str
    nit: str
    opr_name: str
    ventana: int
    municipality_code: str
    value_chain_id: int | None
    psde_operator_id: int | None
    first_disbursement_date: dt.date
    closure_date: dt.date | None
    nit_note: Problem | None = None  # the NIT came without its check digit: the one computed, for the preview
    nit_written: str = ""


@dataclass(frozen=True)
class _EvRow:
    kind: str
    ally_type: str
    ally_name: str
    start_date: dt.date
    end_date: dt.date | None
    document_ref: str


def _problem(sheet: _Sheet, row: int, column: str, message: str) -> Problem:
    idx = sheet.columns.get(column)
    letter = get_column_letter(idx + 1) if idx is not None else ""
    return Problem(sheet.title, row, sheet.headers.get(column, column), message, letter)


def _date_field(sheet, n, values, column, problems) -> tuple[dt.date | None, bool]:
    try:
        return parse_date(values.get(column)), True
    except (ValueError, TypeError, OverflowError):
        problems.append(_problem(sheet, n, column, f"«{_text(values.get(column))}» no es una fecha; use una fecha "
                                                   "de Excel, AAAA-MM-DD o DD/MM/AAAA."))
        return None, False


def _validate_plans(sheet: _Sheet, ref: _Reference, problems: list[Problem]) -> dict[str, _PlanRow]:
    plans: dict[str, _PlanRow] = {}
    first_row: dict[str, int] = {}
    known = set(ref.municipalities)
    for n, v in sheet.rows:
        before = len(problems)
        code = _text(v.get("codigo_pn"))
        if not code:
            problems.append(_problem(sheet, n, "codigo_pn", "es obligatorio; escriba el código del plan de negocio."))
        elif len(code) > 30:
            problems.append(_problem(sheet, n, "codigo_pn", "tiene más de 30 caracteres; acorte el código."))
        elif code in first_row:
            problems.append(_problem(sheet, n, "codigo_pn", f"«{code}» está repetido (ya aparece en la fila "
                                                            f"{first_row[code]}); deje una sola fila por plan."))
        else:
            first_row[code] = n
        raw_nit = v.get("nit_opr")
        nit, nit_note = _nit_field(sheet, n, raw_nit, problems)
        opr_name = _text(v.get("nombre_opr"))
        if not opr_name:
            problems.append(_problem(sheet, n, "nombre_opr", "es obligatorio; escriba el nombre de la OPR."))
        muni = municipality_code(v.get("cod_municipio"))
        first, ok1 = _date_field(sheet, n, v, "fecha_primer_desembolso", problems)
        closure, ok2 = _date_field(sheet, n, v, "fecha_cierre", problems)
        if ok1 and first is None:
            problems.append(_problem(sheet, n, "fecha_primer_desembolso", "es obligatoria; escriba la fecha en que "
                                                                          "el primer desembolso llegó a la cuenta "
                                                                          "secundaria."))
        data = {"ventana": v.get("ventana") if not isinstance(v.get("ventana"), str) else v.get("ventana").strip(),
                "municipality_code": muni}
        if ok1:
            data["first_disbursement_date"] = first
        if ok2:
            data["closure_date"] = closure
        for err in rv.validate_business_plan(data, known):
            column = PN_FIELD_COLUMN.get(err.field, err.field)
            if err.field == "first_disbursement_date" and "cerrado necesita" in err.message:
                continue  # reported above as a required date
            problems.append(_problem(sheet, n, column, _strip_label(err.message)))
        chain_text = _text(v.get("cadena_valor"))
        chain_id = ref.chains.get(norm(chain_text))
        if not chain_text:
            problems.append(_problem(sheet, n, "cadena_valor", "es obligatoria; use una de: "
                                                               f"{', '.join(ref.chain_names)}."))
        elif chain_id is None:
            problems.append(_problem(sheet, n, "cadena_valor", f"«{chain_text}» no es una cadena de valor del "
                                                               f"catálogo; use una de: {', '.join(ref.chain_names)}."))
        psde_text = _text(v.get("psde"))
        psde_id = ref.operators.get(norm(psde_text))
        if not psde_text:
            problems.append(_problem(sheet, n, "psde", "es obligatorio; escriba el código o el nombre del PSDE."))
        elif psde_id is None:
            problems.append(_problem(sheet, n, "psde", f"«{psde_text}» no es un operador registrado; escriba el "
                                                       "código o el nombre exacto del PSDE (pida su registro al "
                                                       "administrador si es nuevo)."))
        office_text = _text(v.get("oficina_regional"))
        if office_text and muni in ref.municipalities:
            office_id = ref.offices.get(norm(office_text))
            expected = ref.municipalities[muni]
            if office_id is None:
                problems.append(_problem(sheet, n, "oficina_regional", f"«{office_text}» no es una oficina regional; "
                                                                       "use su código o nombre, o deje la celda "
                                                                       "vacía."))
            elif office_id != expected:
                problems.append(_problem(sheet, n, "oficina_regional",
                                         f"«{office_text}» no corresponde al municipio {muni}, que pertenece a la "
                                         f"oficina «{ref.office_names.get(expected, 'sin oficina')}»; corrija la "
                                         "oficina o el municipio."))
        if len(problems) == before and code:
            plans[code] = _PlanRow(n, code, nit, opr_name, int(float(data["ventana"])), muni, chain_id, psde_id,
                                   first, closure, nit_note, _text(raw_nit))
    return plans


def _nit_field(sheet: _Sheet, n: int, raw, problems: list[Problem]) -> tuple[str, Problem | None]:
    """The stored NIT of a row and, when it came without a check digit, the preview note
    with the one computed. A written check digit is verified: a mistyped digit fails."""
    if _blank(raw):
        problems.append(_problem(sheet, n, "nit_opr", "es obligatorio; escriba el NIT de la OPR con su dígito "
                                                      "de verificación (p. ej. 900123456-8)."))
        return "", None
    try:
        reading = read_nit(raw)
    except ValueError:
        problems.append(_problem(sheet, n, "nit_opr", f"«{_text(raw)}» no es un NIT válido; escríbalo con "
                                                      "su dígito de verificación DIAN (p. ej. 900123456-8) y "
                                                      "revise los dígitos."))
        return _text(raw), None
    if not reading.check_digit_ok:
        problems.append(_problem(sheet, n, "nit_opr", f"«{_text(raw)}» no es un NIT válido: el dígito de "
                                                      f"verificación {reading.check_digit} no corresponde al número "
                                                      f"{reading.base}; copie el NIT y su dígito de verificación del "
                                                      "RUT de la OPR."))
        return _text(raw), None
    if reading.check_digit is not None:
        return reading.formatted, None
    return reading.formatted, _problem(
        sheet, n, "nit_opr", f"«{_text(raw)}» no trae dígito de verificación: se toma como "
                             f"{reading.formatted} (dígito calculado); compárelo con el RUT de la OPR.")


def _check_nit_owners(conn, sheet: _Sheet, plans: dict[str, _PlanRow], problems: list[Problem]) -> None:
    """A NIT without its check digit cannot be verified: when it names an OPR already
    registered under another name, it is more likely a mistyped NIT than a renaming, so the
    row is refused (written with its check digit, the NIT renames the OPR)."""
    unverified = {nit_base(p.nit): p for p in plans.values() if p.nit_note is not None}
    owners: dict[str, str] = {}
    for chunk in _chunks(unverified):
        candidates = chunk + [format_nit(b) for b in chunk]
        for nit, name in conn.execute(select(Opr.nit, Opr.name).where(Opr.nit.in_(candidates)).order_by(Opr.id)):
            owners.setdefault(nit_base(nit), name)
    for p in sorted(plans.values(), key=lambda p: p.row):
        owner = owners.get(nit_base(p.nit))
        if p.nit_note is None or owner is None or norm(owner) == norm(p.opr_name):
            continue
        problems.append(_problem(sheet, p.row, "nit_opr",
                                 f"«{p.nit_written}» (sin dígito de verificación, {p.nit}) es el NIT de la OPR "
                                 f"«{owner}» ya registrada, no de «{p.opr_name}»; revise el NIT, o escríbalo con "
                                 "su dígito de verificación si la OPR cambió de nombre."))


def nit_notes(plans: dict[str, _PlanRow]) -> list[Problem]:
    """The NITs completed with a computed check digit, by row: shown in the preview."""
    return sorted((p.nit_note for p in plans.values() if p.nit_note is not None), key=lambda p: p.row or 0)


def _strip_label(message: str) -> str:
    """'Ventana: «4» no es válida…' → '«4» no es válida…' (the column is named by the report)."""
    head, sep, rest = message.partition(": ")
    return rest if sep and len(head) < 60 else message


def _validate_evidence(sheet: _Sheet, file_codes: set[str], store_codes: set[str],
                       problems: list[Problem]) -> dict[str, list[_EvRow]]:
    out: dict[str, list[_EvRow]] = {}
    for n, v in sheet.rows:
        before = len(problems)
        code = _text(v.get("codigo_pn"))
        if not code:
            problems.append(_problem(sheet, n, "codigo_pn", "es obligatorio; escriba el código del plan."))
        elif code not in file_codes and code not in store_codes:
            problems.append(_problem(sheet, n, "codigo_pn", f"el plan «{code}» no existe en la hoja "
                                                            f"{PN_SHEET} ni en el tablero; agréguelo a "
                                                            f"{PN_SHEET} o corrija el código."))
        kind = KINDS.get(norm(v.get("tipo")), norm(v.get("tipo")))
        ally_type = ALLY_TYPES.get(norm(v.get("tipo_aliado")), norm(v.get("tipo_aliado")))
        start, ok1 = _date_field(sheet, n, v, "fecha_inicio", problems)
        end, ok2 = _date_field(sheet, n, v, "fecha_fin", problems)
        data = {"kind": kind, "ally_type": ally_type, "ally_name": _text(v.get("aliado"))}
        if ok1:
            data["start_date"] = start
        else:
            data["start_date"] = dt.date(2000, 1, 1)  # already reported; avoid a second "obligatoria"
        # the end of a contract or credit may lie in the future: checked here, not by the shared validator
        for err in rv.validate_evidence(data):
            problems.append(_problem(sheet, n, EV_FIELD_COLUMN.get(err.field, err.field), _strip_label(err.message)))
        bound = rv.programme_date_error("end_date", end, past_event=False) if ok2 and end is not None else None
        if bound is not None:
            problems.append(_problem(sheet, n, "fecha_fin", _strip_label(bound.message)))
        elif ok1 and ok2 and start is not None and end is not None and end < start:
            problems.append(_problem(sheet, n, "fecha_fin", f"{end.isoformat()} es anterior a la fecha de inicio "
                                                            f"({start.isoformat()}); corrija una de las dos fechas."))
        if len(problems) == before:
            out.setdefault(code, []).append(
                _EvRow(kind, ally_type, data["ally_name"][:200], start, end, _text(v.get("soporte"))[:200]))
    return out


def _validate_sales(sheet: _Sheet, file_codes: set[str], store_codes: set[str],
                    problems: list[Problem]) -> dict[tuple[str, int, bool], tuple[int, int]]:
    out: dict[tuple[str, int, bool], tuple[int, int]] = {}
    max_year = today().year
    for n, v in sheet.rows:
        before = len(problems)
        code = _text(v.get("codigo_pn"))
        if not code:
            problems.append(_problem(sheet, n, "codigo_pn", "es obligatorio; escriba el código del plan."))
        elif code not in file_codes and code not in store_codes:
            problems.append(_problem(sheet, n, "codigo_pn", f"el plan «{code}» no existe en la hoja {PN_SHEET} "
                                                            "ni en el tablero; corrija el código."))
        year = None
        try:
            fy = float(_text(v.get("anio")))
            if not fy.is_integer():
                raise ValueError
            year = int(fy)
            if not 2000 <= year <= max_year:
                problems.append(_problem(sheet, n, "anio", f"{year} está fuera de rango; use un año entre 2000 y "
                                                           f"{max_year}."))
        except (TypeError, ValueError):
            problems.append(_problem(sheet, n, "anio", f"«{_text(v.get('anio'))}» no es un año; escriba el año con "
                                                       "4 dígitos (p. ej. 2025)."))
        amount = None
        raw = v.get("ventas_cop")
        try:
            if isinstance(raw, str):
                raw = raw.replace("$", "").replace(".", "").replace(" ", "").replace(",", ".")
            fa = float(raw)
            if fa < 0 or fa != fa:
                raise ValueError
            amount = int(round(fa))
        except (TypeError, ValueError):
            problems.append(_problem(sheet, n, "ventas_cop", f"«{_text(v.get('ventas_cop'))}» no es un valor válido; "
                                                             "escriba las ventas en pesos, sin símbolos, mayor o "
                                                             "igual a 0."))
        base = _bool_si_no(v.get("linea_base"))
        if base is None:
            problems.append(_problem(sheet, n, "linea_base", f"«{_text(v.get('linea_base'))}» no es válido; "
                                                             "escriba si o no."))
        if len(problems) == before:
            key = (code, year, base)
            if key in out:
                problems.append(_problem(sheet, n, "anio", f"el plan «{code}» ya tiene ventas del año {year} "
                                                           f"({'línea base' if base else 'seguimiento'}) en la fila "
                                                           f"{out[key][1]}; deje una sola fila."))
            else:
                out[key] = (amount, n)
    return out


# ------------------------------------------------------------------ the import
def _ev_key(ev) -> tuple:
    return (ev.kind, ev.ally_type, ev.ally_name, ev.start_date, ev.end_date, ev.document_ref or "")


def can_write(viewer: Viewer) -> bool:
    return access.allowed(viewer, access.IMPORT_TRACKING_MATRIX)


def validate_workbook(data: bytes, url: str | None = None):
    """Parse and validate the whole workbook: (problems, plans, evidence, sales)."""
    problems: list[Problem] = []
    sheets = _read(data, problems)
    if PN_SHEET not in sheets or EV_SHEET not in sheets or problems:
        return problems, {}, {}, {}
    with get_engine(url).connect() as conn:
        ref = _reference(conn)
        plans = _validate_plans(sheets[PN_SHEET], ref, problems)
        _check_nit_owners(conn, sheets[PN_SHEET], plans, problems)
        file_codes = {_text(v.get("codigo_pn")) for _, v in sheets[PN_SHEET].rows} - {""}
        referenced = ({_text(v.get("codigo_pn")) for _, v in sheets[EV_SHEET].rows}
                      | {_text(v.get("codigo_pn")) for _, v in (sheets[SALES_SHEET].rows if SALES_SHEET in sheets
                                                                else [])}) - file_codes - {""}
        store_codes = set()
        for chunk in _chunks(referenced):
            store_codes |= set(conn.execute(select(BusinessPlan.code).where(BusinessPlan.code.in_(chunk))).scalars())
    evidence = _validate_evidence(sheets[EV_SHEET], file_codes, store_codes, problems)
    sales = _validate_sales(sheets[SALES_SHEET], file_codes, store_codes, problems) if SALES_SHEET in sheets else {}
    problems.sort(key=lambda p: (list(SHEETS).index(norm(p.sheet)) if norm(p.sheet) in SHEETS else -1, p.row or 0))
    return problems, plans, evidence, sales


def import_tracking_matrix(data: bytes, viewer: Viewer, url: str | None = None, dry_run: bool = False) -> ImportReport:
    """Validate the whole workbook, then (unless ``dry_run``) apply it in one transaction."""
    if not can_write(viewer):
        raise ImportPermissionError(
            "Su rol no permite importar la matriz de seguimiento: solo analistas PMO y administradores. "
            "Solicite el permiso al administrador."
        )
    try:
        with store_errors():
            problems, plans, evidence, sales = validate_workbook(data, url)
        if problems:
            return ImportReport(False, dry_run, problems, Counter(), False,
                                f"Archivo rechazado: {len(problems)} problema(s); no se guardó nada. Corrija cada "
                                "problema indicado (hoja, fila, columna) y vuelva a cargar el archivo.")
        with session_scope(url, write=not dry_run) as session:
            try:
                check_account(session, viewer)
            except AccountRefused as exc:
                raise ImportPermissionError(exc.message) from None
            counts = _apply(session, viewer, plans, evidence, sales, record_audit=not dry_run)
            changed = any(v for k, v in counts.items() if not k.endswith("unchanged"))
            if dry_run or not changed:
                session.rollback()
            else:
                topics = ["business_plans"] + (["participants"] if counts["opr_created"] or counts["opr_updated"]
                                               else [])
                versions.bump(session, *topics)
    except StoreError as exc:
        return ImportReport(False, dry_run, [], Counter(), False, f"Importación no realizada: {exc.message}")
    summary = _summary(counts)
    if not changed:
        message = f"Sin cambios: el archivo coincide con los datos actuales ({summary}). No se guardó nada."
    elif dry_run:
        message = f"Validación correcta (simulación, no se guardó nada): {summary}."
    else:
        message = f"Importación completa: {summary}."
    return ImportReport(True, dry_run, [], counts, changed and not dry_run, message, notes=nit_notes(plans))


def _summary(c: Counter) -> str:
    return (f"planes nuevos {c['pn_created']}, actualizados {c['pn_updated']}, sin cambios {c['pn_unchanged']}; "
            f"OPR nuevas {c['opr_created']}, actualizadas {c['opr_updated']}; evidencias agregadas "
            f"{c['evidence_added']}, anuladas {c['evidence_voided']}; ventas nuevas {c['sales_created']}, "
            f"actualizadas {c['sales_updated']}")


PN_FIELDS = ("opr_id", "ventana", "municipality_code", "value_chain_id", "psde_operator_id",
             "first_disbursement_date", "closure_date")


def _apply(session, viewer: Viewer, plans: dict[str, _PlanRow], evidence: dict[str, list[_EvRow]],
           sales: dict, record_audit: bool = True) -> Counter:
    """Write the validated file; rows first, then audit entries (house lock order)."""
    counts: Counter = Counter()
    entries: list[tuple] = []  # (entity, entity_id_fn, action, before, obj_or_after)
    # --- OPR by NIT
    bases = {nit_base(p.nit) for p in plans.values()}
    oprs: dict[str, Opr] = {}
    for chunk in _chunks(bases):
        candidates = chunk + [format_nit(b) for b in chunk if b.isdigit()]
        for opr in session.scalars(select(Opr).where(Opr.nit.in_(candidates)).order_by(Opr.id)):
            oprs.setdefault(nit_base(opr.nit), opr)
    seen_nit: set[str] = set()
    for p in plans.values():
        base = nit_base(p.nit)
        if base in seen_nit:
            continue
        seen_nit.add(base)
        opr = oprs.get(base)
        if opr is None:
            opr = Opr(nit=p.nit, name=p.opr_name, municipality_code=p.municipality_code,
                      value_chain_id=p.value_chain_id, created_on=today(), version=1)
            session.add(opr)
            oprs[base] = opr
            counts["opr_created"] += 1
            entries.append(("opr", opr, "create", None, opr))
        elif opr.name != p.opr_name:
            before = audit.row_dict(opr)
            opr.name = p.opr_name
            opr.version = (opr.version or 1) + 1
            counts["opr_updated"] += 1
            entries.append(("opr", opr, "update", before, opr))
    session.flush()
    # --- plans by codigo_pn
    existing: dict[str, BusinessPlan] = {}
    for chunk in _chunks(plans):
        for bp in session.scalars(select(BusinessPlan).where(BusinessPlan.code.in_(chunk))):
            existing[bp.code] = bp
    for code, p in plans.items():
        target = {
            "opr_id": oprs[nit_base(p.nit)].id, "ventana": p.ventana, "municipality_code": p.municipality_code,
            "value_chain_id": p.value_chain_id, "psde_operator_id": p.psde_operator_id,
            "first_disbursement_date": p.first_disbursement_date, "closure_date": p.closure_date,
        }
        bp = existing.get(code)
        if bp is None:
            bp = BusinessPlan(code=code, version=1, **target)
            session.add(bp)
            existing[code] = bp
            counts["pn_created"] += 1
            entries.append(("business_plan", bp, "create", None, bp))
        elif any(getattr(bp, k) != v for k, v in target.items()):
            before = audit.row_dict(bp)
            for k, v in target.items():
                setattr(bp, k, v)
            bp.version = (bp.version or 1) + 1
            counts["pn_updated"] += 1
            entries.append(("business_plan", bp, "update", before, bp))
        else:
            counts["pn_unchanged"] += 1
    session.flush()
    # plans referenced only by evidence / sales sheets
    others = (set(evidence) | {k[0] for k in sales}) - set(existing)
    for chunk in _chunks(others):
        for bp in session.scalars(select(BusinessPlan).where(BusinessPlan.code.in_(chunk))):
            existing[bp.code] = bp
    # --- evidence: the file's list is complete for every plan it names
    touched = set(plans) | set(evidence)
    by_plan: dict[int, list[AllianceEvidence]] = {}
    ids = [existing[c].id for c in touched]
    for chunk in _chunks(ids):
        for ev in session.scalars(select(AllianceEvidence).where(AllianceEvidence.business_plan_id.in_(chunk),
                                                                 AllianceEvidence.voided == False)  # noqa: E712
                                  .order_by(AllianceEvidence.id)):
            by_plan.setdefault(ev.business_plan_id, []).append(ev)
    for code in sorted(touched):
        bp = existing[code]
        wanted = Counter(_ev_key(e) for e in evidence.get(code, []))
        current = by_plan.get(bp.id, [])
        have = Counter(_ev_key(e) for e in current)
        counts["evidence_unchanged"] += sum(min(n, have.get(k, 0)) for k, n in wanted.items())
        for ev in current:
            k = _ev_key(ev)
            if have[k] > wanted.get(k, 0):
                before = audit.row_dict(ev)
                ev.voided = True
                ev.version = (ev.version or 1) + 1
                have[k] -= 1
                counts["evidence_voided"] += 1
                entries.append(("alliance_evidence", ev, "void", before, ev))
        for e in evidence.get(code, []):
            k = _ev_key(e)
            if have.get(k, 0) >= wanted[k]:
                continue
            have[k] = have.get(k, 0) + 1
            ev = AllianceEvidence(business_plan_id=bp.id, kind=e.kind, ally_type=e.ally_type, ally_name=e.ally_name,
                                  start_date=e.start_date, end_date=e.end_date, document_ref=e.document_ref,
                                  voided=False, version=1)
            session.add(ev)
            counts["evidence_added"] += 1
            entries.append(("alliance_evidence", ev, "create", None, ev))
    # --- sales by (plan, year, baseline)
    if sales:
        sale_ids = list({existing[k[0]].id for k in sales})
        current_sales = {}
        for chunk in _chunks(sale_ids):
            for s in session.scalars(select(Sales).where(Sales.business_plan_id.in_(chunk))):
                current_sales[(s.business_plan_id, s.year, bool(s.is_baseline))] = s
        for (code, year, base), (amount, _row) in sorted(sales.items(), key=lambda kv: kv[1][1]):
            key = (existing[code].id, year, base)
            s = current_sales.get(key)
            if s is None:
                s = Sales(business_plan_id=key[0], year=year, amount_cop=amount, is_baseline=base, version=1)
                session.add(s)
                counts["sales_created"] += 1
                entries.append(("sales", s, "create", None, s))
            elif int(s.amount_cop) != amount:
                before = audit.row_dict(s)
                s.amount_cop = amount
                s.version = (s.version or 1) + 1
                counts["sales_updated"] += 1
                entries.append(("sales", s, "update", before, s))
            else:
                counts["sales_unchanged"] += 1
    session.flush()
    # --- audit: after every row is written (rows → audit chain → data versions)
    if not record_audit:
        return counts
    for entity, obj, action, before, after in entries:
        entity_id = obj.code if entity == "business_plan" else obj.id
        audit.record(session, viewer.username, entity, entity_id, action, before, audit.row_dict(after))
    return counts


# ------------------------------------------------------------------ template
TEMPLATE_HELP = [
    ("Hoja", "Columna", "Contenido"),
    (PN_SHEET, "codigo_pn", "Código único del plan de negocio (obligatorio)."),
    (PN_SHEET, "nit_opr", "NIT de la OPR con dígito de verificación, p. ej. 900123456-8 (se verifica). Sin él, "
                          "el dígito se calcula y se muestra en la validación para compararlo con el RUT."),
    (PN_SHEET, "nombre_opr", "Nombre de la organización de productores."),
    (PN_SHEET, "ventana", "1, 2 o 3."),
    (PN_SHEET, "cod_municipio", "Código DIVIPOLA de 5 dígitos (05001); si Excel quita el cero se corrige solo."),
    (PN_SHEET, "cadena_valor", "Nombre de la cadena de valor del catálogo (p. ej. Café)."),
    (PN_SHEET, "psde", "Código o nombre del PSDE (operador) registrado."),
    (PN_SHEET, "fecha_primer_desembolso", "Fecha en que el primer desembolso llegó a la cuenta secundaria."),
    (PN_SHEET, "fecha_cierre", "Fecha de cierre (ejecución) del plan; vacía si no ha cerrado."),
    (PN_SHEET, "oficina_regional", "Opcional: código o nombre; debe coincidir con la oficina del municipio."),
    (EV_SHEET, "codigo_pn", "Plan al que pertenece la evidencia (de esta matriz o ya registrado)."),
    (EV_SHEET, "tipo", "contrato, factura o credito."),
    (EV_SHEET, "tipo_aliado", "comercial o financiero (un crédito exige aliado financiero)."),
    (EV_SHEET, "aliado", "Razón social del aliado."),
    (EV_SHEET, "fecha_inicio", "Inicio del contrato o crédito; para una factura, su fecha."),
    (EV_SHEET, "fecha_fin", "Fin del contrato o crédito; vacía = indefinido. Vacía para facturas."),
    (EV_SHEET, "soporte", "Referencia o enlace al documento de soporte."),
    (SALES_SHEET, "codigo_pn", "Plan (opcional: hoja de ventas para el incremento frente a la línea base)."),
    (SALES_SHEET, "anio", "Año de las ventas."),
    (SALES_SHEET, "ventas_cop", "Ventas del año en pesos, sin símbolos."),
    (SALES_SHEET, "linea_base", "si para la línea base, no para el seguimiento."),
    ("", "", ""),
    ("Reglas", "", "Fechas: fecha de Excel, AAAA-MM-DD o DD/MM/AAAA, desde el 01/01/2000; las de hechos ocurridos "
                   "(desembolso, cierre, inicio, factura), hasta hoy. Encabezados sin importar mayúsculas ni tildes."),
    ("Reglas", "", "Todo o nada: si una fila tiene un problema no se guarda nada y el reporte indica hoja, fila "
                   "y columna."),
    ("Reglas", "", "Los planes se actualizan por codigo_pn. La hoja evidencias es la lista completa de evidencias "
                   "de cada plan del archivo: las que ya no aparezcan se anulan (no se borran)."),
    ("Reglas", "", "Volver a cargar el mismo archivo no cambia nada."),
]


def template_bytes() -> bytes:
    """A blank workbook with the three sheets, their headers, input lists and instructions."""
    wb = Workbook()
    ws = wb.active
    ws.title = PN_SHEET
    ws.append(list(PN_COLUMNS + PN_OPTIONAL))
    dv = DataValidation(type="list", formula1='"1,2,3"', allow_blank=True)
    ws.add_data_validation(dv)
    dv.add("D2:D5000")
    for col in ("H", "I"):
        for r in range(2, 200):
            ws[f"{col}{r}"].number_format = "DD/MM/YYYY"
    ev = wb.create_sheet(EV_SHEET)
    ev.append(list(EV_COLUMNS + EV_OPTIONAL))
    for rng, values in (("B2:B20000", "contrato,factura,credito"), ("C2:C20000", "comercial,financiero")):
        v = DataValidation(type="list", formula1=f'"{values}"', allow_blank=True)
        ev.add_data_validation(v)
        v.add(rng)
    sales = wb.create_sheet(SALES_SHEET)
    sales.append(list(SALES_COLUMNS))
    v = DataValidation(type="list", formula1='"si,no"', allow_blank=True)
    sales.add_data_validation(v)
    v.add("D2:D20000")
    help_ws = wb.create_sheet("instrucciones")
    for row in TEMPLATE_HELP:
        help_ws.append(list(row))
    for sheet in (ws, ev, sales, help_ws):
        for i, cell in enumerate(sheet[1], start=1):
            sheet.column_dimensions[get_column_letter(i)].width = max(14, len(str(cell.value or "")) + 4)
    help_ws.column_dimensions["C"].width = 110
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
