"""Laptop replicas (issue #22): a copy of the portfolio (or of the part an officer follows) that works offline and
syncs with the database it was made from, directly when it can reach it, or through signed change files.

- ``create_replica`` makes the copy and registers it on both sides: the replica knows its origin (identity, address,
  the origin's trail entry it starts from), the origin knows the replica (its identity, its part of the portfolio,
  its trail's entry the next changes must chain on).
- ``sync`` sends the replica's changes and takes the origin's answer: two write transactions, one per side, each
  after a backup of a file; killed at any moment, each side is as it was before its transaction or after it, and
  running it again completes the sync (the origin does not apply twice what it has applied: services.replica_merge).
- ``export_changes`` / ``import_changes``: the same exchange through files (``.sasn``: gzipped JSON, signed with the
  officer's Ed25519 key and verified against the keys this user trusts). The origin's import answers with a reply
  file, which the replica imports in turn.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import json
import uuid as uuid_module
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy.orm import Session

from portfolio.db.locations import is_url, kept_address, without_password
from portfolio.db.sqlite_file import SCHEMA_VERSION, raw_connection
from portfolio.db.store import Store
from portfolio.domain.i18n import tr
from portfolio.services.documents import contents_of
from portfolio.services.replica_chains import ENTRY_COLUMNS, FROM_ORIGIN, ReplicaError, knows_replicas, own_identity

from .replica_merge import Outgoing, Reply, Taken, scope_ids, states_of, take_changes, take_reply
from .replica_records import REFERENCE_ENTITIES, Ids, chunks, entity_order, id_references

_T = TypeVar("_T")
FILE_FORMAT = "sasn-modifications"
FILE_VERSION = 1
SUFFIX = ".sasn"
MAX_FILE_BYTES = 512 * 1024 * 1024  # a change file, compressed
MAX_CONTENT_BYTES = 2 * 1024 * 1024 * 1024  # … and once uncompressed


@dataclass(frozen=True)
class Peer:
    """A database this one syncs with (the ``replica_peer`` row)."""

    uuid: str
    role: str  # "origine" (this database is its replica) or "replique"
    name: str
    location: str
    scope: dict[str, Any]
    peer_seq: int
    sent_seq: int
    created_utc: str
    synced_utc: str | None
    want: tuple[tuple[str, str], ...] = ()  # (a replica's origin) the records held back, asked for again

    def as_dict(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "role": self.role, "name": self.name, "location": self.location,
                "scope": self.scope, "peer_seq": self.peer_seq, "sent_seq": self.sent_seq,
                "created_utc": self.created_utc, "synced_utc": self.synced_utc}


def peers(session: Session) -> list[Peer]:
    """Every database this one syncs with: its origin first, then its replicas by name."""
    rows = raw_connection(session).execute(
        "SELECT uuid, role, name, location, scope, peer_seq, sent_seq, created_utc, synced_utc, want FROM "
        "replica_peer ORDER BY role, name").fetchall()
    return [Peer(str(r[0]), str(r[1]), str(r[2]), str(r[3]), json.loads(r[4] or "{}"), int(r[5]), int(r[6]),
                 str(r[7]), r[8], tuple((str(e), str(u)) for e, u in json.loads(r[9] or "[]"))) for r in rows]


def origin_of(session: Session) -> Peer | None:
    """This database's origin, when it is a replica."""
    return next((peer for peer in peers(session) if peer.role == "origine"), None)


def required_origin(session: Session) -> Peer:
    """This database's origin; ReplicaError, saying how to make one, when it is not a replica."""
    peer = origin_of(session)
    if peer is None:
        raise ReplicaError(tr("Cette base n'est pas une réplique : faites-en une avec « portfolio replica create » "
                              "(Fichier > Travailler hors ligne…)."))
    return peer


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _head(connection: Any) -> tuple[int, str]:
    row = connection.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    return (int(row[0]), str(row[1])) if row else (0, "")


# --- making a replica ----------------------------------------------------------------------------------------------


def create_replica(origin: str, target: Path, *, name: str = "", officer: str | None = None,
                   region: str | None = None) -> dict[str, Any]:
    """Makes ``target`` a replica of the portfolio at ``origin`` (a file or a server's address): the whole portfolio,
    or the part an officer follows (``officer``: their name; ``region``: an INSEE region code), and registers it on
    both sides. ReplicaError for a target that exists, or an officer or region the origin does not have."""
    from portfolio.services.portfolio import open_portfolio

    target = Path(target)
    if target.exists():
        raise ReplicaError(tr("« {path} » existe déjà : une réplique est un fichier neuf. Choisissez un autre nom.",
                              path=target))
    scope = {key: value for key, value in (("officer", officer), ("region", region)) if value}
    replica = str(uuid_module.uuid4())
    with open_portfolio(origin, must_exist=True) as source:
        with source.write() as session:
            origin_id = own_identity(session)
            _check_scope(session, scope)
        label = name or officer or region or target.stem
        location = str(Path(str(source.path)).resolve()) if source.is_file else kept_address(origin)
        if not scope and source.is_file:
            head = _copy_whole(Path(str(source.path)), target, replica, origin_id, label, location)
        else:
            head = _copy_part(source, target, replica, origin_id, label, location, scope)
        with source.write() as session:  # the origin knows its replica, and the entry its changes chain on
            _add_peer(raw_connection(session), replica, "replique", label, scope=scope, peer_seq=head[0],
                      peer_hash=head[1])
    return {"replica": replica, "origin": origin_id, "path": str(target), "name": label, "scope": scope,
            "origin_seq": head[2], "records": head[3]}


def _check_scope(session: Session, scope: dict[str, Any]) -> None:
    connection = raw_connection(session)
    if scope.get("officer") and connection.execute("SELECT 1 FROM officer WHERE name = ?",
                                                   (scope["officer"],)).fetchone() is None:
        raise ReplicaError(tr("Aucun(e) chargé(e) de mission ne s'appelle « {name} » dans cette base (voir "
                              "« portfolio officer list »).", name=scope["officer"]))
    if scope.get("region") and connection.execute("SELECT 1 FROM region WHERE code = ?",
                                                  (scope["region"],)).fetchone() is None:
        raise ReplicaError(tr("Aucune région n'a le code INSEE « {code} » (par exemple 53 pour la Bretagne).",
                              code=scope["region"]))


def _copy_whole(source: Path, target: Path, replica: str, origin_id: str, label: str, location: str
                ) -> tuple[int, str, int, int]:
    """The whole file copied by SQLite's online backup (its trail with it: the replica's chain is the origin's up to
    the copy), then given its own identity."""
    from portfolio.db.database import Database, backup_copy

    backup_copy(source, target)
    with _removed_on_failure(target), Database.open(target) as db, db.write() as session:
        connection = raw_connection(session)
        for table in ("replica_entry", "replica_peer"):
            connection.execute(f"DELETE FROM {table}")  # (the origin's bookkeeping, not the replica's)
        seq, hash_ = _head(connection)
        _become_replica(connection, replica, origin_id, label, location=location, peer_seq=seq, sent_seq=seq)
        records = sum(int(connection.execute(f"SELECT count(*) FROM {e}").fetchone()[0]) for e in entity_order())
    return seq, hash_, seq, records


def _copy_part(source: Store, target: Path, replica: str, origin_id: str, label: str, location: str,
               scope: dict[str, Any]) -> tuple[int, str, int, int]:
    """A new file holding the records in scope, each written through its door as the origin has it (its trail
    starts with their creation; the origin's own stays on the origin)."""
    from portfolio.services.portfolio import open_portfolio

    with source.read() as session:
        connection = raw_connection(session)
        origin_seq = _head(connection)[0]
        allowed = scope_ids(connection, scope)  # (None: every record)
        keys: set[tuple[str, str]] = set()
        for entity in entity_order():
            if allowed is None or entity in REFERENCE_ENTITIES:
                keys |= {(entity, str(uuid)) for (uuid,) in connection.execute(f"SELECT uuid FROM {entity}")}
                continue
            for part in chunks(sorted(allowed.get(entity, set()))):
                keys |= {(entity, str(uuid)) for (uuid,) in connection.execute(
                    f"SELECT uuid FROM {entity} WHERE id IN ({', '.join('?' * len(part))})", tuple(part))}
        reply = states_of(session, replica, origin_seq, keys, allowed)
    reply.replica = replica
    reply.origin = origin_id
    with _removed_on_failure(target), open_portfolio(target) as db, db.write() as session:
        connection = raw_connection(session)
        # (the new file's own reference records are not changes to send, nor to hold)
        _become_replica(connection, replica, origin_id, label, location=location, scope=scope,
                        sent_seq=_head(connection)[0])
        taken = take_reply(session, reply, label=str(target))
        seq, hash_ = _head(connection)
        connection.execute("UPDATE replica_peer SET sent_seq = ?, synced_utc = NULL WHERE uuid = ?",
                           (seq, origin_id))  # (what the copy wrote is not to be sent back)
    return seq, hash_, origin_seq, taken.created + taken.updated


@contextlib.contextmanager
def _removed_on_failure(path: Path) -> Iterator[None]:
    """A replica being made is removed if its making fails: no half-made file is left."""
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _become_replica(connection: Any, replica: str, origin: str, name: str, **marks: Any) -> None:
    """A copy made a replica: its own identity, and its origin (``marks``: its address, part and marks)."""
    connection.execute("DELETE FROM portfolio_identity")
    connection.execute("INSERT INTO portfolio_identity (uuid, created_utc) VALUES (?, ?)", (replica, _now()))
    _add_peer(connection, origin, "origine", name, **marks)


def _add_peer(connection: Any, uuid: str, role: str, name: str, *, location: str = "",
              scope: dict[str, Any] | None = None, peer_seq: int = 0, peer_hash: str = "", sent_seq: int = 0) -> None:
    """A database this one syncs with, registered with the marks its syncs start from."""
    connection.execute("INSERT INTO replica_peer (uuid, role, name, location, scope, peer_seq, peer_hash, sent_seq, "
                       "want, created_utc, synced_utc, signer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]', ?, NULL, '')",
                       (uuid, role, name, location, json.dumps(scope or {}, ensure_ascii=False), peer_seq, peer_hash,
                        sent_seq, _now()))


# --- what a replica sends ------------------------------------------------------------------------------------------


def outgoing(session: Session) -> Outgoing:
    """This replica's changes not yet acknowledged by its origin (ReplicaError when it is not a replica)."""
    peer = required_origin(session)
    connection = raw_connection(session)
    entries = [list(row) for row in connection.execute(
        f"SELECT {', '.join(ENTRY_COLUMNS)} FROM audit_entry WHERE seq > ? ORDER BY seq", (peer.sent_seq,))]
    own = [e for e in entries if not str(e[3]).startswith(FROM_ORIGIN + peer.uuid)]
    refs: dict[str, dict[str, str]] = {}
    ids = Ids(session)
    for entity, wanted in id_references(own).items():
        ids.load_ids(entity, wanted)
        found = refs[entity] = {str(i): u for i, u in ids.to_uuid[entity].items() if u is not None and i in wanted}
        for record_id in set(map(str, wanted)) - found.keys():  # a record deleted since: its creation names it
            for uuid, text in connection.execute("SELECT record_uuid, new_value FROM audit_entry WHERE entity = ? "
                                                 "AND operation = 'create' AND salt IS NOT NULL", (entity,)):
                if str(json.loads(text).get("id")) == record_id:
                    found[record_id] = str(uuid)
                    break
    contents = contents_of(session, [str(e[7]) for e in own if e[6] == "document" and e[5] == "create"])
    return Outgoing(own_identity(session), peer.uuid, peer.name, peer.peer_seq, entries, refs, contents,
                    list(peer.want))


# --- a sync, connected ---------------------------------------------------------------------------------------------


class _DryRun(Exception):
    def __init__(self, result: Any) -> None:
        super().__init__("dry run")
        self.result = result


def sync(db: Store, origin: str | None = None, *, dry_run: bool = False) -> dict[str, Any]:
    """Sends this replica's changes to its origin (at ``origin``, else the address it was made from) and takes the
    origin's state back: one transaction on each side, each file backed up first. ``dry_run``: both transactions
    rolled back, the counts said."""
    from portfolio.services.backups import take_backup
    from portfolio.services.portfolio import open_portfolio

    with db.read() as session:
        peer = required_origin(session)
    location = origin or peer.location
    if not is_url(location) and not Path(location).exists():
        raise ReplicaError(tr("La base d'origine « {path} » est introuvable : branchez le disque ou le réseau où elle "
                              "est, ou passez par un fichier de modifications (portfolio replica export-changes).",
                              path=location))
    if db.is_file and not dry_run:
        take_backup(Path(str(db.path)), "synchro")
    with open_portfolio(location, must_exist=True) as hub:
        if hub.is_file and not dry_run:
            take_backup(Path(str(hub.path)), "synchro")
        sent = outgoing_to(db)
        reply = take_in(hub, sent, dry_run=dry_run, expected=peer.uuid, shown=without_password(location))
    taken = take_back(db, reply, dry_run=dry_run, shown=without_password(location))
    return _summary(sent, reply, taken, dry_run)


def outgoing_to(db: Store) -> Outgoing:
    """This replica's changes for its origin, read in one transaction."""
    with db.read() as session:
        return outgoing(session)


def take_in(hub: Store, sent: Outgoing, *, dry_run: bool = False, expected: str | None = None,
            shown: str = "") -> Reply:
    """The origin's half of a sync: ``sent`` merged in one write transaction (rolled back for a dry run), and its
    reply. ReplicaError when ``hub`` is not the database the replica was made from (``expected``: its identity)."""
    label = tr("Synchronisation avec « {origin} »", origin=shown or str(hub.path))

    def merge(session: Session) -> Reply:  # (an origin at a newer schema was refused by its opening: update first)
        if own_identity(session) != (expected or sent.origin):
            raise ReplicaError(tr("« {origin} » n'est pas la base dont cette réplique a été faite. Rien n'a été "
                                  "envoyé.", origin=shown or str(hub.path)))
        return take_changes(session, sent, label=label)

    return _written(hub, merge, dry_run)


def take_back(db: Store, reply: Reply, *, dry_run: bool = False, shown: str = "") -> Taken:
    """The replica's half of a sync: the origin's reply taken in one write transaction (rolled back for a dry
    run)."""
    label = tr("Synchronisation avec « {origin} »", origin=shown or reply.origin)
    return _written(db, lambda session: take_reply(session, reply, label=label), dry_run)


def _written(db: Store, work: Callable[[Session], _T], dry_run: bool) -> _T:
    """``work`` in one write transaction of ``db``, committed, or rolled back for a dry run; its result either way."""
    try:
        with db.write() as session:
            result = work(session)
            if dry_run:
                raise _DryRun(result)
    except _DryRun as run:
        return cast(_T, run.result)
    return result


def _summary(sent: Outgoing, reply: Reply, taken: Taken, dry_run: bool) -> dict[str, Any]:
    own = sum(1 for e in sent.entries if not str(e[3]).startswith(FROM_ORIGIN))
    return {"dry_run": dry_run, "replica": sent.replica, "origin": sent.origin, "entries_sent": own,
            "sent": reply.taken, "received": taken.as_dict(), "conflicts": reply.conflicts,
            "origin_seq": reply.head, "acknowledged_seq": reply.ack}


# --- change files ------------------------------------------------------------------------------------------------


def export_changes(db: Store, out: Path) -> dict[str, Any]:
    """Writes this replica's changes not yet acknowledged as a signed change file (the marks move only when the
    origin's reply is imported)."""
    with db.read() as session:
        sent = outgoing(session)
    content = {"kind": "changes", "from": sent.replica, "to": sent.origin, "name": sent.name,
               "origin_seq": sent.origin_seq, "entries": sent.entries, "refs": sent.refs,
               "contents": {u: base64.b64encode(c).decode("ascii") for u, c in sent.contents.items()},
               "want": [list(k) for k in sent.want]}
    size = _write_signed(out, content)
    return {"path": str(out), "bytes": size, "entries": len(sent.entries), "replica": sent.replica,
            "origin": sent.origin}


def import_changes(db: Store, path: Path, reply_path: Path | None = None) -> dict[str, Any]:
    """Takes a change file: on the origin, a replica's changes (merged, then a reply file written beside it, or at
    ``reply_path``); on a replica, its origin's reply. Idempotent: a file taken twice, or an older one after a newer
    one, changes nothing more."""
    from portfolio.services.backups import take_backup

    content, signer = read_signed(path)
    label = tr("Fichier « {name} »", name=path.name)
    if int(content.get("schema", 0)) > SCHEMA_VERSION:
        raise ReplicaError(tr("{label} : il vient d'une base au schéma {theirs}, plus récent que celui de cette "
                              "application ({ours}) : mettez l'application à jour, puis importez-le.", label=label,
                              theirs=content.get("schema"), ours=SCHEMA_VERSION))
    with db.read() as session:
        here = own_identity(session) if _has_identity(session) else ""
    if content.get("to") != here:
        raise ReplicaError(tr("{label} : il est destiné à une autre base que celle-ci (il vient de « {origin} »). "
                              "Ouvrez la base à laquelle il est destiné.", label=label,
                              origin=content.get("name") or content.get("from")))
    if db.is_file:
        take_backup(Path(str(db.path)), "modifications")
    try:
        if content["kind"] == "changes":
            sent = Outgoing(str(content["from"]), str(content["to"]), str(content.get("name", "")),
                            int(content["origin_seq"]), [list(e) for e in content["entries"]],
                            {str(k): {str(i): str(u) for i, u in v.items()} for k, v in content["refs"].items()},
                            {str(u): base64.b64decode(c) for u, c in content["contents"].items()},
                            [(str(e), str(u)) for e, u in content["want"]])
            if any(len(e) != len(ENTRY_COLUMNS) for e in sent.entries):
                raise ValueError("entry")
            with db.write() as session:
                reply = take_changes(session, sent, label=label)
                raw_connection(session).execute("UPDATE replica_peer SET signer = ? WHERE uuid = ?",
                                                (signer, sent.replica))
            target = reply_path or path.with_name(path.name.removesuffix(SUFFIX) + ".reponse" + SUFFIX)
            size = _write_signed(target, _reply_content(reply, sent.name))
            return {"kind": "changes", "taken": reply.taken, "conflicts": reply.conflicts, "reply": str(target),
                    "reply_bytes": size, "acknowledged_seq": reply.ack}
        if content["kind"] == "reply":
            reply = Reply(str(content["from"]), str(content["to"]), int(content["head"]), int(content["ack"]),
                          [(str(e), str(u), v if v is None else dict(v)) for e, u, v in content["states"]],
                          {str(u): base64.b64decode(c) for u, c in content["contents"].items()},
                          dict(content.get("taken", {})), list(content.get("conflicts", [])))
            with db.write() as session:
                taken = take_reply(session, reply, label=label)
            return {"kind": "reply", "received": taken.as_dict(), "origin_seq": reply.head,
                    "acknowledged_seq": reply.ack, "conflicts": reply.conflicts}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ReplicaError(tr("{label} : son contenu n'est pas celui d'un fichier de modifications ({detail}). "
                              "Rien n'a été enregistré.", label=label, detail=type(error).__name__)) from None
    raise ReplicaError(tr("{label} : type de fichier inconnu. Rien n'a été enregistré.", label=label))


def _has_identity(session: Session) -> bool:
    return raw_connection(session).execute("SELECT 1 FROM portfolio_identity").fetchone() is not None


def _reply_content(reply: Reply, name: str) -> dict[str, Any]:
    return {"kind": "reply", "from": reply.origin, "to": reply.replica, "name": name, "head": reply.head,
            "ack": reply.ack, "states": [list(s) for s in reply.states],
            "contents": {u: base64.b64encode(c).decode("ascii") for u, c in reply.contents.items()},
            "taken": reply.taken, "conflicts": reply.conflicts}


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _write_signed(path: Path, content: dict[str, Any]) -> int:
    """Writes ``content`` signed with the officer's key, gzipped, in place at once (a temporary file renamed)."""
    from portfolio.services.checkpoints import officer_key, public_text

    key = officer_key()
    if key is None:
        raise ReplicaError(tr("Votre clé de signature est illisible ou ne peut pas être créée : le fichier de "
                              "modifications ne peut pas être signé (voir « portfolio keys init »)."))
    content = {**content, "schema": SCHEMA_VERSION, "made_utc": _now()}
    text = _ENCODER.encode(content)
    signature = base64.b64encode(key.sign(text.encode("utf-8"))).decode("ascii")
    body = '{"format":"' + FILE_FORMAT + '","version":' + str(FILE_VERSION) + ',"signer":"' + public_text(key) + \
        '","signature":"' + signature + '","content":' + text + "}"
    temporary = path.with_name(path.name + ".tmp")
    try:
        temporary.write_bytes(gzip.compress(body.encode("utf-8"), mtime=0))
        temporary.replace(path)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ReplicaError(tr("« {path} » n'a pas pu être écrit ({error}) : choisissez un autre dossier.", path=path,
                              error=error.strerror or error)) from None
    return path.stat().st_size


def read_signed(path: Path) -> tuple[dict[str, Any], str]:
    """A change file's content and its signer, once its signature verifies by a key this user trusts; ReplicaError
    saying what is wrong and what to do for a file that is not one, damaged, too big, altered or signed by a
    stranger."""
    from cryptography.exceptions import InvalidSignature

    from portfolio.services.checkpoints import trusted_keys
    from portfolio.services.signing_keys import load_public_key

    label = tr("Fichier « {name} »", name=path.name)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ReplicaError(tr("{label} : trop gros pour un fichier de modifications ({size} Mo). Rien n'a été "
                                  "lu.", label=label, size=path.stat().st_size // 2**20))
        with gzip.open(path, "rb") as handle:
            data = handle.read(MAX_CONTENT_BYTES + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        raise ReplicaError(tr("{label} : illisible ou abîmé ({error}). Demandez-en une nouvelle copie.", label=label,
                              error=getattr(error, "strerror", None) or error)) from None
    if len(data) > MAX_CONTENT_BYTES:
        raise ReplicaError(tr("{label} : son contenu dépasse 2 Go une fois décompressé. Rien n'a été lu.", label=label))
    try:
        document = json.loads(data.decode("utf-8"))
        if document.get("format") != FILE_FORMAT:
            raise ValueError("format")
        signer, signature, content = str(document["signer"]), str(document["signature"]), document["content"]
        if not isinstance(content, dict):
            raise ValueError("content")
    except (ValueError, KeyError, AttributeError, TypeError, UnicodeDecodeError):
        raise ReplicaError(tr("{label} : ce n'est pas un fichier de modifications de l'application (.sasn). Rien "
                              "n'a été lu.", label=label)) from None
    if int(document.get("version", 0)) > FILE_VERSION:
        raise ReplicaError(tr("{label} : écrit par une version plus récente de l'application : mettez-la à jour.",
                              label=label))
    try:
        load_public_key(signer).verify(base64.b64decode(signature, validate=True),
                                       _ENCODER.encode(content).encode("utf-8"))
    except (InvalidSignature, ValueError, TypeError, Exception):  # (a key that is not one: PortfolioError)
        raise ReplicaError(tr("{label} : sa signature ne correspond pas à son contenu : il a été modifié après avoir "
                              "été signé. Rien n'a été enregistré ; demandez-en une nouvelle copie.",
                              label=label)) from None
    if signer not in trusted_keys():
        raise ReplicaError(tr("{label} : il est signé par une clé que vous n'avez pas déclarée de confiance "
                              "({key}). Si c'est bien celle de votre collègue, ajoutez-la avec « portfolio keys trust "
                              "CLE NOM », puis importez-le de nouveau.", label=label, key=signer))
    return content, signer


def scope_choices(db: Store) -> tuple[list[str], list[tuple[str, str]]]:
    """The parts of the portfolio a replica may hold: the team's officers, and the regions (code, name)."""
    with db.read() as session:
        connection = raw_connection(session)
        officers = [str(r[0]) for r in connection.execute("SELECT name FROM officer ORDER BY name_key")]
        regions = [(str(r[0]), str(r[1])) for r in connection.execute("SELECT code, name FROM region ORDER BY name")]
    return officers, regions


def status(db: Store) -> dict[str, Any]:
    """This database's identity, its origin and replicas, and (a replica) how many changes wait to be sent."""
    with db.read() as session:
        if not knows_replicas(session):
            return {"identity": "", "origin": None, "waiting": 0, "replicas": []}
        connection = raw_connection(session)
        here = own_identity(session) if _has_identity(session) else ""
        listed = peers(session)
        origin = next((p for p in listed if p.role == "origine"), None)
        waiting = 0
        if origin is not None:
            waiting = int(connection.execute(
                "SELECT count(*) FROM audit_entry WHERE seq > ? AND source NOT LIKE ? AND (field IS NULL OR "
                "substr(field, 1, 1) <> '_')", (origin.sent_seq, FROM_ORIGIN + origin.uuid + "%")).fetchone()[0])
        queued = {str(u): int(n) for u, n in connection.execute(
            "SELECT export_uuid, count(*) FROM sync_conflict WHERE settled_utc IS NULL GROUP BY export_uuid")}
    return {"identity": here, "origin": origin.as_dict() if origin else None, "waiting": waiting,
            "replicas": [{**p.as_dict(), "conflicts": queued.get(p.uuid, 0)} for p in listed if p.role == "replique"]}

