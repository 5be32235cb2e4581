"""How the window tells the user about errors: one clear message box, never a traceback; an unexpected error
(a bug) is written to the same log as the command line's, and the message says where.

``install_excepthook`` catches what escapes a slot (Qt would only print it on a console the installed application
does not have)."""

from __future__ import annotations

import sys
from types import TracebackType

from PySide6.QtCore import QCoreApplication, QThread
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from portfolio import APP_NAME
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services.error_log import log_unexpected


def report(parent: QWidget | None, exc: BaseException) -> None:
    """Shows an error as one clear message; an unexpected one is logged first and the message names the log."""
    if isinstance(exc, PortfolioError):
        QMessageBox.critical(parent, APP_NAME, str(exc))
        return
    log = log_unexpected(exc, "fenêtre")
    where = tr(" Les détails sont dans « {log} ».", log=str(log)) if log else ""
    QMessageBox.critical(parent, APP_NAME, tr("Erreur inattendue : {error}", error=exc) + where)


def _unexpected(kind: type[BaseException], exc: BaseException, trace: TracebackType | None) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, exc, trace)
        return
    application = QApplication.instance()
    in_window_thread = application is not None and QThread.currentThread() is application.thread()
    if not in_window_thread or QCoreApplication.closingDown():
        # a worker thread cannot show a box (and must not block); nor can an application that is closing
        log_unexpected(exc.with_traceback(trace), "fenêtre (hors de la fenêtre)")
        return
    try:
        report(QApplication.activeWindow(), exc.with_traceback(trace))
    except Exception:  # the box itself failed: the log at least
        log_unexpected(exc, "fenêtre")


def install_excepthook() -> None:
    """Every error that escapes a slot is logged and said in a box (the application goes on)."""
    sys.excepthook = _unexpected
