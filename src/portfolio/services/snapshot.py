"""Auditor snapshots: one file an auditor can trust.

``write_snapshot`` copies the portfolio with ``VACUUM INTO`` (a consistent copy, whatever else is writing) and
adds a manifest inside the copy: when, by whom, the application's version, the counts and key figures, the
audit chain's head, and a SHA-256 digest of every table's rows, optionally signed with the officer's Ed25519
key (``keys init``). ``verify_snapshot`` opens the file read-only (``immutable``: no -wal or -shm file, not a
byte changed), recomputes everything and says what differs: a changed record, audit entry or manifest, a
truncated file, another signer.

The digest covers the rows (every table but the manifest's own, in primary-key order, each value with its
type), not the file's bytes: VACUUM INTO lays pages out its own way, and a change that no query can see is
not a change to the data.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import json
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from portfolio import __version__
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .files import private_temporary, refuse_protected, sync_file, sync_folder
from .signing_keys import SigningKeyError, load_private_key, load_public_key, public_key_text

if TYPE_CHECKING:
    from portfolio.db.store import Store

MANIFEST_TABLE = "snapshot_manifest"
FORMAT = "portfolio-snapshot/1"
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


class SnapshotError(PortfolioError):
    """A snapshot could not be written or read at all (not: it was altered, which ``verify_snapshot`` reports)."""


# --- the digest ------------------------------------------------------------------------------------------------


def _tables(connection: sqlite3.Connection) -> list[str]:
    return [name for (name,) in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT GLOB 'sqlite_*' AND name != ? ORDER BY name",
        (MANIFEST_TABLE,))]


def table_digests(connection: sqlite3.Connection) -> dict[str, str]:
    """SHA-256 of each table's rows (in rowid order, each value typed), and of the schema itself ("schema")."""
    digests = {"schema": hashlib.sha256(_ENCODER.encode(connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE name != ? AND name NOT LIKE 'sqlite_autoindex%' "
        "ORDER BY type, name", (MANIFEST_TABLE,)).fetchall()).encode()).hexdigest()}
    for table in _tables(connection):
        digest = hashlib.sha256()
        for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
            # the type goes with the value: 1 and '1' and 1.0 are three different contents
            digest.update(_ENCODER.encode([[type(v).__name__, v.hex() if isinstance(v, bytes) else v]
                                           for v in row]).encode())
            digest.update(b"\n")
        digests[table] = digest.hexdigest()
    return digests


def _contents_digest(tables: dict[str, str]) -> str:
    return hashlib.sha256(_ENCODER.encode(tables).encode()).hexdigest()


# --- writing -------------------------------------------------------------------------------------------------


def write_snapshot(source: Path, destination: Path, *, author: str | None = None,
                   private_key: Path | None = None) -> dict[str, Any]:
    """Writes the snapshot of the portfolio file ``source`` to ``destination`` (replaced whole or not at all);
    signs its manifest when ``private_key`` (a PEM file) is given. Returns the manifest."""
    from .audit import chain_head_of
    from .changes import current_actor
    from .stats import key_figures

    if not destination.parent.is_dir():
        raise SnapshotError(tr("Le dossier « {folder} » n'existe pas : choisissez un autre emplacement pour "
                               "l'instantané.", folder=str(destination.parent)))
    if destination.resolve() == source.resolve():
        raise SnapshotError(tr("L'instantané ne peut pas remplacer la base elle-même : choisissez un autre nom."))
    refuse_protected(destination)  # nor its log, its backups, another portfolio, the keys
    signer = load_private_key(private_key) if private_key is not None else None
    temporary: Path | None = None
    try:
        temporary = private_temporary(destination)  # empty, readable by its owner only: VACUUM INTO fills it
        with contextlib.closing(sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)) as live:
            live.execute("VACUUM INTO ?", (str(temporary),))
        with contextlib.closing(sqlite3.connect(temporary, isolation_level=None)) as copy:
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file: never a -wal beside it
            tables = table_digests(copy)
            seq, head = chain_head_of(copy)
            figures = key_figures(copy)
            manifest: dict[str, Any] = {
                "format": FORMAT, "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
                "author": author or current_actor(), "application_version": __version__,
                "schema_version": copy.execute("PRAGMA user_version").fetchone()[0],
                "counts": figures.counts, "key_figures": figures.as_json(),
                "audit_head": {"seq": seq, "hash": head}, "tables": tables, "digest": _contents_digest(tables),
            }
            manifest["manifest_digest"] = _manifest_digest(manifest)
            if signer is not None:
                manifest["signature"] = {"algorithm": "Ed25519", "public_key": public_key_text(signer.public_key()),
                                         "value": base64.b64encode(signer.sign(_signed_bytes(manifest))).decode()}
            copy.execute(f"CREATE TABLE {MANIFEST_TABLE} (manifest TEXT NOT NULL)")
            copy.execute(f"INSERT INTO {MANIFEST_TABLE} VALUES (?)", (_ENCODER.encode(manifest),))
        sync_file(temporary)
        temporary.replace(destination)
        temporary = None
        sync_folder(destination.parent)
    except (sqlite3.Error, OSError) as error:
        full = "full" in str(error).lower() or getattr(error, "errno", None) in (errno.ENOSPC, errno.EFBIG)
        raise SnapshotError(tr("L'instantané n'a pas pu être écrit dans « {file} » : le disque est plein. Rien n'a "
                               "été écrit ; libérez de la place ou choisissez un autre emplacement.",
                               file=str(destination)) if full else
                            tr("L'instantané n'a pas pu être écrit ({reason}) : vérifiez la place disponible et "
                               "que la base s'ouvre.", reason=str(error))) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    return manifest


def copy_from_server(url: str, destination: Path) -> Path:
    """Team mode: a portfolio file (this version's schema, built by the migrations) holding every row of the
    server's database read in one consistent view, so that its snapshot is the same single SQLite file as a
    laptop's, verified by the same means. The audit trail is copied as it is: its chain verifies in the file."""
    from portfolio.db.database import Database
    from portfolio.db.models import Base
    from portfolio.db.postgres import PostgresDatabase

    Database.open(destination).close()  # the schema, by the same migrations as any portfolio file
    server = PostgresDatabase.open(url, readonly=True)
    try:
        with server.read() as session, contextlib.closing(sqlite3.connect(destination, isolation_level=None)) as copy:
            copy.execute("PRAGMA foreign_keys = OFF")
            copy.execute("BEGIN")
            if copy.execute("SELECT count(*) FROM audit_entry").fetchone()[0]:
                raise SnapshotError(tr("La copie de la base du serveur n'a pas commencé vide."))
            for table in reversed(Base.metadata.sorted_tables):  # what the migrations wrote (the ids' marks)
                if table.name != "audit_entry":
                    copy.execute(f"DELETE FROM {table.name}")
            for table in Base.metadata.sorted_tables:
                names = [column.name for column in table.columns]
                rows = session.connection().exec_driver_sql(
                    f"SELECT {', '.join(names)} FROM {table.name} ORDER BY 1").yield_per(5000)
                statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
                for chunk in rows.partitions():
                    copy.executemany(statement, [[_sqlite_value(v) for v in row] for row in chunk])
            copy.execute("COMMIT")
    finally:
        server.close()
    from portfolio.db.seal import write_seal

    from .checkpoints import sign_seal  # noqa: F401 - the seal signed, as every seal the application writes

    write_seal(destination)  # written by us, as the application leaves a file
    return destination


def snapshot_of(db: Store, destination: Path, *, private_key: Path | None = None) -> dict[str, Any]:
    """The snapshot of an open portfolio: its file's, or (team mode) the server database's through a copy."""
    if db.is_file:
        return write_snapshot(Path(db.path), destination, private_key=private_key)
    from portfolio.db.postgres import PostgresDatabase

    server = cast(PostgresDatabase, db)  # the one Store that is not a file (its url, unlike its path, has the password)
    with tempfile.TemporaryDirectory(prefix="portfolio-instantane-") as folder:
        copy = copy_from_server(server.url, Path(folder) / "serveur.sqlite")
        return write_snapshot(copy, destination, private_key=private_key)


def _sqlite_value(value: Any) -> Any:
    """A PostgreSQL value as SQLAlchemy stores it in SQLite: dates and times as text, flags as 0/1."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _manifest_digest(manifest: dict[str, Any]) -> str:
    """SHA-256 of the manifest itself (all but this digest and the signature): an edited author or date shows."""
    rest = {k: v for k, v in manifest.items() if k not in ("signature", "manifest_digest")}
    return hashlib.sha256(_ENCODER.encode(rest).encode()).hexdigest()


def _signed_bytes(manifest: dict[str, Any]) -> bytes:
    return _ENCODER.encode({k: v for k, v in manifest.items() if k != "signature"}).encode()


# --- verifying -------------------------------------------------------------------------------------------------


@dataclass
class Verification:
    """What verifying a snapshot found."""

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    signed: bool = False
    signer: str | None = None  # the public key that signed it (base64)
    signer_checked: bool = False  # signed by the public key the caller expected
    signer_name: str | None = None  # whose key it is, when this user trusts it (`portfolio keys trust`)

    @property
    def intact(self) -> bool:
        return not self.problems

    def as_json(self) -> dict[str, Any]:
        return {"file": str(self.path), "intact": self.intact, "signed": self.signed, "signer": self.signer,
                "signer_name": self.signer_name, "signer_trusted": self.signer_name is not None or self.signer_checked,
                "problems": self.problems, "created_utc": self.manifest.get("created_utc"),
                "author": self.manifest.get("author"), "digest": self.manifest.get("digest"),
                "audit_head": self.manifest.get("audit_head")}


def open_read_only(path: Path) -> sqlite3.Connection:
    """The snapshot, read-only at the SQLite level: no write possible, no -wal or -shm file, not a byte changed."""
    if not path.is_file():
        raise SnapshotError(tr("« {file} » n'existe pas.", file=str(path)))
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)


def unsafe_to_open(path: Path) -> list[str]:
    """Why the window must not open this snapshot at all (empty: it may): files beside it that SQLite would
    apply over its content (-wal, -journal), or a header switched to WAL after it was written (then opening it
    would write a -shm file beside it)."""
    problems = []
    sidecars = [name for name in (f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal")
                if (path.parent / name).exists()]
    if sidecars:
        problems.append(tr("Des fichiers accompagnent l'instantané ({files}) : ils peuvent en changer le contenu "
                           "affiché ; un instantané est un fichier seul.", files=", ".join(sidecars)))
    if path.is_file():
        with open(path, "rb") as handle:
            header = handle.read(20)
        if len(header) == 20 and header[18:20] != b"\x01\x01":  # written in rollback-journal mode, never WAL
            problems.append(tr("L'instantané a été remis en mode WAL après son écriture : il a été modifié."))
    return problems


def verify_snapshot(path: Path, public_key: str | None = None) -> Verification:
    """Recomputes the snapshot's digests, counts and audit head and checks its signature (against
    ``public_key`` when given: then it must be signed, by that key). Without a key, a signature proves only
    that the manifest was not changed since someone signed it: who signed is ``signer``, to compare."""
    from .audit import chain_head_of
    from .stats import key_figures

    result = Verification(path)
    result.problems.extend(unsafe_to_open(path))
    try:
        with contextlib.closing(open_read_only(path)) as connection:
            try:
                stored = connection.execute(f"SELECT manifest FROM {MANIFEST_TABLE}").fetchall()
            except sqlite3.DatabaseError as error:
                result.problems.append(tr("Le fichier n'est pas un instantané lisible ({reason}) : il a pu être "
                                          "tronqué ou remplacé.", reason=str(error)))
                return result
            if len(stored) != 1:
                result.problems.append(tr("Le manifeste de l'instantané manque ou a été dupliqué."))
                return result
            try:
                manifest = json.loads(stored[0][0])
                assert isinstance(manifest, dict) and manifest.get("format") == FORMAT
                assert isinstance(manifest.get("tables"), dict) and isinstance(manifest.get("counts"), dict)
                assert isinstance(manifest.get("signature", {}), dict)
            except (ValueError, TypeError, AssertionError):
                result.problems.append(tr("Le manifeste de l'instantané n'est pas lisible : il a été modifié."))
                return result
            result.manifest = manifest
            tables = table_digests(connection)
            seq, head = chain_head_of(connection)
            counts = key_figures(connection).counts
            if "document" in tables:  # each document's bytes against the SHA-256 its record (and the trail) holds
                from .documents import document_problems

                result.problems.extend(document_problems(connection))
    except sqlite3.DatabaseError as error:
        result.problems.append(tr("Le fichier est endommagé ({reason}) : il a pu être tronqué ou modifié.",
                                  reason=str(error)))
        return result
    expected = manifest.get("tables") or {}
    for name in sorted(set(expected) | set(tables)):
        if expected.get(name) != tables.get(name):
            result.problems.append(tr("Contenu modifié : « {table} » ne correspond plus au manifeste.", table=name)
                                   if name in expected and name in tables else
                                   tr("Table « {table} » ajoutée ou retirée depuis l'instantané.", table=name))
    if _contents_digest(expected) != manifest.get("digest"):
        result.problems.append(tr("L'empreinte du manifeste ne correspond pas à ses tables : le manifeste a été "
                                  "modifié."))
    if manifest.get("audit_head") != {"seq": seq, "hash": head}:
        result.problems.append(tr("La tête du journal d'audit ne correspond plus au manifeste."))
    if manifest.get("counts") != counts:
        result.problems.append(tr("Les effectifs du manifeste ne correspondent plus aux fiches."))
    if manifest.get("manifest_digest") != _manifest_digest(manifest):
        result.problems.append(tr("Le manifeste a été modifié (auteur, date, chiffres…) après l'écriture de "
                                  "l'instantané."))
    _check_signature(result, manifest, public_key)
    return result


def _check_signature(result: Verification, manifest: dict[str, Any], public_key: str | None) -> None:
    from cryptography.exceptions import InvalidSignature

    signature = manifest.get("signature")
    if not signature:
        if public_key is not None:
            result.problems.append(tr("L'instantané n'est pas signé."))
        return
    try:
        key = load_public_key(str(signature.get("public_key", "")))
        key.verify(base64.b64decode(str(signature.get("value", ""))), _signed_bytes(manifest))
    except (InvalidSignature, SigningKeyError, ValueError, TypeError):
        result.problems.append(tr("La signature ne correspond pas au manifeste : il a été modifié après sa "
                                  "signature."))
        return
    from .checkpoints import signer_name

    result.signed = True
    result.signer = str(signature["public_key"])
    result.signer_name = signer_name(result.signer)
    if public_key is not None:
        if public_key_text(load_public_key(public_key)) != result.signer:
            result.problems.append(tr("L'instantané est signé par une autre clé ({signer}) que celle donnée.",
                                      signer=result.signer))
        else:
            result.signer_checked = True


def describe(result: Verification) -> str:
    """One line for the banner of a snapshot opened in the window: its date, author and what verifying it
    found, in words an auditor cannot misread: whose key signed it, an unknown key, or no signature at all."""
    created = str(result.manifest.get("created_utc") or "")
    when = f"{created[8:10]}/{created[5:7]}/{created[:4]} {created[11:16]} UTC" if len(created) >= 16 else "?"
    head = tr("instantané du {when} par {author}", when=when, author=result.manifest.get("author") or "?")
    if not result.intact:
        return tr("{head} — VÉRIFICATION ÉCHOUÉE : {problem}", head=head, problem=result.problems[0])
    return tr("{head} — vérifié : {what}", head=head, what=signature_words(result))


def signature_words(result: Verification) -> str:
    """What a verified snapshot's signature proves, in words: the same for `verify` and the window's banner."""
    if result.signed and result.signer_checked:
        return tr("intact, signé par la clé attendue")
    if result.signed and result.signer_name:
        return tr("intact, signé par {name} (clé de confiance)", name=result.signer_name)
    if result.signed:
        return tr("contenu intact, mais signé par une clé inconnue ({key}) : rien ne dit qui l'a signé ; comparez "
                  "cette clé à celle de son auteur (« portfolio keys trust FICHIER.pub --name NOM », ou --public-key)",
                  key=result.signer or "")
    return tr("contenu intact, mais NON SIGNÉ : rien ne prouve qui l'a écrit ni qu'il n'a pas été refait")
