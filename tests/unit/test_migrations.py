"""Every schema change migrates both engines (issue #17, item 6; issue #18's schema 9; issue #20's schema 10;
issue #21's schemas 11 and 12): a portfolio file and a team database on PostgreSQL, both made by the application at an
earlier schema (tests/data/schema7 to schema12; issue #22's schema 13),
are upgraded in place to today's schema by the same Alembic migrations; their records, values and audit chain
come through whole, and the trail still explains every stored value."""

from __future__ import annotations

import gzip
import sqlite3
import subprocess
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect
from tests.data_files import data_file

from portfolio.db.database import Database
from portfolio.db.models import Base
from portfolio.db.sqlite_file import SCHEMA_VERSION
from portfolio.services.audit import verify_chain
from portfolio.services.changes import Create, FieldChange, apply_changes
from portfolio.services.portfolio import open_portfolio

LEAD = "0191e0a0-0000-7000-8000-000000000001"
PROJECT = "0191e0a0-0000-7000-8000-000000000004"
# what the schema-7 databases hold (tests/data/schema7/make_schema7_dump.py): the values to find again
EXPECTED = {
    ("organisation", "name"): ["CHU de Rennes", "Cardiologic SAS"],
    ("aid", "grant_cents"): [25_000_050, 70_000_000],
    ("disbursement", "amount_cents"): [30_000_000],
}
EXPECTED_8 = {**EXPECTED, ("organisation", "name"): ["Association Cœur Bretagne", "CHU de Rennes", "Cardiologic SAS",
                                                     "Heart Research UK"]}
# schema 9 adds an import kept (6 structures, 12 aids) and an import undone (tests/data/schema9)
EXPECTED_9 = {**EXPECTED_8, ("organisation", "name"): [*EXPECTED_8[("organisation", "name")], *(
    f"Structure {i:06d} {form}" for i, form in enumerate(("Association", "SARL", "SAS", "SA", "SAS", "Association")))],
    ("aid", "grant_cents"): [9680794, 12063942, 16381039, 20117022, 22954976, 25000050, 28299697, 34355230, 35245340,
                             36758508, 37874115, 38313369, 46660482, 70000000]}
# schema 10 holds the same, its imports recorded in import_batch (tests/data/schema10)
VERSIONS = {7: EXPECTED, 8: EXPECTED_8, 9: EXPECTED_9, 10: EXPECTED_9, 11: EXPECTED_9, 12: EXPECTED_9}
NEW_COLUMNS = {"action": {"f2030_objective", "f2030_nomenclature"}, "operator": {"siret"},
               "call": {"aid_scheme_id", "eu_notified"}, "typology": {"list_label"},
               "organisation": {"rna", "foreign_id"}, "aid": {"emerging_actor"}, "disbursement": {"aid_part"}}


def _values(db: Database) -> dict[tuple[str, str], list[object]]:
    with db.read() as session:
        connection = session.connection()
        return {(table, column): sorted(row[0] for row in connection.exec_driver_sql(
            f"SELECT {column} FROM {table} WHERE id > 900")) for table, column in EXPECTED}


def _trail_explains_the_data(db: Database) -> None:
    from portfolio.services.integrity import CheckReport, walk

    report = CheckReport(integrity=["ok"])
    with db.read() as session:
        walk(session, report)
    assert report.chain.ok and report.replay.ok, report.problems()


def _schema_matches_the_models(db: Database) -> None:
    """Every table and column of the models is in the upgraded database (with the new ones)."""
    with db.read() as session:
        inspector = inspect(session.connection())
        for table in Base.metadata.sorted_tables:
            found = {column["name"] for column in inspector.get_columns(table.name)}
            assert {column.name for column in table.columns} <= found, table.name
        indexes = {index["name"] for index in inspector.get_indexes("organisation")}
        assert {"ix_organisation_rna", "ix_organisation_foreign_id"} <= indexes


def _past_imports_are_records(db: Database, version: int) -> None:
    """Schema 10: the imports made before are recorded from their entries (file, SHA-256, sheet, counts); the one
    undone is still undone; an imported record's history names its file."""
    from portfolio.exchange.imports import import_history, undo_import
    from portfolio.services.history import record_history

    history = import_history(db)
    if version < 9:
        assert history == []
        return
    assert [(p.record.file_name, p.record.sheet, len(p.record.sha256), p.record.created, p.undone)
            for p in history] == [("beneficiaires-2.xlsx", "Liste des projets et bénef", 64, 21, True),
                                  ("beneficiaires-1.xlsx", "Liste des projets et bénef", 64, 40, False)]
    with db.read() as session:
        [uuid] = session.connection().exec_driver_sql(
            "SELECT uuid FROM organisation WHERE name = 'Structure 000000 Association'").fetchone()
        [entry] = record_history(session, "organisation", uuid)
    # an entry written before schema 10 carries its whole source; since, its row, the file named from its record
    shown = "import beneficiaires-1.xlsx (sha256 " if version < 10 else \
        "import beneficiaires-1.xlsx, feuille Liste des projets et bénef, ligne "
    assert entry.source.startswith(shown) and ", ligne " in entry.source
    with pytest.raises(Exception, match="déjà été annulé"):
        undo_import(db, history[0].batch)


def _upgraded_database_is_whole(db: Database, version: int) -> None:
    _schema_matches_the_models(db)
    assert _values(db) == VERSIONS[version]
    _past_imports_are_records(db, version)
    _trail_explains_the_data(db)
    with db.read() as session:
        report = verify_chain(session)
        assert report.ok, report.problems
        before = report.entries
        new = {table: session.connection().exec_driver_sql(
            f"SELECT {', '.join(sorted(columns))} FROM {table} LIMIT 1").fetchone()
            for table, columns in NEW_COLUMNS.items()}
    # a migration writes no value: the columns schema 8 added are empty in a schema-7 database
    assert version > 7 or all(value in (None, "") for row in new.values() if row for value in row)
    # the upgraded database takes the new fields through the door, and its chain goes on
    apply_changes(db, [FieldChange("organisation", LEAD, "rna", None, "W751234567")], source="test")
    with db.read() as session:
        report = verify_chain(session)
        assert report.ok and report.entries == before + 1
    # and the officer's desk (schema 12): an officer in charge of the project, a note on it (the schema-12 database
    # has its own officer in charge already)
    officer = "0191e0a0-0000-7000-8000-0000000000a1"
    apply_changes(db, [Create("officer", officer, {"name": "Nadia Benali"}, 950),
                       FieldChange("project", PROJECT, "officer_id", 901 if version >= 12 else None, 950),
                       Create("note", "0191e0a0-0000-7000-8000-0000000000a2", {
                           "project_id": 901, "written_on": date(2026, 12, 1), "body": "Appel au porteur"})],
                  source="test")
    with db.read() as session:
        assert session.connection().exec_driver_sql(
            "SELECT o.name, n.body FROM project p JOIN officer o ON o.id = p.officer_id "
            "JOIN note n ON n.project_id = p.id WHERE n.body = 'Appel au porteur'").fetchall() == [
            ("Nadia Benali", "Appel au porteur")]
        # and its identity (schema 13): one, made by the migration, that its replicas will know it by
        identity = session.connection().exec_driver_sql("SELECT uuid FROM portfolio_identity").fetchall()
        assert len(identity) == 1 and len(identity[0][0]) == 36


@pytest.mark.parametrize("version", list(VERSIONS))
def test_a_file_of_an_earlier_schema_is_migrated_in_place(version: int, tmp_path: Path) -> None:
    path = tmp_path / "portefeuille.sqlite"
    path.write_bytes(gzip.decompress(data_file(f"schema{version}/portefeuille-schema-{version}.sqlite.gz").read_bytes()))
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == version
    with open_portfolio(path) as db:
        _upgraded_database_is_whole(db, version)
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == f"{SCHEMA_VERSION:04d}"
    from portfolio.services.integrity import check_file

    assert check_file(path).sound, check_file(path).problems()  # schema, triggers, chain, replay: as a new file
    copies = list((tmp_path / "portefeuille.sqlite.sauvegardes").glob(f"*avant-migration-v{version}*.sqlite"))
    assert len(copies) == 1  # the file as it was, kept before the migration


def _restored(postgres, pg_url: str, version: int) -> str:  # type: ignore[no-untyped-def]
    """A team database restored from the dump of a server of that schema (psql, as its administrator would)."""
    sql = gzip.decompress(data_file(f"schema{version}/portefeuille-schema-{version}.sql.gz").read_bytes())
    subprocess.run([str(postgres.binaries / "psql"), "-v", "ON_ERROR_STOP=1", "-q", pg_url], input=sql, check=True,
                   capture_output=True, timeout=120)
    return pg_url


@pytest.fixture
def schema_7_server(postgres, pg_url: str) -> str:  # type: ignore[no-untyped-def]
    return _restored(postgres, pg_url, 7)


@pytest.mark.parametrize("version", list(VERSIONS))
def test_a_team_database_of_an_earlier_schema_is_migrated_in_place(version: int, postgres, pg_url: str) -> None:  # type: ignore[no-untyped-def]
    import psycopg

    server = _restored(postgres, pg_url, version)
    with psycopg.connect(server) as connection:
        assert connection.execute("SELECT version FROM portfolio_schema").fetchone()[0] == version
    with open_portfolio(server) as db:
        _upgraded_database_is_whole(db, version)
    with psycopg.connect(server) as connection:
        assert connection.execute("SELECT version FROM portfolio_schema").fetchone()[0] == SCHEMA_VERSION
        assert connection.execute("SELECT version_num FROM alembic_version").fetchone()[0] == f"{SCHEMA_VERSION:04d}"
        # the trail's append-only triggers are still there after the migration
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            connection.execute("UPDATE audit_entry SET actor = 'x' WHERE seq = 1")
    from portfolio.services.integrity import check_server

    report = check_server(server)  # the new triggers too (TRUNCATE, the entry's actor), and the replay
    assert report.ok, report.problems()


def test_a_reader_of_an_older_team_database_is_told_to_upgrade_it(schema_7_server: str) -> None:
    from portfolio.db.database import DatabaseError

    with pytest.raises(DatabaseError, match="schéma 7 : ouvrez-la une fois en écriture"):
        open_portfolio(schema_7_server, readonly=True).close()



def test_a_migrated_imports_record_changed_or_deleted_is_seen(tmp_path: Path) -> None:
    """The imports the migration recorded (no entry of their own in the trail) are checked against the entries
    that name them: their counts and sheet, and their row's very presence (issue #20's review)."""
    from portfolio.db.schema_check import SQLITE_TRIGGERS
    from portfolio.services.integrity import check_file

    path = tmp_path / "portefeuille.sqlite"
    path.write_bytes(gzip.decompress(data_file("schema9/portefeuille-schema-9.sqlite.gz").read_bytes()))
    open_portfolio(path).close()
    assert check_file(path).sound
    for statement, problem in (("UPDATE import_batch SET created = 1", "n'est pas celui que le journal"),
                               ("DELETE FROM import_batch", "son enregistrement a été supprimé")):
        copy = tmp_path / f"copie-{len(problem)}.sqlite"
        copy.write_bytes(path.read_bytes())
        with sqlite3.connect(copy, isolation_level=None) as connection:
            for name in ("import_batch_no_update", "import_batch_no_delete"):
                connection.execute(f"DROP TRIGGER {name}")
            connection.execute(statement)
            for name in ("import_batch_no_update", "import_batch_no_delete"):
                connection.execute(SQLITE_TRIGGERS[name])
        connection.close()
        report = check_file(copy)
        assert not report.sound and any(problem in line for line in report.problems()), report.problems()


def test_the_check_of_a_file_not_upgraded_yet_expects_only_its_schemas_triggers(tmp_path: Path) -> None:
    """`portfolio check` reads a schema-9 file as it is: the import records' triggers (schema 10) are not "removed"
    from it; a trigger its schema has is still missed, named with what it guards."""
    from portfolio.services.integrity import check_file

    def without(trigger: str) -> list[str]:
        with sqlite3.connect(path, isolation_level=None) as connection:
            connection.execute(f"DROP TRIGGER {trigger}")
        connection.close()
        return check_file(path).schema

    path = tmp_path / "portefeuille.sqlite"
    path.write_bytes(gzip.decompress(data_file("schema9/portefeuille-schema-9.sqlite.gz").read_bytes()))
    assert check_file(path).schema == []
    assert without("audit_checkpoint_no_delete") == [
        "Schéma : le déclencheur « audit_checkpoint_no_delete », qui interdit de modifier ou supprimer une tête "
        "signée du journal, a été supprimé."]
    open_portfolio(path).close()  # upgraded (and its trail's guards put back): each trigger of schema 10 expected
    assert without("import_batch_no_delete") == [
        "Schéma : le déclencheur « import_batch_no_delete », qui interdit de modifier ou supprimer l'enregistrement "
        "d'un import, a été supprimé."]
