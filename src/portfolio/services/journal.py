"""The journal (the audit trail's list) as people read it: the record's name instead of its UUID, field labels,
values formatted as in the editor (1 250 000,00 €, 15/03/2024, the referenced record's name).

The list reads raw entries a page at a time (services.listing); this turns one page into what is shown, with
one query per entity for the records' names, so a page of 200 entries costs a handful of queries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from portfolio.db.dialect import dialect_of
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr

from .display import TITLE_SQL
from .import_batches import IMPORT_FIELD, import_summary, imports
from .import_batches import TABLE as IMPORT_TABLE

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

# how a deleted record is named from the values its deletion (or creation) entry holds
_TITLE_FIELDS = {
    "organisation": ("name",), "contact": ("first_name", "last_name"), "application": ("acronym", "title"),
    "call": ("code", "label"), "milestone": ("title",), "disbursement": ("label",), "region": ("name",),
    "typology": ("label",), "status": ("label",), "operator": ("label",), "axis": ("code", "label"),
    "action": ("code", "label"), "programme": ("code", "label"), "department": ("code", "name"),
    "application_partner": ("role",),
}


def record_names(session: Session | sqlite3.Connection, pairs: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """(entity, uuid) -> the record's name today; a record deleted since is named from the trail, marked
    "(supprimé)"; ``session`` may be the plain connection of the window's first paint."""
    from . import fields

    names: dict[tuple[str, str], str] = {}
    connection = raw_connection(session)
    by_entity: dict[str, list[str]] = {}
    for entity, uuid in pairs:
        by_entity.setdefault(entity, []).append(uuid)
    for entity, uuids in by_entity.items():
        if entity == IMPORT_TABLE:  # an import's own entry: named by its file
            names.update(((entity, batch), record.file_name) for batch, record in imports(session, uuids).items())
            continue
        if entity not in TITLE_SQL:  # an entry about the trail itself: no record to name
            continue
        table = fields.table(entity).name  # TITLE_SQL names its columns as display.record_title reads them
        dialect = dialect_of(connection)
        rows = connection.execute(f"SELECT uuid, {TITLE_SQL[entity]} FROM {table} "
                                  f"WHERE uuid {dialect.in_list('uuids')}", {"uuids": dialect.list_value(uuids)})
        for uuid, name in rows:
            names[(entity, str(uuid))] = str(name or "")
        for uuid in uuids:
            if (entity, uuid) not in names:
                names[(entity, uuid)] = _deleted_name(session, entity, uuid)
    return names


def audit_record(session: Session, seq: int) -> tuple[str, int | None] | None:
    """The record the audit entry ``seq`` is about: (entity, its id today), the id None when it was deleted since;
    None when there is no such entry or the entry is about the trail itself (its migration), not a record."""
    from portfolio.db.models import ENTITIES

    from .records import id_of_uuid

    row = raw_connection(session).execute("SELECT entity, record_uuid FROM audit_entry WHERE seq = :s",
                                          {"s": seq}).fetchone()
    if row is None or row[0] not in ENTITIES:
        return None
    entity = str(row[0])
    return entity, id_of_uuid(session, entity, str(row[1]))


def _deleted_name(session: Session | sqlite3.Connection, entity: str, uuid: str) -> str:
    row = raw_connection(session).execute(
        "SELECT coalesce(old_value, new_value) FROM audit_entry WHERE entity = :e AND record_uuid = :u "
        "AND operation IN ('delete', 'create') ORDER BY seq DESC LIMIT 1", {"e": entity, "u": uuid}).fetchone()
    values: Any = None
    if row and row[0]:
        try:
            values = json.loads(row[0])
        except ValueError:
            values = None
    parts = [str(values.get(name) or "") for name in _TITLE_FIELDS.get(entity, ())] if isinstance(values, dict) else []
    name = " — ".join(p for p in parts if p) or uuid[:8]
    return tr("{name} (supprimé)", name=name)


def readable_values(session: Session | sqlite3.Connection, entity: str, operation: str, field: str | None,
                    raw: str | None) -> str:
    """An entry's old or new value as the editor shows it: a field's value formatted by its kind (a reference
    by the referenced record's name), a created or deleted record as "Label : value" pairs."""
    from .history import _field_label_and_kind, _show, _summary

    if not raw:
        return ""
    if field == IMPORT_FIELD:  # an import's record, in words
        return import_summary(raw)
    if operation != "update" or not field:
        return _summary(session, entity, raw) if entity in TITLE_SQL else raw
    try:
        value = json.loads(raw)
    except ValueError:
        return raw
    _label, kind = _field_label_and_kind(entity, field)
    return _show(session, kind, value)
