"""Runs the Alembic migrations on an engine, inside one write transaction."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from .sqlite_file import APPLICATION_ID, SCHEMA_VERSION

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    """Alembic's configuration, built in code so the migrations work from an installed or frozen app."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration's revision id."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


# the first schema a team database on PostgreSQL was created at (issue #9); from it on, a server's database is
# upgraded by the same migrations as a file
FIRST_SERVER_SCHEMA = 7


def run_migrations(connection: Connection) -> None:
    """Runs every migration not yet applied, on ``connection`` and in its transaction (SQLite or PostgreSQL)."""
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def upgrade(engine: Engine) -> None:
    """Brings the schema to the newest version, then stamps application_id and user_version, all in one
    BEGIN IMMEDIATE transaction: a failed migration leaves the file as it was."""
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as connection:
        run_migrations(connection)
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.exec_driver_sql(f"PRAGMA user_version = {SCHEMA_VERSION}")
