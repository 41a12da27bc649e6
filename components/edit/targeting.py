"""Edit tab: targeting per year — prioritised flag and target population of a
municipality (one municipality in a form, or many in a grid)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.edit.common import (
    changed_rows,
    changed_since_opened,
    none_if_nan,
    remember_opened,
    render_refusal,
    saved,
    show_refusal,
)
from data_access.edits import targeting as targeting_edits
from data_access.edits.common import EditError
from rules.core.clock import today
from rules.core.formatting import fmt_int

rows_for_year = cached(targeting_edits.targeting_rows)
CLEAR = (rows_for_year,)


def targeting_section(ctx: PageContext) -> None:
    t = ctx.t
    this_year = today().year
    years = list(range(this_year + 1, 2019, -1))
    default = ctx.filters.cutoff.year if ctx.filters.cutoff.year in years else this_year
    year = st.selectbox(t("edit.tg.year"), years, index=years.index(default), key="tg_year")
    rows = rows_for_year(ctx.viewer, year, ctx.filters, url=ctx.url)
    if not rows:
        st.info(t("edit.tg.none"))
        return
    st.caption(t("edit.tg.help", year=year))
    one, many = st.tabs([t("edit.tg.one"), t("edit.tg.grid")])
    with one:
        _one(ctx, year, rows)
    with many:
        _grid(ctx, year, rows)


def _one(ctx: PageContext, year: int, rows: list[dict]) -> None:
    t = ctx.t
    labels = {r["municipality_code"]: f"{r['municipality']} ({r['municipality_code']})" for r in rows}
    code = st.selectbox(
        t("edit.tg.municipality"), list(labels), format_func=labels.get, key=f"tg_muni_{year}"
    )
    current = next(r for r in rows if r["municipality_code"] == code)
    key = "tg_one"
    snap = remember_opened(key, current, (code, year))
    changed_since_opened(ctx, snap, current, key)
    with st.form(f"tg_form_{code}_{year}_{snap['_n']}"):
        prioritised = st.checkbox(t("edit.tg.prioritised"), value=bool(snap["prioritised"]))
        population = st.number_input(
            t("edit.tg.population"),
            value=int(snap["target_population"] or 0),
            step=1,
            help=t("edit.tg.population_help"),
        )
        submitted = st.form_submit_button(t("edit.save"), type="primary")
    if submitted:
        try:
            res = targeting_edits.set_targeting(
                ctx.viewer, code, year, prioritised, population, snap["version"], url=ctx.url
            )
        except EditError as exc:
            show_refusal(ctx, exc, key)
        else:
            what = f"{labels[code]} · {year}"
            msg = (
                t("edit.saved", what=what, version=res.version)
                if res.changed
                else t("edit.nochange", what=what)
            )
            saved(ctx, msg, clear=CLEAR, forget=[key, "tg_grid*"])


def _grid(ctx: PageContext, year: int, rows: list[dict]) -> None:
    t = ctx.t
    key = f"tg_grid_{year}"
    snap = remember_opened(key, {"rows": rows}, (year, ctx.filters))
    base = pd.DataFrame(
        [
            {
                "municipality_code": r["municipality_code"],
                "municipality": r["municipality"],
                "prioritised": bool(r["prioritised"]),
                "target_population": int(r["target_population"] or 0),
                "version": r["version"],
            }
            for r in snap["rows"]
        ]
    )
    st.caption(t("edit.tg.grid_help", n=fmt_int(len(base), ctx.lang)))
    edited = st.data_editor(
        base,
        key=f"{key}_{snap['_n']}",
        hide_index=True,
        placeholder="—",
        width="stretch",
        disabled=["municipality_code", "municipality", "version"],
        column_config={
            "municipality_code": st.column_config.TextColumn(t("edit.tg.code")),
            "municipality": st.column_config.TextColumn(t("edit.tg.municipality")),
            "prioritised": st.column_config.CheckboxColumn(t("edit.tg.prioritised")),
            "target_population": st.column_config.NumberColumn(t("edit.tg.population"), step=1),
            "version": st.column_config.NumberColumn(t("edit.version")),
        },
    )
    if st.button(t("edit.tg.save_grid"), type="primary", key=f"{key}_save_{snap['_n']}"):
        done, refused = 0, []
        for old, new in changed_rows(base, edited, ["prioritised", "target_population"]):
            version = none_if_nan(old["version"])
            try:
                targeting_edits.set_targeting(
                    ctx.viewer,
                    new["municipality_code"],
                    year,
                    bool(new["prioritised"]),
                    none_if_nan(new["target_population"]),
                    int(version) if version is not None else None,
                    url=ctx.url,
                )
                done += 1
            except EditError as exc:
                refused.append((new["municipality"], exc))
        if not refused:
            saved(
                ctx,
                t("edit.tg.saved_grid", n=done) if done else t("edit.nothing_changed"),
                clear=CLEAR,
                forget=[key, "tg_one"],
            )
            return
        for f in CLEAR:
            f.clear()
        if done:
            st.success(t("edit.tg.saved_grid", n=done))
        for name, exc in refused:
            st.markdown(f"**{name}**")
            render_refusal(ctx, exc)
