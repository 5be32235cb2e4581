"""Starting the application: QApplication, settings, language, the database, the main window."""

from __future__ import annotations

import os
import re
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QLibraryInfo, QLocale, QSettings, QTimer, QTranslator
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from portfolio import APP_NAME, __version__
from portfolio.db.locations import is_url
from portfolio.db.sqlite_file import APPLICATION_ID, SCHEMA_VERSION, QuickView, read_header
from portfolio.domain import i18n
from portfolio.domain.errors import PortfolioError
from portfolio.services.app_paths import DB_ENV, default_database
from portfolio.services.portfolio import open_portfolio, shared_location

from .main_window import DEFAULT_PAGE, MainWindow
from .preferences import stored_language
from .tasks import run_task
from .workspace import Workspace

if TYPE_CHECKING:
    from portfolio.db.database import Database

# Pages whose first paint the quick view can serve (record lists): the dashboard and the journal need the ORM.
QUICK_PAGES = {"call", "application", "project", "organisation", "contact", "disbursement", "milestone"}


def make_application() -> QApplication:
    """The QApplication with the names QSettings uses, and the language chosen in the preferences."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("DNS")
    app.setOrganizationDomain("esante.gouv.fr")
    QGuiApplication.setDesktopFileName("portefeuille-sasn")
    from .help import icon

    app.setWindowIcon(icon())
    language = stored_language()
    i18n.set_language(language)
    _qt_translations(app, language)
    return app  # type: ignore[return-value]


def _qt_translations(app: QCoreApplication, language: str) -> None:
    """Qt's own words in the chosen language (the standard dialogs' Cancel, Yes, No, the file dialog's labels, the
    line edits' context menu…), from the translations PySide6 ships: the source tree and the installed application
    (PyInstaller collects PySide6/Qt/translations) find them in the same place. English is Qt's own language: no
    translator at all."""
    # Qt's own numbers, sizes, dates and day names (the file dialog's "1,96 Kio", the calendar) follow the language
    # too; the application's own values are formatted by domain.money and domain.dates whatever the locale
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France) if language == "fr"
                       else QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom))
    for previous in getattr(app, "_portfolio_translators", ()):
        app.removeTranslator(previous)
    app._portfolio_translators = ()  # type: ignore[attr-defined]
    if language == "en":
        return
    catalogue = QTranslator(app)
    if not catalogue.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        return
    gaps = _CatalogueGaps(catalogue, app)
    # Qt asks the translator installed last first: the catalogue answers, the gaps only what it cannot
    app.installTranslator(gaps)
    app.installTranslator(catalogue)
    app._portfolio_translators = (catalogue, gaps)  # type: ignore[attr-defined]


class _CatalogueGaps(QTranslator):
    """The words Qt 6 asks for under a source text its own catalogue no longer has, found in that catalogue under
    the text Qt 5 used.

    PySide6 6.11's qtbase_fr.qm was never updated for two Qt 6 changes, so the non-native file dialog stayed half
    English: (1) its labels gained a mnemonic ("&Look in:", "Files of &type:") while the catalogue only has "Look
    in:" -> "Voir dans :" and "Files of type:" -> "Fichiers de type :"; (2) the file types of the list ("Folder",
    "Drive"…) moved from the QFileDialog context to QAbstractFileIconProvider, which the catalogue lacks entirely.
    Qt's own wording is reused, never ours. Asked only for what the catalogue misses, so rarely."""

    def __init__(self, catalogue: QTranslator, parent: QCoreApplication) -> None:
        super().__init__(parent)
        self._catalogue = catalogue

    def isEmpty(self) -> bool:  # not empty: installing it must send the widgets a LanguageChange
        return False

    def translate(self, context: str, source: str, disambiguation: str | None = None,  # type: ignore[override]
                  n: int = -1) -> str | None:
        """Qt's wording of the nearest older source text, or None (a null string: Qt keeps looking, then shows the
        source text; an empty string would blank the label). A Python override returning None is what PySide6 6.12
        mishandles on CPython 3.11 (pyproject's pin; tests/ui/test_pyside_pin.py)."""
        if context == "QAbstractFileIconProvider":  # Qt 5 asked these under QFileDialog, without a comment
            found = self._catalogue.translate("QFileDialog", source, None, n)
            if found:
                return found
        if "&" in source:
            plain = _MNEMONIC.sub(r"\1", source)
            found = self._catalogue.translate(context, plain, disambiguation, n)
            if found:
                return _with_mnemonic(found, _mnemonic_letter(source))
        return None


# "&x" marks the mnemonic x; "&&" is a literal ampersand
_MNEMONIC = re.compile(r"&(.)")


def _mnemonic_letter(source: str) -> str:
    """The letter after the single "&" of a Qt text ("&Look in:" -> "L"), "" when there is none."""
    return next((letter for letter in _MNEMONIC.findall(source) if letter != "&"), "")


def _with_mnemonic(text: str, letter: str) -> str:
    """The translation with its own mnemonic back (Alt+letter reaches the field): on a word starting with the
    English letter when there is one ("Fichiers de &type :"), else on its first letter ("&Voir dans :")."""
    text = text.replace("&", "&&")
    words = list(re.finditer(r"\b\w", text))
    chosen = next((m for m in words if letter and m.group().lower() == letter.lower()), words[0] if words else None)
    return text if chosen is None else text[:chosen.start()] + "&" + text[chosen.start():]


def last_database() -> Path | None:
    """The database open when the application was last closed, unless PORTFOLIO_DB names one."""
    if os.environ.get(DB_ENV):
        return None
    value = QSettings().value("last_database")
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_file() else None


def needs_migration(path: Path) -> bool:
    """True for one of our files written by an older version: opening it migrates it, which takes time."""
    try:
        header = read_header(path)
    except OSError:
        return False
    return header.is_sqlite and header.application_id == APPLICATION_ID and header.user_version < SCHEMA_VERSION


def open_with_progress(path: Path) -> Database:
    """Opens (and migrates) a database in the background behind a progress dialog; raises what opening raised."""
    outcome: dict[str, Any] = {}
    loop = QEventLoop()

    def finished(key: str, value: Any) -> None:
        outcome[key] = value
        loop.quit()

    run_task(None, i18n.tr("Mise à jour de la base {name} (une copie de sauvegarde est faite d'abord)",
                           name=path.name),
             lambda _progress, _cancelled: open_portfolio(path), lambda db: finished("db", db),
             lambda exc: finished("error", exc), cancellable=False)
    loop.exec()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["db"]


def run(db: str | None, screenshot: str | None = None, read_only: bool = False, reason: str | None = None) -> int:
    """Opens the main window on ``db`` (default: the user's database). With ``screenshot``, saves a PNG of the
    window once painted and quits (for checks without a person in front of the screen).

    A current portfolio file is first shown through a quick read-only view (plain sqlite3, no SQLAlchemy):
    the window is painted with its records, then the database is opened in full and the window attached to
    it before any input is handled. Any other file (new, older, foreign, damaged) is opened in full first."""
    app = make_application()
    from .messages import install_excepthook

    install_excepthook()  # an error escaping a slot is logged and said, not lost
    shared = shared_location(db)  # team mode: --db-url, PORTFOLIO_DB or the preferences
    path: Any = shared or (Path(db).expanduser() if db else last_database() or default_database())
    # a file's records are painted first through a quick read-only view; a server's database is opened in full
    quick = QuickView.open(path) if not shared and str(QSettings().value("page", DEFAULT_PAGE)) in QUICK_PAGES \
        else None
    if reason is None:
        reason = i18n.tr("ouverte en lecture seule à votre demande") if read_only else ""
    window = None
    if quick is not None:
        try:
            window = MainWindow(Workspace(quick, read_only), reason)
        except sqlite3.Error:  # SQLite refuses the file after all: the full opening below says why
            quick.close()
            quick = None
    if window is None:
        database = _open(path, read_only, screenshot)
        if database is None:
            return 1
        window = MainWindow(Workspace(database, read_only), reason)
    workspace = window.workspace
    if not screenshot:
        window.restore_layout()
    window.show()
    # the start-up benchmark: "1" quits once the window is painted with its records, "ready" once editable
    exit_after = os.environ.get("PORTFOLIO_EXIT_AFTER_PAINT", "")
    outcome = {"code": 0}

    def quit_now() -> None:
        window.close()
        app.quit()

    def attach() -> None:
        window.repaint()  # the records on screen first, then the full opening (about 0.3 s)
        if exit_after == "1":
            return quit_now()
        database = _open(path, read_only, screenshot)
        if database is None:
            outcome["code"] = 1
            return quit_now()
        workspace.attach(database, read_only)
        if exit_after:
            quit_now()

    if quick is not None:
        QTimer.singleShot(0, attach)
    elif exit_after:
        QTimer.singleShot(0, lambda: (window.repaint(), quit_now()))
    if screenshot:
        def capture() -> None:
            from portfolio.services.files import png_is_whole, write_whole

            try:  # never over the database or its companions, whole or not at all, as every file written
                write_whole(Path(screenshot), lambda target: window.grab().save(str(target), "PNG"),
                            i18n.tr("La capture"), check=png_is_whole)
            except PortfolioError as error:
                print(error, file=sys.stderr)
                outcome["code"] = 1
            window.close()
            app.quit()

        QTimer.singleShot(600, capture)
    code = app.exec()
    return outcome["code"] or code


def _open(path: Path, read_only: bool, screenshot: str | None) -> Database | None:
    """The database opened in full (migrated behind a progress dialog when needed), or None once the reason
    it could not be opened has been shown."""
    try:
        if not is_url(path) and needs_migration(path) and not read_only:
            return open_with_progress(path)
        return open_portfolio(path, readonly=read_only, must_exist=read_only)
    except PortfolioError as exc:
        from portfolio.db.database import DamagedDatabaseError  # loaded by the opening already

        if isinstance(exc, DamagedDatabaseError) and not (screenshot or read_only):
            from .recovery import offer_recovery

            return _open(path, read_only, screenshot) if offer_recovery(None, exc) else None
        if screenshot:
            print(f"portfolio : {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, APP_NAME, str(exc))
        return None
