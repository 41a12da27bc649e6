"""Characterisation and knowledge (seed 000 §3 ii and v): baselines at entry and exit, the
territorial asset map, knowledge records, content-addressed documents and their links

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "baseline",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("enrolment_id", sa.Integer(), sa.ForeignKey("enrolment.id"), nullable=False),
        sa.Column("moment", sa.String(10), nullable=False),
        sa.Column("measured_on", sa.Date(), nullable=False),
        sa.Column("municipality_code", sa.String(5), nullable=False),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=True),
        sa.Column("income_cop", sa.BigInteger(), nullable=True),
        sa.Column("productive_assets_cop", sa.BigInteger(), nullable=True),
        sa.Column("capacities_score", sa.Float(), nullable=True),
        sa.Column("credit_access", sa.Boolean(), nullable=True),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("sales_cop", sa.BigInteger(), nullable=True),
        sa.Column("formalised", sa.Boolean(), nullable=True),
        sa.Column("markets", sa.Integer(), nullable=True),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("uq_baseline_enrolment_moment", "baseline", ["enrolment_id", "moment"], unique=True)
    for column in ("municipality_code", "operator_id"):
        op.create_index(f"ix_baseline_{column}", "baseline", [column])
    op.create_table(
        "territorial_asset",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("municipality_code", sa.String(5), sa.ForeignKey("municipality.code"), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("entity", sa.String(200), nullable=False),
        sa.Column("services", sa.String(300), nullable=False),
        sa.Column("category", sa.String(30), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("uq_territorial_asset_code", "territorial_asset", ["code"], unique=True)
    op.create_index("ix_territorial_asset_municipality_code", "territorial_asset", ["municipality_code"])
    op.create_table(
        "knowledge_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("route", sa.String(20), nullable=True),
        sa.Column("service_type_code", sa.String(30), nullable=True),
        sa.Column("municipality_code", sa.String(5), sa.ForeignKey("municipality.code"), nullable=False),
        sa.Column("operator_id", sa.Integer(), sa.ForeignKey("operator.id"), nullable=True),
        sa.Column("opr_id", sa.Integer(), sa.ForeignKey("opr.id"), nullable=True),
        sa.Column("household_id", sa.Integer(), sa.ForeignKey("household.id"), nullable=True),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("tags", sa.String(300), nullable=False),
        sa.Column("created_by", sa.String(60), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("import_batch_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("uq_knowledge_record_code", "knowledge_record", ["code"], unique=True)
    for column in ("municipality_code", "operator_id"):
        op.create_index(f"ix_knowledge_record_{column}", "knowledge_record", [column])
    _knowledge_search()
    op.create_table(
        "document",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(100), nullable=False),
        sa.Column("stored_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "document_link",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), sa.ForeignKey("document.sha256"), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(260), nullable=False),
        sa.Column("added_by", sa.String(60), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_document_link_entity", "document_link", ["entity", "entity_id"])
    op.create_index("ix_document_link_sha256", "document_link", ["sha256"])


# Accented letters and their plain forms, as SQLite's ``remove_diacritics 2`` folds them.
ACCENTED = "áàâäãåéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ"
PLAIN = "aaaaaaeeeeiiiiooooouuuuncAAAAAAEEEEIIIIOOOOOUUUUNC"
SQLITE_SEARCH = (
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title, tags, text, content='knowledge_record', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER knowledge_fts_ai AFTER INSERT ON knowledge_record BEGIN "
    "INSERT INTO knowledge_fts(rowid, title, tags, text) VALUES (new.id, new.title, new.tags, new.text); END",
    "CREATE TRIGGER knowledge_fts_ad AFTER DELETE ON knowledge_record BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, tags, text) "
    "VALUES ('delete', old.id, old.title, old.tags, old.text); END",
    "CREATE TRIGGER knowledge_fts_au AFTER UPDATE ON knowledge_record BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title, tags, text) "
    "VALUES ('delete', old.id, old.title, old.tags, old.text); "
    "INSERT INTO knowledge_fts(rowid, title, tags, text) VALUES (new.id, new.title, new.tags, new.text); END",
)


def _plain(column: str) -> str:
    return f"translate({column}, '{ACCENTED}', '{PLAIN}')"


def _knowledge_search() -> None:
    """Spanish full text of knowledge records, accent-insensitive: an FTS5 table kept by triggers
    (SQLite), a weighted ``tsvector`` column with a GIN index (PostgreSQL; title A, tags B, text C)."""
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_SEARCH:
            op.execute(statement)
        return
    vector = " || ".join(
        f"setweight(to_tsvector('spanish'::regconfig, {_plain(column)}), '{weight}')"
        for column, weight in (("title", "A"), ("tags", "B"), ("text", "C"))
    )
    op.execute(f"ALTER TABLE knowledge_record ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED")
    op.execute("CREATE INDEX ix_knowledge_record_search ON knowledge_record USING gin (search_vector)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    for table in ("document_link", "document", "knowledge_record", "territorial_asset", "baseline"):
        op.drop_table(table)
