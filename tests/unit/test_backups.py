"""Backups, restoring, the seal that finds a damaged file at open, and a full disk (issue #7, item 5)."""

from __future__ import annotations

import errno
import hashlib
import random
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from portfolio import cli
from portfolio.db import database as database_module
from portfolio.db.database import DamagedDatabaseError, Database, DatabaseError
from portfolio.db.models import Organisation
from portfolio.db.seal import backups_dir, seal_path, stored_seal
from portfolio.services import backups as backups_module
from portfolio.services.backups import (
    backups_kept,
    changed_since_last_backup,
    list_backups,
    restore_backup,
    rotate,
    set_backups_kept,
    take_backup,
)
from portfolio.services.changes import Create, FieldChange, apply_changes, new_uuid
from portfolio.services.integrity import check_file
from portfolio.services.portfolio import open_portfolio


@pytest.fixture(autouse=True)
def settings_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "config"
    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(folder))
    return folder


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def add_organisations(db: Database, count: int, prefix: str = "Org") -> list[str]:
    uuids = [new_uuid() for _ in range(count)]
    apply_changes(db, [Create("organisation", u, {"name": f"{prefix} {i}"}) for i, u in enumerate(uuids)],
                  source="test")
    return uuids


@pytest.fixture
def sealed(portfolio_path: Path) -> Path:
    """A portfolio with some records, closed by the application (so sealed)."""
    with open_portfolio(portfolio_path) as db:
        add_organisations(db, 40)
    assert stored_seal(portfolio_path) is not None
    return portfolio_path


def test_closing_seals_the_file_and_a_sealed_file_opens(sealed: Path) -> None:
    seal = stored_seal(sealed)
    assert seal is not None and seal["sha256"] == sha(sealed) and seal["size"] == sealed.stat().st_size
    with open_portfolio(sealed) as db:
        assert stored_seal(sealed) is None, "a writable opening removes the seal: the file changes from now on"
        with db.read() as session:
            assert len(session.scalars(select(Organisation.id)).all()) >= 40
    assert stored_seal(sealed) is not None


def test_no_seal_while_another_connection_holds_the_file(sealed: Path) -> None:
    first = open_portfolio(sealed)
    second = open_portfolio(sealed)
    add_organisations(second, 1)
    first.close()  # not the last one: the log is still there, the file will change again
    assert stored_seal(sealed) is None
    second.close()
    assert stored_seal(sealed) is not None and stored_seal(sealed)["sha256"] == sha(sealed)  # type: ignore[index]


def test_a_hundred_damaged_copies_are_each_detected_at_open(sealed: Path, tmp_path: Path) -> None:
    """One random byte flipped anywhere in the file (header, pages, free space): refused at open every time,
    with the file's bytes unchanged by the attempt."""
    rng = random.Random(7)
    original = sealed.read_bytes()
    for number in range(100):
        folder = tmp_path / f"copy{number}"
        folder.mkdir()
        copy = folder / sealed.name
        shutil.copytree(backups_dir(sealed), backups_dir(copy))
        damaged = bytearray(original)
        offset = rng.randrange(len(damaged))
        damaged[offset] ^= rng.randrange(1, 256)
        copy.write_bytes(bytes(damaged))
        before = sha(copy)
        with pytest.raises(DamagedDatabaseError) as caught:
            open_portfolio(copy).close()
        assert copy.name in str(caught.value) and "portfolio restore" in str(caught.value)
        assert sha(copy) == before, f"flip at {offset}: the damaged file must stay untouched"
        assert not Path(f"{copy}-wal").exists()


def test_without_a_seal_sqlite_quick_check_still_refuses_a_broken_structure(portfolio_path: Path) -> None:
    """A file never closed by this version has no seal: a damaged page structure is still refused."""
    data = bytearray(portfolio_path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    for page in range(1, len(data) // page_size):  # every b-tree page header scrambled
        start = page * page_size
        if data[start] in (2, 5, 10, 13):
            data[start + 3:start + 5] = b"\xff\xff"  # the number of cells
    portfolio_path.write_bytes(bytes(data))
    with pytest.raises(DamagedDatabaseError):
        open_portfolio(portfolio_path).close()


def test_backups_rotate_and_keep_the_setting(sealed: Path) -> None:
    assert backups_kept() == 10
    set_backups_kept(3)
    assert backups_kept() == 3
    taken = [take_backup(sealed, "manuelle") for _ in range(5)]
    kept = list_backups(sealed)
    assert [b.path for b in kept] == [b.path for b in reversed(taken[-3:])], "the newest three, newest first"
    assert kept[0].reason_label() == "à la demande"
    assert rotate(sealed, 1) == [taken[-2].path, taken[-3].path]
    with pytest.raises(ValueError):
        set_backups_kept(0)


def test_a_broken_setting_file_falls_back_to_the_default(settings_dir: Path) -> None:
    settings_dir.mkdir()
    (settings_dir / "reglages.json").write_text("{not json", encoding="utf-8")
    assert backups_kept() == 10
    (settings_dir / "reglages.json").write_text('{"sauvegardes_conservees": 100000}', encoding="utf-8")
    assert backups_kept() == 10


def test_a_backup_taken_during_a_write_loop_always_passes_the_integrity_check(sealed: Path) -> None:
    stop = threading.Event()
    written = []

    def writer() -> None:
        with open_portfolio(sealed) as db:
            uuids = add_organisations(db, 5, "Boucle")
            step = 0
            while not stop.is_set():
                uuid = uuids[step % 5]
                with db.read() as session:
                    name = session.scalar(select(Organisation.name).where(Organisation.uuid == uuid))
                apply_changes(db, [FieldChange("organisation", uuid, "name", name, f"Boucle {step}")], source="t")
                written.append(step)
                step += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        copies = []
        while len(copies) < 12:
            if written:
                copies.append(take_backup(sealed, "manuelle", keep=100))
    finally:
        stop.set()
        thread.join()
    assert len(written) > 12, "the loop must have written while the copies were taken"
    for copy in copies:
        report = check_file(copy.path)
        assert report.ok, (copy.path.name, report.problems())


def test_restoring_keeps_the_replaced_file_aside_untouched(sealed: Path) -> None:
    backup = take_backup(sealed, "manuelle")
    with open_portfolio(sealed) as db:
        add_organisations(db, 3, "Après la copie")
    replaced = sha(sealed)
    aside = restore_backup(sealed, backup.path)
    assert aside is not None and aside.parent == sealed.parent and "remplacee" in aside.name
    assert sha(aside) == replaced
    assert sha(sealed) == sha(backup.path) and backup.path.exists()
    with open_portfolio(sealed) as db, db.read() as session:
        names = session.scalars(select(Organisation.name)).all()
    assert not any(name.startswith("Après la copie") for name in names)


def test_a_damaged_file_is_restored_from_its_latest_backup(sealed: Path) -> None:
    take_backup(sealed, "ouverture")
    data = bytearray(sealed.read_bytes())
    data[len(data) // 2] ^= 0x40
    sealed.write_bytes(bytes(data))
    damaged_bytes = sha(sealed)
    with pytest.raises(DamagedDatabaseError) as caught:
        open_portfolio(sealed)
    assert caught.value.path == sealed.resolve()
    assert cli.main(["--db", str(sealed), "restore"]) == 0
    kept = [p for p in sealed.parent.iterdir() if "remplacee" in p.name and p.suffix == ".sqlite"]
    assert len(kept) == 1 and sha(kept[0]) == damaged_bytes
    open_portfolio(sealed).close()


def test_changed_since_last_backup(sealed: Path) -> None:
    assert changed_since_last_backup(sealed)
    take_backup(sealed, "ouverture")
    assert not changed_since_last_backup(sealed)
    with open_portfolio(sealed) as db:
        add_organisations(db, 1)
    assert changed_since_last_backup(sealed)


def test_an_import_takes_a_backup_first(db: Database, tmp_path: Path) -> None:
    from portfolio.exchange.imports import run_import

    workbook = tmp_path / "orgs.csv"
    workbook.write_text("Raison sociale;Ville\nClinique Pasteur;Toulouse\n", encoding="utf-8")
    _plan, result = run_import(db, workbook)
    assert result is not None
    assert [b.reason for b in list_backups(db.path)] == ["avant-import"]


def test_a_full_disk_during_a_backup_leaves_nothing_and_says_so(sealed: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    def full(_source: Path, destination: Path) -> Path:
        destination.with_name(destination.name + ".tmp")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(backups_module, "backup_copy", full)
    before = sha(sealed)
    with pytest.raises(DatabaseError, match="le disque est plein"):
        take_backup(sealed, "avant-import")
    assert sha(sealed) == before
    assert list_backups(sealed) == []


def test_a_full_disk_during_an_edit_writes_nothing_and_says_so(db: Database,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's SQLITE_FULL (simulated by capping the file's pages): a clear message, nothing half-written,
    the audit chain intact."""
    from sqlalchemy import event

    from portfolio.services.audit import verify_chain

    with db.read() as session:
        before = session.scalar(select(Organisation.id).order_by(Organisation.id.desc()).limit(1))
    db.engine.dispose()

    @event.listens_for(db.engine, "connect")
    def cap(connection: sqlite3.Connection, _record: object) -> None:
        pages = connection.execute("PRAGMA page_count").fetchone()[0]
        connection.execute(f"PRAGMA max_page_count = {pages + 2}")

    with pytest.raises(DatabaseError, match=r"disque .* est plein"):
        add_organisations(db, 3000, "Trop")
    event.remove(db.engine, "connect", cap)
    db.engine.dispose()
    with db.read() as session:
        assert session.scalar(select(Organisation.id).order_by(Organisation.id.desc()).limit(1)) == before
        assert verify_chain(session).ok


def test_check_accepts_a_file_changed_outside_the_application(sealed: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    """Another program's sound change (here a plain sqlite3 write) is reported, and accepted on request."""
    with sqlite3.connect(sealed) as connection:
        connection.execute("CREATE TABLE notes_perso (texte TEXT)")
    connection.close()
    assert Path(f"{sealed}-wal").exists() is False
    with pytest.raises(DamagedDatabaseError):
        open_portfolio(sealed)
    assert cli.main(["--db", str(sealed), "check"]) == 1
    assert "portfolio check --accept" in capsys.readouterr().err
    assert cli.main(["--db", str(sealed), "check", "--accept"]) == 0
    open_portfolio(sealed).close()


def test_the_command_line_lists_takes_and_keeps_backups(sealed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--db", str(sealed), "backup"]) == 0
    assert "Sauvegarde écrite" in capsys.readouterr().out
    assert cli.main(["--db", str(sealed), "backups", "--keep", "4"]) == 0
    out = capsys.readouterr().out
    assert "à la demande" in out and "4 sauvegarde(s)" in out
    assert backups_kept() == 4
    assert cli.main(["--db", str(sealed), "backups", "--keep", "0"]) == 1
    assert seal_path(sealed).parent == backups_dir(sealed)


def test_the_migration_backup_is_named_for_the_rotation(portfolio_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from portfolio.db import migrate as migrate_module

    newer = database_module.SCHEMA_VERSION + 1
    monkeypatch.setattr(database_module, "SCHEMA_VERSION", newer)
    monkeypatch.setattr(migrate_module, "SCHEMA_VERSION", newer)
    Database.open(portfolio_path).close()
    found = list_backups(portfolio_path)
    assert len(found) == 1 and found[0].reason_label() == "avant une mise à jour du schéma"
