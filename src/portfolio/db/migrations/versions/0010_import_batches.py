"""Imports become records (issue #20): ``import_batch`` holds each import's file, SHA-256, sheet, profile, mapping
and counts, written in the import's transaction; its audit entries name only their row. The imports made before
are recorded from their entries, whose source text ("import FILE (sha256 …), feuille SHEET, ligne N") is parsed
here, once (the entries themselves are never changed). Append-only, like the trail.

On a server, the roles that may append to the trail may append imports too (and those that read it, read them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 09:00:00
"""

import json
import re
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None
user_version = 10  # PRAGMA user_version once this revision is applied

# the source an import wrote on each entry before schema 10 (exchange.plan.ImportPlan.source, then ", ligne N")
_SOURCE = re.compile(r"^import (?P<file>.*) \(sha256 (?P<sha>[0-9a-fA-F]*)\), feuille (?P<sheet>.*?)"
                     r"(?:, ligne \d+(?: \(.*\))?)?$", re.S)  # (a row's note in brackets after its number)
SQLITE_TRIGGERS = (
    "CREATE TRIGGER import_batch_no_update BEFORE UPDATE ON import_batch "
    "BEGIN SELECT RAISE(ABORT, 'import_batch is append-only: imports cannot be changed'); END",
    "CREATE TRIGGER import_batch_no_delete BEFORE DELETE ON import_batch "
    "BEGIN SELECT RAISE(ABORT, 'import_batch is append-only: imports cannot be deleted'); END",
)
SERVER_TRIGGERS = (*(
    f"CREATE TRIGGER import_batch_no_{event.lower()} BEFORE {event} ON import_batch "
    f"FOR EACH {'STATEMENT' if event == 'TRUNCATE' else 'ROW'} EXECUTE FUNCTION audit_entry_append_only()"
    for event in ("UPDATE", "DELETE", "TRUNCATE")),
    # an import is recorded in the name of the role that writes it, as the trail's entries (migration 0009)
    "CREATE TRIGGER import_batch_actor BEFORE INSERT ON import_batch FOR EACH ROW EXECUTE FUNCTION "
    "audit_entry_actor()")


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("batch", sa.String(length=36), primary_key=True),
        sa.Column("at_utc", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.Text(), nullable=False),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("sheet", sa.Text(), nullable=False),
        sa.Column("sheets", sa.Text(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("mapping", sa.Text(), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=True),
        sa.Column("created", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=True),
    )
    bind = op.get_bind()
    _record_past_imports(bind)
    server = bind.dialect.name != "sqlite"
    for statement in SERVER_TRIGGERS if server else SQLITE_TRIGGERS:
        op.execute(statement)
    if server:  # who appends to the trail appends imports; who reads it reads them
        for privilege, rights in (("INSERT", "SELECT, INSERT"), ("SELECT", "SELECT")):
            for (role,) in bind.exec_driver_sql(
                    "SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_name = "
                    f"'audit_entry' AND privilege_type = '{privilege}' AND grantee <> current_user"):
                op.execute(f'GRANT {rights} ON import_batch TO "{role}"')


def _record_past_imports(bind: sa.Connection) -> None:
    """One row per import already in the trail, read entry by entry (a 100,000-row import has half a million)."""
    batches: dict[str, dict[str, Any]] = {}  # batch -> its row's values as they are gathered
    rows = bind.execute(sa.text(
        "SELECT batch, at_utc, actor, source, operation, entity, record_uuid FROM audit_entry "
        "WHERE source LIKE :imports ORDER BY seq"), {"imports": "import %"}).yield_per(20_000)
    for batch, at_utc, actor, source, operation, entity, record_uuid in rows:
        known = batches.get(batch)
        if known is None:
            match = _SOURCE.match(source)
            if match is None:  # not an import's source after all: left as it is
                continue
            known = batches[batch] = {"at_utc": at_utc, "actor": actor, "file_name": match["file"],
                                      "sha256": match["sha"], "sheets": {}, "created": 0, "updated": set()}
        match = _SOURCE.match(source)
        if match is not None:
            known["sheets"].setdefault(entity, match["sheet"])
        if operation == "create":
            known["created"] += 1
        elif operation == "update":
            known["updated"].add((entity, record_uuid))
    table = sa.table("import_batch", *(sa.column(name) for name in (
        "batch", "at_utc", "actor", "file_name", "sha256", "sheet", "sheets", "profile", "mapping", "rows_read",
        "created", "updated", "rejected")))
    values = []
    for batch, known in batches.items():
        sheets = known["sheets"]
        distinct = sorted(set(sheets.values()))
        values.append({"batch": batch, "at_utc": known["at_utc"], "actor": known["actor"],
                       "file_name": known["file_name"], "sha256": known["sha256"],
                       "sheet": next(iter(sheets.values()), ""),
                       "sheets": json.dumps(sheets, ensure_ascii=False) if len(distinct) > 1 else None,
                       "profile": None, "mapping": None, "rows_read": None, "created": known["created"],
                       "updated": len(known["updated"]), "rejected": None})
    if values:
        op.bulk_insert(table, values)


def downgrade() -> None:
    for name in ("import_batch_no_update", "import_batch_no_delete", "import_batch_no_truncate", "import_batch_actor"):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" if op.get_bind().dialect.name == "sqlite"
                   else f"DROP TRIGGER IF EXISTS {name} ON import_batch")
    op.drop_table("import_batch")
