"""Shared figure furniture: every number states its definition, numerator and
denominator, cut-off date, scope and filters; every table is shown with its text inert
(``data_table``) and downloads as CSV and Excel.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from components.core.context import PageContext
from exports import tables
from rules.core.formatting import fmt_date

# Markdown (and Streamlit Markdown) syntax inside a line: code, emphasis, links and images, raw HTML
# and autolinks, strikethrough, math, entities, e-mail autolinks; "_" only where it can open or close
# emphasis (not inside a word such as comite_pac).
_MARKDOWN = re.compile(r"([\\`*\[\]<~$&@]|(?<!\w)_|_(?!\w))")
# ... and at the start of a line: a heading, a quote, a list item, a setext underline, an ordered list.
_LINE_START = re.compile(r"^(?:([-+=#>])|(\d+)([.)]))")


def plain(text) -> str:
    """``text`` (a name, a description: anything a person typed) to put inside Markdown —
    every caption, label, message and button of Streamlit renders Markdown — so that it
    shows exactly as typed, on one line: no emphasis, heading, list, code nor link."""
    text = " ".join(str(text).split())
    text = _MARKDOWN.sub(r"\\\1", text)
    text = text.replace("://", r"\://")
    text = re.sub(r"(?i)\bwww\.", lambda m: m.group(0)[:-1] + r"\.", text)
    return _LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), text)


def chart_text(text) -> str:
    """``text`` a person typed, as a Plotly label (legend, title, axis): Plotly reads a few
    HTML tags (``<a href>``, ``<b>``), so they are shown as typed instead."""
    return html.escape(str(text), quote=False)


def filters_label(ctx: PageContext, extra: Sequence[str] = ()) -> str:
    """Human description of the active filters (for notes, exports and slides)."""
    f = ctx.filters
    names = ctx.labels
    parts = []
    if f.regional_office_id is not None:
        parts.append(f"{ctx.t('filters.office')}: {names.get('office', f.regional_office_id)}")
    if f.department_code:
        parts.append(f"{ctx.t('filters.department')}: {names.get('department', f.department_code)}")
    if f.municipality_code:
        parts.append(f"{ctx.t('filters.municipality')}: {names.get('municipality', f.municipality_code)}")
    if f.route:
        parts.append(f"{ctx.t('filters.route')}: {ctx.t('route.' + f.route)}")
    parts.extend(extra)
    return "; ".join(parts) or ctx.t("common.no_filters")


@dataclass(frozen=True)
class Note:
    """What a figure's caption states, for the files of the same figure (:func:`download_table`)."""

    definition: str = ""
    numerator: str | None = None
    denominator: str | None = None
    extra_filters: Sequence[str] = ()


def figure_note(ctx: PageContext, definition: str, numerator: str | None = None,
                denominator: str | None = None, extra_filters: Sequence[str] = ()) -> Note:
    """The caption under a figure: definition, numerator/denominator, cut-off, scope, filters
    (names and ``extra_filters`` are shown as plain text). Returns the note, so the figure's
    downloads state the same (``download_table(..., note=...)``)."""
    lines = [definition]
    if numerator is not None and denominator is not None:
        lines.append(f"{numerator} / {denominator}")
    lines.append(
        " · ".join(
            [
                ctx.t("common.cutoff_note", date=fmt_date(ctx.filters.cutoff, ctx.lang)),
                ctx.t("common.scope_note", scope=plain(ctx.viewer.scope_label or ctx.t("scope.none"))),
                ctx.t("common.filters_note", filters=plain(filters_label(ctx, extra_filters))),
            ]
        )
    )
    st.caption("  \n".join(lines))
    return Note(definition, numerator, denominator, tuple(extra_filters))


def _inert_column(column: pd.Series) -> pd.Series:
    """A text column (object, string or categorical) with every text :func:`exports.tables.inert`;
    any other column as is."""
    dtype = column.dtype
    if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype | pd.CategoricalDtype):
        return column.map(tables.inert, na_action="ignore")
    return column


def data_table(df: pd.DataFrame, **kwargs):
    """``st.dataframe`` of ``df`` with every text cell (and text column label) made inert.

    The table's toolbar offers Streamlit's own "Download as CSV", written in the browser:
    it quotes fields but never neutralises formulas, so a typed ``=HYPERLINK(...)`` shown
    in a table would open in a spreadsheet as a live formula. Here text a spreadsheet would
    run gets its leading apostrophe (``exports.tables.inert``) before it reaches the browser;
    numbers, dates and missing values are untouched, and ``column_config`` / ``column_order``
    follow the renamed labels. Every other keyword goes to ``st.dataframe`` as is.
    """
    shown = df.copy()
    for i in range(shown.shape[1]):
        shown.isetitem(i, _inert_column(shown.iloc[:, i]))
    shown.columns = shown.columns.map(tables.inert)
    if pd.api.types.is_object_dtype(shown.index.dtype) or isinstance(shown.index.dtype, pd.StringDtype):
        shown.index = shown.index.map(tables.inert)
    if isinstance(kwargs.get("column_config"), dict):
        kwargs["column_config"] = {tables.inert(k): v for k, v in kwargs["column_config"].items()}
    if kwargs.get("column_order") is not None:
        kwargs["column_order"] = [tables.inert(c) for c in kwargs["column_order"]]
    return st.dataframe(shown, **kwargs)


def kpi(label: str, value: str, help_text: str | None = None, delta: str | None = None) -> None:
    st.metric(label, value, delta=delta, help=help_text)


def scope_parts(ctx: PageContext) -> list[str]:
    """The viewer's scope and the territory filtered, as file-name pieces (``Caribe``, ``05001``)."""
    return tables.scope_parts(ctx.viewer, ctx.filters, ctx.labels.get("office"))


def file_name(ctx: PageContext, basename: str, ext: str) -> str:
    """``<basename>_<scope>_<territory filtered>_<cut-off>.<ext>``: every download names its scope and cut-off."""
    return f"{tables.file_stem(basename, scope_parts(ctx), ctx.filters.cutoff)}.{ext}"


def file_context(ctx: PageContext, title: str, note: Note | None = None) -> tables.FileContext:
    """The one builder of a download's metadata: the figure's note, cut-off, scope, filters, who and when."""
    note = note or Note()
    v = ctx.viewer
    return tables.FileContext(
        title=title,
        cutoff=ctx.filters.cutoff,
        scope=v.scope_label or ctx.t("scope.none"),
        filters=filters_label(ctx, note.extra_filters),
        generated_at=dt.datetime.now(dt.UTC),
        generated_by=f"{v.display_name} ({v.username})" if v.display_name else v.username,
        definition=note.definition,
        numerator=note.numerator or "",
        denominator=note.denominator or "",
        lang=ctx.lang,
    )


def download_table(ctx: PageContext, df: pd.DataFrame | Callable[[], pd.DataFrame], basename: str, key: str,
                   label_suffix: str = "", note: Note | None = None, title: str | None = None) -> None:
    """CSV and Excel downloads of the (already scoped) rows: a frame, or a callable that builds
    it — e.g. every row behind a figure, not just the page shown. Both files carry the figure's
    ``note`` (definition, numerator, denominator), cut-off, scope, filters and who made them when
    (:func:`file_context`), and their names carry scope and cut-off (:func:`file_name`). Both are
    written by ``exports.tables`` (CSV as Excel in the UI language reads it, Excel typed with a
    ``metadatos`` sheet), so typed text never opens as a formula.

    The files (and the callable's frame) are built only when clicked, without a rerun, so a
    page run never pays for files nobody downloads.
    """
    make = df if callable(df) else (lambda: df)
    heading = title or (note.definition if note and note.definition else basename)

    def meta() -> tables.FileContext:  # on click: "generated at" is when the file is made
        return file_context(ctx, heading, note)

    c1, c2 = st.columns(2)
    c1.download_button(
        f"{ctx.t('common.download_csv')}{label_suffix}",
        lambda: tables.csv_download(make(), meta()),
        file_name=file_name(ctx, basename, "csv"),
        mime="text/csv",
        key=f"{key}_csv",
        on_click="ignore",
    )
    c2.download_button(
        f"{ctx.t('common.download_xlsx')}{label_suffix}",
        lambda: tables.xlsx_download(make(), meta()),
        file_name=file_name(ctx, basename, "xlsx"),
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        on_click="ignore",
    )
