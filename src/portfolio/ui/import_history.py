"""The history of imports: every import written to this portfolio, and undoing any of them later.

Undoing runs off the UI thread through the door (``exchange.imports.undo_import``), as one new batch; it is
refused, with nothing written, when a record the import created or changed has been changed since.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int
from portfolio.exchange import imports
from portfolio.services.display import display

from .messages import report
from .tasks import BusyDialog, run_task
from .workspace import Workspace

IMPORTED_ENTITIES = {"organisation", "application", "application_partner", "project", "aid", "disbursement"}


class ImportHistoryDialog(BusyDialog):
    """The imports of this portfolio, the latest first; the selected one can be undone."""

    undone = Signal(str)  # the batch of an import just undone

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.history: list[imports.PastImport] = []
        self.busy = False
        self.last_error = ""
        self.setWindowTitle(tr("Historique des imports"))
        self.setObjectName("import_history")
        self.resize(1060, 560)
        layout = QVBoxLayout(self)
        layout.addWidget(self._label(tr("Les imports écrits dans cette base, du plus récent au plus ancien. Annuler "
                                        "un import supprime les fiches qu'il a créées et remet les valeurs qu'il a "
                                        "modifiées, sauf si elles ont été modifiées depuis.")))
        self.table = QTableWidget(0, 6)
        self.table.setObjectName("import_history_table")
        self.table.setHorizontalHeaderLabels([tr("Date"), tr("Fichier"), tr("Feuille"), tr("Par"),
                                              tr("Entrées du journal"), tr("État")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.table, 1)
        self.status = self._label()
        self.status.setObjectName("import_history_status")
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        if workspace.read_only:
            buttons.addWidget(self._label(tr("Base en lecture seule : aucun import ne peut être annulé."),
                                          "color: #5c4400;"))
        buttons.addStretch(1)
        self.undo_button = QPushButton(tr("Annuler cet import…"))
        self.undo_button.setObjectName("import_history_undo")
        self.undo_button.clicked.connect(self.undo_selected)
        close = QPushButton(tr("Fermer"))
        close.clicked.connect(self.close)
        for button in (self.undo_button, close):
            button.setMinimumWidth(140)
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout.addLayout(buttons)
        self.refresh()

    @staticmethod
    def _label(text: str = "", style: str = "") -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        if style:
            label.setStyleSheet(style)
        return label

    def refresh(self) -> None:
        """Reads the history again."""
        self.history = imports.import_history(self.workspace.db)
        self.table.setRowCount(len(self.history))
        for row, past in enumerate(self.history):
            record = past.record
            cells = [display("datetime", past.at_utc), record.file_name, record.sheets_shown, past.actor,
                     format_int(past.entries),
                     tr("Défait") if past.undone else tr("Importé")]
            for column, value in enumerate(cells):
                item = QTableWidgetItem(value)
                if column == 1:
                    item.setToolTip(tr("{file}\nSHA-256 : {sha}\nLot : {batch}", file=record.file_name,
                                       sha=record.sha256, batch=past.batch))
                if column == 4:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if past.undone:
                    item.setForeground(QColor("#6b7280"))
                self.table.setItem(row, column, item)
        if not self.history:
            self.status.setText(tr("Aucun import n'a encore été écrit dans cette base."))
        elif self.table.currentRow() < 0:
            self.table.selectRow(0)
        self._update_buttons()

    def selected(self) -> imports.PastImport | None:
        """The import selected in the list."""
        rows = self.table.selectionModel().selectedRows()
        return self.history[rows[0].row()] if rows else None

    def _update_buttons(self) -> None:
        past = self.selected()
        self.undo_button.setEnabled(past is not None and not past.undone and not self.busy
                                    and not self.workspace.read_only)

    def select_batch(self, batch: str) -> None:
        """Selects an import by its batch."""
        for row, past in enumerate(self.history):
            if past.batch == batch:
                self.table.selectRow(row)

    def undo_selected(self, confirm: bool = True) -> None:
        """Undoes the selected import (after asking), off the UI thread, as one new batch."""
        past = self.selected()
        if past is None or past.undone or self.busy or self.workspace.read_only:
            return
        file_name = past.record.file_name
        if confirm:
            answer = QMessageBox.question(self, tr("Annuler un import"), tr(
                "Annuler l'import de « {file} » du {at} (modifications : {n}) ?\nLes fiches qu'il a créées seront "
                "supprimées et les valeurs qu'il a modifiées remises comme avant.", file=file_name,
                at=display("datetime", past.at_utc), n=format_int(past.entries)))
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.busy = True
        self._update_buttons()
        db, batch = self.workspace.db, past.batch

        def done(_result: Any) -> None:
            self.busy = False
            self.workspace.import_undone(batch)  # its Ctrl+Z step, if any, has nothing left to undo
            self.workspace.changed.emit(set(IMPORTED_ENTITIES))
            self.refresh()
            self.select_batch(batch)
            self.status.setText(tr("L'import de « {file} » est annulé.", file=file_name))
            self.undone.emit(batch)

        def failed(exc: BaseException) -> None:
            self.busy = False
            self._update_buttons()
            self.last_error = str(exc) if isinstance(exc, PortfolioError) else tr("Erreur inattendue : {error}",
                                                                                    error=exc)
            if isinstance(exc, PortfolioError):
                self.last_error = tr("L'import de « {file} » n'a pas pu être annulé : {error}", file=file_name,
                                     error=exc)
                exc = PortfolioError(self.last_error)
            self.status.setText(self.last_error)
            report(self, exc)

        run_task(self, tr("Annulation de l'import de « {file} »", file=file_name),
                 lambda _progress, _cancelled: imports.undo_import(db, batch), done, failed, cancellable=False)

