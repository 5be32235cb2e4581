"""Start-up: the window is painted from a quick read-only view, then attached to the database opened in full."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from portfolio.db.sqlite_file import QuickView
from portfolio.services.changes import FieldChange
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui.main_window import MainWindow
from portfolio.ui.table_page import RecordTablePage
from portfolio.ui.workspace import ReadOnlyError, Workspace


def count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def launch(path: Path, tmp_path: Path, exit_after: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PORTFOLIO_EXIT_AFTER_PAINT": exit_after,
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    return subprocess.run([sys.executable, "-X", "importtime", "-m", "portfolio", "gui", "--db", str(path)],
                          capture_output=True, text=True, timeout=120, env=env)


def test_the_first_paint_happens_before_sqlalchemy_is_imported(demo_path: Path, tmp_path: Path) -> None:
    painted = launch(demo_path, tmp_path, "1")
    assert painted.returncode == 0, painted.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in painted.stderr.splitlines() if "|" in line]
    assert "portfolio.ui.table_model" in imported  # the project list was built and painted
    assert not [name for name in imported if name.startswith("sqlalchemy")]
    ready = launch(demo_path, tmp_path, "ready")  # then the database is opened in full, with SQLAlchemy
    assert ready.returncode == 0, ready.stderr[-2000:]
    assert "sqlalchemy.orm" in [line.rsplit("|", 1)[-1].strip() for line in ready.stderr.splitlines()]


def test_the_quick_view_shows_the_records_and_edits_wait_for_the_full_database(
        qtbot, demo_path: Path) -> None:
    make_application()
    quick = QuickView.open(demo_path)
    assert quick is not None
    workspace = Workspace(quick)
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    page = window.current_page()
    assert isinstance(page, RecordTablePage) and page.entity == "project"
    assert page.model.rowCount() == count(demo_path, "project") == 350
    assert page.model.values(0)[0]  # values read through plain sqlite3
    assert not window.banner.isVisible()  # not read-only: only not attached yet
    with sqlite3.connect(demo_path) as connection:
        uuid, city = connection.execute("SELECT uuid, city FROM organisation ORDER BY id LIMIT 1").fetchone()
    change = FieldChange("organisation", uuid, "city", city, "Saint-Malo")
    with pytest.raises(ReadOnlyError):
        workspace.apply([change], "Modifier la ville")
    audit = count(demo_path, "audit_entry")

    workspace.attach(open_portfolio(demo_path))
    try:
        assert workspace.ready and not workspace.read_only
        with pytest.raises(sqlite3.ProgrammingError):  # the quick view's connection is closed
            quick._connection.execute("SELECT 1")
        workspace.apply([change], "Modifier la ville")
        assert count(demo_path, "audit_entry") == audit + 1
        workspace.undo_stack.undo()
        with sqlite3.connect(demo_path) as connection:
            assert connection.execute("SELECT city FROM organisation WHERE uuid = ?", (uuid,)).fetchone()[0] == city
    finally:
        window.close()


def test_a_relative_path_is_painted_quickly_too(demo_path: Path, tmp_path: Path) -> None:
    """`make run` passes --db .demo/demo-portfolio.sqlite: a relative path."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PORTFOLIO_EXIT_AFTER_PAINT": "ready",
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-m", "portfolio", "gui", "--db", demo_path.name],
                          capture_output=True, text=True, timeout=120, env=env, cwd=demo_path.parent)
    assert done.returncode == 0, done.stderr
    view = QuickView.open(Path(os.path.relpath(demo_path)))
    assert view is not None
    view.close()


def test_the_quick_view_leaves_every_other_file_to_the_full_opening(demo_path: Path, tmp_path: Path) -> None:
    assert QuickView.open(tmp_path / "missing.sqlite") is None
    text = tmp_path / "notes.sqlite"
    text.write_text("hello")
    assert QuickView.open(text) is None
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE t (x)")
    assert QuickView.open(foreign) is None
    older = tmp_path / "older.sqlite"
    shutil.copyfile(demo_path, older)
    with sqlite3.connect(older) as connection:
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        connection.execute(f"PRAGMA user_version = {version - 1}")
    assert QuickView.open(older) is None
    view = QuickView.open(demo_path)
    assert view is not None
    view.close()


def test_a_damaged_file_gets_one_clear_line_and_stays_unchanged(demo_path: Path, tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite"
    data = bytearray(demo_path.read_bytes())
    page = 4096
    data[page:page * 40] = b"\xa5" * (page * 39)  # the schema's pages and the first tables: garbage
    damaged.write_bytes(bytes(data))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-m", "portfolio", "gui", "--db", str(damaged), "--screenshot",
                             str(tmp_path / "x.png")], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 1
    assert "endommagée" in result.stderr and "Traceback" not in result.stderr
    assert damaged.read_bytes() == bytes(data)
