"""Small reads of one entity's records for the screens (Qt-free): how many there are, a record's uuid from its id
and back, a reference record's id from its code, and the changes a bulk edit makes.

The functions taking a ``Reader`` run on the DB-API connection (``db.sqlite_file.raw_connection``), so they
serve the window's first paint (a plain ``sqlite3`` connection) and team mode (the SQL rewritten for
PostgreSQL) alike; the others take a session of the open database and use SQLAlchemy Core.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, text

from portfolio.db.sqlite_file import raw_connection

from . import fields

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

    from .changes import FieldChange

    Reader = Session | sqlite3.Connection  # a session, or the plain connection of the window's first paint


def record_count(session: Session, entity: str) -> int:
    """How many records ``entity`` has (a reference list is offered whole only when it is short)."""
    return int(session.execute(select(func.count()).select_from(fields.table(entity))).scalar_one())


def uuid_of(session: Session, entity: str, record_id: int) -> str | None:
    """The uuid of the record ``record_id`` of ``entity``; None when there is no such record (deleted since)."""
    table = fields.table(entity)
    found = session.execute(select(table.c.uuid).where(table.c.id == record_id)).scalar()
    return None if found is None else str(found)


def id_of_uuid(reader: Reader, entity: str, uuid: str) -> int | None:
    """The id of the record of ``entity`` whose uuid is ``uuid``; None when there is none (deleted since)."""
    row = raw_connection(reader).execute(f"SELECT id FROM {fields.table(entity).name} WHERE uuid = :u",
                                         {"u": uuid}).fetchone()
    return int(row[0]) if row else None


def id_of_code(reader: Reader, entity: str, code: str) -> int | None:
    """The id of the reference record of ``entity`` (call, axis, region, typology…) whose code is ``code``;
    None when there is none."""
    row = raw_connection(reader).execute(f"SELECT id FROM {fields.table(entity).name} WHERE code = ?",
                                         (code,)).fetchone()
    return int(row[0]) if row else None


def status_transitions(session: Session) -> set[tuple[int, int]]:
    """Every (from status id, to status id) the lifecycles allow."""
    return {(int(a), int(b)) for a, b in session.execute(
        text("SELECT from_status_id, to_status_id FROM status_transition"))}


def field_changes(session: Session, entity: str, name: str, ids: Sequence[int],
                  new: Any) -> tuple[list[FieldChange], int]:
    """The changes setting field ``name`` to ``new`` (already normalised) on the records ``ids`` of ``entity``
    whose value differs, and how many records were left out because their lifecycle does not lead from their
    status to ``new`` (a status field only)."""
    from .changes import FieldChange

    table = fields.table(entity)
    rows = session.execute(select(table.c.uuid, table.c[name]).where(table.c.id.in_(list(ids)))).all()
    spec = fields.field_spec(entity, name)
    allowed = status_transitions(session) if spec.kind.startswith("status:") else None
    changes: list[FieldChange] = []
    refused = 0
    for uuid, old in rows:
        if old == new:
            continue
        if allowed is not None and (old, new) not in allowed:
            refused += 1
            continue
        changes.append(FieldChange(entity, uuid, name, old, new))
    return changes, refused
