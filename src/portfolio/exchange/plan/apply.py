"""Applying a plan: its changes made for the door (ids given in dependency order), written in one transaction
after a backup, each record's audit source its row; and what is said of it after (the rejected rows as a sheet,
the command line's summary)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from portfolio.db.database import CACHE_KIB, IMPORT_CACHE_KIB
from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.i18n import tr
from portfolio.services.audit import last_seq
from portfolio.services.backups import take_backup
from portfolio.services.changes import (
    ApplyResult,
    Change,
    Create,
    FieldChange,
    apply_in_session,
    session_actor,
)
from portfolio.services.import_batches import ROW_SOURCE, record_import, row_source

from .model import ORDER, ImportPlan, ImportRefused, NewRecord, Ref, few_collections


def next_ids(connection: Any, entities: Iterable[str]) -> dict[str, int]:
    """The next free id of each entity (past any id ever given: ids are never reused)."""
    ids = {}
    for entity in entities:
        stored = connection.execute(f"SELECT coalesce(max(id), 0) FROM {entity}").fetchone()[0]
        mark = connection.execute("SELECT coalesce(max(last_id), 0) FROM id_high_water WHERE entity = ?",
                                  (entity,)).fetchone()[0]
        ids[entity] = max(stored, mark) + 1
    return ids


class RowSources(Mapping[tuple[str, str], str]):
    """The audit source of each record an import writes: its row ("import, ligne 12"; with its sheet for a working
    workbook or a 360Giving file's transactions), the file and the rest being in ``import_batch``
    (services.import_batches). Made when the door asks for it: held as row numbers, not 300,000 texts."""

    def __init__(self, plan: ImportPlan) -> None:
        self.plan = plan
        self.rows: dict[str, int] = {record.uuid: record.source_row for record in plan.creates}
        for (_entity, uuid), row in plan.update_rows.items():
            self.rows.setdefault(uuid, row)

    def __getitem__(self, key: tuple[str, str]) -> str:
        row = self.rows[key[1]]
        sheet = self.plan.entity_sheets.get(key[0])  # each record type has its sheet
        note = self.plan.row_notes.get((sheet or self.plan.sheet, row))
        return row_source(row, sheet, note)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and len(key) == 2 and key[1] in self.rows

    def __iter__(self) -> Iterator[tuple[str, str]]:
        seen = set()
        for entity, uuid in [*((r.entity, r.uuid) for r in self.plan.creates), *self.plan.update_rows]:
            if uuid not in seen:
                seen.add(uuid)
                yield entity, uuid

    def __len__(self) -> int:
        return len(self.rows)


def plan_changes(plan: ImportPlan, next_ids: Mapping[str, int]) -> Iterator[Change]:
    """The door's changes for a plan: creations in dependency order, ids given from ``next_ids``, then the
    updates. Made one at a time as the door takes them (a whole import's changes at once would double the
    memory the plan takes)."""
    ids: dict[str, int] = {}
    counters = dict(next_ids)
    by_entity: dict[str, list[NewRecord]] = defaultdict(list)
    for record in plan.creates:
        by_entity[record.entity].append(record)
    for entity in ORDER:
        for record in by_entity.get(entity, []):
            ids[record.uuid] = counters[entity]
            counters[entity] += 1
    for entity in ORDER:
        for record in by_entity.get(entity, []):
            values = record.values  # (a new dict)
            if record.refs:
                for name in record.refs:
                    values[name] = ids[values[name].uuid]
            yield Create(entity, record.uuid, values, ids[record.uuid], checked=True)
    for update in plan.updates:  # (a working workbook may point a record to one it creates)
        new = ids[update.new.uuid] if type(update.new) is Ref else update.new
        yield FieldChange(update.entity, update.uuid, update.field, update.old, new)


def apply_plan(db: Store, plan: ImportPlan, *, actor: str | None = None, keep_inverse: bool = True
               ) -> ApplyResult | None:
    """Writes the plan in one transaction through the door (None when there is nothing to write), after an
    automatic backup of the database (services.backups). Raises the door's StaleChangeError when a planned
    update's old value no longer holds, and DatabaseError when the backup cannot be written (a full disk):
    nothing is written then."""
    if plan.is_empty:
        return None
    if db.is_file:  # (a shared server is backed up by the server: team mode)
        take_backup(Path(db.path), "avant-import")
    with db.write() as session, few_collections():
        connection = raw_connection(session)
        if db.is_file:
            connection.execute(f"PRAGMA cache_size = -{IMPORT_CACHE_KIB}")  # (the connection's own is set back below)
        try:
            return _apply(session, connection, plan, actor, keep_inverse)
        finally:
            if db.is_file:
                connection.execute(f"PRAGMA cache_size = -{CACHE_KIB}")


def _apply(session: Any, connection: Any, plan: ImportPlan, actor: str | None, keep_inverse: bool) -> ApplyResult:
    """The plan written in the caller's transaction (``apply_plan``)."""
    if last_seq(connection) != plan.base_seq:
        # another edit or import since the preview: its matches may be wrong now (a record created twice)
        raise ImportRefused(tr("La base a été modifiée depuis le calcul de l'aperçu de « {file} » : rien n'a "
                               "été écrit. Recalculez l'aperçu, puis importez.", file=plan.file_name))
    result = apply_in_session(session, plan_changes(plan, next_ids(connection, ORDER)), source=ROW_SOURCE,
                              actor=actor, sources=RowSources(plan), keep_inverse=keep_inverse)
    # the import as a record, in its own transaction: its history, undo and "from where" read it
    record_import(session, plan.record(result.batch, datetime.now(UTC).isoformat(timespec="microseconds"),
                                       session_actor(session, actor)))
    return result


def rejected_rows(plan: ImportPlan) -> tuple[list[str], list[list[Any]]]:
    """The rejected rows as a sheet: the file's headers plus the row number, the column and the reason."""
    if plan.entity_sheets:  # a working workbook: several sheets, each line to find in its own
        return [tr("Feuille"), tr("Ligne"), tr("Colonne"), tr("Motif du rejet")], [
            [r.sheet, r.row, r.column or "", r.reason] for r in plan.rejected]
    headers = [tr("Ligne"), tr("Colonne"), tr("Motif du rejet"), *plan.headers]
    return headers, [[r.row, r.column or "", r.reason, *[_cell(v) for v in r.values]] for r in plan.rejected]


def _cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def summary(plan: ImportPlan, batch: str | None) -> dict[str, Any]:
    """The import's result as `portfolio import --json` prints it."""
    return {"file": plan.file_name, "sha256": plan.sha256, "sheet": plan.sheet, "profile": plan.profile,
            "rows_read": plan.rows_read, "created": plan.created_counts(), "updated": plan.updated_counts(),
            "unchanged": plan.unchanged, "rejected": [r.as_json() for r in plan.rejected],
            "flagged": [r.as_json() for r in plan.flagged], "batch_id": batch}
