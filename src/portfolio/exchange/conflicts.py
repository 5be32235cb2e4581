"""The queue of agencies' conflicts (issue #5): a field the agency and the officer changed differently is never
overwritten; it waits in the database, with the three values, until the officer settles it: keep the value
here, take the agency's, or type another. Settling is one operation (``settle``), the
window's and the command line's: the values through the one door, the agency's value made the new base (the same
workbook merged again does not raise it twice) and the conflicts marked settled, in one transaction, one batch,
one undo step that puts back both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.services import fields
from portfolio.services.changes import ApplyResult, Change, apply_in_session, session_actor

from .merge import (
    KEEP_MINE,
    TAKE_THEIRS,
    TYPED,
    FieldMerge,
    MergeState,
    canonical,
    check_kept,
    decided_change,
    mine_values,
)

__all__ = ["KEEP_MINE", "SETTLE_SOURCE_PREFIX", "TAKE_THEIRS", "TYPED", "Decision", "QueuedConflict", "pending",
           "settle"]

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


def pending(db: Store) -> list[QueuedConflict]:
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
        base, mine, theirs = (json.loads(v) for v in row[7:10])
        out.append(QueuedConflict(int(row[0]), str(row[1]), str(row[2] or ""), str(row[3]), str(row[4]), str(row[5]),
                                  str(row[6]), base, mine, theirs, str(row[10]), current))
    return out


def settle(db: Store, decisions: list[Decision], actor: str | None = None) -> ApplyResult | None:
    """Settles queued conflicts as one operation: the values decided through the door, the agency's values made
    the base of their fields and the conflicts marked settled, in one transaction, one batch whose inverse puts
    back both (the window's undo: the conflicts wait again). A field changed here since the queue was read is
    refused by the door: nothing is written. None when there is nothing to settle."""
    if not decisions:
        return None
    with db.write() as session:
        check_kept(session, [d.conflict.merge for d in decisions if d.choice == KEEP_MINE])
        changes: list[Change] = [c for c in (decided_change(session, d.conflict.merge, d.choice, d.value)
                                             for d in decisions) if c is not None]
        now, who = datetime.now(UTC).isoformat(timespec="seconds"), session_actor(session, actor)
        for export_id in dict.fromkeys(d.conflict.export_id for d in decisions):
            mine = [d for d in decisions if d.conflict.export_id == export_id]
            state = MergeState(session, export_id)
            state.advance(d.conflict.merge for d in mine)
            state.settle_ids(((d.conflict.id, d.choice) for d in mine), now, who)
            changes += state.changes()
        return apply_in_session(session, changes, source=settle_source(decisions), actor=actor)


def settle_source(decisions: list[Decision]) -> str:
    """The audit source of a settling: the workbooks the conflicts came from, and their exports."""
    return SETTLE_SOURCE_PREFIX + ", ".join(sorted({f"{d.conflict.file_name} (export {d.conflict.export_id})"
                                                    for d in decisions}))
