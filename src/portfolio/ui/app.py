"""Starting the application: the database and the main window (the QApplication, its settings and language:
ui.application)."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEventLoop, QSettings, QTimer
from PySide6.QtWidgets import QMessageBox

from portfolio import APP_NAME
from portfolio.db.locations import is_url
from portfolio.db.sqlite_file import APPLICATION_ID, SCHEMA_VERSION, QuickView, read_header
from portfolio.domain import i18n
from portfolio.domain.errors import PortfolioError
from portfolio.services.app_paths import DB_ENV, default_database
from portfolio.services.portfolio import open_portfolio, shared_location

from .application import make_application
from .main_window import MainWindow, start_page
from .tasks import run_task
from .workspace import Workspace

if TYPE_CHECKING:
    from portfolio.db.database import Database
    from portfolio.db.store import Store

# Pages whose first paint the quick view can serve (record lists): the dashboard and the journal need the ORM.
QUICK_PAGES = {"call", "application", "project", "organisation", "contact", "disbursement", "milestone"}


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
    quick = QuickView.open(path) if not shared and start_page() in QUICK_PAGES \
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
        def paint_and_quit() -> None:
            window.repaint()
            quit_now()

        QTimer.singleShot(0, paint_and_quit)
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


def _open(path: Path, read_only: bool, screenshot: str | None) -> Store | None:
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
