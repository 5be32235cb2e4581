"""Search keys and sort keys: the folded text that record lists search and sort on.

Adds to the searchable tables a ``search_key`` (the folded text of their searchable columns; an
organisation's includes its region's and department's names) and ``*_key`` columns (one column folded,
to sort accent- and case-insensitively), fills them for the rows already there, and indexes what the
lists sort on. From this revision on, the one door (services.changes) keeps them up to date.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 09:00:00
"""

import sqlalchemy as sa
from alembic import op

from portfolio.db.sqlite_file import sqlite_driver
from portfolio.domain.referential import fold

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None
user_version = 2  # PRAGMA user_version once this revision is applied

# Frozen here rather than read from the models: this is what revision 0002 computes, whatever later
# revisions do. The parts of each search key are in the models' column order, as the door joins them.
FOLDS = {
    'organisation': {'name_key': 'name', 'city_key': 'city'},
    'contact': {'first_name_key': 'first_name', 'last_name_key': 'last_name'},
    'application': {'title_key': 'title', 'acronym_key': 'acronym'},
    'milestone': {'title_key': 'title'},
}
SEARCH_PARTS = {
    'call': ['code', 'label'],
    'organisation': ['name', 'siren', 'siret', '(SELECT name FROM region WHERE region.id = organisation.region_id)',
                     '(SELECT name FROM department WHERE department.id = organisation.department_id)', 'city'],
    'contact': ['first_name', 'last_name', 'email', 'role'],
    'application': ['title', 'acronym'],
    'milestone': ['title'],
}
INDEXES = [
    ('ix_organisation_city_key', 'organisation', ['city_key']),
    ('ix_organisation_name_search', 'organisation', ['name_key', 'search_key']),
    ('ix_contact_last_name_key', 'contact', ['last_name_key']),
    ('ix_application_acronym_key', 'application', ['acronym_key']),
]


def _sql_fold(value: object) -> str | None:
    return None if value is None else fold(str(value))


def upgrade() -> None:
    sqlite_driver(op.get_bind()).create_function('portfolio_fold', 1, _sql_fold, deterministic=True)
    for table in SEARCH_PARTS:
        for column in [*FOLDS.get(table, {}), 'search_key']:
            op.add_column(table, sa.Column(column, sa.Text(), server_default='', nullable=False))
    for table, parts in SEARCH_PARTS.items():
        assignments = [f"{key} = coalesce(portfolio_fold({source}), '')" for key, source in FOLDS.get(table, {}).items()]
        joined = " || ' ' || ".join(f"coalesce({part}, '')" for part in parts)
        assignments.append(f"search_key = portfolio_fold({joined})")
        op.execute(f"UPDATE {table} SET {', '.join(assignments)}")
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    # SQLite (3.35+) drops a plain column in place; a batch copy would drop tables that others refer to
    for table in reversed(list(SEARCH_PARTS)):
        for column in ['search_key', *reversed(list(FOLDS.get(table, {})))]:
            op.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
