"""Benchmark of the "Paquete para comité" (called by ``tablero bench``; prints figures).

For a national viewer and a comité regional (the demo account ``comite`` when the store
has it), builds the pack of the six views as a director's click does at the cut-off of the
last closed quarter: PPTX from scratch (SQL of every view, chart images in one kaleido
Chromium, file), then the PDF of the same pack (content and images reused, only the file
written). The first build starts Chromium cold, as the CLI and a fresh app process do;
the other ``runs`` rebuild the content without any cache. Goal: 6 views ≤ 10 s.
"""

from __future__ import annotations

import os
import statistics

GOAL_S = 10.0


def _viewers(url: str):
    from data_access.auth import viewer_for_username
    from data_access.scope import Viewer

    out = [("nacional", Viewer(username="bench", role="directivo", scope_label="Nacional"))]
    comite = viewer_for_username("comite", url)
    if comite is not None and comite.is_regional:
        out.append(("comité", comite))
    return out


def bench(url: str, runs: int = 3) -> dict:
    from data_access.filters import GlobalFilters
    from rules.clock import last_quarter_end

    from . import charts
    from .content import VIEWS
    from . import pack

    filters = GlobalFilters(cutoff=last_quarter_end())
    out: dict = {}
    try:
        for label, viewer in _viewers(url):
            charts.stop()  # the first build pays Chromium's start, as a fresh process does
            totals = []
            for i in range(max(1, min(runs, 3))):
                with pack._CACHE_LOCK:
                    pack._CACHE.clear()  # every run computes the content anew
                pptx = pack.build_pack(viewer, filters, VIEWS, fmt="pptx", url=url)
                totals.append(pptx.timings["total"])
                if i == 0:
                    tm = pptx.timings
                    out[f"{label}: PPTX 6 vistas, en frío (s)"] = (
                        f"{tm['total']:.2f} (consultas {tm['queries']:.2f}, gráficos {tm['charts']:.2f}, "
                        f"archivo {tm['write']:.2f}; {len(pptx.data) // 1024} KB)")
                    pdf = pack.build_pack(viewer, filters, VIEWS, fmt="pdf", url=url)
                    out[f"{label}: PDF después del PPTX (s)"] = round(pdf.timings["total"], 3)
            out[f"{label}: PPTX mediana {len(totals)} (s)"] = round(statistics.median(totals), 3)
            out[f"{label}: meta ≤ {GOAL_S:.0f} s"] = "sí" if max(totals) <= GOAL_S else "NO"
    finally:
        charts.stop()
    out["load_average"] = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return out
