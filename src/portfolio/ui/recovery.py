"""Backups in the window: choosing one to restore (Fichier > Restaurer une sauvegarde…, or when a damaged file
is opened), and the quiet copy taken when a database is opened for writing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QEventLoop, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.db.database import DamagedDatabaseError
from portfolio.db.seal import backups_dir
from portfolio.domain.dates import format_datetime
from portfolio.domain.i18n import tr
from portfolio.services.backups import Backup, list_backups, restore_backup, take_backup

from .tasks import Task, pool, run_task

_copying: set[Task] = set()  # kept alive until their signals are delivered (see ui.tasks.Task)


def size_text(size: int) -> str:
    """A file size the French way: "842 Ko", "12,4 Mo"."""
    if size < 1024 * 1024:
        return tr("{n} Ko", n=max(1, round(size / 1024)))
    return tr("{n} Mo", n=f"{size / 1024 / 1024:.1f}".replace(".", ","))


class BackupsDialog(QDialog):
    """The automatic copies of one database, newest first; ``chosen`` is the one to restore.

    For a damaged file, ``damage`` is the reason it was refused: the dialog says so, and says that the file
    will be kept aside, untouched."""

    def __init__(self, path: Path, parent: QWidget | None = None, damage: str = "") -> None:
        super().__init__(parent)
        self.path = path
        self.chosen: Backup | None = None
        self.backups = list_backups(path)
        self.setWindowTitle(tr("Restaurer une sauvegarde"))
        self.resize(720, 420)
        layout = QVBoxLayout(self)
        intro = QLabel()
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        if damage:
            text = damage + "\n\n" + tr("Restaurer une sauvegarde remplace ce fichier par la copie choisie ; le "
                                        "fichier endommagé est mis de côté, intact, dans le même dossier.")
        else:
            text = tr("Restaurer une sauvegarde remplace « {name} » par la copie choisie. Le fichier actuel est mis "
                      "de côté, intact, dans le même dossier : rien n'est supprimé.", name=path.name)
        if not self.backups:
            text += "\n\n" + tr("Aucune sauvegarde automatique n'a été trouvée dans « {folder} ».",
                                folder=str(backups_dir(path)))
        intro.setText(text)
        layout.addWidget(intro)
        self.table = QTableWidget(len(self.backups), 3)
        self.table.setHorizontalHeaderLabels([tr("Prise le"), tr("Occasion"), tr("Taille")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        for row, backup in enumerate(self.backups):
            cells = [format_datetime(backup.taken_at, seconds=True), backup.reason_label(), size_text(backup.size)]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 2:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, item)
        self.table.setColumnWidth(0, 190)
        self.table.setColumnWidth(2, 110)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self.accept())
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox()
        self.restore_button = QPushButton(tr("Restaurer la sauvegarde choisie"))
        buttons.addButton(self.restore_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep = False  # the officer keeps the damaged file as it is (checked first: offer_recovery)
        if damage:
            keep = QPushButton(tr("Garder le fichier tel quel…"))
            keep.setToolTip(tr("Si ce changement vient de vous (un autre programme) : le fichier est vérifié "
                               "(SQLite et la chaîne d'audit), puis ouvert tel qu'il est."))
            keep.clicked.connect(self._keep)
            buttons.addButton(keep, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(QPushButton(tr("Annuler")), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.restore_button.setEnabled(bool(self.backups))
        if self.backups:
            self.table.selectRow(0)

    def _keep(self) -> None:
        self.keep = True
        QDialog.accept(self)

    def accept(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        self.chosen = self.backups[rows[0].row()]
        super().accept()


def restore_chosen(parent: QWidget | None, path: Path, backup: Backup, why: str) -> bool:
    """Puts ``backup`` in place of ``path`` (closed by the caller), saying where the replaced file went."""
    try:
        aside = restore_backup(path, backup.path, why)
    except Exception as error:  # a full disk, a locked file: said, and the database stays as it was
        QMessageBox.critical(parent, APP_NAME, str(error))
        return False
    where = tr(" Le fichier remplacé est gardé sous « {name} ».", name=aside.name) if aside else ""
    QMessageBox.information(parent, APP_NAME, tr("La sauvegarde du {date} a été restaurée.", date=format_datetime(
        backup.taken_at)) + where)
    return True


def offer_recovery(parent: QWidget | None, error: DamagedDatabaseError) -> bool:
    """For a file refused as damaged: offers to restore one of its backups (the damaged file is moved aside,
    untouched). True when a backup was restored, so the caller opens the file again."""
    dialog = BackupsDialog(error.path, parent, damage=str(error))
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return False
    if dialog.keep:
        return keep_as_is(parent, error.path)
    return dialog.chosen is not None and restore_chosen(parent, error.path, dialog.chosen, "endommagee")


def keep_as_is(parent: QWidget | None, path: Path) -> bool:
    """Accepts a file changed outside the application when SQLite's checks and the audit chain find it sound
    (the seal is written again), checked in the background; otherwise says what is wrong and keeps refusing
    it."""
    from portfolio.db.seal import accept_as_is
    from portfolio.services.integrity import check_file

    def work(_progress: Any, _cancelled: Any) -> list[str]:
        report = check_file(path)
        if not report.sound:
            return report.problems(seal=False)[:10]
        if not accept_as_is(path):
            return [tr("son sceau n'a pas pu être écrit dans « {folder} » : vérifiez que ce dossier accepte "
                       "l'écriture et que la base n'est ouverte nulle part ailleurs.", folder=str(backups_dir(path)))]
        return []

    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def finished(value: Any) -> None:
        outcome["problems"] = value if isinstance(value, list) else [str(value)]
        loop.quit()

    run_task(parent, tr("Vérification de {name}", name=path.name), work, finished, finished, cancellable=False)
    loop.exec()
    problems = outcome["problems"]
    if problems:
        QMessageBox.warning(parent, APP_NAME, tr("Le fichier ne peut pas être gardé tel quel : {problems}",
                                                 problems="\n".join(problems)))
    return not problems


def backup_at_open(path: Path, on_failed: Any) -> Task | None:
    """Takes the copy "at open" in the background, unless nothing changed since the newest copy; a failure
    (a full disk) is passed to ``on_failed`` as a message: the officer keeps working."""
    from portfolio.services.backups import changed_since_last_backup

    def work(_progress: Any, _cancelled: Any) -> None:
        if changed_since_last_backup(path):
            take_backup(path, "ouverture")

    task = Task(work)
    task.signals.done.connect(lambda _value: _copying.discard(task))
    def failed(exc: BaseException) -> None:
        _copying.discard(task)
        on_failed(str(exc))

    task.signals.failed.connect(failed)
    _copying.add(task)
    pool().start(task)
    return task
