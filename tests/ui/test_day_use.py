"""Issue #19, what a day's use showed: the welcome page stays until a choice is made, lists find what they
show, the journal reads as the editor does, deleting explains itself, linked records show their facts, and the
reference lists of regions and départements follow each other."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from portfolio.services.portfolio import open_portfolio
from portfolio.ui.main_window import MainWindow
from portfolio.ui.workspace import Workspace


def test_the_welcome_page_stays_when_the_window_is_activated(qtbot, tmp_path: Path) -> None:
    window = MainWindow(Workspace(open_portfolio(tmp_path / "vide.sqlite")))
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    # what a window manager does: the focus moves into the window, and Tab walks it
    window.navigation.setFocus(Qt.FocusReason.ActiveWindowFocusReason)
    window.navigation.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.wait(200)
    assert window.stack.currentWidget() is window.welcome
    assert window.navigation.currentRow() == -1
    # a click on a page still goes there
    window.navigation.setCurrentRow(0)
    assert window.stack.currentWidget() is window.pages["suivi"]  # (the first page: "Mon suivi")


def test_the_journal_reads_newest_first_with_names_labels_and_french_values(
        qtbot, workspace: Workspace, demo_path: Path) -> None:
    import sqlite3

    from portfolio.services.changes import FieldChange
    from portfolio.ui.table_page import RecordTablePage

    with sqlite3.connect(demo_path) as connection:
        uuid, name, budget, code = connection.execute(
            "SELECT uuid, label, budget_cents, code FROM call ORDER BY id LIMIT 1").fetchone()
    workspace.apply([FieldChange("call", uuid, "budget_cents", budget, 125_000_000)], "Modifier le budget")
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.show_page("audit")
    page = window.pages["audit"]
    assert isinstance(page, RecordTablePage)
    keys = [c.key for c in page.model.columns]
    top = {key: page.model.display_text(0, i) for i, key in enumerate(keys)}
    with sqlite3.connect(demo_path) as connection:
        last = connection.execute("SELECT max(seq) FROM audit_entry").fetchone()[0]
    assert top["seq"] == f"{last:,}".replace(",", "\u00a0") or top["seq"] == str(last)
    assert top["record"] == f"{code} — {name}" and uuid not in top["record"]
    assert top["field"] == "Budget"
    assert top["new"] == "1\u00a0250\u00a0000,00\u00a0€"
    assert page.view.isColumnHidden(keys.index("uuid"))
    tip = page.model.data(page.model.index(0, keys.index("record")), Qt.ItemDataRole.ToolTipRole)
    assert tip == uuid
    # the filter finds the entry by the record's name and by the field's label
    page.search.setText(f"{code} budget")
    page.apply_search()
    assert page.model.rowCount() >= 1 and page.model.id_at(0) == last
    assert "enregistrement" in page.search.placeholderText()


def test_deleting_a_project_says_what_refers_to_it_and_can_take_its_own_records(
        qtbot, workspace: Workspace, demo_path: Path, monkeypatch) -> None:
    import sqlite3

    from portfolio.ui import deletion, questions

    with sqlite3.connect(demo_path) as connection:
        project = connection.execute(
            "SELECT p.id FROM project p WHERE EXISTS (SELECT 1 FROM disbursement d WHERE d.project_id = p.id) "
            "AND EXISTS (SELECT 1 FROM milestone m WHERE m.project_id = p.id) ORDER BY p.id LIMIT 1").fetchone()[0]
        tranches, milestones, aids = (
            connection.execute(f"SELECT count(*) FROM {table} WHERE project_id = ?", (project,)).fetchone()[0]
            for table in ("disbursement", "milestone", "aid"))
    shown: list[deletion.BlockedDeletion] = []
    opened: list[tuple[str, int]] = []

    def cancel(dialog: deletion.BlockedDeletion) -> int:
        shown.append(dialog)
        return 0

    monkeypatch.setattr(questions, "run_dialog", cancel)
    assert not deletion.delete_records(None, workspace, "project", [project], lambda e, i: opened.append((e, i)))
    dialog = shown[0]
    intro = dialog.findChildren(QLabel)[0].text()
    assert f"{tranches} versement" in intro and f"{milestones} jalon" in intro and f"{aids} aide" in intro
    groups = [dialog.tree.topLevelItem(i) for i in range(dialog.tree.topLevelItemCount())]
    assert sum(group.childCount() for group in groups) == tranches + milestones + aids
    dialog.tree.itemActivated.emit(groups[0].child(0), 0)  # a double-click opens the linked record
    assert opened and opened[0][0] in ("aid", "disbursement", "milestone")
    assert dialog.take_button is not None and not dialog.take_button.isDefault()
    with sqlite3.connect(demo_path) as connection:
        assert connection.execute("SELECT count(*) FROM project WHERE id = ?", (project,)).fetchone()[0] == 1

    # "Supprimer aussi ces fiches": one step, and Ctrl+Z puts everything back
    monkeypatch.setattr(questions, "run_dialog", lambda dialog: 1)
    assert deletion.delete_records(None, workspace, "project", [project])
    with sqlite3.connect(demo_path) as connection:
        assert connection.execute("SELECT count(*) FROM project WHERE id = ?", (project,)).fetchone()[0] == 0
        assert connection.execute("SELECT count(*) FROM disbursement WHERE project_id = ?",
                                  (project,)).fetchone()[0] == 0
    workspace.undo_stack.undo()
    with sqlite3.connect(demo_path) as connection:
        assert connection.execute("SELECT count(*) FROM project WHERE id = ?", (project,)).fetchone()[0] == 1
        assert connection.execute("SELECT count(*) FROM disbursement WHERE project_id = ?",
                                  (project,)).fetchone()[0] == tranches


def test_an_organisation_leading_applications_is_not_taken_along(workspace: Workspace, demo_path: Path,
                                                                monkeypatch) -> None:
    import sqlite3

    from portfolio.ui import deletion, questions

    with sqlite3.connect(demo_path) as connection:
        org = connection.execute("SELECT lead_organisation_id FROM application LIMIT 1").fetchone()[0]
    shown: list[deletion.BlockedDeletion] = []
    monkeypatch.setattr(questions, "run_dialog", lambda dialog: shown.append(dialog) or 1)
    assert not deletion.delete_records(None, workspace, "organisation", [org])
    assert shown and shown[0].take_button is None  # its applications are decisions of their own
    with sqlite3.connect(demo_path) as connection:
        assert connection.execute("SELECT count(*) FROM organisation WHERE id = ?", (org,)).fetchone()[0] == 1


def test_linked_records_show_their_facts_sortable_and_open(qtbot, workspace: Workspace, demo_path: Path) -> None:
    import sqlite3

    from portfolio.ui.editor import RecordEditor

    with sqlite3.connect(demo_path) as connection:
        project, tranches = connection.execute(
            "SELECT project_id, count(*) FROM disbursement GROUP BY project_id HAVING count(*) >= 3 "
            "ORDER BY project_id LIMIT 1").fetchone()
        amounts = sorted(a for (a,) in connection.execute(
            "SELECT amount_cents FROM disbursement WHERE project_id = ?", (project,)))
    editor = RecordEditor(workspace, "project", project)
    qtbot.addWidget(editor)
    tree = editor.links
    groups = {tree.topLevelItem(i).text(0).rsplit(" (", 1)[0]: tree.topLevelItem(i)
              for i in range(tree.topLevelItemCount())}
    versements = groups["Versements"]
    assert versements.childCount() == tranches and versements.text(0).endswith(f"({tranches})")
    first = versements.child(0)
    assert first.text(1).endswith("\u00a0€") and "," in first.text(1)  # to the cent
    assert first.text(2).count("/") == 2 and first.text(3) and first.text(4) in ("Payé", "À venir", "En retard")
    tree.sortByColumn(1, Qt.SortOrder.AscendingOrder)  # by amount, as numbers
    shown = [versements.child(i).data(1, Qt.ItemDataRole.UserRole + 1) for i in range(tranches)]
    assert shown == amounts
    tree.sortByColumn(1, Qt.SortOrder.DescendingOrder)
    assert [versements.child(i).data(1, Qt.ItemDataRole.UserRole + 1) for i in range(tranches)] == amounts[::-1]
    order = [tree.topLevelItem(i).text(0) for i in range(tree.topLevelItemCount())]
    assert order[0].startswith("Candidature")  # the groups keep their order
    opened: list[tuple[str, int]] = []
    editor.open_record.connect(lambda entity, record_id: opened.append((entity, record_id)))
    tree.itemActivated.emit(versements.child(0), 0)
    assert opened and opened[0][0] == "disbursement"


def test_regions_sort_by_their_letters_and_follow_the_departement(qtbot, workspace: Workspace,
                                                                   demo_path: Path) -> None:
    import sqlite3

    from portfolio.domain.referential import fold
    from portfolio.ui.editor import RecordEditor

    editor = RecordEditor(workspace, "organisation", 1)
    qtbot.addWidget(editor)
    region, department = editor.inputs["region_id"], editor.inputs["department_id"]
    names = [region.combo.itemText(i) for i in range(region.combo.count()) if region.combo.itemData(i) is not None]
    assert names == sorted(names, key=fold) and names.index("Île-de-France") < names.index("Normandie")
    with sqlite3.connect(demo_path) as connection:
        brittany = connection.execute("SELECT id FROM region WHERE name = 'Bretagne'").fetchone()[0]
        finistere, gironde = (connection.execute("SELECT id FROM department WHERE code = ?", (code,)).fetchone()[0]
                              for code in ("29", "33"))
        breton = {i for (i,) in connection.execute("SELECT id FROM department WHERE region_id = ?", (brittany,))}
    region.combo.setCurrentIndex(region.combo.findData(brittany))
    region.combo.activated.emit(region.combo.currentIndex())
    offered = {department.combo.itemData(i) for i in range(department.combo.count())} - {None}
    assert offered == breton
    # a département of another region sets its region
    region.combo.setCurrentIndex(region.combo.findData(None) if region.combo.findData(None) >= 0 else 0)
    region.combo.activated.emit(region.combo.currentIndex())
    department.combo.setCurrentIndex(department.combo.findData(gironde))
    department.combo.activated.emit(department.combo.currentIndex())
    with sqlite3.connect(demo_path) as connection:
        aquitaine = connection.execute("SELECT region_id FROM department WHERE id = ?", (gironde,)).fetchone()[0]
    assert region.value() == aquitaine and editor.isWindowModified()
    assert finistere in breton


def test_enter_on_a_list_row_opens_its_record(qtbot, workspace: Workspace) -> None:
    from PySide6.QtTest import QTest

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.show_page("organisation")
    page = window.pages["organisation"]
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)
    page.view.setFocus()
    page.view.setCurrentIndex(page.model.index(2, 0))
    QTest.keyClick(page.view, Qt.Key.Key_Return)
    assert ("organisation", page.model.id_at(2)) in window.editors


def test_qt_own_numbers_and_dates_follow_the_language(qapp) -> None:
    from PySide6.QtCore import QLocale

    from portfolio.ui.app import make_application

    make_application()  # French by default
    assert QLocale().toString(1234.5, "f", 1) == "1\u202f234,5" or QLocale().toString(1234.5, "f", 1) in (
        "1\u00a0234,5", "1 234,5")
    assert QLocale().dayName(1) == "lundi"


def test_the_search_says_how_many_more_and_opens_the_whole_list(qtbot, workspace: Workspace,
                                                                demo_path: Path) -> None:
    import sqlite3

    from portfolio.ui.search_dialog import PER_GROUP, SearchDialog

    with sqlite3.connect(demo_path) as connection:
        keys = [k for (k,) in connection.execute("SELECT search_key FROM organisation")]
    total = sum("chu" in k for k in keys)
    assert total > PER_GROUP
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    window.open_search()
    dialog = next(d for d in window.dialogs if isinstance(d, SearchDialog))
    dialog.field.setText("CHU")
    dialog.search()
    texts = [dialog.results.topLevelItem(i).text(0) for i in range(dialog.results.topLevelItemCount())]
    assert f"Structures — {PER_GROUP} sur {total}" in texts
    more = next(dialog.results.topLevelItem(i) for i, t in enumerate(texts) if "Tout voir" in t and str(total) in t)
    dialog.results.itemActivated.emit(more, 0)
    page = window.pages["organisation"]
    assert window.stack.currentWidget() is page and page.model.rowCount() >= total
    assert page.search.text() == "CHU"


def test_a_filter_menu_stays_open_while_values_are_ticked(qtbot, workspace: Workspace) -> None:
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest

    from portfolio.ui.table_page import RecordTablePage

    page = RecordTablePage(workspace, "organisation")
    qtbot.addWidget(page)
    page.show()
    button = page.filter_buttons["region"]
    menu = button.menu()
    page._fill_filter_menu("region", button)
    menu.popup(page.mapToGlobal(QPoint(10, 10)))
    qtbot.waitExposed(menu)
    values = [a for a in menu.actions() if a.isCheckable()]
    before = page.model.rowCount()
    for action in values[:2]:
        QTest.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())
    assert menu.isVisible() and all(a.isChecked() for a in values[:2])
    assert len(page.filters["region"]) == 2 and page.model.rowCount() < before
    menu.close()


def test_saved_views_can_be_renamed_and_deleted(qtbot, workspace: Workspace, monkeypatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    from portfolio.services.views import saved_views
    from portfolio.ui.table_page import RecordTablePage

    page = RecordTablePage(workspace, "organisation")
    qtbot.addWidget(page)
    page.search.setText("chu")
    page.apply_search()
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("CHU", True))
    page.save_view()
    page.views.setCurrentIndex(page.views.findText("CHU"))
    page.rename_view("Centres hospitaliers")
    assert set(saved_views()["organisation"]) == {"Centres hospitaliers"}
    assert page.views.currentText() == "Centres hospitaliers"
    page.delete_view(confirmed=True)
    assert saved_views()["organisation"] == {} and page.views.findText("Centres hospitaliers") < 0


def test_a_date_field_has_a_calendar(qtbot, workspace: Workspace, demo_path: Path) -> None:
    import sqlite3

    from PySide6.QtCore import QDate

    from portfolio.ui.editor import RecordEditor

    with sqlite3.connect(demo_path) as connection:
        milestone = connection.execute("SELECT id FROM milestone ORDER BY id LIMIT 1").fetchone()[0]
    editor = RecordEditor(workspace, "milestone", milestone)
    qtbot.addWidget(editor)
    due = editor.inputs["due_on"]
    assert due.calendar_button.toolTip() == "Choisir dans le calendrier"
    due.calendar_button.menu().aboutToShow.emit()
    typed = due.edit.text()
    shown = due.calendar.selectedDate()
    assert f"{shown.day():02d}/{shown.month():02d}/{shown.year()}" == typed  # opens on the date typed
    due.calendar.clicked.emit(QDate(2027, 3, 15))
    assert due.edit.text() == "15/03/2027" and editor.isWindowModified()


def test_statuses_follow_the_language(qtbot, workspace: Workspace) -> None:
    from portfolio.domain import i18n
    from portfolio.ui.table_model import RecordTableModel

    status = [c.key for c in RecordTableModel(workspace, "project").columns].index("status")
    i18n.set_language("en")
    try:
        model = RecordTableModel(workspace, "project")
        shown = {model.display_text(row, status) for row in range(model.rowCount())}
    finally:
        i18n.set_language("fr")
    assert shown and shown <= {"Laureate", "Agreement signed", "In progress", "Closed", "Abandoned"}


def test_the_first_window_fits_the_screen_and_english_labels_fit_the_navigation(qtbot, workspace: Workspace) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    from portfolio.domain import i18n

    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.restore_layout()  # no saved geometry: the first start
    free = window.screen().availableGeometry()
    assert window.width() <= free.width() and window.height() + 40 <= free.height()
    i18n.set_language("en")
    try:
        english = MainWindow(workspace)
        qtbot.addWidget(english)
        font = QFont(english.navigation.font())
        font.setPointSizeF(11)
        widest = max(QFontMetrics(font).horizontalAdvance(english.navigation.item(i).text())
                     for i in range(english.navigation.count()))
        assert "Organisations (applicants)" in [english.navigation.item(i).text()
                                                for i in range(english.navigation.count())]
        assert english.navigation.width() >= widest + 20
    finally:
        i18n.set_language("fr")


def _fitted(qtbot, workspace: Workspace, key: str) -> Any:
    """The list ``key`` in a 1366-pixel window, its columns fitted; its last column checked whole."""
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.resize(1366, 730)
    window.show()
    window.show_page(key)
    page = window.pages[key]
    qtbot.waitUntil(lambda: getattr(page, "fitted", False) and page.model.rowCount() > 0)
    qtbot.wait(50)
    header = page.view.horizontalHeader()
    last = page.model.columnCount() - 1
    assert header.sectionViewportPosition(last) + header.sectionSize(last) <= page.view.viewport().width()
    return page


def test_the_last_column_is_not_cut_off_at_1366_pixels(qtbot, workspace: Workspace) -> None:
    page = _fitted(qtbot, workspace, "project")
    header = page.view.horizontalHeader()
    for column in range(page.model.columnCount()):  # every header still readable
        label = page.model.columns[column].label
        assert header.sectionSize(column) >= header.fontMetrics().horizontalAdvance(label)


def test_the_journals_dates_are_shown_whole_at_1366_pixels(qtbot, workspace: Workspace) -> None:
    """The journal has eleven columns: narrowed to fit, its dates stay whole (the texts take the narrowing)."""
    page = _fitted(qtbot, workspace, "audit")
    header = page.view.horizontalHeader()
    date_column = next(c for c in range(page.model.columnCount()) if page.model.columns[c].kind == "datetime")
    shown = str(page.model.index(0, date_column).data())
    assert shown[:2].isdigit() and shown[2] == "/"  # (a date as the French read it: 06/12/2026 12:06:29)
    assert header.sectionSize(date_column) >= page.view.fontMetrics().horizontalAdvance(shown) + 8
