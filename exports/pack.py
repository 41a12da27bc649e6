""""Paquete para comité": one slide per chosen view, as PPTX or PDF, in one call.

``build_pack(viewer, filters, views, fmt)`` computes every view (scoped SQL aggregates),
renders all charts in ONE kaleido session (started in a thread while the SQL runs),
then writes the file. The viewer's scope applies to every number, table and map
shape: a comité regional's pack holds nothing outside its office.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field

from data_access.core.filters import GlobalFilters
from data_access.core.scope import Viewer
from exports import charts, tables
from exports.content import SlideData, build_views, data_key, make_context, parse_views, shared_context
from rules import access
from rules.core.clock import today
from rules.core.formatting import fmt_date
from rules.core.i18n import t

FORMATS = ("pptx", "pdf")
MIME = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}


@dataclass
class PackResult:
    data: bytes
    fmt: str
    slides: list[SlideData]
    timings: dict[str, float] = field(default_factory=dict)
    cutoff: dt.date | None = None
    scope: tuple[str, ...] = ()

    @property
    def file_name(self) -> str:
        return default_file_name(self.cutoff or today(), self.fmt, self.scope)


def default_file_name(cutoff: dt.date, fmt: str, scope=()) -> str:
    """``paquete_comite_<scope>_<cut-off>.<fmt>``: two regions' packs never share a name."""
    return f"{tables.file_stem('paquete_comite', scope, cutoff)}.{fmt}"


def build_slides(viewer: Viewer, filters: GlobalFilters, views, lang: str = "es",
                 url: str | None = None, shared: bool = True) -> list[SlideData]:
    """The views' content; ``shared``: reuse what the pages already computed at these data versions."""
    vc = (shared_context if shared else make_context)(viewer, filters, lang, url)
    return build_views(parse_views(",".join(views) if not isinstance(views, str) else views), vc)


def render_images(slides: list[SlideData]) -> dict[str, bytes]:
    with_fig = [s for s in slides if s.figure is not None]
    pngs = charts.render_png_batch([s.figure for s in with_fig])
    return {s.view: png for s, png in zip(with_fig, pngs)}


# Process-level cache of built packs' content, keyed by the store's data versions (a write
# anywhere bumps them: never stale), the viewer, the filters, the views and the language.
_CACHE: OrderedDict = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_MAX = 16


def forget() -> None:
    """Drop this process's packs and shared view contexts (benchmarks' cold starts, tests)."""
    from exports import content

    for cache, lock in ((_CACHE, _CACHE_LOCK), (content._SHARED, content._SHARED_LOCK)):
        with lock:
            cache.clear()


def _cache_key(viewer, filters, views, lang, url):
    return (*data_key(url), viewer, filters, tuple(views), lang)


def build_pack(viewer: Viewer, filters: GlobalFilters, views, fmt: str = "pptx", lang: str = "es",
               url: str | None = None, images: dict[str, bytes] | None = None, use_cache: bool = True
               ) -> PackResult:
    """The pack file for ``viewer`` (scoped) at ``filters``; ``images`` reuses already rendered
    charts. The content and the chart images of a pack are kept per data version, so the
    PDF after the PPTX (or a second click) costs only the file writing, and views the pages
    already computed are reused (``use_cache=False``: everything computed anew)."""
    if fmt not in FORMATS:
        raise ValueError(t("committee.export.bad_format", lang, fmt=fmt))
    if not access.allowed(viewer, access.EXPORT_PACK):  # the committees' pack, whoever calls
        raise PermissionError(t("committee.export.not_allowed", lang))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    chosen = parse_views(",".join(views) if not isinstance(views, str) else views)
    key = _cache_key(viewer, filters, chosen, lang, url) if use_cache else None
    with _CACHE_LOCK:
        hit = _CACHE.get(key) if key else None
        if hit:
            _CACHE.move_to_end(key)
    if hit:
        slides, cached_images = hit
        images = images or cached_images
        timings["queries"] = time.perf_counter() - t0
    else:
        warm = None
        if images is None:  # start Chromium while the SQL runs (2 processes, 2 cores)
            warm = threading.Thread(target=charts.warm_up, daemon=True)
            warm.start()
        slides = build_slides(viewer, filters, chosen, lang, url, shared=use_cache)
        timings["queries"] = time.perf_counter() - t0
        if warm is not None:
            warm.join()
    t1 = time.perf_counter()
    if images is None:
        images = render_images(slides)
    else:
        images = {s.view: images[s.view] for s in slides if s.view in images}
    if key and not hit:
        with _CACHE_LOCK:
            _CACHE[key] = (slides, images)
            while len(_CACHE) > _CACHE_MAX:
                _CACHE.popitem(last=False)
    timings["charts"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    footer = t("committee.export.footer", lang, date=fmt_date(today(), lang), user=viewer.username or "—")
    labels = {"definition": t("committee.definition", lang), "source": t("committee.source", lang)}
    if fmt == "pptx":
        from exports.pptx_writer import write_pptx

        data = write_pptx(slides, images, footer, labels)
    else:
        from exports.pdf_writer import write_pdf

        data = write_pdf(slides, images, footer, labels, title=t("committee.export.pack_title", lang))
    timings["write"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    return PackResult(data=data, fmt=fmt, slides=slides, timings=timings, cutoff=filters.cutoff,
                      scope=tuple(tables.scope_parts(viewer, filters)))
