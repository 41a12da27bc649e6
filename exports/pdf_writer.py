"""The committee pack as PDF (fpdf2): the same content as the PPTX, one landscape page
per view, with a bookmark (outline entry) per view.

Text uses a Unicode TrueType font of the system (DejaVu Sans from Debian
``fonts-dejavu-core``, else Liberation Sans); with neither, the core Helvetica is used
and characters outside Latin-1 are replaced (accents and ñ survive).
"""

from __future__ import annotations

import io
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from exports.charts import PACK_BOX_PT
from exports.content import SlideData

PT_MM = 25.4 / 72
CHART_W, CHART_H = PACK_BOX_PT[0] * PT_MM, PACK_BOX_PT[1] * PT_MM  # the chart's box: 1 px of its PNG = 1 pt

FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
     "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf"),
]


def _font_files() -> tuple[str, str] | None:
    for regular, bold in FONT_CANDIDATES:
        if Path(regular).exists() and Path(bold).exists():
            return regular, bold
    return None


EMOJI_TEXT = {"✅": "✔", "\ufe0f": "", "🔻": "▼", "ⓝ": "(n)"}
"""The status icons of the screen (``rules.results.progress.ICONS``) as a text font draws them."""


class _Pack(FPDF):
    def __init__(self, footer_text: str):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.footer_text = footer_text
        files = _font_files()
        if files:
            self.add_font("Body", "", files[0])
            self.add_font("Body", "B", files[1])
            self.family_name = "Body"
            self.unicode = True
        else:
            self.family_name = "Helvetica"
            self.unicode = False
        self.set_auto_page_break(False)
        self.set_margins(10, 8, 10)

    def txt(self, s: str) -> str:
        for emoji, plain in EMOJI_TEXT.items():  # colour emoji have no glyph in a text font
            s = s.replace(emoji, plain)
        if self.unicode:
            return s
        s = s.replace("✔", "[OK]").replace("✖", "[X]").replace("−", "-").replace("—", "-").replace("⚠", "!")
        return s.encode("latin-1", "replace").decode("latin-1")

    def font(self, size: float, bold: bool = False, rgb=(0x1B, 0x2A, 0x22)):
        self.set_font(self.family_name, "B" if bold else "", size)
        self.set_text_color(*rgb)

    def footer(self):
        self.set_y(-9)
        self.font(7.5, rgb=(0x44, 0x55, 0x4C))
        self.cell(0, 4, self.txt(f"{self.footer_text} · {self.page_no()}/{{nb}}"), align="L")


def write_pdf(slides: list[SlideData], images: dict[str, bytes], footer: str, labels: dict[str, str],
              title: str = "") -> bytes:
    pdf = _Pack(footer)
    pdf.set_title(title)
    pdf.set_creator("Tablero de decisión — Generación de Ingresos (MADR)")
    if slides:
        pdf.set_subject(slides[0].subtitle)
    for sd in slides:
        pdf.add_page()
        pdf.start_section(pdf.txt(sd.title))
        pdf.set_xy(10, 8)
        pdf.font(22, bold=True)
        pdf.cell(0, 11, pdf.txt(sd.title), new_x="LMARGIN", new_y="NEXT")
        pdf.font(10.5, rgb=(0x44, 0x55, 0x4C))
        pdf.multi_cell(0, 5, pdf.txt(sd.subtitle), new_x="LMARGIN", new_y="NEXT")
        body_top = pdf.get_y() + 2
        img = images.get(sd.view)
        left_w = CHART_W if img is not None else (165 if len(sd.key_figures) > 6 else 185)
        y_after = body_top
        if img is not None:
            # notes first, then the chart at exactly its box (text ≥ 12 pt)
            if sd.notes:
                pdf.set_xy(10, body_top)
                pdf.font(11, bold=True, rgb=(0xD5, 0x5E, 0x00))
                for n in sd.notes:
                    pdf.multi_cell(left_w, 5.5, pdf.txt("⚠ " + n), new_x="LMARGIN", new_y="NEXT")
                y_after = pdf.get_y() + 1
            pdf.image(io.BytesIO(img), x=10, y=y_after, w=CHART_W, h=CHART_H)
            y_after += CHART_H
        elif sd.table is not None and len(sd.table):
            pdf.set_xy(10, body_top)
            pdf.font(8.5)
            df = sd.table.head(14)
            with pdf.table(width=left_w, text_align="LEFT", line_height=5, align="LEFT",
                           headings_style=FontFace(emphasis="BOLD", fill_color=(0xF2, 0xF5, 0xF3))) as table:
                row = table.row()
                for c in df.columns:
                    row.cell(pdf.txt(str(c)))
                for rec in df.itertuples(index=False):
                    row = table.row()
                    for v in rec:
                        row.cell(pdf.txt("" if v is None else str(v)))
            y_after = pdf.get_y()
        if sd.notes and img is None:
            pdf.set_xy(10, y_after + 2)
            pdf.font(11, bold=True, rgb=(0xD5, 0x5E, 0x00))
            for n in sd.notes:
                pdf.multi_cell(left_w, 5.5, pdf.txt("⚠ " + n), new_x="LMARGIN", new_y="NEXT")
        # key figures: one column (≤ 6) or a two-column grid (overview)
        figs = sd.key_figures[:14]
        x0 = 10 + left_w + 6
        many = len(figs) > 6
        col_w = (287 - x0) / 2 if many else 287 - x0
        rows = (len(figs) + 1) // 2 if many else len(figs)
        for i, k in enumerate(figs):
            col, row = (i // rows, i % rows) if many else (0, i)
            x = x0 + col * col_w
            y = body_top + row * (20.5 if many else 24)
            pdf.set_xy(x, y)
            pdf.font(7.5 if many else 9, rgb=(0x44, 0x55, 0x4C))
            pdf.multi_cell(col_w - 2, 3.4 if many else 4.2, pdf.txt(k.label), new_x="LEFT", new_y="NEXT",
                           max_line_height=3.4 if many else 4.2)
            pdf.set_x(x)
            pdf.font(12 if many else 18, bold=True, rgb=(0x00, 0x72, 0xB2))
            pdf.cell(col_w - 2, 5.5 if many else 8, pdf.txt(k.value), new_x="LEFT", new_y="NEXT")
            extra = " · ".join(s for s in (k.delta, k.status, k.target) if s)
            if extra:
                pdf.set_x(x)
                pdf.font(6.5 if many else 8)
                pdf.multi_cell(col_w - 2, 3 if many else 3.8, pdf.txt(extra), new_x="LEFT", new_y="NEXT")
        # definition and source
        pdf.set_xy(10, 178)
        pdf.font(9, bold=True)
        pdf.write(4.5, pdf.txt(labels["definition"] + ": "))
        pdf.font(9)
        pdf.write(4.5, pdf.txt(sd.definition))
        pdf.ln(5.5)
        pdf.font(9, bold=True)
        pdf.write(4.5, pdf.txt(labels["source"] + ": "))
        pdf.font(9)
        pdf.write(4.5, pdf.txt(sd.source))
    out = pdf.output()
    return bytes(out)
