"""Where a portfolio lives: a file (SQLite, the default) or a shared PostgreSQL server (team mode). Told apart
here without importing a database library: the window's first paint must not wait for SQLAlchemy."""

from __future__ import annotations

URL_PREFIXES = ("postgresql://", "postgresql+psycopg://", "postgres://")


def is_url(target: object) -> bool:
    """True for a PostgreSQL URL (team mode), False for a file path."""
    return isinstance(target, str) and target.startswith(URL_PREFIXES)
