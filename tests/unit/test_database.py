"""The SQLite file: creation, pragmas, refusing foreign and newer files untouched, migration, locking."""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from portfolio.db import database as database_module
from portfolio.db import migrate as migrate_module
from portfolio.db.database import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    Database,
    DatabaseBusyError,
    DatabaseError,
    ForeignFileError,
    NewerVersionError,
    backup_copy,
    backups_dir,
    read_header,
)
from portfolio.services.audit import verify_chain
from portfolio.services.changes import FieldChange, apply_changes, current_values
from portfolio.services.portfolio import open_portfolio
from portfolio.services.reference import reference_uuid

TRIGGERS = {"audit_entry_no_update", "audit_entry_no_delete"}
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")


def raw(path: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(path))


def pragma(path: Path, name: str) -> object:
    with raw(path) as connection:
        return connection.execute(f"PRAGMA {name}").fetchone()[0]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def side_files(path: Path) -> list[Path]:
    return [p for p in (Path(f"{path}{s}") for s in SIDE_SUFFIXES) if p.exists()]


def make_sqlite(path: Path, *, application_id: int = 0, user_version: int = 0, table: bool = True,
                wal: bool = False) -> None:
    with raw(path) as connection:
        if wal:
            connection.execute("PRAGMA journal_mode = WAL")
        connection.execute(f"PRAGMA application_id = {application_id}")
        connection.execute(f"PRAGMA user_version = {user_version}")
        if table:
            connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
            connection.execute("INSERT INTO notes (body) VALUES ('hello')")
        connection.commit()


# --- creation -----------------------------------------------------------------------------------------


def test_opening_a_missing_path_creates_a_portfolio_database(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "dir" / "new.sqlite"
    db = Database.open(path)
    try:
        assert db.path == path.resolve()
        assert not db.readonly
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA application_id").scalar_one() == APPLICATION_ID
            assert connection.exec_driver_sql("PRAGMA user_version").scalar_one() == SCHEMA_VERSION
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
    finally:
        db.close()
    assert path.is_file()
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == SCHEMA_VERSION
    assert pragma(path, "journal_mode") == "wal"  # persistent in the file
    with raw(path) as connection:
        triggers = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
        tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert triggers >= TRIGGERS
    assert {"audit_entry", "organisation", "application", "region", "alembic_version"} <= tables
    header = read_header(path)
    assert header.is_sqlite
    assert header.application_id == APPLICATION_ID
    assert header.user_version == SCHEMA_VERSION
    assert header.size == path.stat().st_size


def test_opening_an_empty_file_initialises_it(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite"
    path.touch()
    assert read_header(path).is_sqlite is False
    with Database.open(path):
        pass
    assert pragma(path, "application_id") == APPLICATION_ID
    assert pragma(path, "user_version") == SCHEMA_VERSION


def test_an_empty_sqlite_file_without_tables_is_ours_to_initialise(tmp_path: Path) -> None:
    path = tmp_path / "blank.sqlite"
    make_sqlite(path, table=False)
    with Database.open(path):
        pass
    assert pragma(path, "application_id") == APPLICATION_ID


def test_reopening_keeps_data_and_seeds_once(portfolio_path: Path) -> None:
    with open_portfolio(portfolio_path) as db, db.read() as session:
        entries = session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
        regions = session.execute(text("SELECT count(*) FROM region")).scalar_one()
    with open_portfolio(portfolio_path) as db, db.read() as session:
        assert session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one() == entries
        assert session.execute(text("SELECT count(*) FROM region")).scalar_one() == regions == 18


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError):
        Database.open(tmp_path)


# --- refusing files that are not ours -----------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"hello\n", b"Nom;SIRET;Montant\n" * 50, b"SQLite format 3\x00 but short"])
def test_read_header_of_non_sqlite_files(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    header = read_header(path)
    assert header.is_sqlite is False
    assert header.size == len(content)


@pytest.mark.parametrize("content", [b"hello, I am a text file\n", "Raison sociale;SIRET;Région\n".encode() * 40])
def test_a_text_file_is_refused_untouched(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(content)
    with pytest.raises(ForeignFileError) as info:
        Database.open(path)
    assert str(path.resolve()) in str(info.value)
    assert path.read_bytes() == content
    assert side_files(path) == []


@pytest.mark.parametrize("wal", [False, True], ids=["rollback-journal", "wal"])
def test_a_foreign_sqlite_file_is_refused_untouched(tmp_path: Path, wal: bool) -> None:
    path = tmp_path / "other.sqlite"
    make_sqlite(path, wal=wal)
    assert side_files(path) == []
    before = digest(path)
    header = read_header(path)
    assert (header.is_sqlite, header.application_id, header.user_version) == (True, 0, 0)
    with pytest.raises(ForeignFileError) as info:
        Database.open(path)
    assert str(path.resolve()) in str(info.value)
    assert digest(path) == before
    assert side_files(path) == []  # "elle n'a pas été ouverte ni modifiée"


def test_a_sqlite_file_of_another_application_id_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    make_sqlite(path, application_id=0x12345678, table=False)
    before = digest(path)
    with pytest.raises(ForeignFileError):
        Database.open(path)
    with pytest.raises(ForeignFileError):
        Database.open(path, readonly=True)
    assert digest(path) == before
    assert side_files(path) == []


@pytest.mark.parametrize("readonly", [False, True])
def test_a_file_from_a_newer_version_is_refused_untouched(tmp_path: Path, readonly: bool) -> None:
    path = tmp_path / "newer.sqlite"
    make_sqlite(path, application_id=APPLICATION_ID, user_version=SCHEMA_VERSION + 1)
    before = digest(path)
    header = read_header(path)
    assert (header.is_sqlite, header.application_id, header.user_version) == (
        True, APPLICATION_ID, SCHEMA_VERSION + 1)
    with pytest.raises(NewerVersionError) as info:
        Database.open(path, readonly=readonly)
    message = str(info.value)
    assert str(path.resolve()) in message
    assert str(SCHEMA_VERSION + 1) in message
    assert "plus récente" in message
    assert digest(path) == before
    assert side_files(path) == []


# --- migration at open -------------------------------------------------------------------------------------


def test_an_older_schema_version_is_migrated_after_a_backup(portfolio_path: Path) -> None:
    with raw(portfolio_path) as connection:
        regions_before = connection.execute("SELECT count(*) FROM region").fetchone()[0]
        connection.execute("PRAGMA user_version = 0")
        connection.commit()
    assert read_header(portfolio_path).user_version == 0
    with Database.open(portfolio_path) as db, db.read() as session:
        assert session.execute(text("SELECT count(*) FROM region")).scalar_one() == regions_before
        assert verify_chain(session).ok
    assert pragma(portfolio_path, "user_version") == SCHEMA_VERSION
    assert pragma(portfolio_path, "application_id") == APPLICATION_ID
    copies = sorted(backups_dir(portfolio_path).glob("*.sqlite")) if backups_dir(portfolio_path).exists() else []
    assert len(copies) == 1, "an existing portfolio must be copied before it is migrated"
    assert pragma(copies[0], "user_version") == 0
    with raw(copies[0]) as connection:
        assert connection.execute("SELECT count(*) FROM region").fetchone()[0] == regions_before


def test_the_backup_before_migration_mechanism(portfolio_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file at the previous schema version (simulated by raising the known version) is copied, then stamped."""
    newer = SCHEMA_VERSION + 1
    monkeypatch.setattr(database_module, "SCHEMA_VERSION", newer)
    monkeypatch.setattr(migrate_module, "SCHEMA_VERSION", newer)
    with Database.open(portfolio_path) as db, db.read() as session:
        assert session.execute(text("SELECT count(*) FROM region")).scalar_one() == 18
    assert pragma(portfolio_path, "user_version") == newer
    copies = list(backups_dir(portfolio_path).glob("*.sqlite"))
    assert len(copies) == 1
    assert f"avant-migration-v{SCHEMA_VERSION}" in copies[0].name
    assert pragma(copies[0], "user_version") == SCHEMA_VERSION
    assert list(backups_dir(portfolio_path).glob("*.tmp")) == []
    with raw(copies[0]) as connection:
        assert connection.execute("SELECT count(*) FROM region").fetchone()[0] == 18


def test_backup_copy_is_complete_and_leaves_no_temporary_file(db: Database, tmp_path: Path) -> None:
    uuid = reference_uuid("typology", "PME")
    apply_changes(db, [FieldChange("typology", uuid, "label", "PME", "Petite ou moyenne entreprise")], source="t")
    # the change may still be in the WAL only: the copy must include it
    target = backup_copy(db.path, tmp_path / "copies" / "copy.sqlite")
    assert target == tmp_path / "copies" / "copy.sqlite"
    assert [p.name for p in target.parent.iterdir()] == ["copy.sqlite"]
    with raw(target) as connection:
        label = connection.execute("SELECT label FROM typology WHERE uuid = ?", (uuid,)).fetchone()[0]
        assert label == "Petite ou moyenne entreprise"
        assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


# --- read-only ---------------------------------------------------------------------------------------------


def test_readonly_open_of_a_missing_file_raises_and_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "missing.sqlite"
    with pytest.raises(DatabaseError) as info:
        Database.open(path, readonly=True)
    assert str(path.resolve()) in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_readonly_database_reads_and_refuses_writes(portfolio_path: Path) -> None:
    before = digest(portfolio_path)
    with Database.open(portfolio_path, readonly=True) as db:
        assert db.readonly
        with db.read() as session:
            assert session.execute(text("SELECT count(*) FROM region")).scalar_one() == 18
            assert verify_chain(session).ok
        with pytest.raises(DatabaseError), db.write():
            pass
        uuid = reference_uuid("typology", "PME")
        with pytest.raises(DatabaseError):
            apply_changes(db, [FieldChange("typology", uuid, "label", "PME", "X")], source="t")
        with db.engine.connect() as connection, pytest.raises(OperationalError, match="readonly"):
            connection.exec_driver_sql("UPDATE typology SET label = 'X'")
    assert digest(portfolio_path) == before


def test_readonly_open_of_an_outdated_schema_is_refused(portfolio_path: Path) -> None:
    with raw(portfolio_path) as connection:
        connection.execute("PRAGMA user_version = 0")
        connection.commit()
    with pytest.raises(DatabaseError, match="mise à jour"):
        Database.open(portfolio_path, readonly=True)


@pytest.mark.parametrize("folder", ["Projets #2", "Remise 50%41", "Q&A; été"])
def test_unusual_characters_in_the_path(tmp_path: Path, folder: str) -> None:
    """Folder names are the user's: '#', '%', '&' must not be read as URI syntax."""
    path = tmp_path / folder / "p.sqlite"
    with open_portfolio(path) as db:
        uuid = reference_uuid("typology", "PME")
        apply_changes(db, [FieldChange("typology", uuid, "label", "PME", "PME !")], source="t")
    assert path.is_file()
    with Database.open(path, readonly=True) as db, db.read() as session:
        assert current_values(session, "typology", uuid)["label"] == "PME !"
    assert sorted(p.name for p in tmp_path.iterdir()) == [folder], "no stray file beside the folder"


# --- locking ----------------------------------------------------------------------------------------------


def test_a_held_write_lock_gives_database_busy_error(portfolio_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_BUSY_TIMEOUT_MS", "200")
    uuid = reference_uuid("typology", "PME")
    holder = sqlite3.connect(portfolio_path, isolation_level=None, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE typology SET sort_order = 99 WHERE uuid = ?", (uuid,))
        with Database.open(portfolio_path) as db:
            with pytest.raises(DatabaseBusyError) as info:
                apply_changes(db, [FieldChange("typology", uuid, "label", "PME", "X")], source="t")
            assert str(portfolio_path.resolve()) in str(info.value)
            assert isinstance(info.value, DatabaseError)
            # readers are not blocked by a writer (WAL), and see the last committed state
            with db.read() as session:
                values = current_values(session, "typology", uuid)
            assert values["label"] == "PME"
            assert values["sort_order"] == 1
            holder.execute("ROLLBACK")
            # once the lock is released the same change goes through
            apply_changes(db, [FieldChange("typology", uuid, "label", "PME", "X")], source="t")
            with db.read() as session:
                assert current_values(session, "typology", uuid)["label"] == "X"
    finally:
        holder.close()


def test_opening_while_another_process_writes_still_reads(portfolio_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A second process opening a seeded file during someone else's write transaction can read at once."""
    monkeypatch.setenv("PORTFOLIO_BUSY_TIMEOUT_MS", "200")
    holder = sqlite3.connect(portfolio_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with open_portfolio(portfolio_path) as database, database.read() as session:
            assert session.execute(text("SELECT count(*) FROM region")).scalar_one() == 18
    finally:
        holder.execute("ROLLBACK")
        holder.close()
