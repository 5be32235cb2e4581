"""The first window shows the open database's figures in French, and the app can capture itself."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio
from portfolio.services.stats import key_figures
from portfolio.ui.figures_window import FiguresWindow


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ui") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


def test_window_shows_key_figures(qtbot, demo_path: Path) -> None:
    with open_portfolio(demo_path) as db, db.read() as session:
        figures = key_figures(session)
    window = FiguresWindow(demo_path, figures)
    qtbot.addWidget(window)
    window.show()
    texts = [label.text() for label in window.findChildren(QLabel)]
    assert "350" in texts and "700" in texts
    assert any(t.endswith("\u00a0M€") for t in texts)  # 580,0 M€, the French way
    assert any("Version préliminaire" in t for t in texts)  # it says what it is not yet
    assert demo_path.name in window.windowTitle()


def test_run_takes_a_screenshot(demo_path: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    result = subprocess.run([sys.executable, "-m", "portfolio", "--db", str(demo_path), "gui", "--screenshot",
                             str(shot)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert image.width() >= 1000 and image.height() >= 600


def test_gui_refuses_a_foreign_file_with_one_line(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    result = subprocess.run([sys.executable, "-m", "portfolio", "--db", str(foreign), "gui", "--screenshot",
                             str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "n'est pas une base du portefeuille" in result.stderr and "Traceback" not in result.stderr
    assert foreign.read_text() == "hello"
