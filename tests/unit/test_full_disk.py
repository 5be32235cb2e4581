"""A full disk, for real (issue #18, items 4 and 5): a small tmpfs in a mount namespace of its own
(tests/full_disk.py), filled to the last byte. Every command that writes a file, aimed at the full disk, says
the disk is full, exits 1, leaves the older file in place and nothing half-written (the report used to say
"Rapport écrit" over a 0-byte PDF; four commands printed "Exception ignored in ZipFile.__del__"). A database
on a full disk is said to be on a full disk, not damaged, and keeps its seal."""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.data_files import data_file
from tests.full_disk import Outcome, on_full_disk

from portfolio.db.seal import backups_dir
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

PORTFOLIO = str(Path(shutil.which("portfolio") or Path(__file__).parents[2] / ".venv/bin/portfolio"))
CHORUS = str(data_file("realworld/chorus_INF-BUD-53_paiements_extrait.csv"))
FULL = "le disque est plein"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("plein") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


def email(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return str(connection.execute("SELECT email FROM contact WHERE email <> '' LIMIT 1").fetchone()[0])


WRITERS: dict[str, Callable[[Path], list[str]]] = {
    "export (agency workbook)": lambda db: ["export", "{disk}/sortie.xlsx", "--db", str(db)],
    "export --format scdl": lambda db: ["export", "{disk}/sortie.xlsx", "--format", "scdl", "--db", str(db)],
    "export --format 360giving": lambda db: ["export", "{disk}/sortie.xlsx", "--format", "360giving", "--db", str(db)],
    "export --format france2030": lambda db: ["export", "{disk}/sortie.xlsx", "--format", "france2030",
                                              "--db", str(db)],
    "kpi --xlsx": lambda db: ["kpi", "--db", str(db), "--xlsx", "{disk}/sortie.xlsx"],
    "report": lambda db: ["report", "{disk}/sortie.xlsx", "--db", str(db)],
    "gdpr export -o": lambda db: ["gdpr", "export", "--db", str(db), "--email", email(db), "-o", "{disk}/sortie.xlsx"],
    "import --rejected": lambda db: ["import", CHORUS, "--db", str(db), "--dry-run", "--rejected",
                                     "{disk}/sortie.xlsx"],
    "snapshot": lambda db: ["snapshot", "{disk}/sortie.xlsx", "--db", str(db)],
}


def said_plainly(outcome: Outcome) -> None:
    assert outcome.code == 1, outcome.err
    for noise in ("Traceback", "Exception ignored", "erreur inattendue", "écrit dans", "Rapport écrit"):
        assert noise not in outcome.out + outcome.err.replace("n'a pas pu être écrit dans", ""), outcome.err


@pytest.mark.parametrize("command", list(WRITERS))
def test_every_command_that_writes_says_the_disk_is_full_and_keeps_the_older_file(
        command: str, demo: Path, tmp_path: Path) -> None:
    older = tmp_path / "ancienne-version.xlsx"
    older.write_bytes(b"la version d'avant")
    outcome = on_full_disk(tmp_path, [PORTFOLIO, *WRITERS[command](demo)], {"sortie.xlsx": older},
                           env={"QT_QPA_PLATFORM": "offscreen"})
    said_plainly(outcome)
    assert FULL in outcome.err and "sortie.xlsx" in outcome.err
    assert outcome.files == outcome.before  # the older file as it was, nothing half-written beside it


def sealed_copy(demo: Path, tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "base"
    folder.mkdir()
    shutil.copyfile(demo, folder / "demo.sqlite")
    with open_portfolio(folder / "demo.sqlite"):
        pass  # closed by the application: sealed
    return {"demo.sqlite": folder / "demo.sqlite", "demo.sqlite.sauvegardes": backups_dir(folder / "demo.sqlite")}


@pytest.mark.parametrize("command", [
    ["stats", "--db", "{disk}/demo.sqlite"],
    ["import", CHORUS, "--db", "{disk}/demo.sqlite"],
    ["backup", "--db", "{disk}/demo.sqlite"],
    ["snapshot", "{disk}/instantane.sqlite", "--db", "{disk}/demo.sqlite"],
], ids=["stats (an opening)", "import", "backup", "snapshot"])
def test_a_database_on_a_full_disk_is_not_called_damaged_and_keeps_its_seal(command: list[str], demo: Path,
                                                                             tmp_path: Path) -> None:
    outcome = on_full_disk(tmp_path, [PORTFOLIO, *command], sealed_copy(demo, tmp_path))
    said_plainly(outcome)
    assert re.search(r"disque .*est plein", outcome.err), outcome.err
    assert "endommagée" not in outcome.err.replace("pas endommagée", "")
    kept = {name: digest for name, digest in outcome.files.items() if not name.endswith(("-wal", "-shm"))}
    assert kept == outcome.before  # the database and its seal as they were; no copy or .tmp left
