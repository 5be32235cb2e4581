"""The code's SQL on a PostgreSQL server (team mode, see db.postgres): the SQLite dialect the services write
(``?`` and ``:name`` parameters, ``instr``, ``json_each`` lists, ``julianday``) rewritten for PostgreSQL on the way,
behind a connection that offers what the callers use of ``sqlite3``'s.

Apart from db.postgres (which opens the server) so that ``sqlite_file.raw_connection`` can wrap a session's
psycopg connection without importing the opening, which imports the database module that imports sqlite_file:
no circle. Neither SQLAlchemy nor psycopg is imported here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    import psycopg

_TOKENS = re.compile(r"'(?:[^']|'')*'|\"[^\"]*\"|::|:[A-Za-z_]\w*|\?|%|[^'\"?:%]+|.", re.S)
_JSON_LIST = re.compile(r"IN \(SELECT value FROM json_each\(:(\w+)\)\)")
_DAYS = re.compile(r"CAST\(julianday\(([\w.]+)\) - julianday\(([\w.]+)\) AS INTEGER\)")
_INSTR = re.compile(r"\binstr\(")
_CHAR = re.compile(r"\bchar\((\d+)\)")
_UNARY_PLUS = re.compile(r"(ORDER BY |, )\+\(")  # SQLite's "do not walk this index" mark, in a sort
_SUBSTR = re.compile(r"\bsubstr\(([\w.]+),")  # SQLite's dates are text; the server's are dates


def translate(sql: str) -> tuple[str, set[str]]:
    """SQLite's SQL as written in the code -> PostgreSQL's with psycopg's placeholders; also the names of the
    parameters that hold a JSON list (``IN (SELECT value FROM json_each(:x))`` becomes ``= ANY(%(x)s)``)."""
    lists = set(_JSON_LIST.findall(sql))
    sql = _JSON_LIST.sub(r"= ANY(:\1)", sql)
    sql = _DAYS.sub(r"(\1 - \2)", sql)
    sql = _INSTR.sub("strpos(", sql)
    sql = _CHAR.sub(r"chr(\1)", sql)
    sql = _UNARY_PLUS.sub(r"\1(", sql)
    sql = _nulls_as_sqlite(sql)
    sql = _SUBSTR.sub(r"substr(CAST(\1 AS TEXT),", sql)
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
    return "".join(out), lists


_ORDER_BY = re.compile(r"\bORDER BY\b", re.I)
_CLAUSE_END = re.compile(r"\s(LIMIT|OFFSET)\b", re.I)
_DESCENDING = re.compile(r"\sDESC\s*$", re.I)


def _nulls_as_sqlite(sql: str) -> str:
    """SQLite sorts empty values first going up and last going down; PostgreSQL the other way: each ORDER BY
    term gets the NULLS clause that makes the server sort as SQLite (the lists' empty values first)."""
    out, position = [], 0
    for match in _ORDER_BY.finditer(sql):
        if match.start() < position:
            continue
        start = match.end()
        depth, end = 0, len(sql)
        index = start
        while index < len(sql):
            char = sql[index]
            if char == "'":
                index = sql.index("'", index + 1) if "'" in sql[index + 1:] else len(sql)
            elif char == "(":
                depth += 1
            elif char == ")":
                if depth == 0:
                    end = index
                    break
                depth -= 1
            elif depth == 0 and _CLAUSE_END.match(sql, index):
                end = index
                break
            index += 1
        terms, depth, begun, quoted = [], 0, start, False
        for index in range(start, end):
            char = sql[index]
            if char == "'":
                quoted = not quoted  # ('' inside a literal flips twice)
            elif quoted:
                continue
            elif char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
            elif char == "," and depth == 0:
                terms.append(sql[begun:index])
                begun = index + 1
        terms.append(sql[begun:end])
        ordered = [t.rstrip() + (" NULLS LAST" if _DESCENDING.search(t) else " NULLS FIRST")
                   if "NULLS" not in t.upper() else t.rstrip() for t in terms]
        out.append(sql[position:start] + ",".join(ordered) + (" " if end < len(sql) else ""))
        position = end
    out.append(sql[position:])
    return "".join(out)


# what sqlite3 takes beside a statement: values by position (``?``) or by name (``:name``), or none
Parameters: TypeAlias = "Sequence[Any] | Mapping[str, Any] | None"


def _parameters(parameters: Parameters, lists: set[str]) -> tuple[Any, ...] | dict[str, Any]:
    if isinstance(parameters, Mapping):
        return {k: json.loads(v) if k in lists and isinstance(v, str) else v for k, v in parameters.items()}
    return tuple(parameters) if parameters is not None else ()


class PgCursor:
    """A psycopg cursor speaking the code's SQLite SQL (see ``translate``)."""

    def __init__(self, cursor: psycopg.Cursor[Any]) -> None:
        self._cursor = cursor

    def execute(self, sql: str, parameters: Parameters = ()) -> PgCursor:
        query, lists = translate(sql)
        self._cursor.execute(query, _parameters(parameters, lists))  # (never None: '%%' must become '%')
        return self

    def executemany(self, sql: str, rows: Iterable[Parameters]) -> PgCursor:
        query, lists = translate(sql)
        self._cursor.executemany(query, [_parameters(r, lists) for r in rows])
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
