"""Benchmark of the "Paquete para comité" (a ``tablero bench`` area; returns figures).

For a national viewer and a comité regional (the demo account ``comite`` when the store
has it), builds the pack of the six views at the cut-off of the last closed quarter:

* from scratch, as the CLI and a fresh app process do: the SQL of every view, chart
  images in one kaleido Chromium started cold, the PPTX file; then the PDF of the same
  pack (content and images reused, only the file written);
* after the overview page, as a director's click on the overview page does: the views
  that page already computed (the overview and its ANS scorecard) are reused;
* after the computation ahead (``components.overview.ahead.committee_views``), as the first click
  in an app server that computed the scope's views: charts and file only.

Goal (issue 20): from scratch ≤ 5 s at national scale (≤ 10 s at x10).
"""

from __future__ import annotations

import os
import statistics

from rules.core.catalog import Role

GOAL_S = 5.0


def _viewers(url: str):
    from data_access.core.auth import viewer_for_username
    from data_access.core.scope import Viewer

    out = [("nacional", Viewer(username="bench", role=Role.DIRECTIVO, scope_label="Nacional"))]
    comite = viewer_for_username("comite", url)
    if comite is not None and comite.is_regional:
        out.append(("comité", comite))
    return out


def _fmt(tm: dict, size: int) -> str:
    return (f"{tm['total']:.2f} (consultas {tm['queries']:.2f}, gráficos {tm['charts']:.2f}, "
            f"archivo {tm['write']:.2f}; {size // 1024} KB)")


def bench(url: str, runs: int = 3, browser: bool = False) -> dict:
    """The pack's build times per viewer (server side: ``browser`` unused; kaleido's own
    Chromium renders the charts either way)."""
    from components.overview.ahead import committee_views
    from data_access.core.filters import GlobalFilters
    from exports import charts, content, pack
    from rules.core.calendar import last_quarter_end

    filters = GlobalFilters(cutoff=last_quarter_end())
    out: dict = {}
    runs = max(1, min(runs, 3))
    try:
        for label, viewer in _viewers(url):
            charts.stop()  # the first build pays Chromium's start, as a fresh process does
            totals = []
            for i in range(runs):
                pack.forget()
                pptx = pack.build_pack(viewer, filters, content.VIEWS, fmt="pptx", url=url)
                totals.append(pptx.timings["total"])
                if i == 0:
                    out[f"{label}: PPTX 6 vistas desde cero, Chromium en frío (s)"] = _fmt(pptx.timings, len(pptx.data))
                    pdf = pack.build_pack(viewer, filters, content.VIEWS, fmt="pdf", url=url)
                    out[f"{label}: PDF después del PPTX (s)"] = round(pdf.timings["total"], 3)
            out[f"{label}: PPTX desde cero, mediana {runs} (s)"] = round(statistics.median(totals), 3)
            # what a click finds computed: the overview page's views, or every view computed ahead
            for name, prepare in (
                ("después de la página de resumen",
                 lambda v: content.build_view("overview", content.shared_context(v, filters, "es", url))),
                ("después del cálculo por adelantado", lambda v: committee_views(v, filters, "es", url)),
            ):
                times = []
                for _ in range(runs):
                    pack.forget()
                    prepare(viewer)
                    times.append(pack.build_pack(viewer, filters, content.VIEWS, fmt="pptx", url=url).timings["total"])
                out[f"{label}: PPTX {name}, mediana {runs} (s)"] = round(statistics.median(times), 3)
            out[f"{label}: meta desde cero ≤ {GOAL_S:.0f} s (nacional)"] = "sí" if max(totals) <= GOAL_S else "NO"
    finally:
        charts.stop()
        pack.forget()
    out["load_average"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return out


BENCHES = [bench]
