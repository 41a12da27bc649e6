"""The one-page certificate of a verifiable exit record (PDF, fpdf2): what the sealed record states —
participant (codes only), route, entry and exit, outcome, capacities assessed, services received,
co-financing, documents — with its verification code and seal, so that whoever holds it can check it
with ``tablero verify CODE`` or the «Verificar certificado» page. Dates in es-CO (long form); English
when the UI is.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from fpdf import FPDF

from exports.pdf_writer import _font_files
from rules.core.formatting import LOCALES, bogota_time, fmt_int, fmt_money
from rules.core.i18n import t
from rules.routes import exit_record as R
from rules.routes.model import stage_name

INK = (0x1B, 0x2A, 0x22)
MUTED = (0x44, 0x55, 0x4C)
ACCENT = (0x00, 0x5A, 0x8C)  # Okabe–Ito blue, darkened for print


def long_date(value, lang: str) -> str:
    """«6 de diciembre de 2026» (es-CO) / «December 6, 2026»; «—» when missing."""
    if value in (None, ""):
        return "—"
    day = dt.date.fromisoformat(value) if isinstance(value, str) else value
    return format_date(day, format="long", locale=LOCALES.get(lang, "es_CO"))


class _Certificate(FPDF):
    def __init__(self):
        super().__init__(orientation="P", unit="mm", format="A4")
        files = _font_files()
        self.unicode = files is not None
        if files:
            self.add_font("Body", "", files[0])
            self.add_font("Body", "B", files[1])
        self.family_name = "Body" if files else "Helvetica"
        self.set_auto_page_break(False)
        self.set_margins(18, 16, 18)

    def txt(self, s: str) -> str:
        return s if self.unicode else s.replace("—", "-").replace("–", "-").encode("latin-1", "replace").decode(
            "latin-1")

    def font(self, size: float, bold: bool = False, rgb=INK) -> None:
        self.set_font(self.family_name, "B" if bold else "", size)
        self.set_text_color(*rgb)

    def line_text(self, text: str, size: float = 10, bold: bool = False, rgb=INK, h: float = 5.2) -> None:
        self.font(size, bold, rgb)
        self.multi_cell(0, h, self.txt(text), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(2.5)
        self.line_text(text, 11, True, ACCENT, 6)

    def pairs(self, rows: list[tuple[str, str]], label_w: float = 62) -> None:
        for label, value in rows:
            self.font(9.5, True, MUTED)
            self.cell(label_w, 5.2, self.txt(label))
            self.font(9.5)
            self.multi_cell(0, 5.2, self.txt(value), new_x="LMARGIN", new_y="NEXT")


def _level(value, lang: str) -> str:
    if value is None:
        return t("exits.level.none", lang)
    return f"{value}/{R.SCALE_MAX} · {t(R.SCALE_LEVELS[value], lang)}"


def _participant(payload: dict, lang: str) -> str:
    who = payload.get("participant") or {}
    kind = t("edit.st.household" if who.get("kind") == "hogar" else "edit.st.opr", lang)
    return f"{kind} {who.get('code') or '—'}"


def _cofinancing(cof: dict | None, lang: str) -> str:
    if not cof:
        return t("exits.cert.no_cofinancing", lang)
    text = t(f"exits.cert.cof.{cof['kind']}", lang, committed=fmt_money(cof["committed_cop"], lang),
             disbursed=fmt_money(cof["disbursed_cop"], lang))
    if cof.get("plans"):
        text += f" ({', '.join(cof['plans'])})"
    if "requirements_met" in cof:
        met = "exits.cert.requirements_met" if cof["requirements_met"] else "exits.cert.requirements_not_met"
        text += " · " + t(met, lang)
    return text


def certificate_pdf(record: dict, lang: str = "es") -> bytes:
    """The certificate of one record as ``exit_record_for`` returns it (payload included)."""
    payload = record["payload"]
    pdf = _Certificate()
    pdf.set_title(t("exits.cert.title", lang))
    pdf.set_creator("Tablero de decisión — Generación de Ingresos (MADR)")
    pdf.add_page()
    pdf.line_text(t("exits.cert.programme", lang), 9, rgb=MUTED)
    pdf.line_text(t("exits.cert.title", lang), 17, True, h=8)
    pdf.line_text(t("exits.cert.intro", lang), 9.5, rgb=MUTED)
    pdf.heading(t("exits.cert.who", lang))
    entry = payload.get("entry") or {}
    pdf.pairs([
        (t("exits.cert.participant", lang), _participant(payload, lang)),
        (t("exits.cert.enrolment", lang), str((payload.get("enrolment") or {}).get("code") or record["enrolment_id"])),
        (t("exits.cert.route", lang), t(f"route.{payload['route']}", lang)),
        (t("exits.cert.territory", lang), f"{record.get('municipality') or '—'} ({payload.get('municipality_code')})"),
        (t("exits.cert.operator", lang), record.get("operator") or payload.get("operator") or "—"),
        (t("exits.cert.entry", lang), f"{long_date(entry.get('date'), lang)} · "
                                      f"{t('exits.mechanism.' + str(entry.get('mechanism')), lang)}"),
        (t("exits.cert.exit", lang), long_date(payload.get("exit_date"), lang)),
        (t("exits.cert.outcome", lang), t(f"edit.st.outcome.{payload['outcome']}", lang)),
    ])
    pdf.heading(t("exits.cert.capacities", lang))
    caps = payload.get("capacities") or {}
    pdf.pairs([(t(f"exits.capacity.{dim}", lang), _level(caps.get(dim), lang)) for dim in R.CAPACITY_DIMENSIONS])
    pdf.heading(t("exits.cert.services", lang))
    services = payload.get("services") or {}
    pdf.line_text("; ".join(f"{t('routes.service.' + k, lang)}: {fmt_int(v, lang)}" for k, v in services.items())
                  or t("exits.cert.no_services", lang), 9.5)
    pdf.heading(t("exits.cert.cofinancing", lang))
    pdf.line_text(_cofinancing(payload.get("cofinancing"), lang), 9.5)
    docs = payload.get("documents") or []
    pdf.heading(t("exits.cert.documents", lang))
    pdf.line_text("; ".join(d["file_name"] for d in docs) if docs else t("exits.cert.no_documents", lang), 9.5)
    pdf.heading(t("exits.cert.history", lang))
    pdf.line_text(" → ".join(f"{stage_name(e['stage'], lang)} ({long_date(e['date'], lang)})"
                             for e in payload.get("stages") or []) or "—", 8.5, rgb=MUTED, h=4.4)
    _seal_box(pdf, record, lang)
    return bytes(pdf.output())


def _seal_box(pdf: _Certificate, record: dict, lang: str) -> None:
    """The code, the seal and how to verify them, at the foot of the page."""
    pdf.set_y(max(pdf.get_y() + 4, 232))
    pdf.set_draw_color(*ACCENT)
    top = pdf.get_y()
    pdf.rect(pdf.l_margin, top, pdf.w - pdf.l_margin - pdf.r_margin, 46)
    pdf.set_xy(pdf.l_margin + 4, top + 3)
    pdf.line_text(t("exits.cert.code", lang), 9, True, MUTED)
    pdf.set_x(pdf.l_margin + 4)
    pdf.line_text(R.display_code(record["code"]), 20, True, ACCENT, 9)
    pdf.set_x(pdf.l_margin + 4)
    sealed = bogota_time(record["sealed_at"]) if isinstance(record.get("sealed_at"), dt.datetime) else None
    pdf.line_text(t("exits.cert.sealed", lang, date=long_date(sealed.date() if sealed else None, lang),
                    sha=record["sha256"]), 7.5, rgb=MUTED, h=4)
    pdf.set_x(pdf.l_margin + 4)
    pdf.line_text(t("exits.cert.how", lang, code=record["code"]), 8.5, h=4.4)
