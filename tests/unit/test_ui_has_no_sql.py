"""The window runs no SQL of its own (issue #20): every read and write goes through the core's functions.

The import-linter contract "The UI runs no SQL" forbids ``sqlalchemy`` and ``portfolio.db.sqlite_file`` in
``portfolio.ui`` (the quick first paint excepted); this test catches what the linter cannot see: SQL text in
string literals, and statements run on a connection or a session whatever its type (``.execute(``,
``exec_driver_sql``, ``executemany``, ``executescript``)."""

from __future__ import annotations

import io
import re
import tokenize
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "src" / "portfolio" / "ui"
SQL_TEXT = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b\s+.*\b(FROM|INTO|SET)\b|\bCREATE\s+(TABLE|INDEX)\b"
                      r"|\bPRAGMA\s+\w", re.DOTALL)
RUNNERS = {"execute", "executemany", "executescript", "exec_driver_sql"}  # called as methods
RAW = {"raw_connection", "sqlite3", "sqlalchemy"}  # named anywhere in the code


def strings(tokens: list[tokenize.TokenInfo]) -> list[tuple[int, str]]:
    """(line, text) of every string literal; adjacent literals (one string split over lines) joined."""
    found: list[tuple[int, str]] = []
    joined = False  # the last token that counts was a string: a string now continues it
    for token in tokens:
        if token.type in (tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT):
            continue
        if token.type == tokenize.STRING:
            if joined:
                found[-1] = (found[-1][0], found[-1][1] + " " + token.string)
            else:
                found.append((token.start[0], token.string))
        joined = token.type == tokenize.STRING
    return found


def runs_sql(tokens: list[tokenize.TokenInfo], allowed: frozenset[str]) -> list[int]:
    """The lines that call ``.execute(`` (and its kin) on anything, or name a raw connection, sqlite3 or SQLAlchemy
    (but those in ``allowed``)."""
    code = [t for t in tokens if t.type in (tokenize.NAME, tokenize.OP)]
    lines = [t.start[0] for t in code if t.type == tokenize.NAME and t.string in RAW - allowed]
    lines += [name.start[0] for dot, name, call in zip(code, code[1:], code[2:], strict=False)
              if dot.string == "." and name.string in RUNNERS and call.string == "("]
    return sorted(set(lines))


def sql_in(path: Path, name: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """Where the file holds SQL text or runs SQL, as "name:line: what"; ``allowed``: the names of RAW it may use."""
    source = path.read_text(encoding="utf-8")
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines()
    problems = [f"{name}:{line}: SQL text {text[:100]}" for line, text in strings(tokens) if SQL_TEXT.search(text)]
    problems += [f"{name}:{line}: SQL access: {lines[line - 1].strip()[:100]}" for line in runs_sql(tokens, allowed)]
    return problems


# the quick first paint (a plain sqlite3 view of the file, before SQLAlchemy is loaded), named in the contract too
FIRST_PAINT = {"app.py": frozenset({"sqlite3"})}


def test_no_file_of_the_ui_holds_sql() -> None:
    files = sorted(UI.rglob("*.py"))
    assert len(files) > 20, UI
    problems = [problem for path in files
                for problem in sql_in(path, path.relative_to(UI.parents[2]).as_posix(),
                                      FIRST_PAINT.get(path.relative_to(UI).as_posix(), frozenset()))]
    assert not problems, "SQL belongs in the core (services/, exchange/), not in the UI:\n" + "\n".join(problems)


def test_the_check_sees_sql_split_over_lines_and_run_on_a_connection(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('rows = connection.execute("SELECT id "\n'
                      '                          "FROM region WHERE code = ?", (code,))\n'
                      'label = tr("Sélectionner les fiches à mettre à jour")\n'
                      'import sqlite3\n'
                      'dialog.exec()\n', encoding="utf-8")
    found = ["ui/sample.py:1: SQL text " + '"SELECT id " "FROM region WHERE code = ?"',
             "ui/sample.py:1: SQL access: " + 'rows = connection.execute("SELECT id "']
    assert sql_in(sample, "ui/sample.py") == [*found, "ui/sample.py:4: SQL access: import sqlite3"]
    assert sql_in(sample, "ui/sample.py", frozenset({"sqlite3"})) == found  # the first paint's own module
