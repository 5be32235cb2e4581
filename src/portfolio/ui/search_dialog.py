"""Ctrl+K: one search across names, acronyms, SIRET, cities and titles, grouped by record type."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from portfolio.domain.i18n import N_, tr, tr_n
from portfolio.domain.money import format_int
from portfolio.services import listing

from .workspace import Workspace

PER_GROUP = 8  # hits shown per type; a fuller group says how many more, and offers its list


class SearchDialog(QDialog):
    """Type, see results grouped by record type, Enter opens the highlighted record."""

    open_record = Signal(str, int)
    show_list = Signal(str, str)  # entity, text: "Tout voir" opens the list filtered on the text

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.setWindowTitle(tr("Rechercher"))
        self.resize(720, 480)
        layout = QVBoxLayout(self)
        self.field = QLineEdit()
        self.field.setObjectName("global_search")
        self.field.setPlaceholderText(tr("Nom, acronyme, SIRET, ville, titre… (Entrée ouvre la fiche)"))
        layout.addWidget(self.field)
        self.results = QTreeWidget()
        self.results.setHeaderHidden(True)
        self.results.setRootIsDecorated(False)
        self.results.itemActivated.connect(self._open)
        layout.addWidget(self.results, 1)
        self.status = QLabel()
        layout.addWidget(self.status)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(120)
        self.timer.timeout.connect(self.search)
        self.field.textChanged.connect(lambda _t: self.timer.start())
        self.field.returnPressed.connect(self._open_current)

    def search(self) -> None:
        """Runs the search for the typed text and shows grouped hits, the first one highlighted."""
        text = self.field.text().strip()
        self.results.clear()
        if not text:
            self.status.setText("")
            return
        with self.workspace.db.read() as session:
            groups = listing.search_all(session, text, limit=PER_GROUP)
            # a full group may hide more: say how many, and offer the whole list
            totals = {entity: listing.search_total(session, entity, text) if len(hits) == PER_GROUP else len(hits)
                      for entity, hits in groups}
        first = None
        count = 0
        for entity, hits in groups:
            label = listing.entity_label(entity)
            total = totals[entity]
            header = QTreeWidgetItem([label if total <= len(hits) else tr(
                "{label} — {shown} sur {total}", label=label, shown=len(hits), total=format_int(total))])
            font = header.font(0)
            font.setBold(True)
            header.setFont(0, font)
            header.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.results.addTopLevelItem(header)
            for hit in hits:
                item = QTreeWidgetItem([f"    {hit.title}" + (f"  —  {hit.subtitle}" if hit.subtitle else "")])
                item.setData(0, Qt.ItemDataRole.UserRole, (hit.entity, hit.id))
                self.results.addTopLevelItem(item)
                first = first or item
                count += 1
            if total > len(hits):
                more = QTreeWidgetItem([tr("    Tout voir : les {total} dans la liste « {label} » (Entrée)",
                                           total=format_int(total), label=label)])
                more.setData(0, Qt.ItemDataRole.UserRole, ("list", entity))
                font = more.font(0)
                font.setItalic(True)
                more.setFont(0, font)
                self.results.addTopLevelItem(more)
            count += total - len(hits)
        if first is not None:
            self.results.setCurrentItem(first)
        self.status.setText(tr_n(count, N_("{n} résultat"), N_("{n} résultats")) if count else tr("Aucun résultat."))

    def _open_current(self) -> None:
        if self.timer.isActive():  # Enter typed before the search ran: run it now
            self.timer.stop()
            self.search()
        item = self.results.currentItem()
        if item is not None:
            self._open(item)

    def _open(self, item: QTreeWidgetItem) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole)
        if data and data[0] == "list":
            self.show_list.emit(data[1], self.field.text().strip())
            self.accept()
        elif data:
            self.open_record.emit(*data)
            self.accept()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.field.hasFocus():
            self.results.setFocus()
            self.results.keyPressEvent(event)
            self.field.setFocus()
            return
        super().keyPressEvent(event)
