"""The three-way merge an agency's workbook goes through, shared by the take-back (exchange.sync) and the settling
of conflicts left for later (exchange.conflicts): a field on three sides (``FieldMerge``: as sent, as here, as the
agency returned it), values in one compared form, the door's change a decision makes, and the merge state kept
beside the records (``MergeState``: the base of every field sent, the conflicts queued), changed in memory and
written through the door as ``SideRows`` in the operation's own transaction, so that its undo is exact.

The compared form: money in cents, dates ISO, booleans 0/1, references by the name the workbook shows (a region,
a typology, a status…), text stripped, empty as None.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.changes import SIDE_TABLES, FieldChange, SideRows, StaleChangeError
from portfolio.services.display import TITLE_SQL

from . import values as parse
from .plan.apply import next_ids
from .working_workbook import encode, record_values

# A decision on a conflict: the value here kept, the agency's taken, another typed; or left for later.
KEEP_MINE, TAKE_THEIRS, TYPED, LATER = "mine", "theirs", "value", "later"


class SyncError(PortfolioError):
    """A workbook that cannot be merged (not one of our exports, or an export this database never made), or a
    value that names nothing here."""


@dataclass(frozen=True)
class FieldMerge:
    """One field of one record on the three sides, in the compared form."""

    entity: str
    uuid: str
    field: str
    base: Any
    mine: Any
    theirs: Any

    def as_json(self, record_id: int | None = None) -> dict[str, Any]:
        """Money as a decimal string in euros, like every other JSON output of the command line."""
        money = fields.field_spec(self.entity, self.field).kind == "money"
        shown = [_euros(v) if money else v for v in (self.base, self.mine, self.theirs)]
        return {"entity": self.entity, "id": record_id, "uuid": self.uuid, "field": self.field,
                "base": shown[0], "mine": shown[1], "theirs": shown[2]}


# --- values in the compared form ----------------------------------------------------------------------


def canonical(spec: fields.FieldSpec, value: Any) -> Any:
    """A stored or sent value in the compared form."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if spec.kind == "bool":
        return 1 if value in (1, True, "1") else 0
    if spec.kind in ("money", "int"):
        return int(value)
    if spec.kind == "date":
        return value.isoformat()[:10] if isinstance(value, date | datetime) else str(value)[:10]
    return str(value).strip()


def cell_value(spec: fields.FieldSpec, cell: Any) -> Any:
    """A cell of the returned workbook in the compared form (InvalidValue for a value that cannot be one)."""
    if spec.kind == "money":
        return parse.parse_money(cell)
    if spec.kind == "int":
        return parse.parse_int(cell)
    if spec.kind == "date":
        day = parse.parse_day(cell)
        return day.isoformat() if day else None
    if spec.kind == "bool":
        flag = parse.parse_bool(cell)
        return None if flag is None else int(flag)
    if spec.kind in ("siren", "siret") and isinstance(cell, int | float) and not isinstance(cell, bool) \
            and float(cell).is_integer():  # typed as a number: the spreadsheet dropped its leading zeros
        return f"{int(cell):0{9 if spec.kind == 'siren' else 14}d}"
    text = parse.parse_text(cell)
    return text.strip() if text and text.strip() else None


def stored_value(connection: Any, spec: fields.FieldSpec, value: Any, entity: str) -> Any:
    """A value in the compared form as the door stores it (a reference found back by its title; a status among
    the statuses of ``entity``). SyncError or InvalidValue when it is not a valid value here."""
    new: Any = value
    target = spec.target
    if target is not None and new is not None:
        table = fields.table(target).name
        title = TITLE_SQL[target].replace(f"{table}.", "r.")
        scope, parameters = "", [new]
        if spec.kind.startswith("status:"):
            scope, parameters = " AND r.entity = ?", [new, spec.kind[7:]]
        found = connection.execute(f"SELECT id FROM {table} r WHERE {title} = ?{scope}", parameters).fetchall()
        if len(found) != 1:
            raise SyncError(tr("« {value} » ne désigne pas une seule fiche « {label} » : choisissez la valeur dans "
                               "la liste du classeur.", value=new, label=fields.entity_label(target)))
        new = found[0][0]
    elif spec.kind == "bool" and new is not None:
        new = bool(new)
    elif spec.kind == "date" and new is not None:
        new = date.fromisoformat(new)
    return fields.normalise(spec, new)


def mine_values(connection: Any, entity: str, specs: list[fields.FieldSpec], uuids: list[str]
                ) -> dict[str, dict[str, Any]]:
    """The records' values now, in the form the export sent them (references by their titles)."""
    wanted = set(uuids)
    return {uuid: dict(zip([s.name for s in specs], values, strict=True))
            for uuid, values in record_values(connection, entity, specs, None) if uuid in wanted}


# --- decisions ----------------------------------------------------------------------------------------


def field_change(session: Session, merge: FieldMerge) -> FieldChange:
    """The door's change that puts the agency's value in place. Its old value is the one the merge saw here
    ("mine"), so that a change made here since is refused by the door rather than overwritten."""
    spec = fields.field_spec(merge.entity, merge.field)
    connection = raw_connection(session)
    return FieldChange(merge.entity, merge.uuid, merge.field, stored_value(connection, spec, merge.mine, merge.entity),
                       stored_value(connection, spec, merge.theirs, merge.entity))


def decided_change(session: Session, merge: FieldMerge, choice: str, value: Any = None) -> FieldChange | None:
    """The door's change a decision on a conflict makes (None for the value here kept, or a value already
    there). InvalidValue or PortfolioError, naming the field, for a typed value the field does not accept. (The
    value here kept makes no change for the door to check: ``check_kept`` does.)"""
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


def check_kept(session: Session, merges: Iterable[FieldMerge]) -> None:
    """StaleChangeError when a value here that a decision keeps is no longer the one the merge saw (changed
    meanwhile): keeping it would settle a conflict about a value that is not there any more. One read per record
    type."""
    by_entity: dict[str, list[FieldMerge]] = {}
    for merge in merges:
        by_entity.setdefault(merge.entity, []).append(merge)
    connection = raw_connection(session)
    for entity, kept in by_entity.items():
        specs = {name: fields.field_spec(entity, name) for name in sorted({m.field for m in kept})}
        now = mine_values(connection, entity, list(specs.values()), [m.uuid for m in kept])
        for merge in kept:
            values = now.get(merge.uuid)
            if values is None or canonical(specs[merge.field], values[merge.field]) != merge.mine:
                raise StaleChangeError(tr("« {field} » a changé ici entre-temps : rien n'a été enregistré. Rouvrez "
                                          "la comparaison.", field=specs[merge.field].label), [])


# --- the merge state beside the records --------------------------------------------------------------

_QUEUE_COLUMNS = SIDE_TABLES["sync_conflict"][1]  # the columns the door replaces, in its order
_ID, _ENTITY, _UUID, _FIELD, _SETTLED, _DECISION, _BY = (_QUEUE_COLUMNS.index(name) for name in (
    "id", "entity", "record_uuid", "field", "settled_utc", "decision", "settled_by"))


class MergeState:
    """One export's merge state, read in the operation's write session: the base of each field sent (what the
    agency last saw) and its conflicts queue. Changed in memory by ``advance``, ``settle`` and ``requeue``, then
    ``changes()`` gives the door what to write (only what changed)."""

    def __init__(self, session: Session, export_id: str) -> None:
        self.session = session
        self.export_id = export_id
        connection = raw_connection(session)
        self._sent_text: dict[tuple[str, str], str] = {
            (entity, uuid): text for entity, uuid, text in connection.execute(
                "SELECT entity, record_uuid, sent_values FROM export_row WHERE export_uuid = ?", (export_id,))}
        self._sent: dict[tuple[str, str], dict[str, Any]] = {}  # those advanced, decoded
        self._queue_before = tuple(tuple(row) for row in connection.execute(
            f"SELECT {', '.join(_QUEUE_COLUMNS)} FROM sync_conflict WHERE export_uuid = ? ORDER BY id",
            (export_id,)).fetchall())
        self._queue = [list(row) for row in self._queue_before]

    def advance(self, merges: Iterable[FieldMerge]) -> None:
        """Records the agency's values as the new base of the fields settled (taken, kept here on purpose, or
        typed): the same file merged again changes nothing, and a correction made here later is not overwritten
        by it."""
        for merge in merges:
            key = (merge.entity, merge.uuid)
            if key not in self._sent_text:
                continue
            if key not in self._sent:
                self._sent[key] = json.loads(self._sent_text[key])
            self._sent[key][merge.field] = merge.theirs

    def settle(self, merges: Iterable[tuple[FieldMerge, str]], at_utc: str, actor: str) -> None:
        """Records each field's conflict still waiting as settled by ``decision`` (taken or kept at the merge)."""
        decided = {(m.entity, m.uuid, m.field): choice for m, choice in merges}
        for row in self._queue:
            choice = decided.get((row[_ENTITY], row[_UUID], row[_FIELD]))
            if choice is not None and row[_SETTLED] is None:
                row[_SETTLED], row[_DECISION], row[_BY] = at_utc, choice, actor

    def settle_ids(self, decisions: Iterable[tuple[int, str]], at_utc: str, actor: str) -> None:
        """Records queued conflicts, by id, as settled by their decision. StaleChangeError when one is no longer
        waiting (settled meanwhile, or replaced by a newer take-back of the workbook): nothing is written."""
        decided = dict(decisions)
        waiting = {row[_ID] for row in self._queue if row[_SETTLED] is None}
        if not decided.keys() <= waiting:
            raise StaleChangeError(tr("Un conflit a été réglé ou repris entre-temps : rien n'a été enregistré. "
                                      "Rouvrez la liste des conflits en attente."), [])
        for row in self._queue:
            if row[_ID] in decided:
                row[_SETTLED], row[_DECISION], row[_BY] = at_utc, decided[row[_ID]], actor

    def requeue(self, file_name: str, pending: Sequence[FieldMerge], at_utc: str) -> None:
        """Puts the merge's conflicts left to settle in place of those the export had waiting (recomputed from the
        workbook: one that is no longer a conflict leaves the queue)."""
        self._queue = [row for row in self._queue if row[_SETTLED] is not None]
        self.add([(merge, file_name) for merge in pending], at_utc)

    def add(self, conflicts: Sequence[tuple[FieldMerge, str]], at_utc: str) -> None:
        """Queues conflicts beside those waiting, each with the words saying where it comes from (a workbook's name;
        a replica's sync, exchange.replica_merge, says which replica, why and who typed each value)."""
        next_id = next_ids(raw_connection(self.session), ["sync_conflict"])["sync_conflict"]  # (as records' ids)
        next_id = max([next_id, *(row[_ID] + 1 for row in self._queue)])
        for number, (merge, where) in enumerate(conflicts):
            self._queue.append([next_id + number, where, merge.entity, merge.uuid, merge.field, _json(merge.base),
                                _json(merge.mine), _json(merge.theirs), at_utc, None, None, None])

    def changes(self) -> list[SideRows]:
        """What the door writes: each base row advanced, and the queue when it changed."""
        out = []
        for (entity, uuid), values in self._sent.items():
            text = encode(values)
            if text != self._sent_text[(entity, uuid)]:
                out.append(SideRows("export_row", (self.export_id, entity, uuid), ((self._sent_text[(entity, uuid)],),),
                                    ((text,),)))
        queue = tuple(tuple(row) for row in self._queue)
        if queue != self._queue_before:
            out.append(SideRows("sync_conflict", (self.export_id,), self._queue_before, queue))
        return out


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _euros(cents: Any) -> Any:
    return None if cents is None else str(Decimal(int(cents)) / 100)
