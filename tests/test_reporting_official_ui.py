"""Closed quarters on the pages (both stores): the periods section of «Reportes trimestrales»
(close, reopen, restatements) per role, and «Cifra oficial» on the alliance, overview, ANS and
routes pages — official only, then official and current after a later change."""

from __future__ import annotations

import re

from data_access.core.auth import viewer_for_username
from data_access.edits import plans as edits
from data_access.reporting import periods
from rules.core.calendar import last_quarter_end, quarter_of
from rules.core.formatting import fmt_int, fmt_pct, quarter_label
from rules.core.i18n import catalogue
from tests.apptest_utils import all_text, run_app
from tests.test_i18n import spanish_only_fragments, visible_texts

PAGE = "pages/reporting.py"
QUARTER = quarter_of(last_quarter_end())  # the pages' default cut-off is its end (TABLERO_TODAY)
Q_ES, Q_EN = quarter_label(QUARTER, "es"), quarter_label(QUARTER, "en")


def close(url: str, reason: str = "") -> dict:
    periods.close(viewer_for_username("analista", url=url), QUARTER, reason, url=url)
    return periods.official(viewer_for_username("comite", url=url), QUARTER, url=url)


def counted_plan(url: str) -> dict:
    """A PN of the comité's office counted in the official numerator."""
    found = periods.official(viewer_for_username("comite", url=url), QUARTER, url=url)
    return next(r for r in found["figures"]["alliance.plans"]["rows"] if r["counted"])


def void_evidence(url: str, plan_id: int) -> None:
    """The analista voids every evidence of a PN (after the close): it no longer counts."""
    analista = viewer_for_username("analista", url=url)
    for ev in edits.plan_evidence(analista, plan_id, url=url):
        if not ev["voided"]:
            edits.void_evidence(analista, ev["id"], ev["version"], url=url)


def alliance_text(total: dict, lang: str = "es") -> str:
    return (f"{fmt_pct(total['percent'], 1, lang)} ({fmt_int(total['numerator'], lang)}/"
            f"{fmt_int(total['denominator'], lang)})")


def infos(at) -> list[str]:
    return [i.value for i in at.info]


def quarter_row(at, label: str = Q_ES) -> dict:
    table = next(df.value for df in at.dataframe if "SHA-256" in df.value.columns)  # the quarters table
    rows = table[table.iloc[:, 0] == label].to_dict("records")
    assert len(rows) == 1
    return rows[0]


# ------------------------------------------------------------------ the periods section


def test_pmo_closes_a_quarter_on_the_page(demo_store_rw):
    at = run_app(demo_store_rw, "analista", page=PAGE)
    assert not at.exception
    assert "Abierto" in quarter_row(at)["Estado"]
    assert at.selectbox(key="pr_close_quarter").value == QUARTER
    at.button(key="pr_close_btn").click().run()
    assert not at.exception
    assert any(f"{Q_ES} cerrado" in s.value for s in at.success)
    row = quarter_row(at)
    assert "Cerrado" in row["Estado"] and row["Cerrado por"] == "analista"
    closes = periods.periods(viewer_for_username("analista", url=demo_store_rw), url=demo_store_rw)
    assert row["SHA-256"] == closes[0]["sha256"][:12]
    assert QUARTER in periods.closed_quarters(url=demo_store_rw)
    # closed: no longer offered to close; its restatement list has nothing yet
    assert QUARTER not in at.selectbox(key="pr_close_quarter").options
    assert f"Ninguna cifra de {Q_ES} cambió después del cierre" in all_text(at)


def test_admin_reopens_only_with_a_reason(demo_store_rw):
    close(demo_store_rw)
    at = run_app(demo_store_rw, "admin", page=PAGE)
    assert not at.exception
    at.button(key="pr_reopen_btn").click().run()
    assert any("motivo para reabrir" in e.value for e in at.error)
    assert QUARTER in periods.closed_quarters(url=demo_store_rw)  # refused: still closed
    at.text_area(key="pr_reopen_reason").input("Corrección de la matriz de seguimiento").run()
    at.button(key="pr_reopen_btn").click().run()
    assert not at.exception
    assert any(f"{Q_ES} reabierto" in s.value for s in at.success)
    row = quarter_row(at)
    assert "Reabierto" in row["Estado"] and row["Reabierto por"] == "admin"
    assert row["Motivo de la reapertura"] == "Corrección de la matriz de seguimiento"
    assert QUARTER not in periods.closed_quarters(url=demo_store_rw)


def test_analista_sees_no_reopen_and_comite_no_close(demo_store_rw):
    found = close(demo_store_rw)
    at = run_app(demo_store_rw, "analista", page=PAGE)
    assert not at.exception
    assert [b.key for b in at.button if b.key == "pr_reopen_btn"] == []
    at = run_app(demo_store_rw, "comite", page=PAGE)
    assert not at.exception
    keys = {b.key for b in at.button}
    assert "pr_close_btn" not in keys and "pr_reopen_btn" not in keys
    # the comité sees its office's official figure, not the national one
    national = periods.official(viewer_for_username("analista", url=demo_store_rw), QUARTER, url=demo_store_rw)
    mine = found["figures"]["alliance"]
    assert mine["denominator"] < national["figures"]["alliance"]["denominator"]
    text = all_text(at)
    assert (f"Indicador de alianzas oficial (Oficina regional Caribe): **{fmt_pct(mine['percent'], 1)}** "
            f"({fmt_int(mine['numerator'])}/{fmt_int(mine['denominator'])})") in text


def test_operador_sees_its_operator_official_figure(demo_store_rw):
    close(demo_store_rw)
    operador = viewer_for_username("operador", url=demo_store_rw)
    mine = periods.official(operador, QUARTER, url=demo_store_rw)
    assert mine["scope"] == f"operator:{operador.operator_id}"
    at = run_app(demo_store_rw, "operador", page=PAGE)
    assert not at.exception
    assert not {"pr_close_btn", "pr_reopen_btn"} & {b.key for b in at.button}
    at = run_app(demo_store_rw, "operador", page="pages/alliance.py")
    assert not at.exception
    banner = [i for i in infos(at) if f"Cifra oficial {Q_ES}" in i]
    assert len(banner) == 1 and f"Indicador de alianzas: {alliance_text(mine['figures']['alliance'])}" in banner[0]


def test_close_with_pending_reports_needs_a_reason(demo_store_rw, monkeypatch):
    """With reports waiting for review the page names them and refuses a close without a reason."""
    pending = [{"submission_id": 1, "operator_code": "OP-0001", "operator_name": "Operador *uno*",
                "state": "enviado", "submitted_at": None}]
    monkeypatch.setattr(periods, "pending_submissions", lambda quarter, url=None, session=None: pending)
    at = run_app(demo_store_rw, "analista", page=PAGE)
    assert any("Operador \\*uno\\* (OP-0001)" in w.value for w in at.warning)
    assert at.text_area(key="pr_close_reason").label.startswith("Motivo para cerrar con reportes pendientes")
    at.button(key="pr_close_btn").click().run()
    assert any("escriba en «Motivo»" in e.value for e in at.error)
    assert QUARTER not in periods.closed_quarters(url=demo_store_rw)
    at.text_area(key="pr_close_reason").input("El operador no respondió a tiempo").run()
    at.button(key="pr_close_btn").click().run()
    assert not at.exception
    row = quarter_row(at)
    assert "Cerrado" in row["Estado"] and row["Motivo del cierre"] == "El operador no respondió a tiempo"
    assert "Operador *uno* (OP-0001)" == row["Reportes pendientes al cierre"]


# ------------------------------------------------------------------ «Cifra oficial» on the pages


def test_alliance_page_official_then_both_values(demo_store_rw):
    at = run_app(demo_store_rw, "comite", page="pages/alliance.py")
    assert not any("Cifra oficial" in i for i in infos(at))  # nothing closed: live only
    found = close(demo_store_rw)
    official = alliance_text(found["figures"]["alliance"])
    at = run_app(demo_store_rw, "comite", page="pages/alliance.py")
    assert not at.exception
    banner = [i for i in infos(at) if f"Cifra oficial {Q_ES} (cerrada el" in i]
    assert len(banner) == 1 and f"Indicador de alianzas: {official}" in banner[0]
    assert "Cifra actual" not in banner[0]
    assert not [link for link in at.get("page_link")]

    plan = counted_plan(demo_store_rw)
    void_evidence(demo_store_rw, plan["id"])
    total = found["figures"]["alliance"]
    live = {"numerator": total["numerator"] - 1, "denominator": total["denominator"],
            "percent": 100.0 * (total["numerator"] - 1) / total["denominator"]}
    at = run_app(demo_store_rw, "comite", page="pages/alliance.py")
    assert not at.exception
    banner = [i for i in infos(at) if f"Cifra oficial {Q_ES}" in i]
    assert f"Cifra oficial {official} · Cifra actual {alliance_text(live)}" in banner[0]
    links = at.get("page_link")
    assert len(links) == 1 and f"Ver reexpresiones de {Q_ES}" in links[0].proto.label
    assert {"restate=" + QUARTER, "corte=2026-09-30"} <= set(links[0].proto.query_string.split("&"))

    # the restatement list the banner links to names the PN, the user and the date
    at = run_app(demo_store_rw, "comite", page=PAGE, query={"restate": QUARTER})
    assert not at.exception
    plans = next(df.value for df in at.dataframe if "PN" in df.value.columns)
    rows = plans[plans["PN"] == plan["code"]]
    assert len(rows) >= 1 and set(rows["Usuario"]) == {"analista"}
    assert all("Evidencia de alianza" in c for c in rows["Cambio"])
    assert rows["Estado oficial"].iloc[0].endswith("Cumple (numerador)")


def test_filtered_or_other_cutoff_pages_stay_live(demo_store_rw):
    close(demo_store_rw)
    at = run_app(demo_store_rw, "analista", page="pages/alliance.py", query={"ruta": "basica"})
    assert not any("Cifra oficial" in i for i in infos(at))
    at = run_app(demo_store_rw, "analista", page="pages/alliance.py", query={"corte": "2026-08-31"})
    assert not any("Cifra oficial" in i for i in infos(at))


def test_overview_sla_and_routes_state_the_official_figures(demo_store_rw):
    close(demo_store_rw)
    national = periods.official(viewer_for_username("analista", url=demo_store_rw), QUARTER, url=demo_store_rw)
    figures = national["figures"]
    at = run_app(demo_store_rw, "analista", page="pages/overview.py")
    assert not at.exception
    assert any(f"Cifras oficiales {Q_ES} (cerradas el" in i and "Las tarjetas muestran" in i for i in infos(at))
    assert f"Cifras oficiales {Q_ES}, cerradas el" in all_text(at)  # the subtitle, as on the slide
    at = run_app(demo_store_rw, "analista", page="pages/sla.py")
    assert not at.exception
    sla = [i for i in infos(at) if f"Cifra oficial {Q_ES}" in i]
    assert len(sla) == 1 and fmt_pct(figures["sla"]["score"], 1) in sla[0]
    at = run_app(demo_store_rw, "analista", page="pages/routes.py")
    assert not at.exception
    funnel = [i for i in infos(at) if f"Cifras oficiales {Q_ES}" in i]
    entrants = {r["route"]: r["count"] for r in figures["funnel"]["rows"] if r["stage"] == "ingreso"}
    assert len(funnel) == 1 and all(fmt_int(n) in funnel[0] for n in entrants.values())


def spanish_left(at, display_name: str) -> list[str]:
    """Spanish-only catalogue texts (or raw keys) a person could read in an English run (``tests.test_i18n``)."""
    texts = [x.replace(display_name, " ") for x in visible_texts(at)]
    blob = "\n".join(texts)
    exact = {seg.strip(" *_") for x in texts for seg in re.split(r"[·:|;\n()]", x)} | {x.strip() for x in texts}
    problems = [f"raw key {x.strip()!r}" for x in texts if x.strip() in catalogue()]
    problems += [f"Spanish {frag!r} ({key})" for frag, key in spanish_only_fragments().items()
                 if (" " in frag and frag in blob) or frag in exact]
    return problems


def test_english_texts(demo_store_rw):
    close(demo_store_rw)
    void_evidence(demo_store_rw, counted_plan(demo_store_rw)["id"])
    at = run_app(demo_store_rw, "comite", page="pages/alliance.py", query={"lang": "en"})
    assert not at.exception
    banner = [i for i in infos(at) if f"Official figure {Q_EN} (closed on" in i]
    assert len(banner) == 1 and "Current figure" in banner[0]
    assert f"See the restatements of {Q_EN}" in at.get("page_link")[0].proto.label
    at = run_app(demo_store_rw, "admin", page=PAGE, query={"lang": "en", "restate": QUARTER})
    assert not at.exception
    text = all_text(at)
    for words in ("Quarters and official figures", "Close a quarter", "Reopen a quarter",
                  "Restatements of a closed quarter", "PN whose status changed: 1"):
        assert words in text
    row = quarter_row(at, Q_EN)
    assert "Closed" in row["State"]
    assert any(ta.label.startswith("Reason for reopening") for ta in at.text_area)
    admin = viewer_for_username("admin", url=demo_store_rw).display_name
    problems = [f"{PAGE}: {p}" for p in spanish_left(at, admin)]
    for page in ("pages/alliance.py", "pages/overview.py", "pages/sla.py", "pages/routes.py"):
        at = run_app(demo_store_rw, "admin", page=page, query={"lang": "en"})
        assert not at.exception and any(f"{Q_EN} (closed on" in i for i in infos(at)), page
        problems += [f"{page}: {p}" for p in spanish_left(at, admin)]
    assert not problems, "\n".join(problems)
