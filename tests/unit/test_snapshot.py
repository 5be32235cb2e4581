"""Auditor snapshots: a signed manifest inside one file, opened read-only without a byte changed, and every
tampering (a record, an audit entry, the manifest, a truncation) detected."""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest

from portfolio import cli
from portfolio.services.changes import Create, apply_changes, new_uuid
from portfolio.services.portfolio import open_portfolio
from portfolio.services.signing_keys import SigningKeyError, init_keys, key_paths
from portfolio.services.snapshot import (
    MANIFEST_TABLE,
    SnapshotError,
    open_read_only,
    verify_snapshot,
    write_snapshot,
)

TAMPERINGS = 1000


@pytest.fixture(scope="module")
def small_portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A portfolio with its reference data and 30 organisations written through the door (a small file: a
    thousand copies of it are quick)."""
    path = tmp_path_factory.mktemp("snap") / "p.sqlite"
    with open_portfolio(path) as db:
        apply_changes(db, [Create("organisation", new_uuid(), {"name": f"Structure {i}", "city": "Rennes"})
                           for i in range(30)], source="test")
    return path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("keys")
    return folder, init_keys(folder)


@pytest.fixture(scope="module")
def signed(small_portfolio: Path, keys: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("signed") / "instantane.sqlite"
    write_snapshot(small_portfolio, out, author="camille", private_key=key_paths(keys[0])[0])
    return out


def test_keys_are_made_once_and_the_private_key_is_its_owners_only(keys: tuple[Path, str]) -> None:
    folder, public = keys
    private, public_file = key_paths(folder)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert public_file.read_text(encoding="ascii").strip() == public and len(public) == 44
    with pytest.raises(SigningKeyError, match="existe déjà"):
        init_keys(folder)


def test_a_signed_snapshot_verifies_and_names_its_signer(signed: Path, keys: tuple[Path, str],
                                                         tmp_path: Path) -> None:
    result = verify_snapshot(signed, keys[1])
    assert result.intact and result.signed and result.signer == keys[1], result.problems
    manifest = result.manifest
    assert manifest["author"] == "camille" and manifest["counts"]["organisation"] == 30
    assert manifest["audit_head"]["seq"] > 0 and len(manifest["digest"]) == 64
    other = init_keys(tmp_path / "autre")
    refused = verify_snapshot(signed, other)
    assert not refused.intact and any("autre clé" in p for p in refused.problems)


def test_an_unsigned_snapshot_is_intact_but_not_signed_by_anyone(small_portfolio: Path, keys: tuple[Path, str],
                                                                 tmp_path: Path) -> None:
    out = write_snapshot(small_portfolio, tmp_path / "u.sqlite") and tmp_path / "u.sqlite"
    assert verify_snapshot(out).intact and not verify_snapshot(out).signed
    assert any("pas signé" in p for p in verify_snapshot(out, keys[1]).problems)


def test_opening_a_snapshot_changes_no_byte_and_refuses_writes(signed: Path) -> None:
    before = hashlib.sha256(signed.read_bytes()).hexdigest()
    connection = open_read_only(signed)
    try:
        assert connection.execute("SELECT count(*) FROM organisation").fetchone()[0] == 30
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            connection.execute("UPDATE organisation SET city = 'Brest'")
    finally:
        connection.close()
    verify_snapshot(signed)
    assert hashlib.sha256(signed.read_bytes()).hexdigest() == before
    assert not Path(f"{signed}-wal").exists() and not Path(f"{signed}-shm").exists()


def _tamper(path: Path, rng: random.Random) -> str:
    """One random tampering of a snapshot copy; returns what was done (a change the schema's constraints refuse
    is no tampering: another is drawn)."""
    for _ in range(50):
        try:
            return _tamper_once(path, rng)
        except sqlite3.IntegrityError:
            continue
    raise AssertionError("no tampering could be made")


def _tamper_once(path: Path, rng: random.Random) -> str:
    kind = rng.choice(["record", "record", "audit", "delete", "insert", "manifest", "truncate"])
    if kind == "truncate":
        size = path.stat().st_size
        with open(path, "r+b") as handle:
            handle.truncate(rng.randrange(0, size))
        return kind
    connection = sqlite3.connect(path)
    try:
        connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")  # what a forger would do first
        connection.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        if kind == "manifest":
            manifest = json.loads(connection.execute(f"SELECT manifest FROM {MANIFEST_TABLE}").fetchone()[0])
            field = rng.choice(["author", "created_utc", "digest", "counts", "audit_head", "tables"])
            if field in ("counts", "audit_head", "tables"):
                key = rng.choice(sorted(manifest[field]))
                manifest[field][key] = "x" if field == "tables" else 999_999
            else:
                manifest[field] = "falsifié"
            connection.execute(f"UPDATE {MANIFEST_TABLE} SET manifest = ?", (json.dumps(manifest),))
        else:
            table = "audit_entry" if kind == "audit" else rng.choice(["organisation", "region", "call", "status",
                                                                       "audit_entry", "typology"])
            columns = [r[1] for r in connection.execute(f"PRAGMA table_info({table})")]
            rowid = rng.choice([r[0] for r in connection.execute(f"SELECT rowid FROM {table}")])
            if kind == "delete":
                connection.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))
            elif kind == "insert":
                row = connection.execute(f"SELECT * FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
                key = columns.index("seq") if "seq" in columns else columns.index("id")
                row = list(row)
                row[key] = 10_000_000 + rng.randrange(1000)
                if "uuid" in columns:
                    row[columns.index("uuid")] = new_uuid()
                if "code" in columns:
                    row[columns.index("code")] = f"X{rng.randrange(10**6)}"
                connection.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(row))})", row)
            else:
                column = rng.choice([c for c in columns if c not in ("id", "seq")])
                current = connection.execute(f'SELECT "{column}" FROM {table} WHERE rowid = ?', (rowid,)).fetchone()[0]
                new: object = rng.choice(["falsifié", 7, None, "0"])
                if new == current or (isinstance(current, int) and new == str(current)):
                    new = f"{current}!"
                connection.execute(f'UPDATE {table} SET "{column}" = ? WHERE rowid = ?', (new, rowid))
        connection.commit()
    finally:
        connection.close()
    return kind


@pytest.mark.slow  # make quick leaves it out; make test runs it
def test_every_tampering_of_a_snapshot_is_detected(signed: Path, keys: tuple[Path, str], tmp_path: Path) -> None:
    rng = random.Random(2030)
    missed = []
    kinds: dict[str, int] = {}
    for index in range(TAMPERINGS):
        copy = tmp_path / f"t{index % 4}.sqlite"
        shutil.copyfile(signed, copy)
        kind = _tamper(copy, rng)
        kinds[kind] = kinds.get(kind, 0) + 1
        if verify_snapshot(copy, keys[1]).intact:
            missed.append((index, kind))
    assert not missed, missed[:10]
    assert set(kinds) == {"record", "audit", "delete", "insert", "manifest", "truncate"}


def test_snapshot_and_verify_from_the_command_line(capsys: pytest.CaptureFixture[str], small_portfolio: Path,
                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(tmp_path / "cles"))
    assert cli.main(["keys", "init"]) == 0
    public = capsys.readouterr().out.strip().rsplit(" ", 1)[-1]
    out = tmp_path / "instantane.sqlite"
    assert cli.main(["snapshot", str(out), "--db", str(small_portfolio), "--sign", "--json"]) == 0
    manifest = json.loads(capsys.readouterr().out)
    assert manifest["signature"]["public_key"] == public
    assert cli.main(["verify", str(out), "--public-key", str(tmp_path / "cles" / "signature-ed25519.pub"),
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["intact"] is True
    with sqlite3.connect(out) as connection:
        connection.execute("UPDATE organisation SET city = 'Brest' WHERE rowid = (SELECT min(rowid) FROM organisation)")
    assert cli.main(["verify", str(out), "--public-key", public]) == 1
    assert "« organisation » ne correspond plus" in capsys.readouterr().err
    assert cli.main(["snapshot", str(tmp_path / "absent" / "s.sqlite"), "--db", str(small_portfolio)]) == 1
    assert "n'existe pas" in capsys.readouterr().err


def test_verify_without_a_key_says_whose_signature_it_is_in_plain_words(
        capsys: pytest.CaptureFixture[str], small_portfolio: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #18, item 10: a snapshot re-signed with another key, or stripped of its signature, was said "Instantané
    intact" by `verify` without --public-key, and "vérifié : intact" by the window."""
    import base64

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from portfolio.services.signing_keys import public_key_text
    from portfolio.services.snapshot import _ENCODER, FORMAT, MANIFEST_TABLE, _signed_bytes

    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(tmp_path / "cles"))
    out = tmp_path / "instantane.sqlite"
    assert cli.main(["snapshot", str(out), "--db", str(small_portfolio), "--sign"]) == 0
    capsys.readouterr()
    assert cli.main(["verify", str(out)]) == 0
    assert "signé par votre clé (clé de confiance)" in capsys.readouterr().out

    def resigned(key: Ed25519PrivateKey | None) -> None:
        with sqlite3.connect(out) as connection:
            manifest = json.loads(connection.execute(f"SELECT manifest FROM {MANIFEST_TABLE}").fetchone()[0])
            assert manifest["format"] == FORMAT
            manifest.pop("signature")
            if key is not None:
                manifest["signature"] = {"algorithm": "Ed25519", "public_key": public_key_text(key.public_key()),
                                         "value": base64.b64encode(key.sign(_signed_bytes(manifest))).decode()}
            connection.execute(f"UPDATE {MANIFEST_TABLE} SET manifest = ?", (_ENCODER.encode(manifest),))
        connection.close()

    resigned(Ed25519PrivateKey.generate())  # re-signed by someone else: its content is whole, its author unknown
    assert cli.main(["verify", str(out)]) == 0
    said = capsys.readouterr().out
    assert "signé par une clé inconnue" in said and "rien ne dit qui l'a signé" in said
    resigned(None)  # stripped of its signature
    assert cli.main(["verify", str(out)]) == 0
    assert "NON SIGNÉ" in capsys.readouterr().out
    assert cli.main(["verify", str(out), "--public-key", str(tmp_path / "cles" / "signature-ed25519.pub")]) == 1


def test_the_diff_of_two_snapshots_names_what_was_added_changed_and_removed(
        capsys: pytest.CaptureFixture[str], small_portfolio: Path, tmp_path: Path) -> None:
    from portfolio.services.changes import Delete, FieldChange, current_values
    from portfolio.services.snapshot_diff import diff_snapshots

    work = tmp_path / "p.sqlite"
    shutil.copyfile(small_portfolio, work)
    before = write_snapshot(work, tmp_path / "avant.sqlite") and tmp_path / "avant.sqlite"
    with sqlite3.connect(work) as connection:
        (moved, city), (gone,) = (connection.execute("SELECT uuid, city FROM organisation WHERE name = 'Structure 3'"
                                                     ).fetchone(),
                                  connection.execute("SELECT uuid FROM organisation WHERE name = 'Structure 7'"
                                                     ).fetchone())
    with open_portfolio(work) as db:
        with db.read() as session:
            gone_values = current_values(session, "organisation", gone)
        apply_changes(db, [FieldChange("organisation", moved, "city", city, "Quimper"),
                           Delete("organisation", gone, gone_values),
                           Create("organisation", new_uuid(), {"name": "Structure neuve", "city": "Vannes"})],
                      source="test")
    after = write_snapshot(work, tmp_path / "apres.sqlite") and tmp_path / "apres.sqlite"
    result = diff_snapshots(before, after)
    organisations = result.entities["organisation"]
    assert organisations.added == ["Structure neuve"] and organisations.removed == ["Structure 7"]
    assert organisations.changed == [("Structure 3", [("city", "Rennes", "Quimper")])]
    assert all(d.empty for name, d in result.entities.items() if name != "organisation")
    assert cli.main(["diff", str(before), str(after), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["records"]["organisation"]["added"] == 1 and list(printed["records"]) == ["organisation"]
    assert cli.main(["diff", str(before), str(after)]) == 0
    text = capsys.readouterr().out
    assert "+ Structure neuve" in text and "- Structure 7" in text and "Ville : Rennes → Quimper" in text
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p in (before, after)]
    diff_snapshots(before, after)
    assert [hashlib.sha256(p.read_bytes()).hexdigest() for p in (before, after)] == hashes  # both untouched


def test_what_the_review_found_is_refused(small_portfolio: Path, signed: Path, keys: tuple[Path, str],
                                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from portfolio.db.database import DatabaseError
    from portfolio.services.snapshot import unsafe_to_open

    # changes hidden in a -wal file beside the snapshot: SQLite would show them, verify ignores them
    hidden = tmp_path / "cache.sqlite"
    shutil.copyfile(signed, hidden)
    connection = sqlite3.connect(hidden)
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA wal_autocheckpoint = 0")
    connection.execute("UPDATE region SET name = 'FALSIFIÉ' WHERE rowid = 1")
    connection.commit()
    assert unsafe_to_open(hidden) and not verify_snapshot(hidden, keys[1]).intact
    connection.close()
    # a snapshot never opens writable, by any path (Fichier > Ouvrir, recent files, --db)
    before = hashlib.sha256(signed.read_bytes()).hexdigest()
    with pytest.raises(DatabaseError, match="instantané"):
        open_portfolio(signed)
    assert hashlib.sha256(signed.read_bytes()).hexdigest() == before
    # the manifest's own fields (author, date, figures) of an unsigned snapshot, edited
    unsigned = write_snapshot(small_portfolio, tmp_path / "u.sqlite") and tmp_path / "u.sqlite"
    with sqlite3.connect(unsigned) as connection:
        manifest = json.loads(connection.execute(f"SELECT manifest FROM {MANIFEST_TABLE}").fetchone()[0])
        manifest["author"] = "quelqu'un d'autre"
        connection.execute(f"UPDATE {MANIFEST_TABLE} SET manifest = ?", (json.dumps(manifest),))
    assert not verify_snapshot(unsigned).intact
    # a malformed manifest is a tampering reported, not a crash
    with sqlite3.connect(unsigned) as connection:
        manifest["tables"], manifest["signature"] = ["a"], "abc"
        connection.execute(f"UPDATE {MANIFEST_TABLE} SET manifest = ?", (json.dumps(manifest),))
    assert any("manifeste" in p for p in verify_snapshot(unsigned).problems)
    # a snapshot written over its own source is refused
    with pytest.raises(SnapshotError, match="remplacer la base"):
        write_snapshot(small_portfolio, small_portfolio)
    # signed by someone: without the expected key, the command says whose key to compare
    assert cli.main(["verify", str(signed)]) == 0
    assert "clé inconnue" in (said := capsys.readouterr().out) and "comparez cette clé" in said
    # two files that do not compare: one line, exit 1
    junk = tmp_path / "pas-une-base.sqlite"
    junk.write_bytes(b"ceci n'est pas une base")
    assert cli.main(["diff", str(junk), str(signed)]) == 1
    assert "ne se comparent pas" in capsys.readouterr().err



def test_a_public_key_holding_a_double_slash_is_taken_as_typed(small_portfolio: Path, tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A key's base64 may hold "//": taken as a path, it lost a character and a good key was refused (seen once
    in CI). Keys are drawn until one holds "//"."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    from portfolio.services.signing_keys import public_key_text

    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(tmp_path / "cles"))
    while "//" not in public_key_text((key := Ed25519PrivateKey.generate()).public_key()):
        pass
    private, public = key_paths(tmp_path / "cles")
    private.parent.mkdir(parents=True, exist_ok=True)
    private.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    public.write_text(public_key_text(key.public_key()) + "\n", encoding="ascii")
    out = tmp_path / "instantane.sqlite"
    assert cli.main(["snapshot", str(out), "--db", str(small_portfolio), "--sign"]) == 0
    capsys.readouterr()
    assert cli.main(["verify", str(out), "--public-key", public_key_text(key.public_key()), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["intact"] is True
