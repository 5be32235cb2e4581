"""The import wizard: a workbook or CSV file -> its sheet -> the mapping of its columns -> the preview of what
would change -> the import, as one undo step.

Reading the file and computing the plan run off the UI thread (``tasks.run_task``) behind a progress dialog
with a cancel button; applying goes through ``Workspace.apply_import``. Nothing is written before the last
step, and the import can be undone later from Fichier > Historique des imports. What the pages show and the
choices they make are computed without Qt (exchange.preview): this module puts them on screen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QColor, QGuiApplication, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_int
from portfolio.exchange import imports, preview
from portfolio.exchange.mapping import BUILT_IN, FIELDS
from portfolio.exchange.plan import ImportCancelled, ImportPlan
from portfolio.exchange.preview import (
    SAMPLE_WIDTH,
    NoTable,
    Preview,
    WholeWorkbook,
    confidence_mark,
    make_preview,
    prepare_file,
    profile_text,
    read_whole_workbook,
)
from portfolio.exchange.table import column_name
from portfolio.exchange.working_import import looks_like_working_workbook

from . import questions
from .file_dialogs import IMPORT_SUFFIXES
from .messages import report
from .tasks import BusyDialog, run_task
from .workspace import Workspace

IMPORT_FILTER = N_("Classeurs et fichiers CSV (*.xlsx *.xlsm *.xls *.ods *.csv)")
STEPS = (N_("Fichier"), N_("Correspondance des colonnes"), N_("Aperçu"), N_("Importer"))
ERROR_STYLE = "color: #b42318;"
NOTE_STYLE = "color: #4a5568;"
DONE_STYLE = "background: #e7f6ec; color: #14532d; padding: 10px; border: 1px solid #a6d8b8; border-radius: 4px;"
CONFIDENCE_COLOURS = {"high": "#15803d", "medium": "#b45309", "low": "#b42318", "manual": "#1d4ed8"}


def is_importable(path: str | Path) -> bool:
    """True for the kinds of files the wizard reads (by their extension)."""
    return Path(path).suffix.lower() in IMPORT_SUFFIXES


def counts_table(plan: ImportPlan) -> QTableWidget:
    """Records created and updated per type of record."""
    rows, created, updated = preview.counts(plan)
    table = QTableWidget(len(rows) + 1, 3)
    table.setObjectName("counts")
    table.setHorizontalHeaderLabels([tr("Type de fiche"), tr("Créées"), tr("Modifiées")])
    for row, (label, created_count, updated_count) in enumerate(rows):
        table.setItem(row, 0, QTableWidgetItem(label))
        for column, count in ((1, created_count), (2, updated_count)):
            table.setItem(row, column, _number_item(count))
    total = QTableWidgetItem(tr("Total"))
    font = total.font()
    font.setBold(True)
    total.setFont(font)
    table.setItem(len(rows), 0, total)
    for column, count in ((1, created), (2, updated)):
        item = _number_item(count)
        item.setFont(font)
        table.setItem(len(rows), column, item)
    _read_only_table(table)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in (1, 2):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    table.setFixedHeight(table.horizontalHeader().sizeHint().height() + table.verticalHeader().length()
                         + 2 * table.frameWidth() + 2)
    return table


def _number_item(value: int) -> QTableWidgetItem:
    item = QTableWidgetItem(format_int(value))
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


def _read_only_table(table: QTableWidget) -> None:
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)


def fill_table(table: QTableWidget, headers: list[str], rows: Sequence[Sequence[str]], stretch: int) -> None:
    """Fills a read-only detail table; column ``stretch`` takes the remaining width."""
    table.clear()
    table.setColumnCount(len(headers))
    table.setRowCount(len(rows))
    table.setHorizontalHeaderLabels(headers)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            item = QTableWidgetItem(value)
            if len(value) > SAMPLE_WIDTH:
                item.setToolTip(value)
            table.setItem(r, c, item)
    for c, title in enumerate(headers):
        header_item = table.horizontalHeaderItem(c)
        if header_item is not None:
            header_item.setToolTip(title)
    header = table.horizontalHeader()
    header.setTextElideMode(Qt.TextElideMode.ElideRight)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for c in range(len(headers)):
        mode = QHeaderView.ResizeMode.Stretch if c == stretch else QHeaderView.ResizeMode.Interactive
        header.setSectionResizeMode(c, mode)
    table.resizeColumnsToContents()
    for c in range(len(headers)):
        if c != stretch:
            table.setColumnWidth(c, min(table.columnWidth(c), 320))


def _label(text_: str = "", style: str = "", wrap: bool = True) -> QLabel:
    label = QLabel(text_)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if style:
        label.setStyleSheet(style)
    return label


# --- the pages -----------------------------------------------------------------------------------------


class FilePage(QWidget):
    """Step 1: the file, its sheet, where its table starts and which format it is."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addWidget(_label(tr("Choisissez le classeur (Excel, LibreOffice) ou le fichier CSV à importer. "
                                   "Rien n'est écrit dans la base avant la dernière étape.")))
        form = QFormLayout()
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setObjectName("import_path")
        self.path.setPlaceholderText(tr("Chemin du fichier, ou déposez-le sur la fenêtre principale"))
        self.browse = QPushButton(tr("Parcourir…"))
        self.browse.setObjectName("import_browse")
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        form.addRow(tr("Fichier :"), row)
        self.sheet = QComboBox()
        self.sheet.setObjectName("import_sheet")
        self.sheet.setMinimumWidth(320)
        self.sheet.setEnabled(False)
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet)
        sheet_row.addStretch(1)
        form.addRow(tr("Feuille :"), sheet_row)
        self.header_row = _label()
        self.header_row.setObjectName("import_header_row")
        form.addRow(tr("Tableau :"), self.header_row)
        self.profile = _label()
        self.profile.setObjectName("import_profile")
        form.addRow(tr("Format :"), self.profile)
        layout.addLayout(form)
        self.status = _label(style=NOTE_STYLE)
        self.status.setObjectName("import_status")
        layout.addWidget(self.status)
        self.preview_title = _label(tr("<b>Premières lignes du tableau</b>"))
        layout.addWidget(self.preview_title)
        self.preview = QTableWidget()
        self.preview.setObjectName("import_file_preview")
        _read_only_table(self.preview)
        layout.addWidget(self.preview, 1)
        layout.addStretch(0)  # takes the room of the hidden preview: the form stays at the top
        self.body = layout
        self.show_nothing()

    def show_nothing(self) -> None:
        self.header_row.setText("—")
        self.profile.setText("—")
        self.preview_title.setVisible(False)
        self.preview.setVisible(False)
        self.body.setStretch(self.body.count() - 1, 1)

    def show_whole(self, whole: WholeWorkbook) -> None:
        """Shows a working workbook read whole: its record sheets and lines."""
        self.header_row.setText(preview.whole_table_text(whole.preview.plan))
        self.profile.setText(tr("Classeur de travail du portefeuille : toutes ses feuilles sont importées, chaque "
                                "fiche garde son identifiant (colonne « uuid »)."))
        self.preview_title.setVisible(False)
        self.preview.setVisible(False)
        self.body.setStretch(self.body.count() - 1, 1)

    def show_prepared(self, prepared: imports.Prepared) -> None:
        """Shows what was read: the header row, the format, the first rows."""
        self.header_row.setText(preview.table_text(prepared))
        self.profile.setText(profile_text(prepared.mapping.profile))
        numbers, rows = preview.first_rows(prepared.table)
        fill_table(self.preview, list(prepared.table.headers), rows, stretch=-1)
        self.preview.setVerticalHeaderLabels(numbers)
        self.preview.verticalHeader().setVisible(True)
        self.preview_title.setVisible(True)
        self.preview.setVisible(True)
        self.body.setStretch(self.body.count() - 1, 0)


class MappingPage(QWidget):
    """Step 2: which field each column fills, the default call, and the name to save the mapping under."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.prepared: imports.Prepared | None = None
        self.manual: set[int] = set()
        self.combos: list[QComboBox] = []
        layout = QVBoxLayout(self)
        layout.addWidget(_label(tr("Vérifiez le champ du portefeuille que remplit chaque colonne du fichier. Les "
                                   "colonnes ignorées ne sont pas lues. Confiance : ●●● sûre, ●●○ probable, "
                                   "●○○ à vérifier.")))
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("import_mapping")
        self.table.setHorizontalHeaderLabels([tr("Colonne du fichier"), tr("Exemples de valeurs"),
                                              tr("Champ du portefeuille"), tr("Confiance")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(3, QHeaderView.ResizeMode.Fixed)
        layout.addWidget(self.table, 1)
        self.notice = _label(style=NOTE_STYLE)
        self.notice.setObjectName("import_mapping_notice")
        layout.addWidget(self.notice)
        form = QFormLayout()
        self.call = QComboBox()
        self.call.setObjectName("import_call")
        self.call.setMinimumWidth(480)
        self.call.currentIndexChanged.connect(self._call_changed)
        call_row = QHBoxLayout()
        call_row.addWidget(self.call)
        call_note = _label(tr("pour les lignes dont le fichier ne donne pas l'appel"), NOTE_STYLE)
        call_row.addWidget(call_note, 1)
        form.addRow(tr("Appel par défaut :"), call_row)
        self.calls_button = QPushButton(tr("Associer les appels du fichier…"))
        self.calls_button.setObjectName("import_calls")
        self.calls_button.clicked.connect(self.associate_calls)
        self.calls_status = _label(style=NOTE_STYLE)
        self.calls_status.setObjectName("import_calls_status")
        calls_row = QHBoxLayout()
        calls_row.addWidget(self.calls_button)
        calls_row.addWidget(self.calls_status, 1)
        form.addRow(tr("Appels du fichier :"), calls_row)
        self.form = form
        self.calls_row = form.rowCount() - 1
        self.calls: list[tuple[str, str]] = []
        self.profile_name = QLineEdit()
        self.profile_name.setObjectName("import_profile_name")
        self.profile_name.setPlaceholderText(tr("par exemple : Bpifrance, ANR, Région Bretagne (facultatif)"))
        self.profile_name.setToolTip(tr("Enregistrée à l'import : elle sera proposée d'elle-même pour les "
                                        "prochains fichiers ayant les mêmes colonnes."))
        form.addRow(tr("Enregistrer cette correspondance pour :"), self.profile_name)
        layout.addLayout(form)

    def set_calls(self, calls: list[tuple[str, str]]) -> None:
        """The calls offered as the default call: (code, label)."""
        self.calls = list(calls)
        self.call.blockSignals(True)
        self.call.clear()
        self.call.addItem(tr("— aucun —"), None)
        for code, label in calls:
            self.call.addItem(f"{code} — {label}", code)
        self.call.blockSignals(False)

    def show_prepared(self, prepared: imports.Prepared) -> None:
        """One row per column of the file, with the mapping found."""
        self.prepared = prepared
        self.manual = set()
        self.combos = []
        table, mapping = prepared.table, prepared.mapping
        self.table.setRowCount(len(table.headers))
        for column, header in enumerate(table.headers):
            letter = column_name(table.first_column + column)
            name = QTableWidgetItem(f"{letter} · {header}")
            name.setToolTip(header)
            self.table.setItem(column, 0, name)
            samples = preview.column_samples(table, column)
            example = QTableWidgetItem("  ·  ".join(samples) if samples else tr("(vide)"))
            example.setToolTip("\n".join(samples))
            if not samples:
                example.setForeground(QColor("#6b7280"))
            self.table.setItem(column, 1, example)
            combo = QComboBox()
            combo.addItem(tr("— ignorer —"), None)
            for key, label in FIELDS.items():
                combo.addItem(tr(label), key)
            combo.setCurrentIndex(max(combo.findData(mapping.columns.get(column)), 0))
            combo.currentIndexChanged.connect(lambda _i, column=column: self._field_changed(column))
            combo.setMaxVisibleItems(len(FIELDS) + 1)
            self.table.setCellWidget(column, 2, combo)
            self.combos.append(combo)
            self.table.setItem(column, 3, QTableWidgetItem())
            self._show_confidence(column)
        self.table.resizeColumnToContents(0)
        self.table.setColumnWidth(0, min(max(self.table.columnWidth(0), 160), 300))
        self.table.setColumnWidth(2, max(c.sizeHint().width() for c in self.combos) + 8 if self.combos else 360)
        self.table.setColumnWidth(3, 120)
        self.table.resizeRowsToContents()
        self.notice.setText("")
        default = mapping.defaults.get("call")
        self.call.blockSignals(True)
        index = self.call.findData(default) if default else 0
        if index < 0:  # a default call the portfolio does not have: shown, so that the user sees it
            self.call.addItem(str(default), default)
            index = self.call.count() - 1
        self.call.setCurrentIndex(index)
        self.call.blockSignals(False)
        saved = mapping.profile if mapping.profile and mapping.profile not in BUILT_IN else ""
        self.profile_name.setText(saved)
        self._show_calls()

    def _show_confidence(self, column: int) -> None:
        assert self.prepared is not None
        mapping = self.prepared.mapping
        mapped = column in mapping.columns
        marks, words, colour = confidence_mark(mapping.confidence.get(column) if mapped else None,
                                               manual=mapped and column in self.manual)
        item = self.table.item(column, 3)
        if item is None:  # (set for every column by show_prepared)
            return
        item.setText(f"{marks} {words}".strip())
        item.setForeground(QColor(CONFIDENCE_COLOURS.get(colour, "#000000")))
        if mapped and column not in self.manual:
            item.setToolTip(tr("Confiance : {percent} %", percent=round(100 * mapping.confidence.get(column, 0))))
        else:
            item.setToolTip("")

    def _field_changed(self, column: int) -> None:
        assert self.prepared is not None
        mapping = self.prepared.mapping
        key = self.combos[column].currentData()
        notices = []
        ignored = preview.map_column(mapping, column, key)  # a field is filled by one column: the others are ignored
        for other in ignored:
            self.manual.discard(other)
            combo = self.combos[other]
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
            self._show_confidence(other)
            notices.append(preview.ignored_text(self.prepared.table.headers, other, column, key))
        if key is None:
            self.manual.discard(column)
        else:
            self.manual.add(column)
        self._show_confidence(column)
        self.notice.setText(" ".join(notices))
        self._show_calls()
        self.changed.emit()

    def choose(self, column: int, key: str | None) -> None:
        """Maps a column to a field (None: ignored), as the user would with the drop-down list."""
        combo = self.combos[column]
        combo.setCurrentIndex(max(combo.findData(key), 0))

    def _call_changed(self) -> None:
        if self.prepared is None:
            return
        preview.set_default_call(self.prepared.mapping, self.call.currentData())
        self._show_calls()
        self.changed.emit()

    # --- the calls named in the file ---

    def file_calls(self) -> list[tuple[str, int]]:
        """The calls the file names (in the column mapped to the call), with their number of rows."""
        return preview.file_calls(self.prepared) if self.prepared is not None else []

    def recognised(self, name: str) -> str | None:
        """The portfolio's call a file's call name designates by itself (its code, its label, or the start of
        one label), as the import matches it."""
        return preview.recognised_call(name, self.calls)

    def _show_calls(self) -> None:
        names = self.file_calls()
        visible = bool(names)
        self.form.setRowVisible(self.calls_row, visible)
        if not visible or self.prepared is None:
            return
        text, rejected = preview.calls_text(names, self.prepared.mapping.defaults.get("calls") or {}, self.recognised,
                                            self.call.currentData())
        self.calls_status.setText(text)
        self.calls_status.setStyleSheet(ERROR_STYLE if rejected else NOTE_STYLE)

    def associate_calls(self) -> None:
        """Asks which call of the portfolio each call named in the file is."""
        if self.prepared is None:
            return
        dialog = CallsDialog(self.file_calls(), self.calls, self.recognised,
                             dict(self.prepared.mapping.defaults.get("calls") or {}), self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.set_call_choices(dialog.choices())

    def set_call_choices(self, choices: dict[str, str]) -> None:
        """The portfolio's call (code) of each call named in the file that the user associated."""
        assert self.prepared is not None
        preview.set_call_choices(self.prepared.mapping, choices)
        self._show_calls()
        self.changed.emit()

    def choose_call(self, code: str | None) -> None:
        """Selects the default call by its code (None: no default call)."""
        self.call.setCurrentIndex(max(self.call.findData(code), 0) if code else 0)


class CallsDialog(QDialog):
    """Each call named in the file associated with a call of the portfolio."""

    def __init__(self, names: list[tuple[str, int]], calls: list[tuple[str, str]],
                 recognised: Callable[[str], str | None], chosen: dict[str, str], parent: QWidget | None = None
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Appels à projets du fichier"))
        self.resize(960, 520)
        self.names = [name for name, _n in names]
        layout = QVBoxLayout(self)
        layout.addWidget(_label(tr("Choisissez l'appel à projets du portefeuille de chaque appel nommé dans le "
                                   "fichier. Sans choix, l'appel est reconnu d'après son code ou son nom, sinon "
                                   "l'appel par défaut est pris.")))
        self.table = QTableWidget(len(names), 3)
        self.table.setHorizontalHeaderLabels([tr("Appel dans le fichier"), tr("Lignes"), tr("Appel du portefeuille")])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().setVisible(False)
        self.combos: list[QComboBox] = []
        for row, (name, count) in enumerate(names):
            item = QTableWidgetItem(name)
            item.setToolTip(name)
            self.table.setItem(row, 0, item)
            self.table.setItem(row, 1, _number_item(count))
            combo = QComboBox()
            found = recognised(name)
            combo.addItem(tr("— reconnu : {code} —", code=found) if found else
                          tr("— inconnu : l'appel par défaut —"), None)
            for code, label in calls:
                combo.addItem(f"{code} — {label}", code)
            combo.setCurrentIndex(max(combo.findData(chosen.get(name)), 0) if name in chosen else 0)
            self.table.setCellWidget(row, 2, combo)
            self.combos.append(combo)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Fixed)
        self.table.setColumnWidth(2, 460)
        layout.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        ok = QPushButton(tr("Valider"))
        ok.clicked.connect(self.accept)
        cancel = QPushButton(tr("Annuler"))
        cancel.clicked.connect(self.reject)
        for button in (ok, cancel):
            button.setMinimumWidth(120)
            buttons.addWidget(button)
        layout.addLayout(buttons)

    def choose(self, name: str, code: str | None) -> None:
        """Associates a call named in the file with a call of the portfolio (None: recognised or default)."""
        combo = self.combos[self.names.index(name)]
        combo.setCurrentIndex(max(combo.findData(code), 0) if code else 0)

    def choices(self) -> dict[str, str]:
        """File's call name -> portfolio call code, for the names the user associated."""
        return {name: combo.currentData() for name, combo in zip(self.names, self.combos, strict=True)
                if combo.currentData()}


class PreviewPage(QWidget):
    """Step 3: what the import would create, change, leave alone and reject."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = _label()
        self.summary.setObjectName("import_summary")
        layout.addWidget(self.summary)
        top = QHBoxLayout()
        self.counts_holder = QVBoxLayout()
        top.addLayout(self.counts_holder, 3)
        side = QVBoxLayout()
        self.rows = _label()
        self.rows.setObjectName("import_rows")
        side.addWidget(self.rows)
        self.save_rejected = QPushButton(tr("Enregistrer les lignes rejetées…"))
        self.save_rejected.setObjectName("import_save_rejected")
        self.save_rejected.setToolTip(tr("Un classeur des lignes rejetées avec le motif de chaque rejet, à "
                                         "corriger et renvoyer."))
        side.addWidget(self.save_rejected, 0, Qt.AlignmentFlag.AlignLeft)
        side.addStretch(1)
        top.addLayout(side, 2)
        layout.addLayout(top)
        self.counts: QTableWidget | None = None
        self.tabs = QTabWidget()
        self.tabs.setObjectName("import_details")
        self.created = QTableWidget()
        self.updated = QTableWidget()
        self.rejected = QTableWidget()
        self.flagged = QTableWidget()
        for table in (self.created, self.updated, self.rejected, self.flagged):
            _read_only_table(table)
        self.created.setObjectName("import_created")
        self.updated.setObjectName("import_updates")
        self.rejected.setObjectName("import_rejected")
        self.flagged.setObjectName("import_flagged")
        for table in (self.created, self.updated, self.rejected, self.flagged):
            self.tabs.addTab(table, "")
        layout.addWidget(self.tabs, 1)

    def show_preview(self, computed: Preview) -> None:
        """Shows the counts and the details of a computed plan."""
        plan = computed.plan
        self.summary.setText(preview.preview_text(plan))
        if self.counts is not None:
            self.counts.setParent(None)
            self.counts.deleteLater()
        self.counts = counts_table(plan)
        self.counts_holder.addWidget(self.counts)
        self.rows.setText(preview.rows_text(plan))
        self.save_rejected.setEnabled(bool(plan.rejected))
        fill_table(self.created, [tr("Type de fiche"), tr("Ligne"), tr("Fiche")], computed.creates, stretch=2)
        fill_table(self.updated, [tr("Fiche"), tr("Champ"), tr("Valeur actuelle"), tr("Nouvelle valeur")],
                   computed.updates, stretch=3)
        fill_table(self.rejected, [tr("Ligne"), tr("Colonne"), tr("Motif du rejet")], preview.rejected_shown(plan),
                   stretch=2)
        fill_table(self.flagged, [tr("Ligne"), tr("Colonne"), tr("Remarque")], preview.flagged_shown(plan), stretch=2)
        for index, (title, tooltip) in enumerate(preview.detail_tabs(plan)):
            self.tabs.setTabText(index, title)
            table = self.tabs.widget(index)
            if table is not None:
                table.setToolTip(tooltip)
        self.tabs.setCurrentIndex(preview.first_detail(plan))


class ApplyPage(QWidget):
    """Step 4: what will be written, the button that writes it, then the result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.summary = _label()
        self.summary.setObjectName("import_apply_summary")
        layout.addWidget(self.summary)
        self.counts_holder = QVBoxLayout()
        layout.addLayout(self.counts_holder)
        self.counts: QTableWidget | None = None
        self.note = _label(tr("L'import est enregistré comme une seule étape : Édition > Annuler (Ctrl+Z) le défait "
                              "entièrement, et Fichier > Historique des imports permet de l'annuler plus tard."),
                           NOTE_STYLE)
        layout.addWidget(self.note)
        self.mapping_note = _label(style=NOTE_STYLE)
        layout.addWidget(self.mapping_note)
        self.result = _label()
        self.result.setObjectName("import_result")
        self.result.setVisible(False)
        layout.addWidget(self.result)
        layout.addStretch(1)

    def show_plan(self, plan: ImportPlan, profile_name: str) -> None:
        """What the import will write."""
        self.summary.setText(preview.apply_text(plan))
        if self.counts is not None:
            self.counts.setParent(None)
            self.counts.deleteLater()
        self.counts = counts_table(plan)
        self.counts.setMaximumWidth(560)
        self.counts_holder.addWidget(self.counts)
        self.mapping_note.setText(tr("La correspondance des colonnes sera enregistrée pour « {name} ».",
                                     name=profile_name) if profile_name else "")
        self.mapping_note.setVisible(bool(profile_name))
        self.result.setVisible(False)

    def show_result(self, message: str) -> None:
        self.result.setText(message)
        self.result.setStyleSheet(DONE_STYLE)
        self.result.setVisible(True)


# --- the wizard ----------------------------------------------------------------------------------------


class ImportWizard(BusyDialog):
    """File -> mapping -> preview -> import. ``imported(plan)`` once the import is written."""

    imported = Signal(object)

    def __init__(self, workspace: Workspace, path: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.path: Path | None = None
        self.prepared: imports.Prepared | None = None
        self.whole: WholeWorkbook | None = None  # a working workbook: no mapping step
        self.preview: Preview | None = None
        self.result: Any = None  # the door's ApplyResult once imported
        self.last_error = ""
        self.busy = False
        self.task: Any = None  # the background task running, if any (its cancel() stops it)
        self.setWindowTitle(tr("Importer un classeur"))
        self.setObjectName("import_wizard")
        screen = (parent.screen() if parent is not None else QGuiApplication.primaryScreen()).availableGeometry()
        # 1366×768 with a task bar and a title bar: the whole dialog stays on the screen
        self.resize(min(1180, screen.width() - 40), min(680, screen.height() - 60))
        self.setMinimumSize(860, 520)

        layout = QVBoxLayout(self)
        self.steps = QLabel()
        self.steps.setObjectName("import_steps")
        self.steps.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.steps)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        self.stack = QStackedWidget()
        self.file_page = FilePage()
        self.mapping_page = MappingPage()
        self.preview_page = PreviewPage()
        self.apply_page = ApplyPage()
        for page in (self.file_page, self.mapping_page, self.preview_page, self.apply_page):
            self.stack.addWidget(page)
        layout.addWidget(self.stack, 1)

        buttons = QHBoxLayout()
        self.back_button = QPushButton(tr("< Précédent"))
        self.back_button.setObjectName("import_back")
        self.next_button = QPushButton(tr("Suivant >"))
        self.next_button.setObjectName("import_next")
        self.import_button = QPushButton(tr("Importer"))
        self.import_button.setObjectName("import_apply")
        self.close_button = QPushButton(tr("Annuler"))
        self.close_button.setObjectName("import_close")
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, self.import_button, self.close_button):
            button.setMinimumWidth(120)
            button.setAutoDefault(False)
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.back_button.clicked.connect(self.back)
        self.next_button.clicked.connect(self.next)
        self.import_button.clicked.connect(self.apply)
        self.close_button.clicked.connect(self.close)
        self.file_page.browse.clicked.connect(self.browse)
        self.file_page.path.returnPressed.connect(lambda: self.open_file(Path(self.file_page.path.text().strip())))
        self.file_page.sheet.currentIndexChanged.connect(self._sheet_changed)
        self.preview_page.save_rejected.clicked.connect(self.save_rejected)
        self.mapping_page.changed.connect(self._mapping_changed)
        self.mapping_page.set_calls(self._calls())
        self._update_buttons()
        if path is not None:
            self.file_page.path.setText(str(path))
            QTimer.singleShot(0, lambda: self.open_file(path))

    # --- closing ---

    def _may_close(self) -> bool:
        """Closing before importing a file that was read (and perhaps mapped) asks first: that work is lost."""
        if self.busy:
            return False
        if getattr(self, "leaving", False) or self.result is not None or (self.prepared is None and self.whole is None):
            return True
        name = self.path.name if self.path is not None else ""
        return questions.confirm(self, tr("Abandonner l'import"), tr(
            "« {file} » a été lu mais rien n'en a été importé. Abandonner l'import (la lecture et les "
            "correspondances choisies seront perdues) ?", file=name), tr("Abandonner l'import"),
            tr("Continuer l'import"))

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._may_close():
            event.ignore()
            return
        self.leaving = True  # QDialog's closeEvent calls reject(): asked once
        super().closeEvent(event)

    def reject(self) -> None:
        if self._may_close():
            self.leaving = True
            super().reject()

    # --- state ---

    def page(self) -> int:
        """The current step: 0 file, 1 mapping, 2 preview, 3 import."""
        return self.stack.currentIndex()

    def _go(self, index: int) -> None:
        self.stack.setCurrentIndex(index)
        self._update_buttons()

    def _update_buttons(self) -> None:
        index = self.page()
        marks = []
        for i, step in enumerate(STEPS):
            label = f"{i + 1}. {tr(step)}"
            marks.append(f"<b style='color:#1d4ed8'>{label}</b>" if i == index else
                         f"<span style='color:#6b7280'>{label}</span>")
        self.steps.setText("<span style='font-size:12pt'>" + "&nbsp;&nbsp;›&nbsp;&nbsp;".join(marks) + "</span>")
        done = self.result is not None
        self.back_button.setEnabled(index > 0 and not self.busy and not done)
        ready = self.prepared is not None or self.whole is not None
        can_next = {0: ready, 1: self.prepared is not None, 2: self.preview is not None}
        self.next_button.setVisible(index < 3)
        self.next_button.setEnabled(can_next.get(index, False) and not self.busy)
        self.import_button.setVisible(index == 3)
        plan = self.preview.plan if self.preview is not None else None
        self.import_button.setEnabled(index == 3 and plan is not None and not plan.is_empty and not self.busy
                                      and not done and not self.workspace.read_only)
        self.close_button.setText(tr("Fermer") if done else tr("Annuler"))
        self.close_button.setEnabled(not self.busy)
        self.file_page.browse.setEnabled(not self.busy)
        self.file_page.sheet.setEnabled(not self.busy and self.file_page.sheet.count() > 1)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self._update_buttons()

    def _run(self, title: str, work: Callable[[Any, Any], Any], done: Callable[[Any], None],
             cancelled_message: str) -> None:
        """Runs work in the background (progress, cancel); an error is shown as one message."""
        self._set_busy(True)

        def guarded(progress: Any, cancelled: Any) -> Any:
            try:
                return work(progress, cancelled)
            except ImportCancelled:
                raise
            except Exception:
                if cancelled():  # whatever the reader raised once cancelled, the user asked for it
                    raise ImportCancelled(cancelled_message) from None
                raise

        def finished(value: Any) -> None:
            self._set_busy(False)
            done(value)

        self.task = run_task(self, title, guarded, finished, self._failed)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        if isinstance(exc, ImportCancelled):
            self.last_error = str(exc)
            self._status(str(exc), error=False)
            return
        self.last_error = str(exc) if isinstance(exc, PortfolioError) else tr("Erreur inattendue : {error}",
                                                                                error=exc)
        if self.page() == 0:
            self._status(self.last_error, error=True)
        report(self, exc)

    def _status(self, message: str, error: bool) -> None:
        self.file_page.status.setText(message)
        self.file_page.status.setStyleSheet(ERROR_STYLE if error else NOTE_STYLE)

    def _calls(self) -> list[tuple[str, str]]:
        return imports.call_choices(self.workspace.db)

    # --- step 1: the file ---

    def browse(self) -> None:
        """Asks for the file to import."""
        settings = QSettings()
        folder = str(settings.value("import/folder", "") or "")
        path, _ = QFileDialog.getOpenFileName(self, tr("Choisir le fichier à importer"), folder, tr(IMPORT_FILTER))
        if path:
            settings.setValue("import/folder", str(Path(path).parent))
            self.open_file(Path(path))

    def open_file(self, path: Path, sheet: str | None = None) -> None:
        """Reads a file (in the background) and shows its table and mapping."""
        if self.busy:
            return
        self.file_page.path.setText(str(path))
        if not path.is_file():
            self._reset()
            self.last_error = tr("« {path} » n'existe pas ou n'est pas un fichier.", path=path)
            self._status(self.last_error, error=True)
            return
        if not is_importable(path):
            self._reset()
            self.last_error = tr("« {file} » n'est pas un classeur : l'import lit les fichiers .xlsx, .xlsm, .xls, "
                                 ".ods et .csv.", file=path.name)
            self._status(self.last_error, error=True)
            return
        if path != self.path:  # another file: its own sheets
            self.file_page.sheet.blockSignals(True)
            self.file_page.sheet.clear()
            self.file_page.sheet.blockSignals(False)
        self.path = path
        self.last_error = ""
        self._status(tr("Lecture de « {file} »…", file=path.name), error=False)

        db = self.workspace.db

        def work(progress: Any, cancelled: Any) -> imports.Prepared | NoTable | WholeWorkbook:
            if sheet is None and looks_like_working_workbook(path):
                return read_whole_workbook(db, path, progress, cancelled)
            return prepare_file(path, sheet, progress, cancelled)

        self._reset()
        self._run(tr("Lecture de « {file} »", file=path.name), work, self._prepared,
                  tr("Lecture annulée : choisissez à nouveau le fichier ou la feuille."))

    def _reset(self) -> None:
        self.prepared = None
        self.whole = None
        self.preview = None
        self.file_page.show_nothing()
        self._update_buttons()

    def _prepared(self, prepared: imports.Prepared | NoTable | WholeWorkbook) -> None:
        workbook = prepared.workbook
        sheet = self.file_page.sheet
        sheet.blockSignals(True)
        sheet.clear()
        for name in workbook.sheet_names:
            sheet.addItem(name, name)
        if isinstance(prepared, WholeWorkbook):
            sheet.clear()
            sheet.addItem(tr("Toutes les feuilles de fiches"), None)
            sheet.blockSignals(False)
            sheet.setEnabled(False)
            self.whole, self.preview = prepared, prepared.preview
            self.file_page.show_whole(prepared)
            self.preview_page.show_preview(prepared.preview)
            self._status(tr("« {file} » est un classeur de travail du portefeuille : « Suivant » montre ce que "
                            "l'import créera et modifiera.", file=workbook.path.name), error=False)
            self._update_buttons()
            return
        read = prepared.sheet if isinstance(prepared, NoTable) else prepared.table.sheet
        sheet.setCurrentIndex(max(sheet.findData(read), 0))
        sheet.blockSignals(False)
        if isinstance(prepared, NoTable):  # another sheet may hold the table: the sheets stay offered
            self._update_buttons()
            error = prepared.error
            if len(workbook.sheet_names) > 1:
                error = PortfolioError(str(error) + " " + tr("Choisissez une autre feuille dans la liste."))
            self._failed(error)
            return
        self.prepared = prepared
        self.preview = None
        self.file_page.show_prepared(prepared)
        self._status(tr("« {file} » est lu : vérifiez la feuille et le tableau, puis « Suivant ».",
                        file=workbook.path.name), error=False)
        self.mapping_page.show_prepared(prepared)
        self._update_buttons()

    def _sheet_changed(self) -> None:
        name = self.file_page.sheet.currentData()
        if self.path is not None and name and self.whole is None and (
                self.prepared is None or name != self.prepared.table.sheet):
            self.open_sheet(name)

    def open_sheet(self, name: str) -> None:
        """Reads another sheet of the file."""
        if self.path is not None:
            self.open_file(self.path, sheet=name)

    # --- steps 2 and 3: the mapping and the preview ---

    def _mapping_changed(self) -> None:
        self.preview = None  # computed again from the corrected mapping
        self._update_buttons()

    def next(self) -> None:
        """The next step (the preview is computed first)."""
        index = self.page()
        if index == 0 and self.whole is not None:
            self._go(2)  # nothing to map: the working workbook's columns are the portfolio's fields
        elif index == 1 and self.preview is None:
            self.compute_preview()
        elif index == 2 and self.preview is not None:
            profile = self.mapping_page.profile_name.text().strip() if self.whole is None else ""
            self.apply_page.show_plan(self.preview.plan, profile)
            self._go(3)
        elif index < 3:
            self._go(index + 1)

    def back(self) -> None:
        """The previous step."""
        if self.page() > 0:
            self._go(0 if self.page() == 2 and self.whole is not None else self.page() - 1)

    def compute_preview(self) -> None:
        """Plans the import in the background, then shows the preview."""
        prepared = self.prepared
        if prepared is None or self.busy:
            return
        db = self.workspace.db

        def work(progress: Any, cancelled: Any) -> Preview:
            plan = imports.plan_import(db, prepared, untrusted=True, progress=progress, cancelled=cancelled)
            if progress:
                progress(0.99, tr("Préparation de l'aperçu…"))
            return make_preview(db, plan)

        def done(computed: Preview) -> None:
            self.preview = computed
            self.preview_page.show_preview(computed)
            self._go(2)

        self._run(tr("Calcul de l'aperçu"), work, done, tr("Calcul de l'aperçu annulé."))

    def save_rejected(self, destination: Path | None = None) -> Path | None:
        """Writes the rejected rows as a workbook with the reason of each (asks where, unless given)."""
        if self.preview is None or not self.preview.plan.rejected:
            return None
        plan = self.preview.plan
        if not destination:
            folder = Path(str(QSettings().value("import/folder", "") or Path.home()))
            suggested = folder / f"{Path(plan.file_name).stem}-{tr('rejets')}.xlsx"
            chosen, _ = QFileDialog.getSaveFileName(self, tr("Enregistrer les lignes rejetées"), str(suggested),
                                                    tr("Classeurs Excel (*.xlsx)"))
            if not chosen:
                return None
            destination = Path(chosen)
        if destination.suffix.lower() != ".xlsx":
            destination = destination.with_name(destination.name + ".xlsx")
        try:
            imports.write_rejected(plan, destination)
        except (OSError, PortfolioError) as exc:
            report(self, exc if isinstance(exc, PortfolioError) else PortfolioError(tr(
                "Impossible d'écrire « {path} » : {error}", path=destination, error=exc)))
            return None
        self.preview_page.rows.setText(self.preview_page.rows.text() + "<br>" + tr(
            "Lignes rejetées enregistrées dans « {path} ».", path=destination))
        return destination

    # --- step 4: the import ---

    def apply(self) -> None:
        """Writes the import through the workspace: one undo step, views refreshed."""
        if self.preview is None or self.busy or self.result is not None:
            return
        plan = self.preview.plan
        self._set_busy(True)
        self.workspace.apply_import(self, plan, self._applied, self._apply_failed)

    def _applied(self, result: Any) -> None:
        self.busy = False
        assert self.preview is not None
        plan = self.preview.plan
        self.result = result if result is not None else False
        message = preview.done_text(plan)
        name = self.mapping_page.profile_name.text().strip() if self.prepared is not None else ""
        if name and self.prepared is not None:
            try:
                imports.save_mapping(name, self.prepared)
                message += "<br>" + tr("Correspondance enregistrée pour « {name} ».", name=name)
            except (OSError, PortfolioError) as exc:
                message += "<br>" + tr("La correspondance n'a pas pu être enregistrée : {error}", error=exc)
        self.apply_page.show_result(message)
        self._update_buttons()
        self.imported.emit(plan)

    def _apply_failed(self, exc: BaseException) -> None:
        self.busy = False
        self.preview = None  # the data changed meanwhile (or the write failed): the plan must be computed again
        self._update_buttons()
        self.last_error = str(exc)
        report(self, exc)
        if self.whole is not None:  # read again: the plan is computed anew against the data as it is now
            self._go(0)
            if self.path is not None:
                self.open_file(self.path)
            return
        self._go(1)
        self.mapping_page.notice.setText(tr("Rien n'a été écrit. Cliquez sur « Suivant » pour recalculer l'aperçu."))

    # --- closing ---

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.busy:
            return
        super().keyPressEvent(event)



def open_import_wizard(parent: QWidget, workspace: Workspace, path: Path | None = None) -> ImportWizard | None:
    """Opens the wizard (refused with a message when the database is read-only)."""
    if workspace.read_only:
        QMessageBox.information(parent, APP_NAME, tr("La base est ouverte en lecture seule : l'import n'est pas "
                                                     "possible."))
        return None
    wizard = ImportWizard(workspace, path, parent)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    wizard.setWindowModality(Qt.WindowModality.WindowModal)
    wizard.show()
    return wizard
