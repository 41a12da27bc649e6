"""The «Reportes trimestrales» page as an operator and as the PMO (AppTest on the demo store), the
operator's «Carga de datos» going into its report, and ``tablero reports`` giving the page's data."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from data_access.core.auth import viewer_for_username
from data_access.intake import export as X
from data_access.reporting import submissions as subs
from data_access.reporting import timeliness as T
from rules.core.calendar import parse_quarter
from rules.intake import sheets as S
from tests.apptest_utils import all_text, run_app
from tests.test_intake_programme import cli

PAGE = "pages/reporting.py"
QUARTER = "2026Q3"


def changed_reports(url) -> bytes:
    """The operator's own ANS reports with the first reported value emptied: a file that changes one record."""
    frame = X.DataExport(viewer_for_username("operador", url), url).frame(S.SLA_REPORTS)
    frame = frame[frame["valor"].notna()].head(3).copy()
    assert len(frame)
    frame.iloc[0, frame.columns.get_loc("valor")] = None
    lines = [";".join(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append(";".join("" if v is None or v != v else (v.isoformat() if hasattr(v, "isoformat") else
                                                                 str(v).replace(".", ",")) for v in row))
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def drafted(demo_store_rw):
    op = viewer_for_username("operador", demo_store_rw)
    d = subs.draft(op, QUARTER, demo_store_rw)
    added = subs.add_file(op, d["id"], "sla-reports", changed_reports(demo_store_rw), "ans_reportes.csv",
                          demo_store_rw)
    assert added.report.ok and added.report.changed, added.report.lines()
    return demo_store_rw, d["id"]


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_operator_sees_its_report_and_sends_it(drafted):
    url, report = drafted
    at = ok(run_app(url, "operador", page=PAGE))
    at.selectbox(key="reporting_quarter").set_value(QUARTER).run()
    text = all_text(ok(at))
    assert f"Reporte {report} de T3 2026: borrador" in text and "Registro oportuno" in text
    assert any("ans_reportes.csv" in str(d.value.values.tolist()) for d in at.dataframe)
    ok(at.button(key="reporting_submit").click().run())
    assert "Reporte enviado a revisión de la PMO." in all_text(at)
    assert subs.get(viewer_for_username("operador", url), report, url)["state"] == "enviado"


def test_the_pmo_sees_the_preview_and_returns_then_approves(drafted):
    url, report = drafted
    op = viewer_for_username("operador", url)
    subs.submit(op, report, subs.get(op, report, url)["version"], url)
    landing = ok(run_app(url, "analista"))  # the reminder on the page after login, with a link
    assert "1 reporte(s) trimestral(es) esperan su revisión." in all_text(landing)
    assert [link.proto.page for link in landing.get("page_link") if "Reportes" in link.proto.label] == ["reportes"]
    ok(landing.button(key="reporting_remind_ok").click().run())
    assert "esperan su revisión" not in all_text(landing)  # dismissed until there is news
    at = ok(run_app(url, "analista", page=PAGE))
    assert "esperan su revisión" not in all_text(at)  # only on the landing page
    assert at.selectbox(key="reporting_pick").value == report
    records = next(d.value for d in at.dataframe if "Antes" in d.value.columns and "Campo" in d.value.columns)
    emptied = records[records["Campo"] == "value"]
    assert len(emptied) == 1 and pd.isna(emptied["Después"].iloc[0]) and "," in emptied["Antes"].iloc[0]
    ok(at.button(key="reporting_return").click().run())  # no comment: refused, nothing changes
    assert "Escriba el comentario de la devolución" in all_text(at)
    at.text_area(key=f"reporting_comment_{report}").input("Falta el soporte")
    ok(at.button(key="reporting_return").click().run())
    assert "Reporte devuelto al operador con su comentario." in all_text(at)
    assert subs.get(op, report, url)["state"] == "devuelto"
    assert "La PMO le devolvió el reporte de T3 2026" in all_text(ok(run_app(url, "operador")))
    at = ok(run_app(url, "operador", page=PAGE))
    at.selectbox(key="reporting_quarter").set_value(QUARTER).run()
    assert "«Falta el soporte»" in all_text(ok(at))
    subs.submit(op, report, subs.get(op, report, url)["version"], url)
    at = ok(run_app(url, "analista", page=PAGE))
    ok(at.button(key="reporting_approve").click().run())
    assert "Reporte aprobado: sus archivos quedaron cargados." in all_text(at)
    assert subs.get(op, report, url)["state"] == "aprobado"


def test_a_comite_sees_its_region_read_only(drafted):
    url, report = drafted
    at = ok(run_app(url, "comite", page=PAGE))
    assert "Estado de los reportes de su alcance" in all_text(at)
    assert not [b for b in at.button if b.key in ("reporting_approve", "reporting_submit", "reporting_return")]


def test_the_operators_intake_page_adds_to_its_report(demo_store_rw):
    url = demo_store_rw
    at = ok(run_app(url, "operador", page="pages/intake.py"))
    at.selectbox(key="intake_entity").set_value("sla-reports").run()
    at.selectbox(key="intake_report_quarter").set_value(QUARTER).run()
    uploader = at.get("file_uploader")[0]
    uploader.upload("ans_reportes.csv", changed_reports(url), "text/csv")
    ok(at.run())
    ok(at.button(key="intake_confirm").click().run())
    assert "Agregado al reporte T3 2026 (borrador): se cargará cuando la PMO lo apruebe." in all_text(at)
    rows = subs.listing(viewer_for_username("operador", url), QUARTER, url)  # the demo's approved one aside
    assert [(r["state"], r["files"]) for r in rows if r["state"] != "aprobado"] == [("borrador", 1)]


def test_the_cli_gives_the_pages_data(drafted):
    url, report = drafted
    pmo = viewer_for_username("analista", url)
    res = cli(url, "reports", "list", "--format", "json", "--as-user", "analista")
    assert res.exit_code == 0, res.output
    listed = json.loads(res.output)
    assert [(r["id"], r["state"], r["files"]) for r in listed] == \
        [(r["id"], r["state"], r["files"]) for r in subs.listing(pmo, url=url)]
    res = cli(url, "reports", "timeliness", "--quarter", "2026Q2", "--format", "json", "--as-user", "analista")
    assert res.exit_code == 0, res.output
    assert [(r["operator_code"], r["on_time"], r["missing"]) for r in json.loads(res.output)] == \
        [(r["operator_code"], r["on_time"], r["missing"]) for r in T.rows(pmo, "2026Q2", url)]
    res = cli(url, "reports", "submit", str(report), "--as-user", "operador")
    assert res.exit_code == 0 and "enviado" in res.output, res.output
    res = cli(url, "reports", "show", str(report), "--format", "csv", "--as-user", "analista")
    assert res.exit_code == 0 and "value" in res.output, res.output
    res = cli(url, "reports", "return", str(report), "--comment", "Revise", "--as-user", "operador")
    assert res.exit_code != 0 and "Solo la PMO" in res.output
    res = cli(url, "reports", "approve", str(report), "--as-user", "analista")
    assert res.exit_code == 0 and "aprobado" in res.output, res.output


def test_the_ans_page_shows_registro_oportuno_in_scope(demo_store):
    """An operator sees its own row; the PMO every operator expected in the quarter (the CLI's rows)."""
    for username in ("operador", "analista"):
        at = ok(run_app(demo_store, username, page="pages/sla.py"))
        assert "Registro oportuno de los reportes trimestrales" in all_text(at)
        table = next(d.value for d in at.dataframe if "Oportunidad" in d.value.columns)
        quarter = parse_quarter(table["Trimestre"].iloc[0])  # «T3 2026»
        expected = T.rows(viewer_for_username(username, demo_store), quarter, demo_store)
        assert list(table["Operador"]) == [r["operator_name"] for r in expected]
        assert (len(table) == 1) == (username == "operador")
