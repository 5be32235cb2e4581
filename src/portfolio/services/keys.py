"""The keys the one door derives from a record's values: its search key and the folded copies of the
columns its lists sort on.

A column marked ``searchable=True`` in its info contributes its value to the record's ``search_key``; a
reference marked ``searchable="name"`` contributes the referred record's ``name`` (an organisation is found
by its region's and department's names). A column with ``info={"folds": "city"}`` holds ``fold(city)``, so
that lists sort "École" with the e's and "île" with the i's. Both are folded by ``domain.referential.fold``
(accents, case and punctuation removed) and are never edited nor audited: the door recomputes them in the
same transaction as the change they follow, including, when a region is renamed, the search keys of the
organisations that refer to it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import RowMapping, bindparam, select, update
from sqlalchemy.orm import Session

from portfolio.db.models import ENTITIES
from portfolio.domain.referential import fold

from . import fields

SEARCH_KEY = "search_key"


@dataclass(frozen=True)
class SearchPart:
    """One source of a search key: a column of the record, or a column of the record it refers to."""

    column: str
    ref_entity: str | None = None
    ref_column: str | None = None


@dataclass(frozen=True)
class KeySpec:
    """The derived keys of one entity."""

    entity: str
    search_parts: tuple[SearchPart, ...]  # in schema order; empty when the entity has no search key
    folds: tuple[tuple[str, str], ...]  # (key column, source column)

    @property
    def has_search_key(self) -> bool:
        return bool(self.search_parts)

    def sources(self) -> frozenset[str]:
        """The columns whose change requires recomputing a key."""
        return frozenset({p.column for p in self.search_parts} | {source for _, source in self.folds})


@cache
def key_spec(entity: str) -> KeySpec:
    """What keys ``entity`` has and what they are made of (read from the schema's column infos)."""
    table = fields.table(entity)
    parts: list[SearchPart] = []
    folds: list[tuple[str, str]] = []
    has_search_key = SEARCH_KEY in table.columns and table.columns[SEARCH_KEY].info.get("search_key")
    for column in table.columns:
        searchable = column.info.get("searchable")
        if searchable and has_search_key:
            if isinstance(searchable, str):
                target = fields.field_spec(entity, column.name).target
                assert target is not None, f"{entity}.{column.name}: searchable={searchable!r} needs a reference"
                parts.append(SearchPart(column.name, target, searchable))
            else:
                parts.append(SearchPart(column.name))
        if "folds" in column.info:
            folds.append((column.name, str(column.info["folds"])))
    return KeySpec(entity, tuple(parts), tuple(folds))


@cache
def referrers(entity: str, column: str) -> tuple[tuple[str, str], ...]:
    """The (entity, reference column) pairs whose search key contains ``entity``.``column``."""
    return tuple((other, part.column) for other in ENTITIES for part in key_spec(other).search_parts
                 if part.ref_entity == entity and part.ref_column == column)


@cache
def is_key_source(entity: str) -> bool:
    """True when some search key contains a column of this entity's records (a region's name)."""
    return any(part.ref_entity == entity for other in ENTITIES for part in key_spec(other).search_parts)


def search_text(parts: list[Any]) -> str:
    """The search key of these values: their texts, folded, in order."""
    return fold(" ".join(str(p) for p in parts if p is not None and p != ""))


class KeyMaker:
    """Computes derived keys inside one write session, caching the referred names it reads."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._names: dict[tuple[str, str], dict[int, Any]] = {}

    def forget(self, entity: str) -> None:
        """Drops cached names of ``entity`` (it was created, changed or deleted in this batch)."""
        for key in [k for k in self._names if k[0] == entity]:
            del self._names[key]

    def _ref_value(self, entity: str, column: str, record_id: Any) -> Any:
        if record_id is None:
            return None
        cached = self._names.setdefault((entity, column), {})
        if record_id not in cached:
            table = fields.table(entity)
            cached[record_id] = self.session.execute(
                select(table.c[column]).where(table.c.id == record_id)).scalar()
        return cached[record_id]

    @staticmethod
    def columns(entity: str) -> list[str]:
        """The derived key columns of ``entity``, in the order ``derive`` gives them."""
        spec = key_spec(entity)
        return [key for key, _ in spec.folds] + ([SEARCH_KEY] if spec.has_search_key else [])

    def derive(self, entity: str, row: Mapping[str, Any] | RowMapping) -> dict[str, str]:
        """Every derived key of a record whose column values are ``row`` (by column name)."""
        spec = key_spec(entity)
        keys = {key: fold(row.get(source) or "") for key, source in spec.folds}
        if spec.has_search_key:
            keys[SEARCH_KEY] = search_text([
                row.get(part.column) if part.ref_entity is None
                else self._ref_value(part.ref_entity, part.ref_column or "", row.get(part.column))
                for part in spec.search_parts])
        return keys

    def changed_keys(self, entity: str, column: str, current: Mapping[str, Any], new: Any) -> dict[str, str]:
        """The derived keys that change when ``column`` of the stored record ``current`` becomes ``new``."""
        if column not in key_spec(entity).sources():
            return {}
        keys = self.derive(entity, {**current, column: new})
        return {name: value for name, value in keys.items() if current[name] != value}

    def refresh_referrers(self, entity: str, column: str, record_id: int) -> int:
        """Recomputes the search keys that contain ``entity``.``column`` of record ``record_id``; returns how
        many records were rewritten."""
        self.forget(entity)
        count = 0
        for other, reference in referrers(entity, column):
            table = fields.table(other)
            rows = self.session.execute(select(table).where(table.c[reference] == record_id)).mappings().all()
            updates = []
            for row in rows:
                key = self.derive(other, row)[SEARCH_KEY]
                if key != row[SEARCH_KEY]:
                    updates.append({"record_id": row["id"], "key": key})
            if updates:
                self.session.execute(
                    update(table).where(table.c.id == bindparam("record_id")).values(search_key=bindparam("key")),
                    updates)
                count += len(updates)
        return count
