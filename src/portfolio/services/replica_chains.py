"""What tells replicas' changes apart in a trail, and the chains `portfolio check` verifies (issue #22): the source
an entry written from another database's carries, the segment of a replica's trail an origin takes (each entry with
its own hash, chained to the one before), and this database's identity. The syncing itself is in
exchange.replica_merge; this module is what the core's check needs of it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .audit import AUDIT_COLUMNS, ERASED, ERASURE_FIELD, entry_hash, payload_hash, values_hash

ENTRY_COLUMNS = (*AUDIT_COLUMNS, "hash", "payload_hash")  # an entry as a change file carries it
FROM_REPLICA = "réplique:"  # the source of an entry the origin wrote from a replica's: "réplique:<uuid> {…}"
FROM_ORIGIN = "origine:"  # the source of an entry a replica wrote taking its origin's state: "origine:<uuid> {…}"


class ReplicaError(PortfolioError):
    """A sync or a change file that cannot be taken; nothing was written."""


def origin_source(kind: str, database: str, details: dict[str, Any]) -> str:
    """An entry's source naming the database its change came from, and the entry there."""
    return f"{kind}{database} " + json.dumps(details, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def parse_origin(source: str) -> dict[str, Any] | None:
    """What an entry's source says of the replica or origin its change came from (None for a change made here)."""
    for kind in (FROM_REPLICA, FROM_ORIGIN):
        if source.startswith(kind):
            database, _, rest = source[len(kind):].partition(" ")
            try:
                details = json.loads(rest) if rest else {}
            except ValueError:
                details = {}
            return {"kind": kind.rstrip(":"), "database": database, **(details if isinstance(details, dict) else {})}
    return None


def segment_problem(entries: Sequence[Sequence[Any]], after: tuple[int, str] | None, label: str) -> str | None:
    """What is wrong with a segment of a replica's trail, naming its first entry that does not hold (None when the
    entries follow each other without a gap from ``after``, the last entry taken before: its number and hash, each
    with its own hash and chained to the one before)."""
    expected_seq, prev = after if after else (None, None)
    for entry in entries:
        seq = int(entry[0])
        if expected_seq is not None and seq != expected_seq + 1:
            return tr("{label} : l'entrée n° {seq} du journal de la réplique ne suit pas la n° {before} (des entrées "
                      "manquent).", label=label, seq=seq, before=expected_seq)
        if prev is not None and entry[11] != prev:
            return tr("{label} : l'entrée n° {seq} du journal de la réplique n'est pas chaînée à la précédente : le "
                      "journal a été réécrit.", label=label, seq=seq)
        # (an erased entry: its values' salted digest stands for them, services.audit)
        computed = values_hash(entry[:13]) if entry[12] is not None else \
            entry_hash(dict(zip(ENTRY_COLUMNS, entry, strict=True)))
        if computed != entry[13]:
            return tr("{label} : l'entrée n° {seq} du journal de la réplique a été modifiée après coup.", label=label,
                      seq=seq)
        expected_seq, prev = seq, entry[13]
    return None


# --- the chains involved ------------------------------------------------------------------------------------------


def knows_replicas(session: Session) -> bool:
    """The database is at schema 13 or later (an older one opened read-only, a snapshot of an older version, has no
    replicas' tables)."""
    return bool(session.get_bind().dialect.has_table(session.connection(), "replica_peer"))


def replica_chain_problems(session: Session) -> list[str]:
    """What does not hold in the replicas' chains this database received (`portfolio check`): each entry kept as it
    arrived must still have its own hash and chain on the one before, the last must be the one the sync marks name,
    and every entry written here from a replica's must name an entry of that replica kept here with that hash."""
    if not knows_replicas(session):
        return []
    connection = raw_connection(session)
    problems: list[str] = []
    kept: dict[tuple[str, int], str] = {}
    names = dict(connection.execute("SELECT uuid, name FROM replica_peer").fetchall())
    for uuid, peer_seq, peer_hash in connection.execute(
            "SELECT uuid, peer_seq, peer_hash FROM replica_peer WHERE role = 'replique'").fetchall():
        label = tr("Réplique « {name} »", name=names.get(uuid, uuid))
        rows = connection.execute("SELECT seq, hash, entry FROM replica_entry WHERE replica_uuid = ? ORDER BY seq",
                                  (uuid,)).fetchall()
        entries = []
        for seq, hash_, text in rows:
            try:
                entry = json.loads(text)
                entries.append([entry[c] for c in ENTRY_COLUMNS])
            except (ValueError, KeyError, TypeError):
                problems.append(tr("{label} : l'entrée n° {seq} reçue est illisible.", label=label, seq=seq))
                continue
            if entry["seq"] != seq or entry["hash"] != hash_:
                problems.append(tr("{label} : l'entrée n° {seq} reçue a été modifiée après coup.", label=label,
                                   seq=seq))
            kept[(str(uuid), int(seq))] = str(hash_)
        problem = segment_problem(entries, None, label)
        if problem:
            problems.append(problem)
        if entries and (int(entries[-1][0]) != int(peer_seq) or entries[-1][13] != peer_hash):
            problems.append(tr("{label} : la dernière entrée reçue n'est plus celle que la dernière synchronisation "
                               "a notée (n° {seq}).", label=label, seq=peer_seq))
    for seq, source in connection.execute("SELECT seq, source FROM audit_entry WHERE source LIKE ?",
                                          (FROM_REPLICA + "%",)):
        origin = parse_origin(str(source))
        if origin is None or "seq" not in origin:
            continue
        if kept.get((str(origin["database"]), int(origin["seq"]))) != origin.get("hash"):
            problems.append(tr("Journal d'audit : l'entrée n° {seq} dit venir de l'entrée n° {theirs} d'une réplique, "
                               "que cette base n'a pas reçue telle quelle.", seq=seq, theirs=origin["seq"]))
        if len(problems) >= 50:
            break
    return problems


def erase_replica_entries(connection: Any, uuids: Sequence[str], entity: str) -> int:
    """A person's erasure (services.gdpr) reaches the replicas' entries kept here too: their values become the
    marker, their salted digest kept, so that each replica's chain still verifies; how many were erased."""
    erased = 0
    for uuid in uuids:
        rows = connection.execute("SELECT replica_uuid, seq, entry FROM replica_entry WHERE entry LIKE ?",
                                  (f"%{uuid}%",)).fetchall()
        for replica, seq, text in rows:
            entry = json.loads(text)
            if entry.get("entity") != entity or entry.get("record_uuid") != uuid or entry.get("salt") is None \
                    or entry.get("field") == ERASURE_FIELD:
                continue
            old, new = entry.get("old_value"), entry.get("new_value")
            entry.update(payload_hash=payload_hash(entry["salt"], old, new), salt=None,
                         old_value=None if old is None else ERASED, new_value=None if new is None else ERASED)
            connection.execute("UPDATE replica_entry SET entry = ? WHERE replica_uuid = ? AND seq = ?",
                               (json.dumps(entry, ensure_ascii=False), replica, seq))
            erased += 1
    return erased


# --- identity ------------------------------------------------------------------------------------------------------


def own_identity(session: Session) -> str:
    """This database's identity, made at its first need (a team database created from the models has none yet)."""
    connection = raw_connection(session)
    row = connection.execute("SELECT uuid FROM portfolio_identity").fetchone()
    if row is not None:
        return str(row[0])
    import uuid as uuid_module

    made = str(uuid_module.uuid4())
    connection.execute("INSERT INTO portfolio_identity (uuid, created_utc) VALUES (?, ?)",
                       (made, datetime.now(UTC).isoformat(timespec="seconds")))
    return made
