"""A person's data under the GDPR: everything the portfolio holds about them (their contact records and every
audit entry about those records), and erasing it.

Personal data lives in the contact table only. Erasing a person deletes their contact records through the
one door, then replaces the values of every audit entry about those records by a marker, keeping each
entry's salted digest (services.audit): the chain still verifies, and an erasure entry lists what was
erased. SQLite's ``secure_delete`` (on for every connection, db.database) zeroes the freed bytes, and the
write-ahead log is folded into the file and emptied, so no byte of the erased values stays in the file.
Copies taken before (automatic backups, snapshots given to auditors) still hold them until they are rotated
out or deleted: the result says how many backups there are.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portfolio.db.database import Database
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from . import fields
from .audit import ERASED, ERASURE_FIELD, payload_hash
from .changes import Delete, append_audit_entry, apply_in_session, current_values

SOURCE = "rgpd"
PERSONAL = ("first_name", "last_name", "email", "phone", "role")


class PersonNotFound(PortfolioError):
    """No contact matches what was asked."""


@dataclass
class PersonData:
    """A person's contact records and every audit entry about them, as stored."""

    contacts: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def uuids(self) -> list[str]:
        return [contact["uuid"] for contact in self.contacts]


@dataclass(frozen=True)
class Erasure:
    """What an erasure did."""

    contacts: int
    entries: int  # audit entries whose values were erased
    erasure_seqs: tuple[int, ...]  # the entries that record the erasure


def find_person(session: Session | Any, *, email: str | None = None, contact_id: int | None = None) -> PersonData:
    """The person's contact records: every contact with this email (letter case aside), or the contact with this
    number; and the audit entries about them, oldest first. PersonNotFound when none matches."""
    connection = raw_connection(session)
    columns = ["id", "uuid", "organisation_id", *PERSONAL]
    select = (f"SELECT {', '.join('c.' + c for c in columns)}, o.name FROM contact c "
              "LEFT JOIN organisation o ON o.id = c.organisation_id ")
    if contact_id is not None:
        rows = connection.execute(select + "WHERE c.id = ?", (contact_id,)).fetchall()
    elif email and email.strip():
        rows = connection.execute(select + "WHERE lower(trim(c.email)) = lower(trim(?)) ORDER BY c.id",
                                  (email,)).fetchall()
    else:
        raise PersonNotFound(tr("Donnez le courriel de la personne ou le numéro de sa fiche contact."))
    if not rows:
        asked = email if contact_id is None else tr("contact n° {n}", n=contact_id)
        raise PersonNotFound(tr("Aucun contact ne correspond à « {asked} ».", asked=asked))
    person = PersonData([dict(zip([*columns, "organisation"], row, strict=True)) for row in rows])
    marks = ", ".join("?" * len(person.uuids))
    cursor = connection.execute(
        "SELECT seq, at_utc, actor, source, operation, field, old_value, new_value FROM audit_entry "
        f"WHERE entity = 'contact' AND record_uuid IN ({marks}) ORDER BY seq", person.uuids)
    names = ["seq", "at_utc", "actor", "source", "operation", "field", "old_value", "new_value"]
    person.entries = [dict(zip(names, row, strict=True)) for row in cursor]
    return person


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


def erase_person(db: Database, person: PersonData, *, actor: str | None = None) -> Erasure:
    """Deletes the person's contact records (through the door) and erases the values of every audit entry about
    them, in one transaction; then folds the write-ahead log into the file and empties it."""
    with db.write() as session:
        connection = raw_connection(session)
        deletions = [Delete("contact", contact["uuid"], current_values(session, "contact", contact["uuid"]),
                            contact["id"])
                     for contact in person.contacts]
        apply_in_session(session, deletions, source=SOURCE, actor=actor)
        erased = _erase_entries(connection, person.uuids)
        seqs = tuple(append_audit_entry(session, entity="contact", record_uuid=uuid, field_name=ERASURE_FIELD,
                                        new={"entrees": erased[uuid]}, source=SOURCE, actor=actor)
                     for uuid in person.uuids)
    with db.engine.connect() as connection:  # outside the transaction: the log's old pages hold the values
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return Erasure(len(person.contacts), sum(len(s) for s in erased.values()), seqs)


def _erase_entries(connection: Any, uuids: Sequence[str]) -> dict[str, list[int]]:
    """Replaces the values of the records' audit entries by the marker, keeping each one's salted digest; the
    trail's append-only trigger is lifted for this one statement inside the transaction, and put back."""
    marks = ", ".join("?" * len(uuids))
    rows = connection.execute(
        "SELECT seq, record_uuid, salt, old_value, new_value FROM audit_entry "
        f"WHERE entity = 'contact' AND record_uuid IN ({marks}) AND salt IS NOT NULL ORDER BY seq", list(uuids)
    ).fetchall()
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
