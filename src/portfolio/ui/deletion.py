"""Deleting records (from a list or an editor): ask first, the safe answer by default, one undo step; when other
records refer to them, say which (counts per type, each record openable) and offer what is possible: deleting
those too when they belong to the record (a project's tranches, milestones, aids), as one undo step."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.dependents import Dependents, deletions, dependents
from portfolio.services.display import counted, record_title

from . import questions
from .workspace import Workspace

OpenRecord = Callable[[str, int], None]


class BlockedDeletion(QDialog):
    """Why records cannot be deleted as they are: what refers to them, grouped by type, each openable by a
    double-click; "Supprimer aussi ces fiches" when the door can take them along."""

    def __init__(self, parent: QWidget | None, what: str, found: Dependents,
                 open_record: OpenRecord | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Suppression impossible telle quelle"))
        self.resize(620, 440)
        self.open_record = open_record
        layout = QVBoxLayout(self)
        intro = QLabel(tr("{what} est utilisé par {summary} : le supprimer laisserait ces fiches pointer vers un "
                          "enregistrement qui n'existe plus.", what=what, summary=found.summary()))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([tr("Fiche liée")])
        self.tree.setRootIsDecorated(True)
        for entity, records in found.by_entity.items():
            group = QTreeWidgetItem([counted(entity, len(records)).capitalize()])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            for record_id, title in records.items():
                item = QTreeWidgetItem([title or f"n° {record_id}"])
                item.setData(0, Qt.ItemDataRole.UserRole, (entity, record_id))
                item.setToolTip(0, tr("Double-cliquez pour ouvrir la fiche"))
                group.addChild(item)
            self.tree.addTopLevelItem(group)
            group.setExpanded(len(found.by_entity) == 1 or len(records) <= 10)
        self.tree.itemActivated.connect(self._open)
        layout.addWidget(self.tree, 1)
        advice = QLabel(tr("Ouvrez ces fiches pour les supprimer ou les rattacher à un autre enregistrement.")
                        if not found.taken else
                        tr("Ces fiches appartiennent à ce qui est supprimé : elles peuvent être supprimées avec, en "
                           "une seule étape que Ctrl+Z annule."))
        advice.setWordWrap(True)
        layout.addWidget(advice)
        buttons = QDialogButtonBox()
        self.take_button = None
        if found.taken:
            self.take_button = buttons.addButton(
                tr("Supprimer aussi ces {n} fiches", n=len(found.taken)), QDialogButtonBox.ButtonRole.DestructiveRole)
            self.take_button.setAutoDefault(False)
            self.take_button.clicked.connect(self.accept)
        close = buttons.addButton(tr("Annuler") if found.taken else tr("Fermer"),
                                  QDialogButtonBox.ButtonRole.RejectRole)
        close.setDefault(True)  # the safe answer is the default one: Entrée deletes nothing
        close.clicked.connect(self.reject)
        layout.addWidget(buttons)

    def _open(self, item: QTreeWidgetItem) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if data and self.open_record is not None:
            self.open_record(*data)


def delete_records(parent: QWidget | None, workspace: Workspace, entity: str, ids: list[int],
                   open_record: OpenRecord | None = None) -> bool:
    """Asks, then deletes the records as one undoable step; True when deleted. Raises the door's errors."""
    label = fields.entity_label(entity).lower()
    with workspace.db.read() as session:
        first = record_title(session, entity, ids[0]) if ids else ""
        found = dependents(session, entity, ids)
        what = (tr("« {name} » ({label})", name=first, label=label) if len(ids) == 1
                else tr("La sélection ({n} fiches)", n=len(ids)))
        if found.any:
            dialog = BlockedDeletion(parent, what, found, open_record)
            if questions.run_dialog(dialog) != QDialog.DialogCode.Accepted or not found.taken:
                return False
            records = found.taken + [(entity, i) for i in ids]
        else:
            question = (tr("Supprimer « {name} » ({label}) ?", name=first, label=label) if len(ids) == 1
                        else tr("Supprimer les {n} fiches sélectionnées ({label}) ?", n=len(ids), label=label))
            answer = QMessageBox.question(parent, tr("Supprimer"),
                                          question + "\n" + tr("Vous pourrez annuler avec Ctrl+Z."),
                                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                          QMessageBox.StandardButton.No)  # the safe answer by default
            if answer != QMessageBox.StandardButton.Yes:
                return False
            records = [(entity, i) for i in ids]
        changes = deletions(session, records)
    if not changes:
        return False
    step = (tr("Supprimer : {label} — {name}", label=label, name=first) if len(ids) == 1
            else tr("Supprimer {n} fiches ({label})", n=len(ids), label=label))
    workspace.apply(changes, step)
    return True
