"""No command writes over the database, its companions, its backups or its seal (issue #18, item 1): the probe
was `portfolio export X --db X`, which replaced the database with a workbook and exited 0. Every command that
writes a file is aimed at each protected file; each must refuse with exit code 1 and a message naming what the
file is, leaving the database, its seal and its backups as they were."""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.data_files import data_file

from portfolio import launcher
from portfolio.db.seal import backups_dir, seal_path
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

CHORUS = str(data_file("realworld/chorus_INF-BUD-53_paiements_extrait.csv"))


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("protected") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "dossier"
    folder.mkdir()
    path = folder / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    with open_portfolio(path):
        pass  # closed by the application: sealed, with its backups folder
    (backups_dir(path) / "demo.20261206T000000000000Z.manuelle.sqlite").write_bytes(path.read_bytes())
    return path


def email(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("SELECT email FROM contact WHERE email <> '' LIMIT 1").fetchone()[0])


def state(path: Path) -> dict[str, str]:
    """Every file of the database's folder, with its SHA-256 (the database, its seal, its backups; not the
    shared memory and empty log a read-only opening leaves, which hold no data)."""
    return {str(p.relative_to(path.parent)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(path.parent.rglob("*")) if p.is_file()
            and not p.name.endswith("-shm") and not (p.name.endswith("-wal") and p.stat().st_size == 0)}


COMMANDS: dict[str, Callable[[Path, Path], list[str]]] = {
    "export (agency workbook)": lambda db, out: ["export", str(out), "--db", str(db)],
    "export --format scdl": lambda db, out: ["export", str(out), "--db", str(db), "--format", "scdl"],
    "export --format 360giving": lambda db, out: ["export", str(out), "--db", str(db), "--format", "360giving"],
    "export --format france2030": lambda db, out: ["export", str(out), "--db", str(db), "--format", "france2030"],
    "kpi --xlsx": lambda db, out: ["kpi", "--db", str(db), "--xlsx", str(out)],
    "report": lambda db, out: ["report", str(out), "--db", str(db)],
    "gdpr export -o": lambda db, out: ["gdpr", "export", "--db", str(db), "--email", email(db), "-o", str(out)],
    "import --rejected": lambda db, out: ["import", CHORUS, "--db", str(db), "--dry-run", "--rejected", str(out)],
    "snapshot": lambda db, out: ["snapshot", str(out), "--db", str(db)],
}

TARGETS: dict[str, Callable[[Path], Path]] = {
    "the database": lambda db: db,
    "its write-ahead log": lambda db: Path(f"{db}-wal"),
    "its shared memory": lambda db: Path(f"{db}-shm"),
    "its rollback journal": lambda db: Path(f"{db}-journal"),
    "its seal": seal_path,
    "one of its backups": lambda db: next(backups_dir(db).glob("*.sqlite")),
    "a new file in its backups folder": lambda db: backups_dir(db) / "export.xlsx",
    "its name in capitals (a case-insensitive disk)": lambda db: db.with_name(db.name.upper()),
    "its path through ..": lambda db: db.parent / "sous-dossier" / ".." / db.name,
}


def _link(db: Path) -> Path:
    link = db.parent.parent / "lien.sqlite"
    link.symlink_to(db)
    return link


def _hard_link(db: Path) -> Path:
    link = db.parent.parent / "lien-dur.sqlite"
    os.link(db, link)
    return link


def _other_portfolio(db: Path) -> Path:
    other = db.parent.parent / "autre.sqlite"
    shutil.copyfile(db, other)  # a portfolio this process never opened: known by its header
    return other


MADE: dict[str, Callable[[Path], Path]] = {
    "a symbolic link to it": _link,
    "a hard link to it": _hard_link,
    "another portfolio": _other_portfolio,
}


def refused(capsys: pytest.CaptureFixture[str], args: list[str]) -> str:
    code = launcher.main(args)
    err = capsys.readouterr().err
    assert code == 1, err
    assert "Traceback" not in err and "erreur inattendue" not in err
    return err


@pytest.mark.parametrize("target", list(TARGETS) + list(MADE))
def test_every_protected_file_is_refused(target: str, demo: Path, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    out = MADE[target](demo) if target in MADE else TARGETS[target](demo)
    before, outside = state(demo), out.read_bytes() if out.is_file() else None
    err = refused(capsys, COMMANDS["kpi --xlsx"](demo, out))
    assert "jamais remplacée" in err or "dossier des sauvegardes" in err, err
    assert state(demo) == before
    assert (out.read_bytes() if out.is_file() else None) == outside
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("target", ["the database", "its write-ahead log", "its seal"])
def test_every_command_that_writes_refuses_the_database_and_its_companions(
        command: str, target: str, demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = TARGETS[target](demo)
    before = state(demo)
    err = refused(capsys, COMMANDS[command](demo, out))
    assert "jamais remplacée" in err or "dossier des sauvegardes" in err or "remplacer la base" in err, err
    assert state(demo) == before
    with open_portfolio(demo, readonly=True):
        pass  # still sealed, still a portfolio


def test_the_keys_and_the_settings_are_refused_too(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    keys, config = tmp_path / "cles", tmp_path / "config"
    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(keys))
    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(config))
    assert launcher.main(["keys", "init"]) == 0
    capsys.readouterr()
    private = next(keys.glob("*.pem"))
    kept = private.read_bytes()
    for out in (private, keys / "autre.xlsx", config / "reglages.json"):
        err = refused(capsys, COMMANDS["kpi --xlsx"](demo, out))
        assert "fichier de l'application" in err
    assert private.read_bytes() == kept


def test_an_ordinary_destination_is_written(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # the guard refuses what it must and nothing else: an older snapshot may be replaced by a new one
    out = tmp_path / "instantane.sqlite"
    assert launcher.main(COMMANDS["snapshot"](demo, out)) == 0
    assert launcher.main(COMMANDS["snapshot"](demo, out)) == 0
    assert launcher.main(COMMANDS["kpi --xlsx"](demo, tmp_path / "indicateurs.xlsx")) == 0
    capsys.readouterr()
