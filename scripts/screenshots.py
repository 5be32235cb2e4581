"""Screenshots of every screen at 1366×768, for looking at them (and for the README).

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python scripts/screenshots.py DB OUTDIR [--wizard-only]

The import wizard's pages (wizard-*.png) are taken on a copy of DB: the import is applied to the copy only.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui.editor import RecordEditor
from portfolio.ui.main_window import NAVIGATION, MainWindow
from portfolio.ui.search_dialog import SearchDialog
from portfolio.ui.workspace import Workspace


def settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


REALWORLD = Path(__file__).resolve().parents[1] / "tests" / "data" / "realworld"
FRANCE2030 = REALWORLD / "france2030_liste_beneficiaires_extrait_2023-02.xlsx"
SCDL = REALWORLD / "scdl_subventions_exemple_officiel_etalab.csv"


def wait_for(condition: Callable[[], bool], seconds: float = 60) -> None:
    """Lets the event loop run until ``condition`` holds (background tasks report through it)."""
    end = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > end:
            raise TimeoutError("the background task did not finish")
        QApplication.processEvents()
        time.sleep(0.02)
    settle()


def shoot(widget: QWidget, path: Path) -> None:
    settle()
    widget.grab().save(str(path))


def wizard_pages(window: MainWindow, name: str, path: Path, folder: Path, call: str | None = None,
                 calls: dict[str, str] | None = None) -> None:
    """The wizard's pages on one file, up to the import (applied)."""
    from portfolio.ui.import_wizard import CallsDialog, ImportWizard

    wizard = ImportWizard(window.workspace, path, window)
    wizard.show()
    wait_for(lambda: wizard.prepared is not None or bool(wizard.last_error))
    shoot(wizard, folder / f"wizard-{name}-1-fichier.png")
    if wizard.prepared is None:
        wizard.close()
        return
    wizard.next_button.click()
    page = wizard.mapping_page
    if call:
        page.choose_call(call)
    if calls:
        dialog = CallsDialog(page.file_calls(), page.calls, page.recognised, {}, wizard)
        for named, code in calls.items():
            dialog.choose(named, code)
        dialog.show()
        shoot(dialog, folder / f"wizard-{name}-2-appels.png")
        page.set_call_choices(dialog.choices())
        dialog.close()
    shoot(wizard, folder / f"wizard-{name}-2-correspondance.png")
    wizard.next_button.click()
    wait_for(lambda: wizard.page() == 2 or bool(wizard.last_error))
    shoot(wizard, folder / f"wizard-{name}-3-apercu.png")
    for tab in range(wizard.preview_page.tabs.count()):
        wizard.preview_page.tabs.setCurrentIndex(tab)
        shoot(wizard, folder / f"wizard-{name}-3-apercu-onglet{tab + 1}.png")
    wizard.next_button.click()
    shoot(wizard, folder / f"wizard-{name}-4-importer.png")
    if wizard.import_button.isEnabled():
        wizard.import_button.click()
        wait_for(lambda: wizard.result is not None or bool(wizard.last_error))
        shoot(wizard, folder / f"wizard-{name}-5-termine.png")
    wizard.close()


def wizard_screenshots(db: str, folder: Path) -> None:
    """Every page of the import wizard, and the history of imports, on a copy of ``db``."""
    from portfolio.ui.import_history import ImportHistoryDialog

    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary) / "copie.sqlite"
        shutil.copyfile(db, copy)
        window = MainWindow(Workspace(open_portfolio(copy)))
        window.resize(1366, 768)
        window.show()
        if FRANCE2030.exists():
            wizard_pages(window, "france2030", FRANCE2030, folder, call="PEPR-SN",
                         calls={"PEPR Electronique": "PEPR-SN", "Contractualisation directe": "INDUS-SN"})
        if SCDL.exists():
            wizard_pages(window, "scdl", SCDL, folder, call="PEPR-SN")
            corrected = Path(temporary) / "scdl-corrige.csv"
            corrected.write_text(SCDL.read_text(encoding="utf-8").replace("22000.80", "23000.00"), encoding="utf-8")
            wizard_pages(window, "scdl-corrige", corrected, folder, call="PEPR-SN")
        broken = Path(temporary) / "liste.xlsx"
        broken.write_text("ceci n'est pas un classeur\n", encoding="utf-8")
        critical = QMessageBox.critical

        def shown_not_blocking(parent: QWidget, title: str, text: str, *_args: object) -> QMessageBox.StandardButton:
            box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
            box.show()
            shoot(box, folder / "wizard-casse-message.png")
            box.close()
            return QMessageBox.StandardButton.Ok

        QMessageBox.critical = shown_not_blocking  # type: ignore[method-assign]
        try:
            wizard_pages(window, "casse", broken, folder)
        finally:
            QMessageBox.critical = critical  # type: ignore[method-assign]
        settle()
        shoot(window, folder / "wizard-6-fenetre-apres-import.png")
        history = ImportHistoryDialog(window.workspace, window)
        history.show()
        shoot(history, folder / "wizard-7-historique.png")
        history.close()
        window.close()


def main(db: str, out: str, wizard_only: bool = False) -> None:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["PORTFOLIO_CONFIG_DIR"] = str(folder / "settings")  # Qt's settings too (ui.application): not the user's
    make_application()
    if wizard_only:
        wizard_screenshots(db, folder)
        return
    window = MainWindow(Workspace(open_portfolio(db)))
    window.resize(1366, 768)
    window.show()
    for row, (key, _label) in enumerate(NAVIGATION):
        window.navigation.setCurrentRow(row)
        settle()
        if key == "dashboard":  # its figures are read in the background
            wait_for(lambda: getattr(window.pages["dashboard"], "kpis", None) is not None)
            settle()
        window.grab().save(str(folder / f"{row:02d}-{key}.png"))
    dashboard = window.pages["dashboard"]
    window.show_page("dashboard")
    dashboard.set_filter("region", "53")
    settle()
    window.grab().save(str(folder / "00-dashboard-bretagne.png"))
    dashboard.reset_filters()
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
    search.close()
    wizard_screenshots(db, folder)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], "--wizard-only" in sys.argv[3:])
