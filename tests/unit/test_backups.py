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
    asked = take_backup(sealed, "manuelle")
    taken = [take_backup(sealed, "ouverture" if i % 2 else "avant-import") for i in range(5)]
    kept = list_backups(sealed)
    assert [b.path for b in kept] == [b.path for b in reversed(taken[-3:])] + [asked.path], \
        "the newest three automatic copies, newest first; a copy asked for is never rotated away"
    assert kept[-1].reason_label() == "à la demande"
    assert rotate(sealed, 1) == [taken[-2].path, taken[-3].path]
    with pytest.raises(ValueError):
        set_backups_kept(0)


def test_two_databases_with_the_same_stem_keep_their_own_seal_and_backups(tmp_path: Path) -> None:
    first, second = tmp_path / "p.sqlite", tmp_path / "p.db"
    open_portfolio(first).close()
    with open_portfolio(second) as db:
        add_organisations(db, 2)
    take_backup(second, "manuelle")
    assert list_backups(first) == []
    open_portfolio(first).close()  # not refused by the other file's seal
    assert check_file(first).ok


def test_a_new_portfolio_whose_log_a_reader_kept_is_not_called_foreign(tmp_path: Path) -> None:
    """A reader (the copy taken at open, another window) keeps SQLite from folding the log at close: the file's
    header is still blank, its first pages in the log; it is ours all the same."""
    path = tmp_path / "neuf.sqlite"
    db = open_portfolio(path)
    reader = sqlite3.connect(path.as_uri() + "?mode=ro", uri=True)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
    db.close()
    reader.close()
    open_portfolio(path).close()


def test_restore_refuses_a_database_open_elsewhere_and_a_damaged_copy(sealed: Path) -> None:
    from portfolio.services.backups import DatabaseInUse

    backup = take_backup(sealed, "manuelle")
    before = sha(sealed)
    with open_portfolio(sealed) as db:
        with pytest.raises(DatabaseInUse, match="ouverte dans une autre fenêtre"):
            restore_backup(sealed, backup.path)
        add_organisations(db, 1)
    assert not [p for p in sealed.parent.iterdir() if "remplacee" in p.name]
    data = bytearray(backup.path.read_bytes())
    page_size = int.from_bytes(data[16:18], "big")
    data[page_size * 3 + 3:page_size * 3 + 5] = b"\xff\xff"
    backup.path.write_bytes(bytes(data))
    backup.path.with_name(backup.path.name + ".sha256").unlink()  # (a copy without its digest: SQLite's check)
    changed = sha(sealed)
    with pytest.raises(DatabaseError, match="elle-même endommagée"):
        restore_backup(sealed, backup.path)
    assert sha(sealed) == changed != before


def test_two_restores_in_the_same_second_keep_both_replaced_files(sealed: Path) -> None:
    backup = take_backup(sealed, "manuelle")
    first = restore_backup(sealed, backup.path)
    with open_portfolio(sealed) as db:
        add_organisations(db, 1, "Entre les deux")
    second = restore_backup(sealed, backup.path)
    assert first and second and first != second and first.exists() and second.exists()


def test_a_relative_path_is_backed_up(sealed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(sealed.parent)
    assert cli.main(["--db", sealed.name, "backup"]) == 0


def test_an_unreadable_seal_is_a_problem_not_a_pass(sealed: Path) -> None:
    seal_path(sealed).write_text("{tronqué", encoding="utf-8")
    with pytest.raises(DamagedDatabaseError, match="sceau"):
        open_portfolio(sealed)


def test_a_backups_folder_that_cannot_be_written_refuses_the_writable_opening(sealed: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from portfolio.db import seal as seal_module

    def refuse(_path: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(database_module, "set_aside_seal", refuse)
    with pytest.raises(DatabaseError, match="n'accepte pas l'écriture"):
        open_portfolio(sealed)
    assert seal_module.stored_seal(sealed) is not None
    open_portfolio(sealed, readonly=True).close()


def test_a_failed_copy_before_a_migration_is_said_in_words(portfolio_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from portfolio.db import migrate as migrate_module

    def full(_source: Path, _destination: Path) -> Path:
        raise sqlite3.OperationalError("database or disk is full")

    newer = database_module.SCHEMA_VERSION + 1
    monkeypatch.setattr(database_module, "SCHEMA_VERSION", newer)
    monkeypatch.setattr(migrate_module, "SCHEMA_VERSION", newer)
    monkeypatch.setattr(database_module, "backup_copy", full)
    with pytest.raises(DatabaseError, match="la copie à faire d'abord n'a pas pu être écrite"):
        Database.open(portfolio_path)


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
    """Another program's change that leaves data, schema and trail as they were (here SQLite's VACUUM and
    ANALYZE, which rewrite the file) is reported, and accepted on request; a change of the schema is not."""
    with sqlite3.connect(sealed, isolation_level=None) as connection:
        connection.execute("VACUUM")
        connection.execute("ANALYZE")
    connection.close()
    assert Path(f"{sealed}-wal").exists() is False
    with pytest.raises(DamagedDatabaseError):
        open_portfolio(sealed)
    assert cli.main(["--db", str(sealed), "check"]) == 1
    assert "portfolio check --accept" in capsys.readouterr().err
    assert cli.main(["--db", str(sealed), "check", "--accept"]) == 0
    open_portfolio(sealed).close()
    with sqlite3.connect(sealed) as connection:
        connection.execute("CREATE TABLE notes_perso (texte TEXT)")
    connection.close()
    capsys.readouterr()
    assert cli.main(["--db", str(sealed), "check", "--accept"]) == 1  # a table added: never "sain"
    assert "notes_perso" in capsys.readouterr().err


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
    digest = found[0].path.with_name(found[0].path.name + ".sha256").read_text(encoding="ascii").strip()
    assert digest == sha(found[0].path), "checked before a restore, as every backup's"


def test_restore_copies_first_and_locks_last(sealed: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database is held for as short a time as possible: the copy is written before the lock is taken, so
    that between the lock and the rename there is only a link."""
    steps: list[str] = []
    copy, lock = backups_module._copy_synced, backups_module._take_for_replacing
    monkeypatch.setattr(backups_module, "_copy_synced", lambda *a: (steps.append("copie"), copy(*a))[1])
    monkeypatch.setattr(backups_module, "_take_for_replacing", lambda *a: (steps.append("verrou"), lock(*a))[1])
    restore_backup(sealed, take_backup(sealed, "manuelle").path)
    assert steps == ["copie", "verrou"]


def test_restore_keeps_the_database_permissions(sealed: Path) -> None:
    import stat

    sealed.chmod(0o664)
    restore_backup(sealed, take_backup(sealed, "manuelle").path)
    assert stat.S_IMODE(sealed.stat().st_mode) == 0o664


def test_a_backup_whose_bytes_changed_is_not_restored(sealed: Path) -> None:
    """A flipped byte inside a value passes SQLite's integrity check: the SHA-256 taken with the copy sees it."""
    backup = take_backup(sealed, "manuelle")
    data = bytearray(backup.path.read_bytes())
    data[data.index(b"Org 1")] ^= 0x20
    backup.path.write_bytes(bytes(data))
    with pytest.raises(DatabaseError, match="a changé depuis qu'elle a été écrite"):
        restore_backup(sealed, backup.path)


def test_a_sealed_file_written_by_another_program_is_refused_even_with_its_log(sealed: Path) -> None:
    """Another program writes in WAL mode and stops before folding its log in: the file alone still matches the
    seal, the change is in the log; it is refused all the same."""
    import subprocess
    import sys

    code = ("import os, sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "c.execute(\"UPDATE organisation SET name = 'Changé ailleurs' WHERE id = (SELECT max(id) FROM "
            "organisation)\"); c.commit(); os._exit(0)")
    subprocess.run([sys.executable, "-c", code, str(sealed)], check=True)
    assert Path(f"{sealed}-wal").stat().st_size > 0
    with pytest.raises(DamagedDatabaseError, match="un autre programme y a écrit"):
        open_portfolio(sealed)
