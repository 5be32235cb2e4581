"""The officer's actions on a dossier (issue #21): add, edit and delete a note; add a reminder, mark it done or put
it off a week; attach documents (by button or drop), open one with the system's viewer, remove one. Each action is
one undo step through the workspace (services.desk and services.documents make the changes); a refusal is said in a
message box naming the file and what to do, never a traceback.

The current officer (Préférences) signs the notes and owns the reminders when they are named in the team."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.referential import fold
from portfolio.services import desk, documents, fields
from portfolio.services.changes import ChangeRefused, Delete, FieldChange, current_actor, current_values
from portfolio.services.listing import today

from . import questions
from .field_widgets import TextInput
from .preferences import current_officer
from .workspace import Workspace

CATEGORIES = ("Convention signée", "Avenant", "Rapport intermédiaire", "Rapport final", "Justificatif de dépenses",
              "Compte rendu", "Courrier")


def current_officer_id(reader: Any) -> int | None:
    """The id of the current officer among the team's, or None (not set, or not in this portfolio's team)."""
    name = fold(current_officer())
    return next((i for i, officer in desk.officers(reader) if fold(officer) == name), None) if name else None


class NoteDialog(QDialog):
    """A note's date and text."""

    def __init__(self, parent: QWidget | None, title: str, day: date, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        layout = QVBoxLayout(self)
        self.form = form = QFormLayout()
        self.day = TextInput(fields.field_spec("note", "written_on"))
        self.day.set_value(day)
        form.addRow(tr("Date"), self.day)
        self.text = QPlainTextEdit(text)
        self.text.setObjectName("note_text")
        self.text.setPlaceholderText(tr("Un appel, une réunion, une décision du comité de pilotage…"))
        self.text.setMinimumSize(520, 160)
        form.addRow(tr("Note"), self.text)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b3261e")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(tr("Enregistrer"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.values: tuple[date, str] | None = None
        self.text.setFocus()

    def accept(self) -> None:
        try:
            day = self.day.value()
            if day is None:
                raise InvalidValue(tr("« Date » est obligatoire."))
        except InvalidValue as error:
            self._refuse(str(error))
            return
        text = self.text.toPlainText().strip()
        if not text:
            self._refuse(tr("La note est vide."))
            return
        self.values = (day, text)
        super().accept()

    def _refuse(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class ReminderDialog(NoteDialog):
    """A reminder's date, text and owner."""

    def __init__(self, parent: QWidget | None, officers: list[tuple[int, str]], owner: int | None, day: date) -> None:
        super().__init__(parent, tr("Nouvelle relance"), day)
        form = self.form
        form.setWidget(0, QFormLayout.ItemRole.LabelRole, QLabel(tr("À relancer le")))
        form.setWidget(1, QFormLayout.ItemRole.LabelRole, QLabel(tr("Objet")))
        self.text.setPlaceholderText(tr("Ce qu'il faudra faire : relancer le rapport, appeler le porteur…"))
        self.text.setMinimumSize(520, 80)
        self.owner = QComboBox()
        self.owner.addItem(tr("Le chargé de mission du projet"), None)
        for officer_id, name in officers:
            self.owner.addItem(name, officer_id)
        self.owner.setCurrentIndex(max(0, self.owner.findData(owner)) if owner is not None else 0)
        form.addRow(tr("Responsable"), self.owner)


class DeskActions:
    """The dossier's actions on one project, through ``workspace`` (one undo step each)."""

    def __init__(self, workspace: Workspace, parent: QWidget) -> None:
        self.workspace = workspace
        self.parent = parent

    def _apply(self, changes: list[Any], step: str) -> bool:
        if not changes:
            return False
        try:
            self.workspace.apply(changes, step)
        except (ChangeRefused, InvalidValue, PortfolioError) as error:
            QMessageBox.warning(self.parent, step, str(error))
            return False
        return True

    def set_field(self, entity: str, uuid: str, name: str, old: Any, new: Any, label: str) -> bool:
        """One field of a record the dossier shows, changed where it is shown (a tranche's payment date…)."""
        return self._apply([FieldChange(entity, uuid, name, old, new)], tr("Modifier « {field} »", field=label))

    # --- notes ---

    def add_note(self, subject_id: int, subject: str = "project") -> bool:
        """A note on a project (or an application, an organisation)."""
        dialog = NoteDialog(self.parent, tr("Nouvelle note de suivi"), today())
        if questions.run_dialog(dialog) != QDialog.DialogCode.Accepted or dialog.values is None:
            return False
        day, text = dialog.values
        return self._apply(desk.new_note(subject, subject_id, text, written_on=day,
                                         author=current_officer() or current_actor()), tr("Ajouter une note"))

    def edit_note(self, uuid: str) -> bool:
        with self.workspace.db.read() as session:
            stored = current_values(session, "note", uuid)
        dialog = NoteDialog(self.parent, tr("Modifier la note"), stored["written_on"], stored["body"])
        if questions.run_dialog(dialog) != QDialog.DialogCode.Accepted or dialog.values is None:
            return False
        day, text = dialog.values
        changes = [FieldChange("note", uuid, name, stored[name], value)
                   for name, value in (("written_on", day), ("body", text)) if stored[name] != value]
        return self._apply(changes, tr("Modifier une note"))

    def delete_note(self, uuid: str) -> bool:
        with self.workspace.db.read() as session:
            stored = current_values(session, "note", uuid)
        return self._apply([Delete("note", uuid, stored)], tr("Supprimer une note"))

    # --- reminders ---

    def add_reminder(self, project_id: int) -> bool:
        with self.workspace.db.read() as session:
            team, me = desk.officers(session), current_officer_id(session)
        dialog = ReminderDialog(self.parent, team, me, today())
        if questions.run_dialog(dialog) != QDialog.DialogCode.Accepted or dialog.values is None:
            return False
        day, text = dialog.values
        return self._apply(desk.new_reminder(project_id, day, text, dialog.owner.currentData()),
                           tr("Ajouter une relance"))

    def reminder_done(self, uuid: str) -> bool:
        with self.workspace.db.read() as session:
            changes = desk.reminder_done(session, uuid, today())
        return self._apply(changes, tr("Relance faite"))

    def reminder_postponed(self, uuid: str) -> bool:
        with self.workspace.db.read() as session:
            changes = desk.reminder_postponed(session, uuid, today())
        return self._apply(changes, tr("Relance reportée d'une semaine"))

    # --- documents ---

    def choose_and_attach(self, subject_id: int, subject: str = "project") -> bool:
        names = " ".join(f"*{extension}" for extension in documents.FORMATS)
        paths, _filter = QFileDialog.getOpenFileNames(self.parent, tr("Joindre des documents"), "",
                                                      tr("Documents ({names})", names=names))
        return self.attach(subject_id, [Path(path) for path in paths], subject=subject) if paths else False

    def attach(self, subject_id: int, paths: list[Path], category: str | None = None,
               subject: str = "project") -> bool:
        """Attaches each file to a project (or an application, an organisation), each one an undo step; a refused
        one is said, the others still attached."""
        attached = False
        for path in paths:
            try:
                document = documents.read_document(path)
            except documents.DocumentRefused as refusal:
                QMessageBox.warning(self.parent, tr("Document refusé"), str(refusal))
                continue
            nature = category
            if nature is None:
                nature, chosen = QInputDialog.getItem(self.parent, tr("Nature du document"),
                                                      tr("Nature de « {name} » :", name=document.name),
                                                      [tr(c) for c in CATEGORIES], 0, True)
                if not chosen:
                    continue
            changes = documents.attach_changes(subject, subject_id, document, added_on=today(),
                                               author=current_officer() or current_actor(), category=nature.strip())
            attached = self._apply(changes, tr("Joindre « {name} »", name=document.name)) or attached
        return attached

    def open_document(self, uuid: str, name: str) -> bool:
        try:
            with self.workspace.db.read() as session:
                copy = documents.copy_to_open(session, uuid, name)
        except (PortfolioError, OSError) as error:
            QMessageBox.warning(self.parent, tr("Ouvrir le document"), str(error))
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(copy)))

    def delete_document(self, uuid: str) -> bool:
        with self.workspace.db.read() as session:
            stored = current_values(session, "document", uuid)
            changes = documents.removal_changes(session, uuid, stored)
        return self._apply(changes, tr("Retirer « {name} »", name=stored["name"]))
