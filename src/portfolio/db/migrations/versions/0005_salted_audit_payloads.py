"""Audit entries hash their values through a salted digest, so that a person's data can be erased (GDPR)
while the chain still verifies (services.audit, services.gdpr).

Each entry gets a random salt, and the chain is hashed again in the new format, in order, inside the
migration's one transaction. The file as it was, with its chain in the old format, is kept by the copy
taken before every migration (``<name>.sauvegardes/…avant-migration-v4.sqlite``). The hashing is written out
here, frozen: a later change of format must not change what this revision did.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:00:00
"""

import hashlib
import json
import os

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None
user_version = 5  # PRAGMA user_version once this revision is applied

_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
HEAD = ("seq", "at_utc", "actor", "source", "batch", "operation", "entity", "record_uuid", "field")
NO_UPDATE = ("CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
             "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: entries cannot be changed'); END")


def _sha(values: list[object]) -> str:
    return hashlib.sha256(_CANONICAL.encode(values).encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("salt", sa.String(length=32), nullable=True))
    op.add_column("audit_entry", sa.Column("payload_hash", sa.String(length=64), nullable=True))
    connection = op.get_bind().connection.driver_connection  # plain sqlite3: an import's trail is long
    connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    rows = connection.execute(f"SELECT {', '.join(HEAD)}, old_value, new_value FROM audit_entry ORDER BY seq")
    prev = "0" * 64
    updates = []
    for row in rows.fetchall():
        salt = os.urandom(16).hex()
        payload = _sha([salt, row[9], row[10]])
        entry = _sha([*row[:9], payload, prev])
        updates.append((salt, prev, entry, row[0]))
        prev = entry
    connection.executemany("UPDATE audit_entry SET salt = ?, prev_hash = ?, hash = ? WHERE seq = ?", updates)
    connection.execute(NO_UPDATE)


def downgrade() -> None:
    """Back to values hashed directly (an erased entry keeps its marker, hashed as its value)."""
    connection = op.get_bind().connection.driver_connection
    connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    rows = connection.execute(f"SELECT {', '.join(HEAD)}, old_value, new_value FROM audit_entry ORDER BY seq")
    prev = "0" * 64
    updates = []
    for row in rows.fetchall():
        entry = _sha([*row, prev])
        updates.append((prev, entry, row[0]))
        prev = entry
    connection.executemany("UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE seq = ?", updates)
    connection.execute("ALTER TABLE audit_entry DROP COLUMN payload_hash")
    connection.execute("ALTER TABLE audit_entry DROP COLUMN salt")
    connection.execute(NO_UPDATE)
