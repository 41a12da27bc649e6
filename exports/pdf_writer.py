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

from .content import SlideData

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
        left_w = 185
        y_after = body_top
        if img is not None:
            pdf.image(io.BytesIO(img), x=10, y=body_top, w=left_w)
            y_after = body_top + left_w * 760 / 1400
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
        if sd.notes:
            pdf.set_xy(10, y_after + 2)
            pdf.font(11, bold=True, rgb=(0xD5, 0x5E, 0x00))
            for n in sd.notes:
                pdf.multi_cell(left_w, 5.5, pdf.txt("⚠ " + n), new_x="LMARGIN", new_y="NEXT")
        # key figures column
        x = 10 + left_w + 6
        pdf.set_xy(x, body_top)
        many = len(sd.key_figures) > 6
        for k in sd.key_figures[:12]:
            pdf.set_x(x)
            pdf.font(8.5, rgb=(0x44, 0x55, 0x4C))
            pdf.multi_cell(0, 4, pdf.txt(k.label), new_x="LMARGIN", new_y="NEXT")
            pdf.set_x(x)
            pdf.font(13 if many else 18, bold=True, rgb=(0x00, 0x72, 0xB2))
            pdf.multi_cell(0, 6 if many else 8, pdf.txt(k.value), new_x="LMARGIN", new_y="NEXT")
            extra = " · ".join(s for s in (k.delta, k.status) if s)
            if extra:
                pdf.set_x(x)
                pdf.font(7.5)
                pdf.multi_cell(0, 3.6, pdf.txt(extra), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(0.8 if many else 2)
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
