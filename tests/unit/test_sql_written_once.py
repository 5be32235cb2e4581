"""SQL written once (issue #20): the code's queries are the same text on a portfolio file and on a team's server;
what the engines spell differently is named in db.dialect, and nothing rewrites a query on its way to the server
but its parameter marks."""

from __future__ import annotations

import re
import tokenize
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portfolio.db import pg_sql
from portfolio.db.dialect import POSTGRESQL, SQLITE, Dialect, dialect_of, sort_term
from portfolio.db.sqlite_file import raw_connection
from portfolio.services.portfolio import open_portfolio

SOURCE = Path(__file__).resolve().parents[2] / "src" / "portfolio"
# one engine's own spellings: each has its name in db.dialect, and appears nowhere else in the code's SQL
ENGINE_ONLY = re.compile(r"\b(json_each|julianday|instr|char|strpos|chr)\(|= ANY\(", re.I)


def test_no_engine_s_own_spelling_outside_the_dialect_module() -> None:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.name == "dialect.py" and path.parent.name == "db":
            continue
        with path.open("rb") as source:  # the code's text literals: where its SQL is
            literals = [t for t in tokenize.tokenize(source.readline) if t.type == tokenize.STRING]
        found += [f"{path.relative_to(SOURCE)}:{t.start[0]}: {t.string}"
                  for t in literals if ENGINE_ONLY.search(t.string)]
    assert found == [], "use db.dialect's helpers:\n" + "\n".join(found)


def test_the_server_gets_the_same_sql_with_psycopg_s_parameter_marks_only() -> None:
    sql = ("SELECT a, '50 %' FROM t WHERE b = ? AND c = :c AND d LIKE 'x%' AND e::text = ? "
           "AND f IN (SELECT value FROM json_each(:ids)) ORDER BY g")
    assert pg_sql.translate(sql) == (
        "SELECT a, '50 %%' FROM t WHERE b = %s AND c = %(c)s AND d LIKE 'x%%' AND e::text = %s "
        "AND f IN (SELECT value FROM json_each(%(ids)s)) ORDER BY g")  # (no function, no clause rewritten)


@pytest.fixture(params=["sqlite", "postgresql"])
def connection(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """A raw connection (``raw_connection``) to an empty portfolio: a file, then the test server."""
    if request.param == "sqlite":
        db = open_portfolio(tmp_path / "vide.sqlite")
    else:
        db = open_portfolio(request.getfixturevalue("postgres").database())
    try:
        with db.read() as session:
            yield raw_connection(session)
    finally:
        db.close()


def _one(connection: Any, sql: str, parameters: dict[str, Any] | None = None) -> Any:
    return connection.execute(sql, parameters or {}).fetchone()[0]


def test_each_helper_gives_the_same_answer_on_both_engines(connection: Any) -> None:
    dialect = dialect_of(connection)
    assert dialect is (POSTGRESQL if type(connection).__name__ == "PgConnection" else SQLITE)
    # whole days between two dates, across a leap day (a file holds dates as text, a server as dates)
    days = dialect.days_between("CAST(:later AS DATE)", "CAST(:earlier AS DATE)") if dialect is POSTGRESQL \
        else dialect.days_between(":later", ":earlier")
    assert _one(connection, f"SELECT {days}", {"later": "2028-03-01", "earlier": "2028-02-01"}) == 29
    position = dialect.position("',' || :needle || ','", ":ranking")
    assert _one(connection, f"SELECT {position}", {"needle": "12", "ranking": ",7,3,12,"}) == 5
    assert _one(connection, f"SELECT {position}", {"needle": "4", "ranking": ",7,3,12,"}) == 0
    # a list of any length in one parameter (SQLite stops at 32,766 parameters)
    listed = dialect.in_list("ids")
    count = f"SELECT count(*) FROM (SELECT 1 AS n UNION SELECT 40000 UNION SELECT 7) t WHERE n {listed}"  # (even ids)
    assert _one(connection, count, {"ids": dialect.list_value(range(2, 80_001, 2))}) == 1
    words = f"SELECT count(*) FROM (SELECT 'à' AS w UNION SELECT 'b') t WHERE w {listed}"
    assert _one(connection, words, {"ids": dialect.list_value(["à", "c"])}) == 1
    assert _one(connection, f"SELECT {dialect.unindexed('1 + 1')}") == 2
    # the later of two dates, or the one there is
    day = "CAST(:{} AS DATE)" if dialect is POSTGRESQL else ":{}"
    for a, b, later in (("2026-01-02", "2025-12-31", "2026-01-02"), (None, "2025-12-31", "2025-12-31"),
                        ("2026-01-02", None, "2026-01-02"), (None, None, None)):
        found = _one(connection, f"SELECT CAST({dialect.latest(day.format('a'), day.format('b'))} AS TEXT)",
                     {"a": a, "b": b})
        assert found == later, (a, b, found)
    from portfolio.db.models import UNPAID_TRANCHES  # (a partial index of migration 0011, there on both engines)

    unpaid = f"SELECT count(*) FROM {dialect.indexed('disbursement d', UNPAID_TRANCHES)} WHERE d.paid_on IS NULL"
    assert _one(connection, unpaid) == 0


def test_sorted_terms_put_empty_values_first_going_up_and_last_going_down(connection: Any) -> None:
    values = "(SELECT 2 AS v UNION ALL SELECT NULL UNION ALL SELECT 1) t"
    up = [r[0] for r in connection.execute(f"SELECT v FROM {values} ORDER BY {sort_term('v')}").fetchall()]
    down = [r[0] for r in connection.execute(f"SELECT v FROM {values} ORDER BY {sort_term('v', True)}").fetchall()]
    assert (up, down) == ([None, 1, 2], [2, 1, None])


def test_a_date_read_as_text_is_iso_on_both_engines(connection: Any) -> None:
    """``CAST(x AS TEXT)`` reads a date as a file stores it, whatever the server's default date style (each of our
    sessions sets its own on connecting: db.postgres)."""
    if dialect_of(connection) is POSTGRESQL:
        assert _one(connection, "SHOW DateStyle").startswith("ISO")
        cast = "CAST(CAST(:day AS DATE) AS TEXT)"
    else:
        cast = "CAST(:day AS TEXT)"
    assert _one(connection, f"SELECT substr({cast}, 1, 7)", {"day": date(2026, 11, 28).isoformat()}) == "2026-11"


def test_the_two_dialects_differ_only_where_named() -> None:
    named = {name for name in vars(Dialect) if not name.startswith("_") and callable(getattr(Dialect, name))}
    assert named == {"in_list", "list_value", "days_between", "position", "latest", "unindexed", "indexed"}
    for name in named:
        assert getattr(type(POSTGRESQL), name) is not getattr(Dialect, name), name
