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
from dataclasses import dataclass, field

from data_access.filters import GlobalFilters
from data_access.scope import Viewer
from rules.clock import today
from rules.formatting import fmt_date
from rules.i18n import t

from . import charts
from .content import SlideData, build_views, make_context, parse_views

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

    @property
    def file_name(self) -> str:
        return default_file_name(self.slides[0].cutoff_label if self.slides else "", self.fmt)


def default_file_name(cutoff: dt.date | str, fmt: str) -> str:
    stamp = cutoff.isoformat() if isinstance(cutoff, dt.date) else str(cutoff).replace("/", "-")
    return f"paquete_comite_{stamp}.{fmt}"


def build_slides(viewer: Viewer, filters: GlobalFilters, views, lang: str = "es",
                 url: str | None = None) -> list[SlideData]:
    vc = make_context(viewer, filters, lang, url)
    return build_views(parse_views(",".join(views) if not isinstance(views, str) else views), vc)


def render_images(slides: list[SlideData]) -> dict[str, bytes]:
    with_fig = [s for s in slides if s.figure is not None]
    pngs = charts.render_png_batch([s.figure for s in with_fig])
    return {s.view: png for s, png in zip(with_fig, pngs)}


def build_pack(viewer: Viewer, filters: GlobalFilters, views, fmt: str = "pptx", lang: str = "es",
               url: str | None = None, images: dict[str, bytes] | None = None) -> PackResult:
    """The pack file for ``viewer`` (scoped) at ``filters``; ``images`` reuses already rendered charts."""
    if fmt not in FORMATS:
        raise ValueError(t("committee.export.bad_format", lang, fmt=fmt))
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    warm = None
    if images is None:  # start Chromium while the SQL runs (2 processes, 2 cores)
        warm = threading.Thread(target=charts.warm_up, daemon=True)
        warm.start()
    slides = build_slides(viewer, filters, views, lang, url)
    timings["queries"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    if images is None:
        warm.join()
        images = render_images(slides)
    else:
        images = {s.view: images[s.view] for s in slides if s.view in images}
    timings["charts"] = time.perf_counter() - t1
    t2 = time.perf_counter()
    footer = t("committee.export.footer", lang, date=fmt_date(today(), lang), user=viewer.username or "—")
    labels = {"definition": t("committee.definition", lang), "source": t("committee.source", lang)}
    if fmt == "pptx":
        from .pptx_writer import write_pptx

        data = write_pptx(slides, images, footer, labels)
    else:
        from .pdf_writer import write_pdf

        data = write_pdf(slides, images, footer, labels, title=t("committee.export.pack_title", lang))
    timings["write"] = time.perf_counter() - t2
    timings["total"] = time.perf_counter() - t0
    return PackResult(data=data, fmt=fmt, slides=slides, timings=timings)
