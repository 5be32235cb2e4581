"""The main window: navigation between the record lists, menus, undo/redo, search, editors."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QFocusEvent,
    QFont,
    QFontMetrics,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_int
from portfolio.services.portfolio import is_snapshot as is_snapshot_path
from portfolio.services.stats import has_no_organisations

from .dashboard import DashboardPage
from .file_dialogs import IMPORT_SUFFIXES
from .messages import report
from .table_page import RecordTablePage
from .workspace import Workspace

if TYPE_CHECKING:
    from .editor import RecordEditor

NAVIGATION = [
    ("suivi", N_("Mon suivi")),
    ("dashboard", N_("Tableau de bord")),
    ("call", N_("Appels à projets")),
    ("application", N_("Candidatures")),
    ("project", N_("Projets lauréats")),
    ("organisation", N_("Structures (porteurs)")),
    ("contact", N_("Contacts")),
    ("disbursement", N_("Versements")),
    ("milestone", N_("Jalons")),
    ("audit", N_("Journal")),
]
# a new profile's first page: a list, whose rows are painted from the quick view before the database is fully open
# ("Mon suivi", first in the navigation with its count, needs the full opening); afterwards, the page last shown
DEFAULT_PAGE = "project"


def start_page() -> str:
    """The page the window opens on: "Mon suivi" for an officer who said who they are (Préférences), what they came
    for; otherwise the page last shown (the projects list at first)."""
    from .preferences import current_officer  # (Qt and the settings only: no database code before the first paint)

    if current_officer():
        return "suivi"
    return str(QSettings().value("page", DEFAULT_PAGE))
MAX_RECENT = 8
TITLE_BAR = 40  # room left for the window manager's title bar and frame, which Qt cannot know before showing
BANNER_STYLE = "background: #fff4ce; color: #5c4400; padding: 8px 12px; border-bottom: 1px solid #e6d28a;"


class NavigationList(QListWidget):
    """The pages' list. With no page chosen (the welcome page showing), taking the focus chooses nothing: Qt's
    item views make their first row current on focus, which replaced the welcome page by the dashboard as soon
    as a window manager activated the window."""

    def focusInEvent(self, event: QFocusEvent) -> None:
        if self.currentRow() >= 0 or event.reason() == Qt.FocusReason.MouseFocusReason:
            super().focusInEvent(event)
            return
        self.blockSignals(True)
        try:
            super().focusInEvent(event)
            self.setCurrentRow(-1)
        finally:
            self.blockSignals(False)


class WelcomePage(QWidget):
    """Shown on an empty database: the demo portfolio, an import, or an empty start."""

    demo_requested = Signal()
    import_requested = Signal()
    start_empty = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(tr("<h1>Bienvenue dans le portefeuille SASN</h1>"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        intro = QLabel(tr("Cette base ne contient encore aucune structure. Par quoi voulez-vous commencer ?"))
        intro.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(intro)
        row = QHBoxLayout()
        row.addStretch(1)
        demo = QPushButton(tr("Ouvrir le portefeuille de démonstration"))
        demo.setObjectName("welcome_demo")
        demo.clicked.connect(self.demo_requested.emit)
        self.demo_button = demo
        imported = QPushButton(tr("Importer un classeur…"))
        imported.setObjectName("welcome_import")
        imported.clicked.connect(self.import_requested.emit)
        self.import_button = imported
        empty = QPushButton(tr("Commencer avec une base vide"))
        empty.setObjectName("welcome_empty")
        empty.clicked.connect(self.start_empty.emit)
        for button in (demo, imported, empty):
            button.setMinimumHeight(48)
            button.setMinimumWidth(260)
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        note = QLabel(tr("La démonstration s'ouvre dans son propre fichier : votre base n'est jamais modifiée."))
        note.setAlignment(Qt.AlignmentFlag.AlignCenter)
        note.setStyleSheet("color: #4a5568;")
        layout.addWidget(note)
        layout.addStretch(2)


class MainWindow(QMainWindow):
    """One open database at a time."""

    def __init__(self, workspace: Workspace, read_only_reason: str = "") -> None:
        super().__init__()
        self.workspace = workspace
        self.read_only_reason = read_only_reason
        self.pending_reason = ""  # the banner of a snapshot being opened
        self.pages: dict[str, QWidget] = {}
        self.editors: dict[tuple[str, int], RecordEditor] = {}
        self.dialogs: set[QWidget] = set()  # new-record editors and searches: closed when the database changes
        self.backed_up: set[Path] = set()  # databases copied at open by this window
        self.fit_to_screen()

        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(0)
        self.banner = QLabel()
        self.banner.setObjectName("read_only_banner")
        self.banner.setStyleSheet(BANNER_STYLE)
        self.banner.setWordWrap(True)
        outer.addWidget(self.banner)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        self.navigation = NavigationList()
        self.navigation.setObjectName("navigation")
        self.navigation.setStyleSheet("QListWidget { font-size: 11pt; } QListWidget::item { padding: 7px 10px; }")
        for key, label in NAVIGATION:
            item = QListWidgetItem(tr(label))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self.navigation.addItem(item)
        # as wide as its longest label in the language shown ("Organisations (applicants)" was cut in English)
        font = QFont(self.navigation.font())
        font.setPointSizeF(11)
        widest = max(QFontMetrics(font).horizontalAdvance(tr(label)) for _, label in NAVIGATION)
        self.navigation.setFixedWidth(max(210, widest + 2 * 10 + 16))
        self.navigation.currentRowChanged.connect(self._navigate)
        body.addWidget(self.navigation)
        self.stack = QStackedWidget()
        body.addWidget(self.stack, 1)
        outer.addLayout(body, 1)
        self.setCentralWidget(central)

        self.welcome = WelcomePage()
        self.welcome.start_empty.connect(lambda: self.show_page("dashboard"))
        self.welcome.demo_requested.connect(self.open_demo)
        self.welcome.import_requested.connect(lambda: self.import_workbook())
        self.stack.addWidget(self.welcome)
        self.setAcceptDrops(True)  # a workbook dropped onto the window opens the import wizard

        from .replica_actions import SyncBar

        self.sync_bar = SyncBar(self)  # on a replica: its last sync, the changes waiting, "Synchroniser"
        self.statusBar().addPermanentWidget(self.sync_bar)
        self._build_menus()
        self._connect(workspace)
        self._show_workspace()

    def _connect(self, workspace: Workspace) -> None:
        workspace.changed.connect(self._data_changed)
        workspace.error.connect(lambda message: QMessageBox.warning(self, APP_NAME, message))
        workspace.attached.connect(self._show_state)

    # --- menus ----------------------------------------------------------------------------------------

    def _build_menus(self) -> None:
        menu = self.menuBar().addMenu(tr("&Fichier"))
        self._action(menu, tr("Nouvelle base…"), self.new_database, QKeySequence.StandardKey.New)
        self._action(menu, tr("Ouvrir…"), self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = menu.addMenu(tr("Ouvrir une base récente"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(menu, tr("Ouvrir le portefeuille de démonstration"), self.open_demo)
        self._action(menu, tr("Ouvrir un instantané…"), self.open_snapshot_dialog)
        self.snapshot_action = self._action(menu, tr("Créer un instantané…"), self.create_snapshot)
        self._action(menu, tr("Comparer deux instantanés…"), self.compare_snapshots)
        self.restore_action = self._action(menu, tr("Restaurer une sauvegarde…"), self.restore_backup)
        menu.addSeparator()
        self.import_action = self._action(menu, tr("Importer un classeur…"), lambda: self.import_workbook(),
                                          QKeySequence("Ctrl+I"))
        self.history_action = self._action(menu, tr("Historique des imports…"), self.import_history)
        self.agency_export_action = self._action(menu, tr("Exporter pour une agence…"), self.export_for_agency)
        self.agency_sync_action = self._action(menu, tr("Reprendre le classeur d'une agence…"),
                                               lambda: self.take_back_from_agency())
        self.conflicts_action = self._action(menu, tr("Conflits en attente (agences, répliques)…"),
                                             self.show_conflict_queue)
        menu.addSeparator()
        self.offline_action = self._action(menu, tr("Travailler hors ligne…"), self.work_offline)
        self.exchange_action = self._action(menu, tr("Échanger des modifications par fichier…"),
                                            self.exchange_by_file)
        menu.addSeparator()
        self._action(menu, tr("Rapport PDF…"), self.report, QKeySequence("Ctrl+P"))
        self._action(menu, tr("Préférences…"), self.preferences)
        menu.addSeparator()
        self._action(menu, tr("Quitter"), self.close, QKeySequence.StandardKey.Quit)

        edit = self.menuBar().addMenu(tr("É&dition"))
        stack = self.workspace.undo_stack
        self.undo_action = stack.createUndoAction(self, tr("Annuler"))
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, tr("Rétablir"))
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        self.new_action = self._action(edit, tr("Nouvelle fiche"), self.new_record_here, QKeySequence("Ctrl+Shift+N"))
        edit.addSeparator()
        self.search_action = self._action(edit, tr("Rechercher partout…"), self.open_search, QKeySequence("Ctrl+K"))
        self._action(edit, tr("Filtrer cette liste"), self.focus_filter, QKeySequence.StandardKey.Find)

        help_menu = self.menuBar().addMenu(tr("&Aide"))
        guide = self._action(help_menu, tr("Guide d'utilisation"), self.show_guide,
                             QKeySequence.StandardKey.HelpContents)
        self._action(help_menu, tr("À propos…"), self.about)
        # these work from every window of the application (an editor, the search, the wizard), not only this
        # one; a text field keeps its own Ctrl+Z (Qt gives the key to the field that can undo its typing)
        for action in (self.undo_action, self.redo_action, self.search_action, guide, self.new_action):
            action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)

    def _action(self, menu: Any, label: str, slot: Any, shortcut: Any = None) -> QAction:
        action = QAction(label, self)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    # --- the database --------------------------------------------------------------------------------

    @property
    def on_file(self) -> bool:
        """True for a portfolio file, False for a shared server's database (team mode: no file, no backups
        beside it; the server's own backups do that job)."""
        return bool(getattr(self.workspace.db, "is_file", True))

    def _show_workspace(self) -> None:
        self._show_state()
        if not self.workspace.read_only and self.on_file:  # a snapshot is never reopened writable; a server's
            remember_recent(self.workspace.db.path)  # database is reopened with --db-url (its password stays out)
        with self.workspace.db.read() as session:
            empty = has_no_organisations(session)
        if empty and not self.workspace.read_only:
            self.navigation.setCurrentRow(-1)
            self.stack.setCurrentWidget(self.welcome)
            self.welcome.demo_button.setFocus(Qt.FocusReason.OtherFocusReason)  # the keyboard starts on a choice
        else:
            self.show_page(start_page())

    def _show_state(self) -> None:
        """Title, status bar, read-only banner and actions, as the workspace stands."""
        path = self.workspace.db.path
        name = path.name if self.on_file else str(path)
        self.setWindowTitle(f"{APP_NAME} — {name}" + (tr(" (lecture seule)") if self.workspace.read_only else ""))
        self.statusBar().showMessage(tr("Base : {path}", path=path))
        read_only = self.workspace.read_only
        reason = self.read_only_reason or tr("la base est ouverte en lecture seule")
        self.banner.setText(tr("<b>Lecture seule</b> : {reason}. Aucune modification n'est possible.", reason=reason))
        self.banner.setVisible(read_only)
        self.new_action.setEnabled(not read_only)
        self.restore_action.setEnabled(not read_only and self.workspace.ready and self.on_file)
        # an export is recorded in the database: both need it writable
        self.agency_export_action.setEnabled(not read_only and self.workspace.ready)
        self.agency_sync_action.setEnabled(not read_only and self.workspace.ready)
        self.conflicts_action.setEnabled(not read_only and self.workspace.ready)
        self.offline_action.setEnabled(not read_only and self.workspace.ready)  # (the origin learns of its replica)
        self.exchange_action.setEnabled(not read_only and self.workspace.ready)
        self.sync_bar.refresh()
        self.snapshot_action.setEnabled(self.workspace.ready and not (self.on_file and is_snapshot_path(path)))
        if self.workspace.ready and not read_only and self.on_file and path not in self.backed_up:
            self.backed_up.add(path)  # one copy per opening, in the background (services.backups)
            from .recovery import backup_at_open

            backup_at_open(path, lambda message: self.statusBar().showMessage(message))
        can_import = not read_only and self.workspace.ready  # the wizard reads the full database
        self.import_action.setEnabled(can_import)
        self.welcome.import_button.setEnabled(can_import)
        if self.workspace.ready:  # "Mon suivi (12)" from the start, once the first page is painted
            QTimer.singleShot(0, self._count_follow_up)

    def _count_follow_up(self) -> None:
        """The navigation's count of "Mon suivi" while its page is not showing (a page showing counts as it reads)."""
        page = self.pages.get("suivi")
        if (page is not None and page.isVisible()) or not self.workspace.ready:
            return
        from .follow_up_page import follow_up_count

        self._follow_up_counted(follow_up_count(self.workspace))

    def show_page(self, key: str) -> None:
        keys = [k for k, _ in NAVIGATION]
        row = keys.index(key) if key in keys else keys.index(DEFAULT_PAGE)
        if self.navigation.currentRow() == row:
            self._navigate(row)  # no currentRowChanged signal for the same row: build and show the page anyway
        else:
            self.navigation.setCurrentRow(row)

    def _navigate(self, row: int) -> None:
        if row < 0:
            return
        key = NAVIGATION[row][0]
        page = self.pages.get(key)
        if page is None:  # pages are built on first visit: start-up builds only the first one
            page = self._make_page(key)
            self.pages[key] = page
            self.stack.addWidget(page)
        if key == "dashboard":
            self._refresh_dashboard()
        self.stack.setCurrentWidget(page)
        QSettings().setValue("page", key)

    def _make_page(self, key: str) -> QWidget:
        if key == "dashboard":
            dashboard = DashboardPage(self.workspace)
            dashboard.open_projects.connect(self.show_projects)
            return dashboard
        if key == "suivi":
            from .follow_up_page import FollowUpPage

            follow = FollowUpPage(self.workspace)
            follow.open_dossier.connect(self.open_dossier)
            follow.counted.connect(self._follow_up_counted)
            return follow
        page = RecordTablePage(self.workspace, key)
        page.open_record.connect(self.open_record)
        page.new_record.connect(self.new_record)
        return page

    def _follow_up_counted(self, count: int) -> None:
        """How many lines need the officer, on the navigation's item: "Mon suivi (12)"."""
        item = self.navigation.item([k for k, _ in NAVIGATION].index("suivi"))
        item.setText(tr("Mon suivi ({n})", n=format_int(count)) if count else tr("Mon suivi"))

    def _refresh_dashboard(self) -> None:
        page = self.pages.get("dashboard")
        if isinstance(page, DashboardPage):
            page.refresh()

    def report(self) -> None:
        """Fichier > Rapport PDF…: the dashboard's report, under its filters (read first if need be)."""
        self.show_page("dashboard")
        page = self.pages.get("dashboard")
        if isinstance(page, DashboardPage):
            page.when_ready(page.export_report)

    def show_projects(self, filters: dict[str, tuple[int, ...]]) -> None:
        """Shows the projects list with exactly these filters (the dashboard's click on a bar or a region)."""
        self.show_page("project")
        page = self.pages.get("project")
        if isinstance(page, RecordTablePage):
            page.replace_filters(filters)

    def _data_changed(self, entities: set[str]) -> None:
        from .follow_up_page import WATCHED

        if not entities or set(entities) & WATCHED:
            self._count_follow_up()
        if self.sync_bar.isVisible():  # the changes waiting to be sent
            self.sync_bar.refresh()
        if self.stack.currentWidget() is self.pages.get("dashboard"):
            self._refresh_dashboard()

    def current_page(self) -> QWidget | None:
        return self.stack.currentWidget()

    # --- records -------------------------------------------------------------------------------------

    def open_record(self, entity: str, record_id: int) -> None:
        """Opens the editor of a record (the record a journal line is about, for the journal)."""
        if entity == "audit":
            from portfolio.services.journal import audit_record

            with self.workspace.db.read() as session:
                about = audit_record(session, record_id)
            if about is None:  # no such entry, or one about the trail itself (its migration): no record to open
                return
            if about[1] is None:
                QMessageBox.information(self, APP_NAME, tr("Cet enregistrement a été supprimé depuis."))
                return
            entity, record_id = about[0], about[1]
        from .editor import RecordEditor

        key = (entity, record_id)
        editor = self.editors.get(key)
        if editor is None:
            editor = RecordEditor(self.workspace, entity, record_id, self)
            editor.open_record.connect(self.open_record)
            editor.said.connect(self.say)
            editor.destroyed.connect(lambda _obj=None, key=key: self.editors.pop(key, None))
            self.editors[key] = editor
        editor.show()
        editor.raise_()
        editor.activateWindow()

    def open_dossier(self, project_id: int, item_uuid: str) -> None:
        """Opens a project's editor on its dossier, the line of ``item_uuid`` (a tranche, a milestone) chosen."""
        self.open_record("project", project_id)
        editor = self.editors.get(("project", project_id))
        if editor is not None and editor.dossier is not None:
            editor.tabs.setCurrentWidget(editor.dossier)
            editor.dossier.select(item_uuid)

    def new_record(self, entity: str) -> None:
        from .editor import RecordEditor

        editor = RecordEditor(self.workspace, entity, None, self)
        editor.open_record.connect(self.open_record)
        editor.said.connect(self.say)
        self._track(editor)
        editor.show()

    def say(self, message: str) -> None:
        """A short confirmation in the status bar ("Enregistré : …"), for a few seconds."""
        self.statusBar().showMessage(message, 8000)

    def open_editors(self) -> list[RecordEditor]:
        """The record editors open in this window, existing records' and new ones'."""
        editor = sys.modules.get("portfolio.ui.editor")  # not imported yet: no editor was ever opened (and
        if editor is None:  # importing it here would load the ORM when a window that never edited closes)
            return []
        return [w for w in [*self.editors.values(), *self.dialogs] if isinstance(w, editor.RecordEditor)]

    def editors_may_close(self) -> bool:
        """Asks, editor by editor, what to do with unsaved changes; False as soon as the user cancels (nothing
        is closed then)."""
        return all(editor.may_leave() for editor in self.open_editors())

    def new_record_here(self) -> None:
        page = self.current_page()
        if isinstance(page, RecordTablePage) and page.entity != "audit":
            self.new_record(page.entity)

    def preferences(self) -> None:
        from .preferences import PreferencesDialog

        PreferencesDialog(self).exec()

    def open_search(self) -> None:
        from .search_dialog import SearchDialog  # dialogs are imported on first use: a faster start

        dialog = SearchDialog(self.workspace, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open_record.connect(self.open_record)
        dialog.show_list.connect(self.show_list_search)
        self._track(dialog)
        dialog.show()

    def show_list_search(self, entity: str, text: str) -> None:
        """The list of ``entity`` filtered on ``text`` (the search's "Tout voir")."""
        self.show_page(entity)
        page = self.pages.get(entity)
        if isinstance(page, RecordTablePage):
            page.search.setText(text)
            page.apply_search()
            page.view.setFocus()

    def _track(self, dialog: QWidget) -> None:
        self.dialogs.add(dialog)
        dialog.destroyed.connect(lambda _obj=None, dialog=dialog: self.dialogs.discard(dialog))

    def focus_filter(self) -> None:
        page = self.current_page()
        if isinstance(page, RecordTablePage):
            page.search.setFocus()
            page.search.selectAll()

    # --- files ---------------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Ouvrir une base"), "", tr("Bases du portefeuille (*.sqlite)"))
        if path:
            self.switch_to(Path(path))

    def open_snapshot_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, tr("Ouvrir un instantané"), "",
                                              tr("Instantanés du portefeuille (*.sqlite)"))
        if path:
            self.open_snapshot(Path(path))

    def open_snapshot(self, path: Path) -> None:
        """Opens an auditor's snapshot read-only, its banner saying its date and what verifying it found."""
        from portfolio.services.snapshot import describe, unsafe_to_open, verify_snapshot

        refused = unsafe_to_open(path)
        if refused:  # SQLite would show (or write) something else than the file holds
            QMessageBox.warning(self, APP_NAME, refused[0])
            return
        try:
            result = verify_snapshot(path)
        except PortfolioError as error:
            QMessageBox.warning(self, APP_NAME, str(error))
            return
        if not result.manifest:  # not a snapshot at all: nothing to open as one
            QMessageBox.warning(self, APP_NAME, result.problems[0] if result.problems else "?")
            return
        self.pending_reason = describe(result)  # shown once the snapshot is open (not if opening it fails)
        self.switch_to(path, read_only=True)

    def create_snapshot(self) -> None:
        """Fichier > Créer un instantané…: the whole portfolio in one file for the auditors, signed with the
        officer's key pair (made on first use, as for the seals), written in the background."""
        from portfolio.services.app_paths import keys_folder
        from portfolio.services.checkpoints import officer_key
        from portfolio.services.signing_keys import key_paths
        from portfolio.services.snapshot import snapshot_of

        database = self.workspace.db
        stem = database.path.stem if self.on_file else str(database.path).rsplit("/", 1)[-1]
        suggested = f"instantane-{stem}-{datetime.now():%Y-%m-%d}.sqlite"
        name, _ = QFileDialog.getSaveFileName(self, tr("Créer un instantané"), str(Path.home() / suggested),
                                              tr("Instantanés du portefeuille (*.sqlite)"))
        if not name:
            return
        target = Path(name)
        officer_key(create=True)  # the same key that signs the seals; unsigned only if the profile cannot hold one
        private = key_paths(keys_folder())[0]

        def work(_progress: Any, _cancelled: Any) -> dict[str, Any]:
            return snapshot_of(database, target, private_key=private if private.is_file() else None)

        def done(manifest: dict[str, Any]) -> None:
            signed = tr("signé avec votre clé") if "signature" in manifest else tr(
                "NON SIGNÉ : votre paire de clés n'a pas pu être créée ni lue (« portfolio keys init » dit pourquoi)")
            QMessageBox.information(self, APP_NAME, tr(
                "Instantané écrit dans « {file} » ({signed}). Empreinte : {digest}…", file=str(target),
                signed=signed, digest=manifest["digest"][:16]))

        from .tasks import run_task

        run_task(self, tr("Création de l'instantané"), work, done, lambda exc: report(self, exc), cancellable=False)

    def export_for_agency(self) -> None:
        """Fichier > Exporter pour une agence…: the working workbook of a regional agency."""
        from .agency_exchange import export_for_agency

        export_for_agency(self)

    def take_back_from_agency(self, path: Path | None = None) -> QWidget | None:
        """Fichier > Reprendre le classeur d'une agence…: the merge reviewed, then applied as one undo step."""
        from .agency_exchange import take_back_from_agency

        dialog = take_back_from_agency(self, path)
        if dialog is not None:
            self._track(dialog)
        return dialog

    def work_offline(self) -> None:
        """Fichier > Travailler hors ligne…: a replica of this portfolio (or of a part of it) on this computer."""
        from .replica_actions import work_offline

        work_offline(self)

    def exchange_by_file(self) -> None:
        """Fichier > Échanger des modifications par fichier…: a replica's changes, or its origin's reply."""
        from .replica_actions import exchange_by_file

        exchange_by_file(self)

    def show_conflict_queue(self) -> QWidget:
        """Fichier > Conflits en attente (agences, répliques)…: the conflicts left for later, settled as one undo
        step."""
        from .agency_exchange import show_conflict_queue

        dialog = show_conflict_queue(self)
        self._track(dialog)
        return dialog

    def compare_snapshots(self) -> QWidget | None:
        """Fichier > Comparer deux instantanés…: what changed between two steering committees."""
        from .snapshot_diff_view import compare_snapshots

        dialog = compare_snapshots(self)
        if dialog is not None:
            self._track(dialog)
        return dialog

    def restore_backup(self) -> None:
        """Fichier > Restaurer une sauvegarde…: the database is closed, the chosen copy put in its place (the
        current file kept aside, untouched), and the window reopens it, with an empty undo history."""
        from .recovery import BackupsDialog, restore_chosen

        if self.workspace.read_only or not self.workspace.ready:
            return
        path = self.workspace.db.path
        dialog = BackupsDialog(path, self)
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.chosen is None:
            return
        if not self.editors_may_close():
            return
        for editor in self.open_editors():
            editor.close_without_asking()
        for window in [*self.editors.values(), *self.dialogs]:
            window.close()
        from .tasks import pool

        pool().waitForDone(30_000)  # the copy taken at open (or any other background work) reads the file
        self.workspace.close()  # the file must be closed to be replaced
        if restore_chosen(self, path, dialog.chosen, "remplacee"):
            self.backed_up.add(path)  # the restored copy needs no copy of its own
        self.switch_to(path)

    def new_database(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, tr("Nouvelle base"), "portefeuille.sqlite",
                                              tr("Bases du portefeuille (*.sqlite)"))
        if path:
            if Path(path).exists():
                message = tr("« {path} » existe déjà : choisissez un nouveau nom.", path=path)
                QMessageBox.warning(self, APP_NAME, message)
                return
            self.switch_to(Path(path))

    def open_demo(self) -> None:
        from .opening import open_demo_portfolio  # imported on first use

        if self.editors_may_close():
            open_demo_portfolio(self)

    def switch_to(self, path: Path, read_only: bool = False) -> None:
        """Opens another database in the background and moves the window to it."""
        from .opening import open_in_background

        if not self.editors_may_close():  # unsaved changes first: the user may keep this database open
            return
        open_in_background(self, path, read_only)

    def replace_workspace(self, workspace: Workspace) -> None:
        """Moves the window to another open database (closing the previous one)."""
        for editor in self.open_editors():  # asked already (switch_to): nothing may go on writing to the old file
            editor.close_without_asking()
        for window in [*self.editors.values(), *self.dialogs]:
            window.close()
        self.dialogs.clear()
        self.editors.clear()
        for page in self.pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.pages.clear()
        old = self.workspace
        self.workspace = workspace
        # a snapshot's banner goes with the snapshot: set when it opens, cleared by any other database
        self.read_only_reason = self.pending_reason if workspace.read_only else ""
        self.pending_reason = ""
        self.menuBar().clear()
        self._build_menus()
        self._connect(workspace)
        old.close()
        self._show_workspace()

    # --- imports -------------------------------------------------------------------------------------

    def import_workbook(self, path: Path | None = None) -> QWidget | None:
        """Opens the import wizard (on ``path`` when a file was dropped); refused in read-only mode."""
        if self.workspace.read_only or not self.workspace.ready:
            return None
        from .import_wizard import open_import_wizard  # imported on first use: a faster start

        wizard = open_import_wizard(self, self.workspace, path)
        if wizard is not None:
            wizard.imported.connect(self._imported)
            self._track(wizard)
        return wizard

    def _imported(self, plan: Any) -> None:
        if self.stack.currentWidget() is self.welcome:  # the first records of an empty base: show them
            self.show_page("project" if plan.created_counts().get("project") else "organisation")

    def import_history(self) -> QWidget:
        """The history of imports, where any past import can be undone."""
        from .import_history import ImportHistoryDialog

        dialog = ImportHistoryDialog(self.workspace, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._track(dialog)
        dialog.show()
        return dialog

    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDragMoveEvent | QDropEvent) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        if len(urls) != 1 or not urls[0].isLocalFile():
            return None
        path = Path(urls[0].toLocalFile())
        return path if path.suffix.lower() in IMPORT_SUFFIXES else None

    def _accept_drag(self, event: QDragEnterEvent | QDragMoveEvent) -> None:
        if not self.workspace.read_only and self._dropped_file(event) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_drag(event)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_drag(event)

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_file(event)
        if path is None or self.workspace.read_only:
            event.ignore()
            return
        event.acceptProposedAction()
        self.import_workbook(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in recent_databases():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda _checked=False, path=path: self.switch_to(Path(path)))
        if not self.recent_menu.actions():
            self.recent_menu.addAction(tr("(aucune)")).setEnabled(False)

    def show_guide(self) -> QWidget:
        """Aide > Guide d'utilisation (F1): the user guide shipped with the application, in the window."""
        from .help import GuideDialog

        dialog = GuideDialog(self)
        self._track(dialog)
        dialog.show()
        return dialog

    def about(self) -> QWidget:
        """Aide > À propos: the version, the libraries and data shipped, and their licences."""
        from .help import AboutDialog

        dialog = AboutDialog(self)
        self._track(dialog)
        dialog.show()
        return dialog

    # --- closing -------------------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.editors_may_close():  # "Annuler" in an editor's question: the application stays open
            event.ignore()
            return
        for editor in self.open_editors():
            editor.close_without_asking()
        settings = QSettings()
        settings.setValue("geometry", self.saveGeometry())
        settings.setValue("state", self.saveState())
        if not self.workspace.read_only and self.on_file:
            settings.setValue("last_database", str(self.workspace.db.path))
        for editor in list(self.editors.values()):
            editor.close()
        self.workspace.close()
        super().closeEvent(event)

    def fit_to_screen(self) -> None:
        """The first size: 1366×768 at most, inside the screen's free area (panels and the title bar left out:
        at 1366×768 the status bar was below the screen's edge), centred."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            self.resize(1366, 768)
            return
        free = screen.availableGeometry()
        width, height = min(1366, free.width() - 16), min(768, free.height() - TITLE_BAR)
        self.resize(width, height)
        self.move(free.x() + (free.width() - width) // 2, free.y() + max(0, (free.height() - height - TITLE_BAR) // 2))

    def restore_layout(self) -> None:
        settings = QSettings()
        geometry = settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.fit_to_screen()
        state = settings.value("state")
        if state is not None:
            self.restoreState(state)


def recent_databases() -> list[str]:
    value = QSettings().value("recent", [])
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list | tuple) else []
    return [str(p) for p in items if p]


def remember_recent(path: Path) -> None:
    items = [str(path)] + [p for p in recent_databases() if p != str(path)]
    QSettings().setValue("recent", items[:MAX_RECENT])
