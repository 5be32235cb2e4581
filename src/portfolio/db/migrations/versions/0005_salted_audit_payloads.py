"""Audit entries hash their values through a salted digest, so that a person's data can be erased (GDPR)
while the chain still verifies (services.audit, services.gdpr).

Each entry gets a random salt, and the chain is hashed again in the new format, in order, inside the
migration's one transaction. The old chain is checked as it is read; one entry added at the end records the
old chain's head and what was wrong with it, so that rewriting the chain hides nothing: `portfolio check` goes
on reporting it. The file as it was, with its chain in the old format, is kept by the copy
taken before every migration (``<name>.sauvegardes/…avant-migration-v4.sqlite``). The hashing is written out
here, frozen: a later change of format must not change what this revision did.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 21:00:00
"""

import hashlib
import json
import os
import sqlite3
import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from portfolio.db.sqlite_file import sqlite_driver

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


CHUNK = 20_000  # entries read and rewritten at a time: a 5-million-entry trail is never held whole
MIGRATION_FIELD = "_migration_v5"


def upgrade() -> None:
    op.add_column("audit_entry", sa.Column("salt", sa.String(length=32), nullable=True))
    op.add_column("audit_entry", sa.Column("payload_hash", sa.String(length=64), nullable=True))
    connection = sqlite_driver(op.get_bind())  # plain sqlite3: an import's trail is long
    connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
    old_prev, new_prev, expected, last = "0" * 64, "0" * 64, 1, 0
    problems: list[str] = []
    while True:
        rows = connection.execute(f"SELECT {', '.join(HEAD)}, old_value, new_value, prev_hash, hash FROM audit_entry "
                                  "WHERE seq > ? ORDER BY seq LIMIT ?", (last, CHUNK)).fetchall()
        if not rows:
            break
        updates = []
        for row in rows:
            seq = row[0]
            # the old chain is checked as it is rewritten: what was wrong with it is kept in the new one
            if seq != expected and len(problems) < 50:
                problems.append(f"entrées n° {expected} à {seq - 1} supprimées")
            if (row[11] != old_prev or _sha(list(row[:12])) != row[12]) and len(problems) < 50:
                problems.append(f"entrée n° {seq} modifiée ou chaînage rompu")
            old_prev, expected = row[12], seq + 1
            salt = os.urandom(16).hex()
            entry = _sha([*row[:9], _sha([salt, row[9], row[10]]), new_prev])
            updates.append((salt, new_prev, entry, seq))
            new_prev = entry
        connection.executemany("UPDATE audit_entry SET salt = ?, prev_hash = ?, hash = ? WHERE seq = ?", updates)
        last = rows[-1][0]
    highest = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_entry'").fetchone()
    if highest and highest[0] > last:
        problems.append(f"dernières entrées (n° {last + 1} à {highest[0]}) supprimées")
    if last:  # one entry that links the two chains: the old head, and what checking it found
        _append_migration_entry(connection, max(last, highest[0] if highest else 0) + 1, new_prev,
                                {"ancienne_tete": old_prev, "problemes": problems})
    connection.execute(NO_UPDATE)


def _append_migration_entry(connection: sqlite3.Connection, seq: int, prev: str, content: dict[str, object]) -> None:
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    batch = str(uuid.uuid4())
    new_value = json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    row = [seq, at, "migration", "migration:v5", batch, "update", "audit_entry", batch, MIGRATION_FIELD]
    salt = os.urandom(16).hex()
    entry = _sha([*row, _sha([salt, None, new_value]), prev])
    connection.execute(
        f"INSERT INTO audit_entry ({', '.join(HEAD)}, old_value, new_value, prev_hash, salt, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?)", [*row, new_value, prev, salt, entry])


def downgrade() -> None:
    """Back to values hashed directly (an erased entry keeps its marker, hashed as its value)."""
    connection = sqlite_driver(op.get_bind())
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
