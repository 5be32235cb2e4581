"""The few pieces of SQL that SQLite and PostgreSQL spell differently, written once here and named (issue #20).

The services write their queries once, in SQL both engines understand: dates read as text through
``CAST(x AS TEXT)`` (a no-op on a file, ISO text on a server, whose sessions use the ISO date style), sorts
with an explicit ``NULLS FIRST`` or ``NULLS LAST`` where a value may be empty (``sort_term``), and these helpers
for the rest. Nothing rewrites a query on its way to the server but its parameter marks (db.pg_sql), so what the
tests run on a file is the query a server runs.

No SQLAlchemy here: the window's first paint builds listing queries with it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any


class Dialect:
    """SQLite's spelling (a portfolio file); ``POSTGRESQL`` overrides what a server spells otherwise."""

    name = "sqlite"

    def in_list(self, parameter: str) -> str:
        """``IN`` the list held by the named parameter (its value made by ``list_value``): any length, one
        parameter, where ``IN (?, ?, …)`` stops at SQLite's limit on parameters."""
        return f"IN (SELECT value FROM json_each(:{parameter}))"

    def list_value(self, values: Iterable[Any]) -> Any:
        """The value of an ``in_list`` parameter: JSON text for SQLite's ``json_each``."""
        return json.dumps(list(values))

    def days_between(self, later: str, earlier: str) -> str:
        """Whole days from the date ``earlier`` to the date ``later`` (two column expressions)."""
        return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"

    def position(self, needle: str, haystack: str) -> str:
        """Where ``needle`` first occurs in ``haystack`` (1-based; 0: nowhere)."""
        return f"instr({haystack}, {needle})"

    def latest(self, first: str, second: str) -> str:
        """The later of two dates (or the one there is; empty when neither is)."""
        return f"max(coalesce({first}, {second}), coalesce({second}, {first}))"

    def unindexed(self, expression: str) -> str:
        """``expression`` marked so that SQLite does not walk an index to sort by it (``+``): with a filter, sorting
        what the filter keeps is faster than looking every row of the index up. A server plans on its own."""
        return f"+({expression})"

    def indexed(self, table: str, index: str) -> str:
        """``table`` (with its alias) read through ``index``: SQLite, without statistics, may prefer another (a
        partial index's condition looks less selective to it than an equality on a plain index's column)."""
        return f"{table} INDEXED BY {index}"


class _PostgreSQL(Dialect):
    name = "postgresql"

    def in_list(self, parameter: str) -> str:
        return f"= ANY(:{parameter})"

    def list_value(self, values: Iterable[Any]) -> Any:
        return list(values)  # psycopg sends a list as an array

    def days_between(self, later: str, earlier: str) -> str:
        return f"({later} - {earlier})"  # date - date is a whole number of days

    def position(self, needle: str, haystack: str) -> str:
        return f"strpos({haystack}, {needle})"

    def latest(self, first: str, second: str) -> str:
        return f"GREATEST({first}, {second})"  # (NULLs aside)

    def unindexed(self, expression: str) -> str:
        return f"({expression})"

    def indexed(self, table: str, index: str) -> str:
        return table


SQLITE = Dialect()
POSTGRESQL = _PostgreSQL()


def dialect_of(connection: Any) -> Dialect:
    """The dialect of a raw connection or cursor (``sqlite_file.raw_connection``): a server's is db.pg_sql's."""
    from .pg_sql import PgConnection, PgCursor  # (plain classes: neither psycopg nor SQLAlchemy is imported)

    return POSTGRESQL if isinstance(connection, PgConnection | PgCursor) else SQLITE


def sort_term(expression: str, descending: bool = False) -> str:
    """``expression`` as an ORDER BY term, empty values first going up and last going down (SQLite's own order,
    which a server follows only when told): the same order on a file and on a server."""
    return f"{expression} DESC NULLS LAST" if descending else f"{expression} NULLS FIRST"
