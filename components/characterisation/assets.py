"""The territorial asset map in the UI: a municipality's assets in its profile (beside the map),
the assets in scope on the «Caracterización» page, and the map layer's markers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from components.core.cache import cached
from components.core.context import PageContext
from components.core.figures import data_table, download_table, figure_note
from data_access.characterisation import assets as queries
from rules import characterisation as CH
from rules.core.formatting import fmt_date, fmt_int
from rules.core.i18n import DEFAULT_LANG
from rules.core.i18n import t as translate

municipality_assets = cached(queries.municipality_assets)
kind_counts = cached(queries.kind_counts, by_reach=True)
map_layer = cached(queries.map_layer)
PAGE_LIMIT = 2_000


def state(lang: str, r: dict) -> str:
    """A public good's state (symbol and word, never colour alone) and its open alerts; else —."""
    if r["kind"] != CH.PUBLIC_GOOD or not r["status"]:
        return "—"
    text = f"{CH.STATUS_ICONS.get(r['status'], '')} {translate('characterisation.status.' + r['status'], lang)}"
    if r.get("alerts"):
        text += " · " + translate("characterisation.open_alerts", lang, count=fmt_int(r["alerts"], lang))
    return text


def _services(lang: str, services) -> str:
    return ", ".join(translate(f"routes.service.{s}", lang) for s in services) or "—"


def _name(lang: str, r: dict) -> str:
    if r["kind"] == CH.PUBLIC_GOOD and r.get("category"):
        return f"{r['name']} ({translate('map.alert.' + r['category'], lang)})"
    return r["name"]


def asset_frame(lang: str, rows: list[dict], with_municipality: bool = False) -> pd.DataFrame:
    c = lambda k: translate(f"characterisation.asset.{k}", lang)  # noqa: E731
    out = []
    for r in rows:
        row = {c("municipality"): f"{r['municipality']} ({r['municipality_code']})"} if with_municipality else {}
        row.update({c("kind"): translate(f"characterisation.kind.{r['kind']}", lang), c("name"): _name(lang, r),
                    c("entity"): r["entity"] or "—", c("services"): _services(lang, r["services"]),
                    c("state"): state(lang, r), c("updated"): fmt_date(r["updated_on"], lang)})
        out.append(row)
    columns = ([c("municipality")] if with_municipality else []) + [
        c(k) for k in ("kind", "name", "entity", "services", "state", "updated")]
    return pd.DataFrame(out, columns=columns)


def profile_section(ctx: PageContext, code: str) -> None:
    """The municipality profile's «Mapa de activos»: one call from ``components.map.profile``."""
    st.markdown(f"**{ctx.t('characterisation.assets.profile_title')}**")
    rows = municipality_assets(ctx.viewer, code, url=ctx.url)
    if not rows:
        st.caption(ctx.t("characterisation.assets.none"))
        return
    data_table(asset_frame(ctx.lang, rows), hide_index=True, placeholder="—", width="stretch")
    st.caption(ctx.t("characterisation.assets.profile_note"))


@cached(uses=(queries.assets,), by_reach=True)
def asset_table(viewer, filters, kind: str | None, limit: int | None, lang: str,
                url: str | None = None) -> pd.DataFrame:
    """The page's table of assets (``queries.assets`` written in ``lang``), built once for every
    rerun and every viewer of the reach: formatting 2,000 rows took longer than drawing them."""
    return asset_frame(lang, queries.assets(viewer, filters, kind, limit, url=url), with_municipality=True)


def compute_first_visit(viewer, filters, url: str) -> None:
    """The reads of a first visit (every kind of asset), computed ahead (``components.overview.ahead``)."""
    kind_counts(viewer, filters, url=url)
    asset_table(viewer, filters, None, PAGE_LIMIT, DEFAULT_LANG, url=url)


def section(ctx: PageContext) -> None:
    """The page's asset map: counts per kind and every asset in scope and in the filtered territory."""
    t = ctx.t
    st.caption(t("characterisation.assets.intro"))
    counts = kind_counts(ctx.viewer, ctx.filters, url=ctx.url)
    for col, kind in zip(st.columns(len(CH.ASSET_KINDS)), CH.ASSET_KINDS):
        col.metric(t(f"characterisation.kind.{kind}"), fmt_int(counts.get(kind, 0), ctx.lang))
    kind = st.selectbox(t("characterisation.asset.kind"), [None, *CH.ASSET_KINDS], key="characterisation_kind",
                        format_func=lambda k: t("characterisation.all") if k is None
                        else t(f"characterisation.kind.{k}"))
    table = asset_table(ctx.viewer, ctx.filters, kind, PAGE_LIMIT, ctx.lang, url=ctx.url)
    if table.empty:
        st.info(t("characterisation.assets.none_in_scope"))
    else:
        data_table(table, hide_index=True, placeholder="—", width="stretch")
        if len(table) == PAGE_LIMIT:
            st.caption(t("characterisation.assets.limited", limit=fmt_int(PAGE_LIMIT, ctx.lang)))
    extra = [f"{t('characterisation.asset.kind')}: {t(f'characterisation.kind.{kind}')}"] if kind else []
    note = figure_note(ctx, t("characterisation.assets.definition"), extra_filters=extra)
    if not table.empty:
        download_table(ctx, lambda: asset_table(ctx.viewer, ctx.filters, kind, None, ctx.lang, url=ctx.url),
                       "mapa_activos", key="characterisation_assets", title=t("characterisation.assets.title"),
                       note=note)


def layer_markers(ctx: PageContext, points: dict) -> list[list]:
    """[lat, lon, markets, gaps, open alerts, code] per municipality of the asset layer with a point.

    Only counts travel (the tooltip's words go once, ``layer_tooltips``); the names and states are
    in the municipality's profile (a click opens it), so the layer stays light at national scale."""
    out = []
    for code, m in sorted(map_layer(ctx.viewer, ctx.filters, url=ctx.url).items()):
        if code not in points:
            continue
        lon, lat = points[code]
        alerts = sum(a for _, _, a in m["gaps"])
        out.append([round(lat, 4), round(lon, 4), len(m["markets"]), len(m["gaps"]), alerts, code])
    return out


def layer_tooltips(ctx: PageContext) -> dict[str, str]:
    """The tooltip's words with ``{markets}``, ``{gaps}`` and ``{count}`` for the browser to fill in."""
    return {"counts": ctx.t("characterisation.layer_tooltip", markets="{markets}", gaps="{gaps}"),
            "alerts": ctx.t("characterisation.open_alerts", count="{count}")}
