"""What changed between two snapshots (or two portfolio files): records added, changed (field by field) and
removed, matched by their stable uuid, and the key figures side by side — "what changed between two steering
committees". Both files are opened read-only (immutable): neither is touched."""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import N_, tr

from . import fields
from .snapshot import SnapshotError, open_read_only
from .stats import key_figures

EXAMPLES = 20  # records named per entity and kind of change (the counts are complete)
# the key figures compared, in this order: French label and kind (int, money in euros, share of 1), for the
# command line and the window
FIGURES: dict[str, tuple[str, str]] = {
    "applicants": (N_("Porteurs (candidats)"), "int"),
    "applications": (N_("Candidatures"), "int"),
    "laureates": (N_("Lauréats"), "int"),
    "committed": (N_("Aide engagée"), "money"),
    "committed_grant": (N_("  dont subventions"), "money"),
    "committed_advance": (N_("  dont avances remboursables"), "money"),
    "disbursed": (N_("Aide décaissée"), "money"),
    "disbursed_share": (N_("Part décaissée"), "share"),
    "regions": (N_("Régions"), "int"),
    "axes": (N_("Axes"), "int"),
    "actions": (N_("Actions"), "int"),
    "calls": (N_("Appels à projets"), "int"),
}
# the columns a record is named by; a record of an entity with none of them is named "<label> <id>"
NAME_COLUMNS = ("name", "acronym", "title", "label", "last_name", "code")


@dataclass
class EntityDiff:
    """The changes to one record type."""

    entity: str
    added: list[str] = field(default_factory=list)  # record names
    removed: list[str] = field(default_factory=list)
    changed: list[tuple[str, list[tuple[str, Any, Any]]]] = field(default_factory=list)  # name, [(field, old, new)]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def as_json(self) -> dict[str, Any]:
        return {"added": len(self.added), "removed": len(self.removed), "changed": len(self.changed),
                "added_examples": self.added[:EXAMPLES], "removed_examples": self.removed[:EXAMPLES],
                "changed_examples": [{"record": name, "fields": [{"field": f, "old": old, "new": new}
                                                                 for f, old, new in changes]}
                                     for name, changes in self.changed[:EXAMPLES]]}


@dataclass
class SnapshotDiff:
    """Every record type's changes, and the key figures of both files."""

    old: Path
    new: Path
    entities: dict[str, EntityDiff] = field(default_factory=dict)
    figures: dict[str, tuple[Any, Any]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"old": str(self.old), "new": str(self.new),
                "records": {name: diff.as_json() for name, diff in self.entities.items() if not diff.empty},
                "key_figures": {name: {"old": old, "new": new} for name, (old, new) in self.figures.items()}}


def _name(entity: str, row: dict[str, Any]) -> str:
    for column in NAME_COLUMNS:
        if row.get(column):
            return str(row[column])
    return f"{fields.entity_label(entity)} {row.get('id')}"


def _rows(connection: Any, entity: str, columns: list[str]) -> dict[str, dict[str, Any]]:
    cursor = connection.execute(f"SELECT uuid, id, {', '.join(columns)} FROM {entity}")
    names = ["uuid", "id", *columns]
    return {row[0]: dict(zip(names, row, strict=True)) for row in cursor}


def diff_snapshots(old: Path, new: Path) -> SnapshotDiff:
    """The changes from ``old`` to ``new``: for every record type, by uuid; fields compared as stored."""
    result = SnapshotDiff(old, new)
    try:
        _compare(result, old, new)
    except sqlite3.Error as error:  # not a portfolio, or another version of the schema: said in one line
        raise SnapshotError(tr("« {old} » et « {new} » ne se comparent pas ({reason}) : deux instantanés (ou bases) "
                               "du portefeuille, de la même version, sont attendus.", old=old.name, new=new.name,
                               reason=str(error))) from None
    return result


def _compare(result: SnapshotDiff, old: Path, new: Path) -> None:
    from portfolio.db.models import ENTITIES

    with contextlib.closing(open_read_only(old)) as before, contextlib.closing(open_read_only(new)) as after:
        for entity in ENTITIES:
            columns = [spec.name for spec in fields.editable_fields(entity)]
            rows_before, rows_after = _rows(before, entity, columns), _rows(after, entity, columns)
            diff = EntityDiff(entity)
            diff.added = [_name(entity, rows_after[u]) for u in rows_after if u not in rows_before]
            diff.removed = [_name(entity, rows_before[u]) for u in rows_before if u not in rows_after]
            for uuid, row in rows_after.items():
                previous = rows_before.get(uuid)
                if previous is None:
                    continue
                changes = [(c, previous[c], row[c]) for c in columns if previous[c] != row[c]]
                if changes:
                    diff.changed.append((_name(entity, row), changes))
            result.entities[entity] = diff
        figures = (key_figures(before).as_json(), key_figures(after).as_json())
    for name in figures[0]:
        if name != "counts":
            result.figures[name] = (figures[0][name], figures[1].get(name))


def describe_change(entity: str, change: EntityDiff) -> str:
    """One line: "Structure : 3 ajoutées, 1 supprimée, 12 modifiées"."""
    return tr("{label} : {added} ajout(s), {removed} suppression(s), {changed} modification(s)",
              label=fields.entity_label(entity), added=len(change.added), removed=len(change.removed),
              changed=len(change.changed))
