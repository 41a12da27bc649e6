"""What a validation or a load says, shown: the headline, the counts per sheet as metrics,
every problem and every note as a table (with CSV/Excel downloads)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from components.core.context import PageContext
from components.core.figures import data_table, download_table, kpi, plain
from rules.core.formatting import fmt_int
from rules.intake.problems import ImportReport, Problem
from rules.intake.sheets import ENTITIES

KINDS = ("insert", "update", "unchanged", "void")  # the counts every sheet reports, in display order


def by_sheet(entity: str, counts: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """``{"operadores.insert": 3, …}`` → ``{"operadores": {"insert": 3, …}}``, sheets in the
    entity's declared order, then any other sheet the counts name."""
    out: dict[str, dict[str, int]] = {s.name: {} for s in ENTITIES.get(entity, ())}
    for key, n in counts.items():
        sheet, _, what = key.partition(".")
        out.setdefault(sheet, {})[what or "insert"] = int(n)
    return {sheet: c for sheet, c in out.items() if c}


def counts_text(ctx: PageContext, entity: str, counts: Mapping[str, int]) -> str:
    """One line for the history: «operadores: 3 nuevos, 1 actualizados; …»."""
    parts = []
    for sheet, c in by_sheet(entity, counts).items():
        items = [ctx.t(f"intake.n.{what}", n=fmt_int(c.get(what, 0), ctx.lang)) for what in KINDS[:3]]
        if c.get("void"):
            items.append(ctx.t("intake.n.void", n=fmt_int(c["void"], ctx.lang)))
        items += [f"{what} {fmt_int(n, ctx.lang)}" for what, n in c.items() if what not in KINDS and n]
        parts.append(f"{sheet}: {', '.join(items)}")
    return "; ".join(parts)


def headline(ctx: PageContext, report: ImportReport) -> None:
    t = ctx.t
    if report.problems:
        st.error(t("intake.refused", n=fmt_int(_real(report.problems), ctx.lang)), icon=":material/error:")
    elif not report.ok:  # the store refused the write (lost connection, lock, conflict): the engine says which
        st.error(plain(report.message), icon=":material/cloud_off:")
    elif not report.changed:
        st.info(t("intake.unchanged"), icon=":material/check_circle:")
    elif report.dry_run:
        st.success(t("intake.valid"), icon=":material/task_alt:")
    else:
        st.success(t("intake.loaded", batch=report.batch_id), icon=":material/cloud_done:")


def _real(problems: Sequence[Problem]) -> int:
    """How many problems the file has: a capped list ends with a «… y N problemas más» line."""
    tail = problems[-1] if problems else None
    if tail is not None and not tail.sheet and tail.row is None and tail.message.startswith("…"):
        digits = "".join(ch for ch in tail.message if ch.isdigit())
        return len(problems) - 1 + (int(digits) if digits else 0)
    return len(problems)


def counts_metrics(ctx: PageContext, report: ImportReport) -> None:
    """Per sheet: new, updated, unchanged (and voided, and any other count of the entity) as metrics."""
    sheets = by_sheet(report.entity, report.counts)
    if not sheets:
        return
    st.markdown(f"**{ctx.t('intake.would_change' if report.dry_run else 'intake.changed')}**")
    for sheet, c in sheets.items():
        items = [(ctx.t(f"intake.count.{what}"), c.get(what, 0)) for what in KINDS[:3]]
        if c.get("void"):
            items.append((ctx.t("intake.count.void"), c["void"]))
        items += [(plain(what), n) for what, n in c.items() if what not in KINDS]
        st.caption(ctx.t("intake.sheet", sheet=plain(sheet)))
        for col, (label, n) in zip(st.columns(len(items)), items, strict=True):
            with col:
                kpi(label, fmt_int(n, ctx.lang))


def problem_frame(ctx: PageContext, problems: Sequence[Problem], message_key: str) -> pd.DataFrame:
    """The rows of ``Problem.as_row()`` under localised headers; the column carries its letter."""
    t = ctx.t
    rows = []
    for p in problems:
        r = p.as_row()
        column = f"{r['columna']} ({p.letter})" if p.letter and r["columna"] else r["columna"]
        rows.append({t("intake.col.sheet"): r["hoja"] or None, t("intake.col.row"): r["fila"],
                     t("intake.col.column"): column or None, t("intake.col.value"): r["valor"] or None,
                     t(message_key): r["problema"]})
    frame = pd.DataFrame(rows, columns=[t("intake.col.sheet"), t("intake.col.row"), t("intake.col.column"),
                                        t("intake.col.value"), t(message_key)])
    frame[t("intake.col.row")] = frame[t("intake.col.row")].astype("Int64")
    return frame


def problem_tables(ctx: PageContext, report: ImportReport) -> None:
    if report.problems:
        st.markdown(f"**{ctx.t('intake.problems', n=fmt_int(_real(report.problems), ctx.lang))}**")
        frame = problem_frame(ctx, report.problems, "intake.col.problem")
        data_table(frame, hide_index=True, placeholder="—", width="stretch")
        download_table(ctx, frame, f"problemas_{report.entity}", key="intake_dl_problems")
    if report.notes:
        st.markdown(f"**{ctx.t('intake.notes', n=fmt_int(len(report.notes), ctx.lang))}**")
        frame = problem_frame(ctx, report.notes, "intake.col.note")
        data_table(frame, hide_index=True, placeholder="—", width="stretch")
        download_table(ctx, frame, f"observaciones_{report.entity}", key="intake_dl_notes")
