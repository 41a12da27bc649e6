"""The acta of a committee session as PDF (fpdf2) and DOCX (python-docx): the committee, date and
participants, the key figures the session saw (frozen when it was recorded), the agreements made
(subject, responsible, due date, status) and when the acta was generated, in Bogotá time.

Also the figures a session freezes: the overview's key figures for the committee's scope at the
session date (``session_figures``), which the page and the CLI pass to
``data_access.results.agreements.create_session``."""

from __future__ import annotations

import datetime as dt
import io

from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from exports.content import build_view, make_context
from exports.pdf_writer import _Pack
from rules.core.formatting import fmt_date, fmt_datetime
from rules.core.i18n import t
from rules.results.agreements import STATUS_ICONS


def session_figures(viewer: Viewer, office_id: int | None, held_on: dt.date, url: str | None = None) -> list[dict]:
    """The overview's key figures for the committee (its office, or all the viewer's scope) at ``held_on``,
    as shown: label, value, change and state in words."""
    filters = GlobalFilters(cutoff=held_on, regional_office_id=office_id)
    slide = build_view("overview", make_context(viewer, filters, "es", url))
    return [{"key": k.key, "label": k.label, "value": k.value, "delta": k.delta or "", "status": k.status or ""}
            for k in slide.key_figures]


def status_text(status: str, lang: str = "es") -> str:
    """«⚠ Vencido»: a status in words with its symbol (never colour alone)."""
    return f"{STATUS_ICONS.get(status, '')} {t(f'agreements.status.{status}', lang)}".strip()


def acta_parts(detail: dict, lang: str = "es", now: dt.datetime | None = None) -> dict:
    """The acta's text, shared by both formats: title, header lines, figure rows, agreement rows, footer."""
    committee = detail["office"] or t("agreements.national", lang)
    header = [
        (t("acta.committee", lang), committee),
        (t("acta.date", lang), fmt_date(detail["held_on"], lang)),
        (t("acta.participants", lang), detail["participants"] or "—"),
    ]
    figures = [[f.get("label", ""), " ".join(x for x in (f.get("value", ""), f.get("status", "")) if x)]
               for f in detail["figures"]]
    agreements = [[t(f"agreements.subject.{a['subject_kind']}", lang) + f" {a['subject_code']}", a["description"],
                   a["responsible"], fmt_date(a["due_on"], lang), status_text(a["shown_status"], lang)]
                  for a in detail["agreements"]]
    generated = fmt_datetime(now or dt.datetime.now(dt.UTC), lang)
    return {
        "title": f"{t('acta.title', lang)} — {detail['title']}",
        "header": header,
        "figures_heading": t("acta.figures", lang),
        "figure_columns": [t("acta.col.figure", lang), t("acta.col.value", lang)],
        "figures": figures,
        "no_figures": t("acta.no_figures", lang),
        "agreements_heading": t("acta.agreements", lang),
        "agreement_columns": [t("acta.col.subject", lang), t("acta.col.description", lang),
                              t("acta.col.responsible", lang), t("acta.col.due", lang), t("acta.col.status", lang)],
        "agreements": agreements,
        "no_agreements": t("acta.no_agreements", lang),
        "footer": t("acta.generated", lang, at=generated),
    }


def acta_pdf(detail: dict, lang: str = "es", now: dt.datetime | None = None) -> bytes:
    parts = acta_parts(detail, lang, now)
    pdf = _Pack(parts["footer"])
    pdf.set_title(parts["title"])
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.font(16, bold=True)
    pdf.multi_cell(0, 8, pdf.txt(parts["title"]), new_x="LMARGIN", new_y="NEXT")
    pdf.font(10)
    for label, value in parts["header"]:
        pdf.multi_cell(0, 5.5, pdf.txt(f"{label}: {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 5.5, pdf.txt(parts["footer"]), new_x="LMARGIN", new_y="NEXT")
    for heading, columns, rows, empty in (
        (parts["figures_heading"], parts["figure_columns"], parts["figures"], parts["no_figures"]),
        (parts["agreements_heading"], parts["agreement_columns"], parts["agreements"], parts["no_agreements"]),
    ):
        pdf.ln(3)
        pdf.font(12, bold=True)
        pdf.cell(0, 7, pdf.txt(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.font(9)
        if not rows:
            pdf.multi_cell(0, 5, pdf.txt(empty), new_x="LMARGIN", new_y="NEXT")
            continue
        with pdf.table(text_align="LEFT", line_height=5) as table:
            row = table.row()
            for c in columns:
                row.cell(pdf.txt(c))
            for rec in rows:
                row = table.row()
                for v in rec:
                    row.cell(pdf.txt(str(v)))
    return bytes(pdf.output())


def acta_docx(detail: dict, lang: str = "es", now: dt.datetime | None = None) -> bytes:
    from docx import Document

    parts = acta_parts(detail, lang, now)
    doc = Document()
    doc.core_properties.title = parts["title"]
    doc.add_heading(parts["title"], level=1)
    for label, value in parts["header"]:
        p = doc.add_paragraph()
        p.add_run(f"{label}: ").bold = True
        p.add_run(str(value))
    for heading, columns, rows, empty in (
        (parts["figures_heading"], parts["figure_columns"], parts["figures"], parts["no_figures"]),
        (parts["agreements_heading"], parts["agreement_columns"], parts["agreements"], parts["no_agreements"]),
    ):
        doc.add_heading(heading, level=2)
        if not rows:
            doc.add_paragraph(empty)
            continue
        table = doc.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, c in zip(table.rows[0].cells, columns, strict=True):
            cell.text = c
        for rec in rows:
            for cell, v in zip(table.add_row().cells, rec, strict=True):
                cell.text = str(v)
    doc.add_paragraph(parts["footer"])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def file_name(detail: dict, fmt: str) -> str:
    return f"acta_{detail['held_on'].isoformat()}_sesion{detail['id']}.{fmt}"
