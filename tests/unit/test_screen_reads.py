"""The reads the screens make through the core (issue #20: no SQL in portfolio.ui): records by id, uuid or code, a
bulk edit's changes, the dashboard's filters, the journal's record, a contact's person, the import's calls and
the snapshot comparison's details."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest
from tests.postgres_server import Server

from portfolio.db.database import Database
from portfolio.db.sqlite_file import QuickView
from portfolio.domain.referential import fold
from portfolio.exchange.imports import call_choices
from portfolio.services.audit import data_seq
from portfolio.services.changes import Create, Delete, FieldChange, apply_changes, current_values, new_uuid
from portfolio.services.gdpr import person_of_contact
from portfolio.services.journal import audit_record
from portfolio.services.kpi import filter_choices
from portfolio.services.portfolio import open_portfolio
from portfolio.services.records import (
    field_changes,
    id_of_code,
    id_of_uuid,
    record_count,
    status_transitions,
    uuid_of,
)
from portfolio.services.snapshot import open_read_only, write_snapshot
from portfolio.services.snapshot_diff import diff_snapshots, fallback_id, read_details, snapshot_info


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo portfolio (350 projects), written once for the module: the tests below only read it."""
    from portfolio.services.demo import write_demo

    path = tmp_path_factory.mktemp("reads") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db, seed=2030, scale=1)
    return path


def rows(path: Path, sql: str, *params: object) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql, params).fetchall()


def created(db: Database, entity: str, values: dict[str, object]) -> tuple[str, int]:
    uuid = new_uuid()
    result = apply_changes(db, [Create(entity, uuid, values)], source="test")
    return uuid, result.created_ids[uuid]


# --- services.records ---


def test_records_are_counted_and_found_by_id_uuid_and_code(db: Database, portfolio_path: Path) -> None:
    uuid, org_id = created(db, "organisation", {"name": "Structure des tests"})
    with db.read() as session:
        assert record_count(session, "region") == 18
        assert record_count(session, "organisation") == 1
        assert uuid_of(session, "organisation", org_id) == uuid
        assert uuid_of(session, "organisation", org_id + 1000) is None
        assert id_of_uuid(session, "organisation", uuid) == org_id
        assert id_of_uuid(session, "organisation", new_uuid()) is None
        brittany = id_of_code(session, "region", "53")
        assert brittany == rows(portfolio_path, "SELECT id FROM region WHERE name = 'Bretagne'")[0][0]
        assert id_of_code(session, "region", "nowhere") is None
    with contextlib.closing(sqlite3.connect(portfolio_path)) as plain:  # the first paint's plain connection
        assert id_of_code(plain, "region", "53") == brittany
        assert id_of_uuid(plain, "organisation", uuid) == org_id


def test_status_transitions_are_the_lifecycles(db: Database, portfolio_path: Path) -> None:
    status = {code: i for i, code in rows(portfolio_path, "SELECT id, code FROM status WHERE entity = 'application'")}
    with db.read() as session:
        allowed = status_transitions(session)
    assert (status["instruction"], status["laureate"]) in allowed
    assert (status["deposee"], status["laureate"]) not in allowed
    assert len(allowed) == rows(portfolio_path, "SELECT count(*) FROM status_transition")[0][0]


def test_a_bulk_edit_changes_only_the_differing_values(db: Database) -> None:
    ids = [created(db, "organisation", {"name": f"Structure {i}", "city": city})[1]
           for i, city in enumerate(("Rennes", "Brest", "Vannes"))]
    with db.read() as session:
        changes, refused = field_changes(session, "organisation", "city", ids, "Rennes")
        uuids = {uuid_of(session, "organisation", i): i for i in ids}
    assert refused == 0
    assert sorted((uuids[c.uuid], c.field, c.old, c.new) for c in changes) == [
        (ids[1], "city", "Brest", "Rennes"), (ids[2], "city", "Vannes", "Rennes")]
    assert all(isinstance(c, FieldChange) and c.entity == "organisation" for c in changes)


def test_a_bulk_edit_of_a_status_follows_the_lifecycle(demo: Path) -> None:
    status = {code: i for i, code in rows(demo, "SELECT id, code FROM status WHERE entity = 'project'")}
    chosen = {code: rows(demo, "SELECT id, uuid FROM project WHERE status_id = ? ORDER BY id LIMIT 1",
                         status[code])[0] for code in ("en_cours", "abandonne", "solde")}
    with open_portfolio(demo) as db, db.read() as session:
        changes, refused = field_changes(session, "project", "status_id",
                                         [record_id for record_id, _uuid in chosen.values()], status["solde"])
    assert changes == [FieldChange("project", chosen["en_cours"][1], "status_id", status["en_cours"],
                                   status["solde"])]
    assert refused == 1  # an abandoned project cannot be settled; the settled one is left as it is


# --- the dashboard, the journal, the GDPR button, the import wizard ---


def test_the_dashboard_filters_offer_the_references_and_the_years_of_the_data(demo: Path) -> None:
    with open_portfolio(demo) as db, db.read() as session:
        choices = filter_choices(session)
    assert set(choices) == {"call", "axis", "region", "typology", "year"}
    calls = rows(demo, "SELECT code, label FROM call")
    assert choices["call"] == [(code, f"{code} — {label}") for code, label in sorted(calls)]
    axes = rows(demo, "SELECT code FROM axis ORDER BY sort_order")
    assert [code for code, _ in choices["axis"]] == [code for (code,) in axes]
    names = [name for _, name in choices["region"]]
    assert names == sorted(names, key=fold) and "Île-de-France" in names and len(names) == 18
    assert choices["typology"][0][1] == rows(demo, "SELECT label FROM typology ORDER BY sort_order LIMIT 1")[0][0]
    years = {y for (y,) in rows(demo, "SELECT substr(decision_on, 1, 4) FROM project WHERE decision_on IS NOT NULL "
                                      "UNION SELECT substr(submitted_on, 1, 4) FROM application "
                                      "UNION SELECT substr(paid_on, 1, 4) FROM disbursement WHERE paid_on IS NOT NULL")
             if y}
    assert choices["year"] == [(y, y) for y in sorted(years)] and len(years) > 1
    quick = QuickView.open(demo)  # the window's first paint reads them through plain sqlite3
    assert quick is not None
    try:
        with quick.read() as connection:
            assert filter_choices(connection) == choices
            assert data_seq(connection) == rows(demo, "SELECT max(seq) FROM audit_entry")[0][0]
    finally:
        quick.close()


def test_the_data_sequence_grows_with_every_change(db: Database) -> None:
    with db.read() as session:
        before = data_seq(session)
    created(db, "organisation", {"name": "Une de plus"})
    with db.read() as session:
        assert data_seq(session) == before + 1


def test_a_journal_entry_leads_to_its_record_or_says_it_was_deleted(db: Database, portfolio_path: Path) -> None:
    uuid, org_id = created(db, "organisation", {"name": "Structure suivie"})
    (seq,), = rows(portfolio_path, "SELECT seq FROM audit_entry WHERE record_uuid = ? AND operation = 'create'", uuid)
    with db.read() as session:
        assert audit_record(session, seq) == ("organisation", org_id)
        assert audit_record(session, seq + 10_000) is None
        values = current_values(session, "organisation", uuid)
    apply_changes(db, [Delete("organisation", uuid, values)], source="test")
    with db.read() as session:
        assert audit_record(session, seq) == ("organisation", None)


def test_a_contacts_person_gathers_the_records_with_its_email(db: Database) -> None:
    _org, org_id = created(db, "organisation", {"name": "Clinique du Parc"})
    email = "camille.verdier@clinique-exemple.fr"
    _uuid, first = created(db, "contact", {"organisation_id": org_id, "last_name": "Verdier", "email": email})
    _uuid, second = created(db, "contact", {"organisation_id": org_id, "last_name": "Verdier",
                                            "email": email.upper()})
    _uuid, alone = created(db, "contact", {"organisation_id": org_id, "last_name": "Sans courriel"})
    created(db, "contact", {"organisation_id": org_id, "last_name": "Sans courriel"})  # another without email
    with db.read() as session:
        assert sorted(c["id"] for c in person_of_contact(session, first).contacts) == [first, second]
        assert [c["id"] for c in person_of_contact(session, alone).contacts] == [alone]  # not the other one


def test_the_import_offers_every_call_by_code(db: Database, portfolio_path: Path) -> None:
    assert call_choices(db) == sorted(rows(portfolio_path, "SELECT code, label FROM call"))
    assert call_choices(db)


# --- the snapshot comparison ---


def test_the_snapshot_details_name_both_files_and_the_records_referred_to(demo: Path, tmp_path: Path) -> None:
    old = tmp_path / "avant.sqlite"
    write_snapshot(demo, old, author="camille")
    new = tmp_path / "apres.sqlite"
    shutil.copyfile(demo, new)
    (aid_id, aid_uuid, org_before), = rows(new, "SELECT id, uuid, organisation_id FROM aid ORDER BY id LIMIT 1")
    (org_after, org_name), = rows(new, "SELECT id, name FROM organisation WHERE id NOT IN "
                                       "(SELECT organisation_id FROM aid WHERE project_id = "
                                       "(SELECT project_id FROM aid WHERE id = ?)) ORDER BY id LIMIT 1", aid_id)
    with open_portfolio(new) as db:
        apply_changes(db, [FieldChange("aid", aid_uuid, "organisation_id", org_before, org_after)], source="test")
    diff = diff_snapshots(old, new)
    assert fallback_id("aid", f"Aide {aid_id}") == aid_id  # an aid has no name: "Aide <id>"
    assert fallback_id("organisation", "Aide 3") is None
    details = read_details(diff, 500)
    assert (details.old.path, details.new.path) == (old, new)
    assert details.old.author == "camille" and details.old.created_utc
    assert details.new.created_utc is None and details.new.author is None  # a portfolio file, not a snapshot
    assert details.titles[("new", "organisation", org_after)] == org_name
    (before_name,), = rows(demo, "SELECT name FROM organisation WHERE id = ?", org_before)
    assert details.titles[("old", "organisation", org_before)] == before_name
    assert details.titles[("new", "aid", aid_id)] == org_name  # the aid named by its beneficiary
    with contextlib.closing(open_read_only(old)) as connection:
        assert snapshot_info(connection, old).author == "camille"


# --- team mode ---


def test_the_same_reads_on_a_server_database(postgres: Server) -> None:
    url = str(postgres.database())
    with open_portfolio(url) as db:
        uuid, org_id = created(db, "organisation", {"name": "Structure partagée", "city": "Brest"})
        email = "jean.dupont@chu-rennes.fr"
        _contact, contact_id = created(db, "contact", {"organisation_id": org_id, "last_name": "Dupont",
                                                       "email": email})
        _other, other_id = created(db, "contact", {"organisation_id": org_id, "last_name": "Dupont",
                                                   "email": email.upper()})
        with db.read() as session:
            assert record_count(session, "region") == 18 and record_count(session, "organisation") == 1
            assert uuid_of(session, "organisation", org_id) == uuid
            assert id_of_uuid(session, "organisation", uuid) == org_id
            assert id_of_code(session, "region", "53") is not None and id_of_code(session, "region", "?") is None
            assert status_transitions(session)
            changes, refused = field_changes(session, "organisation", "city", [org_id], "Rennes")
            assert [(c.uuid, c.old, c.new) for c in changes] == [(uuid, "Brest", "Rennes")] and refused == 0
            choices = filter_choices(session)
            names = [name for _, name in choices["region"]]
            assert names == sorted(names, key=fold) and len(names) == 18 and choices["year"] == []
            assert audit_record(session, data_seq(session)) == ("contact", other_id)
            assert sorted(c["id"] for c in person_of_contact(session, contact_id).contacts) == [contact_id, other_id]
        assert [code for code, _ in call_choices(db)] == sorted(code for code, _ in call_choices(db))
