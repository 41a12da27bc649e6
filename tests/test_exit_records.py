"""The verifiable exit record (issue 18): sealed in the transaction of the «salida», in the audit
chain, and verified by code; a one-character change of the stored record fails verification and
says what differs. Both stores."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from data_access.audit import log as audit
from data_access.core.db import session_scope
from data_access.core.models import AuditLog, Enrolment, ExitRecord, ServiceDelivery, StageEvent
from data_access.routes import exits
from rules.routes import exit_record as R
from tests.test_edit_support import MUNI_PAC, build


@pytest.fixture
def w(empty_store):
    return build(empty_store)


def exit_and_seal(url: str, enrolment_id: int, outcome: str = "abandono", day=dt.date(2025, 5, 1),
                  capacities=None) -> str:
    """Write a «salida» the way a writer does and seal it in the same transaction; the code."""
    with session_scope(url, write=True) as s:
        enr = s.get(Enrolment, enrolment_id)
        s.add(StageEvent(enrolment_id=enr.id, stage="salida", event_date=day, outcome=outcome,
                         registered_on=day, registered_by="analista"))
        enr.current_stage, enr.status, enr.exit_outcome, enr.exit_date = "salida", "salido", outcome, day
        return exits.seal_exit(s, enr, by="analista", capacities=capacities).code


def _stored(url: str, code: str) -> ExitRecord:
    with session_scope(url) as s:
        return s.scalars(select(ExitRecord).where(ExitRecord.code == code)).one()


def _set(url: str, code: str, **values) -> None:
    with session_scope(url, write=True) as s:
        s.execute(update(ExitRecord).where(ExitRecord.code == code).values(**values))


def test_sealed_record_verifies_and_is_in_the_audit_chain(w):
    code = exit_and_seal(w.url, w.enr_hh, capacities={"conocimientos": 4, "competencias_blandas": "3"})
    rec = _stored(w.url, code)
    assert rec.payload["participant"] == {"kind": "hogar", "code": "H-0001"}
    assert "Ana" not in R.canonical_json(rec.payload)  # codes only, no names
    assert rec.payload["capacities"] == {"conocimientos": 4, "competencias_blandas": 3, "aplicacion_proyecto": None}
    assert [e["stage"] for e in rec.payload["stages"]] == ["ingreso", "salida"]
    assert rec.sha256 == R.seal(rec.payload) and R.code_matches_seal(code, rec.sha256)
    with session_scope(w.url) as s:
        entry = s.get(AuditLog, rec.audit_log_id)
    assert (entry.entity, entry.action) == ("exit_record", "seal")
    assert f'"code":"{code}"' in entry.after and f'"sha256":"{rec.sha256}"' in entry.after
    result = exits.verify(R.display_code(code).lower(), url=w.url)
    assert result.ok and result.problems == []
    assert result.record["outcome"] == "abandono" and result.record["route"] == "basica"
    assert audit.verify(w.url).ok


def test_services_and_a_second_seal(w):
    with session_scope(w.url, write=True) as s:
        for day in (dt.date(2025, 3, 1), dt.date(2025, 4, 1)):
            s.add(ServiceDelivery(enrolment_id=w.enr_opr, service_type_code="asistencia_tecnica",
                                  operator_id=w.op_b, contract_id=w.contract_b, municipality_code=MUNI_PAC,
                                  delivery_date=day, registered_on=day))
    code = exit_and_seal(w.url, w.enr_opr)
    rec = _stored(w.url, code)
    assert rec.payload["services"] == {"asistencia_tecnica": 2}
    assert rec.payload["participant"] == {"kind": "opr", "code": "800197268-4"}
    with session_scope(w.url, write=True) as s:  # sealed once: the stored record comes back
        again = exits.seal_exit(s, s.get(Enrolment, w.enr_opr), by="otro")
        assert (again.code, again.sha256) == (code, rec.sha256)


def test_one_character_change_of_the_payload_fails(w):
    code = exit_and_seal(w.url, w.enr_hh)
    payload = _stored(w.url, code).payload
    payload["participant"]["code"] = "H-0002"  # one character
    _set(w.url, code, payload=payload)
    result = exits.verify(code, url=w.url)
    assert not result.ok
    assert any("fue modificado después de sellarse" in p and "participant.code" in p for p in result.problems)


def test_resealed_payload_fails_against_the_audit_chain(w):
    code = exit_and_seal(w.url, w.enr_hh)
    payload = _stored(w.url, code).payload
    payload["exit_date"] = "2025-05-02"
    _set(w.url, code, payload=payload, sha256=R.seal(payload), exit_date=dt.date(2025, 5, 2))
    problems = " ".join(exits.verify(code, url=w.url).problems)
    assert "no es el anotado en la auditoría" in problems and "exit_date" in problems


def test_changed_row_column_fails(w):
    code = exit_and_seal(w.url, w.enr_hh)
    _set(w.url, code, outcome="graduado")
    result = exits.verify(code, url=w.url)
    assert not result.ok and any("outcome" in p and "alterada" in p for p in result.problems)


def test_unknown_and_malformed_codes(w):
    code = exit_and_seal(w.url, w.enr_hh)
    other = code[:-1] + ("2" if code[-1] != "2" else "3")
    assert not exits.verify(other, url=w.url).found
    with pytest.raises(ValueError, match="no es un código de verificación"):
        exits.verify("hola", url=w.url)


def test_not_exited_and_capacities_off_scale_are_refused(w):
    with session_scope(w.url, write=True) as s, pytest.raises(exits.NotExited, match="no tiene salida"):
        exits.seal_exit(s, s.get(Enrolment, w.enr_hh), by="analista")
    with pytest.raises(ValueError, match="escala 1–5"):
        exit_and_seal(w.url, w.enr_hh, capacities={"conocimientos": 7})
    with session_scope(w.url) as s:
        assert s.scalar(select(ExitRecord.id)) is None


def test_bulk_seal_anchors_one_entry_and_membership_is_checked(w):
    with session_scope(w.url, write=True) as s:
        records = []
        for enr_id in (w.enr_hh, w.enr_opr):
            enr = s.get(Enrolment, enr_id)
            enr.exit_outcome, enr.exit_date, enr.status = "abandono", dt.date(2025, 6, 1), "salido"
            s.flush()
            records.append(exits.new_record(enr, exits.build_payload(s, enr), by="demo",
                                            at=dt.datetime(2025, 6, 2)))
        entry = exits.seal_many(s, records, by="demo")
        codes = [r.code for r in records]
        entry_id = entry.id
    assert exits.count_by_batch(w.url) == {entry_id: 2}
    assert all(exits.verify(c, url=w.url).ok for c in codes)
    payload = _stored(w.url, codes[0]).payload
    payload["participant"]["code"] = payload["participant"]["code"][:-1] + "9"
    _set(w.url, codes[0], payload=payload)  # a bulk seal has no payload in the audit: the digests say where
    assert "Difiere: participant.code." in " ".join(exits.verify(codes[0], url=w.url).problems)
    _set(w.url, codes[1], sha256="0" * 64)
    assert not exits.verify(codes[0], url=w.url).ok  # the batch no longer matches its anchor
    assert "lote" in " ".join(exits.verify(codes[1], url=w.url).problems)


def test_rule_codes_are_unambiguous():
    sha = "f" * 64
    code = R.verification_code(sha, 12345)
    assert not set(code[2:]) & set("ILOU")
    assert R.parse_code(R.display_code(code).lower()) == code
    assert R.parse_code(code.replace("0", "O")) == code
    assert R.batch_anchor(["b", "a"]) == R.batch_anchor(["a", "b"])
    assert R.payload_differences({"a": {"b": 1}, "c": 2}, {"a": {"b": 2}, "c": 2}) == ["a.b"]
    kept = R.digests({"a": {"b": 1}, "c": [1, 2]})
    assert R.changed_paths({"a": {"b": 1}, "c": [1, 3]}, kept) == ["c"]
    assert R.seal({"a": {"b": 1}}) != R.seal({"a": {"b": 2}})
