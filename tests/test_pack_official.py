"""The committee pack of a closed quarter (both stores): its overview, funnel, ANS and alliance
slides carry the official figures of the close and say so («Cifras oficiales T3 2026, cerradas
el …»); when a figure moved after the close the slide notes the current value; a filtered pack,
another cut-off or a reopened quarter stay live. Files are read back as in ``tests.test_exports``."""

from __future__ import annotations

from data_access.core.auth import viewer_for_username
from data_access.core.filters import GlobalFilters
from data_access.reporting import periods
from exports import content, official
from exports.content import VIEWS, build_view, make_context
from exports.pack import build_pack, build_slides
from rules.core.calendar import last_quarter_end, previous_quarter_end, quarter_of
from rules.core.formatting import bogota_time, fmt_date, fmt_int, fmt_pct, quarter_label
from tests.apptest_utils import run_app
from tests.test_exports import pdf_pages, pptx_slides
from tests.test_reporting_official_ui import QUARTER, alliance_text, close, counted_plan, void_evidence

CUT = last_quarter_end()
OFFICIAL_VIEWS = ("overview", "funnels", "sla", "alliance")


def statement(found: dict, lang: str = "es") -> str:
    day = fmt_date(bogota_time(found["closed_at"]).date(), lang)
    words = "Cifras oficiales {q}, cerradas el {d}" if lang == "es" else "Official figures {q}, closed on {d}"
    return words.format(q=quarter_label(QUARTER, lang), d=day)


def test_pack_of_a_closed_quarter_reads_the_official_figures(demo_store_rw):
    url = demo_store_rw
    analista = viewer_for_username("analista", url=url)
    close(url)
    found = periods.official(analista, QUARTER, url=url)
    figures = found["figures"]
    void_evidence(url, counted_plan(url)["id"])  # after the close: the live indicator moves down by one PN

    pack = build_pack(analista, GlobalFilters(cutoff=CUT), list(VIEWS), "pptx", url=url, images={})
    slides = {s.view: s for s in pack.slides}
    files = dict(zip([s.view for s in pack.slides], pptx_slides(pack.data)))
    for view in OFFICIAL_VIEWS:
        assert statement(found) in files[view]["text"], view
        assert slides[view].official is not None and slides[view].official.sha256 == found["sha256"]
    for view in ("map", "alerts"):
        assert "oficial" not in files[view]["text"].lower()

    # the alliance slide: the official total in its card and table, the current value in a note
    total = figures["alliance"]
    live = {"numerator": total["numerator"] - 1, "denominator": total["denominator"],
            "percent": 100.0 * (total["numerator"] - 1) / total["denominator"]}
    card = slides["alliance"].key_figures[0]
    assert card.value == fmt_pct(total["percent"], 1)
    table = files["alliance"]["tables"][0]
    assert table[1][1:3] == [fmt_int(total["numerator"]), fmt_int(total["denominator"])]
    assert (f"Indicador de alianzas: cifra oficial {alliance_text(total)} · cifra actual {alliance_text(live)}"
            in files["alliance"]["text"])
    # the other slides: official values, nothing moved there but the alliance figures
    assert slides["sla"].key_figures[0].value == fmt_pct(figures["sla"]["score"], 1)
    entrants = {f"funnel_{r['route']}": fmt_int(r["count"]) for r in figures["funnel"]["rows"]
                if r["stage"] == "ingreso"}
    assert {k.key: k.value for k in slides["funnels"].key_figures} == entrants
    cards = {k.key: k.value for k in slides["overview"].key_figures}
    assert cards["households"] == fmt_int(figures["overview"]["values"]["households"])
    assert cards["alliance"] == fmt_pct(figures["overview"]["values"]["alliance"], 1)
    assert [c.key for c in slides["overview"].official.changes] == ["alliance"]
    assert slides["funnels"].official.changes == [] and slides["sla"].official.changes == []

    pdf = build_pack(analista, GlobalFilters(cutoff=CUT), ["alliance"], "pdf", url=url, images={})
    text = " ".join(pdf_pages(pdf.data))
    assert statement(found) in text and alliance_text(live) in text


def test_a_comite_pack_holds_its_office_official_figures_in_both_languages(demo_store_rw):
    url = demo_store_rw
    comite = viewer_for_username("comite", url=url)
    found = close(url)
    filters = GlobalFilters(cutoff=CUT, regional_office_id=comite.regional_office_id)  # its scope, not a filter
    slide = build_view("alliance", make_context(comite, filters, "es", url))
    assert slide.key_figures[0].value == fmt_pct(found["figures"]["alliance"]["percent"], 1)
    assert statement(found) in slide.subtitle and slide.official.changes == []
    english = build_pack(comite, filters, ["alliance", "sla"], "pptx", lang="en", url=url, images={})
    for page in pptx_slides(english.data):
        assert statement(found, "en") in page["text"]


def test_a_national_viewer_filtering_an_office_reads_that_office_official_figures(demo_store_rw):
    """The PMO's pack for one office (office filter) states the office's frozen figures, as its comité's."""
    url = demo_store_rw
    found = close(url)  # the comité's: its office's figures
    comite = viewer_for_username("comite", url=url)
    filters = GlobalFilters(cutoff=CUT, regional_office_id=comite.regional_office_id)
    analista = viewer_for_username("analista", url=url)
    mine = {s.view: s for s in build_slides(analista, filters, list(OFFICIAL_VIEWS), url=url, shared=False)}
    theirs = {s.view: s for s in build_slides(comite, filters, list(OFFICIAL_VIEWS), url=url, shared=False)}
    for view in OFFICIAL_VIEWS:
        assert mine[view].official is not None and mine[view].official.changes == [], view
        assert [(k.key, k.value) for k in mine[view].key_figures] == \
            [(k.key, k.value) for k in theirs[view].key_figures], view
    assert mine["alliance"].key_figures[0].value == fmt_pct(found["figures"]["alliance"]["percent"], 1)


def test_filtered_other_cutoff_and_reopened_quarter_are_live(demo_store_rw):
    url = demo_store_rw
    analista = viewer_for_username("analista", url=url)
    close(url)
    assert official.quarter_for(analista, GlobalFilters(cutoff=CUT)) == QUARTER
    for filters in (GlobalFilters(cutoff=CUT, department_code="23"), GlobalFilters(cutoff=CUT, route="basica"),
                    GlobalFilters(cutoff=CUT.replace(day=CUT.day - 1))):
        for slide in build_slides(analista, filters, list(OFFICIAL_VIEWS), url=url, shared=False):
            assert slide.official is None and "oficial" not in slide.subtitle.lower(), (filters, slide.view)
    periods.reopen(viewer_for_username("admin", url=url), QUARTER, "Corrección", url=url)
    for slide in build_slides(analista, GlobalFilters(cutoff=CUT), list(OFFICIAL_VIEWS), url=url):
        assert slide.official is None, slide.view
    assert quarter_of(CUT) == QUARTER


def test_page_and_slide_read_one_payload(demo_store_rw):
    """The alliance page's «Cifra oficial» is the alliance slide's official figure, word for word."""
    url = demo_store_rw
    close(url)
    void_evidence(url, counted_plan(url)["id"])
    comite = viewer_for_username("comite", url=url)
    filters = GlobalFilters(cutoff=CUT, regional_office_id=comite.regional_office_id)
    change = build_view("alliance", make_context(comite, filters, "es", url)).official.figures[0]
    assert change.moved
    at = run_app(url, "comite", page="pages/alliance.py")
    assert any(f"{change.label}: Cifra oficial {change.official} · Cifra actual {change.live}" in i.value
               for i in at.info)


def test_overview_change_is_official_against_official_when_both_quarters_are_closed(demo_store_rw):
    """Close the previous quarter, change a PN's evidence, close the cut-off's quarter: the
    overview's alliance change compares the two official figures, not the previous live one."""
    url = demo_store_rw
    analista = viewer_for_username("analista", url=url)
    previous = quarter_of(previous_quarter_end(CUT))
    periods.close(analista, previous, url=url)
    before = periods.official(analista, previous, url=url)["figures"]["overview"]["values"]["alliance"]
    plan = next(r for r in periods.official(analista, previous, url=url)["figures"]["alliance.plans"]["rows"]
                if r["counted"])
    void_evidence(url, plan["id"])
    found = close(url)
    now = periods.official(analista, QUARTER, url=url)["figures"]["overview"]["values"]["alliance"]
    vc = make_context(analista, GlobalFilters(cutoff=CUT), "es", url)
    live_before = content.ov.headline(analista, GlobalFilters(cutoff=CUT), url=url).values["alliance"][1]
    assert live_before != before  # the previous quarter moved after its close
    card = next(k for k in build_view("overview", vc).key_figures if k.key == "alliance")
    expected = content._delta_text(vc, now, before, lambda v: content.fmt_num(v, 1, "es"),
                                   previous_quarter_end(CUT), points=True)
    assert card.delta == expected and found is not None
