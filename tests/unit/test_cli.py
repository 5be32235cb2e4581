"""The command line: JSON on stdout and nothing else, one clear line on stderr and exit 1 on error."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from portfolio import __version__, cli

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    script = Path(sys.executable).with_name("portfolio")
    return subprocess.run([str(script), *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "demo.sqlite"
    result = run("demo", "--db", str(path), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)  # stdout is one JSON object and nothing else
    assert data["records"] > 10_000 and data["bytes"] == path.stat().st_size
    return path


def test_version() -> None:
    result = run("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"portfolio {__version__}"


def test_stats_json(demo_db: Path) -> None:
    result = run("stats", "--db", str(demo_db), "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["laureates"] == 350 and data["applicants"] >= 660 and data["regions"] == 18
    assert data["axes"] == 5 and data["actions"] == 32
    # money as decimal strings in euros, exact
    committed = sqlite3.connect(demo_db).execute("SELECT sum(grant_cents + advance_cents) FROM aid").fetchone()[0]
    assert data["committed"] == f"{committed // 100}.{committed % 100:02d}"
    assert data["counts"]["organisation"] == 1000


def test_stats_text_is_french(demo_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", str(demo_db), "stats"]) == 0  # --db before the command works too
    out = capsys.readouterr().out
    assert "Projets lauréats" in out and "350" in out
    assert "\u00a0€" in out  # 1 234 567 € with no-break spaces


def test_check_ok_then_detects_tampering(demo_db: Path, tmp_path: Path) -> None:
    result = run("check", "--db", str(demo_db), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ok"] is True

    tampered = tmp_path / "tampered.sqlite"
    tampered.write_bytes(demo_db.read_bytes())
    with sqlite3.connect(tampered) as connection:
        connection.execute("DROP TRIGGER audit_entry_no_update")
        connection.execute("UPDATE audit_entry SET actor = 'mallory' WHERE seq = 300")
    result = run("check", "--db", str(tampered))
    assert result.returncode == 1
    assert "n° 300" in result.stderr and "Traceback" not in result.stderr
    result = run("check", "--db", str(tampered), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["audit_chain"]["problems"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["demo"], "--db"),
        (["stats", "--db", "/nonexistent/folder/x.sqlite"], "n'existe pas"),
        (["frobnicate"], "frobnicate"),
        (["demo", "--db", "{tmp}/d.sqlite", "--scale", "0"], "échelle"),
        (["stats", "--db", "{tmp}/foreign.sqlite"], "autre application"),
        (["stats", "--db", "{tmp}"], "dossier"),
    ],
)
def test_errors_are_one_line_and_exit_1(args: list[str], expected: str, tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "foreign.sqlite") as connection:
        connection.execute("CREATE TABLE t (x)")
    result = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert result.returncode == 1
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0] and "Traceback" not in result.stderr


def test_unexpected_error_is_logged_not_shown(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    def boom(args: object) -> int:
        raise RuntimeError("kaboom")

    monkeypatch.setitem(cli.COMMANDS, "stats", boom)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert cli.main(["stats"]) == 1
    err = capsys.readouterr().err
    assert "erreur inattendue" in err and "kaboom" in err and "Traceback" not in err
    logs = list(tmp_path.rglob("erreurs.log"))
    assert logs and "Traceback" in logs[0].read_text()


def test_default_database_comes_from_environment(tmp_path: Path) -> None:
    target = tmp_path / "env.sqlite"
    result = run("demo", "--db", str(target))
    assert result.returncode == 0, result.stderr
    result = run("stats", "--json", env={"PORTFOLIO_DB": str(target)})
    assert result.returncode == 0 and json.loads(result.stdout)["laureates"] == 350


def test_a_damaged_file_gets_one_line_and_check_reports_it(demo_db: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(demo_db.read_bytes())
    page = 4096
    for number in range(10, 30):  # overwrite 20 pages in the middle of the file
        data[number * page:(number + 1) * page] = b"\xff" * page
    damaged.write_bytes(bytes(data))
    before = damaged.read_bytes()
    result = run("stats", "--db", str(damaged))
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "endommagée" in result.stderr
    result = run("check", "--db", str(damaged), "--json")
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["problems"]
    assert damaged.read_bytes() == before  # checked, never written


def test_check_never_writes_and_refuses_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    empty.write_bytes(b"")
    result = run("check", "--db", str(empty))
    assert result.returncode == 1 and "vide" in result.stderr
    assert empty.read_bytes() == b""


def test_a_foreign_file_with_its_tables_still_in_the_wal_is_refused(tmp_path: Path) -> None:
    foreign = tmp_path / "other.sqlite"
    holder = sqlite3.connect(foreign)
    holder.execute("PRAGMA journal_mode = WAL")
    holder.execute("CREATE TABLE invoices (x)")
    holder.commit()  # the table lives in other.sqlite-wal while the other program keeps the file open
    try:
        result = run("stats", "--db", str(foreign))
        assert result.returncode == 1 and "autre application" in result.stderr
        assert holder.execute("PRAGMA application_id").fetchone()[0] == 0
        assert not (tmp_path / "other.sauvegardes").exists()
    finally:
        holder.close()
