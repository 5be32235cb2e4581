"""GDPR: a person's data exported, and erased from the records, the audit trail and the file's bytes (issue #7,
item 7)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from portfolio import cli
from portfolio.db.database import Database
from portfolio.services.audit import ERASED, verify_chain
from portfolio.services.changes import Create, FieldChange, apply_changes, new_uuid
from portfolio.services.gdpr import PersonNotFound, erase_person, find_person
from portfolio.services.portfolio import open_portfolio

EMAIL = "camille.verdier@clinique-exemple.fr"


@pytest.fixture
def person(portfolio_path: Path) -> tuple[Path, str, str]:
    """An organisation with two contacts; the first one's email and phone changed once (so its old values are
    in the audit trail too)."""
    with open_portfolio(portfolio_path) as db:
        org, first, other = new_uuid(), new_uuid(), new_uuid()
        apply_changes(db, [Create("organisation", org, {"name": "Clinique du Parc"})], source="t")
        with db.read() as session:
            org_id = session.execute(text("SELECT id FROM organisation WHERE uuid = :u"), {"u": org}).scalar_one()
        apply_changes(db, [
            Create("contact", first, {"organisation_id": org_id, "first_name": "Camille", "last_name": "Verdier",
                                      "email": "c.verdier@ancienne-adresse.fr", "phone": "06 12 34 56 78"}),
            Create("contact", other, {"organisation_id": org_id, "first_name": "Jean", "last_name": "Autre",
                                      "email": "jean.autre@clinique-exemple.fr"}),
        ], source="t")
        apply_changes(db, [FieldChange("contact", first, "email", "c.verdier@ancienne-adresse.fr", EMAIL),
                           FieldChange("contact", first, "phone", "06 12 34 56 78", "07 98 76 54 32")], source="t")
    return portfolio_path, first, other


def test_export_holds_the_records_and_their_whole_history(person: tuple[Path, str, str], tmp_path: Path) -> None:
    path, _first, _other = person
    out = tmp_path / "camille.xlsx"
    assert cli.main(["--db", str(path), "gdpr", "export", "--email", EMAIL.upper(), "-o", str(out)]) == 0
    book = load_workbook(out)
    records = list(book["Fiches"].iter_rows(values_only=True))
    assert records[1][1:5] == ("Clinique du Parc", "Camille", "Verdier", EMAIL)
    assert len(records) == 2, "only this person: the other contact of the organisation is not theirs"
    journal = list(book["Journal"].iter_rows(values_only=True))
    assert [row[4] for row in journal[1:]] == ["Création", "Modification", "Modification"]
    assert "c.verdier@ancienne-adresse.fr" in journal[1][7]  # the creation's values, readable
    assert journal[2][5:] == ("Courriel", "c.verdier@ancienne-adresse.fr", EMAIL)


def test_erasure_leaves_no_byte_of_the_email_and_the_chain_verifies(person: tuple[Path, str, str]) -> None:
    path, first, other = person
    with open_portfolio(path) as db:
        with db.read() as session:
            found = find_person(session, email=EMAIL)
        result = erase_person(db, found)
        assert (result.contacts, result.entries) == (1, 4)  # created, 2 fields changed, deleted
        with db.read() as session:
            assert verify_chain(session).ok
            rows = session.execute(text("SELECT old_value, new_value, salt FROM audit_entry WHERE record_uuid = :u "
                                        "AND field IS NOT '_effacement_rgpd'"), {"u": first}).all()
            assert rows and all(v in (None, ERASED) for row in rows for v in row[:2]) and {r[2] for r in rows} == {None}
            kept = session.execute(text("SELECT email FROM contact WHERE uuid = :u"), {"u": other}).scalar_one()
            assert kept == "jean.autre@clinique-exemple.fr", "the other contact is untouched"
            with pytest.raises(PersonNotFound):
                find_person(session, email=EMAIL)
    data = path.read_bytes()
    for gone in (EMAIL, "c.verdier@ancienne-adresse.fr", "06 12 34 56 78", "07 98 76 54 32", "Verdier"):
        assert gone.encode() not in data, gone
    assert b"jean.autre@clinique-exemple.fr" in data
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0


def test_erasing_a_value_by_hand_is_detected(person: tuple[Path, str, str]) -> None:
    """Without an erasure entry listing it, an erased entry is a tampering; and an erased entry's values can no
    longer be changed to something else than the marker."""
    import sqlite3

    path, first, _other = person
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TRIGGER audit_entry_no_update")
        connection.execute("UPDATE audit_entry SET salt = NULL, payload_hash = 'x', new_value = ? "
                           "WHERE record_uuid = ? AND operation = 'create'", (ERASED, first))
    connection.close()
    with Database.open(path, check_seal=False) as db, db.read() as session:
        problems = verify_chain(session).problems
    assert any("modifiée après coup" in p for p in problems)
    assert any("sans entrée d'effacement" in p for p in problems)


def test_erase_asks_for_confirmation_and_says_what_it_would_erase(person: tuple[Path, str, str],
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    path, _first, _other = person
    assert cli.main(["--db", str(path), "gdpr", "erase", "--email", EMAIL]) == 1
    assert "Camille Verdier (Clinique du Parc)" in capsys.readouterr().out
    assert cli.main(["--db", str(path), "gdpr", "erase", "--email", "personne@nulle.part", "--yes"]) == 1
    assert "Aucun contact" in capsys.readouterr().err
    assert cli.main(["--db", str(path), "gdpr", "erase", "--email", EMAIL, "--yes"]) == 0
    assert cli.main(["--db", str(path), "check"]) == 0


def test_migration_0005_salts_a_schema_4_trail_and_keeps_the_old_one_in_its_backup(tmp_path: Path) -> None:
    """A file as version 4 wrote it (its values hashed directly) is migrated: every entry gets a salt, the chain
    is hashed again and verifies; the copy taken before holds the old chain, which still verifies as it was."""
    from portfolio.services.backups import list_backups
    from portfolio.services.integrity import check_file

    path = tmp_path / "v4.sqlite"
    _schema_4_with_entries(path, 2)
    with sqlite3.connect(path) as connection:
        legacy_head = connection.execute("SELECT hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()[0]
    connection.close()
    assert check_file(path).chain.ok, "the old format verifies as it is (a file or snapshot of schema 4)"
    with Database.open(path) as db, db.read() as session:
        report = verify_chain(session)
        assert report.ok and report.entries == 3 and report.head_hash != legacy_head
        salts = session.execute(text("SELECT salt FROM audit_entry")).scalars().all()
        assert all(salt and len(salt) == 32 for salt in salts) and len(set(salts)) == 3
        link = session.execute(text("SELECT new_value FROM audit_entry WHERE seq = 3")).scalar_one()
        assert json.loads(link) == {"ancienne_tete": legacy_head, "problemes": []}, \
            "one entry links the new chain to the old one's head"
    copies = list_backups(path)
    assert [c.reason for c in copies] == ["avant-migration-v4"]
    old = check_file(copies[0].path)
    assert old.chain.ok and old.chain.head_hash == legacy_head


def test_tampering_before_the_migration_is_still_reported_after_it(tmp_path: Path) -> None:
    """Migration 0005 hashes the chain again: what was wrong with the old one is carried into the new one."""
    from portfolio.services.integrity import check_file

    path = tmp_path / "v4.sqlite"
    _schema_4_with_entries(path, 3)
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TRIGGER audit_entry_no_update")
        connection.execute("UPDATE audit_entry SET new_value = '\"x@y.fr\"' WHERE seq = 2")
    connection.close()
    Database.open(path).close()
    problems = check_file(path).problems()
    assert any("Avant la mise à jour du schéma 5 : entrée n° 2 modifiée" in p for p in problems), problems


def _schema_4_with_entries(path: Path, count: int) -> None:
    import hashlib

    from alembic import command

    from portfolio.db import migrate
    from portfolio.db.database import make_engine
    from portfolio.db.sqlite_file import APPLICATION_ID
    from portfolio.services.audit import GENESIS_HASH, LEGACY_COLUMNS

    engine = make_engine(path)
    with engine.begin() as connection:
        config = migrate.alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.exec_driver_sql("PRAGMA user_version = 4")
    engine.dispose()
    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
    prev = GENESIS_HASH
    with sqlite3.connect(path) as connection:
        for seq in range(1, count + 1):
            row = [seq, "2026-01-01T00:00:00.000000+00:00", "agent", "screen", "b1", "update", "contact", "u1",
                   "email", None, f'"a{seq}@b.fr"', prev]
            prev = hashlib.sha256(encoder.encode(row).encode()).hexdigest()
            connection.execute(f"INSERT INTO audit_entry ({', '.join(LEGACY_COLUMNS)}, hash) VALUES "
                               f"({', '.join('?' * 13)})", [*row, prev])
    connection.close()


def test_a_deleted_contact_and_a_former_email_are_found_and_erased(person: tuple[Path, str, str]) -> None:
    """The trail keeps a deleted record's values and an email changed since: both are the person's data."""
    from portfolio.services.changes import Delete, current_values

    path, first, _other = person
    with open_portfolio(path) as db:
        with db.read() as session:
            values = current_values(session, "contact", first)
        apply_changes(db, [Delete("contact", first, values)], source="t")
        with db.read() as session:
            by_old = find_person(session, email="C.Verdier@Ancienne-Adresse.fr")
            by_id = find_person(session, contact_id=values.get("id") or _id_of(session, first))
        assert by_old.uuids == [first] == by_id.uuids and by_old.contacts == []
        assert "1 fiche(s) supprimée(s) depuis" in by_old.names()
        result = erase_person(db, by_old)
        assert result.contacts == 0 and result.entries == 4 and result.folded
        with db.read() as session:
            assert verify_chain(session).ok
    data = path.read_bytes()
    assert EMAIL.encode() not in data and b"c.verdier@ancienne-adresse.fr" not in data


def _id_of(session: object, uuid: str) -> int:
    rows = session.execute(text("SELECT new_value FROM audit_entry WHERE record_uuid = :u AND operation = 'create'"),
                           {"u": uuid}).scalar_one()  # type: ignore[attr-defined]
    return int(json.loads(rows)["id"])


def test_an_accented_email_matches_whatever_its_letter_case(portfolio_path: Path) -> None:
    with open_portfolio(portfolio_path) as db:
        org = new_uuid()
        apply_changes(db, [Create("organisation", org, {"name": "Maison de santé"})], source="t")
        with db.read() as session:
            org_id = session.execute(text("SELECT id FROM organisation WHERE uuid = :u"), {"u": org}).scalar_one()
        apply_changes(db, [Create("contact", new_uuid(), {"organisation_id": org_id, "last_name": "Ébert",
                                                         "email": "Élodie.Ébert@santé.fr"})], source="t")
        with db.read() as session:
            assert len(find_person(session, email="élodie.ébert@SANTÉ.fr").uuids) == 1


def test_an_erasure_cannot_be_forged_to_hide_another_entry(person: tuple[Path, str, str]) -> None:
    """A payment's entry turned into an "erased" one and listed by a forged erasure entry is still reported."""
    from portfolio.services.audit import ERASURE_FIELD, payload_hash
    from portfolio.services.changes import append_audit_entries

    path, _first, _other = person
    with open_portfolio(path) as db:
        with db.write() as session:
            connection = session.connection().connection.driver_connection
            seq, uuid, salt, old, new = connection.execute(
                "SELECT seq, record_uuid, salt, old_value, new_value FROM audit_entry WHERE entity = 'organisation' "
                "ORDER BY seq DESC LIMIT 1").fetchone()
            connection.execute("DROP TRIGGER audit_entry_no_update")
            connection.execute("UPDATE audit_entry SET salt = NULL, payload_hash = ?, old_value = ?, new_value = ? "
                               "WHERE seq = ?", (payload_hash(salt, old, new), old and ERASED, new and ERASED, seq))
            append_audit_entries(session, [("contact", uuid, ERASURE_FIELD, {"entrees": [seq]})], source="rgpd")
        with db.read() as session:
            problems = verify_chain(session).problems
    assert any("modifiée après coup" in p for p in problems)
    assert any("cite l'entrée" in p for p in problems)


def test_an_erased_person_is_found_no_more(person: tuple[Path, str, str]) -> None:
    path, _first, _other = person
    with open_portfolio(path) as db:
        with db.read() as session:
            found = find_person(session, email=EMAIL)
        erase_person(db, found)
        with db.read() as session:
            for asked in ({"contact_id": found.contacts[0]["id"]}, {"email": EMAIL}):
                with pytest.raises(PersonNotFound):  # nothing is left to find the person by
                    find_person(session, **asked)  # type: ignore[arg-type]
            assert verify_chain(session).ok


def test_an_erasure_says_when_another_reader_keeps_the_log(person: tuple[Path, str, str]) -> None:
    from portfolio.services import gdpr

    path, _first, _other = person
    import time

    with open_portfolio(path) as db:
        with db.read() as session:
            found = find_person(session, email=EMAIL)
        reader = sqlite3.connect(path, timeout=0.1)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM contact").fetchone()
        started = time.monotonic()
        result = erase_person(db, found)
        assert not result.folded
        assert time.monotonic() - started < 4, "tried for two seconds, not the busy timeout at every attempt"
        # the file the message names (issue #18, item 11: it named the log): the old value is in the base's pages
        assert EMAIL.encode() in path.read_bytes()
        reader.close()
        assert gdpr.fold_log(db)
    assert EMAIL.encode() not in path.read_bytes()


def test_restoring_a_copy_taken_before_an_erasure_erases_again(person: tuple[Path, str, str]) -> None:
    from portfolio.services.backups import restore_backup, take_backup

    path, _first, _other = person
    backup = take_backup(path, "manuelle")
    with open_portfolio(path) as db:
        with db.read() as session:
            found = find_person(session, email=EMAIL)
        erase_person(db, found)
    restore_backup(path, backup.path)
    assert EMAIL.encode() in backup.path.read_bytes(), "the copy itself is as it was taken"
    data = path.read_bytes()
    assert EMAIL.encode() not in data and b"06 12 34 56 78" not in data
    with open_portfolio(path) as db, db.read() as session:
        assert verify_chain(session).ok
        with pytest.raises(PersonNotFound):
            find_person(session, email=EMAIL)


def test_an_import_whose_values_were_erased_is_not_undone(person: tuple[Path, str, str]) -> None:
    from portfolio.domain.errors import PortfolioError
    from portfolio.exchange.imports import undo_import
    from portfolio.services.changes import apply_in_session
    from portfolio.services.import_batches import ImportRecord, record_import, row_source

    path, _first, _other = person
    with open_portfolio(path) as db:
        with db.read() as session:
            org_id = session.execute(text("SELECT id FROM organisation ORDER BY id DESC LIMIT 1")).scalar_one()
        uuid = new_uuid()
        with db.write() as session:  # as an import writes: its records, then its record
            batch = apply_in_session(session, [Create("contact", uuid, {
                "organisation_id": org_id, "last_name": "Importée", "email": "importee@exemple.fr"})],
                source=row_source(2)).batch
            record_import(session, ImportRecord(batch, "2026-12-06T09:00:00.000000+00:00", "test", "contacts.csv",
                                                "0" * 64, "Feuil1", created=1))
        with db.read() as session:
            erase_person(db, find_person(session, email="importee@exemple.fr"))
        with pytest.raises(PortfolioError, match="effacées depuis"):
            undo_import(db, batch)


def test_an_erasure_reaches_the_values_sent_to_agencies(person: tuple[Path, str, str], tmp_path: Path) -> None:
    from portfolio.exchange.working_workbook import Selection, export_working_workbook

    path, first, _other = person
    with open_portfolio(path) as db:
        export_working_workbook(db, Selection(("contact",), personal=True), tmp_path / "agence.xlsx")
        with db.read() as session:
            erase_person(db, find_person(session, email=EMAIL))
        with db.read() as session:
            left = session.execute(text("SELECT count(*) FROM export_row WHERE record_uuid = :u"), {"u": first})
            assert left.scalar_one() == 0
    assert EMAIL.encode() not in path.read_bytes()
