"""Takes the user guide's screenshots (src/portfolio/ui/guide/images/) from the demo portfolio, off screen.

    .venv/bin/python scripts/guide_screenshots.py

Run it again when a screen the guide shows changes; the images are committed with the guide, which the
application ships and opens from Aide > Guide d'utilisation.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

IMAGES = Path(__file__).resolve().parents[1] / "src" / "portfolio" / "ui" / "guide" / "images"
WIDTH, HEIGHT = 1200, 720


def main() -> int:
    folder = Path(tempfile.mkdtemp(prefix="guide-"))
    os.environ.update({"QT_QPA_PLATFORM": "offscreen", "PORTFOLIO_CONFIG_DIR": str(folder / "config"),
                       "PORTFOLIO_KEYS_DIR": str(folder / "cles"), "XDG_CONFIG_HOME": str(folder / "xdg")})
    from openpyxl import Workbook, load_workbook
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtWidgets import QInputDialog

    from portfolio.exchange.working_workbook import Selection, export_working_workbook
    from portfolio.services.changes import FieldChange, apply_changes
    from portfolio.services.demo import write_demo
    from portfolio.services.portfolio import open_portfolio
    from portfolio.services.snapshot import write_snapshot
    from portfolio.ui import agency_exchange
    from portfolio.ui.app import make_application
    from portfolio.ui.editor import RecordEditor
    from portfolio.ui.import_wizard import ImportWizard
    from portfolio.ui.main_window import MainWindow
    from portfolio.ui.search_dialog import SearchDialog
    from portfolio.ui.workspace import Workspace

    IMAGES.mkdir(parents=True, exist_ok=True)
    demo = folder / "demo.sqlite"
    with open_portfolio(demo) as db:
        write_demo(db)
    app = make_application()

    def settle(seconds: float = 1.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.02)

    def shot(widget: object, name: str) -> None:
        settle()
        widget.grab().save(str(IMAGES / name))  # type: ignore[attr-defined]
        print(name)

    workspace = Workspace(open_portfolio(demo))
    window = MainWindow(workspace, "")
    window.resize(WIDTH, HEIGHT)
    window.show()
    window.show_page("project")
    page = window.pages["project"]
    page.search.setText("télé")
    settle(2)
    shot(window, "liste-projets.png")
    search = SearchDialog(workspace, window)
    search.show()
    search.findChild(type(page.search)).setText("chu")
    shot(search, "recherche.png")
    search.close()
    window.show_page("organisation")
    editor = RecordEditor(workspace, "organisation", window.pages["organisation"].model.id_at(0), window)
    editor.show()
    shot(editor, "fiche.png")
    editor.close()

    partner = folder / "partenaire-ars.xlsx"
    book = Workbook()
    sheet = book.active
    sheet.append(["Structure porteuse", "N° SIRET", "Ville", "Région", "Projet", "Montant accordé (€)"])
    sheet.append(["Clinique du Littoral", "73282932000074", "Vannes", "Bretagne", "TELESOIN", 120000])
    sheet.append(["Maison de santé de Dinan", "", "Dinan", "Bretagne", "TELESOIN", 45000])
    book.save(partner)
    wizard = ImportWizard(workspace, partner, window)
    wizard.resize(WIDTH - 100, HEIGHT - 60)
    wizard.show()
    deadline = time.monotonic() + 60
    while wizard.prepared is None and not wizard.last_error and time.monotonic() < deadline:
        settle(0.2)
    wizard.next_button.click()
    wizard.mapping_page.choose_call("IA-SANTE")
    shot(wizard, "import-correspondance.png")
    wizard.next_button.click()
    while wizard.page() != 2 and not wizard.last_error and time.monotonic() < deadline:
        settle(0.2)
    shot(wizard, "import-apercu.png")
    wizard.close()

    dialog = agency_exchange.ExportDialog(window)
    dialog.recipient.setText("ARS Bretagne")
    dialog.region.setCurrentIndex(dialog.region.findData("53"))
    dialog.show()
    shot(dialog, "export-agence.png")
    dialog.close()
    out = folder / "ars-bretagne.xlsx"
    export_working_workbook(workspace.db, Selection(region="53", recipient="ARS Bretagne"), out)
    with workspace.db.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT o.uuid, o.city FROM organisation o JOIN region r ON r.id = o.region_id WHERE r.code = '53' "
            "ORDER BY o.id LIMIT 3").fetchall()
    apply_changes(workspace.db, [FieldChange("organisation", rows[1][0], "city", rows[1][1], "Saint-Malo")],
                  source="guide")
    book = load_workbook(out)
    sheet = book["Structure"]
    city = [c.value for c in sheet[1]].index("Ville")
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == rows[0][0]:
            row[city].value = "Lannion"
        elif row[0].value == rows[1][0]:
            row[city].value = "Dinard"
    sheet.append([None, "Centre hospitalier de Paimpol", None, None, None, "Bretagne", None, "Paimpol"])
    book.save(out)
    review = window.take_back_from_agency(out)
    review.resize(WIDTH - 100, HEIGHT - 160)
    shot(review, "reprise-agence.png")
    review.apply()  # the conflict left for later waits in the queue
    queue = window.show_conflict_queue()
    queue.resize(WIDTH - 100, 360)
    shot(queue, "conflits.png")
    queue.close()

    window.show_page("dashboard")
    deadline = time.monotonic() + 60
    while window.pages["dashboard"].kpis is None and time.monotonic() < deadline:
        settle(0.2)
    shot(window, "tableau-de-bord.png")
    window.close()

    snapshot = folder / "instantane-comite.sqlite"
    write_snapshot(demo, snapshot)
    from portfolio.services.snapshot import describe, verify_snapshot

    viewer = Workspace(open_portfolio(snapshot, readonly=True), read_only=True)
    audit = MainWindow(viewer, describe(verify_snapshot(snapshot)))
    audit.resize(WIDTH, HEIGHT)
    audit.show()
    audit.show_page("audit")
    shot(audit, "instantane.png")
    audit.close()
    del QInputDialog, app
    shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
