"""Search keys and sort keys: kept by the one door in the same transaction, never audited nor editable, and
filled by migration 0002 for a database of schema 1."""

from __future__ import annotations

import contextlib
import sqlite3
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import text

from portfolio.db import migrate
from portfolio.db.database import APPLICATION_ID, SCHEMA_VERSION, Database, backups_dir, make_engine
from portfolio.domain.identifiers import with_luhn_digit
from portfolio.domain.referential import fold
from portfolio.services import fields
from portfolio.services.audit import verify_chain
from portfolio.services.changes import Create, Delete, FieldChange, apply_changes, current_values, new_uuid
from portfolio.services.fields import UnknownField
from portfolio.services.keys import KeyMaker, key_spec
from portfolio.services.reference import reference_uuid

SIREN = with_luhn_digit("55210055")
SIRET = with_luhn_digit(SIREN + "0001")
KEYS = ("search_key", "name_key", "city_key", "first_name_key", "last_name_key", "title_key", "acronym_key")


def ref_id(db: Database, entity: str, key: str) -> int:
    table = fields.table(entity)
    with db.read() as session:
        return session.execute(table.select().where(table.c.uuid == reference_uuid(entity, key))).one().id


def stored(db: Database, entity: str, uuid: str) -> dict[str, Any]:
    table = fields.table(entity)
    with db.read() as session:
        return dict(session.execute(table.select().where(table.c.uuid == uuid)).mappings().one())


def create_org(db: Database, **values: Any) -> str:
    uuid = new_uuid()
    apply_changes(db, [Create("organisation", uuid, {
        "name": "Hôpital privé Sainte-Anne", "siren": SIREN, "siret": SIRET,
        "typology_id": ref_id(db, "typology", "ES"), "region_id": ref_id(db, "region", "11"),
        "department_id": ref_id(db, "department", "91"), "city": "Évry-Courcouronnes", **values})], source="test")
    return uuid


def test_fold_is_the_reference_fold_only_faster() -> None:
    """fold goes character by character through a table; the result is the plain definition's."""
    def reference(value: str) -> str:
        decomposed = unicodedata.normalize("NFKD", value)
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        spelt = stripped.casefold().replace("œ", "oe").replace("æ", "ae")
        return " ".join("".join(c if c.isalnum() else " " for c in spelt).split())

    samples = ["Île-de-France", "Hôpital privé Sainte-Anne", "ŒUVRE Straße", "ﬁn", "İstanbul", "a\u034fb",
               "Ǆemal", "x\u0301\u0327y", "São Tomé", "50 % d'aide_totale", "", "   ", "ΣΊΣΥΦΟΣ", "１２３"]
    for sample in samples:
        assert fold(sample) == reference(sample), sample

    @given(st.text())
    def same(value: str) -> None:
        assert fold(value) == reference(value)

    same()


def test_keys_are_not_editable_fields(db: Database) -> None:
    for entity in ("organisation", "contact", "application", "call", "milestone"):
        names = {spec.name for spec in fields.editable_fields(entity)}
        assert not names & set(KEYS)
        assert key_spec(entity).has_search_key
    uuid = create_org(db)
    with pytest.raises(UnknownField):
        apply_changes(db, [FieldChange("organisation", uuid, "search_key", None, "x")], source="test")
    with pytest.raises(UnknownField):
        apply_changes(db, [Create("organisation", new_uuid(), {"name": "X", "search_key": "y"})], source="test")


def test_create_sets_the_keys(db: Database) -> None:
    uuid = create_org(db)
    row = stored(db, "organisation", uuid)
    assert row["search_key"] == f"hopital prive sainte anne {SIREN} {SIRET} ile de france essonne evry courcouronnes"
    assert row["name_key"] == "hopital prive sainte anne"
    assert row["city_key"] == "evry courcouronnes"
    contact = new_uuid()
    apply_changes(db, [Create("contact", contact, {"organisation_id": row["id"], "first_name": "Élodie",
                                                   "last_name": "Lefèvre", "email": "e.lefevre@x.example",
                                                   "role": "Directrice"})], source="test")
    keys = stored(db, "contact", contact)
    assert (keys["search_key"], keys["first_name_key"], keys["last_name_key"]) == (
        "elodie lefevre e lefevre x example directrice", "elodie", "lefevre")


def test_a_field_change_updates_the_keys_without_auditing_them(db: Database) -> None:
    uuid = create_org(db)
    before = stored(db, "organisation", uuid)
    with db.read() as session:
        seq = session.execute(text("SELECT max(seq) FROM audit_entry")).scalar_one()
    result = apply_changes(db, [FieldChange("organisation", uuid, "name", before["name"], "Clinique Œuvre Saint-Éloi"),
                                FieldChange("organisation", uuid, "city", before["city"], "Étampes")], source="test")
    after = stored(db, "organisation", uuid)
    assert after["name_key"] == "clinique oeuvre saint eloi" and after["city_key"] == "etampes"
    assert after["search_key"] == f"clinique oeuvre saint eloi {SIREN} {SIRET} ile de france essonne etampes"
    assert after["row_version"] == before["row_version"] + 1
    with db.read() as session:
        audited = session.execute(text("SELECT field FROM audit_entry WHERE seq > :s ORDER BY seq"), {"s": seq}).all()
        assert [f for (f,) in audited] == ["name", "city"]  # the keys follow, unaudited
        assert verify_chain(session).ok
    apply_changes(db, result.inverse, source="undo")
    restored = stored(db, "organisation", uuid)
    assert {k: restored[k] for k in KEYS if k in restored} == {k: before[k] for k in KEYS if k in before}


def test_a_reference_change_and_a_renamed_region_update_the_key(db: Database) -> None:
    uuid = create_org(db)
    brittany = ref_id(db, "region", "53")
    moved = apply_changes(db, [FieldChange("organisation", uuid, "region_id", ref_id(db, "region", "11"), brittany)],
                          source="test")
    assert " bretagne essonne " in stored(db, "organisation", uuid)["search_key"]
    apply_changes(db, moved.inverse, source="undo")
    assert " ile de france essonne " in stored(db, "organisation", uuid)["search_key"]

    other = create_org(db, name="Autre structure", siren=None, siret=None)
    region_uuid = reference_uuid("region", "11")
    renamed = apply_changes(db, [FieldChange("region", region_uuid, "name", "Île-de-France", "Région Capitale")],
                            source="test")
    for org in (uuid, other):
        key = stored(db, "organisation", org)["search_key"]
        assert " region capitale essonne " in key and "ile de france" not in key
    assert stored(db, "organisation", uuid)["row_version"] == 1 + 2  # the region's rename is not the record's
    apply_changes(db, renamed.inverse, source="undo")
    assert " ile de france essonne " in stored(db, "organisation", other)["search_key"]


def test_region_created_in_the_same_batch(db: Database) -> None:
    region, org = new_uuid(), new_uuid()
    apply_changes(db, [
        Create("region", region, {"code": "99", "iso_code": "FR-ZZZ", "name": "Terres australes", "overseas": True},
               id=500),
        Create("organisation", org, {"name": "Base Dumont-d'Urville", "region_id": 500})], source="test")
    assert stored(db, "organisation", org)["search_key"] == "base dumont d urville terres australes"


def test_delete_then_undo_restores_the_keys(db: Database) -> None:
    uuid = create_org(db)
    before = stored(db, "organisation", uuid)
    with db.read() as session:
        values = current_values(session, "organisation", uuid)
    result = apply_changes(db, [Delete("organisation", uuid, values)], source="test")
    apply_changes(db, result.inverse, source="undo")
    assert stored(db, "organisation", uuid) == {**before, "row_version": 1}


def test_door_keys_equal_key_maker(db: Database) -> None:
    uuid = create_org(db)
    row = stored(db, "organisation", uuid)
    with db.read() as session:
        derived = KeyMaker(session).derive("organisation", row)
    assert derived == {k: row[k] for k in derived}


# --- migration 0002 ------------------------------------------------------------------------------------------


def raw(path: Path) -> contextlib.closing[sqlite3.Connection]:
    return contextlib.closing(sqlite3.connect(path, isolation_level=None))


def schema_1_database(path: Path) -> None:
    """A database as version 1 of the application wrote it: revision 0001 only, stamped 1, one organisation."""
    engine = make_engine(path)
    try:
        config = migrate.alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0001")
            connection.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.exec_driver_sql("PRAGMA user_version = 1")
    finally:
        engine.dispose()
    with raw(path) as connection:
        connection.execute("INSERT INTO region (id, uuid, code, iso_code, name, abbreviations, overseas) "
                           "VALUES (1, 'r-11', '11', 'FR-IDF', 'Île-de-France', 'IDF', 0)")
        connection.execute("INSERT INTO department (id, uuid, code, name, region_id) VALUES (1, 'd-91', '91', "
                           "'Essonne', 1)")
        connection.execute("INSERT INTO organisation (id, uuid, name, siren, siret, region_id, department_id, city) "
                           f"VALUES (1, 'o-1', 'Hôpital privé Sainte-Anne', '{SIREN}', '{SIRET}', 1, 1, 'Évry')")
        connection.execute("INSERT INTO organisation (id, uuid, name, city) VALUES (2, 'o-2', 'École  Ouverte', '')")
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1


def test_migration_0002_upgrades_a_schema_1_database(tmp_path: Path) -> None:
    path = tmp_path / "v1.sqlite"
    schema_1_database(path)
    with raw(path) as connection:
        columns = {r[1] for r in connection.execute("PRAGMA table_info(organisation)")}
        assert "search_key" not in columns
    with Database.open(path) as db, db.read() as session:
        first = dict(session.execute(text("SELECT * FROM organisation WHERE id = 1")).mappings().one())
        second = dict(session.execute(text("SELECT * FROM organisation WHERE id = 2")).mappings().one())
        assert first["search_key"] == f"hopital prive sainte anne {SIREN} {SIRET} ile de france essonne evry"
        assert (first["name_key"], first["city_key"]) == ("hopital prive sainte anne", "evry")
        assert (second["search_key"], second["name_key"], second["city_key"]) == ("ecole ouverte",) * 2 + ("",)
        assert KeyMaker(session).derive("organisation", first) == {
            k: first[k] for k in ("name_key", "city_key", "search_key")}  # what the door would have written
        indexes = {r[0] for r in session.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
        assert {"ix_organisation_city_key", "ix_organisation_name_search",
                "ix_contact_last_name_key", "ix_application_acronym_key"} <= indexes
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert revision == migrate.head_revision()
    with raw(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    copies = list(backups_dir(path).glob("*.sqlite"))
    assert len(copies) == 1 and "avant-migration-v1" in copies[0].name
    with raw(copies[0]) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 1
        assert "search_key" not in {r[1] for r in connection.execute("PRAGMA table_info(organisation)")}


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    """Revision 0002 creates exactly what the models declare (columns, types, indexes)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from portfolio.db.models import Base

    path = tmp_path / "fresh.sqlite"
    Database.open(path).close()
    engine = make_engine(path)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert differences == []


def test_migration_computes_what_the_door_wrote(tmp_path: Path) -> None:
    """Down to revision 0001 and up again: every key of the demo portfolio comes back identical."""
    from portfolio.services.demo import write_demo
    from portfolio.services.portfolio import open_portfolio

    path = tmp_path / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    from portfolio.db.models import ENTITIES

    tables = ("organisation", "contact", "application", "milestone", "call")
    # the keys (search keys, folded columns): columns a later migration adds go with a downgrade, their values too
    keys = {t: [c.name for c in ENTITIES[t].__table__.columns if "search_key" in c.info or "folds" in c.info]
            for t in tables}
    engine = make_engine(path)
    try:
        config = migrate.alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            # (an organisation's RNA number or foreign identifier, from schema 8, is in its search key)
            kept = {t: set(r[0] for r in connection.exec_driver_sql(
                f"SELECT id FROM {t}" + (" WHERE rna IS NULL AND foreign_id IS NULL" if t == "organisation" else "")))
                for t in tables}
            before = {t: [r for r in connection.exec_driver_sql(
                f"SELECT id, {', '.join(keys[t])} FROM {t} ORDER BY id") if r[0] in kept[t]] for t in tables}
            command.downgrade(config, "0001")
            assert "search_key" not in {r[1] for r in connection.exec_driver_sql("PRAGMA table_info(organisation)")}
            command.upgrade(config, "head")
            after = {t: [r for r in connection.exec_driver_sql(
                f"SELECT id, {', '.join(keys[t])} FROM {t} ORDER BY id") if r[0] in kept[t]] for t in tables}
    finally:
        engine.dispose()
    assert after == before
