"""Issue #19: an editor never loses typed changes without asking; the application's shortcuts work from an
editor; Ctrl+S saves it; the cursor starts in the first field; a save says so in the status bar."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QLineEdit

from portfolio.ui.editor import RecordEditor
from portfolio.ui.main_window import MainWindow
from portfolio.ui.workspace import Workspace


def city_of(path: Path, org_id: int) -> str:
    with sqlite3.connect(path) as connection:
        return connection.execute("SELECT city FROM organisation WHERE id = ?", (org_id,)).fetchone()[0]


def shown_editor(qtbot, window: MainWindow, org_id: int) -> RecordEditor:
    window.open_record("organisation", org_id)
    editor = window.editors[("organisation", org_id)]
    qtbot.waitExposed(editor)
    editor.activateWindow()  # as the window manager does when it shows a window: shortcuts need it
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    return editor


def type_city(editor: RecordEditor, text: str) -> None:
    field = editor.inputs["city"].edit
    field.selectAll()
    QTest.keyClicks(field, text)  # typed as a user would: textEdited, not setText


def window_on(qtbot, workspace: Workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_a_changed_editor_shows_it_and_enables_save_only_then(qtbot, workspace: Workspace) -> None:
    window = window_on(qtbot, workspace)
    editor = shown_editor(qtbot, window, 1)
    original = editor.inputs["city"].edit.text()
    assert not editor.isWindowModified() and not editor.save_button.isEnabled()
    assert editor.windowTitle().endswith("[*]")  # Qt shows "*" there while modified
    type_city(editor, "Saint-Malo")
    assert editor.isWindowModified() and editor.save_button.isEnabled()
    type_city(editor, original)  # typed back as it was: nothing to save
    assert not editor.isWindowModified() and not editor.save_button.isEnabled()


def test_closing_with_unsaved_changes_asks_and_each_answer_does_what_it_says(
        qtbot, workspace: Workspace, demo_path: Path, unsaved_answers: list[str]) -> None:
    window = window_on(qtbot, workspace)
    before = city_of(demo_path, 1)
    editor = shown_editor(qtbot, window, 1)
    type_city(editor, "Saint-Malo")
    unsaved_answers.append("cancel")  # Fermer, then Annuler: the editor stays, the typing too
    editor.close()
    assert editor.isVisible() and editor.inputs["city"].edit.text() == "Saint-Malo"
    assert unsaved_answers == [f"asked:{editor.name}"]
    unsaved_answers.clear()
    unsaved_answers.append("cancel")  # Escape asks the same question
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    assert editor.isVisible() and len(unsaved_answers) == 1
    assert city_of(demo_path, 1) == before
    unsaved_answers.clear()
    unsaved_answers.append("save")  # Enregistrer: saved, then closed
    editor.close()
    qtbot.waitUntil(lambda: ("organisation", 1) not in window.editors)
    assert city_of(demo_path, 1) == "Saint-Malo"
    assert "Enregistré" in window.statusBar().currentMessage()

    editor = shown_editor(qtbot, window, 1)
    type_city(editor, "Dinard")
    unsaved_answers.clear()
    unsaved_answers.append("discard")  # Ne pas enregistrer: closed, nothing written
    QTest.keyClick(editor, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: ("organisation", 1) not in window.editors)
    assert city_of(demo_path, 1) == "Saint-Malo"


def test_a_refused_save_keeps_the_editor_open(qtbot, workspace: Workspace, unsaved_answers: list[str]) -> None:
    window = window_on(qtbot, workspace)
    editor = shown_editor(qtbot, window, 1)
    field = editor.inputs["siret"].edit
    field.selectAll()
    QTest.keyClicks(field, "12345678901234")
    unsaved_answers.append("save")
    editor.close()
    assert editor.isVisible() and editor.errors["siret"].isVisible()
    assert "border" in field.styleSheet()  # the refused field is outlined
    unsaved_answers.append("discard")
    editor.close()


def test_quitting_the_application_asks_for_each_changed_editor(
        qtbot, workspace: Workspace, demo_path: Path, unsaved_answers: list[str]) -> None:
    window = window_on(qtbot, workspace)
    editor = shown_editor(qtbot, window, 1)
    type_city(editor, "Saint-Malo")
    shown_editor(qtbot, window, 2)  # unchanged: asks nothing
    unsaved_answers.append("cancel")
    assert not window.close()  # Annuler: the application stays open, the editor and its typing too
    assert window.isVisible() and editor.isVisible() and editor.isWindowModified()
    assert unsaved_answers == [f"asked:{editor.name}"]
    unsaved_answers.clear()
    unsaved_answers.append("save")
    assert window.close()
    assert city_of(demo_path, 1) == "Saint-Malo"
    assert len(unsaved_answers) == 1  # asked once, not again when the editor closed


def test_switching_database_asks_first(qtbot, workspace: Workspace, tmp_path: Path,
                                       unsaved_answers: list[str]) -> None:
    window = window_on(qtbot, workspace)
    editor = shown_editor(qtbot, window, 1)
    type_city(editor, "Saint-Malo")
    unsaved_answers.append("cancel")
    window.switch_to(tmp_path / "autre.sqlite")
    assert window.workspace is workspace and editor.isVisible()
    assert not (tmp_path / "autre.sqlite").exists()


def test_ctrl_s_saves_and_the_cursor_starts_in_the_first_field(qtbot, workspace: Workspace, demo_path: Path) -> None:
    window = window_on(qtbot, workspace)
    editor = shown_editor(qtbot, window, 1)
    focused = QApplication.focusWidget()
    assert isinstance(focused, QLineEdit) and focused is editor.inputs["name"].edit
    type_city(editor, "Saint-Malo")
    QTest.keySequence(editor, QKeySequence.StandardKey.Save)
    assert city_of(demo_path, 1) == "Saint-Malo" and not editor.isWindowModified()


def test_application_shortcuts_work_from_an_editor(qtbot, workspace: Workspace, demo_path: Path) -> None:
    window = window_on(qtbot, workspace)
    editor = shown_editor(qtbot, window, 1)
    before = city_of(demo_path, 1)
    type_city(editor, "Saint-Malo")
    QTest.keySequence(editor, QKeySequence.StandardKey.Save)
    assert city_of(demo_path, 1) == "Saint-Malo" != before
    editor.tabs.tabBar().setFocus()  # outside a text field: Ctrl+Z is the application's undo
    QTest.keySequence(editor.tabs.tabBar(), QKeySequence.StandardKey.Undo)
    assert city_of(demo_path, 1) == before
    QTest.keySequence(editor.tabs.tabBar(), QKeySequence("Ctrl+Shift+Z"))
    assert city_of(demo_path, 1) == "Saint-Malo"
    # inside a text field, Ctrl+Z undoes the typing, not the last saved change
    field = editor.inputs["city"].edit
    field.setFocus()
    QTest.keyClicks(field, "X")
    QTest.keySequence(field, QKeySequence.StandardKey.Undo)
    assert field.text() == "Saint-Malo" and city_of(demo_path, 1) == "Saint-Malo"
    # Ctrl+K opens the search from the editor
    QTest.keySequence(editor.tabs.tabBar(), QKeySequence("Ctrl+K"))
    from portfolio.ui.search_dialog import SearchDialog

    assert any(isinstance(d, SearchDialog) for d in window.dialogs)
