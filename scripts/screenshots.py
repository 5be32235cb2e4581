"""Screenshots of every screen at 1366×768, for looking at them (and for the README).

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots.py DB OUTDIR
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication

from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui.editor import RecordEditor
from portfolio.ui.main_window import NAVIGATION, MainWindow
from portfolio.ui.search_dialog import SearchDialog
from portfolio.ui.workspace import Workspace


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def main(db: str, out: str) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder / "settings"))
    make_application()
    window = MainWindow(Workspace(open_portfolio(db)))
    window.resize(1366, 768)
    window.show()
    for row, (key, _label) in enumerate(NAVIGATION):
        window.navigation.setCurrentRow(row)
        settle()
        window.grab().save(str(folder / f"{row:02d}-{key}.png"))
    window.show_page("project")
    settle()
    page = window.pages["project"]
    editor = RecordEditor(window.workspace, "project", page.model.id_at(0), window)
    editor.show()
    settle()
    editor.grab().save(str(folder / "20-editor-project.png"))
    editor.tabs.setCurrentIndex(1)
    settle()
    editor.grab().save(str(folder / "21-editor-links.png"))
    organisation = RecordEditor(window.workspace, "organisation", 1, window)
    organisation.show()
    organisation.inputs["siret"].edit.setText("123")
    organisation.save()
    settle()
    organisation.grab().save(str(folder / "22-editor-refused-value.png"))
    search = SearchDialog(window.workspace, window)
    search.show()
    search.field.setText("ile")
    search.search()
    settle()
    search.grab().save(str(folder / "30-search.png"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
