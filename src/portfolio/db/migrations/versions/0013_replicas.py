"""Replicas (issue #22): this database's identity, the databases it syncs with (its origin, or its replicas) with how
far each trail has been taken, and the replicas' entries received. New tables and one identity row: no value of the
portfolio changes. On a team's server, the roles that write the records write these too, and those that read them
read these.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 17:00:00
"""

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None
user_version = 13  # PRAGMA user_version once this revision is applied

TABLES = ("portfolio_identity", "replica_peer", "replica_entry")


def upgrade() -> None:
    op.create_table(
        "portfolio_identity",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("created_utc", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("uuid"))
    op.create_table(
        "replica_peer",
        sa.Column("uuid", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("location", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("peer_seq", sa.Integer(), nullable=False),
        sa.Column("peer_hash", sa.String(length=64), nullable=False),
        sa.Column("sent_seq", sa.Integer(), nullable=False),
        sa.Column("want", sa.Text(), nullable=False),
        sa.Column("created_utc", sa.String(length=32), nullable=False),
        sa.Column("synced_utc", sa.String(length=32), nullable=True),
        sa.Column("signer", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("uuid"))
    op.create_table(
        "replica_entry",
        sa.Column("replica_uuid", sa.String(length=36), sa.ForeignKey("replica_peer.uuid"), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("replica_uuid", "seq"))
    # the database's identity, made once (a new team database gets its own at its first write: services.replicas)
    op.execute(sa.text("INSERT INTO portfolio_identity (uuid, created_utc) VALUES (:uuid, :at)").bindparams(
        uuid=str(uuid.uuid4()), at=datetime.now(UTC).isoformat(timespec="seconds")))
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":  # who writes the projects writes these; who reads them reads these
        for privilege, rights in (("UPDATE", "SELECT, INSERT, UPDATE, DELETE"), ("SELECT", "SELECT")):
            for (role,) in bind.exec_driver_sql(
                    "SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_name = "
                    f"'project' AND privilege_type = '{privilege}' AND grantee <> current_user"):
                op.execute(f'GRANT {rights} ON {", ".join(TABLES)} TO "{role}"')


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
