"""Definitions tab: every ANS in plain Spanish — what it measures, its target and amber band,
its weight, and how its value is obtained (reported with evidence, or computed)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table
from components.sla.common import Texts, definition_rows, status_text, target_text, texts
from data_access.core.scope import Viewer
from rules.sla import scoring as R


def how_text(ctx: PageContext, kind: str, derived_key: str | None) -> str:
    """How an ANS value is obtained, in the page language (unknown derivations say so)."""
    if kind == "derived":
        if derived_key in R.DERIVED_KEYS:
            return ctx.t(f"sla.how.{derived_key}")
        return ctx.t("sla.how.unknown", key=derived_key or "")
    return ctx.t("sla.how.reported")


def definitions_table(ctx: PageContext, defs: list[dict]) -> pd.DataFrame:
    t = ctx.t
    return pd.DataFrame([
        {
            t("sla.col.code"): d["code"],
            t("sla.col.route"): t(f"route.{d['route']}"),
            t("sla.col.service"): t(f"sla.service.{d['service_type_code']}"),
            t("sla.col.ans"): d["name"],
            t("sla.col.description"): d["description"],
            t("sla.col.kind"): t(f"sla.kind.{d['kind']}"),
            t("sla.col.target"): target_text(ctx, d["target"], d["direction"], d["tolerance"], d["unit"]),
            t("sla.col.direction"): t(f"sla.direction.{d['direction']}"),
            t("sla.col.weight"): d["weight"],
            t("sla.col.frequency"): d["frequency"],
            t("sla.col.how"): how_text(ctx, d["kind"], d["derived_key"]),
        }
        for d in defs
    ])


@cached(uses=(definition_rows,))
def definitions_model(viewer: Viewer, route: str | None, service: str | None, tx: Texts, url: str) -> dict:
    defs = definition_rows(viewer, route, url)
    if service:
        defs = [d for d in defs if d["service_type_code"] == service]
    derived = {}
    for d in defs:
        if d["kind"] == "derived":
            derived.setdefault(d["derived_key"], set()).add(d["name"])
    return {
        "table": definitions_table(tx, defs),
        "derived": [(", ".join(sorted(names)), how_text(tx, "derived", key))
                    for key, names in sorted(derived.items(), key=lambda kv: str(kv[0]))],
        "has_reported": any(d["kind"] == "reported" for d in defs),
    }


def render(ctx: PageContext, route: str | None, service: str | None) -> None:
    t = ctx.t
    model = definitions_model(ctx.viewer, route, service, texts(ctx), ctx.url)
    st.subheader(t("sla.defs.title"))
    st.markdown(t("sla.defs.intro"))
    st.markdown(
        "\n".join(f"- {status_text(ctx, s)}: {t('sla.defs.status.' + s)}" for s in R.STATUSES)
    )
    st.markdown(t("sla.defs.score"))
    if model["table"].empty:
        st.info(t("sla.defs.none"))
        return
    if model["derived"]:
        st.markdown(f"**{t('sla.defs.kind_title.derived')}**")
        st.markdown("\n".join(f"- **{names}** — {how}" for names, how in model["derived"]))
    if model["has_reported"]:
        st.markdown(f"**{t('sla.defs.kind_title.reported')}**")
        st.markdown(f"- {how_text(ctx, 'reported', None)}")
    data_table(model["table"], hide_index=True, placeholder="—", width="stretch")
    st.caption(t("sla.defs.admin_note"))
    download_table(ctx, model["table"], "ans_definiciones", "sla_defs")
