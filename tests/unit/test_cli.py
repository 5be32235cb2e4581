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
