"""What changed between two snapshots (or two portfolio files): records added, changed (field by field) and
removed, matched by their stable uuid, and the key figures side by side — "what changed between two steering
committees". Both files are opened read-only (immutable): neither is touched."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr

from . import fields
from .display import TITLE_SQL
from .snapshot import MANIFEST_TABLE, SnapshotError, open_read_only, unsafe_to_open
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


# --- what the window shows besides the diff: both files' snapshot dates, and the titles of the records it names ---


@dataclass
class SnapshotInfo:
    """One compared file: its snapshot manifest's date and author (none for a plain portfolio file), and why
    SQLite could show something else than the file holds (files beside it)."""

    path: Path
    created_utc: str | None = None
    author: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class DiffDetails:
    """The two files, and the titles of the records the diff refers to by id (references, nameless records)."""

    old: SnapshotInfo
    new: SnapshotInfo
    titles: dict[tuple[str, str, int], str] = field(default_factory=dict)  # (side, entity, id) -> title


def snapshot_info(connection: sqlite3.Connection, path: Path) -> SnapshotInfo:
    """The snapshot date and author of the file ``path`` opened read-only as ``connection`` (none for a plain
    portfolio file), and what could make SQLite show something else than the file holds."""
    info = SnapshotInfo(path, problems=unsafe_to_open(path))
    try:
        (text,) = connection.execute(f"SELECT manifest FROM {MANIFEST_TABLE}").fetchone()
        manifest = json.loads(text)
    except (sqlite3.Error, TypeError, ValueError):  # a portfolio file, not a snapshot: no date to show
        return info
    if isinstance(manifest, dict):
        info.created_utc = str(manifest.get("created_utc") or "") or None
        info.author = str(manifest.get("author") or "") or None
    return info


def fallback_id(entity: str, name: str) -> int | None:
    """The id in "<label> <id>", the name ``_name`` gives a record of an entity without a name column; None for
    an entity with one."""
    if any(column in fields.table(entity).columns for column in NAME_COLUMNS):
        return None
    label, _, number = name.rpartition(" ")
    return int(number) if label == fields.entity_label(entity) and number.isdigit() else None


def _target(entity: str, column: str) -> str | None:
    try:
        return fields.field_spec(entity, column).target
    except PortfolioError:
        return None


def _wanted(diff: SnapshotDiff, shown: int) -> dict[tuple[str, str], set[int]]:
    """(side, entity) -> ids whose titles the first ``shown`` records of each group name."""
    wanted: dict[tuple[str, str], set[int]] = {}

    def want(side: str, entity: str, value: Any) -> None:
        if isinstance(value, int) and not isinstance(value, bool) and entity in TITLE_SQL:
            wanted.setdefault((side, entity), set()).add(value)

    for entity, change in diff.entities.items():
        for side, names in (("new", change.added[:shown]), ("old", change.removed[:shown]),
                            ("new", [name for name, _ in change.changed[:shown]])):
            for name in names:
                want(side, entity, fallback_id(entity, name))
        for _name, changes in change.changed[:shown]:
            for column, old, new in changes:
                target = _target(entity, column)
                if target:
                    want("old", target, old)
                    want("new", target, new)
    return wanted


def _read_titles(connection: sqlite3.Connection, side: str, wanted: dict[tuple[str, str], set[int]],
                 titles: dict[tuple[str, str, int], str]) -> None:
    for (of, entity), ids in wanted.items():
        if of != side:
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start:start + 500]
            marks = ", ".join("?" * len(chunk))
            with contextlib.suppress(sqlite3.Error):  # another schema: the ids are shown as they are
                for record_id, title in connection.execute(
                        f"SELECT id, {TITLE_SQL[entity]} FROM {fields.table(entity).name} WHERE id IN ({marks})",
                        chunk):
                    if title not in (None, ""):
                        titles[(side, entity, int(record_id))] = str(title)


def read_details(diff: SnapshotDiff, shown: int) -> DiffDetails:
    """The snapshot dates and authors of both files and the titles of the records the first ``shown`` of each
    group (added, removed, changed) refer to by id (a few small reads; both files opened read-only)."""
    wanted = _wanted(diff, shown)
    infos: dict[str, SnapshotInfo] = {}
    titles: dict[tuple[str, str, int], str] = {}
    for side, path in (("old", diff.old), ("new", diff.new)):
        try:
            with contextlib.closing(open_read_only(path)) as connection:
                infos[side] = snapshot_info(connection, path)
                _read_titles(connection, side, wanted, titles)
        except (PortfolioError, sqlite3.Error):
            infos[side] = SnapshotInfo(path)
    return DiffDetails(infos["old"], infos["new"], titles)
