"""The store objects of the Spanish full-text search that have no model: migration 0010 creates them
per dialect (SQLite: the FTS5 table ``knowledge_fts`` and its shadow tables; PostgreSQL: the generated
``search_vector`` column and its GIN index), so Alembic's comparison of models and store skips them."""

from __future__ import annotations

SEARCH_TABLE = "knowledge_fts"
SEARCH_COLUMN = "search_vector"
SEARCH_INDEX = "ix_knowledge_record_search"


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object`` hook: everything but the search objects found in the store."""
    if not reflected or compare_to is not None:
        return True
    if type_ == "table":
        return not (name or "").startswith(SEARCH_TABLE)
    if type_ == "column":
        return not (name == SEARCH_COLUMN and obj.table.name == "knowledge_record")
    if type_ == "index":
        return name != SEARCH_INDEX
    return True
