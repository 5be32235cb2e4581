"""The queue of agencies' conflicts (issue #5): a field the agency and the officer changed differently is never
overwritten; it waits in the database, with the three values, until the officer settles it: keep the value
here, take the agency's, or type another. Settling goes through the one door (one batch, one undo step in the
window) and makes the agency's value the new base, so the same workbook merged again does not raise it twice.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portfolio.db.database import Database
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.changes import ApplyResult, FieldChange, apply_changes, current_actor

from .sync import FieldMerge, advance_base, canonical, cell_value, field_change, mine_values, stored_value

KEEP_MINE, TAKE_THEIRS, TYPED = "mine", "theirs", "value"
SETTLE_SOURCE_PREFIX = "conflits d'agence "


@dataclass(frozen=True)
class QueuedConflict:
    """A conflict waiting in the queue; ``now`` is the field's value here as it is now (compared form)."""

    id: int
    export_id: str
    recipient: str
    file_name: str
    entity: str
    uuid: str
    field: str
    base: Any
    mine: Any  # here, when the conflict was found
    theirs: Any
    found_utc: str
    now: Any

    @property
    def merge(self) -> FieldMerge:
        """The conflict as the merge shows it, with the value here as it is now."""
        return FieldMerge(self.entity, self.uuid, self.field, self.base, self.now, self.theirs)

    def as_json(self) -> dict[str, Any]:
        shown = self.merge.as_json()
        return {"id": self.id, "export_id": self.export_id, "recipient": self.recipient, "file": self.file_name,
                "found_utc": self.found_utc, **{k: v for k, v in shown.items() if k != "id"}}


@dataclass(frozen=True)
class Decision:
    """How one queued conflict is settled: KEEP_MINE, TAKE_THEIRS, or TYPED with ``value`` (typed as in a
    spreadsheet cell: "1 234,50", "28/11/2026", a name from the lists)."""

    conflict: QueuedConflict
    choice: str
    value: Any = None


def queue(db: Database, export_id: str, file_name: str, pending: list[FieldMerge],
          settled: Sequence[tuple[FieldMerge, str]] = ()) -> None:
    """Puts a merge's conflicts left to settle in the queue, in place of those the same export had waiting
    (recomputed from the workbook: one that is no longer a conflict leaves the queue), and records those
    settled at the merge (taken or kept) as settled."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    actor = current_actor()
    with db.write() as session:
        connection = raw_connection(session)
        for merge, choice in settled:
            connection.execute(
                "UPDATE sync_conflict SET settled_utc = ?, decision = ?, settled_by = ? WHERE export_uuid = ? AND "
                "entity = ? AND record_uuid = ? AND field = ? AND settled_utc IS NULL",
                (now, choice, actor, export_id, merge.entity, merge.uuid, merge.field))
        connection.execute("DELETE FROM sync_conflict WHERE export_uuid = ? AND settled_utc IS NULL", (export_id,))
        connection.executemany(
            "INSERT INTO sync_conflict (export_uuid, file_name, entity, record_uuid, field, base, mine, theirs, "
            "found_utc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(export_id, file_name, m.entity, m.uuid, m.field, _json(m.base), _json(m.mine), _json(m.theirs), now)
             for m in pending])


def pending(db: Database) -> list[QueuedConflict]:
    """The conflicts waiting, oldest first, each with its field's value here now."""
    with db.read() as session:
        connection = raw_connection(session)
        rows = connection.execute(
            "SELECT c.id, c.export_uuid, b.recipient, c.file_name, c.entity, c.record_uuid, c.field, c.base, c.mine, "
            "c.theirs, c.found_utc FROM sync_conflict c JOIN export_batch b ON b.uuid = c.export_uuid "
            "WHERE c.settled_utc IS NULL ORDER BY c.id").fetchall()
        now: dict[str, dict[str, dict[str, Any]]] = {}
        for entity in {row[4] for row in rows}:  # one read per record type, whatever the number of conflicts
            specs = [fields.field_spec(entity, name) for name in sorted({r[6] for r in rows if r[4] == entity})]
            now[entity] = mine_values(connection, entity, specs, [r[5] for r in rows if r[4] == entity])
    out = []
    for row in rows:
        values = now[row[4]].get(row[5])  # None: the record was deleted here since
        current = canonical(fields.field_spec(row[4], row[6]), values[row[6]]) if values is not None else None
        out.append(QueuedConflict(*row[:7], *(json.loads(v) for v in row[7:10]), row[10], current))
    return out


def decided_change(session: Any, merge: FieldMerge, choice: str, value: Any = None) -> FieldChange | None:
    """The door's change a decision on a conflict makes (None for the value here kept, or a value already
    there). InvalidValue or PortfolioError, naming the field, for a typed value the field does not accept."""
    if choice == KEEP_MINE:
        return None
    target = merge.theirs
    if choice == TYPED:
        spec = fields.field_spec(merge.entity, merge.field)
        target = cell_value(spec, value)
        stored_value(raw_connection(session), spec, target, merge.entity)  # refused here, with the field's name
    elif choice != TAKE_THEIRS:
        raise PortfolioError(tr("Décision inconnue : « {choice} ».", choice=choice))
    if target == merge.mine:
        return None
    return field_change(session, FieldMerge(merge.entity, merge.uuid, merge.field, merge.base, merge.mine, target))


def settlement(db: Database, decisions: list[Decision]) -> list[FieldChange]:
    """The door's changes the decisions on queued conflicts make (the value here read now)."""
    with db.read() as session:
        changes = [decided_change(session, d.conflict.merge, d.choice, d.value) for d in decisions]
    return [change for change in changes if change is not None]


def mark_settled(db: Database, decisions: list[Decision]) -> None:
    """Records the decisions: the agency's value becomes the field's base (it has been seen), the conflict
    leaves the queue."""
    by_export: dict[str, list[FieldMerge]] = {}
    for decision in decisions:
        by_export.setdefault(decision.conflict.export_id, []).append(decision.conflict.merge)
    for export_id, merges in by_export.items():
        advance_base(db, export_id, merges)
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with db.write() as session:
        raw_connection(session).executemany(
            "UPDATE sync_conflict SET settled_utc = ?, decision = ?, settled_by = ? WHERE id = ?",
            [(now, d.choice, current_actor(), d.conflict.id) for d in decisions])


def settle(db: Database, decisions: list[Decision], actor: str | None = None) -> ApplyResult | None:
    """Settles queued conflicts: the changes through the door in one batch (None when every value is kept),
    then the queue. A field changed here since the queue was read is refused by the door (nothing written)."""
    changes = settlement(db, decisions)
    result = None
    if changes:
        result = apply_changes(db, changes, source=settle_source(decisions), actor=actor)
    mark_settled(db, decisions)
    return result


@dataclass(frozen=True)
class ExportState:
    """What an export's merge keeps beside the records (the base of every field sent, the conflicts queued),
    as it was at one moment: the window's undo of a sync or of a settling puts it back with the records, so
    that the agency's values are proposed again rather than taken for settled."""

    export_id: str
    rows: list[tuple[Any, ...]]
    conflicts: list[tuple[Any, ...]]


_CONFLICT_COLUMNS = ("id", "export_uuid", "file_name", "entity", "record_uuid", "field", "base", "mine", "theirs",
                     "found_utc", "settled_utc", "decision", "settled_by")


def export_states(db: Database, export_ids: list[str]) -> list[ExportState]:
    """The merge state of these exports now."""
    with db.read() as session:
        connection = raw_connection(session)
        return [ExportState(export_id, connection.execute(
            "SELECT entity, record_uuid, sent_values FROM export_row WHERE export_uuid = ?", (export_id,)).fetchall(),
            connection.execute(f"SELECT {', '.join(_CONFLICT_COLUMNS)} FROM sync_conflict WHERE export_uuid = ?",
                               (export_id,)).fetchall()) for export_id in dict.fromkeys(export_ids)]


def restore_export_states(db: Database, states: list[ExportState]) -> None:
    """Puts the merge state of exports back as it was (in one transaction)."""
    with db.write() as session:
        connection = raw_connection(session)
        for state in states:
            connection.execute("DELETE FROM export_row WHERE export_uuid = ?", (state.export_id,))
            connection.executemany("INSERT INTO export_row (export_uuid, entity, record_uuid, sent_values) VALUES "
                                   "(?, ?, ?, ?)", [(state.export_id, *row) for row in state.rows])
            connection.execute("DELETE FROM sync_conflict WHERE export_uuid = ?", (state.export_id,))
            connection.executemany(f"INSERT INTO sync_conflict ({', '.join(_CONFLICT_COLUMNS)}) VALUES "
                                   f"({', '.join('?' * len(_CONFLICT_COLUMNS))})", state.conflicts)


def settle_source(decisions: list[Decision]) -> str:
    """The audit source of a settling: the workbooks the conflicts came from, and their exports."""
    return SETTLE_SOURCE_PREFIX + ", ".join(sorted({f"{d.conflict.file_name} (export {d.conflict.export_id})"
                                                    for d in decisions}))


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
