"""What stands in the way of deleting records: the records that refer to them, counted per type, and whether
deleting those too (as one step, undoable) is possible.

The door refuses a deletion that would leave a reference to nothing; this says why beforehand, in words ("3
versements, 5 jalons"), and names the records so that the user can open them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import fields
from .changes import Change, Delete, current_values
from .display import counted, record_title

# the records a deletion may take with it when asked: a project's tranches, milestones and aids, an
# application's consortium members, an organisation's contacts, the notes, reminders and documents of any of them;
# never another project, application, call or organisation (deleting those is a decision of its own, made record
# by record)
OWNED = {"aid", "disbursement", "milestone", "application_partner", "contact", "note", "reminder", "document"}
MAX_TAKEN = 2_000  # beyond this many, deleting them along is not offered: the list says what to do instead

@dataclass
class Dependents:
    """The records referring to those being deleted: (entity, id) -> title, grouped by entity."""

    by_entity: dict[str, dict[int, str]] = field(default_factory=dict)
    taken: list[tuple[str, int]] = field(default_factory=list)  # deletable along, children first; [] if not

    @property
    def any(self) -> bool:
        return bool(self.by_entity)

    def summary(self) -> str:
        """"3 versements, 5 jalons, 1 aide"."""
        return ", ".join(counted(entity, len(ids)) for entity, ids in self.by_entity.items())


def _referring(session: Session, entity: str, ids: Iterable[int]) -> dict[str, set[int]]:
    """The records of every entity that refer to these records (by a foreign key to their table)."""
    from portfolio.db.models import ENTITIES

    wanted = sorted(set(ids))
    target = fields.table(entity)
    found: dict[str, set[int]] = {}
    for name in ENTITIES:
        table = fields.table(name)
        for key in table.foreign_keys:
            if key.column.table is not target or not wanted:
                continue
            rows = session.execute(select(table.c.id).where(key.parent.in_(wanted))).scalars()
            found.setdefault(name, set()).update(int(i) for i in rows)
    return {name: ids for name, ids in found.items() if ids}


def dependents(session: Session, entity: str, ids: list[int]) -> Dependents:
    """What refers to these records (outside them), with the titles to show; ``taken`` lists what deleting them
    along would delete (children first), when every such record is owned and nothing else refers to it."""
    result = Dependents()
    direct = _referring(session, entity, ids)
    direct.get(entity, set()).difference_update(ids)
    for name, found in direct.items():
        if found:
            result.by_entity[name] = {i: record_title(session, name, i) for i in sorted(found)}
    if not result.any:
        return result
    # what deleting them along would take: owned records only, and what refers to those must be owned too
    taken: list[tuple[str, int]] = []
    frontier = {name: set(found) for name, found in direct.items() if found}
    seen: set[tuple[str, int]] = set()
    while frontier:
        if any(name not in OWNED for name in frontier):
            return result
        layer = [(name, i) for name, found in frontier.items() for i in found if (name, i) not in seen]
        seen.update(layer)
        taken = layer + taken  # deeper records first: they are deleted before what they refer to
        if len(seen) > MAX_TAKEN:
            return result
        following: dict[str, set[int]] = {}
        for name, found in frontier.items():
            for other, more in _referring(session, name, found).items():
                following.setdefault(other, set()).update(i for i in more if (other, i) not in seen)
        frontier = {name: found for name, found in following.items() if found}
    result.taken = taken
    return result


def deletions(session: Session, records: list[tuple[str, int]]) -> list[Change]:
    """The door's Delete changes for these records, in the order given, with their current values (a document's
    bytes removed just before its record)."""
    from .documents import removal_changes

    changes: list[Change] = []
    for entity, record_id in records:
        table = fields.table(entity)
        uuid = session.execute(select(table.c.uuid).where(table.c.id == record_id)).scalar()
        if uuid is None:
            continue
        values = current_values(session, entity, uuid)
        changes.extend(removal_changes(session, uuid, values) if entity == "document" else
                       [Delete(entity, uuid, values)])
    return changes
