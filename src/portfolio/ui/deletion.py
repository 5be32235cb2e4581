"""Deleting records from a list: ask first, one undo step for the whole selection."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy import select

from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.changes import Delete, current_values
from portfolio.services.display import record_title

from .workspace import Workspace


def delete_records(parent: QWidget, workspace: Workspace, entity: str, ids: list[int]) -> bool:
    """Asks, then deletes the records as one undoable step; True when deleted. Raises the door's errors
    (a record still used elsewhere is refused, and nothing is deleted)."""
    table = fields.table(entity)
    with workspace.db.read() as session:
        uuids = dict(session.execute(select(table.c.id, table.c.uuid).where(table.c.id.in_(ids))).all())
        changes = [Delete(entity, uuids[i], current_values(session, entity, uuids[i])) for i in ids if i in uuids]
        first = record_title(session, entity, ids[0]) if ids else ""
    label = fields.entity_label(entity).lower()
    question = (tr("Supprimer « {name} » ({label}) ?", name=first, label=label) if len(changes) == 1
                else tr("Supprimer les {n} fiches sélectionnées ({label}) ?", n=len(changes), label=label))
    answer = QMessageBox.question(parent, tr("Supprimer"), question + "\n" + tr("Vous pourrez annuler avec Ctrl+Z."))
    if answer != QMessageBox.StandardButton.Yes or not changes:
        return False
    step = (tr("Supprimer : {label} — {name}", label=label, name=first) if len(changes) == 1
            else tr("Supprimer {n} fiches ({label})", n=len(changes), label=label))
    workspace.apply(changes, step)
    return True
