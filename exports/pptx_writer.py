"""The committee pack as PowerPoint (python-pptx): one 16:9 slide per view.

Each slide: title; cut-off date, scope and filters; the chart image (or the table when
the view has no chart, e.g. a map without loaded boundaries, with the note saying so);
the key figures with their change and state in words; definition; data source.
The speaker notes repeat the definitions of every figure.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from exports.charts import PACK_BOX_PT
from exports.content import SlideData

INK = RGBColor(0x1B, 0x2A, 0x22)
MUTED = RGBColor(0x44, 0x55, 0x4C)
ACCENT = RGBColor(0x00, 0x72, 0xB2)
WARN = RGBColor(0xD5, 0x5E, 0x00)
BAND = RGBColor(0xF2, 0xF5, 0xF3)


def _text(slide, left, top, width, height, runs, *, size=14, bold=False, color=INK, wrap=True):
    """A text box; ``runs`` is a list of paragraphs, each a str or [(text, size, bold, color), ...]."""
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = wrap
    for i, para in enumerate(runs):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        parts = [(para, size, bold, color)] if isinstance(para, str) else para
        for text, sz, bd, col in parts:
            r = p.add_run()
            r.text = text
            r.font.size = Pt(sz)
            r.font.bold = bd
            r.font.color.rgb = col
    return box


def _table(slide, df, left, top, width, height, max_rows=12):
    rows = min(len(df), max_rows)
    cols = len(df.columns)
    if cols == 0:
        return
    shape = slide.shapes.add_table(rows + 1, cols, left, top, width, Emu(int(height * min(1.0, (rows + 1) / 13))))
    tbl = shape.table
    for j, c in enumerate(df.columns):
        _cell(tbl.cell(0, j), str(c), Pt(12), bold=True)
    for i in range(rows):
        for j in range(cols):
            v = df.iloc[i, j]
            _cell(tbl.cell(i + 1, j), "" if v is None else str(v), Pt(11))


def _cell(cell, text: str, size, bold: bool = False) -> None:
    cell.text = text
    font = cell.text_frame.paragraphs[0].font  # the paragraph's font: an empty cell has no run
    font.size, font.bold = size, bold
    for run in cell.text_frame.paragraphs[0].runs:
        run.font.size, run.font.bold = size, bold


def write_pptx(slides: list[SlideData], images: dict[str, bytes], footer: str, labels: dict[str, str]) -> bytes:
    """``images``: view → PNG; ``labels``: translated 'definition', 'source', 'notes' headings."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    layout = prs.slide_layouts[5]  # "Title Only": slide.shapes.title is the view's title
    for sd in slides:
        slide = prs.slides.add_slide(layout)
        title = slide.shapes.title
        title.left, title.top, title.width, title.height = Inches(0.4), Inches(0.2), Inches(12.5), Inches(0.8)
        title.text = sd.title
        for p in title.text_frame.paragraphs:
            p.alignment = 1  # left
            for r in p.runs:
                r.font.size = Pt(32)
                r.font.bold = True
                r.font.color.rgb = INK
        _text(slide, Inches(0.4), Inches(0.95), Inches(12.5), Inches(0.45), [sd.subtitle], size=14, color=MUTED)

        img = images.get(sd.view)
        body_top, body_h = Inches(1.5), Inches(4.55)
        if img is not None:
            # notes first, then the chart at exactly its box (drawn 1 px = 1 pt: text ≥ 12 pt)
            chart_top = body_top
            if sd.notes:
                _text(slide, Inches(0.4), Inches(1.4), Inches(8.4), Inches(0.35),
                      [[("⚠ " + " · ".join(sd.notes), 12, True, WARN)]])
                chart_top = Inches(1.8)
            slide.shapes.add_picture(io.BytesIO(img), Inches(0.4), chart_top, width=Pt(PACK_BOX_PT[0]),
                                     height=Pt(PACK_BOX_PT[1]))
        elif sd.table is not None and len(sd.table):
            _table(slide, sd.table, Inches(0.4), body_top, Inches(8.4), body_h)
        if sd.notes and img is None:
            _text(slide, Inches(0.4),
                  Inches(5.55) if sd.table is not None and len(sd.table) else body_top,
                  Inches(8.4), Inches(0.6), [[("⚠ " + n, 14, True, WARN)] for n in sd.notes])

        figs = sd.key_figures[:14]
        many = len(figs) > 6
        per_col = (len(figs) + 1) // 2 if many else max(1, len(figs))
        col_w = 2.05 if many else 4.0
        for c in range(2 if many else 1):
            paras = []
            for k in figs[c * per_col:(c + 1) * per_col]:
                paras.append([(k.label, 9 if many else 12, False, MUTED)])
                paras.append([(k.value, 16 if many else 26, True, ACCENT)])
                extra = " · ".join(x for x in (k.delta, k.status, k.target) if x)
                if extra:
                    paras.append([(extra, 8 if many else 11, False, INK)])
            if paras:
                _text(slide, Inches(9.0 + c * col_w), body_top, Inches(col_w - 0.05), body_h, paras)
        _text(slide, Inches(0.4), Inches(6.2), Inches(12.5), Inches(0.9), [
            [(labels["definition"] + ": ", 11, True, INK), (sd.definition, 11, False, INK)],
            [(labels["source"] + ": ", 11, True, INK), (sd.source, 11, False, INK)],
        ])
        _text(slide, Inches(0.4), Inches(7.05), Inches(12.5), Inches(0.35), [footer], size=9, color=MUTED)
        notes = [sd.definition] + [f"{k.label}: {k.definition}" for k in sd.key_figures if k.definition]
        slide.notes_slide.notes_text_frame.text = "\n".join(notes)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
