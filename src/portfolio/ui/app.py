"""Starting the application: QApplication, settings, language, the database, the main window."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from portfolio import APP_NAME, __version__
from portfolio.domain import i18n
from portfolio.domain.errors import PortfolioError
from portfolio.services.portfolio import DB_ENV, default_db_path, open_portfolio

from .main_window import MainWindow
from .preferences import stored_language
from .workspace import Workspace


def make_application() -> QApplication:
    """The QApplication with the names QSettings uses, and the language chosen in the preferences."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("DNS")
    app.setOrganizationDomain("esante.gouv.fr")
    QGuiApplication.setDesktopFileName("portefeuille-sasn")
    i18n.set_language(stored_language())
    return app  # type: ignore[return-value]


def last_database() -> Path | None:
    """The database open when the application was last closed, unless PORTFOLIO_DB names one."""
    if os.environ.get(DB_ENV):
        return None
    value = QSettings().value("last_database")
    path = Path(str(value)) if value else None
    return path if path is not None and path.is_file() else None


def run(db: str | None, screenshot: str | None = None, read_only: bool = False) -> int:
    """Opens the main window on ``db`` (default: the user's database). With ``screenshot``, saves a PNG of the
    window once painted and quits (for checks without a person in front of the screen)."""
    app = make_application()
    path = Path(db).expanduser() if db else last_database() or default_db_path()
    try:
        database = open_portfolio(path, readonly=read_only, must_exist=read_only)
    except PortfolioError as exc:
        if screenshot:
            print(f"portfolio : {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    reason = i18n.tr("ouverte avec --read-only") if read_only else ""
    window = MainWindow(Workspace(database, read_only), reason)
    if not screenshot:
        window.restore_layout()
    window.show()
    if os.environ.get("PORTFOLIO_EXIT_AFTER_PAINT"):  # the start-up benchmark: quit once the window is painted
        QTimer.singleShot(0, lambda: (window.repaint(), window.close(), app.quit()))
    if screenshot:
        def capture() -> None:
            window.grab().save(screenshot)
            window.close()
            app.quit()

        QTimer.singleShot(600, capture)
    return app.exec()
