"""``tablero bench --browser --format json``: the empty-page floor is measured in the same run and
every page's browser figure is read against it; the logins are clocked after the server computed
the common views ahead."""

from __future__ import annotations

import pytest

from tests.test_bench_cli import run_bench_json

pytestmark = pytest.mark.browser


def test_bench_json_reads_each_page_against_the_floor_of_the_same_run(tmp_path):
    doc = run_bench_json(tmp_path, "sqlite", "--browser", "--page", "sla", "--area", "none")
    floor = doc["floor"]
    assert len(floor["load_runs_s"]) == 6 and len(floor["switch_runs_s"]) == 8  # before and after the pages
    assert 0 < floor["switch_s"] < floor["load_s"]
    for page in doc["pages"]:
        assert page["browser_s"] > 0 and page["browser_warm_s"] > 0 and page["browser_elements"] > 100
        assert page["browser_ratio_to_floor"] == pytest.approx(page["browser_s"] / floor["load_s"], rel=2e-3)
        assert page["browser_warm_ratio_to_floor"] == pytest.approx(page["browser_warm_s"] / floor["switch_s"],
                                                                   rel=2e-3)
    logins = {entry["username"]: entry for entry in doc["logins"]}
    assert set(logins) == {p["username"] for p in doc["pages"]}
    assert all(0 < e["login_s"] < e["login_total_s"] for e in logins.values())
    assert {g["goal"] for g in doc["goals"]} >= {"page visible, first visit", "login to first page",
                                                  "warm page switch", "page within 1.5× the empty-page floor"}
    assert doc["areas"] == []
    assert doc["ahead"]["views"] > 0 and doc["ahead"]["seconds"] > 0  # the visits came after it
    # the app process's peak memory: more than a bare Python, and the goal that reads it
    memory = next(g for g in doc["goals"] if g["goal"] == "app process memory")
    assert 100 < doc["server_peak_rss_mb"] == memory["value"]
