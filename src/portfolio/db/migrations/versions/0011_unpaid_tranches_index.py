"""The tranches still to pay, indexed by their planned date (issue #21): the officer's follow-up ("Mon suivi",
`portfolio suivi`) counts and lists them oldest first; without it, SQLite sorted every unpaid tranche of a
100,000-project portfolio (150,000 rows, 0.3 s) for a page of 200. A partial index (``WHERE paid_on IS NULL``),
written the same on both engines; no value changes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None
user_version = 11  # PRAGMA user_version once this revision is applied


def upgrade() -> None:
    op.create_index("ix_disbursement_unpaid_planned_on", "disbursement", ["planned_on"],
                    sqlite_where=sa.text("paid_on IS NULL"), postgresql_where=sa.text("paid_on IS NULL"))


def downgrade() -> None:
    op.drop_index("ix_disbursement_unpaid_planned_on", table_name="disbursement")
