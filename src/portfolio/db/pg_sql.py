"""The code's SQL on a PostgreSQL server (team mode, see db.postgres), behind a connection that offers what the
callers use of ``sqlite3``'s: the same SQL as on a file (written once, with db.dialect's helpers where the engines
differ), only its parameter marks (``?``, ``:name``) spelled as psycopg wants them.

Apart from db.postgres (which opens the server) so that ``sqlite_file.raw_connection`` can wrap a session's
psycopg connection without importing the opening, which imports the database module that imports sqlite_file:
no circle. Neither SQLAlchemy nor psycopg is imported here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import psycopg

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|:[A-Za-z_]\w*|\?|%|[^'\"?:%]+|.", re.S)


def translate(sql: str) -> str:
    """The code's SQL with psycopg's parameter marks: ``?`` becomes ``%s``, ``:name`` becomes ``%(name)s`` and a
    literal ``%`` is doubled. Nothing else changes: what differs between the engines is written once, by name,
    in db.dialect, so the query a server runs is the one the tests run on a file."""
    out = []
    for token in _TOKENS.findall(sql):
        if token == "?":
            out.append("%s")
        elif token.startswith(":") and token != "::":
            out.append(f"%({token[1:]})s")
        elif token.startswith("'"):
            out.append(token.replace("%", "%%"))
        elif token == "%":
            out.append("%%")
        else:
            out.append(token)
    return "".join(out)


# what sqlite3 takes beside a statement: values by position (``?``) or by name (``:name``), or none
Parameters: TypeAlias = "Sequence[Any] | Mapping[str, Any] | None"


def _parameters(parameters: Parameters) -> tuple[Any, ...] | dict[str, Any]:
    if isinstance(parameters, Mapping):
        return dict(parameters)
    return tuple(parameters) if parameters is not None else ()


class PgCursor:
    """A psycopg cursor taking the code's parameter marks (see ``translate``)."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, parameters: Parameters = ()) -> PgCursor:
        self._cursor.execute(translate(sql), _parameters(parameters))  # (never None: '%%' must become '%')
        return self

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> PgCursor:
        self._cursor.executemany(translate(sql), [_parameters(r) for r in rows])
        return self

    def fetchone(self) -> Any:
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cursor)

    def close(self) -> None:
        self._cursor.close()


class PgConnection:
    """The psycopg connection of a session, with ``execute`` as sqlite3's connection has it."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection

    def cursor(self) -> PgCursor:
        return PgCursor(self._connection.cursor())

    def execute(self, sql: str, parameters: Parameters = ()) -> PgCursor:
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> PgCursor:
        return self.cursor().executemany(sql, rows)
