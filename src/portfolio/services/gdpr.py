"""A person's data under the GDPR: everything the portfolio holds about them (their contact records and every audit
entry about those records), and erasing it.

Personal data lives in the contact table, and in the documents attached as concerning a person. Erasing a person
deletes their documents (bytes and description) and their contact records through the one door, then replaces the
values of every audit entry about those records by a marker, keeping each entry's salted digest (services.audit):
the chain still verifies, and an erasure entry lists what was erased. SQLite's ``secure_delete`` (on for every
connection, db.database) zeroes the freed bytes, and the write-ahead log is folded into the file and emptied, so no
byte of the erased values stays in the file. Copies taken before (automatic backups, snapshots given to auditors)
still hold them until they are rotated out or deleted: the result says how many backups there are.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy.orm import Session

from portfolio.db.database import Database, busy_timeout_ms
from portfolio.db.seal import backups_dir
from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from . import fields
from .audit import ERASED, ERASURE_FIELD, ERASURE_SOURCE, payload_hash
from .changes import Change, Delete, append_audit_entries, apply_in_session, current_values
from .documents import removal_changes
from .replica_chains import erase_replica_entries

SOURCE = ERASURE_SOURCE
PERSONAL = ("first_name", "last_name", "email", "phone", "role")


class PersonNotFound(PortfolioError):
    """No contact matches what was asked."""


@dataclass
class PersonData:
    """A person's contact records and every audit entry about them, as stored."""

    contacts: list[dict[str, Any]] = field(default_factory=list)  # the live records
    entries: list[dict[str, Any]] = field(default_factory=list)
    all_uuids: list[str] = field(default_factory=list)  # the live records and those deleted since
    documents: list[str] = field(default_factory=list)  # the names of the documents attached as concerning them

    @property
    def uuids(self) -> list[str]:
        return self.all_uuids or [contact["uuid"] for contact in self.contacts]

    def names(self) -> str:
        """"Camille Verdier (Clinique du Parc), …", and how many records were deleted since."""
        names = [f"{c['first_name']} {c['last_name']}".strip() + f" ({c['organisation'] or '?'})"
                 for c in self.contacts]
        deleted = len(self.uuids) - len(self.contacts)
        if deleted:
            names.append(tr("{n} fiche(s) supprimée(s) depuis", n=deleted))
        return ", ".join(names)


@dataclass(frozen=True)
class Erasure:
    """What an erasure did."""

    contacts: int
    entries: int  # audit entries whose values were erased (about the person's contact records)
    erasure_seqs: tuple[int, ...]  # the entries that record the erasure
    folded: bool = True  # False: the write-ahead log still holds the old values (another window reads the file)
    documents: int = 0  # documents about them, deleted with their bytes


def find_person(session: Session | Any, *, email: str | None = None, contact_id: int | None = None) -> PersonData:
    """Everything held about a person: every contact record that has or ever had this email (letter case aside,
    accented letters too), or the contact with this number, including records deleted since (the audit trail
    still holds their values); and every audit entry about them, oldest first. PersonNotFound when none."""
    connection = raw_connection(session)
    if contact_id is not None:
        uuids = _uuids_by_id(connection, contact_id)
        asked = tr("contact n° {n}", n=contact_id)
    elif email and email.strip():
        uuids = _uuids_by_email(connection, email)
        asked = email
    else:
        raise PersonNotFound(tr("Donnez le courriel de la personne ou le numéro de sa fiche contact."))
    if not uuids:
        raise PersonNotFound(tr("Aucun contact ne correspond à « {asked} ».", asked=asked))
    return person_by_uuids(session, uuids)


def person_of_contact(session: Session | Any, contact_id: int) -> PersonData:
    """Everything held about the person of the contact record ``contact_id``: every contact record with its email
    (``find_person`` by email), or that record alone when it has no email or no longer exists."""
    row = raw_connection(session).execute("SELECT email FROM contact WHERE id = ?", (contact_id,)).fetchone()
    if row and row[0]:
        return find_person(session, email=str(row[0]))
    return find_person(session, contact_id=contact_id)


def person_by_uuids(session: Session | Any, uuids: Sequence[str]) -> PersonData:
    """The records with these uuids (live or deleted) and every audit entry about them."""
    connection = raw_connection(session)
    columns = ["id", "uuid", "organisation_id", *PERSONAL]
    marks = ", ".join("?" * len(uuids))
    rows = connection.execute(f"SELECT {', '.join('c.' + c for c in columns)}, o.name FROM contact c LEFT JOIN "
                              f"organisation o ON o.id = c.organisation_id WHERE c.uuid IN ({marks}) ORDER BY c.id",
                              list(uuids)).fetchall()
    person = PersonData([dict(zip([*columns, "organisation"], row, strict=True)) for row in rows],
                        all_uuids=list(uuids))
    cursor = connection.execute(
        "SELECT seq, at_utc, actor, source, operation, field, old_value, new_value FROM audit_entry "
        f"WHERE entity = 'contact' AND record_uuid IN ({marks}) ORDER BY seq", list(uuids))
    names = ["seq", "at_utc", "actor", "source", "operation", "field", "old_value", "new_value"]
    person.entries = [dict(zip(names, row, strict=True)) for row in cursor]
    # the documents about them, erased with them (said before, in the question)
    person.documents = [name for _uuid, name in _documents_about(connection, person)]
    return person


def _same_email(stored: Any, wanted: str) -> bool:
    return isinstance(stored, str) and stored.strip().casefold() == wanted


def _uuids_by_email(connection: Any, email: str) -> list[str]:
    """The contacts whose email is, or once was, ``email``: the live records, then the audit trail's values (a
    creation, a deletion, an email changed since); compared in Python, casefolded (SQLite's lower() folds
    ASCII only). The trail is first narrowed by SQL on the address's domain."""
    wanted = email.strip().casefold()
    found = [uuid for uuid, stored in connection.execute("SELECT uuid, email FROM contact WHERE email <> ''")
             if _same_email(stored, wanted)]
    domain = "%" + wanted.rsplit("@", 1)[-1].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    cursor = connection.execute(
        "SELECT record_uuid, field, old_value, new_value FROM audit_entry WHERE entity = 'contact' AND "
        "(lower(old_value) LIKE ? ESCAPE '\\' OR lower(new_value) LIKE ? ESCAPE '\\')", (domain, domain))
    for uuid, field_name, *values in cursor:
        if uuid in found:
            continue
        for stored in values:
            value = _loaded(stored)
            if _same_email(value.get("email") if isinstance(value, dict) else
                           value if field_name == "email" else None, wanted):
                found.append(uuid)
                break
    return found


def _uuids_by_id(connection: Any, contact_id: int) -> list[str]:
    """The contact with this number, live or deleted (its creation or deletion in the trail names its id)."""
    row = connection.execute("SELECT uuid FROM contact WHERE id = ?", (contact_id,)).fetchone()
    if row:
        return [row[0]]
    cursor = connection.execute(
        "SELECT record_uuid, old_value, new_value FROM audit_entry WHERE entity = 'contact' AND "
        "operation IN ('create', 'delete') AND field IS NULL")
    for uuid, *values in cursor:
        if any(isinstance(v := _loaded(stored), dict) and v.get("id") == contact_id for stored in values):
            return [uuid]
    return []


def _loaded(stored: str | None) -> Any:
    try:
        return json.loads(stored) if stored else None
    except ValueError:
        return None


def readable_value(entity: str, name: str | None, stored: str | None) -> str:
    """An audit value as a person reads it in their export: the text of a field, "Label : value" pairs for a
    created or deleted record."""
    if stored is None:
        return ""
    if stored == ERASED:
        return tr("[effacé]")
    try:
        value = json.loads(stored)
    except ValueError:
        return stored
    if isinstance(value, dict):
        return " ; ".join(f"{_label(entity, key)} : {item}" for key, item in value.items()
                          if item not in (None, "") and key not in ("id", "synthetic"))
    return "" if value is None else str(value)


def _label(entity: str, name: str) -> str:
    try:
        return fields.field_spec(entity, name).label
    except fields.UnknownField:
        return name


def erase_person(db: Store, person: PersonData, *, actor: str | None = None, register: bool = True) -> Erasure:
    """Deletes the person's live contact records (through the door) and erases the values of every audit entry
    about any of their records, in one transaction; then folds the write-ahead log into the file and empties
    it (``Erasure.folded`` is False when another window or program kept it from doing so). ``register``: note
    the erasure beside the backups, so that restoring an older copy makes it again (services.backups)."""
    with db.write() as session:
        connection = raw_connection(session)
        # (read again in the erasure's transaction: one attached since the question goes too)
        documents = [uuid for uuid, _name in _documents_about(connection, person)]
        deletions: list[Change] = [change for uuid in documents
                                   for change in removal_changes(session, uuid,
                                                                 current_values(session, "document", uuid))]
        deletions += [Delete("contact", contact["uuid"], current_values(session, "contact", contact["uuid"]),
                             contact["id"]) for contact in person.contacts]
        if deletions:
            apply_in_session(session, deletions, source=SOURCE, actor=actor)
        erased = _erase_entries(connection, person.uuids)
        # the documents about them go with their description in the trail (a file's name may name the person)
        erased_documents = _erase_entries(connection, documents, "document") if documents else {}
        erase_replica_entries(connection, person.uuids, "contact")  # and the laptops' entries kept here (#22)
        if documents:
            erase_replica_entries(connection, documents, "document")
        marks = ", ".join("?" * len(person.uuids))  # the values sent to agencies in their workbooks, too
        for table in ("export_row", "sync_conflict"):  # and in the conflicts of their workbooks waiting
            connection.execute(f"DELETE FROM {table} WHERE entity = 'contact' AND record_uuid IN ({marks})",
                               person.uuids)
        seqs = append_audit_entries(session, [
            *(("contact", uuid, ERASURE_FIELD, {"entrees": erased[uuid]}) for uuid in person.uuids if erased[uuid]),
            *(("document", uuid, ERASURE_FIELD, {"entrees": entries}) for uuid, entries in erased_documents.items()
              if entries)], source=SOURCE, actor=actor)
    shared = not db.is_file  # team mode: no file, no backups beside it, no log to fold
    if register and not shared:
        record_erasure(Path(db.path), person.uuids)
    return Erasure(len(person.contacts), sum(len(s) for s in erased.values()), tuple(seqs),
                   True if shared else fold_log(cast(Database, db)),  # (is_file: the SQLite file's Database)
                   len(documents))


def fold_log(db: Database, attempts: int = 10) -> bool:
    """Copies the write-ahead log into the file and empties it (the log's old pages hold the erased values);
    retried for two seconds while another connection reads. True once done."""
    for attempt in range(attempts):
        with db.engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA busy_timeout = 0")  # tried again below, not waited on 5 s each
            try:
                busy = connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        if not busy:  # TRUNCATE reports busy unless every frame was copied and the log emptied
            return True
        if attempt < attempts - 1:
            time.sleep(0.2)
    return False


def _documents_about(connection: Any, person: PersonData) -> list[tuple[str, str]]:
    """The documents attached as concerning the person (``document.contact_id``): their uuid and name."""
    ids = [contact["id"] for contact in person.contacts]
    if not ids:
        return []
    return [(str(uuid), str(name)) for uuid, name in connection.execute(
        f"SELECT uuid, name FROM document WHERE contact_id IN ({', '.join('?' * len(ids))}) ORDER BY id", ids)]


def _erase_entries(connection: Any, uuids: Sequence[str], entity: str = "contact") -> dict[str, list[int]]:
    """Replaces the values of the records' audit entries by the marker, keeping each one's salted digest; the
    trail's append-only trigger is lifted for this one statement inside the transaction, and put back."""
    marks = ", ".join("?" * len(uuids))
    rows = connection.execute(
        "SELECT seq, record_uuid, salt, old_value, new_value FROM audit_entry "
        f"WHERE entity = ? AND record_uuid IN ({marks}) AND salt IS NOT NULL "
        "AND (field <> ? OR field IS NULL) ORDER BY seq", [entity, *uuids, ERASURE_FIELD]  # (an earlier erasure's
    ).fetchall()                                                                           # holds none)
    if not isinstance(connection, sqlite3.Connection):  # team mode: the same lift, in the server's transaction
        connection.execute("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update")
        trigger = ("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update",)
    else:
        trigger = connection.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND "
                                     "name = 'audit_entry_no_update'").fetchone()
        if trigger is not None:
            connection.execute("DROP TRIGGER audit_entry_no_update")
    connection.executemany(
        "UPDATE audit_entry SET payload_hash = ?, salt = NULL, old_value = ?, new_value = ? WHERE seq = ?",
        [(payload_hash(salt, old, new), None if old is None else ERASED, None if new is None else ERASED, seq)
         for seq, _uuid, salt, old, new in rows])
    if trigger is not None:
        connection.execute(trigger[0])
    erased: dict[str, list[int]] = {uuid: [] for uuid in uuids}
    for seq, uuid, *_rest in rows:
        erased[uuid].append(seq)
    return erased


# --- erasures made again after a restore (services.backups.restore_backup) -----------------------------


def erasures_file(path: Path) -> Path:
    """The register of the erasures made in a database (the records' uuids, no personal data), kept beside
    its backups: restoring a copy taken before an erasure must not bring the person back."""
    return backups_dir(path) / "effacements.json"


def record_erasure(path: Path, uuids: list[str]) -> None:
    """Adds an erasure to the register (written whole)."""
    register = erasures_file(path)
    entries = [*_erasures(path), {"at": datetime.now(UTC).isoformat(), "uuids": list(uuids)}]
    register.parent.mkdir(parents=True, exist_ok=True)
    temporary = register.with_name(register.name + ".tmp")
    temporary.write_text(json.dumps(entries, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, register)


def _erasures(path: Path) -> list[dict[str, object]]:
    try:
        entries = json.loads(erasures_file(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict) and isinstance(e.get("uuids"), list)] \
        if isinstance(entries, list) else []


def erase_again(path: Path) -> int:
    """Makes every registered erasure again in the database at ``path`` (a restored copy); how many records'
    values were erased again."""
    # (_erasures keeps the entries whose uuids are a list)
    uuids = sorted({str(u) for entry in _erasures(path) for u in cast(list[object], entry["uuids"])})
    if not uuids:
        return 0
    with Database.open(path) as db:
        with db.read() as session:
            person = person_by_uuids(session, uuids)
        if not person.entries and not person.contacts:
            return 0
        return erase_person(db, person, register=False).entries
