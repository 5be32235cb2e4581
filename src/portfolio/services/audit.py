"""The audit trail: append-only entries chained by SHA-256, and the walk that verifies the chain.

Each entry's hash covers its sequence number, its content and the previous entry's hash, so an edited
entry breaks its own hash, a deleted entry breaks the sequence and the next entry's link, and a
truncated tail is seen in SQLite's AUTOINCREMENT counter (sqlite_sequence), which keeps the highest
sequence number ever given.

The old and new values (the payload, which may hold personal data) enter the hash through their own salted
digest: SHA-256 of the entry's random salt and both values. Erasing a person (services.gdpr) replaces the
values by a marker, keeps that digest in ``payload_hash`` and drops the salt: the chain still verifies, and
the erased value cannot be guessed back by trying candidates against the digest. An erased entry must be
listed by a later erasure entry (field ``ERASURE_FIELD``), so a value cannot be removed silently.
Files written before this format (schema 4 and older: no ``salt`` column) hashed the values directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr

GENESIS_HASH = "0" * 64
AUDIT_COLUMNS = (  # the columns the door writes, in this order, then ``hash``
    "seq", "at_utc", "actor", "source", "batch", "operation", "entity", "record_uuid", "field",
    "old_value", "new_value", "prev_hash", "salt",
)
LEGACY_COLUMNS = AUDIT_COLUMNS[:-1]  # schema 4 and older: the values hashed as they are
ERASED = '"[effacé]"'  # what an erased value becomes (JSON text, like every stored value)
ERASURE_FIELD = "_effacement_rgpd"  # an erasure entry's field; its new value lists the entries it erased
ERASURE_SOURCE = "rgpd"  # the source of an erasure's entries
MIGRATION_FIELD = "_migration_v5"  # the entry migration 0005 adds: the old chain's head and what was wrong with it


# built once: json.dumps() with options builds a new encoder at every call, and an import hashes and dumps
# hundreds of thousands of entries (the output is the same)
_CANONICAL = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_SORTED = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))
_quote = json.encoder.encode_basestring  # how the encoders above write a string (ensure_ascii=False)


def new_salt() -> str:
    """A fresh random salt for one entry's payload (128 bits, hex)."""
    return os.urandom(16).hex()


def payload_hash(salt: str, old: str | None, new: str | None) -> str:
    """SHA-256 of an entry's salt and values (``[salt, old, new]`` as canonical JSON)."""
    text = "[" + _quote(salt) + "," + ("null" if old is None else _quote(old)) + "," + \
        ("null" if new is None else _quote(new)) + "]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_hash(row: dict[str, Any] | Any) -> str:
    """SHA-256 of an entry's canonical JSON: every column but ``hash``, the values through their salted digest
    (or as they are, for an entry of the legacy format: no ``salt`` key)."""
    get = row.get if isinstance(row, dict) else (lambda name, default=None: getattr(row, name, default))
    if isinstance(row, dict) and "salt" not in row:
        return hashlib.sha256(_CANONICAL.encode([row[c] for c in LEGACY_COLUMNS]).encode("utf-8")).hexdigest()
    salt = get("salt")
    payload = get("payload_hash") if salt is None else payload_hash(salt, get("old_value"), get("new_value"))
    values = [get(c) for c in AUDIT_COLUMNS[:9]] + [payload, get("prev_hash")]
    return hashlib.sha256(_CANONICAL.encode(values).encode("utf-8")).hexdigest()


def values_hash(values: Sequence[Any]) -> str:
    """``entry_hash`` of an entry given as its values in AUDIT_COLUMNS order, as the door writes them (the
    sequence number an int, every other value text or None). The canonical JSON is put together directly:
    the same text as the encoder's (a test holds them equal), in a third less time, for the door hashes one
    entry per record an import creates."""
    payload = payload_hash(values[12], values[9], values[10])
    text = "[" + str(values[0]) + "," + ",".join(["null" if v is None else _quote(v)
                                                  for v in (*values[1:9], payload, values[11])]) + "]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Hasher:
    """``values_hash`` for a walk of the whole trail: the columns an entry shares with the entries of its batch
    (time, actor, source, batch, operation, entity) are quoted once per distinct value, not once per entry."""

    def __init__(self) -> None:
        self.quoted: dict[str | None, str] = {}

    def __call__(self, values: Sequence[Any]) -> str:
        quoted = self.quoted
        if len(quoted) > 4096:
            quoted.clear()
        head = []
        for value in values[1:7]:
            text = quoted.get(value)
            if text is None:
                text = quoted[value] = "null" if value is None else _quote(value)
            head.append(text)
        field = values[8]
        text = ("[" + str(values[0]) + "," + ",".join(head) + "," + _quote(values[7]) + "," +
                ("null" if field is None else _quote(field)) + "," +
                _quote(payload_hash(values[12], values[9], values[10])) + "," + _quote(values[11]) + "]")
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dump_value(value: Any) -> str | None:
    """An old or new value as stored in the audit trail (JSON text; None stays NULL only for 'absent')."""
    return _SORTED.encode(value)


try:  # the C encoder behind _SORTED, built once: a replay encodes every record of the portfolio (services.replay)
    from _json import make_encoder as _make_encoder

    _C_SORTED = _make_encoder(None, _SORTED.default, _quote, None, ":", ",", True, False, True)

    def dump_record(value: dict[str, Any]) -> str:
        """``dump_value`` of a record's values (a dict of JSON-ready values), a third faster."""
        return "".join(_C_SORTED(value, 0))
except ImportError:  # pragma: no cover - an interpreter without the C accelerator
    def dump_record(value: dict[str, Any]) -> str:
        """``dump_value`` of a record's values."""
        return _SORTED.encode(value)


def chain_head(session: Session) -> tuple[int, str]:
    """The highest sequence number ever given and the last entry's hash ((0, genesis) for an empty trail).

    The number comes from SQLite's AUTOINCREMENT counter when it is higher than the last entry: entries
    deleted from the tail are never renumbered over, so their gap stays visible to verify_chain.
    """
    return chain_head_of(raw_connection(session))


def last_seq(connection: Any) -> int:
    """The audit trail's last entry (0 for none), through a DB-API connection: every change to the data adds
    one, so a plan or a cache compares it to know whether the data changed since."""
    return int(connection.execute("SELECT coalesce(max(seq), 0) FROM audit_entry").fetchone()[0])


def data_seq(source: Session | sqlite3.Connection) -> int:
    """``last_seq`` of a session, or of the plain connection of the window's first paint."""
    return last_seq(raw_connection(source))


def chain_head_of(connection: Any) -> tuple[int, str]:
    """``chain_head`` through a DB-API connection (a snapshot opened read-only)."""
    row = connection.execute("SELECT seq, hash FROM audit_entry ORDER BY seq DESC LIMIT 1").fetchone()
    seq, last_hash = (row[0], row[1]) if row else (0, GENESIS_HASH)
    if not isinstance(connection, sqlite3.Connection):  # team mode: the door's mark of the highest entry written
        mark = connection.execute("SELECT last_id FROM id_high_water WHERE entity = 'audit_entry'").fetchone()
        return max(seq, mark[0] if mark else 0), last_hash
    highest = connection.execute("SELECT seq FROM sqlite_sequence WHERE name = 'audit_entry'").fetchone()
    return max(seq, highest[0] if highest else 0), last_hash


@dataclass
class ChainReport:
    """The result of walking the audit chain."""

    entries: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS_HASH
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "entries": self.entries, "head_seq": self.head_seq, "head_hash": self.head_hash,
                "problems": self.problems}


MAX_PROBLEMS = 50


# (seq, operation, entity, record uuid, field, old value, new value, erased, source, batch)
Observer = Callable[[int, str, str, str, "str | None", "str | None", "str | None", bool, str, str], None]


def verify_chain(session: Session, progress: Callable[[float, str], None] | None = None,
                 observe: Observer | None = None) -> ChainReport:
    """Walks every entry in order, recomputing hashes and links; reports each break it finds. ``observe`` is
    given each entry (seq, operation, entity, record uuid, field, old value, new value, erased, source, batch) as it
    is walked,
    so that the trail is read once for its replay too (services.replay).

    The entries are read as plain tuples through the DB-API and hashed as the door hashes them (``values_hash``):
    half a million entries in about two seconds, where SQLAlchemy's rows took seven."""
    report = ChainReport()
    connection = raw_connection(session)
    total = connection.execute("SELECT count(*) FROM audit_entry").fetchone()[0]
    expected_seq, prev = 1, GENESIS_HASH

    def problem(message: str) -> None:
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(message)

    present = set(session.execute(text("SELECT * FROM audit_entry WHERE 1 = 0")).keys())
    salted = "salt" in present
    names = (*AUDIT_COLUMNS, "payload_hash") if salted else LEGACY_COLUMNS
    erasures = _Erasures(problem)
    cursor = connection.execute(f"SELECT {', '.join((*names, 'hash'))} FROM audit_entry ORDER BY seq")
    hasher = _Hasher()
    for row in cursor:
        seq = row[0]
        if seq != expected_seq:
            problem(tr("Journal d'audit : entrée(s) n° {first} à {last} supprimée(s).", first=expected_seq,
                       last=seq - 1) if seq > expected_seq else tr("Journal d'audit : numéro {seq} dans le désordre.",
                                                                   seq=seq))
        if row[11] != prev:
            problem(tr("Journal d'audit : le chaînage est rompu à l'entrée n° {seq}.", seq=seq))
        erased = salted and row[12] is None
        computed = hasher(row) if salted and not erased else entry_hash(dict(zip((*names, "hash"), row, strict=True)))
        if computed != row[-1]:
            problem(tr("Journal d'audit : l'entrée n° {seq} a été modifiée après coup.", seq=seq))
        if salted and (erased or row[8] in _WATCHED or (row[5] == "delete" and row[6] == "contact")):
            erasures.see(dict(zip((*names, "hash"), row, strict=True)))  # (the only entries its rules read)
        if observe is not None:
            observe(seq, row[5], row[6], row[7], row[8], row[9], row[10], erased, row[3], row[4])
        prev, expected_seq = row[-1], seq + 1
        report.entries += 1
        if progress and report.entries % 10_000 == 0:
            progress(report.entries / max(total, 1), tr("Vérification du journal d'audit"))
    erasures.finish()
    report.head_seq, report.head_hash = expected_seq - 1, prev
    highest = chain_head(session)[0]  # SQLite: its AUTOINCREMENT counter remembers entries deleted from the tail
    if highest > report.head_seq:
        problem(tr("Journal d'audit : les dernières entrées (n° {first} à {last}) ont été supprimées.",
                   first=report.head_seq + 1, last=highest))
    return report


_WATCHED = frozenset({ERASURE_FIELD, MIGRATION_FIELD})  # the entries _Erasures reads whole
# the records whose entries an erasure may empty: a person's contact records, and the documents about them
ERASABLE = frozenset({"contact", "document"})


class _Erasures:
    """The rules that keep an erasure from hiding anything but a person: an erased entry is a contact's (or a
    document's about a person), holds
    only the marker (its values are no longer covered by its hash), and is listed by exactly one later erasure
    entry about the same record, written with the source ``ERASURE_SOURCE`` after that record's deletion."""

    def __init__(self, problem: Callable[[str], None]) -> None:
        self.problem = problem
        self.erased: dict[int, str] = {}  # seq -> record uuid
        self.listed: set[int] = set()
        self.deleted: set[str] = set()  # contacts (and documents) whose deletion was seen

    def see(self, row: Any) -> None:
        seq = row["seq"]
        if row["operation"] == "delete" and row["entity"] in ERASABLE:
            self.deleted.add(row["record_uuid"])
        if row["salt"] is None:
            self.erased[seq] = row["record_uuid"]
            if row["entity"] not in ERASABLE or {row["old_value"], row["new_value"]} - {None, ERASED} \
                    or row["payload_hash"] is None:
                self.problem(tr("Journal d'audit : l'entrée n° {seq} a été modifiée après coup.", seq=seq))
        elif row["field"] == ERASURE_FIELD and row["entity"] in ERASABLE and row["source"] == ERASURE_SOURCE:
            self._erasure(row)
        elif row["field"] == MIGRATION_FIELD:
            for found in _loaded(row["new_value"]).get("problemes", []) if row["new_value"] else []:
                self.problem(tr("Avant la mise à jour du schéma 5 : {problem}", problem=found))

    def _erasure(self, row: Any) -> None:
        seq, uuid = row["seq"], row["record_uuid"]
        try:
            listed = [int(n) for n in _loaded(row["new_value"]).get("entrees", [])]
        except (TypeError, ValueError, AttributeError):
            self.problem(tr("Journal d'audit : l'entrée d'effacement n° {seq} est illisible.", seq=seq))
            return
        for number in listed:
            if self.erased.get(number) != uuid or number in self.listed or uuid not in self.deleted:
                self.problem(tr("Journal d'audit : l'entrée d'effacement n° {seq} cite l'entrée n° {number}, qui "
                                "n'est pas une entrée effacée de la même fiche supprimée.", seq=seq, number=number))
            self.listed.add(number)

    def finish(self) -> None:
        for seq in self.erased:
            if seq not in self.listed:
                self.problem(tr("Journal d'audit : les valeurs de l'entrée n° {seq} ont été effacées sans entrée "
                                "d'effacement qui le dise.", seq=seq))


def _loaded(value: str | None) -> Any:
    try:
        loaded = json.loads(value) if value else {}
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
