"""The audit trail's signed heads (issue #18): each time the application seals a file it signs the trail's head
(sequence number and hash) with the officer's Ed25519 key, and on a team's server its administrator signs it with
a key only they hold; the signatures are kept here, append-only like the trail, so that a chain rewritten by
whoever can write the database cannot be signed again, and a tail cut after a signed head shows.

An agency's workbook carries its export's fingerprint (``export_batch.fingerprint``: a SHA-256 of the number, the
recipient, the selection and every value sent), so that a workbook carrying another export's number is refused.

On a server, the trail (and this table) also refuse TRUNCATE, which row triggers do not see, and each new entry
must name as its actor the role that writes it (``session_user``): an officer who can write the trail with their
own login cannot write an entry in a colleague's name.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None
user_version = 9  # PRAGMA user_version once this revision is applied

SQLITE_TRIGGERS = (
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only: signed heads cannot be changed'); END",
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
    "BEGIN SELECT RAISE(ABORT, 'audit_checkpoint is append-only: signed heads cannot be deleted'); END",
)
SERVER_TRIGGERS = (
    "CREATE OR REPLACE FUNCTION audit_entry_actor() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.actor IS DISTINCT FROM session_user THEN RAISE EXCEPTION 'audit_entry: the actor must be the role that "
    "writes it (%)', session_user; END IF; RETURN NEW; END $$",
    "CREATE TRIGGER audit_entry_actor BEFORE INSERT ON audit_entry FOR EACH ROW EXECUTE FUNCTION audit_entry_actor()",
    "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint "
    "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
    "CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only()",
)


def upgrade() -> None:
    op.create_table(
        "audit_checkpoint",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("signed_utc", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("signer", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_checkpoint_seq", "audit_checkpoint", ["seq"])
    op.add_column("export_batch", sa.Column("fingerprint", sa.String(length=64), nullable=True))
    for statement in SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else SERVER_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    names = ("audit_checkpoint_no_update", "audit_checkpoint_no_delete")
    if op.get_bind().dialect.name == "sqlite":
        for name in names:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_entry")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_actor ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_actor()")
    op.execute("ALTER TABLE export_batch DROP COLUMN fingerprint")
    op.drop_index("ix_audit_checkpoint_seq", table_name="audit_checkpoint")
    op.drop_table("audit_checkpoint")
