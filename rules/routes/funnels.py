"""Cohorts and route funnels as pure data (no Streamlit, no SQL).

``data_access.routes.funnels`` counts in SQL and hands aggregated rows to the builders here,
which turn them into the rows shown by the page, the CLI and the exports:

* a **cohort** (:class:`Cohort`) is a set of enrolments chosen by entry quarter, route,
  entry mechanism, sex, youth (18–28), ethnicity, victim status, territory and operator;
* a **funnel** (:func:`build_funnel`) is, per route, one row per stage of
  ``rules.routes.model`` with: participants that *reached* the stage (have a stage event on or
  before the cut-off), % of entrants, conversion from the previous mandatory stage,
  losses right after the stage by reason, and the median days since the previous stage
  reached;
* a **Sankey** (:func:`build_sankey`) follows participants from their entry mechanism
  through promotions between routes to their exit.

Definitions (stated in the page's figure notes):

* "Salida" in a funnel counts *completed* exits only (graduado / asociación
  autogestionada); exits for a loss reason are losses of the stage where they left.
* Conversion of a stage = reached(stage) / reached(previous mandatory stage). For an
  optional stage (formación in básica) it is the share of the previous stage that took
  it; the next stage converts from the previous mandatory one.
* Median days: for each participant reaching the stage, days since the previous stage it
  reached (route order); the median of an even count is the mean of the two middle
  values (as PostgreSQL ``percentile_cont(0.5)``). Medians come from exact day
  histograms counted in SQL, so both stores give identical results.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields, replace

from rules.core.calendar import QUARTER_RE, add_months, quarter_end
from rules.core.catalog import ENTRY_MECHANISMS, ETHNICITIES, ROUTE_ORDER, ROUTES
from rules.routes.model import (
    COMPLETED_EXITS,
    EXIT_AUTOGESTION,
    EXIT_GRADUADO,
    INGRESO,
    LOSS_REASONS,
    conversion_base,
    route_model,
)

OTHER_REASON = "otro"  # an exit outcome outside the catalogue (a data error, still counted)
SEXES = ("F", "M")


# ------------------------------------------------------------------------------ cohort


@dataclass(frozen=True)
class Cohort:
    """Which enrolments are analysed. Empty tuples / None mean "all". Hashable (cache key).

    Territory here narrows *within* the global filters (both apply). Person filters
    (sex, youth, ethnicity, victim) describe a household's head: when any is set,
    associations (OPR participants, which have no such attributes) are left out.
    """

    quarters: tuple[str, ...] = ()
    route: str | None = None
    entry_mechanisms: tuple[str, ...] = ()
    sex: str | None = None
    youth: bool | None = None
    ethnicities: tuple[str, ...] = ()
    victim: bool | None = None
    regional_office_id: int | None = None
    department_code: str | None = None
    municipality_code: str | None = None
    operator_id: int | None = None

    def with_(self, **changes) -> Cohort:
        return replace(self, **changes)

    @property
    def person_filters(self) -> bool:
        return self.sex is not None or self.youth is not None or bool(self.ethnicities) or self.victim is not None

    @property
    def is_default(self) -> bool:
        return self == Cohort()

    def to_dict(self) -> dict:
        """JSON-safe dict without the "all" values (what a saved cohort stores)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or value == ():
                continue
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: Mapping | None) -> Cohort:
        """Build and validate a cohort; raises ``ValueError`` (Spanish, names the field)."""
        data = dict(data or {})
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise ValueError(f"Filtro de cohorte desconocido: {', '.join(sorted(unknown))}.")

        def tup(name: str, allowed: Iterable[str] | None = None, pattern: re.Pattern | None = None):
            raw = data.get(name) or ()
            if isinstance(raw, str):
                raw = [p for p in re.split(r"[,\s]+", raw) if p]
            values = tuple(sorted({str(v) for v in raw}))
            for v in values:
                if allowed is not None and v not in allowed:
                    raise ValueError(f"Valor «{v}» no válido en «{name}»: use {', '.join(allowed)}.")
                if pattern is not None and not pattern.match(v):
                    raise ValueError(f"Trimestre «{v}» no válido: escríbalo como 2024Q1.")
            return values

        def opt_bool(name: str) -> bool | None:
            raw = data.get(name)
            if raw is None or raw == "":
                return None
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "si", "sí", "s", "yes"):
                return True
            if text in ("0", "false", "no", "n"):
                return False
            raise ValueError(f"Valor «{raw}» no válido en «{name}»: use sí o no.")

        def opt_int(name: str) -> int | None:
            raw = data.get(name)
            if raw is None or raw == "":
                return None
            try:
                return int(raw)
            except (TypeError, ValueError):
                raise ValueError(f"Valor «{raw}» no válido en «{name}»: debe ser un número.") from None

        def opt_code(name: str, length: int) -> str | None:
            raw = data.get(name)
            if raw is None or raw == "":
                return None
            text = str(raw).strip()
            if not (text.isdigit() and len(text) == length):
                raise ValueError(f"Código «{raw}» no válido en «{name}»: debe tener {length} dígitos.")
            return text

        route = data.get("route") or None
        if route is not None and route not in ROUTES:
            raise ValueError(f"Ruta «{route}» no válida: use {', '.join(ROUTE_ORDER)}.")
        sex = data.get("sex") or None
        if sex is not None and sex not in SEXES:
            raise ValueError(f"Sexo «{sex}» no válido: use F o M.")
        return cls(
            quarters=tup("quarters", pattern=QUARTER_RE),
            route=route,
            entry_mechanisms=tup("entry_mechanisms", allowed=tuple(ENTRY_MECHANISMS)),
            sex=sex,
            youth=opt_bool("youth"),
            ethnicities=tup("ethnicities", allowed=tuple(ETHNICITIES)),
            victim=opt_bool("victim"),
            regional_office_id=opt_int("regional_office_id"),
            department_code=opt_code("department_code", 2),
            municipality_code=opt_code("municipality_code", 5),
            operator_id=opt_int("operator_id"),
        )


FOLLOW_UP_DAYS = 365


def default_quarter(quarters: Sequence[str], cutoff: dt.date) -> str | None:
    """The cohort shown first: the latest entry quarter with a year of follow-up by the
    cut-off (its participants had time to move through the route); else the latest
    quarter that started by the cut-off; None when there is none."""
    ended = [q for q in quarters
             if QUARTER_RE.match(q) and quarter_end(q) <= cutoff - dt.timedelta(days=FOLLOW_UP_DAYS)]
    if ended:
        return max(ended)
    started = [q for q in quarters if QUARTER_RE.match(q) and quarter_end(q) - dt.timedelta(days=80) <= cutoff]
    return max(started) if started else None


# ------------------------------------------------------------------ equal elapsed time

MAX_ELAPSED_MONTHS = 12  # the like-for-like default never waits longer than a year of follow-up


def months_observed(last_entry: dt.date, cutoff: dt.date) -> int:
    """Whole calendar months between ``last_entry`` and the cut-off (0 when none or later):
    every participant who entered on or before ``last_entry`` was observed that long."""
    if last_entry > cutoff:
        return 0
    months = (cutoff.year - last_entry.year) * 12 + cutoff.month - last_entry.month
    while months > 0 and add_months(last_entry, months) > cutoff:
        months -= 1
    return months


def observed_entry_limit(cutoff: dt.date, months: int) -> dt.date:
    """The latest entry date observed ``months`` whole months by the cut-off: the largest
    day ``d`` with ``add_months(d, months) <= cutoff`` (end-of-month clamping included)."""
    if months < 0:
        raise ValueError(f"Meses desde el ingreso no válidos ({months}): use un número mayor o igual a 0.")
    day = add_months(cutoff, -months)
    while add_months(day + dt.timedelta(days=1), months) <= cutoff:
        day += dt.timedelta(days=1)
    return day


def like_for_like_months(cohorts: Iterable[Cohort], cutoff: dt.date, fallback: str | None = None,
                         cap: int = MAX_ELAPSED_MONTHS) -> int:
    """Default elapsed time of a cohort comparison: the longest time (≤ ``cap`` months, ≥ 1)
    that every compared entry quarter has been observed by the cut-off.

    A cohort without quarters ("all quarters") does not lower it: its entrants observed
    less than that are left out of the comparison (and counted in its note). ``fallback``
    is the quarter to use when no cohort names one (the page's default quarter).
    """
    quarters = {q for c in cohorts for q in c.quarters} or ({fallback} if fallback else set())
    observed = [months_observed(quarter_end(q), cutoff) for q in quarters if QUARTER_RE.match(q)]
    return max(1, min([cap, *observed]))


# ------------------------------------------------------------------------------ medians


def median_from_histogram(hist: Mapping[int, int]) -> float | None:
    """Exact median of a multiset given as ``{value: count}`` (even n: mean of the middle two)."""
    items = sorted((int(v), int(n)) for v, n in hist.items() if v is not None and n)
    total = sum(n for _, n in items)
    if total == 0:
        return None
    lo_rank, hi_rank = (total - 1) // 2, total // 2  # 0-based ranks of the middle value(s)
    lo = hi = None
    seen = 0
    for value, n in items:
        if lo is None and lo_rank < seen + n:
            lo = value
        if hi_rank < seen + n:
            hi = value
            break
        seen += n
    return (lo + hi) / 2


# ------------------------------------------------------------------------------ funnel


@dataclass(frozen=True)
class FunnelStage:
    route: str
    stage: str
    order: int
    optional: bool
    count: int  # reached the stage (for SALIDA: completed exits)
    pct_entrants: float | None  # 0–100
    conversion: float | None  # 0–100, from ``base_stage``
    base_stage: str | None
    losses: dict[str, int] = field(default_factory=dict)  # reason → participants lost after it
    median_days: float | None = None
    days_measured: int = 0  # participants with both dates (the median's n)

    @property
    def lost(self) -> int:
        return sum(self.losses.values())

    def as_row(self) -> dict:
        row = asdict(self)
        row.pop("losses")
        for reason in (*LOSS_REASONS, OTHER_REASON):
            row[f"lost_{reason}"] = self.losses.get(reason, 0)
        row["lost_total"] = self.lost
        return row


def _pct(num: int, den: int) -> float | None:
    return None if not den else 100.0 * num / den


def loss_reason(outcome: str | None) -> str | None:
    """Exit outcome → loss reason bucket (None for completed exits)."""
    if outcome in COMPLETED_EXITS:
        return None
    return outcome if outcome in LOSS_REASONS else OTHER_REASON


def build_funnel(
    route: str,
    days_hist: Mapping[str, Mapping[int | None, int]],
    exits: Mapping[tuple[str, str], int],
) -> list[FunnelStage]:
    """One route's funnel from SQL aggregates.

    ``days_hist[stage][days]`` = participants that reached ``stage`` with ``days`` since
    the previous stage reached (``None`` when there is none, e.g. ingreso); for SALIDA
    only completed exits. ``exits[(last_stage, outcome)]`` = exits whose last stage
    before leaving was ``last_stage``.
    """
    model = route_model(route)
    counts = {s: sum(days_hist.get(s, {}).values()) for s in model.stages}
    entrants = counts[INGRESO]
    losses: dict[str, dict[str, int]] = {s: {} for s in model.stages}
    for (stage, outcome), n in exits.items():
        reason = loss_reason(outcome)
        if reason is None or stage not in losses:
            continue
        losses[stage][reason] = losses[stage].get(reason, 0) + int(n)
    rows = []
    for stage in model.stages:
        base = conversion_base(route, stage)
        hist = {d: n for d, n in days_hist.get(stage, {}).items() if d is not None}
        rows.append(
            FunnelStage(
                route=route,
                stage=stage,
                order=model.order(stage),
                optional=stage in model.optional,
                count=counts[stage],
                pct_entrants=_pct(counts[stage], entrants),
                conversion=_pct(counts[stage], counts[base]) if base else None,
                base_stage=base,
                losses=dict(sorted(losses[stage].items())),
                median_days=median_from_histogram(hist),
                days_measured=sum(hist.values()),
            )
        )
    return rows


def compare_funnels(a: list[FunnelStage], b: list[FunnelStage]) -> list[dict]:
    """Side-by-side rows of two funnels of one route; deltas are B − A (percentage points)."""
    by_stage = {r.stage: r for r in b}
    out = []
    for ra in a:
        rb = by_stage.get(ra.stage)
        conv_a, conv_b = ra.conversion, rb.conversion if rb else None
        pct_a, pct_b = ra.pct_entrants, rb.pct_entrants if rb else None
        out.append(
            {
                "route": ra.route,
                "stage": ra.stage,
                "count_a": ra.count,
                "count_b": rb.count if rb else 0,
                "pct_entrants_a": pct_a,
                "pct_entrants_b": pct_b,
                "delta_pct_entrants_pp": None if pct_a is None or pct_b is None else pct_b - pct_a,
                "conversion_a": conv_a,
                "conversion_b": conv_b,
                "delta_conversion_pp": None if conv_a is None or conv_b is None else conv_b - conv_a,
                "median_days_a": ra.median_days,
                "median_days_b": rb.median_days if rb else None,
            }
        )
    return out


# ------------------------------------------------------------------ the viability loop


@dataclass(frozen=True)
class ViabilityLoop:
    """One route's viability loop as of the cut-off (seed 000 §4.1 c, §4.2 d: a «no viable» plan is
    fed back and reformulated — a loop, not a drop-out). Its participants had at least one «no
    viable» evaluation; they are counted once in the funnel and lost only when they exit."""

    route: str
    participants: int  # had ≥ 1 «no viable» evaluation
    reformulations: int  # formulaciones after a «no viable» (all participants)
    resolved: int  # later evaluated viable
    in_loop: int  # not yet viable and not exited: reformulating or awaiting a new evaluation
    exited: int  # left the route without a viable evaluation (no viable, abandono)
    days_lost_median: float | None  # first «no viable» → viable evaluation, among the resolved
    days_lost_total: int

    def as_row(self) -> dict:
        return asdict(self)


def build_loop(route: str, counts: Mapping[str, int], days_hist: Mapping[int, int]) -> ViabilityLoop:
    """A route's loop from SQL aggregates: ``counts`` (participants, reformulations, resolved,
    in_loop, exited) and the histogram of days lost among the resolved."""
    hist = {int(d): int(n) for d, n in days_hist.items() if d is not None}
    return ViabilityLoop(
        route=route,
        **{k: int(counts.get(k, 0) or 0) for k in ("participants", "reformulations", "resolved", "in_loop", "exited")},
        days_lost_median=median_from_histogram(hist),
        days_lost_total=sum(d * n for d, n in hist.items()),
    )


# ------------------------------------------------------------------------------ Sankey

LEFT = "salio"  # left the programme (any loss reason)
IN_PROGRESS = "en_curso"
EXIT_NODES = (EXIT_GRADUADO, EXIT_AUTOGESTION, LEFT, IN_PROGRESS)


def exit_node(outcome: str | None) -> str:
    """Exit outcome of an enrolment that was not promoted → Sankey exit node."""
    if outcome is None:
        return IN_PROGRESS
    if outcome in COMPLETED_EXITS:
        return outcome
    return LEFT


@dataclass(frozen=True)
class Sankey:
    nodes: list[tuple[str, str]]  # (kind, code): kind ∈ entry | route | exit
    links: list[tuple[int, int, int]]  # (source index, target index, participants)

    def node_totals(self) -> dict[tuple[str, str], int]:
        inflow: dict[int, int] = {}
        outflow: dict[int, int] = {}
        for s, t, n in self.links:
            outflow[s] = outflow.get(s, 0) + n
            inflow[t] = inflow.get(t, 0) + n
        return {node: max(inflow.get(i, 0), outflow.get(i, 0)) for i, node in enumerate(self.nodes)}


def build_sankey(chains: Iterable[tuple]) -> Sankey:
    """Sankey from chain aggregates ``(mechanism, r1, x1, r2, x2, r3, x3, n)``.

    ``r1`` is the entry route and ``mechanism`` its entry mechanism; ``r2``/``r3`` the
    routes the participant was promoted to (None if not); ``xk`` the exit outcome on
    route ``rk`` as of the cut-off (None = still there). Promoted participants flow to
    the next route, the others to their exit (graduado, asociación autogestionada,
    salió del programa) or to "en curso".
    """
    flows: dict[tuple[tuple[str, str], tuple[str, str]], int] = {}

    def add(src, dst, n):
        flows[(src, dst)] = flows.get((src, dst), 0) + int(n)

    for mech, r1, x1, r2, x2, r3, x3, n in chains:
        if not n:
            continue
        steps = [(r, x) for r, x in ((r1, x1), (r2, x2), (r3, x3)) if r]
        add(("entry", mech), ("route", steps[0][0]), n)
        for (ra, _), (rb, _) in zip(steps, steps[1:]):
            add(("route", ra), ("route", rb), n)
        last_route, last_exit = steps[-1]
        add(("route", last_route), ("exit", exit_node(last_exit)), n)
    kind_rank = {"entry": 0, "route": 1, "exit": 2}
    code_rank = {c: i for i, c in enumerate((*ENTRY_MECHANISMS, *ROUTE_ORDER, *EXIT_NODES))}
    nodes = sorted({n for pair in flows for n in pair}, key=lambda k: (kind_rank[k[0]], code_rank.get(k[1], 99), k[1]))
    index = {n: i for i, n in enumerate(nodes)}
    links = [(index[s], index[t], n)
             for (s, t), n in sorted(flows.items(), key=lambda kv: (index[kv[0][0]], index[kv[0][1]]))]
    return Sankey(nodes=nodes, links=links)


__all__ = [
    "Cohort",
    "FunnelStage",
    "Sankey",
    "ViabilityLoop",
    "build_funnel",
    "build_loop",
    "build_sankey",
    "compare_funnels",
    "exit_node",
    "loss_reason",
    "default_quarter",
    "like_for_like_months",
    "median_from_histogram",
    "months_observed",
    "observed_entry_limit",
]
