"""Reads of knowledge records, scoped, and their Spanish full-text search behind one query.

Scope: ``record_clause`` on the record's municipality, operator and route — the national roles
read everything, a comité its office's municipalities, an operador its own records, a dirección
de ruta its route's. Search folds accents on both stores (migration 0010): SQLite's FTS5 table
``knowledge_fts`` ranked by ``bm25`` (title weighs 10, tags 4, text 1), PostgreSQL's weighted
``tsvector`` ranked by ``ts_rank`` with the Spanish configuration (stems too: «comercializar»
finds «comercialización»). Without consent the household and the OPR are left out of every row.
"""

from __future__ import annotations

from sqlalchemy import case, column, func, literal, literal_column, select, table

from data_access.core.db import get_engine, is_sqlite
from data_access.core.models import Household, KnowledgeRecord, Municipality, Operator, Opr
from data_access.core.scope import Viewer, record_clause
from data_access.core.versions import reads
from data_access.knowledge.schema import SEARCH_COLUMN, SEARCH_TABLE
from rules import knowledge as K

KR = KnowledgeRecord
FTS = table(SEARCH_TABLE, column("rowid"))
FTS_WEIGHTS = (10.0, 4.0, 1.0)  # title, tags, text (the FTS5 columns' order)
MARK = ("«", "»")


def visible_clause(viewer: Viewer):
    """Knowledge records ``viewer`` may read (module docstring), default-deny."""
    return record_clause(viewer, KR.municipality_code, KR.operator_id, KR.route)


def _consented(col):
    """The personal link's value only where the record has consent (``rules.knowledge``)."""
    return case((KR.consent.is_(True), col), else_=None)


def _columns():
    return (
        KR.id, KR.code, KR.kind, KR.title, KR.route, KR.service_type_code, KR.municipality_code,
        Municipality.name.label("municipality"), Operator.name.label("operator"), KR.consent, KR.tags,
        KR.created_by, KR.created_on, KR.version,
        _consented(Household.code).label("household_code"), _consented(Opr.name).label("opr_name"),
        _consented(Opr.nit).label("opr_nit"),
    )


def _base(viewer: Viewer, *columns, kind=None, route=None, service=None, municipality=None, territory=None):
    stmt = (
        select(*columns)
        .join(Municipality, Municipality.code == KR.municipality_code)
        .outerjoin(Operator, Operator.id == KR.operator_id)
        .outerjoin(Household, Household.id == KR.household_id)
        .outerjoin(Opr, Opr.id == KR.opr_id)
        .where(visible_clause(viewer))
    )
    for col, value in ((KR.kind, kind), (KR.route, route), (KR.service_type_code, service),
                       (KR.municipality_code, municipality)):
        if value:
            stmt = stmt.where(col == value)
    if territory is not None:
        stmt = stmt.where(territory.territory_clause(KR.municipality_code), territory.route_clause(KR.route))
    return stmt


def _rows(stmt, url) -> list[dict]:
    with get_engine(url).connect() as conn:
        return [dict(r._mapping) for r in conn.execute(stmt)]


@reads("results")
def records(viewer: Viewer, kind: str | None = None, route: str | None = None, service: str | None = None,
            municipality: str | None = None, territory=None, limit: int = 200, url: str | None = None) -> list[dict]:
    """The records ``viewer`` may read, newest first, with the start of their text as ``snippet``."""
    stmt = _base(viewer, *_columns(), func.substr(KR.text, 1, 240).label("snippet"), literal(None).label("rank"),
                 kind=kind, route=route, service=service, municipality=municipality, territory=territory)
    return _rows(stmt.order_by(KR.created_on.desc(), KR.id.desc()).limit(limit), url)


@reads("results")
def search(viewer: Viewer, text: str, kind: str | None = None, route: str | None = None, service: str | None = None,
           municipality: str | None = None, territory=None, limit: int = 50, url: str | None = None) -> list[dict]:
    """Records matching every word of ``text`` (accents ignored), best first, each with its
    ``rank`` (higher is better) and a ``snippet`` of its text around the words, marked «…».
    An empty query lists the records (``records``)."""
    terms = K.search_terms(text)
    if not terms:
        return records(viewer, kind, route, service, municipality, territory, limit, url=url)
    filters = {"kind": kind, "route": route, "service": service, "municipality": municipality,
               "territory": territory}
    if is_sqlite(url or get_engine(url)):
        match = " ".join(f'"{t}"' for t in terms)  # \w+ words: nothing to escape; all words must occur
        fts = literal_column(SEARCH_TABLE)
        score = func.bm25(fts, *FTS_WEIGHTS)
        snippet = func.snippet(fts, 2, MARK[0], MARK[1], "…", 24)
        stmt = (_base(viewer, *_columns(), snippet.label("snippet"), (-score).label("rank"), **filters)
                .join(FTS, FTS.c.rowid == KR.id)
                .where(fts.op("MATCH")(match))
                .order_by(score, KR.id))
    else:
        query = func.plainto_tsquery(literal_column("'spanish'::regconfig"), " ".join(terms))
        vector = literal_column(f"{KR.__tablename__}.{SEARCH_COLUMN}")
        rank = func.ts_rank(vector, query)
        snippet = func.ts_headline(literal_column("'spanish'::regconfig"), KR.text, query,
                                   f"StartSel={MARK[0]}, StopSel={MARK[1]}, MaxWords=30, MinWords=12")
        stmt = (_base(viewer, *_columns(), snippet.label("snippet"), rank.label("rank"), **filters)
                .where(vector.op("@@")(query))
                .order_by(rank.desc(), KR.id))
    return _rows(stmt.limit(limit), url)


@reads("results")
def record(viewer: Viewer, record_id: int, url: str | None = None) -> dict | None:
    """One record with its whole text, if ``viewer`` may read it (else None)."""
    stmt = _base(viewer, *_columns(), KR.text.label("text")).where(KR.id == record_id)
    rows = _rows(stmt, url)
    return rows[0] if rows else None


@reads("results")
def counts(viewer: Viewer, municipality: str | None = None, url: str | None = None) -> dict[str, int]:
    """Records per kind that ``viewer`` may read (of one municipality)."""
    stmt = _base(viewer, KR.kind, func.count().label("n"), municipality=municipality).group_by(KR.kind)
    found = {r["kind"]: int(r["n"]) for r in _rows(stmt, url)}
    return {k: found.get(k, 0) for k in K.KINDS}

