"""Account version: ``app_user.version``, bumped by every change of an account

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

A signed-in session keeps the version of its account; each script run compares it with the
store's (one indexed read), so a deactivated account is logged out and a changed role or scope
applies at the next run, and every write re-checks it inside its transaction. Existing
accounts start at 1.
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("version")
