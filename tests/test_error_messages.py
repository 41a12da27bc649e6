"""The right cause in every message (issue 13, point 6): a connection lost mid-way, a lock wait
that ran out and a simultaneous conflict each reach a person — through the tracking-matrix
import, an edit writer and the CLI — as their own Spanish message, never as a driver error.

The store failures are real where the store can produce them: on PostgreSQL the server ends
the session (``pg_terminate_backend``), a second connection holds the rows under a short
``lock_timeout``, and a second connection commits the same key first. SQLite has no server and
serialises writers, so there a dropped connection is the driver error SQLAlchemy reports for
one, a lock is a second connection's ``BEGIN IMMEDIATE`` under a short busy timeout, and the
other writer's row is written on the importer's own connection just before its insert.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sqlite3

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.pool import NullPool

from cli.main import tablero
from data_access.alliance import tracking_matrix as tm
from data_access.core.auth import create_user, viewer_for_username
from data_access.core.db import (
    ConnectionLost,
    LockTimeout,
    StoreUnavailable,
    WriteConflict,
    classify,
    get_engine,
    session_scope,
)
from data_access.core.models import AppUser, BusinessPlan, Operator, Opr, TerritorialAlert
from data_access.edits import accounts as account_edits
from data_access.edits import alerts as alert_edits
from data_access.edits.common import StaleEdit, StoreRefused
from tests.apptest_utils import all_text, run_app
from tests.stores import PG_ADMIN_URL
from tests.test_edit_support import build

LOST = "se perdió la conexión con la base de datos"
BUSY = "otra operación tenía bloqueados los mismos"
CONFLICT = "modificó los mismos"
CAUSES = (LOST, BUSY, CONFLICT)
PN_CODE = "PN-ERR-1"


def _only(message: str, cause: str) -> None:
    """``message`` names ``cause`` and none of the other causes."""
    low = message.lower()
    assert cause.lower() in low, message
    assert [c for c in CAUSES if c != cause and c.lower() in low] == [], message
    assert "operationalerror" not in low and "integrityerror" not in low and "sqlalchemy" not in low, message


def _is_pg(url: str) -> bool:
    return url.startswith("postgresql")


# ------------------------------------------------------------------------------ store failures


@contextlib.contextmanager
def connection_lost_at(url: str, marker: str):
    """The first statement that contains ``marker`` runs on a connection that is gone."""
    engine = get_engine(url)
    fired: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if fired or marker not in statement:
            return
        fired.append(statement)
        if _is_pg(url):
            pid = conn.connection.dbapi_connection.info.backend_pid
            admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
            with admin.connect() as c:
                c.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            admin.dispose()
        else:
            raise OperationalError(statement, params, sqlite3.OperationalError("disk I/O error"),
                                   connection_invalidated=True)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert fired, f"no statement with {marker!r} ran"


@contextlib.contextmanager
def rows_held(url: str, pg_lock: str):
    """Another connection holds rows the writer needs (``pg_lock`` on PostgreSQL, the write lock
    on SQLite) while the writer's lock wait is short: it runs out in a fraction of a second."""
    if _is_pg(url):
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        with admin.connect() as c:
            c.execute(text(f'ALTER DATABASE "{make_url(url).database}" SET lock_timeout = \'300ms\''))
        admin.dispose()
        holder = create_engine(url, poolclass=NullPool)
        with holder.connect() as conn:
            conn.execute(text(pg_lock))
            try:
                yield
            finally:
                conn.rollback()
        holder.dispose()
        return
    engine = get_engine(url)

    def short_wait(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.execute("PRAGMA busy_timeout=200")

    event.listen(engine, "connect", short_wait)
    engine.dispose()
    holder = sqlite3.connect(make_url(url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()
        event.remove(engine, "connect", short_wait)
        engine.dispose()


@contextlib.contextmanager
def written_first_by_another(url: str, marker: str, insert_sql: str):
    """Just before the first statement containing ``marker``, another writer commits ``insert_sql``
    (the same key the statement is about to insert)."""
    engine = get_engine(url)
    fired: list[str] = []

    def before(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if fired or marker not in statement:
            return
        fired.append(statement)
        if _is_pg(url):
            other = create_engine(url, poolclass=NullPool)
            with other.begin() as c:
                c.execute(text(insert_sql))
            other.dispose()
        else:
            cursor.connection.execute(insert_sql)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield fired
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert fired, f"no statement with {marker!r} ran"


# ------------------------------------------------------------------------ the tracking matrix


@pytest.fixture
def matrix(empty_store, tmp_path):
    """(store URL, workbook path, analyst account): one new plan of an OPR already registered."""
    with session_scope(empty_store, write=True) as s:
        s.add(Operator(code="PSA", name="PSDE Andino", is_psde=True))
        s.add(Opr(nit="900123456-8", name="Asociación Cafetera", municipality_code="05001", version=1))
    create_user("analista", "analista_pmo", url=empty_store)
    wb = Workbook()
    ws = wb.active
    ws.title = "planes_negocio"
    ws.append(["codigo_pn", "nit_opr", "nombre_opr", "ventana", "cod_municipio", "cadena_valor", "psde",
               "fecha_primer_desembolso", "fecha_cierre"])
    ws.append([PN_CODE, "900123456-8", "Asociación Cafetera", 1, "05001", "Café", "PSA", dt.date(2024, 8, 31),
               None])
    ev = wb.create_sheet("evidencias")
    ev.append(["codigo_pn", "tipo", "tipo_aliado", "aliado", "fecha_inicio", "fecha_fin"])
    ev.append([PN_CODE, "contrato", "comercial", "Compradora SAS", dt.date(2025, 1, 1), None])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "matriz.xlsx"
    path.write_bytes(buf.getvalue())
    return empty_store, path


def _import(url: str, path) -> tm.ImportReport:
    return tm.import_tracking_matrix(path.read_bytes(), viewer_for_username("analista", url=url), url=url)


def _plans(url: str) -> int:
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(BusinessPlan))


def _rival_plan_sql(url: str) -> str:
    with session_scope(url) as s:
        opr = s.scalar(select(Opr.id))
    return ("INSERT INTO business_plan (code, opr_id, ventana, municipality_code, version, "
            f"cofinancing_committed_cop, cofinancing_disbursed_cop) VALUES ('{PN_CODE}', {opr}, 2, '05001', 1, 0, 0)")


def test_import_connection_lost_says_so(matrix):
    url, path = matrix
    with connection_lost_at(url, "INSERT INTO business_plan"):
        report = _import(url, path)
    assert not report.ok
    _only(report.message, LOST)
    assert _plans(url) == 0


def test_import_lock_timeout_says_so(matrix):
    url, path = matrix
    with rows_held(url, "LOCK TABLE business_plan IN EXCLUSIVE MODE"):
        report = _import(url, path)
    assert not report.ok
    _only(report.message, BUSY)
    assert _plans(url) == 0


def test_import_conflict_says_so(matrix):
    url, path = matrix
    with written_first_by_another(url, "INSERT INTO business_plan", _rival_plan_sql(url)):
        report = _import(url, path)
    assert not report.ok
    _only(report.message, CONFLICT)
    assert _plans(url) == (1 if _is_pg(url) else 0)  # the other writer's plan, never the file's


@pytest.mark.parametrize("cause", CAUSES)
def test_cli_import_prints_the_cause_without_traceback(matrix, cause):
    url, path = matrix
    failure = {
        LOST: lambda: connection_lost_at(url, "INSERT INTO business_plan"),
        BUSY: lambda: rows_held(url, "LOCK TABLE business_plan IN EXCLUSIVE MODE"),
        CONFLICT: lambda: written_first_by_another(url, "INSERT INTO business_plan", _rival_plan_sql(url)),
    }[cause]
    with failure():
        res = CliRunner().invoke(tablero, ["import", "tracking-matrix", str(path), "--as-user", "analista"],
                                 env={"DATABASE_URL": url})
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output and not isinstance(res.exception, DBAPIError)
    _only(res.output, cause)


# ------------------------------------------------------------------------------ an edit writer


@pytest.fixture
def w(empty_store):
    return build(empty_store, accounts=True)


def _alert_version(url: str, alert_id: int) -> int:
    with session_scope(url) as s:
        return s.scalar(select(TerritorialAlert.version).where(TerritorialAlert.id == alert_id))


def _edit_alert(w, version: int | None = None):
    comite = viewer_for_username("comite", url=w.url)
    opened = _alert_version(w.url, w.alert) if version is None else version
    return alert_edits.update_alert(comite, w.alert, opened, {"severity": "media"}, url=w.url)


def test_edit_connection_lost_says_so(w):
    with connection_lost_at(w.url, "UPDATE territorial_alert"), pytest.raises(StoreRefused) as info:
        _edit_alert(w)
    assert isinstance(info.value.cause, ConnectionLost)
    _only(info.value.message, LOST)
    assert _alert_version(w.url, w.alert) == 1


def test_edit_lock_timeout_says_so(w):
    with rows_held(w.url, f"SELECT id FROM territorial_alert WHERE id = {w.alert} FOR UPDATE"), \
            pytest.raises(StoreRefused) as info:
        _edit_alert(w)
    assert isinstance(info.value.cause, LockTimeout)
    _only(info.value.message, BUSY)
    assert _alert_version(w.url, w.alert) == 1


def test_edit_of_a_stale_version_is_a_conflict_not_a_store_failure(w):
    _edit_alert(w)  # someone else saved version 2
    with pytest.raises(StaleEdit) as info:
        _edit_alert(w, version=1)
    assert "modificó este registro" in info.value.message
    assert [c for c in (LOST, BUSY) if c in info.value.message.lower()] == []


def test_simultaneous_account_creation_is_a_conflict(w):
    admin = viewer_for_username("admin", url=w.url)
    rival = ("INSERT INTO app_user (username, display_name, role, active, version) "
             "VALUES ('nueva', 'Otra', 'directivo', TRUE, 1)")
    with written_first_by_another(w.url, "INSERT INTO app_user", rival), pytest.raises(StoreRefused) as info:
        account_edits.create_user(admin, {"username": "nueva", "role": "directivo", "password": "clave-segura-1"},
                                  url=w.url)
    assert isinstance(info.value.cause, WriteConflict)
    _only(info.value.message, CONFLICT)
    with session_scope(w.url) as s:
        names = s.scalars(select(AppUser.display_name).where(AppUser.username == "nueva")).all()
    assert names == (["Otra"] if _is_pg(w.url) else [])


# ------------------------------------------------------------------------------------- a page


def test_page_whose_read_loses_its_connection_says_so(w):
    with connection_lost_at(w.url, "FROM territorial_alert"):
        at = run_app(w.url, "comite")
    assert not at.exception, [e.value for e in at.exception]
    told = " ".join(str(e.value) for e in at.error)
    assert "Se perdió la conexión con el almacén de datos" in told, all_text(at)
    assert "OperationalError" not in all_text(at)


# ------------------------------------------------------------------------------ classification


class _DriverError(Exception):
    def __init__(self, message: str, sqlstate: str | None = None):
        super().__init__(message)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OperationalError("UPDATE x", {}, _DriverError("terminating connection", "57P01")), ConnectionLost),
        (OperationalError("UPDATE x", {}, _DriverError("ssl eof"), connection_invalidated=True), ConnectionLost),
        (OperationalError("UPDATE x", {}, _DriverError("canceling statement due to lock timeout", "55P03")),
         LockTimeout),
        (OperationalError("UPDATE x", {}, _DriverError("canceling statement due to statement timeout", "57014")),
         LockTimeout),
        (OperationalError("BEGIN IMMEDIATE", {}, _DriverError("database is locked")), LockTimeout),
        (OperationalError("UPDATE x", {}, _DriverError("could not serialize access", "40001")), WriteConflict),
        (OperationalError("UPDATE x", {}, _DriverError("deadlock detected", "40P01")), WriteConflict),
        (IntegrityError("INSERT x", {}, _DriverError("duplicate key", "23505")), WriteConflict),
        (OperationalError("SELECT 1", {}, _DriverError("connection refused")), StoreUnavailable),
    ],
)
def test_driver_errors_are_told_by_their_cause(error, kind):
    told = classify(error)
    assert type(told) is kind
    assert told.message and "Error" not in told.message
