"""Records as replicas exchange them (issue #22): values in a form both sides read the same way, whatever ids each
database gave, and the changes a trail's entries add up to.

The portable form: a record's editable values as JSON-ready values (dates ISO, money in cents, flags true/false),
each reference given by the uuid of the record it names rather than by its id (ids are each database's own: a note
made on a laptop and one made on the shared database meanwhile may take the same id). Both sides compare values in
this form, and turn them back into their own ids only to write them through the door.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from portfolio.db.models import ENTITIES
from portfolio.db.sqlite_file import raw_connection
from portfolio.services import fields

# the records every replica holds whole, whatever the part of the portfolio it follows: the programme's frame, its
# calls and statuses, the map, and the team
REFERENCE_ENTITIES = frozenset({"programme", "axis", "action", "operator", "call", "status", "status_transition",
                                "region", "department", "typology", "officer"})
CHUNK = 500  # uuids or ids per IN (...) list


@cache
def entity_order() -> tuple[str, ...]:
    """Every entity, each after the entities it refers to (creations in this order, deletions in the reverse)."""
    done: list[str] = []

    def visit(entity: str, path: tuple[str, ...]) -> None:
        if entity in done or entity in path:
            return
        for spec in fields.editable_fields(entity):
            if spec.target and spec.target != entity:
                visit(spec.target, (*path, entity))
        done.append(entity)

    for entity in ENTITIES:
        visit(entity, ())
    return tuple(done)


@cache
def references(entity: str) -> tuple[fields.FieldSpec, ...]:
    """The fields of ``entity`` that name another record."""
    return tuple(spec for spec in fields.editable_fields(entity) if spec.target)


@cache
def referrers(entity: str) -> tuple[tuple[str, str], ...]:
    """(entity, field) of every reference to a record of ``entity``."""
    return tuple((other, spec.name) for other in ENTITIES for spec in references(other) if spec.target == entity)


def same(a: Any, b: Any) -> bool:
    """Two portable values are the same value (an empty text is no value, as the door stores it)."""
    return a == b or (a in (None, "") and b in (None, ""))


def chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start:start + CHUNK]


class Ids:
    """uuid <-> id of the records of one database, looked up as needed and remembered (records created in the
    operation are added by ``give``)."""

    def __init__(self, session: Session) -> None:
        self.connection = raw_connection(session)
        self.to_id: dict[str, dict[str, int | None]] = {}
        self.to_uuid: dict[str, dict[int, str | None]] = {}

    def load_uuids(self, entity: str, uuids: Iterable[str]) -> None:
        """The ids of these records (None for those this database does not have), looked up at once."""
        self._load(entity, "uuid", self.to_id.setdefault(entity, {}), uuids)

    def load_ids(self, entity: str, ids: Iterable[int]) -> None:
        """The uuids of these records, looked up at once."""
        self._load(entity, "id", self.to_uuid.setdefault(entity, {}), ids)

    def _load(self, entity: str, column: str, known: dict[Any, Any], keys: Iterable[Any]) -> None:
        wanted = sorted({key for key in keys if key not in known})
        for part in chunks(wanted):
            for record_id, uuid in self.connection.execute(
                    f"SELECT id, uuid FROM {entity} WHERE {column} IN ({', '.join('?' * len(part))})", tuple(part)):
                self.give(entity, str(uuid), int(record_id))
        for key in wanted:
            known.setdefault(key, None)

    def id_of(self, entity: str, uuid: str) -> int | None:
        if uuid not in self.to_id.get(entity, {}):
            self.load_uuids(entity, [uuid])
        return self.to_id[entity][uuid]

    def uuid_of(self, entity: str, record_id: int) -> str | None:
        if record_id not in self.to_uuid.get(entity, {}):
            self.load_ids(entity, [record_id])
        return self.to_uuid[entity][record_id]

    def give(self, entity: str, uuid: str, record_id: int) -> None:
        self.to_id.setdefault(entity, {})[uuid] = record_id
        self.to_uuid.setdefault(entity, {})[record_id] = uuid


def portable(ids: Ids, entity: str, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stored rows' editable values in the portable form."""
    specs = fields.editable_fields(entity)
    for spec in references(entity):
        ids.load_ids(str(spec.target), [row[spec.name] for row in rows if row[spec.name] is not None])
    out = []
    for row in rows:
        values: dict[str, Any] = {}
        for spec in specs:
            value = row[spec.name]
            if spec.target and value is not None:
                value = ids.uuid_of(spec.target, int(value))
            values[spec.name] = fields.to_json(value)
        out.append(values)
    return out


class UnknownReference(Exception):
    """A portable value names a record this database does not have."""

    def __init__(self, entity: str, uuid: str) -> None:
        super().__init__(f"{entity} {uuid}")
        self.entity, self.uuid = entity, uuid


def stored(ids: Ids, spec: fields.FieldSpec, value: Any) -> Any:
    """A portable value as this database stores it (UnknownReference for a record it does not have)."""
    if value is None:
        return None
    if spec.target:
        record_id = ids.id_of(spec.target, str(value))
        if record_id is None:
            raise UnknownReference(spec.target, str(value))
        return record_id
    return fields.from_json(spec, value)


# --- the changes a segment of a trail adds up to ----------------------------------------------------------------


@dataclass
class Origin:
    """The entry a change comes from, on the database that wrote it."""

    seq: int
    hash: str
    actor: str
    at_utc: str
    source: str


@dataclass
class NetChange:
    """What a run of entries did to one record: created it (``created``: its values at the end), deleted a record
    that was there before (``deleted``: its values when it was deleted), or changed fields (``fields``: field ->
    [value before the run, value after]); ``origins``: the last entry behind each (field None: creation or
    deletion)."""

    entity: str
    uuid: str
    created: dict[str, Any] | None = None
    deleted: dict[str, Any] | None = None
    fields: dict[str, list[Any]] = field(default_factory=dict)
    origins: dict[str | None, Origin] = field(default_factory=dict)
    gone: bool = False  # created and deleted within the run: nothing to do


def id_references(entries: Sequence[Sequence[Any]]) -> dict[str, set[int]]:
    """The ids the entries' values give for references, by entity referred to (to name them by uuid)."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        entity, name, operation = entry[6], entry[8], entry[5]
        if entity not in ENTITIES or (name or "").startswith("_") or entry[12] is None:
            continue
        specs = {s.name: s for s in references(entity)}
        if operation == "update":
            spec = specs.get(name)
            if spec is not None:
                for text in (entry[9], entry[10]):
                    value = json.loads(text) if text is not None else None
                    if isinstance(value, int):
                        wanted.setdefault(str(spec.target), set()).add(value)
        else:
            values = json.loads(entry[10] if operation == "create" else entry[9])
            for spec in specs.values():
                if isinstance(values.get(spec.name), int):
                    wanted.setdefault(str(spec.target), set()).add(values[spec.name])
    return wanted


def net_changes(entries: Sequence[Sequence[Any]], refs: dict[str, dict[str, str]], skip_source: str
                ) -> dict[tuple[str, str], NetChange]:
    """The net change of each record over ``entries`` (in the order written), values in the portable form through
    ``refs`` (entity -> id as text -> uuid). Entries about the trail itself (fields starting with "_"), erased
    entries' values and entries whose source starts with ``skip_source`` (changes that came from the other side)
    are left out."""
    nets: dict[tuple[str, str], NetChange] = {}

    def portable_value(spec: fields.FieldSpec, value: Any) -> Any:
        if spec.target and isinstance(value, int):
            return refs.get(str(spec.target), {}).get(str(value), f"#{spec.target}:{value}")
        return value

    def portable_record(entity: str, text: str) -> dict[str, Any]:
        values = json.loads(text)
        return {spec.name: portable_value(spec, values.get(spec.name)) for spec in fields.editable_fields(entity)}

    for entry in entries:
        seq, at_utc, actor, source, _batch, operation, entity, uuid, name = entry[:9]
        if entity not in ENTITIES or (name or "").startswith("_") or str(source).startswith(skip_source):
            continue
        net = nets.setdefault((entity, uuid), NetChange(entity, uuid))
        origin = Origin(int(seq), str(entry[13]), str(actor), str(at_utc), str(source))
        erased = entry[12] is None
        if operation == "create":
            if net.deleted is not None:  # deleted then created again (an undo): the fields it changes
                before = {**net.deleted, **{f: v[0] for f, v in net.fields.items()}}
                after = portable_record(entity, entry[10]) if not erased else before
                net.fields = {f: [before.get(f), v] for f, v in after.items() if not same(before.get(f), v)}
                net.deleted = None
            else:
                net.created, net.gone = (portable_record(entity, entry[10]) if not erased else {}), False
            net.origins[None] = origin
        elif operation == "delete":
            if net.created is not None:
                net.created, net.gone, net.fields = None, True, {}
            else:
                values = portable_record(entity, entry[9]) if not erased else {}
                net.deleted = {**values, **{f: v[0] for f, v in net.fields.items()}}
                net.fields = {}
            net.origins[None] = origin
        elif name is not None and not erased:
            spec = fields.field_spec(entity, name)
            new = portable_value(spec, json.loads(entry[10]) if entry[10] is not None else None)
            if net.created is not None:
                net.created[name] = new
            else:
                old = portable_value(spec, json.loads(entry[9]) if entry[9] is not None else None)
                if name in net.fields:
                    net.fields[name][1] = new
                else:
                    net.fields[name] = [old, new]
            net.origins[name] = origin
    for key in [k for k, net in nets.items() if net.gone or (net.created is None and net.deleted is None and not
                                                             any(not same(b, a) for b, a in net.fields.values()))]:
        del nets[key]
    for net in nets.values():  # a field changed and changed back is no change
        net.fields = {f: v for f, v in net.fields.items() if not same(v[0], v[1])}
    return nets
