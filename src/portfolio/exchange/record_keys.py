"""The unique keys of a record type (a consortium member once per application, one aid per project and
organisation, one project per application), checked line by line before anything is written: a line that would
break one is refused with its reason, instead of the database refusing the whole import or sync at the end."""

from __future__ import annotations

from typing import Any

from sqlalchemy import UniqueConstraint

from portfolio.domain.i18n import tr
from portfolio.services import fields


def unique_keys(entity: str) -> list[tuple[str, ...]]:
    """The sets of editable fields whose values no two records of ``entity`` may share."""
    table = fields.table(entity)
    editable = {name for name, column in table.columns.items() if "label" in column.info}
    keys = [tuple(c.name for c in constraint.columns) for constraint in table.constraints
            if isinstance(constraint, UniqueConstraint)]
    keys += [(name,) for name, column in table.columns.items() if column.unique]
    return [key for key in dict.fromkeys(keys) if set(key) <= editable]


class KeyGuard:
    """The unique keys of one record type, against the database and the lines already accepted."""

    def __init__(self, connection: Any, entity: str) -> None:
        self.connection = connection
        self.entity = entity
        self.table = fields.table(entity).name
        self.keys = unique_keys(entity)
        self.taken: dict[tuple[str, ...], set[tuple[Any, ...]]] = {key: set() for key in self.keys}

    def clash(self, values: dict[str, Any], record_uuid: str | None = None) -> str | None:
        """Why ``values`` cannot be a record (another record already has its key), or None. ``values`` in their
        stored form; a reference to a record not yet written (a plan's Ref) is compared with the lines only."""
        for key in self.keys:
            if any(values.get(name) is None for name in key):
                continue
            held = tuple(values[name] for name in key)
            taken = held in self.taken[key]
            if not taken and all(isinstance(v, str | int | float) for v in held):
                where = " AND ".join(f"{name} = ?" for name in key)
                taken = self.connection.execute(f"SELECT 1 FROM {self.table} WHERE {where} AND uuid <> ? LIMIT 1",
                                                [*held, record_uuid or ""]).fetchone() is not None
            if taken:
                labels = " + ".join(fields.field_spec(self.entity, name).label for name in key)
                return tr("une autre fiche « {label} » a déjà ces valeurs de {fields} (dans la base ou plus haut dans "
                          "le classeur) : une seule est permise.", label=fields.entity_label(self.entity),
                          fields=labels)
        return None

    def add(self, values: dict[str, Any]) -> None:
        """Records an accepted line's keys."""
        for key in self.keys:
            if all(values.get(name) is not None for name in key):
                self.taken[key].add(tuple(values[name] for name in key))
