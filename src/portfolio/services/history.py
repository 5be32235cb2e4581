"""A record's history from the audit trail: who changed which field, when, from where, old and new."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from portfolio.domain.i18n import tr

from . import fields
from .display import display, record_title
from .import_batches import imports, is_row_source, shown_source

if TYPE_CHECKING:
    import sqlite3

OPERATIONS = {"create": "Création", "update": "Modification", "delete": "Suppression"}


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a record's history, ready to show."""

    seq: int
    at_utc: datetime
    actor: str
    source: str
    operation: str  # French: Création, Modification, Suppression
    field: str  # the field's French label ("" for a creation or a deletion)
    old: str
    new: str


def _field_label_and_kind(entity: str, name: str | None) -> tuple[str, str]:
    if not name:
        return "", "text"
    try:
        spec = fields.field_spec(entity, name)
        return spec.label, spec.kind
    except fields.UnknownField:  # a field that a later version removed
        return name, "text"


def _summary(session: Session | sqlite3.Connection, entity: str, raw: str | None) -> str:
    """A created or deleted record's values, as "Label : value" pairs."""
    if not raw:
        return ""
    values = json.loads(raw)
    if not isinstance(values, dict):  # an erased entry's marker (services.gdpr)
        return str(values)
    order = [spec.name for spec in fields.editable_fields(entity) if spec.name in values]
    parts = []
    for name in order + sorted(set(values) - set(order)):
        value = values[name]
        if name in ("id", "synthetic") or value in (None, ""):
            continue
        label, kind = _field_label_and_kind(entity, name)
        parts.append(f"{label} : {_show(session, kind, value)}")
    return " ; ".join(parts)


def _show(session: Session | sqlite3.Connection, kind: str, value: Any) -> str:
    """A value as people read it; a reference shows the referenced record's name."""
    target = kind[4:] if kind.startswith("ref:") else "status" if kind.startswith("status:") else None
    if target and value is not None:
        return record_title(session, target, int(value)) or f"n° {value}"
    return display(kind, value, cents=True)


def record_history(session: Session, entity: str, record_uuid: str, limit: int = 1000) -> list[HistoryEntry]:
    """The record's audit entries, newest first."""
    rows = session.execute(text(
        "SELECT seq, at_utc, actor, source, operation, field, old_value, new_value, batch FROM audit_entry "
        "WHERE entity = :entity AND record_uuid = :uuid ORDER BY seq DESC LIMIT :limit"),
        {"entity": entity, "uuid": record_uuid, "limit": limit})
    entries = []
    fetched = rows.all()
    batches = imports(session, {row[8] for row in fetched if is_row_source(row[3])})  # the imports' files
    for seq, at_utc, actor, source, operation, name, old, new, batch in fetched:
        source = shown_source(source, batches.get(batch))
        label, kind = _field_label_and_kind(entity, name)
        if operation == "update":
            old_text, new_text = (_show(session, kind, json.loads(v)) if v else "" for v in (old, new))
        else:
            old_text, new_text = _summary(session, entity, old), _summary(session, entity, new)
        entries.append(HistoryEntry(seq, datetime.fromisoformat(at_utc), actor, source,
                                    tr(OPERATIONS.get(operation, operation)), label, old_text, new_text))
    return entries
