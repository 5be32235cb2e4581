"""One screen per record type: a search field, filters, saved views, and the lazily loaded table."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int
from portfolio.services import listing

from .table_model import RecordTableModel
from .workspace import ReadOnlyError, Workspace

SEARCH_DELAY_MS = 150
RESELECT = 200  # after a change, at most this many selected rows are selected again
SELECT_ROW = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
EDITABLE = {"call", "application", "project", "organisation", "contact", "disbursement", "milestone"}


# the longest value of a kind that is read whole: a column of that kind is never narrowed below it
_WHOLE = {"date": "28/11/2026", "datetime": "28/11/2026 20:31:07"}

class StayOpenMenu(QMenu):
    """A filter's menu: ticking a value applies it and leaves the menu open, so that several values can be
    ticked in a row (Qt's menus close on every click)."""

    def mouseReleaseEvent(self, event: Any) -> None:
        action = self.activeAction()
        if action is not None and action.isEnabled() and action.isCheckable():
            action.trigger()
            return
        super().mouseReleaseEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        action = self.activeAction()
        if (event.key() in (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter) and action is not None
                and action.isEnabled() and action.isCheckable()):
            action.trigger()
            return
        super().keyPressEvent(event)


class RecordTablePage(QWidget):
    """The list of one entity's records."""

    open_record = Signal(str, int)  # entity, id
    new_record = Signal(str)

    def __init__(self, workspace: Workspace, entity: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.entity = entity
        self.model = RecordTableModel(workspace, entity)
        self.filters: dict[str, tuple] = {}
        self.exported: Path | None = None  # the last workbook this list was exported to

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        title = QLabel(f"<h2 style='margin:0'>{listing.entity_label(entity)}</h2>")
        layout.addWidget(title)

        bar = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(listing.search_hint(entity))
        self.search.setToolTip(listing.search_hint(entity))
        self.search.setClearButtonEnabled(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(SEARCH_DELAY_MS)
        self.timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _text: self.timer.start())
        bar.addWidget(self.search, 3)
        self.filter_buttons: dict[str, QToolButton] = {}
        for key, label in listing.filter_keys(entity):
            button = QToolButton()
            button.setText(label)
            button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
            button.setMenu(StayOpenMenu(button))
            button.menu().aboutToShow.connect(lambda key=key, button=button: self._fill_filter_menu(key, button))
            self.filter_buttons[key] = button
            bar.addWidget(button)
        self.views = QComboBox()
        self.views.setToolTip(tr("Vues enregistrées"))
        self.views.setMinimumContentsLength(14)
        self.views.activated.connect(self._view_chosen)
        bar.addWidget(self.views)
        save_view = QPushButton(tr("Enregistrer la vue…"))
        save_view.clicked.connect(self.save_view)
        bar.addWidget(save_view)
        self.manage_views = QToolButton()
        self.manage_views.setText(tr("Vues"))
        self.manage_views.setToolTip(tr("Renommer ou supprimer la vue choisie"))
        self.manage_views.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        views_menu = QMenu(self.manage_views)
        views_menu.addAction(tr("Renommer la vue…"), self.rename_view)
        views_menu.addAction(tr("Supprimer la vue…"), self.delete_view)
        self.manage_views.setMenu(views_menu)
        bar.addWidget(self.manage_views)
        layout.addLayout(bar)

        actions = QHBoxLayout()
        self.count = QLabel()
        actions.addWidget(self.count, 1)
        self.new_button = QPushButton(tr("Nouvelle fiche"))
        self.new_button.clicked.connect(lambda: self.new_record.emit(entity))
        self.bulk_button = QPushButton(tr("Modifier la sélection…"))
        self.bulk_button.clicked.connect(self.bulk_edit)
        self.delete_button = QPushButton(tr("Supprimer…"))
        self.delete_button.clicked.connect(self.delete_selected)
        for action in (self.new_button, self.bulk_button, self.delete_button):
            actions.addWidget(action)
            action.setVisible(entity in EDITABLE)
        self.export_button = QPushButton(tr("Exporter (.xlsx)…"))
        self.export_button.setToolTip(tr("Enregistrer toutes les lignes de cette liste, avec sa recherche, ses filtres "
                                         "et son tri, dans un classeur"))
        self.export_button.clicked.connect(lambda: self.export_list())
        actions.addWidget(self.export_button)
        layout.addLayout(actions)

        self.view = QTableView()
        self.view.setObjectName(f"table_{entity}")
        self.view.setModel(self.model)
        # the indicator first: enabling sorting sorts at once by it (Qt's default would be descending)
        newest_first = listing.opens_newest_first(entity)  # the journal: the last change on top
        self.view.horizontalHeader().setSortIndicator(
            0, Qt.SortOrder.DescendingOrder if newest_first else Qt.SortOrder.AscendingOrder)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.view.setWordWrap(False)
        self.view.setAlternatingRowColors(True)
        for column, spec in enumerate(self.model.columns):
            self.view.setColumnWidth(column, spec.width)
        self._hide_columns()
        self.model.modelReset.connect(self._hide_columns)  # a reset shows every section again
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.doubleClicked.connect(lambda index: self.open_record.emit(entity, self.model.id_at(index.row())))
        for enter in (Qt.Key.Key_Return, Qt.Key.Key_Enter):  # Entrée opens the current row's record, as a double-click
            opening = QAction(self.view)
            opening.setShortcut(QKeySequence(enter))
            opening.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            opening.triggered.connect(self._open_current)
            self.view.addAction(opening)
        copy = QAction(tr("Copier"), self.view)
        copy.setShortcut(QKeySequence.StandardKey.Copy)
        copy.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        copy.triggered.connect(self.copy_selection)
        self.view.addAction(copy)
        layout.addWidget(self.view, 1)
        workspace.changed.connect(self._changed)
        self._load_views()
        self.update_count()
        self.set_read_only(workspace.read_only)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if not getattr(self, "fitted", False):
            self.fitted = True
            QTimer.singleShot(0, self.fit_columns)  # once laid out: the viewport has its width then

    def fit_columns(self) -> None:
        """Columns narrowed in proportion when they are wider together than the list, each kept at least as
        wide as its header (a date as wide as a date: it is read whole), so that the last one is not cut off at
        1366 pixels."""
        header = self.view.horizontalHeader()
        shown = [c for c in range(self.model.columnCount()) if not self.view.isColumnHidden(c)]
        available = self.view.viewport().width() - 2
        total = sum(self.model.columns[c].width for c in shown)
        if not shown or total <= available:
            return
        metrics = header.fontMetrics()
        cells = self.view.fontMetrics()
        least = {c: max(metrics.horizontalAdvance(self.model.columns[c].label),
                        cells.horizontalAdvance(_WHOLE.get(self.model.columns[c].kind, ""))) + 28 for c in shown}
        spare = available - sum(least.values())
        if spare <= 0:
            widths = least
        else:
            extra = {c: max(0, self.model.columns[c].width - least[c]) for c in shown}
            share = spare / max(1, sum(extra.values()))
            widths = {c: least[c] + int(extra[c] * min(1.0, share)) for c in shown}
        for column, width in widths.items():
            self.view.setColumnWidth(column, width)

    def _open_current(self) -> None:
        index = self.view.currentIndex()
        if index.isValid():
            self.open_record.emit(self.entity, self.model.id_at(index.row()))

    def _hide_columns(self) -> None:
        for column, spec in enumerate(self.model.columns):
            self.view.setColumnHidden(column, spec.hidden)

    # --- search, filters, views -------------------------------------------------------------------

    def apply_search(self) -> None:
        self.model.set_query(search=self.search.text())
        self.update_count()

    def _fill_filter_menu(self, key: str, button: QToolButton) -> None:
        menu = button.menu()
        menu.clear()
        with self.workspace.db.read() as session:
            options = listing.filter_options(session, self.entity, key)
        chosen = set(self.filters.get(key, ()))
        clear = menu.addAction(tr("Tout afficher"))
        clear.triggered.connect(lambda: self.set_filter(key, ()))
        menu.addSeparator()
        for value, label in options:
            action = menu.addAction(label)
            action.setCheckable(True)
            action.setChecked(value in chosen)
            action.toggled.connect(lambda checked, value=value: self._toggle_filter(key, value, checked))

    def _toggle_filter(self, key: str, value: Any, checked: bool) -> None:
        values = [v for v in self.filters.get(key, ()) if v != value] + ([value] if checked else [])
        self.set_filter(key, tuple(values))

    def set_filter(self, key: str, values: tuple) -> None:
        """Keeps only records whose ``key`` is one of ``values`` (no values: no filter on ``key``)."""
        if values:
            self.filters[key] = values
        else:
            self.filters.pop(key, None)
        button = self.filter_buttons.get(key)
        if button is not None:
            label = dict(listing.filter_keys(self.entity))[key]
            button.setText(f"{label} ({len(values)})" if values else label)
            font = button.font()
            font.setBold(bool(values))
            button.setFont(font)
        self.model.set_query(filters=dict(self.filters))
        self.update_count()

    def replace_filters(self, filters: dict[str, tuple]) -> None:
        """Keeps exactly these filters (key -> values), the search emptied: the list a dashboard click asks for."""
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.model.set_query(search="")
        for key in list(self.filter_buttons):
            self.set_filter(key, tuple(filters.get(key, ())))

    def _load_views(self) -> None:
        from portfolio.services.views import as_query, saved_views

        self._adopt_old_views()
        self.views.clear()
        self.views.addItem(tr("Vues…"), None)
        for name, view in sorted(saved_views().get(self.entity, {}).items()):
            try:
                as_query(self.entity, view)
            except PortfolioError:  # a view the list no longer understands (a filter gone): not offered
                continue
            self.views.addItem(name, view)

    def _adopt_old_views(self) -> None:
        """Views saved by earlier versions in Qt's settings move to the views file (the command line's too)."""
        from portfolio.services.views import as_query, save_view, saved_views

        settings = QSettings()
        key = f"views/{self.entity}"
        stored = settings.value(key)
        if not stored:
            return
        try:
            old = json.loads(str(stored))
            mine = saved_views().get(self.entity, {})
            for name, view in old.items() if isinstance(old, dict) else ():
                if name not in mine and isinstance(view, dict):
                    save_view(self.entity, name, as_query(self.entity, view))
        except (ValueError, PortfolioError):
            return  # kept where it is: tried again next time
        settings.remove(key)

    def save_view(self) -> None:
        """Saves the current search, filters and sort under a name."""
        from PySide6.QtWidgets import QMessageBox

        from portfolio.services.views import save_view

        name, ok = QInputDialog.getText(self, tr("Enregistrer la vue"), tr("Nom de la vue :"))
        if not ok or not name.strip():
            return
        query = self.model.query
        try:
            save_view(self.entity, name.strip(), listing.ListQuery(
                self.entity, self.search.text(), dict(self.filters), query.sort, query.descending))
        except PortfolioError as error:
            QMessageBox.warning(self, tr("Enregistrer la vue"), str(error))
            return
        self._load_views()

    def _chosen_view(self) -> str | None:
        return self.views.currentText() if self.views.currentData() else None

    def rename_view(self, new_name: str | None = None) -> None:
        """Renames the view chosen in the list of views (asks for the new name)."""
        from portfolio.services.views import rename_view

        old = self._chosen_view()
        if old is None:
            QMessageBox.information(self, tr("Renommer la vue"), tr("Choisissez d'abord une vue dans la liste."))
            return
        if new_name is None:
            new_name, ok = QInputDialog.getText(self, tr("Renommer la vue"), tr("Nouveau nom :"), text=old)
            if not ok:
                return
        try:
            rename_view(self.entity, old, new_name)
        except PortfolioError as error:
            QMessageBox.warning(self, tr("Renommer la vue"), str(error))
            return
        self._load_views()
        self.views.setCurrentIndex(self.views.findText(new_name.strip()))

    def delete_view(self, confirmed: bool = False) -> None:
        """Deletes the view chosen in the list of views, after asking."""
        from portfolio.services.views import delete_view

        name = self._chosen_view()
        if name is None:
            QMessageBox.information(self, tr("Supprimer la vue"), tr("Choisissez d'abord une vue dans la liste."))
            return
        if not confirmed and QMessageBox.question(
                self, tr("Supprimer la vue"), tr("Supprimer la vue « {name} » ? Les fiches ne changent pas.",
                                                 name=name),
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.No) != QMessageBox.StandardButton.Yes:
            return
        delete_view(self.entity, name)
        self._load_views()

    def _view_chosen(self, index: int) -> None:
        view = self.views.itemData(index)
        if not view:
            return
        self.filters = {k: tuple(v) for k, v in view.get("filters", {}).items()}
        for key in self.filter_buttons:
            self.set_filter(key, self.filters.get(key, ()))
        self.search.blockSignals(True)
        self.search.setText(view.get("search", ""))
        self.search.blockSignals(False)
        self.model.set_query(search=view.get("search", ""), filters=dict(self.filters), sort=view.get("sort"),
                             descending=bool(view.get("descending")))
        self.update_count()

    def update_count(self) -> None:
        total = self.model.rowCount()
        self.count.setText(tr("{n} enregistrements", n=format_int(total)) if total > 1
                           else tr("{n} enregistrement", n=format_int(total)))

    # --- export ------------------------------------------------------------------------------------------

    def export_list(self, destination: Path | None = None) -> None:
        """Writes every row of the list as it stands (search, filters, sort) to a workbook, in the background."""
        from datetime import date

        from PySide6.QtWidgets import QMessageBox

        from portfolio.exchange.list_workbook import write_list_workbook

        from .file_dialogs import ask_workbook_path
        from .tasks import run_task

        if destination is None:
            destination = ask_workbook_path(self, tr("Exporter la liste"),
                                            f"{self.entity}-{date.today().isoformat()}.xlsx")
            if destination is None:
                return
        query = self.model.query
        target = destination

        def work(_progress: Any, _cancelled: Any) -> int:
            with self.workspace.db.read() as session:
                return write_list_workbook(session, query, target)

        def done(count: int) -> None:
            self.exported = target
            self.count.setText(tr("{n} lignes enregistrées dans {file}", n=format_int(count), file=target.name))

        def failed(error: BaseException) -> None:
            QMessageBox.warning(self, tr("Export impossible"), str(error))

        run_task(self, tr("Export de la liste…"), work, done, failed, cancellable=False)

    # --- actions -------------------------------------------------------------------------------------

    def selected_rows(self) -> list[int]:
        return sorted({index.row() for index in self.view.selectionModel().selectedRows()})

    def copy_selection(self) -> None:
        """Copies the selected rows (or cells) as tab-separated text."""
        indexes = self.view.selectionModel().selectedIndexes()
        if not indexes:
            return
        rows = sorted({i.row() for i in indexes})
        columns = sorted({i.column() for i in indexes})
        QGuiApplication.clipboard().setText(self.model.tsv(rows, columns))

    def bulk_edit(self) -> None:
        rows = self.selected_rows()
        if not rows:
            QMessageBox.information(self, tr("Modifier la sélection"), tr("Sélectionnez d'abord des lignes."))
            return
        from .bulk_edit import BulkEditDialog  # imported on first use

        dialog = BulkEditDialog(self.workspace, self.entity, [self.model.id_at(r) for r in rows], self)
        dialog.exec()

    def delete_selected(self) -> None:
        from .deletion import delete_records  # small module, imported on first use

        rows = self.selected_rows()
        if not rows:
            return
        try:
            if delete_records(self, self.workspace, self.entity, [self.model.id_at(r) for r in rows],
                              lambda entity, record_id: self.open_record.emit(entity, record_id)):
                window = self.window()
                if hasattr(window, "say"):
                    from portfolio.services.display import counted

                    window.say(tr("Supprimé : {what}", what=counted(self.entity, len(rows))))
        except (PortfolioError, ReadOnlyError) as exc:
            QMessageBox.warning(self, tr("Suppression impossible"), str(exc))

    def _changed(self, entities: set[str]) -> None:
        if self.entity in entities or self.entity == "audit" or entities & {"organisation", "application", "project"}:
            # keep the user's place: the selected records (the first RESELECT) and the first visible one
            selected = [self.model.id_at(r) for r in self.selected_rows()[:RESELECT]]
            top_row = self.view.rowAt(0)
            top = self.model.id_at(top_row) if top_row >= 0 else None
            self.model.refresh()
            self.update_count()
            if top is not None and (row := self.model.row_of(top)) >= 0:
                self.view.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtTop)
            selection = self.view.selectionModel()
            for record_id in selected:
                if (row := self.model.row_of(record_id)) >= 0:
                    selection.select(self.model.index(row, 0), SELECT_ROW)

    def set_read_only(self, read_only: bool) -> None:
        for button in (self.new_button, self.bulk_button, self.delete_button):
            button.setEnabled(not read_only)
