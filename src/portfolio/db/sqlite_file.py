"""The SQLite file without SQLAlchemy: its header, the SQL functions every connection knows, and a quick
read-only view of it.

Importing SQLAlchemy and mapping the ORM costs about 0.3 s. The window's first page of records needs
neither: it is read through a plain ``sqlite3`` connection (``QuickView``) while the full database
(``database.Database``) is opened just after the window is painted. Nothing here writes.
"""

from __future__ import annotations

import contextlib
import sqlite3
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from portfolio.domain.referential import fold

from .seal import seal_problem

if TYPE_CHECKING:  # (SQLAlchemy is not imported at run time: see above)
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

APPLICATION_ID = 0x5341534E  # "SASN" in the SQLite header's application_id field
SCHEMA_VERSION = 13  # user_version written by the newest migration (see migrations/versions)
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class FileHeader:
    """What the first 100 bytes of a file say about it."""

    is_sqlite: bool
    application_id: int
    user_version: int
    size: int


def read_header(path: Path) -> FileHeader:
    """Reads the SQLite header's magic string, user_version (offset 60) and application_id (offset 68)."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(100)
    if len(head) < 100 or not head.startswith(SQLITE_MAGIC):
        return FileHeader(False, 0, 0, size)
    user_version, = struct.unpack(">I", head[60:64])
    application_id, = struct.unpack(">I", head[68:72])
    return FileHeader(True, application_id, user_version, size)


def sql_fold(value: object) -> str | None:
    """``portfolio_fold(x)`` in SQL: domain.referential.fold, for sorting small tables accent-insensitively."""
    return None if value is None else fold(str(value))


def add_functions(connection: sqlite3.Connection) -> None:
    """The SQL functions our queries use (in queries only: no index or view depends on them, so other tools
    can still read and write the file)."""
    connection.create_function("portfolio_fold", 1, sql_fold, deterministic=True)


def raw_connection(source: Session | sqlite3.Connection) -> sqlite3.Connection:
    """The DB-API connection behind a read source: a ``sqlite3.Connection`` itself, or an SQLAlchemy
    session's connection (inside the session's transaction). Listing queries run on it directly: SQLAlchemy's
    result rows would cost as much as the queries."""
    if isinstance(source, sqlite3.Connection):
        return source
    from .pg_sql import PgConnection

    if isinstance(source, PgConnection):  # a server's, already wrapped (team mode)
        return source
    driver = source.connection().connection.driver_connection
    if driver is None:  # (never inside a session's transaction: its connection is open until the end)
        raise ValueError("the session's connection is closed")
    if not isinstance(driver, sqlite3.Connection):  # team mode: the same SQL, rewritten for PostgreSQL
        from .pg_sql import PgConnection  # (not db.postgres: it imports db.database, which imports this module)

        # PgConnection offers what the callers use of sqlite3's connection (execute, executemany, cursor, and
        # the cursor's fetchone, fetchall, iteration), not the whole of it: a duck, not a subclass
        return cast(sqlite3.Connection, PgConnection(driver))
    return driver


def sqlite_driver(connection: Connection) -> sqlite3.Connection:
    """The ``sqlite3`` connection under an SQLAlchemy connection to a file: for the migrations written before
    team mode, which only ever run on a file (a server's database starts at migrate.FIRST_SERVER_SCHEMA)."""
    driver = connection.connection.driver_connection
    if not isinstance(driver, sqlite3.Connection):
        raise TypeError(f"a file's migration run on {type(driver).__name__}")
    return driver


class QuickView:
    """A read-only view of a current portfolio file for the window's first paint: ``read()`` yields a plain
    ``sqlite3`` connection in one read transaction, where ``Database.read()`` yields a session."""

    readonly = True
    is_file = True

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._connection = connection

    @classmethod
    def open(cls, path: Path) -> QuickView | None:
        """The view, or None whenever the full opening must decide (a missing, foreign, older or newer file,
        one SQLite cannot read): that opening gives the reasons and the messages."""
        try:
            header = read_header(path)
            if not (header.is_sqlite and header.application_id == APPLICATION_ID
                    and header.user_version == SCHEMA_VERSION) or seal_problem(path):
                return None  # (a damaged file is never shown: the full opening offers to restore a backup)
            # resolved: a URI needs an absolute path (`make run` passes --db .demo/…)
            connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
        except (OSError, ValueError, sqlite3.Error):
            return None
        try:
            add_functions(connection)
            # the log may hold a newer schema than the header: the version SQLite sees must agree too
            if connection.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                connection.close()
                return None
        except sqlite3.Error:
            connection.close()
            return None
        return cls(path.resolve(), connection)

    @contextlib.contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """One consistent read of the file."""
        self._connection.execute("BEGIN")
        try:
            yield self._connection
        finally:
            self._connection.execute("ROLLBACK")

    def close(self) -> None:
        self._connection.close()
