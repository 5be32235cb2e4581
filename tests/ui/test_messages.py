"""Issue #20, item 4 (a first part): an error that escapes a slot of the window is said in one message and its
traceback written to the same log as the command line's; an expected error (PortfolioError) is said, not logged."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from portfolio.domain.errors import PortfolioError
from portfolio.ui import messages
from portfolio.ui.app import make_application


@pytest.fixture
def boxes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    monkeypatch.setenv("PORTFOLIO_LOG_DIR", str(tmp_path / "journaux"))
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda _parent, _title, text: shown.append(text))
    return shown


def test_an_error_escaping_a_slot_is_said_and_logged(qapp, boxes: list[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    make_application()
    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put back after the test
    messages.install_excepthook()
    assert sys.excepthook is messages._unexpected
    try:
        raise ValueError("une erreur de programmation")
    except ValueError as error:
        sys.excepthook(type(error), error, error.__traceback__)
    log = tmp_path / "journaux" / "erreurs.log"
    written = log.read_text(encoding="utf-8")
    assert "fenêtre" in written and "Traceback" in written and "ValueError: une erreur de programmation" in written
    assert len(boxes) == 1 and "Erreur inattendue" in boxes[0] and str(log) in boxes[0]
    assert "Traceback" not in boxes[0]  # never in front of the user


def test_an_expected_error_is_said_without_a_log(qapp, boxes: list[str], tmp_path: Path) -> None:
    messages.report(None, PortfolioError("Le fichier « x.xlsx » est illisible."))
    assert boxes == ["Le fichier « x.xlsx » est illisible."]
    assert not (tmp_path / "journaux").exists()


def test_an_error_in_a_worker_thread_is_logged_without_a_box(qapp, boxes: list[str], tmp_path: Path) -> None:
    """A box shown from a worker thread would block it (and the application closing after the first paint hung
    for good): off the window's thread the error goes to the log only."""
    import threading

    def fail() -> None:
        try:
            raise RuntimeError("Signal source has been deleted")
        except RuntimeError as error:
            messages._unexpected(type(error), error, error.__traceback__)

    worker = threading.Thread(target=fail)
    worker.start()
    worker.join(timeout=10)
    assert not worker.is_alive() and boxes == []
    assert "Signal source has been deleted" in (tmp_path / "journaux" / "erreurs.log").read_text(encoding="utf-8")
