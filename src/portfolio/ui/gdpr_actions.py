"""The GDPR actions of a contact's record: export everything held about the person, or erase them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QMenu, QMessageBox, QPushButton

from portfolio import APP_NAME
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .file_dialogs import ask_workbook_path
from .tasks import run_task

if TYPE_CHECKING:
    from .editor import RecordEditor


def gdpr_button(editor: RecordEditor) -> QPushButton:
    """A "RGPD" button whose menu exports or erases the person of this contact record."""
    button = QPushButton(tr("RGPD"))
    menu = QMenu(button)
    menu.addAction(tr("Exporter ses données (.xlsx)…"), lambda: export_person(editor))
    editor.erase_action = menu.addAction(tr("Effacer la personne…"), lambda: erase_person(editor))
    button.setMenu(menu)
    return button


def _person(editor: RecordEditor) -> Any:
    """Every contact record of the person: those with this record's email, or this record alone."""
    from portfolio.services.gdpr import person_of_contact

    assert editor.record_id is not None
    with editor.workspace.db.read() as session:
        return person_of_contact(session, editor.record_id)


def export_person(editor: RecordEditor) -> None:
    """Writes the person's records and history to a workbook chosen by the officer, in the background."""
    from portfolio.exchange.gdpr_workbook import write_person_workbook

    if editor.record_id is None:
        return
    try:
        person = _person(editor)
    except PortfolioError as error:
        QMessageBox.warning(editor, APP_NAME, str(error))
        return
    first = person.contacts[0]
    suggested = f"rgpd-{first['last_name']}-{first['first_name']}.xlsx".replace(" ", "-").replace("/", "-")
    target = ask_workbook_path(editor, tr("Exporter les données de la personne"), suggested)
    if target is None:
        return

    def done(_path: Any) -> None:
        QMessageBox.information(editor, APP_NAME, tr(
            "Les données de {names} ({n} fiche(s), {m} entrée(s) du journal) sont dans « {file} ».",
            names=person.names(), n=len(person.contacts), m=len(person.entries), file=str(target)))

    def failed(error: BaseException) -> None:
        QMessageBox.warning(editor, APP_NAME, str(error))

    run_task(editor, tr("Export RGPD"), lambda _p, _c: write_person_workbook(person, target), done, failed,
             cancellable=False)


def erase_person(editor: RecordEditor) -> bool:
    """Erases the person after a confirmation that says what goes and that it cannot be undone."""
    if editor.record_id is None:
        return False
    try:
        person = _person(editor)
    except PortfolioError as error:
        QMessageBox.warning(editor, APP_NAME, str(error))
        return False
    if not confirm_erasure(editor, person):
        return False
    try:
        result = editor.workspace.erase_person(person)
    except Exception as error:  # a full disk, a read-only file: said, nothing was written
        QMessageBox.critical(editor, APP_NAME, str(error))
        return False
    message = tr("{names} a été effacé(e) : {n} fiche(s), et les valeurs de {m} entrée(s) du journal.",
                 names=person.names(), n=result.contacts, m=result.entries)
    if result.documents:
        message += " " + tr("{n} document(s) les concernant supprimé(s).", n=result.documents)
    if not result.folded:
        message += "\n\n" + tr("Une autre fenêtre ou un autre programme lit la base : les anciennes valeurs restent "
                                "dans le fichier de la base lui-même (« {file} ») jusqu'à ce que ce lecteur la ferme "
                                "et que la base soit rouverte puis refermée.",
                                file=Path(str(editor.workspace.db.path)).name)
    QMessageBox.information(editor.parentWidget() or editor, APP_NAME, message)
    editor.dirty = False
    editor.close()
    return True


def _documents_said(person: Any) -> str:
    """The documents about the person, named in the question (they go with them)."""
    if not person.documents:
        return ""
    return "\n\n" + tr("Les documents joints qui les concernent sont supprimés aussi ({n}) : {names}.",
                         n=len(person.documents), names=", ".join(person.documents))


def confirm_erasure(editor: RecordEditor, person: Any) -> bool:
    """Asks before erasing, saying what goes and that it cannot be undone; "Annuler" is the default."""
    box = QMessageBox(QMessageBox.Icon.Warning, tr("Effacer la personne"), tr(
        "Effacer définitivement {names} : {n} fiche(s) contact, et leurs valeurs dans {m} entrée(s) du journal "
        "d'audit (la chaîne reste vérifiable) ?\n\nCet effacement ne s'annule pas, et l'historique des annulations "
        "(Ctrl+Z) de cette fenêtre est vidé. Les copies déjà prises (sauvegardes, fichiers mis de côté) "
        "contiennent encore ces données ; une sauvegarde restaurée plus tard est effacée de nouveau.",
        names=person.names(), n=len(person.contacts), m=len(person.entries)) + _documents_said(person),
        parent=editor)
    erase = box.addButton(tr("Effacer définitivement"), QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(tr("Annuler"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    box.exec()
    return box.clickedButton() is erase
