"""The main window: navigation, table models, editing through the door with undo, search, read-only."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage
from PySide6.QtWidgets import QLabel, QMessageBox, QPushButton

from portfolio.domain.referential import fold
from portfolio.services import listing
from portfolio.services.changes import FieldChange, apply_changes
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.bulk_edit import BulkEditDialog
from portfolio.ui.deletion import delete_records
from portfolio.ui.editor import RecordEditor
from portfolio.ui.main_window import NAVIGATION, MainWindow, WelcomePage
from portfolio.ui.table_model import RecordTableModel
from portfolio.ui.table_page import RecordTablePage
from portfolio.ui.workspace import ReadOnlyError, Workspace


def sql(path: Path, query: str, *params: object) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, params).fetchall()


def audit_count(path: Path) -> int:
    return sql(path, "SELECT count(*) FROM audit_entry")[0][0]


@pytest.mark.parametrize("entity", [key for key, _ in NAVIGATION if key not in ("dashboard", "suivi")])
def test_every_table_model_is_a_sound_qt_model(qtmodeltester, workspace: Workspace, demo_path: Path,
                                               entity: str) -> None:
    model = RecordTableModel(workspace, entity)
    qtmodeltester.check(model)
    table = "audit_entry" if entity == "audit" else entity
    assert model.rowCount() == sql(demo_path, f"SELECT count(*) FROM {table}")[0][0] > 0
    # sorting happens in SQL: the first column sorted descending starts with the largest value
    first = model.columns[0]
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert model.query.sort == first.key and model.query.descending
    values = [model.values(r)[0] for r in range(min(model.rowCount(), 50))]
    keys = [fold(v) if isinstance(v, str) else v for v in values if v is not None]  # French order: É as E
    assert all(a >= b for a, b in pairwise(keys))


def test_navigation_opens_every_page(qtbot, workspace: Workspace) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    for row, (key, label) in enumerate(NAVIGATION):
        window.navigation.setCurrentRow(row)
        assert window.pages[key] is window.stack.currentWidget()
        shown = window.navigation.item(row).text()  # ("Mon suivi (12)": its count once its page is read)
        assert shown == label or (key == "suivi" and shown.startswith(f"{label} ("))
    qtbot.waitUntil(lambda: window.pages["dashboard"].kpis is not None, timeout=30_000)  # read in the background
    texts = [w.text() for w in window.pages["dashboard"].findChildren(QLabel)]
    assert "350" in texts


def test_an_edit_reaches_the_database_with_its_audit_entry_and_undo_restores_it(
        qtbot, workspace: Workspace, demo_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTFOLIO_ACTOR", "camille")
    org_id, city = sql(demo_path, "SELECT id, city FROM organisation ORDER BY id LIMIT 1")[0]
    editor = RecordEditor(workspace, "organisation", org_id)
    qtbot.addWidget(editor)
    editor.inputs["city"].edit.setText("Saint-Malo")
    editor.inputs["city"].edited.emit()
    before = audit_count(demo_path)
    assert editor.save()
    assert sql(demo_path, "SELECT city FROM organisation WHERE id = ?", org_id)[0][0] == "Saint-Malo"
    entry = sql(demo_path, "SELECT actor, source, field, old_value, new_value FROM audit_entry ORDER BY seq DESC "
                           "LIMIT 1")[0]
    assert entry == ("camille", "écran", "city", json.dumps(city), json.dumps("Saint-Malo"))
    assert audit_count(demo_path) == before + 1
    assert workspace.undo_stack.undoText().startswith("Modifier « Ville » — ")

    workspace.undo_stack.undo()
    assert sql(demo_path, "SELECT city FROM organisation WHERE id = ?", org_id)[0][0] == city
    last = sql(demo_path, "SELECT source, old_value, new_value FROM audit_entry ORDER BY seq DESC LIMIT 1")[0]
    assert last == ("écran (annulation)", json.dumps("Saint-Malo"), json.dumps(city))
    workspace.undo_stack.redo()
    assert sql(demo_path, "SELECT city FROM organisation WHERE id = ?", org_id)[0][0] == "Saint-Malo"
    assert audit_count(demo_path) == before + 3


def test_a_refused_value_says_why_next_to_the_field(qtbot, workspace: Workspace, demo_path: Path) -> None:
    org_id, siret = sql(demo_path, "SELECT id, siret FROM organisation ORDER BY id LIMIT 1")[0]
    editor = RecordEditor(workspace, "organisation", org_id)
    qtbot.addWidget(editor)
    editor.show()
    editor.inputs["siret"].edit.setText("12345678901234")
    before = audit_count(demo_path)
    assert not editor.save()
    assert editor.errors["siret"].isVisible() and "SIRET" in editor.errors["siret"].text()
    assert sql(demo_path, "SELECT siret FROM organisation WHERE id = ?", org_id)[0][0] == siret
    assert audit_count(demo_path) == before


def test_money_and_dates_are_shown_and_read_the_french_way(qtbot, workspace: Workspace, demo_path: Path) -> None:
    app_id, cents = sql(demo_path, "SELECT id, requested_cents FROM application WHERE requested_cents >= 100000000 "
                                   "LIMIT 1")[0]
    editor = RecordEditor(workspace, "application", app_id)
    qtbot.addWidget(editor)
    shown = editor.inputs["requested_cents"].edit.text()
    assert shown.endswith("\u00a0€") and "\u00a0" in shown[:-2]
    editor.inputs["requested_cents"].edit.setText("1 234 567,89 €")
    editor.inputs["submitted_on"].edit.setText("28/11/2026")
    assert editor.save()
    assert sql(demo_path, "SELECT requested_cents, submitted_on FROM application WHERE id = ?", app_id)[0] == (
        123456789, "2026-11-28")
    assert editor.inputs["requested_cents"].edit.text() == "1\u00a0234\u00a0567,89\u00a0€"
    assert cents != 123456789


def test_a_stale_edit_shows_the_message_reloads_and_loses_nothing(qtbot, workspace: Workspace, demo_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a: warnings.append(text))
    org_id, uuid, city, name = sql(demo_path, "SELECT id, uuid, city, name FROM organisation ORDER BY id LIMIT 1")[0]
    editor = RecordEditor(workspace, "organisation", org_id)
    qtbot.addWidget(editor)
    # another process changes the city and the name meanwhile
    with open_portfolio(demo_path) as other:
        apply_changes(other, [FieldChange("organisation", uuid, "city", city, "Quimper"),
                              FieldChange("organisation", uuid, "name", name, "Nom corrigé")], source="autre poste")
    editor.inputs["city"].edit.setText("Lorient")
    before = audit_count(demo_path)
    assert not editor.save()
    assert warnings and "modifiée ailleurs" in warnings[0] and "Quimper" in warnings[0]
    assert sql(demo_path, "SELECT city FROM organisation WHERE id = ?", org_id)[0][0] == "Quimper"
    assert audit_count(demo_path) == before
    assert editor.inputs["city"].edit.text() == "Lorient"  # what the user typed is kept
    assert editor.baseline["city"] == "Quimper"  # and the stored value reloaded
    assert editor.inputs["name"].edit.text() == "Nom corrigé"  # the other user's change to another field stays
    assert editor.save()  # saving again, knowingly, works
    assert sql(demo_path, "SELECT city, name FROM organisation WHERE id = ?", org_id)[0] == ("Lorient", "Nom corrigé")


def test_create_and_delete_with_undo(qtbot, workspace: Workspace, demo_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    org_id = sql(demo_path, "SELECT id FROM organisation ORDER BY id LIMIT 1")[0][0]
    editor = RecordEditor(workspace, "contact", None, initial={"organisation_id": org_id})
    qtbot.addWidget(editor)
    editor.inputs["last_name"].edit.setText("Nouvelle")
    editor.inputs["email"].edit.setText("n@example.fr")
    assert editor.save()
    created = editor.record_id
    assert sql(demo_path, "SELECT last_name FROM contact WHERE id = ?", created) == [("Nouvelle",)]
    uuid = sql(demo_path, "SELECT uuid FROM contact WHERE id = ?", created)[0][0]
    assert delete_records(editor, workspace, "contact", [created])
    assert sql(demo_path, "SELECT count(*) FROM contact WHERE id = ?", created) == [(0,)]
    workspace.undo_stack.undo()  # the deletion is undone: same id, same uuid, same values
    assert sql(demo_path, "SELECT uuid, last_name, email FROM contact WHERE id = ?", created) == [
        (uuid, "Nouvelle", "n@example.fr")]


def test_deleting_a_record_in_use_is_refused(workspace: Workspace, demo_path: Path, dialogs_run: list[object],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    org_id = sql(demo_path, "SELECT lead_organisation_id FROM application LIMIT 1")[0][0]
    assert not delete_records(None, workspace, "organisation", [org_id])  # what uses it is said first
    assert len(dialogs_run) == 1
    assert sql(demo_path, "SELECT count(*) FROM organisation WHERE id = ?", org_id) == [(1,)]


def test_bulk_edit_is_one_undo_step(qtbot, workspace: Workspace, demo_path: Path) -> None:
    ids = [r[0] for r in sql(demo_path, "SELECT id FROM organisation ORDER BY id LIMIT 30")]
    dialog = BulkEditDialog(workspace, "organisation", ids)
    qtbot.addWidget(dialog)
    dialog.field.setCurrentIndex(dialog.field.findData("city"))
    dialog.input.edit.setText("Vannes")
    steps = workspace.undo_stack.count()
    with qtbot.waitSignal(workspace.changed, timeout=10_000):
        dialog.apply()
    qtbot.waitUntil(lambda: workspace.undo_stack.count() == steps + 1, timeout=10_000)
    vannes = f"SELECT count(*) FROM organisation WHERE city = 'Vannes' AND id IN ({','.join(map(str, ids))})"
    assert sql(demo_path, vannes) == [(30,)]
    assert "30 fiches" in workspace.undo_stack.undoText()
    workspace.undo_stack.undo()
    assert sql(demo_path, vannes)[0][0] < 30


def test_bulk_status_follows_the_lifecycle(qtbot, workspace: Workspace, demo_path: Path) -> None:
    ids = [r[0] for r in sql(demo_path, "SELECT p.id FROM project p JOIN status s ON s.id = p.status_id "
                                        "WHERE s.code IN ('laureat', 'solde') ORDER BY p.id")]
    dialog = BulkEditDialog(workspace, "project", ids)
    qtbot.addWidget(dialog)
    dialog.field.setCurrentIndex(dialog.field.findData("status_id"))
    conventionne = sql(demo_path, "SELECT id FROM status WHERE entity = 'project' AND code = 'conventionne'")[0][0]
    dialog.input.set_value(conventionne)
    changes, refused = dialog.changes()
    laureats = sql(demo_path, "SELECT count(*) FROM project p JOIN status s ON s.id = p.status_id "
                              "WHERE s.code = 'laureat'")[0][0]
    assert len(changes) == laureats and refused == len(ids) - laureats > 0


def test_copy_selected_rows_as_tab_separated_text(qtbot, workspace: Workspace) -> None:
    page = RecordTablePage(workspace, "organisation")
    qtbot.addWidget(page)
    page.view.selectRow(0)
    page.copy_selection()
    lines = QGuiApplication.clipboard().text().splitlines()
    assert lines[0].split("\t")[0] == page.model.columns[0].label
    assert len(lines) == 2 and lines[1].count("\t") == len(page.model.columns) - 1


def test_search_ile_finds_ile_de_france(workspace: Workspace) -> None:
    with workspace.db.read() as session:
        groups = dict(listing.search_all(session, "ile"))
    assert "organisation" in groups
    with workspace.db.read() as session:
        ids = listing.query_ids(session, listing.ListQuery("organisation", search="ILE-de-france"))
        rows = listing.fetch_rows(session, "organisation", ids[:50])
    assert ids and all(any("Île-de-France" in str(v) for v in row) for row in rows.values())


def test_filter_as_you_type_in_a_table_page(qtbot, workspace: Workspace) -> None:
    page = RecordTablePage(workspace, "organisation")
    qtbot.addWidget(page)
    total = page.model.rowCount()
    qtbot.keyClicks(page.search, "chu de")
    qtbot.waitUntil(lambda: page.model.rowCount() < total, timeout=3000)
    assert all("CHU de" in page.model.display_text(r, 0) or "chu" in page.model.display_text(r, 0).lower()
               for r in range(page.model.rowCount()))


def test_read_only_mode_refuses_every_edit(qtbot, read_only_window: MainWindow, demo_path: Path) -> None:
    before = audit_count(demo_path)
    window, workspace = read_only_window, read_only_window.workspace
    assert window.banner.isVisible() and "Lecture seule" in window.banner.text()
    window.show_page("organisation")
    page = window.pages["organisation"]
    assert not page.new_button.isEnabled() and not page.delete_button.isEnabled()
    assert not page.bulk_button.isEnabled() and not window.new_action.isEnabled()
    editor = RecordEditor(workspace, "organisation", page.model.id_at(0))
    qtbot.addWidget(editor)
    assert not editor.save_button.isEnabled() and not editor.delete_button.isEnabled()
    with pytest.raises(ReadOnlyError):
        workspace.apply([FieldChange("organisation", "x", "city", "", "y")], "essai")
    assert audit_count(demo_path) == before


def test_welcome_screen_on_an_empty_database(qtbot, tmp_path: Path) -> None:
    workspace = Workspace(open_portfolio(tmp_path / "empty.sqlite"))
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    assert isinstance(window.stack.currentWidget(), WelcomePage)
    window.welcome.findChild(QPushButton, "welcome_empty").click()
    assert window.stack.currentWidget() is window.pages["dashboard"]


def test_gui_read_only_screenshot_from_the_command_line(demo_path: Path, tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    before = demo_path.read_bytes()
    env = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run([sys.executable, "-m", "portfolio", "gui", "--db", str(demo_path), "--read-only",
                             "--screenshot", str(shot)], capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    image = QImage(str(shot))
    assert image.width() >= 1000 and image.height() >= 600
    assert demo_path.read_bytes() == before  # read-only: the file is not written
    wal = Path(f"{demo_path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_gui_refuses_a_foreign_file_with_one_line(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    result = subprocess.run([sys.executable, "-m", "portfolio", "--db", str(foreign), "gui", "--screenshot",
                             str(tmp_path / "x.png")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "n'est pas une base du portefeuille" in result.stderr and "Traceback" not in result.stderr
    assert foreign.read_text() == "hello"


def test_english_is_available_through_the_same_mechanism(qtbot, workspace: Workspace) -> None:
    from portfolio.domain import i18n

    i18n.set_language("en")
    try:
        window = MainWindow(workspace)
        qtbot.addWidget(window)
        window.show_page("organisation")
        assert window.navigation.item(1).text() == "Dashboard"
        assert window.menuBar().actions()[0].text() == "&File"
        page = window.pages["organisation"]
        assert page.model.headerData(0, Qt.Orientation.Horizontal) != "Raison sociale"
        editor = RecordEditor(workspace, "organisation", page.model.id_at(0))
        qtbot.addWidget(editor)
        editor.inputs["siret"].edit.setText("123")
        assert not editor.save()
        assert "14 digits" in editor.errors["siret"].text()  # validation messages come from the core, in English
    finally:
        i18n.set_language("fr")


def test_an_older_database_is_migrated_behind_a_progress_dialog(qapp, tmp_path: Path) -> None:
    from alembic import command

    from portfolio.db.database import SCHEMA_VERSION, make_engine
    from portfolio.db.migrate import alembic_config
    from portfolio.ui.app import needs_migration, open_with_progress

    path = tmp_path / "old.sqlite"
    engine = make_engine(path)
    config = alembic_config()
    with engine.begin() as connection:  # a schema-1 file, as the first version wrote it
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.exec_driver_sql("PRAGMA application_id = 1396790094")
        connection.exec_driver_sql("PRAGMA user_version = 1")
    engine.dispose()
    assert needs_migration(path)
    database = open_with_progress(path)
    try:
        with database.read() as session:
            assert session.connection().exec_driver_sql("PRAGMA user_version").scalar_one() == SCHEMA_VERSION
    finally:
        database.close()


def test_the_welcome_screen_opens_the_demo_in_its_own_file(qtbot, tmp_path: Path) -> None:
    empty = tmp_path / "mine.sqlite"
    window = MainWindow(Workspace(open_portfolio(empty)))
    qtbot.addWidget(window)
    window.show()
    window.welcome.findChild(QPushButton, "welcome_demo").click()
    qtbot.waitUntil(lambda: window.workspace.db.path != empty.resolve(), timeout=60_000)
    assert window.workspace.db.path.name == "portefeuille-demo.sqlite"
    assert window.stack.currentWidget() in window.pages.values()  # a page of the demo, not the welcome screen
    window.show_page("project")
    assert window.pages["project"].model.rowCount() == 350
    assert sql(empty, "SELECT count(*) FROM organisation") == [(0,)]  # the user's file is untouched


def test_a_list_keeps_its_selection_after_an_edit(qtbot, workspace: Workspace, demo_path: Path) -> None:
    page = RecordTablePage(workspace, "organisation")
    qtbot.addWidget(page)
    page.view.selectRow(5)
    chosen = page.model.id_at(5)
    uuid, city = sql(demo_path, "SELECT uuid, city FROM organisation WHERE id = ?", chosen)[0]
    workspace.apply([FieldChange("organisation", uuid, "city", city, "Morlaix")], "essai")
    assert [page.model.id_at(r) for r in page.selected_rows()] == [chosen]


def test_a_busy_database_keeps_the_undo_step(qtbot, workspace: Workspace, demo_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    org_id, uuid, city = sql(demo_path, "SELECT id, uuid, city FROM organisation ORDER BY id LIMIT 1")[0]
    workspace.apply([FieldChange("organisation", uuid, "city", city, "Brest-Busy")], "essai")
    messages: list[str] = []
    workspace.error.connect(messages.append)
    monkeypatch.setenv("PORTFOLIO_BUSY_TIMEOUT_MS", "100")
    busy = Workspace(open_portfolio(demo_path))  # a connection with the short timeout
    busy.undo_stack = workspace.undo_stack
    holder = sqlite3.connect(demo_path, isolation_level=None, timeout=0.1)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with monkeypatch.context() as patched:
            patched.setattr(workspace, "db", busy.db)
            workspace.undo_stack.undo()
            qtbot.waitUntil(lambda: workspace.undo_stack.canUndo(), timeout=3000)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert messages and "autre programme" in messages[0]
    assert sql(demo_path, "SELECT city FROM organisation WHERE id = ?", org_id)[0][0] == "Brest-Busy"
    workspace.undo_stack.undo()  # once the lock is free, the same step undoes
    assert sql(demo_path, "SELECT city FROM organisation WHERE id = ?", org_id)[0][0] == city
    busy.db.close()


def test_switching_database_closes_every_open_dialog(qtbot, workspace: Workspace, tmp_path: Path) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.new_record("contact")
    window.open_search()
    window.open_record("organisation", 1)
    dialogs = [*window.dialogs, *window.editors.values()]
    assert len(dialogs) == 3
    window.replace_workspace(Workspace(open_portfolio(tmp_path / "other.sqlite")))
    assert not window.dialogs and not window.editors
    assert not any(d.isVisible() for d in dialogs if shiboken_valid(d))


def shiboken_valid(widget: object) -> bool:
    import shiboken6

    return shiboken6.isValid(widget)
