"""The one door (apply_changes) and the hash-chained, append-only audit trail."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError as SAIntegrityError

from portfolio.db.database import Database
from portfolio.db.models import ENTITIES
from portfolio.domain import programme as prog
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.identifiers import with_luhn_digit
from portfolio.services import fields
from portfolio.services.audit import (
    AUDIT_COLUMNS,
    ERASED,
    GENESIS_HASH,
    entry_hash,
    payload_hash,
    values_hash,
    verify_chain,
)
from portfolio.services.changes import (
    ChangeRefused,
    Create,
    Delete,
    FieldChange,
    StaleChangeError,
    apply_changes,
    current_values,
    invert,
    new_uuid,
)
from portfolio.services.fields import UnknownField
from portfolio.services.portfolio import open_portfolio
from portfolio.services.reference import reference_changes, reference_uuid

SIREN = with_luhn_digit("55210055")
SIRET = with_luhn_digit(SIREN + "0001")
OTHER_SIRET = with_luhn_digit(SIREN + "0002")


# --- helpers ------------------------------------------------------------------------------------------------


def ref_id(db: Database, entity: str, key: str) -> int:
    """The id of a seeded reference record, found by its stable uuid."""
    table = fields.table(entity)
    with db.read() as session:
        return session.execute(table.select().where(table.c.uuid == reference_uuid(entity, key))).one().id


def row(db: Database, entity: str, uuid: str) -> dict[str, Any] | None:
    table = fields.table(entity)
    with db.read() as session:
        found = session.execute(table.select().where(table.c.uuid == uuid)).mappings().first()
    return dict(found) if found else None


def last_seq(db: Database) -> int:
    with db.read() as session:
        return session.execute(text("SELECT coalesce(max(seq), 0) FROM audit_entry")).scalar_one()


def audit_after(db: Database, seq: int) -> list[dict[str, Any]]:
    with db.read() as session:
        rows = session.execute(text("SELECT * FROM audit_entry WHERE seq > :s ORDER BY seq"), {"s": seq})
        return [dict(r) for r in rows.mappings()]


def actor_named(db: Database, given: str) -> str:
    """The actor the trail names: ``given`` on a file; on a team's server, the role connected, whatever the
    application was told (the server refuses any other name, so an officer cannot write in a colleague's)."""
    if not db.is_file:
        with db.read() as session:
            return str(session.execute(text("SELECT session_user")).scalar_one())
    return given


def snapshot(db: Database) -> dict[str, list[dict[str, Any]]]:
    """Every row of every entity table, and the audit trail."""
    result = {}
    with db.read() as session:
        for entity in ENTITIES:
            table = fields.table(entity)
            result[entity] = [dict(r) for r in session.execute(table.select().order_by(table.c.id)).mappings()]
        result["audit_entry"] = [dict(r) for r in session.execute(text("SELECT * FROM audit_entry")).mappings()]
    return result


def org_values(db: Database, **overrides: Any) -> dict[str, Any]:
    values = {
        "name": "Clinique numérique de l'Ouest",
        "siret": SIRET,
        "siren": SIREN,
        "typology_id": ref_id(db, "typology", "PME"),
        "region_id": ref_id(db, "region", "53"),
        "department_id": ref_id(db, "department", "35"),
        "city": "",
    }
    values.update(overrides)
    return values


def create_org(db: Database, **overrides: Any) -> str:
    uuid = new_uuid()
    apply_changes(db, [Create("organisation", uuid, org_values(db, **overrides))], source="test")
    return uuid


def create_application(db: Database, org_uuid: str, **overrides: Any) -> str:
    uuid = new_uuid()
    values = {
        "call_id": ref_id(db, "call", "TLE-V1"),
        "lead_organisation_id": row(db, "organisation", org_uuid)["id"],  # type: ignore[index]
        "title": "Tiers-lieu d'expérimentation en télésurveillance",
        "acronym": "TLX",
        "requested_cents": 150_000_00,
        "status_id": ref_id(db, "status", "application.deposee"),
    }
    values.update(overrides)
    apply_changes(db, [Create("application", uuid, values)], source="test")
    return uuid


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, portfolio_path: Path) -> Iterator[Database]:
    """The door's tests on both engines: a seeded file, and a seeded database on the test server (team mode)."""
    database = open_portfolio(portfolio_path if request.param == "sqlite" else request.getfixturevalue("pg_url"))
    yield database
    database.close()


def raw(path: Path) -> contextlib.closing[sqlite3.Connection]:
    if not isinstance(path, Path):  # a server's database: its file cannot be tampered with from outside
        pytest.skip("tampering with the file itself: SQLite only (the server's triggers are tested apart)")
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


def drop_triggers(path: Path) -> None:
    with raw(path) as connection:
        connection.execute("DROP TRIGGER audit_entry_no_update")
        connection.execute("DROP TRIGGER audit_entry_no_delete")


# --- the seed ---------------------------------------------------------------------------------------------


def test_open_portfolio_seeds_reference_data_through_the_door(db: Database) -> None:
    changes = reference_changes()
    entries = audit_after(db, 0)
    assert len(entries) == len(changes)
    assert {e["operation"] for e in entries} == {"create"}
    assert {e["source"] for e in entries} == {"initialisation"}
    with db.read() as session:
        assert verify_chain(session).ok
        counts = {e: session.execute(text(f"SELECT count(*) FROM {e}")).scalar_one()
                  for e in ("axis", "action", "region", "department", "call", "status")}
    assert counts == {"axis": 5, "action": 32, "region": 18, "department": 101, "call": len(prog.CALLS),
                      "status": len(prog.STATUSES)}


# --- creating -------------------------------------------------------------------------------------------


def test_create_writes_the_record_and_one_audit_entry(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_ACTOR", "claire.martin")
    before = last_seq(db)
    uuid = new_uuid()
    values = org_values(db)
    result = apply_changes(db, [Create("organisation", uuid, values)], source="screen")
    stored = row(db, "organisation", uuid)
    assert stored is not None
    assert stored["id"] == result.created_ids[uuid]
    assert {k: stored[k] for k in values} == values
    assert stored["row_version"] == 1
    assert stored["synthetic"] is False
    entries = audit_after(db, before)
    assert result.audit_entries == len(entries) == 1
    entry = entries[0]
    assert entry["operation"] == "create"
    assert (entry["entity"], entry["record_uuid"], entry["field"]) == ("organisation", uuid, None)
    assert entry["old_value"] is None
    # the creation's entry holds every field of the record, those left empty too
    every = {"rna": None, "foreign_id": None, **values}
    assert json.loads(entry["new_value"]) == {"id": stored["id"], **every}
    assert (entry["actor"], entry["source"], entry["batch"]) == (actor_named(db, "claire.martin"), "screen",
                                                                result.batch)
    assert result.inverse == [Delete("organisation", uuid, every, stored["id"], False)]


def test_create_fills_defaults_and_cleans_values(db: Database) -> None:
    uuid = create_org(db, name="  Santé Connectée  ", siret=" ".join([SIRET[:3], SIRET[3:6], SIRET[6:9], SIRET[9:]]),
                      siren=None, city=None, typology_id=None)
    stored = row(db, "organisation", uuid)
    assert stored is not None
    assert stored["name"] == "Santé Connectée"
    assert stored["siret"] == SIRET
    assert stored["siren"] is None
    assert stored["city"] == ""
    assert stored["typology_id"] is None


# --- field changes ---------------------------------------------------------------------------------------


def test_field_change_writes_one_exact_audit_entry(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    uuid = create_org(db)
    monkeypatch.setenv("PORTFOLIO_ACTOR", "agent.ars-bretagne")
    before_seq = last_seq(db)
    before = row(db, "organisation", uuid)
    assert before is not None
    started = datetime.now(UTC)
    result = apply_changes(db, [FieldChange("organisation", uuid, "city", "", "Rennes")], source="screen")
    after = row(db, "organisation", uuid)
    assert after is not None
    assert after["city"] == "Rennes"
    assert after["row_version"] == before["row_version"] + 1
    changed = ("city", "row_version", "city_key", "search_key")  # the door derives the keys from the city
    assert {k: v for k, v in after.items() if k not in changed} == {k: v for k, v in before.items() if k not in changed}
    assert after["city_key"] == "rennes" and after["search_key"].endswith(" rennes")
    entries = audit_after(db, before_seq)
    assert result.audit_entries == len(entries) == 1
    entry = entries[0]
    assert entry["seq"] == before_seq + 1
    assert entry["operation"] == "update"
    assert (entry["entity"], entry["record_uuid"], entry["field"]) == ("organisation", uuid, "city")
    assert entry["old_value"] == '""'
    assert entry["new_value"] == '"Rennes"'
    assert entry["actor"] == actor_named(db, "agent.ars-bretagne")
    assert entry["source"] == "screen"
    assert entry["batch"] == result.batch
    at = datetime.fromisoformat(entry["at_utc"])
    assert at.utcoffset() == timedelta(0)
    assert started - timedelta(seconds=1) <= at <= datetime.now(UTC) + timedelta(seconds=1)
    assert entry["hash"] == entry_hash(entry)
    with db.read() as session:
        previous = session.execute(text("SELECT hash FROM audit_entry WHERE seq = :s"), {"s": before_seq}).scalar()
    assert entry["prev_hash"] == previous


@given(st.integers(min_value=1, max_value=2**62),
       st.lists(st.one_of(st.none(), st.text()), min_size=len(AUDIT_COLUMNS) - 2, max_size=len(AUDIT_COLUMNS) - 2),
       st.text(min_size=1))
def test_the_door_hashes_an_entry_as_the_chain_is_verified(seq: int, texts: list[str | None], salt: str) -> None:
    # the door builds the canonical JSON itself (values_hash); verify_chain uses the encoder (entry_hash):
    # any text (quotes, backslashes, control characters, accents, emoji) must give the same hash
    values = (seq, *texts, salt)
    row = dict(zip(AUDIT_COLUMNS, values, strict=True))
    assert values_hash(values) == entry_hash(row)
    # erased: the values replaced, the salt dropped, the payload's digest kept: the same hash
    erased = row | {"old_value": ERASED, "new_value": None, "salt": None,
                    "payload_hash": payload_hash(salt, row["old_value"], row["new_value"])}
    assert entry_hash(erased) == values_hash(values)


def test_audit_values_are_json_with_accents_and_dates(db: Database) -> None:
    org = create_org(db)
    app = create_application(db, org)
    before = last_seq(db)
    apply_changes(db, [
        FieldChange("organisation", org, "city", "", "Saint-Étienne"),
        FieldChange("application", app, "submitted_on", None, "28/11/2026"),
        FieldChange("application", app, "requested_cents", 150_000_00, 123_456_78),
    ], source="screen", actor="explicit actor")
    entries = audit_after(db, before)
    assert [(e["field"], e["old_value"], e["new_value"]) for e in entries] == [
        ("city", '""', '"Saint-Étienne"'),
        ("submitted_on", "null", '"2026-11-28"'),
        ("requested_cents", "15000000", "12345678"),
    ]
    assert {e["actor"] for e in entries} == {actor_named(db, "explicit actor")}
    assert row(db, "application", app)["submitted_on"] == date(2026, 11, 28)  # type: ignore[index]


def test_several_fields_of_one_record_bump_row_version_once(db: Database) -> None:
    uuid = create_org(db)
    before_seq = last_seq(db)
    version = row(db, "organisation", uuid)["row_version"]  # type: ignore[index]
    result = apply_changes(db, [
        FieldChange("organisation", uuid, "city", "", "Brest"),
        FieldChange("organisation", uuid, "name", "Clinique numérique de l'Ouest", "Clinique du Finistère"),
        FieldChange("organisation", uuid, "siret", SIRET, OTHER_SIRET),
    ], source="screen")
    after = row(db, "organisation", uuid)
    assert after is not None
    assert after["row_version"] == version + 1
    assert (after["city"], after["name"], after["siret"]) == ("Brest", "Clinique du Finistère", OTHER_SIRET)
    entries = audit_after(db, before_seq)
    assert [e["field"] for e in entries] == ["city", "name", "siret"]
    assert {e["batch"] for e in entries} == {result.batch}
    assert result.audit_entries == 3
    # a second call is a second step
    apply_changes(db, [FieldChange("organisation", uuid, "city", "Brest", "Quimper")], source="screen")
    assert row(db, "organisation", uuid)["row_version"] == version + 2  # type: ignore[index]


def test_a_change_to_the_same_value_writes_nothing(db: Database) -> None:
    uuid = create_org(db, city="Rennes")
    before = snapshot(db)
    result = apply_changes(db, [FieldChange("organisation", uuid, "city", "Rennes", " Rennes ")], source="screen")
    assert result.audit_entries == 0
    assert result.inverse == []
    assert snapshot(db) == before


# --- refusals: nothing of the batch is written ---------------------------------------------------------------


def test_stale_change_is_refused_and_nothing_of_the_batch_is_written(db: Database) -> None:
    uuid = create_org(db)
    other = create_org(db, siret=OTHER_SIRET)
    before = snapshot(db)
    with pytest.raises(StaleChangeError) as info:
        apply_changes(db, [
            FieldChange("organisation", other, "city", "", "Vannes"),  # valid, applied first
            FieldChange("organisation", uuid, "city", "", "Lorient"),  # valid
            FieldChange("organisation", uuid, "name", "Ancien nom", "Nouveau nom"),  # stale
        ], source="screen")
    error = info.value
    assert isinstance(error, ChangeRefused)
    assert len(error.conflicts) == 1
    conflict = error.conflicts[0]
    assert conflict.field == "name"
    assert conflict.expected == "Ancien nom"
    assert conflict.current == "Clinique numérique de l'Ouest"
    assert conflict.change.uuid == uuid
    assert "Ancien nom" in str(error)
    assert "Clinique numérique de l'Ouest" in str(error)
    assert "Raison sociale" in str(error)
    assert snapshot(db) == before


def test_stale_change_after_someone_else_edited(db: Database) -> None:
    uuid = create_org(db)
    version = row(db, "organisation", uuid)["row_version"]  # type: ignore[index]
    apply_changes(db, [FieldChange("organisation", uuid, "city", "", "Rennes")], source="other window")
    before = snapshot(db)
    with pytest.raises(StaleChangeError) as info:
        apply_changes(db, [FieldChange("organisation", uuid, "city", "", "Saint-Malo")], source="screen")
    assert (info.value.conflicts[0].expected, info.value.conflicts[0].current) == ("", "Rennes")
    with pytest.raises(StaleChangeError) as info:
        apply_changes(db, [FieldChange("organisation", uuid, "name", "Clinique numérique de l'Ouest", "X",
                                       expected_version=version)], source="screen")
    assert info.value.conflicts[0].field == "row_version"
    assert (info.value.conflicts[0].expected, info.value.conflicts[0].current) == (version, version + 1)
    assert snapshot(db) == before


def test_invalid_siret_is_refused_naming_the_field(db: Database) -> None:
    uuid = create_org(db)
    wrong = SIRET[:-1] + str((int(SIRET[-1]) + 1) % 10)
    before = snapshot(db)
    with pytest.raises(InvalidValue) as info:
        apply_changes(db, [FieldChange("organisation", uuid, "city", "", "Rennes"),
                           FieldChange("organisation", uuid, "siret", SIRET, wrong)], source="screen")
    assert str(info.value).startswith("SIRET :")
    assert wrong in str(info.value)
    with pytest.raises(InvalidValue) as info:
        apply_changes(db, [Create("organisation", new_uuid(), org_values(db, siren="123"))], source="screen")
    assert str(info.value).startswith("SIREN :")
    assert snapshot(db) == before


def test_checked_values_are_written_as_given_but_a_missing_value_or_wrong_status_is_still_refused(
        db: Database) -> None:
    # Create(checked=True): values an import's plan already normalised; the door does not normalise them again
    # (a text with outer spaces stays as given, which normalising would strip), yet refuses what checking
    # each value would not catch
    uuid = new_uuid()
    apply_changes(db, [Create("organisation", uuid, org_values(db, city=" Rennes "), checked=True)], source="test")
    assert (row(db, "organisation", uuid) or {})["city"] == " Rennes "
    before = snapshot(db)
    with pytest.raises(InvalidValue, match="obligatoire"):
        apply_changes(db, [Create("organisation", new_uuid(), org_values(db, name=None), checked=True)],
                      source="test")
    with pytest.raises(UnknownField):
        apply_changes(db, [Create("organisation", new_uuid(), {**org_values(db), "nickname": "x"}, checked=True)],
                      source="test")
    org_id = (row(db, "organisation", uuid) or {})["id"]
    wrong_status = ref_id(db, "status", "project.laureat")  # a project's status given to an application
    with pytest.raises(InvalidValue, match="statut inconnu"):
        apply_changes(db, [Create("application", new_uuid(), {
            "call_id": ref_id(db, "call", "TLE-V1"), "lead_organisation_id": org_id, "title": "T",
            "acronym": "T", "status_id": wrong_status}, checked=True)], source="test")
    assert snapshot(db) == before


def test_record_identifiers_are_time_ordered_uuids() -> None:
    import uuid as uuid_module

    first = [new_uuid() for _ in range(2000)]
    assert len(set(first)) == len(first)
    parsed = [uuid_module.UUID(u) for u in first]
    assert {(u.version, u.variant) for u in parsed} == {(7, uuid_module.RFC_4122)}
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    assert all(abs((u.int >> 80) - now_ms) < 60_000 for u in parsed)  # the first 48 bits: the time in ms
    prefixes = [u[:13] for u in first]  # the time part: identifiers made later sort later
    assert prefixes == sorted(prefixes)


def test_required_field_is_refused(db: Database) -> None:
    uuid = create_org(db)
    before = snapshot(db)
    with pytest.raises(InvalidValue, match="Raison sociale"):
        apply_changes(db, [FieldChange("organisation", uuid, "name", "Clinique numérique de l'Ouest", "  ")],
                      source="screen")
    with pytest.raises(InvalidValue, match="Raison sociale"):
        apply_changes(db, [Create("organisation", new_uuid(), org_values(db, name=None))], source="screen")
    assert snapshot(db) == before


def test_unknown_field_or_entity_is_refused(db: Database) -> None:
    uuid = create_org(db)
    before = snapshot(db)
    with pytest.raises(UnknownField, match="nickname"):
        apply_changes(db, [FieldChange("organisation", uuid, "nickname", None, "x")], source="screen")
    with pytest.raises(UnknownField):
        apply_changes(db, [FieldChange("organisation", uuid, "row_version", 1, 5)], source="screen")
    with pytest.raises(UnknownField):
        apply_changes(db, [FieldChange("organisation", uuid, "uuid", uuid, new_uuid())], source="screen")
    with pytest.raises(UnknownField, match="nickname"):
        apply_changes(db, [Create("organisation", new_uuid(), {**org_values(db), "nickname": "x"})], source="screen")
    with pytest.raises(UnknownField):
        apply_changes(db, [FieldChange("spaceship", uuid, "name", None, "x")], source="screen")
    assert issubclass(UnknownField, PortfolioError)
    assert snapshot(db) == before


def test_change_to_a_missing_record_is_refused(db: Database) -> None:
    before = snapshot(db)
    with pytest.raises(ChangeRefused):
        apply_changes(db, [FieldChange("organisation", new_uuid(), "city", "", "Rennes")], source="screen")
    assert snapshot(db) == before


def test_deleting_a_referenced_record_is_refused(db: Database) -> None:
    org = create_org(db)
    app = create_application(db, org)
    before = snapshot(db)
    with db.read() as session:
        values = current_values(session, "organisation", org)
        region = reference_uuid("region", "53")
        region_values = current_values(session, "region", region)
    with pytest.raises(ChangeRefused) as info:
        apply_changes(db, [FieldChange("application", app, "acronym", "TLX", "TLY"),
                           Delete("organisation", org, values)], source="screen")
    assert not isinstance(info.value, StaleChangeError)
    assert "Rien n'a été modifié" in str(info.value)
    with pytest.raises(ChangeRefused):
        apply_changes(db, [Delete("region", region, region_values)], source="screen")
    assert snapshot(db) == before


def test_a_reference_to_a_missing_record_is_refused(db: Database) -> None:
    org = create_org(db)
    before = snapshot(db)
    with pytest.raises(ChangeRefused):
        apply_changes(db, [FieldChange("organisation", org, "region_id", ref_id(db, "region", "53"), 999_999)],
                      source="screen")
    assert snapshot(db) == before


def test_deleting_with_stale_values_is_refused(db: Database) -> None:
    org = create_org(db)
    with db.read() as session:
        values = current_values(session, "organisation", org)
    apply_changes(db, [FieldChange("organisation", org, "city", "", "Rennes")], source="other window")
    before = snapshot(db)
    with pytest.raises(StaleChangeError) as info:
        apply_changes(db, [Delete("organisation", org, values)], source="screen")
    assert [(c.field, c.expected, c.current) for c in info.value.conflicts] == [("city", "", "Rennes")]
    assert snapshot(db) == before


def test_money_is_integer_cents(db: Database) -> None:
    org = create_org(db)
    app = create_application(db, org, requested_cents=0)
    before = snapshot(db)
    for bad in (1500.5, 15.0, True, "1500", -1):
        with pytest.raises(InvalidValue, match="Montant demandé"):
            apply_changes(db, [FieldChange("application", app, "requested_cents", 0, bad)], source="screen")
    with pytest.raises(InvalidValue):
        create_application(db, org, requested_cents=99.99)
    assert snapshot(db) == before
    apply_changes(db, [FieldChange("application", app, "requested_cents", 0, 123_456_789)], source="screen")
    assert row(db, "application", app)["requested_cents"] == 123_456_789  # type: ignore[index]


def test_status_must_belong_to_the_entity(db: Database) -> None:
    org = create_org(db)
    app = create_application(db, org)
    before = snapshot(db)
    deposee = ref_id(db, "status", "application.deposee")
    with pytest.raises(InvalidValue, match="Statut"):
        apply_changes(db, [FieldChange("application", app, "status_id", deposee,
                                       ref_id(db, "status", "project.en_cours"))], source="screen")
    assert snapshot(db) == before


# --- undo -------------------------------------------------------------------------------------------------


def test_invert() -> None:
    change = FieldChange("organisation", "u", "city", "", "Rennes")
    create = Create("contact", "c", {"last_name": "Durand"}, 7, True)
    delete = Delete("contact", "d", {"last_name": "Morel"}, 8)
    assert invert([change, create, delete]) == [
        Create("contact", "d", {"last_name": "Morel"}, 8, False),
        Delete("contact", "c", {"last_name": "Durand"}, 7, True),
        FieldChange("organisation", "u", "city", "Rennes", ""),
    ]


def test_apply_then_inverse_restores_every_value(db: Database) -> None:
    org = create_org(db)
    app = create_application(db, org, submitted_on=date(2026, 3, 2))
    kept = new_uuid()
    gone = new_uuid()
    org_id = row(db, "organisation", org)["id"]  # type: ignore[index]
    apply_changes(db, [
        Create("contact", kept, {"organisation_id": org_id, "last_name": "Durand", "email": "a.durand@example.fr"}),
        Create("contact", gone, {"organisation_id": org_id, "first_name": "Léa", "last_name": "Morel",
                                 "phone": "+33 2 99 00 00 00", "role": "Directrice"}, synthetic=True),
    ], source="test")

    def state() -> dict[str, list[dict[str, Any]]]:
        full = snapshot(db)
        return {entity: [{k: v for k, v in r.items() if k != "row_version"} for r in rows]
                for entity, rows in full.items() if entity != "audit_entry"}

    before = state()
    gone_row = row(db, "contact", gone)
    assert gone_row is not None
    with db.read() as session:
        gone_values = current_values(session, "contact", gone)
    added = new_uuid()
    seq = last_seq(db)
    result = apply_changes(db, [
        FieldChange("organisation", org, "city", "", "Rennes"),
        FieldChange("organisation", org, "siret", SIRET, OTHER_SIRET),
        FieldChange("organisation", org, "typology_id", ref_id(db, "typology", "PME"), None),
        FieldChange("application", app, "submitted_on", date(2026, 3, 2), None),
        FieldChange("application", app, "requested_cents", 150_000_00, 1),
        Create("contact", added, {"organisation_id": org_id, "last_name": "Nouveau"}),
        Delete("contact", gone, gone_values),
    ], source="screen")
    after = state()
    assert after != before
    assert row(db, "contact", gone) is None
    assert row(db, "contact", added) is not None
    assert len(audit_after(db, seq)) == result.audit_entries == 7

    seq = last_seq(db)
    undo = apply_changes(db, result.inverse, source="undo")
    assert state() == before
    restored = row(db, "contact", gone)
    assert restored is not None
    assert (restored["id"], restored["uuid"], restored["synthetic"]) == (gone_row["id"], gone, True)
    undo_entries = audit_after(db, seq)
    assert len(undo_entries) == undo.audit_entries == 7
    assert {e["source"] for e in undo_entries} == {"undo"}
    assert {e["batch"] for e in undo_entries} == {undo.batch}
    assert sorted(e["operation"] for e in undo_entries) == ["create", "delete"] + ["update"] * 5

    apply_changes(db, undo.inverse, source="redo")
    assert state() == after
    with db.read() as session:
        assert verify_chain(session).ok


# --- the audit chain --------------------------------------------------------------------------------------


def do_some_work(db: Database) -> None:
    org = create_org(db)
    app = create_application(db, org)
    apply_changes(db, [FieldChange("organisation", org, "city", "", "Rennes"),
                       FieldChange("application", app, "acronym", "TLX", "TLX2")], source="screen")
    with contextlib.suppress(StaleChangeError):
        apply_changes(db, [FieldChange("organisation", org, "city", "", "Brest")], source="screen")
    with db.read() as session:
        values = current_values(session, "organisation", org)
    with contextlib.suppress(ChangeRefused):  # still referenced by the application
        apply_changes(db, [Delete("organisation", org, values)], source="screen")
    result = apply_changes(db, [FieldChange("application", app, "title", "Tiers-lieu d'expérimentation en "
                                            "télésurveillance", "Titre court")], source="screen")
    apply_changes(db, result.inverse, source="undo")


def test_chain_verifies_after_work(db: Database) -> None:
    do_some_work(db)
    with db.read() as session:
        report = verify_chain(session)
        count = session.execute(text("SELECT count(*) FROM audit_entry")).scalar_one()
        first = session.execute(text("SELECT prev_hash FROM audit_entry WHERE seq = 1")).scalar_one()
    assert report.ok, report.problems
    assert report.entries == report.head_seq == count
    assert first == GENESIS_HASH


def test_audit_entries_are_append_only(db: Database) -> None:
    do_some_work(db)
    with raw(db.path) as connection:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE audit_entry SET new_value = '\"x\"' WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM audit_entry WHERE seq = 3")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM audit_entry")
    with pytest.raises(SAIntegrityError, match="append-only"), db.write() as session:
        session.execute(text("UPDATE audit_entry SET actor = 'someone else'"))
    with db.read() as session:
        assert verify_chain(session).ok


def test_an_edited_entry_is_reported(db: Database) -> None:
    do_some_work(db)
    drop_triggers(db.path)
    target = last_seq(db) - 3
    with raw(db.path) as connection:
        connection.execute("UPDATE audit_entry SET new_value = '\"Paris\"' WHERE seq = ?", (target,))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok
    assert any(f"n° {target} a été modifiée" in p for p in report.problems), report.problems


def test_a_deleted_middle_entry_is_reported(db: Database) -> None:
    do_some_work(db)
    drop_triggers(db.path)
    target = last_seq(db) - 3
    with raw(db.path) as connection:
        connection.execute("DELETE FROM audit_entry WHERE seq = ?", (target,))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok
    assert any(f"n° {target} à {target} supprimée" in p for p in report.problems), report.problems
    assert any(f"rompu à l'entrée n° {target + 1}" in p for p in report.problems), report.problems


def test_a_deleted_last_entry_is_reported(db: Database) -> None:
    do_some_work(db)
    drop_triggers(db.path)
    target = last_seq(db)
    with raw(db.path) as connection:
        connection.execute("DELETE FROM audit_entry WHERE seq = ?", (target,))
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok
    assert any(f"n° {target} à {target}) ont été supprimées" in p for p in report.problems), report.problems


def test_a_deleted_last_entry_stays_reported_after_the_next_change(db: Database) -> None:
    """The next write must not reuse the deleted entry's number and so hide the truncation."""
    org = create_org(db)
    drop_triggers(db.path)
    target = last_seq(db)
    with raw(db.path) as connection:
        connection.execute("DELETE FROM audit_entry WHERE seq = ?", (target,))
    apply_changes(db, [FieldChange("organisation", org, "city", "", "Rennes")], source="screen")
    with db.read() as session:
        report = verify_chain(session)
    assert not report.ok, "the deleted audit entry is no longer detected"
    assert any(f"n° {target}" in p for p in report.problems), report.problems


def test_expected_version_holds_for_several_fields_of_one_record(db: Database) -> None:
    """The batch's own row_version step must not make its second field change look stale."""
    created = apply_changes(db, [Create("organisation", "00000000-0000-4000-8000-0000000000aa",
                                        {"name": "Version SAS", "city": "Rennes"})], source="test")
    assert created.audit_entries == 1
    apply_changes(db, [
        FieldChange("organisation", "00000000-0000-4000-8000-0000000000aa", "city", "Rennes", "Brest",
                    expected_version=1),
        FieldChange("organisation", "00000000-0000-4000-8000-0000000000aa", "name", "Version SAS", "Version SA",
                    expected_version=1),
    ], source="test")
    with db.read() as session:
        row = session.execute(text("SELECT city, name, row_version FROM organisation WHERE uuid = :u"),
                              {"u": "00000000-0000-4000-8000-0000000000aa"}).one()
    assert tuple(row) == ("Brest", "Version SA", 2)


def test_a_deleted_records_id_is_never_given_again(db: Database) -> None:
    """Undoing a deletion restores the record with its own id, even after others were created meanwhile."""
    first = "00000000-0000-4000-8000-0000000000b1"
    created = apply_changes(db, [Create("organisation", first, {"name": "Première SAS"})], source="test")
    deleted = apply_changes(db, [Delete("organisation", first, {"name": "Première SAS"})], source="test")
    other = apply_changes(db, [Create("organisation", "00000000-0000-4000-8000-0000000000b2",
                                      {"name": "Seconde SAS"})], source="test")
    assert other.created_ids["00000000-0000-4000-8000-0000000000b2"] != created.created_ids[first]
    apply_changes(db, deleted.inverse, source="test (annulation)")
    with db.read() as session:
        restored = session.execute(text("SELECT id, name FROM organisation WHERE uuid = :u"), {"u": first}).one()
    assert tuple(restored) == (created.created_ids[first], "Première SAS")
