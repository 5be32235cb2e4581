"""The reference of an application's file or decision ("Z34507", "21BRD0090", "V2018-483"), as funders'
files give it: with the title, it tells apart two projects of the same name in the same call, so that
importing the same file again finds them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 16:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None
user_version = 4  # PRAGMA user_version once this revision is applied


def upgrade() -> None:
    # a plain ALTER TABLE ADD COLUMN (no table copy: the projects and partners referring to it stay as they are)
    op.add_column("application", sa.Column("reference", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    op.execute("ALTER TABLE application DROP COLUMN reference")  # SQLite 3.35+: no table copy either
