"""The import history: every batch the viewer may see (``engine.history``), newest first."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from components.core.context import PageContext
from components.core.figures import data_table, download_table
from components.intake.report import counts_text
from data_access.intake import engine
from rules.core.formatting import fmt_date

BOGOTA = ZoneInfo("America/Bogota")


def local_time(at: dt.datetime, lang: str) -> str:
    """A batch's UTC stamp as Bogotá wall time: 23/11/2026 14:05 (es-CO)."""
    local = (at if at.tzinfo else at.replace(tzinfo=dt.UTC)).astimezone(BOGOTA)
    return f"{fmt_date(local.date(), lang)} {local:%H:%M}"


def history_frame(ctx: PageContext) -> pd.DataFrame:
    t = ctx.t
    rows = [{
        t("intake.col.batch"): r["id"],
        t("intake.col.at"): local_time(r["at"], ctx.lang),
        t("intake.col.user"): r["username"],
        t("intake.col.entity"): t(f"intake.entity.{r['entity']}"),
        t("intake.col.file"): r["file_name"],
        t("intake.col.sha"): r["sha256"][:12],
        t("intake.col.counts"): counts_text(ctx, r["entity"], r["counts"] or {}),
        t("intake.col.sha_full"): r["sha256"],
    } for r in engine.history(ctx.viewer, ctx.url)]
    return pd.DataFrame(rows)


def history_section(ctx: PageContext) -> None:
    t = ctx.t
    st.subheader(t("intake.history"))
    st.caption(t("intake.history_help"))
    frame = history_frame(ctx)
    if frame.empty:
        st.info(t("intake.history_empty"), icon=":material/history:")
        return
    data_table(frame, hide_index=True, placeholder="—", width="stretch", column_config={
        t("intake.col.sha"): st.column_config.TextColumn(help=t("intake.col.sha_full")),
        t("intake.col.sha_full"): st.column_config.TextColumn(width="large"),
    })
    download_table(ctx, frame, "historial_cargas", key="intake_dl_history")
