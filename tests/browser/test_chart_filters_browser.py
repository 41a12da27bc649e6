"""A click on a chart filters the page, in a real Chromium (issue 15, point 10), one
behaviour per test: an ANS status segment (operator and state), a funnel stage (its
participants) and an alliance ventana bar (the drill-down) land in the URL and filter what
the page shows. Plotly's drag layer lies over the bars, so each is clicked where a person
clicks it: at the centre of the bar's box."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from cli.bench import browser as h

pytestmark = pytest.mark.browser

USER = "directivo"
FAILING_TRACE = 2  # the status chart's traces: cumple, en riesgo, incumple, sin reporte


def _query(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}


def test_clicking_a_status_segment_filters_the_detail_and_lands_in_the_url(signed_in):
    page = signed_in(USER).page
    h.click_nav(page, "ans")
    chart = page.locator(".st-key-sla_status_fig .js-plotly-plot")
    expect(chart).to_be_visible()
    segments = chart.locator(".barlayer .trace").nth(FAILING_TRACE).locator(".point path")
    expect(segments.first).to_be_attached()
    # the first operator with at least one failing ANS: a segment wide enough to click
    chart.scroll_into_view_if_needed()
    box = next(b for b in (s.bounding_box() for s in segments.all()) if b and b["width"] > 4)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"[?&]estado=incumple(&|$)"))
    h.wait_for_app_run(page)
    operator = _query(page).get("operador")
    assert operator
    note = page.get_by_test_id("stCaptionContainer").filter(has_text="Estado del ANS: incumple")
    expect(note).to_be_visible()
    # the detail is that operator's, the filter shown in its selector too
    expect(page.locator(".st-key-sla_operator").get_by_role("combobox")).to_have_value(
        re.compile(re.escape(f"({operator})") + "$"))
    expect(page.locator(".st-key-sla_status").get_by_role("combobox")).to_have_value("incumple")


def test_clicking_a_funnel_stage_lists_its_participants(signed_in):
    page = signed_in(USER).page
    h.click_nav(page, "rutas")
    chart = page.locator(".st-key-rt_funnel_basica .js-plotly-plot")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    box = chart.locator(".funnellayer .point").nth(1).bounding_box()  # the second stage
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"[?&]lista_ruta=basica&lista_etapa=evaluacion_capacidades(&|$)"))
    h.wait_for_app_run(page)
    note = page.get_by_test_id("stCaptionContainer").filter(has_text="Etapa: Evaluación de capacidades")
    expect(note).to_be_visible()


def test_clicking_a_ventana_bar_drills_the_alliance_page_down(signed_in):
    page = signed_in(USER).page
    h.click_nav(page, "alianzas")
    chart = page.locator(".st-key-al_bar_ventana .js-plotly-plot")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    bars = chart.evaluate("el => el.data[0].y")  # sorted best first: find Ventana 2's bar by its name
    box = chart.locator(".barlayer .point").nth(next(i for i, n in enumerate(bars) if "2" in n)).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"[?&]al_ventana=2(&|$)"))
    h.wait_for_app_run(page)
    expect(page.get_by_role("button", name=re.compile("Ventana 2"))).to_be_visible()
