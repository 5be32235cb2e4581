"""The working workbooks sent to regional agencies: each export (who, to whom, what) and the exact values of
each record it carried, for the three-way merge of the workbook sent back.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None
user_version = 6  # PRAGMA user_version once this revision is applied


def upgrade() -> None:
    op.create_table(
        "export_batch",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_utc", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=False),
        sa.Column("selection", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("uuid"),
    )
    op.create_table(
        "export_row",
        sa.Column("export_uuid", sa.String(length=36), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("record_uuid", sa.String(length=36), nullable=False),
        sa.Column("sent_values", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["export_uuid"], ["export_batch.uuid"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("export_uuid", "entity", "record_uuid"),
    )


def downgrade() -> None:
    op.drop_table("export_row")
    op.drop_table("export_batch")
