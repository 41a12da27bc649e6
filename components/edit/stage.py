"""Edit tab: stage transition of a household or OPR enrolment (allowed transitions only,
with outcome and date)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, plain
from components.edit.common import (
    changed_since_opened,
    date_field,
    participant_label,
    remember_opened,
    saved,
    show_refusal,
)
from components.routes.exit_record import capacities_inputs, certificate_download
from data_access.edits import stage as stage_edits
from data_access.edits.common import EditError
from rules.core.clock import today
from rules.core.formatting import fmt_date
from rules.routes.model import (
    EXIT_OUTCOMES,
    NO_VIABLE,
    SALIDA,
    STAGE_OUTCOMES,
    is_reformulation,
    route_model,
    stage_name,
)

find = cached(stage_edits.find_enrolments)
detail = cached(stage_edits.enrolment_detail)
CLEAR = (find, detail)


def stage_section(ctx: PageContext) -> None:
    t = ctx.t
    search = st.text_input(t("edit.st.search"), key="st_search", placeholder=t("edit.st.search_hint"))
    rows = find(ctx.viewer, search, ctx.filters, url=ctx.url)
    if not rows:
        st.info(t("edit.st.none"))
        return
    labels = {
        r["id"]: f"#{r['id']} · {participant_label(ctx, r)} · {t('route.' + r['route'])} · "
        f"{_stage(ctx, r['current_stage'])} · {r['municipality']}"
        for r in rows
    }
    eid = st.selectbox(t("edit.st.pick"), list(labels), format_func=labels.get, key="st_pick")
    current = detail(ctx.viewer, eid, url=ctx.url)
    if current is None:
        st.warning(t("edit.st.gone"))
        return
    key = "stage"
    snap = remember_opened(key, current, eid)
    c1, c2, c3, c4 = st.columns(4)
    c1.markdown(f"**{t('edit.st.participant')}**  \n{plain(participant_label(ctx, snap))}")
    c2.markdown(f"**{t('filters.route')}**  \n{t('route.' + snap['route'])}")
    c3.markdown(f"**{t('edit.st.current')}**  \n{_stage(ctx, snap['current_stage'])}")
    c4.markdown(f"**{t('edit.st.status')}**  \n{t('edit.st.status.' + snap['status'])}")
    if snap["history"]:
        data_table(
            pd.DataFrame(
                [
                    {
                        t("edit.st.stage"): _stage(ctx, h["stage"]),
                        t("edit.st.outcome"): _outcome_label(ctx, h["outcome"]) if h["outcome"] else "—",
                        t("edit.st.date"): fmt_date(h["event_date"], ctx.lang),
                        t("edit.st.by"): h["registered_by"] or "—",
                    }
                    for h in snap["history"]
                ]
            ),
            hide_index=True,
            placeholder="—",
            width="stretch",
        )
    changed_since_opened(ctx, snap, current, key)
    allowed = snap["allowed_next"]
    if not allowed:
        st.info(t("edit.st.finished"))
        certificate_download(ctx, eid, key="st_cert")
        return
    suffix = f"{eid}_{snap['_n']}"
    if snap.get("last_outcome") == NO_VIABLE:
        st.info(t("edit.st.loop"))
    stage = st.selectbox(
        t("edit.st.next"),
        allowed,
        format_func=lambda s: _stage(ctx, s),
        key=f"st_next_{suffix}",
        help=t("edit.st.next_help"),
    )
    options = list(snap["exit_outcomes"] or EXIT_OUTCOMES) if stage == SALIDA else list(STAGE_OUTCOMES.get(stage, ()))
    outcome = None
    if options:
        outcome = st.selectbox(
            t("edit.st.outcome"),
            [None, *options],
            format_func=lambda o: t("edit.choose") if o is None else _outcome_label(ctx, o),
            key=f"st_outcome_{suffix}_{stage}",
        )
    promote = _promote_field(ctx, snap, stage, outcome, suffix)
    capacities = capacities_inputs(ctx, f"st_cap_{suffix}") if stage == SALIDA else None
    c1, c2 = st.columns([1, 2])
    day = date_field(c1, t("edit.st.date"), today(), key=f"st_date_{suffix}")
    reformulation = is_reformulation(snap["current_stage"], snap.get("last_outcome"), stage)
    note = c2.text_input(t("edit.st.feedback" if reformulation else "edit.st.note"), key=f"st_note_{suffix}",
                         max_chars=500)
    if st.button(t("edit.st.submit"), type="primary", key=f"st_go_{suffix}"):
        try:
            res = stage_edits.record_stage(ctx.viewer, eid, snap["version"], stage, outcome, day, note, url=ctx.url,
                                           promote=promote, capacities=capacities)
        except EditError as exc:
            show_refusal(ctx, exc, key)
        else:
            saved(
                ctx,
                t("edit.st.saved", stage=_stage(ctx, stage), id=eid, version=res.version),
                clear=CLEAR,
                forget=[key],
            )


def _promote_field(ctx: PageContext, snap: dict, stage: str, outcome: str | None, suffix: str) -> bool:
    """«Promover a la ruta siguiente», offered with a completed exit of básica or intermedia."""
    target = snap.get("promotion")
    if stage != SALIDA or target is None or outcome != route_model(snap["route"]).completed_exit:
        return False
    return st.checkbox(ctx.t("edit.st.promote", route=ctx.t("route." + target[0])), value=True,
                       key=f"st_promote_{suffix}", help=ctx.t("edit.st.promote_help"))


def _outcome_label(ctx: PageContext, outcome: str) -> str:
    return ctx.t(f"edit.st.outcome.{outcome}")


def _stage(ctx: PageContext, stage: str) -> str:
    return stage_name(stage, ctx.lang)
