"""Team mode in the window (issue #9): every screen works on a shared PostgreSQL database as on a file: the
lists searched, filtered and sorted, the search across everything, the dashboard, an edit as one undo step;
the actions that need a file (restoring a backup) are off."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from portfolio.services.changes import FieldChange
from portfolio.services.demo import write_demo
from portfolio.services.listing import ListQuery, filter_options, query_ids, search_all
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.app import make_application
from portfolio.ui.main_window import NAVIGATION, MainWindow
from portfolio.ui.workspace import Workspace


@pytest.fixture
def shared_window(qtbot, pg_url: str) -> Iterator[MainWindow]:
    with open_portfolio(pg_url) as db:
        write_demo(db)
    make_application()
    window = MainWindow(Workspace(open_portfolio(pg_url)))
    qtbot.addWidget(window)
    window.show()
    yield window
    window.workspace.close()


def test_every_screen_on_a_shared_database(qtbot, shared_window: MainWindow) -> None:
    window = shared_window
    assert "postgresql://" in window.windowTitle() and not window.restore_action.isEnabled()
    assert window.snapshot_action.isEnabled()
    for key, _label in NAVIGATION:
        window.show_page(key)
        if key == "dashboard":
            qtbot.waitUntil(lambda: window.pages["dashboard"].kpis is not None, timeout=30_000)
        assert not window.current_page().grab().isNull()
    page = window.pages["organisation"]
    total = page.model.rowCount()
    page.search.setText("chu")
    qtbot.waitUntil(lambda: 0 < page.model.rowCount() < total, timeout=5_000)
    with window.workspace.db.read() as session:
        regions = filter_options(session, "project", "region")
        bretagne = next(key for key, label in regions if label == "Bretagne")
        breton = query_ids(session, ListQuery("project", filters={"region": (bretagne,)}, sort="acronym"))
        hits = dict(search_all(session, "chu"))
    assert breton and hits
    first = page.model.id_at(0)
    with window.workspace.db.read() as session:
        uuid, city = session.execute(text("SELECT uuid, city FROM organisation WHERE id = :i"), {"i": first}).one()
    window.workspace.apply([FieldChange("organisation", uuid, "city", city, "Paimpol")], "ville")
    window.workspace.undo_stack.undo()
    with window.workspace.db.read() as session:
        assert session.execute(text("SELECT city FROM organisation WHERE uuid = :u"), {"u": uuid}).scalar_one() == city


def test_the_shared_database_is_chosen_in_the_preferences(qtbot, pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Préférences > Base partagée: tested (the schema created), kept where the command line reads it too, and
    opened by the command line when no --db is given; a text that is not an address is refused."""
    from PySide6.QtWidgets import QMessageBox

    from portfolio import cli
    from portfolio.services.portfolio import shared_database
    from portfolio.ui.preferences import PreferencesDialog

    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: said.append(a[2]))
    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: said.append(a[2]))
    monkeypatch.delenv("PORTFOLIO_DB", raising=False)
    make_application()
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.shared.setText("serveur/portefeuille")
    dialog.accept()
    assert "postgresql://" in said[-1] and shared_database() is None
    dialog.shared.setText(pg_url)
    assert dialog.test_shared() and "Connexion réussie" in said[-1]
    dialog.accept()
    assert shared_database() == pg_url
    assert cli.main(["stats", "--json"]) == 0  # no --db: the shared database (this computer's file does not exist)
    dialog = PreferencesDialog()
    qtbot.addWidget(dialog)
    dialog.shared.setText("")
    dialog.accept()
    assert shared_database() is None


def test_taking_back_an_agencys_workbook_on_a_shared_database(qtbot, shared_window: MainWindow,
                                                               tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook
    from PySide6.QtWidgets import QMessageBox

    from portfolio.exchange.working_workbook import Selection, export_working_workbook

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(str(a[2])))
    window = shared_window
    out = tmp_path / "ars.xlsx"
    export_working_workbook(window.workspace.db, Selection(("organisation",), region="53", recipient="ARS"), out)
    with window.workspace.db.read() as session:
        (first, _city1), (second, city2) = session.execute(text(
            "SELECT o.uuid, o.city FROM organisation o JOIN region r ON r.id = o.region_id WHERE r.code = '53' "
            "ORDER BY o.id LIMIT 2")).all()
    window.workspace.apply([FieldChange("organisation", second, "city", city2, "Ici")], "ville")
    book = load_workbook(out)
    sheet = book["Structure"]
    column = [c.value for c in sheet[1]].index("Ville")
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in (first, second):
            row[column].value = "Agence"
    book.save(out)
    dialog = window.take_back_from_agency(out)
    assert dialog is not None and dialog.table.rowCount() == 2
    dialog.apply()  # the conflict left for later
    queue = window.show_conflict_queue()
    assert queue.table.rowCount() == 1 and queue.table.item(0, 4).text() == "Ici"
    with window.workspace.db.read() as session:
        assert session.execute(text("SELECT city FROM organisation WHERE uuid = :u"),
                               {"u": first}).scalar_one() == "Agence"
