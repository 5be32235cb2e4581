"""Alembic environment: migrations run on the connection given by portfolio.db.migrate."""

from __future__ import annotations

from alembic import context

from portfolio.db.models import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when a developer runs the alembic command by hand
    raise SystemExit("Run migrations through the application (portfolio.db.migrate), not the alembic command.")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite alters tables by copying them
    transaction_per_migration=False,
)
context.run_migrations()
