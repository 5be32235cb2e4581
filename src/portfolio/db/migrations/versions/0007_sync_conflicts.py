"""The conflicts of agencies' workbooks queued for the officer: a field changed differently here and by the
agency waits, with the three values, until it is settled (keep, take, or type a value).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 23:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None
user_version = 7  # PRAGMA user_version once this revision is applied


def upgrade() -> None:
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_uuid", sa.String(length=36), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("base", sa.Text(), nullable=False),
        sa.Column("mine", sa.Text(), nullable=False),
        sa.Column("theirs", sa.Text(), nullable=False),
        sa.Column("found_utc", sa.String(length=32), nullable=False),
        sa.Column("settled_utc", sa.String(length=32), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=True),
        sa.Column("settled_by", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["export_uuid"], ["export_batch.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_conflict_field", "sync_conflict", ["export_uuid", "entity", "record_uuid", "field"])


def downgrade() -> None:
    op.drop_index("ix_sync_conflict_field", table_name="sync_conflict")
    op.drop_table("sync_conflict")
