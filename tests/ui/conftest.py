"""UI test fixtures: settings in a temporary folder, a demo portfolio copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui.application import locate_settings
from portfolio.ui.main_window import MainWindow
from portfolio.ui.workspace import Workspace


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every setting in a temporary folder (services.app_paths' overrides; Qt's settings follow the configuration
    folder: ui.application.locate_settings), so tests never touch (or depend on) the user's preferences."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PORTFOLIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PORTFOLIO_KEYS_DIR", str(tmp_path / "keys"))
    locate_settings()  # (before a test writes a QSettings value: make_application does it again, to the same place)
    yield


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui-demo") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


@pytest.fixture
def demo_path(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_template, path)
    return path


@pytest.fixture
def workspace(qapp, demo_path: Path) -> Iterator[Workspace]:
    make_application()
    ws = Workspace(open_portfolio(demo_path))
    yield ws
    ws.close()


@pytest.fixture
def read_only_window(qtbot, demo_path: Path) -> Iterator[MainWindow]:
    """The main window shown on the demo portfolio opened with --read-only."""
    make_application()
    workspace = Workspace(open_portfolio(demo_path, readonly=True), read_only=True)
    window = MainWindow(workspace, "ouverte avec --read-only")
    qtbot.addWidget(window)
    window.show()
    yield window
    workspace.close()


def sql(path: Path, query: str, *params: object) -> list[tuple]:
    """A query on a database file through a read-only connection of its own (the window keeps its own)."""
    import sqlite3

    connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return connection.execute(query, params).fetchall()
    finally:
        connection.close()


@pytest.fixture
def window(qtbot, demo_path: Path) -> Iterator[MainWindow]:
    """The main window shown on a writable copy of the demo portfolio."""
    make_application()
    win = MainWindow(Workspace(open_portfolio(demo_path)))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.workspace.close()


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every message box's text, collected instead of shown."""
    from PySide6.QtWidgets import QMessageBox

    messages: list[str] = []
    for name in ("information", "warning", "critical"):
        monkeypatch.setattr(QMessageBox, name, lambda _parent, _title, text, *a, **k: messages.append(text))
    return messages


@pytest.fixture(autouse=True)
def unsaved_answers(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The question an editor with unsaved changes asks on closing, answered without a modal box (which would
    wait forever in a test): "discard" unless a test appends its answers first; every question asked is
    recorded, as "asked:<name>", after the answers."""
    from portfolio.ui import questions  # Qt and the translations only: importing it loads no database code

    answers: list[str] = []

    def answer(_parent: object, name: str) -> str:
        given = next((a for a in answers if not a.startswith("asked:")), "discard")
        if given in answers:
            answers.remove(given)
        answers.append(f"asked:{name}")
        return given

    monkeypatch.setattr(questions, "ask_unsaved", answer)
    return answers


@pytest.fixture(autouse=True)
def dialogs_run(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The modal dialogs the application runs through ui.questions.run_dialog (a modal loop would wait forever
    in a test): recorded here and answered "Annuler" (0) unless a test patches run_dialog itself."""
    from portfolio.ui import questions

    shown: list[object] = []

    def run(dialog: object) -> int:
        shown.append(dialog)
        return 0

    def confirm(_parent: object, title: str, _text: str, _yes: str, _no: str) -> bool:
        shown.append(title)  # a yes/no question: answered yes (the behaviour tests written before it expect)
        return True

    monkeypatch.setattr(questions, "run_dialog", run)
    monkeypatch.setattr(questions, "confirm", confirm)
    return shown
