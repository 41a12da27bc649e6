"""The committee views as data: one ``SlideData`` per view (title, key figures, chart,
table, definition, data source), built from scoped data_access aggregates.

The same builders feed the presentation mode (``components.overview.slides``), the executive
pack (PPTX/PDF, ``exports.pack``) and the CLI. No Streamlit here.

Views: ``overview``, ``map``, ``funnels``, ``sla``, ``alliance``, ``alerts``, ``agreements``.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
import plotly.graph_objects as go

from data_access.alliance import queries as alliance
from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer, reach_only
from data_access.map import queries as map_queries
from data_access.overview import queries as ov
from data_access.reporting import periods, timeliness
from data_access.results import agreements, indicators, targets
from data_access.sla import queries as sla_queries
from exports import charts, official
from exports.cofinancing import cofinancing_note
from rules import access
from rules.alliance import indicator as alliance_rule
from rules.core import small_n
from rules.core.calendar import quarter_of
from rules.core.catalog import ALERT_CATEGORIES, ALERT_SEVERITIES, ROUTE_ORDER
from rules.core.formatting import fmt_date, fmt_int, fmt_money, fmt_num, fmt_pct, quarter_label
from rules.core.i18n import t
from rules.results import agreements as agreements_rule
from rules.results import catalog, progress
from rules.routes.model import INGRESO, PLAN_COMPLETADO, route_model, stage_name

SLA_CHART_MAX = 15  # operators in the ANS chart (lowest compliance first)
VIEWS: tuple[str, ...] = ("overview", "map", "funnels", "sla", "alliance", "alerts", "agreements")
# Spanish aliases accepted in URLs and on the command line.
ALIASES = {"resumen": "overview", "mapa": "map", "embudos": "funnels", "ans": "sla",
           "alianzas": "alliance", "indicador": "alliance", "alertas": "alerts",
           "compromisos": "agreements"}


def parse_views(text: str | None, default: tuple[str, ...] = VIEWS) -> list[str]:
    """'overview,mapa,ans' → ['overview', 'map', 'sla'] (unknown names dropped, order kept, no repeats)."""
    if not text:
        return list(default)
    out: list[str] = []
    for part in str(text).split(","):
        code = ALIASES.get(part.strip().lower(), part.strip().lower())
        if code in VIEWS and code not in out:
            out.append(code)
    return out


@dataclass
class KeyFigure:
    key: str  # metric id
    label: str
    value: str
    delta: str | None = None  # "+12 vs T3 2026"
    status: str | None = None  # "✔ Meets the goal" — never colour alone
    target: str | None = None  # "Meta 1.500 · 96 % de la meta · ⚠️ En riesgo" (rules.results.progress)
    state: str | None = None  # against a goal: rules.core.small_n MET / MISSED / SMALL_N / NO_DATA
    page: str | None = None  # page file the figure links to
    definition: str = ""


@dataclass
class SlideData:
    view: str
    title: str
    subtitle: str  # "Corte: 30/09/2026 · Alcance: Nacional · Filtros: ninguno"
    key_figures: list[KeyFigure] = field(default_factory=list)
    figure: go.Figure | None = None
    table: pd.DataFrame | None = None
    definition: str = ""
    source: str = ""
    notes: list[str] = field(default_factory=list)  # e.g. "no boundaries loaded"
    scope_label: str = ""
    cutoff_label: str = ""
    filters_label: str = ""
    official: official.Mark | None = None  # built from a closed quarter's official figures


@dataclass(frozen=True)
class ViewContext:
    """Who, what and in which language a view is built for."""

    viewer: Viewer
    filters: GlobalFilters
    lang: str = "es"
    url: str | None = None
    scope_label: str = ""
    filters_label: str = ""
    memo: dict = field(default_factory=dict, compare=False, hash=False, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, hash=False, repr=False)

    def t(self, key: str, **params) -> str:
        return t(key, self.lang, **params)

    def once(self, key: str, compute):
        """Compute a shared intermediate once per build (views may run in parallel threads)."""
        with self.lock:
            entry = self.memo.setdefault(key, [threading.Lock(), None, False])
        with entry[0]:
            if not entry[2]:
                entry[1], entry[2] = compute(), True
        return entry[1]


def official_set(vc: ViewContext) -> dict | None:
    """The closed quarter's frozen figures the views of ``vc`` show, or None: live views
    (``exports.official.quarter_for``)."""
    return vc.once("official", lambda: official.frozen(vc.viewer, vc.filters, vc.url))


def mark_official(vc: ViewContext, slide: SlideData, found: dict, pairs: list[tuple[str, str, str, str]]) -> None:
    """State on ``slide`` that its figures are the official ones of ``found`` («Cifras oficiales
    T2 2026, cerradas el …») and add a note per figure of ``pairs`` (key, label, official text,
    live text) whose live value has moved since the close."""
    mark = official.mark(found, vc.lang)
    mark.figures = [official.Change(*pair) for pair in pairs]
    slide.official = mark
    slide.subtitle += " · " + mark.headline()
    slide.notes.extend(mark.change_notes())


def sla_frame(vc: ViewContext):
    """The ANS scorecard (cut-off quarter and previous), shared by the overview and ANS views."""
    return vc.once("sla_frame", lambda: ov.sla_scorecard(vc.viewer, vc.filters, vc.url))


def scope_text(viewer: Viewer, lang: str, url: str | None = None) -> str:
    """"Nacional" / "National", "Oficina regional Caribe" / "Regional office Caribe", ..."""
    if viewer.is_national:
        return t("scope.national", lang)
    name = ov.scope_name(viewer, url)
    if viewer.is_regional and name:
        return t("committee.scope_office", lang, name=name)
    if viewer.is_operator and name:
        return t("committee.scope_operator", lang, name=name)
    if viewer.is_route:
        return t("scope.route", lang, name=t(f"route.{viewer.route}", lang))
    return t("scope.none", lang)


def filters_text(filters: GlobalFilters, lang: str, url: str | None = None) -> str:
    names = ov.filter_names(filters, url)
    parts = []
    if filters.period_start:
        parts.append(f"{t('committee.period_from', lang)}: {fmt_date(filters.period_start, lang)}")
    if "office" in names:
        parts.append(f"{t('filters.office', lang)}: {names['office']}")
    if "department" in names:
        parts.append(f"{t('filters.department', lang)}: {names['department']}")
    if "municipality" in names:
        parts.append(f"{t('filters.municipality', lang)}: {names['municipality']}")
    if filters.route:
        parts.append(f"{t('filters.route', lang)}: {t('route.' + filters.route, lang)}")
    return "; ".join(parts) or t("common.no_filters", lang)


def make_context(viewer: Viewer, filters: GlobalFilters, lang: str = "es", url: str | None = None) -> ViewContext:
    """A fresh context: every view and intermediate is computed anew."""
    return ViewContext(viewer=viewer, filters=filters, lang=lang, url=url,
                       scope_label=scope_text(viewer, lang, url), filters_label=filters_text(filters, lang, url))


# Contexts kept per process, keyed by the store's data versions (never stale) and the records the viewer
# reaches (``reach_only``): pages, pack and the views computed ahead of every role of one reach share
# every view already computed. About 1,3 MB each nationally; room for every scope computed ahead (40).
_SHARED: OrderedDict = OrderedDict()
_SHARED_LOCK = threading.Lock()
_SHARED_MAX = 48


def data_key(url: str | None = None) -> tuple:
    """(store, data versions): what a process-level cache entry of committee content depends on."""
    from data_access.core.db import database_url
    from data_access.core.versions import current

    return url or database_url(), tuple(sorted(current(url).items()))


def shared_context(viewer: Viewer, filters: GlobalFilters, lang: str = "es", url: str | None = None
                   ) -> ViewContext:
    viewer = reach_only(viewer)
    key = (*data_key(url), viewer, filters, lang)
    with _SHARED_LOCK:
        vc = _SHARED.get(key)
        if vc is not None:
            _SHARED.move_to_end(key)
            return vc
    vc = make_context(viewer, filters, lang, url)
    with _SHARED_LOCK:
        vc = _SHARED.setdefault(key, vc)
        while len(_SHARED) > _SHARED_MAX:
            _SHARED.popitem(last=False)
    return vc


def _frame(vc: ViewContext, view: str, **kw) -> SlideData:
    cutoff = fmt_date(vc.filters.cutoff, vc.lang)
    subtitle = " · ".join([
        vc.t("common.cutoff_note", date=cutoff),
        vc.t("common.scope_note", scope=vc.scope_label),
        vc.t("common.filters_note", filters=vc.filters_label),
    ])
    definition = view_definition(view, vc.lang)
    return SlideData(view=view, title=vc.t(f"committee.view.{view}"), subtitle=subtitle,
                     scope_label=vc.scope_label, cutoff_label=cutoff, filters_label=vc.filters_label,
                     source=vc.t(f"committee.source.{view}"), definition=definition, **kw)


def view_definition(view: str, lang: str) -> str:
    """A view's definition: the alliance and funnel views state exactly what their pages state."""
    if view == "alliance":
        return alliance_definition(lang)
    if view == "funnels":
        return (f"{t('routes.note.funnel', lang)} {t('routes.note.funnel_num', lang)} / "
                f"{t('routes.note.funnel_den', lang)}. {t('common.small_n_def', lang, min=small_n.minimum())}")
    return t(f"committee.def.view.{view}", lang)


def alliance_definition(lang: str, with_small_n: bool = True) -> str:
    """The alliance indicator's definition exactly as the alliance page states it (definition,
    numerator / denominator, goal), plus the «n pequeño» rule its groups follow."""
    goal = fmt_pct(alliance_rule.GOAL_PERCENT, 0, lang)
    text = (f"{t('alliance.definition', lang)} {t('alliance.numerator_def', lang)} / "
            f"{t('alliance.denominator_def', lang)}. {t('alliance.goal', lang, goal=goal)}.")
    if with_small_n:
        text += " " + t("common.small_n_def", lang, min=alliance_rule.current_settings().min_denominator)
    return text


def goal_status_text(vc: ViewContext, status: str, denominator: int | None) -> str:
    """A state against the alliance goal in words with its symbol (never colour alone)."""
    goal = fmt_pct(alliance_rule.GOAL_PERCENT, 0, vc.lang)
    if status == small_n.MET:
        return "✔ " + vc.t("committee.status.meets", goal=goal)
    if status == small_n.MISSED:
        return "✖ " + vc.t("committee.status.below", goal=goal)
    if status == small_n.SMALL_N:
        return vc.t("common.small_n_status", n=fmt_int(denominator, vc.lang),
                    min=alliance_rule.current_settings().min_denominator)
    return vc.t("committee.status.no_data")


def territorial(viewer: Viewer) -> bool:
    """Whether the viewer's scope is a territory (national, an office): an operador acts on its
    contracts (``rules.access.Reach.CONTRACTS``), so targeting and territorial alerts are
    outside its scope and their figures would be zeros that mean nothing."""
    return access.scope_of(viewer) is not access.Reach.CONTRACTS


def signed(delta, fmt) -> str:
    """A change with its sign: «+3», «−1,3» (a true minus sign), «±0»."""
    if delta is None:
        return ""
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return f"{sign}{fmt(abs(delta))}"


def _delta_text(vc: ViewContext, cur, prev, fmt, previous: dt.date, points: bool = False) -> str | None:
    if cur is None or prev is None:
        return None
    q = quarter_label(quarter_of(previous), vc.lang)
    d = round(cur - prev, 1) if points else cur - prev
    text = signed(d, fmt) + (" " + vc.t("committee.pp") if points else "")
    return vc.t("committee.delta_vs", delta=text, quarter=q)


# ---------------------------------------------------------------------------- overview

# figures about the territory itself (targeting, alerts): shown only to territorial scopes
TERRITORIAL_METRICS = frozenset({"municipalities_prioritised", "alerts_open"})
OVERVIEW_METRICS = (
    # (metric id, kind, page the figure links to)
    ("households", "int", "pages/routes.py"),
    ("opr", "int", "pages/routes.py"),
    ("pn_executed", "int", "pages/alliance.py"),
    ("cofin_committed", "money", "pages/alliance.py"),
    ("cofin_disbursed", "money", "pages/alliance.py"),
    ("alliance", "pct", "pages/alliance.py"),
    ("sla", "pct", "pages/sla.py"),
    ("municipalities_prioritised", "int", "pages/map.py"),
    ("municipalities_attended", "int", "pages/map.py"),
    ("alerts_open", "int", "pages/map.py"),
)


def overview_figures(vc: ViewContext, head: ov.Headline) -> list[KeyFigure]:
    lang = vc.lang
    fmts = {"int": lambda v: fmt_int(v, lang), "money": lambda v: fmt_money(v, lang),
            "pct": lambda v: fmt_pct(v, 1, lang)}
    goal = fmt_pct(alliance_rule.GOAL_PERCENT, 0, lang)
    out: list[KeyFigure] = []
    in_territory = territorial(vc.viewer)
    current = indicators.from_headline(head)  # the catalogue's one computation of each value
    codes = {ind.metric: ind.code for ind in catalog.CATALOG}
    goals = targets.progress_of(vc.viewer, vc.filters, {c: v for c, v in current.items() if v.value is not None},
                                vc.url, head)
    for metric, kind, page in OVERVIEW_METRICS:
        if metric in TERRITORIAL_METRICS and not in_territory:
            continue
        cur, prev = head.values.get(metric, (None, None))
        if metric in codes:
            cur = current[codes[metric]].value
        definition = (alliance_definition(lang, with_small_n=False) if metric == "alliance"
                      else vc.t(f"committee.def.{metric}", year=vc.filters.cutoff.year, goal=goal))
        fig = KeyFigure(
            key=metric, label=vc.t(f"committee.kpi.{metric}"), value=fmts[kind](cur),
            delta=_delta_text(vc, cur, prev, (lambda v: fmt_num(v, 1, lang)) if kind == "pct" else fmts[kind],
                              head.previous, points=kind == "pct"),
            page=page, definition=definition,
        )
        if metric == "alliance":
            nd = head.extra.get("alliance", {}).get("current") or {}
            fig.state = alliance_rule.goal_status(nd.get("numerator") or 0, nd.get("denominator") or 0)
            fig.status = goal_status_text(vc, fig.state, nd.get("denominator"))
            if nd.get("denominator") is not None:
                fig.definition += " " + vc.t("committee.num_den", num=fmt_int(nd.get("numerator"), lang),
                                             den=fmt_int(nd.get("denominator"), lang))
        if metric.startswith("cofin_") and head.extra.get("cofinancing"):  # what the sum includes, each part
            fig.definition += " " + cofinancing_note(vc, fmts["money"], head.extra["cofinancing"], metric[6:])
        if metric == "sla" and cur is None:
            fig.status = vc.t("committee.status.sla_pending")
        fig.target = progress.target_line(codes.get(metric), goals, lang)
        out.append(fig)
        if metric == "households":
            for route, (rc, rp) in head.households_by_route.items():
                if not in_territory and not rc and not rp:
                    continue  # a route none of the operator's contracts serves
                out.append(KeyFigure(
                    key=f"households_{route}", label=vc.t("committee.kpi.households_route",
                                                          route=vc.t(f"route.{route}")),
                    value=fmt_int(rc, lang), delta=_delta_text(vc, rc, rp, lambda v: fmt_int(v, lang), head.previous),
                    page=page, definition=vc.t("committee.def.households"),
                    target=progress.target_line(codes.get(f"households_{route}"), goals, lang),
                ))
    return out


def _fraction(vc: ViewContext, numerator, denominator) -> str:
    """« (4/10)»: what a percentage stands on, so a change of counts shows even at the same %."""
    if denominator is None:
        return ""
    return f" ({fmt_int(numerator, vc.lang)}/{fmt_int(denominator, vc.lang)})"


def _overview_pairs(vc: ViewContext, shown: list[KeyFigure], live: list[KeyFigure], official_head: ov.Headline,
                    live_head: ov.Headline) -> list[tuple[str, str, str, str]]:
    """(key, label, official, live) of every card; the alliance card with its numerator/denominator."""
    live_by = {k.key: k for k in live}
    nd = {name: (h.extra.get("alliance", {}).get("current") or {}) for name, h in
          (("official", official_head), ("live", live_head))}
    out = []
    for k in shown:
        other = live_by.get(k.key)
        if other is None:
            continue
        off_text, live_text = k.value, other.value
        if k.key == "alliance":
            off_text += _fraction(vc, nd["official"].get("numerator"), nd["official"].get("denominator"))
            live_text += _fraction(vc, nd["live"].get("numerator"), nd["live"].get("denominator"))
        out.append((k.key, k.label, off_text, live_text))
    return out


def build_overview(vc: ViewContext) -> SlideData:
    head = ov.headline(vc.viewer, vc.filters, url=vc.url, sla_frame=sla_frame(vc))
    trend = head.extra["households_trend"]
    figures = overview_figures(vc, head)
    found = official_set(vc)
    if found:  # the cards and table of a closed quarter: its official figures
        before = periods.official(vc.viewer, quarter_of(head.previous), vc.url)
        official_head = official.overview_headline(head, official.figure_set(found)["overview"],
                                          before and official.figure_set(before)["overview"])
        live, figures = figures, overview_figures(vc, official_head)
        pairs = _overview_pairs(vc, figures, live, official_head, head)
    routes = {r: vc.t(f"route.{r}") for r in ROUTE_ORDER if not vc.filters.route or r == vc.filters.route}
    qlabels = {r["quarter_end"]: quarter_label(quarter_of(r["quarter_end"]), vc.lang) for r in trend}
    fig = (charts.households_trend(trend, routes, qlabels, vc.t("committee.axis.households"), lang=vc.lang)
           if trend else None)
    table = pd.DataFrame([
        {vc.t("committee.col.figure"): k.label, vc.t("committee.col.value"): k.value,
         vc.t("committee.col.change"): k.delta or "", vc.t("committee.col.status"): k.status or ""}
        for k in figures
    ])
    slide = _frame(vc, "overview", key_figures=figures, figure=fig, table=table)
    if found:
        mark_official(vc, slide, found, pairs)
    if fig is None:
        slide.notes.append(vc.t("error.no_data"))
    return slide


# --------------------------------------------------------------------------------- map


def _map_households(vc: ViewContext) -> dict[str, int] | None:
    """Households per municipality from the map page's metric (``data_access.map.queries``)."""
    households = map_queries.METRIC_VALUES["households"]
    return {c: int(v or 0) for c, v in households(vc.viewer, vc.filters, url=vc.url).items()}


def build_map(vc: ViewContext) -> SlideData:
    rows = ov.municipality_values(vc.viewer, vc.filters, url=vc.url, households=_map_households(vc))
    lang = vc.lang
    # the overview's figures, from the same definitions (``data_access.overview.queries``)
    attended = sum(1 for r in rows if r["attended"])
    prioritised = sum(1 for r in rows if r["prioritised"])
    both = sum(1 for r in rows if r["prioritised"] and r["attended"])
    alerts = sum(r["alerts_open"] for r in rows)
    year = vc.filters.cutoff.year
    figs = [
        KeyFigure("municipalities_attended", vc.t("committee.kpi.municipalities_attended"), fmt_int(attended, lang),
                  page="pages/map.py", definition=vc.t("committee.def.municipalities_attended")),
        KeyFigure("municipalities_prioritised", vc.t("committee.kpi.municipalities_prioritised"),
                  fmt_int(prioritised, lang), page="pages/map.py",
                  definition=vc.t("committee.def.municipalities_prioritised", year=year)),
        KeyFigure("prioritised_attended", vc.t("committee.kpi.prioritised_attended"), fmt_int(both, lang),
                  status=(fmt_pct(100.0 * both / prioritised, 1, lang) if prioritised else None), page="pages/map.py",
                  definition=vc.t("committee.def.prioritised_attended", year=year)),
        KeyFigure("alerts_open", vc.t("committee.kpi.alerts_open"), fmt_int(alerts, lang), page="pages/map.py",
                  definition=vc.t("committee.def.alerts_open")),
    ]
    top = sorted((r for r in rows if r["households"] > 0), key=lambda r: -r["households"])[:10]
    table = pd.DataFrame([
        {vc.t("committee.col.code"): r["code"], vc.t("filters.municipality"): r["name"],
         vc.t("committee.kpi.households"): r["households"],
         vc.t("committee.col.prioritised"): vc.t("committee.yes") if r["prioritised"] else vc.t("committee.no"),
         vc.t("committee.kpi.alerts_open"): r["alerts_open"]}
        for r in top
    ])
    slide = _frame(vc, "map", key_figures=figs, table=table)
    boundaries = ov.active_boundaries(vc.url)
    if boundaries is None:
        slide.notes.append(vc.t("committee.map.no_boundaries"))
        return slide
    vintage, topo = boundaries
    polygons = charts.topojson_polygons(topo)
    visible = {r["code"] for r in rows}
    polygons = {c: p for c, p in polygons.items() if c in visible}  # never a shape outside the scope
    if not polygons:
        slide.notes.append(vc.t("committee.map.no_shapes"))
        return slide
    values = {r["code"]: r["households"] for r in rows}
    slide.figure = charts.choropleth(
        polygons, values,
        lambda lo, hi: (vc.t("committee.map.class", lo=fmt_int(lo, lang), hi=fmt_int(hi, lang)) if hi > lo
                        else vc.t("committee.map.class_single") if lo == 1
                        else vc.t("committee.map.class_one", n=fmt_int(lo, lang))),
        vc.t("committee.map.none"), lang=vc.lang,
    )
    slide.source += " " + vc.t("committee.map.vintage", vintage=vintage)
    return slide


# ----------------------------------------------------------------------------- funnels


def _funnel_rows(vc: ViewContext) -> tuple[list[tuple[str, str, int]], str]:
    """(route, stage code, count) rows: the counts of ``data_access.routes.funnels.funnel`` (same
    definition, cross-checked by the tests) from one index-only query — the slide needs
    no medians nor losses, and the pack must stay within its time budget."""
    rows = ov.funnel_counts(vc.viewer, vc.filters, url=vc.url)
    return [(r["route"], r["stage"], r["count"]) for r in rows], "data_access.overview.queries"


def funnel_stage_rows(vc: ViewContext, rows: list[tuple[str, str, int]] | None = None
                      ) -> list[tuple[str, str, str, int]]:
    """(route, stage code, stage label, count): every stage of each route with entrants, in the
    route model's order, named as on the Rutas page (``rules.routes.model.stage_name``: «Salida
    (egreso cumplido)» counts completed exits only; optional stages say so); 0 where nobody
    reached a stage. ``rows``: (route, stage, count) to lay out (default: the live counts)."""
    if rows is None:
        rows, _ = _funnel_rows(vc)
    counts = {(r, s): c for r, s, c in rows}
    out = []
    for route in ROUTE_ORDER:
        if not counts.get((route, INGRESO)):
            continue
        model = route_model(route)
        for stage in model.stages:
            label = stage_name(stage, vc.lang, funnel=True, optional=stage in model.optional)
            out.append((route, stage, label, counts.get((route, stage), 0)))
    return out


def _funnel_figures(vc: ViewContext, rows: list[tuple[str, str, str, int]]) -> tuple[list[KeyFigure], list[str]]:
    """One card per route (entrants, share that completed the plan) and the «n pequeño» notes."""
    lang = vc.lang
    minimum = small_n.minimum()
    entered = {r: c for r, s, _, c in rows if s == INGRESO}
    completed = {r: c for r, s, _, c in rows if s == PLAN_COMPLETADO}
    figs, notes = [], []
    for route, n in entered.items():
        state = None
        if small_n.is_small(n, minimum):  # a funnel on fewer entrants than the minimum is not a result
            state = small_n.SMALL_N
            status = vc.t("common.small_n_status", n=fmt_int(n, lang), min=minimum)
            notes.append(f"{vc.t(f'route.{route}')}: {vc.t('common.small_n_def', min=minimum)}")
        else:
            status = vc.t("committee.funnel.completed", pct=fmt_pct(100.0 * completed.get(route, 0) / n, 1, lang))
        figs.append(KeyFigure(f"funnel_{route}", vc.t(f"route.{route}"), fmt_int(n, lang), status=status, state=state,
                              page="pages/routes.py", definition=view_definition("funnels", lang)))
    return figs, notes


def _figure_pairs(shown: list[KeyFigure], live: list[KeyFigure]) -> list[tuple[str, str, str, str]]:
    """(key, label, official, live) per figure of either list: value and state as shown ("—": absent)."""
    def text(k: KeyFigure | None) -> str:
        return "—" if k is None else " · ".join(p for p in (k.value, k.status) if p)

    by_key = {k.key: k for k in shown}
    live_by = {k.key: k for k in live}
    keys = list(by_key) + [k for k in live_by if k not in by_key]
    return [(k, (by_key.get(k) or live_by[k]).label, text(by_key.get(k)), text(live_by.get(k))) for k in keys]


def build_funnels(vc: ViewContext) -> SlideData:
    rows = funnel_stage_rows(vc)
    figs, notes = _funnel_figures(vc, rows)
    found = official_set(vc)
    if found:  # a closed quarter: its official counts
        live_figs = figs
        rows = funnel_stage_rows(vc, [(r["route"], r["stage"], r["count"])
                                      for r in official.figure_set(found)["funnel"]["rows"]])
        figs, notes = _funnel_figures(vc, rows)
        pairs = _figure_pairs(figs, live_figs)
    entered = {r: c for r, s, _, c in rows if s == INGRESO}
    routes = {r: vc.t(f"route.{r}") for r in entered}
    fig = (charts.funnel_bars([(r, label, c) for r, _, label, c in rows], routes, vc.t("committee.axis.participants"),
                              lang=vc.lang) if rows else None)
    table = pd.DataFrame([{vc.t("filters.route"): vc.t(f"route.{r}"), vc.t("committee.col.stage"): label,
                           vc.t("committee.axis.participants"): c} for r, _, label, c in rows])
    slide = _frame(vc, "funnels", key_figures=figs, figure=fig, table=table)
    slide.notes.extend(notes)
    if found:
        mark_official(vc, slide, found, pairs)
    if not rows:
        slide.notes.append(vc.t("error.no_data"))
    return slide


# --------------------------------------------------------------------------------- ANS


def _sla_rows(vc: ViewContext) -> tuple[float | None, list[dict]]:
    """(average compliance, per operator rows) of the cut-off's quarter, by the ANS page's rule."""
    frame = sla_frame(vc)
    quarter = quarter_of(vc.filters.cutoff)
    current = frame[frame["quarter"] == quarter] if not frame.empty else frame
    avg = ov.sla_average(frame, quarter)
    table = sla_queries.score_table(current, ["operator_name"])
    statuses = [c for c in table.columns if c not in ("operator_name", "score", "weight_total")]
    rows = []
    for rec in table.to_dict("records"):
        total = int(sum(int(rec[s]) for s in statuses if s != "sin_base"))
        rows.append({"operator": rec["operator_name"], "quarter": quarter, "pct": rec["score"],
                     "met": int(rec.get("cumple", 0)), "total": total})
    return avg, rows


def build_sla(vc: ViewContext) -> SlideData:
    lang = vc.lang
    head_avg, rows = _sla_rows(vc)
    found = official_set(vc)
    if found:  # a closed quarter: its official scorecard
        live_avg, live_rows = head_avg, rows
        head_avg, rows = official.sla_rows(official.figure_set(found)["sla"])
    quarter = rows[0]["quarter"] if rows else quarter_of(vc.filters.cutoff)
    figs = [KeyFigure("sla", vc.t("committee.kpi.sla"), fmt_pct(head_avg, 1, lang),
                      status=vc.t("committee.sla.quarter", quarter=quarter_label(quarter, lang))),
            KeyFigure("sla_operators", vc.t("committee.kpi.operators"), fmt_int(len(rows), lang))]
    # The chart shows the operators with the lowest compliance first (at most SLA_CHART_MAX); the table has all.
    shown = sorted(rows, key=lambda r: (r["pct"] is None, r["pct"] if r["pct"] is not None else 0.0))[:SLA_CHART_MAX]
    names = [r["operator"] for r in shown]
    values = [r["pct"] for r in shown]
    texts = [f"{fmt_pct(r['pct'], 1, lang)} ({fmt_int(r['met'], lang)}/{fmt_int(r['total'], lang)})" for r in shown]
    fig = (charts.compliance_bars(names, values, texts, None, "", vc.t("committee.axis.compliance"), lang=vc.lang)
           if rows else None)
    table = pd.DataFrame([{vc.t("committee.col.operator"): r["operator"],
                           vc.t("committee.col.quarter"): quarter_label(r["quarter"], lang),
                           vc.t("committee.col.met"): r["met"], vc.t("committee.col.measured"): r["total"],
                           vc.t("committee.col.compliance"): fmt_pct(r["pct"], 1, lang)} for r in rows])
    slide = _frame(vc, "sla", key_figures=figs, figure=fig, table=table)
    if found:
        mark_official(vc, slide, found, [
            ("sla", figs[0].label, fmt_pct(head_avg, 1, lang), fmt_pct(live_avg, 1, lang)),
            ("sla_operators", figs[1].label, fmt_int(len(rows), lang), fmt_int(len(live_rows), lang))])
    if len(rows) > SLA_CHART_MAX:
        slide.notes.append(vc.t("committee.sla.lowest", shown=SLA_CHART_MAX, total=len(rows)))
    slide.notes.append(_timeliness_note(vc, quarter))
    if not rows:
        slide.notes.append(vc.t("error.no_data"))
    return slide


def _timeliness_note(vc: ViewContext, quarter: str) -> str:
    """«Registro oportuno» of the quarter's reports in the view's scope (``data_access.reporting.timeliness``)."""
    s = timeliness.summary(timeliness.rows(vc.viewer, quarter, vc.url), quarter)
    return vc.t("reporting.tl.pack_note", quarter=quarter_label(quarter, vc.lang), on_time=fmt_int(s.on_time, vc.lang),
                expected=fmt_int(s.expected, vc.lang),
                rate=fmt_pct(s.rate * 100 if s.rate is not None else None, 1, vc.lang))


# ---------------------------------------------------------------------------- alliance


def _alliance_rows(vc: ViewContext) -> tuple[dict, list[dict]]:
    """(total, per ventana) as dicts numerator/denominator/pct (``data_access.alliance.queries``)."""
    tot = alliance.indicator(vc.viewer, vc.filters, url=vc.url)
    by = {str(r.key): r for r in alliance.by_dimension(vc.viewer, vc.filters, "ventana", url=vc.url)}
    out = []
    for v in (1, 2, 3):
        r = by.get(str(v))
        out.append({"ventana": v, "numerator": r.numerator if r else 0, "denominator": r.denominator if r else 0,
                    "pct": r.percent if r else None})
    return {"numerator": tot.numerator, "denominator": tot.denominator, "pct": tot.percent}, out


def build_alliance(vc: ViewContext) -> SlideData:
    lang = vc.lang
    goal = alliance_rule.GOAL_PERCENT
    total, by_v = _alliance_rows(vc)
    found = official_set(vc)
    if found:  # a closed quarter: its official figures
        live = [total, *by_v]
        total, by_v = official.alliance_rows(official.figure_set(found))
    names = [vc.t("committee.total")] + [vc.t("committee.ventana", n=r["ventana"]) for r in by_v]
    dens = [total] + by_v
    # one state per group (``rules.alliance.indicator.goal_status``): «n pequeño» is neither ✔ nor ✖
    states = [alliance_rule.goal_status(d["numerator"], d["denominator"]) for d in dens]
    status = [goal_status_text(vc, st, d["denominator"]) for st, d in zip(states, dens)]
    figs = [KeyFigure("alliance", vc.t("committee.kpi.alliance"), fmt_pct(total["pct"], 1, lang), status=status[0],
                      state=states[0], page="pages/alliance.py",
                      definition=vc.t("committee.num_den", num=fmt_int(total["numerator"], lang),
                                      den=fmt_int(total["denominator"], lang)))]
    for r, st, words in zip(by_v, states[1:], status[1:]):
        figs.append(KeyFigure(f"alliance_v{r['ventana']}", vc.t("committee.ventana", n=r["ventana"]),
                              fmt_pct(r["pct"], 1, lang), status=words, state=st, page="pages/alliance.py",
                              definition=vc.t("committee.num_den", num=fmt_int(r["numerator"], lang),
                                              den=fmt_int(r["denominator"], lang))))
    values = [d["pct"] for d in dens]
    texts = []
    for v, d, st, words in zip(values, dens, states, status):
        if st == small_n.NO_DATA:
            texts.append(words)
            continue
        fraction = f"{fmt_pct(v, 1, lang)} ({fmt_int(d['numerator'], lang)}/{fmt_int(d['denominator'], lang)})"
        texts.append(f"{words} · {fraction}" if st == small_n.SMALL_N else f"{words[:1]} {fraction}")
    fig = charts.compliance_bars(names, values, texts, goal, vc.t("committee.goal", goal=fmt_pct(goal, 0, lang)),
                                 vc.t("committee.axis.alliance"), lang=lang,
                                 neutral=[st == small_n.SMALL_N for st in states])
    table = pd.DataFrame([{vc.t("committee.col.group"): n, vc.t("committee.col.numerator"): d["numerator"],
                           vc.t("committee.col.denominator"): d["denominator"],
                           vc.t("committee.col.value"): fmt_pct(v, 1, lang), vc.t("committee.col.status"): words}
                          for n, v, d, words in zip(names, values, dens, status)])
    slide = _frame(vc, "alliance", key_figures=figs, figure=fig, table=table)
    if found:
        mark_official(vc, slide, found, [
            (k.key, k.label, fmt_pct(d["pct"], 1, lang) + _fraction(vc, d["numerator"], d["denominator"]),
             fmt_pct(lv["pct"], 1, lang) + _fraction(vc, lv["numerator"], lv["denominator"]))
            for k, d, lv in zip(figs, dens, live)])
    if not total["denominator"]:
        slide.notes.append(vc.t("committee.alliance.no_plans"))
    return slide


# ------------------------------------------------------------------------------ alerts


def build_alerts(vc: ViewContext) -> SlideData:
    from data_access.overview.queries import alerts_by_category

    lang = vc.lang
    rows = alerts_by_category(vc.viewer, vc.filters, url=vc.url)
    cats = list(ALERT_CATEGORIES)
    series = {
        vc.t(f"committee.severity.{s}"): [
            sum(r["count"] for r in rows if r["category"] == c and r["severity"] == s) for c in cats
        ]
        for s in ALERT_SEVERITIES
    }
    total = sum(r["count"] for r in rows)
    high = sum(r["count"] for r in rows if r["severity"] == "alta")
    figs = [KeyFigure("alerts_open", vc.t("committee.kpi.alerts_open"), fmt_int(total, lang)),
            KeyFigure("alerts_high", vc.t("committee.kpi.alerts_high"), fmt_int(high, lang), status="▲")]
    cat_labels = [vc.t(f"committee.alert.{c}") for c in cats]
    fig = charts.stacked_bars(cat_labels, series, vc.t("committee.axis.alerts"), lang=vc.lang) if total else None
    table = pd.DataFrame([{vc.t("committee.col.category"): lbl, **{k: v[i] for k, v in series.items()}}
                          for i, lbl in enumerate(cat_labels)])
    slide = _frame(vc, "alerts", key_figures=figs, figure=fig, table=table)
    if not total:
        slide.notes.append(vc.t("committee.alerts.none"))
    return slide


# ---------------------------------------------------------------------------- agreements


AGREEMENT_ROWS = 5
"""Open agreements a slide lists (overdue first); the page lists them all."""


def build_agreements(vc: ViewContext) -> SlideData:
    """«Seguimiento de compromisos»: agreements in scope by status, the open ones (overdue first)
    and the agreements of the scope's latest session."""
    from exports.acta import status_text

    lang = vc.lang
    counts = agreements.status_counts(vc.viewer, url=vc.url)
    open_n = sum(counts[s] for s in (*agreements_rule.OPEN_STATUSES, agreements_rule.VENCIDO))
    figs = [KeyFigure("agreements_open", vc.t("committee.kpi.agreements_open"), fmt_int(open_n, lang),
                      page="pages/agreements.py"),
            KeyFigure("agreements_overdue", vc.t("committee.kpi.agreements_overdue"),
                      fmt_int(counts[agreements_rule.VENCIDO], lang),
                      status=status_text(agreements_rule.VENCIDO, lang) if counts[agreements_rule.VENCIDO] else None,
                      page="pages/agreements.py"),
            KeyFigure("agreements_done", vc.t("committee.kpi.agreements_done"),
                      fmt_int(counts[agreements_rule.CUMPLIDO], lang), page="pages/agreements.py")]
    rows = [r for r in agreements.agreements(vc.viewer, url=vc.url)
            if r["shown_status"] in (*agreements_rule.OPEN_STATUSES, agreements_rule.VENCIDO)]
    rows.sort(key=lambda r: (r["shown_status"] != agreements_rule.VENCIDO, r["due_on"], r["id"]))

    def line(r: dict) -> dict:
        return {vc.t("agreements.col.subject"): f"{vc.t('agreements.subject.' + r['subject_kind'])} "
                                                f"{r['subject_code']}",
                vc.t("agreements.col.description"): r["description"],
                vc.t("agreements.col.responsible"): r["responsible"],
                vc.t("agreements.col.due"): fmt_date(r["due_on"], lang),
                vc.t("agreements.col.status"): status_text(r["shown_status"], lang)}

    table = pd.DataFrame([line(r) for r in rows[:AGREEMENT_ROWS]]) if rows else None
    slide = _frame(vc, "agreements", key_figures=figs, table=table)
    if len(rows) > AGREEMENT_ROWS:  # a slide fits a projector: the rest is on the page
        slide.notes.append(vc.t("committee.agreements.more", n=fmt_int(len(rows) - AGREEMENT_ROWS, lang)))
    latest = agreements.sessions(vc.viewer, limit=1, url=vc.url)
    if latest:
        s = latest[0]
        slide.notes.append(vc.t("committee.agreements.latest", title=s["title"], date=fmt_date(s["held_on"], lang),
                                n=fmt_int(s["agreements"], lang)))
        made = agreements.agreements(vc.viewer, session_id=s["id"], url=vc.url)
        slide.notes.extend(f"{status_text(r['shown_status'], lang)} · {r['description']} — {r['responsible']}, "
                           f"{fmt_date(r['due_on'], lang)}" for r in made[:2])
    if not sum(counts.values()):
        slide.notes.append(vc.t("committee.agreements.none"))
    return slide


BUILDERS = {
    "overview": build_overview,
    "map": build_map,
    "funnels": build_funnels,
    "sla": build_sla,
    "alliance": build_alliance,
    "alerts": build_alerts,
    "agreements": build_agreements,
}

# The data_access queries each view reads (besides the scope and filter names of every
# subtitle): a cache of a view (``components.overview.slides``) is keyed on their declared
# topics, so a write misses exactly the views that show what it changed.
_LABELS = (ov.scope_name, ov.filter_names)
READS: dict[str, tuple] = {
    "overview": (*_LABELS, ov.headline, ov.sla_scorecard, periods.official),
    "map": (*_LABELS, map_queries.METRIC_VALUES["households"], ov.municipality_values, ov.active_boundaries),
    "funnels": (*_LABELS, ov.funnel_counts, periods.official),
    "sla": (*_LABELS, ov.sla_scorecard, periods.official, timeliness.rows),
    "alliance": (*_LABELS, alliance.indicator, alliance.by_dimension, periods.official),
    "alerts": (*_LABELS, ov.alerts_by_category),
    "agreements": (*_LABELS, agreements.status_counts, agreements.agreements, agreements.sessions),
}


def build_view(view: str, vc: ViewContext) -> SlideData:
    """The view's content, computed once per context (read only once built: it is shared)."""
    return vc.once(("view", view), lambda: BUILDERS[view](vc))


def build_views(views: list[str], vc: ViewContext, workers: int = 2) -> list[SlideData]:
    """Several views at once: the store works on 2 queries in parallel (SQLite releases the
    GIL while a query runs; PostgreSQL runs them on its own processes)."""
    if len(views) <= 1 or workers <= 1:
        return [build_view(v, vc) for v in views]
    # the slowest views first, so that the two workers finish together
    order = sorted(views, key=lambda v: ("sla", "funnels", "overview", "map", "alliance", "alerts",
                                         "agreements").index(v))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        done = dict(zip(order, pool.map(lambda v: build_view(v, vc), order)))
    return [done[v] for v in views]
