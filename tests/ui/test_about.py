"""À propos (issue #19): every library shipped, from the installed distributions' own metadata (the application's
runtime dependencies in pyproject.toml, and theirs in turn), each with its version and licence; psycopg,
psycopg-binary and the libpq it brings included."""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

import pytest
from PySide6.QtGui import QTextCursor, QTextTable

from portfolio.ui import help as about
from portfolio.ui.help import AboutDialog, _Marker, libraries

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _runtime_dependencies() -> list[str]:
    """The names of [project] dependencies in pyproject.toml, normalised."""
    declared = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]["dependencies"]
    return [_key(re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", line).group()) for line in declared]


def _table(dialog: AboutDialog) -> dict[str, list[str]]:
    """The libraries' table as shown: normalised name -> [name, version, role, licence]."""
    tables = [frame for frame in dialog.browser.document().rootFrame().childFrames() if isinstance(frame, QTextTable)]
    assert len(tables) == 1
    table = tables[0]
    rows = {}
    for row in range(1, table.rows()):  # row 0 is the heading
        cells = []
        for column in range(table.columns()):
            cell = table.cellAt(row, column)
            cursor = cell.firstCursorPosition()
            cursor.setPosition(cell.lastCursorPosition().position(), QTextCursor.MoveMode.KeepAnchor)
            cells.append(cursor.selectedText())
        rows[_key(cells[0])] = cells
    return rows


def test_every_runtime_dependency_and_what_it_brings_is_shown_with_its_licence(qtbot) -> None:
    dialog = AboutDialog()
    qtbot.addWidget(dialog)
    shown = _table(dialog)
    wanted = [*_runtime_dependencies(), "psycopg", "psycopg-binary", "libpq", "qt", "shiboken6", "python"]
    for name in wanted:
        assert name in shown, f"{name} missing from À propos"
        _name, version, role, licence = shown[name]
        assert version not in ("", "—") and role and licence not in ("", "—"), shown[name]
    assert all(licence not in ("", "—") for _name, _version, _role, licence in shown.values())
    assert "LGPL-3.0" in shown["psycopg"][3] and "LGPL-3.0" in shown["psycopg-binary"][3]
    assert "LGPL-3.0" in shown["pyside6-essentials"][3] and "LGPL-3.0" in shown["qt"][3]
    assert shown["libpq"][3] == "PostgreSQL" and re.fullmatch(r"\d+\.\d+", shown["libpq"][1])
    # what the dependencies need in turn, found in their metadata (none of these is named in pyproject.toml)
    assert {"mako", "markupsafe", "et-xmlfile", "cffi", "shiboken6"} <= set(shown)
    # and nothing the application does not ship: test tools, the build's own dependencies
    assert not {"pytest", "pytest-qt", "hypothesis", "ruff", "pyinstaller", "altgraph"} & set(shown)


def test_each_licence_is_the_one_the_metadata_states() -> None:
    from importlib import metadata

    for library in libraries():
        if library.name in ("Python", "Qt", "libpq"):
            continue
        meta = metadata.metadata(library.name)
        stated = " ".join(filter(None, [meta.get("License-Expression"), meta.get("License"),
                                        *(meta.get_all("Classifier") or [])]))
        assert library.licence in stated, (library.name, library.licence)
        assert library.version == metadata.version(library.name)


@pytest.mark.parametrize(("marker", "extras", "expected"), [
    ("extra == 'binary'", {"binary"}, True),
    ('implementation_name != "pypy" and extra == "binary"', set(), False),
    ('python_version < "3.11"', set(), False),
    ('python_version >= "3.11"', set(), True),
    ("python_full_version >= '3.15' and platform_python_implementation != 'PyPy'", set(), False),
    ('sys_platform == "win32"', set(), sys.platform == "win32"),
    ('(sys_platform == "win32" or os_name == "posix") and extra == "c"', {"c"}, True),
    ('"linux" in sys_platform', set(), "linux" in sys.platform),
])
def test_requirement_markers_are_evaluated_here(marker: str, extras: set[str], expected: bool) -> None:
    assert _Marker(marker, frozenset(extras)).value() is expected


def test_the_installed_application_lists_the_metadata_it_carries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bundle ships its libraries' metadata but not the application's own: every distribution found then,
    and PyInstaller's launcher, whose licence has an exception for it."""
    real = about._distribution
    monkeypatch.setattr(about, "_distribution", lambda key: None if key == about.APPLICATION else real(key))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    names = {_key(library.name) for library in libraries()}
    assert {"psycopg", "psycopg-binary", "libpq", "pyside6-essentials", "qt"} <= names
    if real("pyinstaller") is not None:
        assert "pyinstaller" in names
