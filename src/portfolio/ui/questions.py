"""Questions the application asks in a modal box, each behind one function so that a test can answer it (a
modal box would wait forever in a test) and so that the question is worded once."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from portfolio.domain.i18n import tr


def ask_unsaved(parent: QWidget, name: str) -> str:
    """Asks what to do with an editor's unsaved changes: "save", "discard" or "cancel" (Escape). Saving is the
    default button: Enter keeps what was typed."""
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Modifications non enregistrées"),
                      tr("« {name} » a des modifications non enregistrées.", name=name), parent=parent)
    box.setInformativeText(tr("Voulez-vous les enregistrer avant de fermer la fiche ?"))
    save = box.addButton(tr("Enregistrer"), QMessageBox.ButtonRole.AcceptRole)
    discard = box.addButton(tr("Ne pas enregistrer"), QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(save)
    box.setEscapeButton(cancel)
    box.exec()
    clicked = box.clickedButton()
    return "save" if clicked is save else "discard" if clicked is discard else "cancel"


def run_dialog(dialog: QDialog) -> int:
    """Runs a modal dialog and returns its result (a test answers it instead)."""
    return dialog.exec()


def confirm(parent: QWidget, title: str, text: str, yes: str, no: str) -> bool:
    """A yes/no question whose buttons say what they do; "no" (the safe answer) is the default and Escape."""
    box = QMessageBox(QMessageBox.Icon.Question, title, text, parent=parent)
    accept = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    refuse = box.addButton(no, QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(refuse)
    box.setEscapeButton(refuse)
    box.exec()
    return box.clickedButton() is accept
