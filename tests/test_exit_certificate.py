"""The exit certificate and its verification on the demo programme (issue 18): every exited demo
enrolment carries a sealed record; ``tablero verify CODE`` and the «Verificar certificado» page say
«coincide» for it and «no coincide», naming what differs, after a one-character change of the stored
record; the one-page PDF carries the code and the outcome; a comité gets the certificates of its office
only. Both stores."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import func, select, update

from cli.main import tablero
from data_access.audit import log as audit
from data_access.core.auth import viewer_for_username
from data_access.core.db import session_scope
from data_access.core.models import AuditLog, Enrolment, ExitRecord, Municipality
from data_access.routes import exits
from exports.certificate import certificate_pdf
from rules.core.i18n import t
from rules.routes import exit_record as R
from tests.apptest_utils import all_text, open_tab, run_app, spy_downloads
from tests.test_edit_support import build
from tests.test_exports import pdf_pages


def cli(url, *args):
    return CliRunner().invoke(tablero, list(args), env={"DATABASE_URL": url}, catch_exceptions=False)


def _record(url, office: int | None = None, outcome: str | None = None) -> ExitRecord:
    """An exit record (of an office's municipality, with an outcome), the lowest id."""
    stmt = select(ExitRecord).join(Municipality, Municipality.code == ExitRecord.municipality_code)
    if office is not None:
        stmt = stmt.where(Municipality.regional_office_id == office)
    if outcome is not None:
        stmt = stmt.where(ExitRecord.outcome == outcome)
    with session_scope(url) as s:
        return s.scalars(stmt.order_by(ExitRecord.id).limit(1)).one()


def _tamper(url, code: str) -> None:
    """One character of the stored payload: the participant's code's last character."""
    with session_scope(url) as s:
        payload = dict(s.scalars(select(ExitRecord.payload).where(ExitRecord.code == code)).one())
    code_text = payload["participant"]["code"]
    payload["participant"] = {**payload["participant"], "code": code_text[:-1] + ("0" if code_text[-1] != "0" else "1")}
    with session_scope(url, write=True) as s:
        s.execute(update(ExitRecord).where(ExitRecord.code == code).values(payload=payload))


def test_every_exited_demo_enrolment_is_sealed_in_batches(demo_store):
    with session_scope(demo_store) as s:
        exited = s.scalar(select(func.count()).select_from(Enrolment).where(Enrolment.exit_date.is_not(None)))
        records, anchors = s.execute(select(func.count(), func.count(func.distinct(ExitRecord.audit_log_id)))).one()
        entity = s.scalar(select(AuditLog.entity).where(AuditLog.id == select(func.min(ExitRecord.audit_log_id))
                                                        .scalar_subquery()))
    assert records == exited > 0
    assert anchors == -(-records // 10_000) and entity == exits.BATCH_ENTITY
    assert exits.verify(_record(demo_store).code, url=demo_store).ok
    assert audit.verify(demo_store).ok


def test_cli_verify_matches_then_fails_after_one_character(demo_store_rw):
    rec = _record(demo_store_rw, outcome="graduado")
    res = cli(demo_store_rw, "verify", R.display_code(rec.code))
    assert res.exit_code == 0, res.output
    assert "Coincide" in res.output and rec.sha256 in res.output
    _tamper(demo_store_rw, rec.code)
    res = cli(demo_store_rw, "verify", rec.code.lower())
    assert res.exit_code == 1
    assert "No coincide" in res.output and "modificado después de sellarse" in res.output
    assert "participant.code" in res.output
    res = cli(demo_store_rw, "verify", "XYZ")
    assert res.exit_code == 2 and "no es un código de verificación" in res.output


def test_a_changed_row_column_fails_too(demo_store_rw):
    rec = _record(demo_store_rw, outcome="abandono")
    with session_scope(demo_store_rw, write=True) as s:
        s.execute(update(ExitRecord).where(ExitRecord.id == rec.id).values(outcome="graduado"))
    res = cli(demo_store_rw, "verify", rec.code)
    assert res.exit_code == 1 and "outcome" in res.output and "la fila fue alterada" in res.output


def test_verify_page_says_whether_the_code_matches(demo_store_rw):
    rec = _record(demo_store_rw)
    at = run_app(demo_store_rw, "operador", page="pages/verify.py", query={"codigo": rec.code})
    assert not at.exception
    text = all_text(at)
    assert t("exits.verify.ok", code=R.display_code(rec.code)) in text
    _tamper(demo_store_rw, rec.code)
    at = run_app(demo_store_rw, "operador", page="pages/verify.py", query={"codigo": rec.code})
    text = all_text(at)
    assert t("exits.verify.bad", code=R.display_code(rec.code)) in text
    assert "participant.code" in text


def test_certificate_pdf_carries_the_code_and_the_outcome(demo_store):
    national = viewer_for_username("directivo", url=demo_store)
    rec = _record(demo_store, outcome="graduado")
    record = exits.exit_record_for(national, rec.enrolment_id, url=demo_store)
    for lang in ("es", "en"):
        pages = pdf_pages(certificate_pdf(record, lang))
        assert len(pages) == 1
        assert R.display_code(rec.code) in pages[0]
        assert t("edit.st.outcome.graduado", lang) in pages[0]
        assert t("exits.cert.title", lang) in pages[0]
    assert record["payload"]["participant"]["code"] in pdf_pages(certificate_pdf(record, "es"))[0]


def test_a_comite_gets_only_its_offices_certificates(demo_store, monkeypatch):
    comite = viewer_for_username("comite", url=demo_store)
    mine = _record(demo_store, office=comite.regional_office_id)
    with session_scope(demo_store) as s:
        other_office = s.scalar(select(Municipality.regional_office_id).where(
            Municipality.regional_office_id != comite.regional_office_id,
            Municipality.code.in_(select(ExitRecord.municipality_code))).limit(1))
    other = _record(demo_store, office=other_office)
    assert exits.exit_record_for(comite, mine.enrolment_id, url=demo_store)["code"] == mine.code
    assert exits.exit_record_for(comite, other.enrolment_id, url=demo_store) is None
    made = spy_downloads(monkeypatch)
    with session_scope(demo_store) as s:
        codes = dict(s.execute(select(Enrolment.id, Enrolment.code).where(
            Enrolment.id.in_((mine.enrolment_id, other.enrolment_id)))).all())
    at = run_app(demo_store, "comite", page="pages/verify.py")
    at.text_input(key="cert_lookup").set_value(codes[other.enrolment_id]).run()
    assert t("exits.cert.none") in all_text(at)
    at.text_input(key="cert_lookup").set_value(f"#{other.enrolment_id}").run()
    assert t("exits.cert.none") in all_text(at)
    assert not [n for n in made if n.startswith("certificado_salida")]
    at.text_input(key="cert_lookup").set_value(f" {codes[mine.enrolment_id]} ").run()
    name = f"certificado_salida_{mine.code}.pdf"
    assert name in made
    assert R.display_code(mine.code) in pdf_pages(made[name]())[0]


def test_the_stage_form_seals_the_exit_with_its_capacities_and_offers_the_certificate(empty_store):
    w = build(empty_store, accounts=True)
    at = open_tab(run_app(w.url, "comite", "pages/edit.py"), "Cambio de etapa")
    eid = w.enr_hh
    next(s for s in at.selectbox if (s.key or "").startswith(f"st_next_{eid}_")).set_value("salida").run()
    next(s for s in at.selectbox if (s.key or "").startswith(f"st_outcome_{eid}_")).set_value("abandono")
    next(s for s in at.selectbox if (s.key or "").endswith("_conocimientos")).set_value(2)
    next(d for d in at.date_input if (d.key or "").startswith(f"st_date_{eid}_")).set_value(dt.date(2025, 3, 3))
    next(b for b in at.button if (b.key or "").startswith(f"st_go_{eid}_")).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    with session_scope(w.url) as s:
        rec = s.scalars(select(ExitRecord).where(ExitRecord.enrolment_id == eid)).one()
    assert rec.payload["capacities"] == {"conocimientos": 2, "competencias_blandas": None, "aplicacion_proyecto": None}
    assert exits.verify(rec.code, url=w.url).ok
    at.run()
    assert R.display_code(rec.code) in all_text(at)
