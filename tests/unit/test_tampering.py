"""Tampering that `portfolio check` must see (issue #18, item 3): each way another program (or a person with
sqlite3) can change a sealed portfolio file, the witness that sees it, and `check --accept` refusing it.

The probe found that the chain had no secret and that `check` compared neither the data with the trail nor the
triggers: deleting the trail's tail, appending or rewriting entries with valid hashes, emptying the trail, changing
a value with no entry, dropping the triggers all passed, and `check --accept` sealed them again. Here each kind is
done to a copy of the demo that the application sealed (and signed) at its own path, as an attacker would, with the
hashes computed again where that makes the chain verify; the witness named for it must report it."""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from portfolio import cli
from portfolio.db.database import DamagedDatabaseError
from portfolio.db.seal import file_digest, seal_path
from portfolio.services.audit import values_hash
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

COLUMNS = ("seq, at_utc, actor, source, batch, operation, entity, record_uuid, field, old_value, new_value, "
           "prev_hash, salt, payload_hash, hash")


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("falsifications") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


@pytest.fixture
def sealed(demo_template: Path, tmp_path: Path) -> Path:
    """A copy of the demo sealed and signed by the application at its own path (its head in the profile)."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    with open_portfolio(path):
        pass
    return path


# --- what an attacker does ------------------------------------------------------------------------------------


def sql(path: Path, *statements: str) -> None:
    with sqlite3.connect(path, isolation_level=None) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def no_guards(path: Path) -> None:
    from portfolio.db.schema_check import SQLITE_TRIGGERS  # (the trail's, the signed heads', the imports')

    sql(path, *(f"DROP TRIGGER {name}" for name in SQLITE_TRIGGERS))


def guards_back(path: Path) -> None:
    from portfolio.db.schema_check import SQLITE_TRIGGERS

    sql(path, *SQLITE_TRIGGERS.values())


def rechain(path: Path, start: int = 1) -> None:
    """Computes every hash again from entry ``start`` on, as the door would: the chain verifies again."""
    with sqlite3.connect(path, isolation_level=None) as connection:
        rows = connection.execute(f"SELECT {COLUMNS} FROM audit_entry ORDER BY seq").fetchall()
        prev = "0" * 64
        connection.execute("BEGIN")
        for row in rows:
            values = list(row)
            if values[0] >= start:
                values[11] = prev
                digest = values_hash(values[:13])
                connection.execute("UPDATE audit_entry SET prev_hash = ?, hash = ? WHERE seq = ?",
                                   (prev, digest, values[0]))
                prev = digest
            else:
                prev = values[14]
        connection.execute("COMMIT")
    connection.close()


def append_entry(path: Path, entity: str, uuid: str, field: str, old: object, new: object) -> None:
    """An entry that looks like the door's: the next number, a valid salt and hash, chained to the last one."""
    with sqlite3.connect(path, isolation_level=None) as connection:
        seq, prev, batch, at = connection.execute(
            "SELECT seq, hash, batch, at_utc FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
        values = [seq + 1, at, "mallory", "écran", batch, "update", entity, uuid, field,
                  json.dumps(old, ensure_ascii=False), json.dumps(new, ensure_ascii=False), prev, "ab" * 16]
        connection.execute(f"INSERT INTO audit_entry ({COLUMNS.replace(', payload_hash', '')}) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (*values, values_hash(values)))
    connection.close()


def first(path: Path, query: str) -> tuple:
    with sqlite3.connect(path) as connection:
        row = connection.execute(query).fetchone()
    connection.close()
    return row


def reseal(path: Path, signer: Ed25519PrivateKey | None = None) -> None:
    """A new seal matching the changed file: unsigned, or signed by a key of the attacker's."""
    from portfolio.services.checkpoints import SEAL_FORMAT, _sign, public_text

    content: dict[str, object] = {"sha256": file_digest(path), "size": path.stat().st_size}
    if signer is not None:
        content = {**content, "signer": public_text(signer), "signature": _sign(
            signer, {"format": SEAL_FORMAT, "sha256": content["sha256"], "size": content["size"]})}
    seal_path(path).write_text(json.dumps(content), encoding="utf-8")


def city_changed(path: Path) -> None:
    sql(path, "UPDATE organisation SET city = 'Ailleurs' WHERE id = (SELECT min(id) FROM organisation)")


def _rewrite_creation_city(path: Path, city: str) -> int:
    """Rewrites the city in the creation entry of the first organisation; returns that entry's number."""
    seq, payload = first(path, "SELECT a.seq, a.new_value FROM audit_entry a JOIN organisation o "
                               "ON o.uuid = a.record_uuid WHERE a.operation = 'create' ORDER BY o.id LIMIT 1")
    values = json.loads(payload)
    values["city"] = city
    with sqlite3.connect(path, isolation_level=None) as connection:
        connection.execute("UPDATE audit_entry SET new_value = ? WHERE seq = ?",
                           (json.dumps(values, ensure_ascii=False, sort_keys=True, separators=(",", ":")), seq))
    connection.close()
    return int(seq)


def history_rewritten(path: Path) -> None:
    no_guards(path)
    rechain(path, _rewrite_creation_city(path, "Réécrite"))
    guards_back(path)


def history_and_data_rewritten(path: Path) -> None:
    no_guards(path)
    rechain(path, _rewrite_creation_city(path, "Réécrite"))
    sql(path, "UPDATE organisation SET city = 'Réécrite' WHERE id = (SELECT min(id) FROM organisation)")
    guards_back(path)


def tail_cut(path: Path) -> None:
    no_guards(path)
    sql(path, "DELETE FROM audit_entry WHERE seq > (SELECT max(seq) - 5 FROM audit_entry)",
        "UPDATE sqlite_sequence SET seq = (SELECT max(seq) FROM audit_entry) WHERE name = 'audit_entry'")
    guards_back(path)


def tail_and_signed_heads_cut(path: Path) -> None:
    tail_cut(path)
    no_guards(path)
    sql(path, "DELETE FROM audit_checkpoint")
    guards_back(path)


def trail_emptied(path: Path) -> None:
    no_guards(path)
    sql(path, "DELETE FROM audit_entry", "DELETE FROM audit_checkpoint",
        "DELETE FROM sqlite_sequence WHERE name = 'audit_entry'")
    guards_back(path)


def entry_in_the_middle_deleted(path: Path) -> None:
    no_guards(path)
    sql(path, "DELETE FROM audit_entry WHERE seq = 100")
    guards_back(path)


def entry_appended(path: Path) -> None:
    uuid, city = first(path, "SELECT uuid, city FROM organisation ORDER BY id LIMIT 1")
    append_entry(path, "organisation", uuid, "city", city, "Ailleurs")


def entry_appended_with_its_data(path: Path) -> None:
    entry_appended(path)
    city_changed(path)


def actor_rewritten(path: Path) -> None:
    no_guards(path)
    sql(path, "UPDATE audit_entry SET actor = 'quelquun' WHERE seq = 50")
    rechain(path, 50)
    guards_back(path)


def contact_erased_silently(path: Path) -> None:
    from portfolio.services.audit import payload_hash

    no_guards(path)
    seq, salt, old, new = first(path, "SELECT seq, salt, old_value, new_value FROM audit_entry "
                                      "WHERE entity = 'contact' ORDER BY seq LIMIT 1")
    sql(path, f"UPDATE audit_entry SET new_value = '\"[effacé]\"', salt = NULL, "
              f"payload_hash = '{payload_hash(salt, old, new)}' WHERE seq = {seq}")
    guards_back(path)


def row_inserted(path: Path) -> None:
    with sqlite3.connect(path, isolation_level=None) as connection:
        columns = [row[1] for row in connection.execute("PRAGMA table_info(milestone)")]
        chosen = ["'0191e0a0-dead-7000-8000-00000000beef'" if c == "uuid" else
                  "(SELECT max(id) + 1 FROM milestone)" if c == "id" else c for c in columns]
        connection.execute(f"INSERT INTO milestone ({', '.join(columns)}) SELECT {', '.join(chosen)} FROM milestone "
                           "ORDER BY id LIMIT 1")
    connection.close()


def byte_flipped(path: Path) -> None:
    """A failing disk: one byte of a record's text changed in the middle of the file."""
    data = bytearray(path.read_bytes())
    place = data.find(b"Rennes", len(data) // 3)
    data[place] = ord("V")
    path.write_bytes(bytes(data))


def signed_head_forged(path: Path) -> None:
    no_guards(path)
    sql(path, "UPDATE audit_checkpoint SET seq = seq - 1")
    guards_back(path)


def seal_deleted_after_change(path: Path) -> None:
    city_changed(path)
    seal_path(path).unlink()


def seal_recomputed(path: Path) -> None:
    city_changed(path)
    reseal(path)


def seal_signed_by_another_key(path: Path) -> None:
    city_changed(path)
    reseal(path, Ed25519PrivateKey.generate())


REPLAY = "hors de l'application"
CHAIN = "Journal d'audit"
SCHEMA = "Schéma"
REWRITTEN = "réécrit"

# kind -> (what is done, words the check must print: any of them)
TAMPERINGS: dict[str, tuple[Callable[[Path], None], tuple[str, ...]]] = {
    "a value changed (a city)": (city_changed, (REPLAY,)),
    "an aid raised by 1 M€": (lambda p: sql(p, "UPDATE aid SET grant_cents = grant_cents + 100000000 "
                                               "WHERE id = (SELECT min(id) FROM aid)"), ("Subvention",)),
    "a date changed": (lambda p: sql(p, "UPDATE project SET decision_on = '2020-01-01' "
                                        "WHERE id = (SELECT min(id) FROM project)"), (REPLAY,)),
    "a status changed": (lambda p: sql(p, "UPDATE application SET status_id = (SELECT id FROM status WHERE "
                                          "entity = 'application' AND id <> application.status_id LIMIT 1) "
                                          "WHERE id = (SELECT min(id) FROM application)"), (REPLAY,)),
    "a record inserted": (row_inserted, ("sans que le journal",)),
    "a record deleted": (lambda p: sql(p, "DELETE FROM milestone WHERE id = (SELECT min(id) FROM milestone)"),
                         ("n'est plus dans la base",)),
    "a record's uuid changed": (lambda p: sql(p, "UPDATE milestone SET uuid = '0191e0a0-dead-7000-8000-00000000cafe' "
                                                 "WHERE id = (SELECT min(id) FROM milestone)"),
                                ("sans que le journal",)),
    "a record's id changed": (lambda p: sql(p, "UPDATE milestone SET id = id + 100000 "
                                               "WHERE id = (SELECT max(id) FROM milestone)"), (REPLAY,)),
    "a demo record unmarked": (lambda p: sql(p, "UPDATE organisation SET synthetic = 0 "
                                                "WHERE id = (SELECT min(id) FROM organisation)"), ("démonstration",)),
    "the trail's tail cut, its counter lowered": (tail_cut, (REPLAY, "n'est plus là")),
    "the tail and the signed heads cut": (tail_and_signed_heads_cut, (REPLAY, "retirée du fichier")),
    "the trail emptied": (trail_emptied, ("sans que le journal",)),
    "an entry deleted in the middle": (entry_in_the_middle_deleted, (CHAIN,)),
    "an entry rewritten, hashes computed again": (history_rewritten, (REWRITTEN,)),
    "history and data rewritten together": (history_and_data_rewritten, (REWRITTEN,)),
    "an entry's actor rewritten, hashes computed again": (actor_rewritten, (REWRITTEN,)),
    "an entry appended without its change": (entry_appended, (REPLAY,)),
    "a value erased from the trail without an erasure": (contact_erased_silently, ("effacées sans entrée",
                                                                                    "modifiée après coup")),
    "the counter of entries raised": (lambda p: sql(p, "UPDATE sqlite_sequence SET seq = seq + 10 "
                                                       "WHERE name = 'audit_entry'"), ("ont été supprimées",)),
    "the trail's triggers dropped": (lambda p: sql(p, "DROP TRIGGER audit_entry_no_update"), ("déclencheur",)),
    "a trigger neutralised": (lambda p: sql(p, "DROP TRIGGER audit_entry_no_delete", "CREATE TRIGGER "
                                               "audit_entry_no_delete BEFORE DELETE ON audit_entry BEGIN SELECT 1; "
                                               "END"), ("a été modifié",)),
    "a trigger added that changes data": (lambda p: sql(p, "CREATE TRIGGER en_douce AFTER UPDATE ON aid BEGIN "
                                                           "UPDATE aid SET advance_cents = 0; END"), ("en_douce",)),
    "a view added": (lambda p: sql(p, "CREATE VIEW vue AS SELECT * FROM aid"), ("vue",)),
    "a column renamed": (lambda p: sql(p, "ALTER TABLE organisation RENAME COLUMN city TO ville"), ("organisation.",)),
    "a column added": (lambda p: sql(p, "ALTER TABLE aid ADD COLUMN note TEXT"), ("aid.note",)),
    "an index dropped": (lambda p: sql(p, "DROP INDEX ix_organisation_rna"), ("ix_organisation_rna",)),
    "a table added": (lambda p: sql(p, "CREATE TABLE notes (texte TEXT)"), ("notes",)),
    "a signed head forged": (signed_head_forged, ("ne vérifie pas",)),
    "the seal deleted after a change": (seal_deleted_after_change, (REPLAY,)),
    "the seal computed again, unsigned": (seal_recomputed, ("sans signature",)),
    "the seal signed by another key": (seal_signed_by_another_key, ("confiance",)),
    "a byte flipped by a failing disk": (byte_flipped, ("Fichier",)),
}


@pytest.mark.parametrize("kind", list(TAMPERINGS))
def test_every_tampering_is_seen_and_never_accepted(kind: str, sealed: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    tamper, witnesses = TAMPERINGS[kind]
    tamper(sealed)
    assert cli.main(["check", "--db", str(sealed)]) == 1
    said = capsys.readouterr().err
    assert any(words in said for words in witnesses), said
    with pytest.raises(DamagedDatabaseError):
        open_portfolio(sealed).close()  # the application does not use it either
    if kind in ("a byte flipped by a failing disk", "the seal computed again, unsigned",
                "the seal signed by another key"):
        return  # (the seal is the witness: --accept is the officer's word for a change they made themselves)
    assert cli.main(["check", "--accept", "--db", str(sealed)]) == 1, f"{kind} was accepted"
    assert "Rien n'a été accepté" in capsys.readouterr().err


def test_there_are_at_least_25_kinds() -> None:
    assert len(TAMPERINGS) >= 25


def test_a_forged_entry_with_its_data_is_shown_before_it_is_accepted(sealed: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    # an entry and its change, both consistent: only the seal knows; --accept says who wrote what before keeping it
    entry_appended_with_its_data(sealed)
    assert cli.main(["check", "--db", str(sealed)]) == 1
    capsys.readouterr()
    assert cli.main(["check", "--accept", "--db", str(sealed)]) == 0
    out = capsys.readouterr().out
    assert "depuis sa dernière tête signée" in out and "mallory" in out and "Ailleurs" in out


def test_a_file_the_application_sealed_is_sound(sealed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["check", "--db", str(sealed)]) == 0
    out = capsys.readouterr().out
    assert "chaque fiche conforme au journal" in out and "Tête du journal signée" in out and "votre clé" in out


def test_the_triggers_removed_are_put_back_at_opening_and_said_in_the_trail(sealed: Path) -> None:
    sql(sealed, "DROP TRIGGER audit_entry_no_update")
    seal_path(sealed).unlink()  # (as after a crash: no seal, the opening checks the file in full)
    with open_portfolio(sealed) as db, db.read() as session:
        restored = session.connection().exec_driver_sql(
            "SELECT new_value FROM audit_entry WHERE field = '_declencheurs_restaures'").scalar_one()
        assert "audit_entry_no_update" in restored
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), sqlite3.connect(sealed) as connection:
        connection.execute("UPDATE audit_entry SET actor = 'x' WHERE seq = 1")


def test_an_unsealed_damaged_file_is_refused_and_never_sealed(sealed: Path) -> None:
    # the probe: `stats` opened damaged copies without a seal and sealed them as sound
    sql(sealed, "ALTER TABLE organisation RENAME COLUMN city TO ville")
    seal_path(sealed).unlink()
    with pytest.raises(DamagedDatabaseError, match="vérifiée en entier"):
        open_portfolio(sealed)
    assert not seal_path(sealed).exists()
    assert cli.main(["stats", "--db", str(sealed)]) == 1
    assert not seal_path(sealed).exists()


def test_an_auditor_with_the_officers_public_key_sees_who_signed(sealed: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from portfolio.services.app_paths import keys_folder
    from portfolio.services.signing_keys import key_paths

    officer_public = key_paths(keys_folder())[1]
    copy = tmp_path / "copie" / "demo.sqlite"
    copy.parent.mkdir()
    shutil.copyfile(sealed, copy)
    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(tmp_path / "auditeur"))
    assert cli.main(["check", "--db", str(copy)]) == 0  # another profile: the heads verify, by an unknown key
    assert "clés inconnues" in capsys.readouterr().out
    assert cli.main(["keys", "trust", str(officer_public), "--name", "Chargée de mission"]) == 0
    capsys.readouterr()
    assert cli.main(["check", "--db", str(copy)]) == 0
    assert "par Chargée de mission" in capsys.readouterr().out
    assert base64.b64decode(officer_public.read_text().strip())
