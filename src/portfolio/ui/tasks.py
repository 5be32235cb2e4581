"""Long work off the UI thread: a one-worker pool, progress and cancel, results back by signal.

Core functions take plain ``progress(fraction, message)`` and ``cancelled()`` callables; this module
adapts them to Qt so the window never freezes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget

from portfolio.domain.i18n import tr

Work = Callable[[Callable[[float, str], None], Callable[[], bool]], Any]


class _Signals(QObject):
    progress = Signal(float, str)
    done = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    """One piece of long work; its signals are delivered in the UI thread."""

    def __init__(self, work: Work) -> None:
        super().__init__()
        self.work = work
        self.signals = _Signals()
        self._cancel = threading.Event()
        # Qt must not delete the runnable (and with it the signals' owner) before the queued signals
        # reach the UI thread: run_task keeps it alive until its result is delivered
        self.setAutoDelete(False)

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            result = self.work(lambda f, m: self.signals.progress.emit(f, m), self._cancel.is_set)
        except BaseException as exc:  # reported to the UI thread, which shows it
            outcome, value = self.signals.failed, exc
        else:
            outcome, value = self.signals.done, result
        with contextlib.suppress(RuntimeError):  # the application closed while the work ran: nobody to tell
            outcome.emit(value)


_pool: QThreadPool | None = None
_running: set[Task] = set()


def pool() -> QThreadPool:
    """One worker: long jobs run one after the other, never two writers at once."""
    global _pool
    if _pool is None:
        _pool = QThreadPool()
        _pool.setMaxThreadCount(1)
    return _pool


def run_task(parent: QWidget | None, title: str, work: Work, on_done: Callable[[Any], None],
             on_failed: Callable[[BaseException], None], cancellable: bool = True) -> Task:
    """Runs ``work`` in the background with a progress dialog (shown after half a second)."""
    task = Task(work)
    dialog = QProgressDialog(title, tr("Annuler") if cancellable else "", 0, 1000, parent)
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(500)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    if not cancellable:
        dialog.setCancelButton(None)
    dialog.canceled.connect(task.cancel)

    def progress(fraction: float, message: str) -> None:
        dialog.setValue(int(fraction * 1000))
        dialog.setLabelText(message)

    def finish(callback: Callable[[Any], None], value: Any) -> None:
        _running.discard(task)
        if shiboken6.isValid(dialog):  # gone with its parent when the window replaced the page meanwhile
            dialog.close()
            dialog.deleteLater()
        callback(value)

    task.signals.progress.connect(progress)
    task.signals.done.connect(lambda value: finish(on_done, value))
    task.signals.failed.connect(lambda exc: finish(on_failed, exc))
    _running.add(task)
    pool().start(task)
    return task


class BusyDialog(QDialog):
    """A dialog that stays open while a background task it started runs (the task reports back to it)."""

    busy = False

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)

    def reject(self) -> None:
        if not self.busy:
            super().reject()
