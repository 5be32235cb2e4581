"""Starting the window: QApplication, the database, the first screen.

Until the main-window issue lands, the window shows the open database's key figures and counts, and
says plainly that browsing and editing are not there yet.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox

from portfolio import APP_NAME, __version__
from portfolio.domain.errors import PortfolioError
from portfolio.services.portfolio import default_db_path, open_portfolio
from portfolio.services.stats import key_figures

from .figures_window import FiguresWindow


def run(db: str | None, screenshot: str | None = None) -> int:
    """Opens the window on ``db`` (default: the user's database). With ``screenshot``, saves a PNG of the
    window once painted and quits (for checks without a person in front of the screen)."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("DNS")
    QGuiApplication.setDesktopFileName("portefeuille-sasn")
    path = Path(db).expanduser() if db else default_db_path()
    try:
        with open_portfolio(path) as database, database.read() as session:
            figures = key_figures(session)
    except PortfolioError as exc:
        if screenshot:
            print(f"portfolio : {exc}", file=sys.stderr)
        else:
            QMessageBox.critical(None, APP_NAME, str(exc))
        return 1
    window = FiguresWindow(path, figures)
    window.resize(1180, 760)
    window.show()
    if screenshot:
        def capture() -> None:
            window.grab().save(screenshot)
            app.quit()

        QTimer.singleShot(400, capture)
    return app.exec()
