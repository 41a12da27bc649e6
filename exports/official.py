"""Official figures of closed quarters in the committee views (and so on the pages).

A committee view whose cut-off is the end of a closed quarter, with no global filter other
than the viewer's own scope, shows the figures frozen at the close
(``data_access.reporting.periods.official``) instead of the live ones, says so
(«Cifras oficiales T2 2026, cerradas el 05/07/2026») and lists every figure whose live value
has moved since (``Change``). The pages draw that same mark (``components.reporting.official``),
so a page and its slide read one official payload.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from data_access.overview import queries as ov
from data_access.reporting import periods
from rules.core.calendar import quarter_end, quarter_of
from rules.core.formatting import bogota_time, fmt_date, quarter_label
from rules.core.i18n import t
from rules.sla import scoring as sla_rule

RESTATE_PARAM = "restate"
"""The query parameter of the reporting page that opens a closed quarter's restatement list."""


@dataclass(frozen=True)
class Change:
    """A figure of a closed quarter: its official and its live value, both as shown."""

    key: str
    label: str
    official: str
    live: str

    @property
    def moved(self) -> bool:
        return self.official != self.live


@dataclass
class Mark:
    """What a view built from official figures states: which quarter, when it closed, and its
    headline figures official vs live (``figures``; ``changes``: those that moved)."""

    quarter: str
    closed_on: dt.date
    closed_by: str
    sha256: str
    lang: str = "es"
    figures: list[Change] = field(default_factory=list)

    @property
    def changes(self) -> list[Change]:
        return [c for c in self.figures if c.moved]

    @property
    def quarter_text(self) -> str:
        return quarter_label(self.quarter, self.lang)

    @property
    def closed_text(self) -> str:
        return fmt_date(self.closed_on, self.lang)

    def headline(self) -> str:
        """«Cifras oficiales T2 2026, cerradas el 05/07/2026» (the slide's statement)."""
        return t("official.slide", self.lang, quarter=self.quarter_text, date=self.closed_text)

    def change_notes(self) -> list[str]:
        """One note per moved figure: «Tasa …: cifra oficial 40,0 % · cifra actual 30,0 %»."""
        return [t("official.slide_change", self.lang, figure=c.label, official=c.official, live=c.live)
                for c in self.changes]


def quarter_for(viewer: Viewer, filters: GlobalFilters) -> str | None:
    """The quarter whose official figures a view at ``filters`` shows: the cut-off is that
    quarter's end and no global filter narrows the viewer's scope beyond a frozen one (a comité's
    own office is its scope; a national viewer's office filter is that office's scope, frozen
    too); None otherwise (the view is live)."""
    quarter = quarter_of(filters.cutoff)
    if filters.cutoff != quarter_end(quarter):
        return None
    if filters.period_start or filters.department_code or filters.municipality_code:
        return None
    if filters.route and not (viewer.is_route and filters.route == viewer.route):  # its own route is its scope
        return None
    if getattr(filters, "known_at", None) is not None:
        return None
    office = filters.regional_office_id
    if office is not None and not (viewer.is_national or (viewer.is_regional and office == viewer.regional_office_id)):
        return None
    return quarter


def frozen(viewer: Viewer, filters: GlobalFilters, url: str | None = None) -> dict | None:
    """The closed quarter's frozen set for the scope of a view at ``filters`` (``periods.official``:
    the viewer's own, or the office a national viewer filtered), or None when the view is live
    (open or reopened quarter, a filter, not a quarter end)."""
    quarter = quarter_for(viewer, filters)
    if quarter is None:
        return None
    if viewer.is_national and filters.regional_office_id is not None:
        office = periods.scope_viewers(url).get(f"office:{filters.regional_office_id}")
        return None if office is None else periods.official(office, quarter, url=url)
    return periods.official(viewer, quarter, url=url)


def mark(found: dict, lang: str) -> Mark:
    """The statement of a view built from ``found`` (what :func:`frozen` returned)."""
    closed_at = found["closed_at"]
    if isinstance(closed_at, str):
        closed_at = dt.datetime.fromisoformat(closed_at)
    return Mark(quarter=found["quarter"], closed_on=bogota_time(closed_at).date(), closed_by=found["closed_by"],
                sha256=found["sha256"], lang=lang)


def figure_set(found: dict) -> dict:
    """The figure set inside what :func:`frozen` returned."""
    return found["figures"]


# ------------------------------------------------------------------ frozen figures as the views' rows


def overview_headline(head: ov.Headline, frozen: dict, previous: dict | None = None) -> ov.Headline:
    """``head`` with the closed quarter's official values at the cut-off (``frozen``: the
    ``overview`` figure of the close) and, when the previous quarter is closed too, its official
    values (``previous``), so each card's change is official against official; otherwise the
    previous quarter end's values stay live."""
    def prev_of(part: str, key: str, live):
        return live if previous is None else previous[part].get(key)

    values = {m: (frozen["values"].get(m), prev_of("values", m, prev)) for m, (_cur, prev) in head.values.items()}
    by_route = {r: (frozen["households_by_route"].get(r), prev_of("households_by_route", r, prev))
                for r, (_cur, prev) in head.households_by_route.items()}
    current = {"numerator": frozen.get("alliance_numerator"), "denominator": frozen.get("alliance_denominator"),
               "pct": values.get("alliance", (None, None))[0]}
    extra = {**head.extra, "alliance": {**head.extra.get("alliance", {}), "current": current}}
    return dataclasses.replace(head, values=values, households_by_route=by_route, extra=extra)


def sla_rows(frozen: dict) -> tuple[float | None, list[dict]]:
    """``exports.content._sla_rows`` from a close's ``sla`` figure (per operator, by code)."""
    rows = [{"operator": o["name"], "quarter": frozen["quarter"], "pct": o["score"],
             "met": int(o["counts"].get(sla_rule.CUMPLE, 0)),
             "total": int(sum(n for s, n in o["counts"].items() if s != sla_rule.SIN_BASE))}
            for o in frozen["operators"]]
    return frozen["score"], rows


def alliance_rows(frozen: dict) -> tuple[dict, list[dict]]:
    """``exports.content._alliance_rows`` from a close's ``alliance`` and ``alliance.by.ventana`` figures."""
    def nd(r: dict | None) -> dict:
        return {"numerator": r["numerator"] if r else 0, "denominator": r["denominator"] if r else 0,
                "pct": r["percent"] if r else None}

    by = {str(r["key"]): r for r in frozen["alliance.by.ventana"]["rows"]}
    return nd(frozen["alliance"]), [{"ventana": v, **nd(by.get(str(v)))} for v in (1, 2, 3)]
