"""Files holding personal data are readable by their owner only (issue #18, item 7): the probe found the
database, its -wal/-shm, snapshots, `--personal` and GDPR workbooks, the settings and the error log created
0644, readable by any other user of the machine. Each command runs in its own process under the usual umask
(022), as a user's would."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def portfolio(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PORTFOLIO_CONFIG_DIR": str(tmp_path / "config"), "PORTFOLIO_KEYS_DIR": str(tmp_path / "cles"),
           "QT_QPA_PLATFORM": "offscreen", "XDG_STATE_HOME": str(tmp_path / "etat"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022); from portfolio.launcher import "
                           "main; sys.exit(main(sys.argv[1:]))", *args], capture_output=True, text=True, env=env,
                          check=False, timeout=300)
    return done


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_every_file_written_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    assert portfolio(tmp_path, "demo", "--db", str(db)).returncode == 0
    with sqlite3.connect(db) as connection:
        email = connection.execute("SELECT email FROM contact WHERE email <> '' LIMIT 1").fetchone()[0]
    written = {
        "the database": db,
        "a snapshot": tmp_path / "instantane.sqlite",
        "the agency workbook with contacts": tmp_path / "agence.xlsx",
        "the GDPR workbook": tmp_path / "rgpd.xlsx",
        "the KPI workbook": tmp_path / "indicateurs.xlsx",
        "the SCDL file": tmp_path / "scdl.csv",
        "the report": tmp_path / "rapport.pdf",
        "the settings": tmp_path / "config" / "reglages.json",
    }
    for args in (["snapshot", str(written["a snapshot"]), "--db", str(db)],
                 ["export", str(written["the agency workbook with contacts"]), "--personal", "--db", str(db)],
                 ["gdpr", "export", "--email", email, "-o", str(written["the GDPR workbook"]), "--db", str(db)],
                 ["kpi", "--xlsx", str(written["the KPI workbook"]), "--db", str(db)],
                 ["export", str(written["the SCDL file"]), "--format", "scdl", "--db", str(db)],
                 ["report", str(written["the report"]), "--db", str(db)],
                 ["backups", "--keep", "5", "--db", str(db)]):
        done = portfolio(tmp_path, *args)
        assert done.returncode == 0, done.stderr
    for what, path in written.items():
        assert mode(path) == 0o600, f"{what}: {oct(mode(path))}"
    for backup in (db.parent / f"{db.name}.sauvegardes").iterdir():
        assert mode(backup) & 0o077 == 0, backup.name


def test_the_write_ahead_log_and_shared_memory_are_the_owners_only(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    assert portfolio(tmp_path, "demo", "--db", str(db)).returncode == 0
    # a second program holds the file open: its -wal and -shm exist while the command runs
    holder = subprocess.Popen([sys.executable, "-c", "import sqlite3, sys, time; c = sqlite3.connect(sys.argv[1]); "
                               "c.execute('PRAGMA journal_mode=WAL'); c.execute('SELECT count(*) FROM organisation')"
                               ".fetchall(); print('ok', flush=True); time.sleep(30)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ok"
        assert portfolio(tmp_path, "import", "--history", "--db", str(db)).returncode == 0
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{db}{suffix}")) == 0o600, suffix
    finally:
        holder.kill()
        holder.wait()


def test_a_database_made_readable_by_others_is_made_the_owners_again(tmp_path: Path) -> None:
    db = tmp_path / "ancienne.sqlite"
    assert portfolio(tmp_path, "demo", "--db", str(db)).returncode == 0
    db.chmod(0o644)  # as the versions before this one created it
    assert portfolio(tmp_path, "stats", "--db", str(db)).returncode == 0
    assert mode(db) == 0o600


def test_the_error_log_is_the_owners_only(tmp_path: Path) -> None:
    # an unexpected error's details go to the log: they may quote a value
    done = subprocess.run([sys.executable, "-c", "import os, sys; os.umask(0o022)\n"
                           "from portfolio import cli\n"
                           "def boom(args): raise RuntimeError('valeur personnelle')\n"
                           "cli.COMMANDS['stats'] = boom\n"
                           "sys.exit(cli.main(['stats', '--db', sys.argv[1]]))", str(tmp_path / "x.sqlite")],
                          capture_output=True, text=True, env={**os.environ, "XDG_STATE_HOME": str(tmp_path / "etat"),
                                                               "XDG_CACHE_HOME": str(tmp_path / "cache")},
                          check=False)
    assert done.returncode == 1 and "erreur inattendue" in done.stderr
    logs = list(tmp_path.rglob("erreurs.log"))
    assert logs and all(mode(log) == 0o600 for log in logs), done.stderr
