"""What the open-data standards need, entered once (issue #17): the attributing body's SIRET on operators
(SCDL's idAttribuant), an association's RNA number and a foreign organisation's org-id.guide identifier, the France
2030 objective and nomenclature on actions, the list's typology wording, "acteur émergent" on an aid, the call's
aid-scheme identifier (SCDL's dispositifAide) and whether its aid is notified to the European Commission (SCDL's
notificationUE), and which part of the aid a tranche pays (grant or advance).

Every column is added empty (or with an empty default): a migration writes no value, so the audit trail still
explains every stored value. The first migration written for both engines: it runs on SQLite files and on team
databases on PostgreSQL alike (plain ALTER TABLE ADD COLUMN, no table copy).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 03:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None
user_version = 8  # PRAGMA user_version once this revision is applied


def upgrade() -> None:
    op.add_column("action", sa.Column("f2030_objective", sa.Text(), nullable=False, server_default=""))
    op.add_column("action", sa.Column("f2030_nomenclature", sa.Text(), nullable=False, server_default=""))
    op.add_column("operator", sa.Column("siret", sa.String(length=14), nullable=True))
    op.add_column("call", sa.Column("aid_scheme_id", sa.Text(), nullable=False, server_default=""))
    op.add_column("call", sa.Column("eu_notified", sa.Boolean(), nullable=True))
    op.add_column("typology", sa.Column("list_label", sa.Text(), nullable=False, server_default=""))
    op.add_column("organisation", sa.Column("rna", sa.String(length=10), nullable=True))
    op.add_column("organisation", sa.Column("foreign_id", sa.Text(), nullable=True))
    op.create_index("ix_organisation_rna", "organisation", ["rna"])
    op.create_index("ix_organisation_foreign_id", "organisation", ["foreign_id"])
    op.add_column("aid", sa.Column("emerging_actor", sa.Boolean(), nullable=True))
    op.add_column("disbursement", sa.Column("aid_part", sa.String(length=16), nullable=True))


def downgrade() -> None:
    op.drop_index("ix_organisation_foreign_id", table_name="organisation")
    op.drop_index("ix_organisation_rna", table_name="organisation")
    for table, column in (("disbursement", "aid_part"), ("aid", "emerging_actor"), ("organisation", "foreign_id"),
                          ("organisation", "rna"), ("typology", "list_label"), ("call", "aid_scheme_id"), ("call", "eu_notified"),
                          ("operator", "siret"), ("action", "f2030_nomenclature"), ("action", "f2030_objective")):
        op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")  # SQLite 3.35+ and PostgreSQL: no table copy
