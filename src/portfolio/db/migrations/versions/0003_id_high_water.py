"""The highest id ever given per entity, so that ids of deleted records are never given again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 15:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None
user_version = 3  # PRAGMA user_version once this revision is applied

# The record tables of this revision (frozen here: later revisions may add more).
TABLES = (
    "programme", "axis", "action", "operator", "call", "status", "status_transition", "region", "department",
    "typology", "organisation", "contact", "application", "application_partner", "project", "aid",
    "disbursement", "milestone",
)


def upgrade() -> None:
    op.create_table(
        "id_high_water",
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("entity"),
    )
    for table in TABLES:  # the entity name is the table name for every record table
        op.execute(f"INSERT INTO id_high_water (entity, last_id) SELECT '{table}', coalesce(max(id), 0) FROM {table}")


def downgrade() -> None:
    op.drop_table("id_high_water")
