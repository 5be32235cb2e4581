"""Regional agencies in the window (issue #5, item 6): the export dialog and the sync review."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from PySide6.QtWidgets import QCheckBox, QComboBox, QDialog, QFileDialog

from portfolio.exchange.working_workbook import Selection, export_working_workbook
from portfolio.services.changes import FieldChange
from portfolio.ui import agency_exchange
from portfolio.ui.main_window import MainWindow

from .conftest import sql


def by_header(sheet: Any, values: dict[str, Any]) -> list[Any]:
    """A new line for a workbook's sheet, its values given by column header (columns move as fields are added)."""
    return [values.get(cell.value) for cell in sheet[1]]


def test_the_export_dialog_writes_the_chosen_region(qtbot, window: MainWindow, tmp_path: Path, said: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "ars.xlsx"

    def choose(dialog: agency_exchange.ExportDialog) -> int:
        dialog.recipient.setText("ARS Bretagne")
        dialog.region.setCurrentIndex(dialog.region.findData("53"))
        assert not dialog.entities["contact"].isEnabled(), "contacts only with personal data"
        dialog.entities["milestone"].setChecked(False)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(agency_exchange.ExportDialog, "exec", choose)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_for_agency()
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    assert "Reprendre le classeur d'une agence" in said[0]
    book = load_workbook(target)
    assert "Jalon" not in book.sheetnames and "Structure" in book.sheetnames
    region = [cell.value for cell in book["Structure"][1]].index("Région")
    regions = {row[region] for row in book["Structure"].iter_rows(min_row=2, values_only=True)}
    assert regions == {"Bretagne"}


def test_the_sync_review_settles_conflicts_and_is_one_undo_step(qtbot, window: MainWindow, demo_path: Path,
                                                                tmp_path: Path, said: list[str]) -> None:
    out = tmp_path / "ars.xlsx"
    export_working_workbook(window.workspace.db, Selection(("organisation",), region="53", recipient="ARS"), out)
    (first, city1), (second, city2), (third, _city3) = sql(
        demo_path, "SELECT o.uuid, o.city FROM organisation o JOIN region r ON r.id = o.region_id WHERE r.code = '53' "
                   "ORDER BY o.id LIMIT 3")
    window.workspace.apply([FieldChange("organisation", second, "city", city2, "Ici")], "ville")
    book = load_workbook(out)
    sheet = book["Structure"]
    column = [c.value for c in sheet[1]].index("Ville")
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == first:
            row[column].value = "Saint-Malo"
        elif row[0].value == second:
            row[column].value = "Agence"
        elif row[0].value == third:
            row[column].value = "Pas celle-ci"
    book.save(out)
    dialog = window.take_back_from_agency(out)
    assert dialog is not None and dialog.table.rowCount() == 3
    conflict = dialog.table.cellWidget(0, 6)
    assert isinstance(conflict, QComboBox) and dialog.table.item(0, 4).text() == "Ici"
    conflict.setCurrentIndex(conflict.findData(agency_exchange.TAKE_THEIRS))
    ticks = [dialog.table.cellWidget(r, 6) for r in (1, 2)]
    assert all(isinstance(t, QCheckBox) and t.isChecked() for t in ticks)
    third_row = next(r for r in (1, 2) if dialog.table.item(r, 5).text() == "Pas celle-ci")
    dialog.table.cellWidget(third_row, 6).setChecked(False)
    steps = window.workspace.undo_stack.count()
    dialog.apply()
    cities = dict(sql(demo_path, "SELECT uuid, city FROM organisation WHERE uuid IN (?, ?, ?)", first, second, third))
    assert (cities[first], cities[second]) == ("Saint-Malo", "Agence") and cities[third] != "Pas celle-ci"
    assert window.workspace.undo_stack.count() == steps + 1
    window.workspace.undo_stack.undo()
    cities = dict(sql(demo_path, "SELECT uuid, city FROM organisation WHERE uuid IN (?, ?)", first, second))
    assert (cities[first], cities[second]) == (city1, "Ici")


def test_a_workbook_that_is_not_an_export_is_said_in_one_message(window: MainWindow, tmp_path: Path,
                                                                 said: list[str]) -> None:
    from openpyxl import Workbook

    other = tmp_path / "autre.xlsx"
    book = Workbook()
    book.active.append(["Nom", "Ville"])
    book.save(other)
    assert window.take_back_from_agency(other) is None
    assert said and "ne porte pas le numéro d'un export" in said[0]


def test_a_view_saved_in_a_list_chooses_the_package(qtbot, window: MainWindow, tmp_path: Path, said: list[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A view saved from the organisations' list (kept where the command line finds it too, and views saved
    by earlier versions in Qt's settings adopted) is offered by the export dialog and chooses what is sent."""
    import json

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QInputDialog

    from portfolio.services.views import saved_views

    QSettings().setValue("views/organisation", json.dumps({"Ancienne": {"search": "SAS", "filters": {}}}))
    window.show_page("organisation")
    page = window.pages["organisation"]
    page.search.setText("EHPAD")
    qtbot.waitUntil(lambda: page.model.query.search == "EHPAD", timeout=5_000)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("Les EHPAD", True))
    page.save_view()
    assert set(saved_views()["organisation"]) == {"Les EHPAD", "Ancienne"} and not QSettings().value(
        "views/organisation")
    target = tmp_path / "ehpad.xlsx"

    def choose(dialog: agency_exchange.ExportDialog) -> int:
        assert dialog.view.findData("organisation:Ancienne") > 0
        dialog.view.setCurrentIndex(dialog.view.findData("organisation:Les EHPAD"))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(agency_exchange.ExportDialog, "exec", choose)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.export_for_agency()
    qtbot.waitUntil(lambda: bool(said), timeout=20_000)
    names = [row[1] for row in load_workbook(target)["Structure"].iter_rows(min_row=2, values_only=True)]
    assert names and all("EHPAD" in name for name in names)


def test_a_conflict_left_for_later_waits_and_is_settled_with_a_typed_value(
        qtbot, window: MainWindow, demo_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two conflicts: one settled in the review with a value typed, one left for later; the later one waits in
    Fichier > Conflits en attente (agences, répliques)…, settled there with a value typed, as one undo step."""
    from PySide6.QtWidgets import QInputDialog

    out = tmp_path / "ars.xlsx"
    export_working_workbook(window.workspace.db, Selection(("organisation",), region="53", recipient="ARS"), out)
    rows = sql(demo_path, "SELECT o.uuid, o.city FROM organisation o JOIN region r ON r.id = o.region_id "
                          "WHERE r.code = '53' ORDER BY o.id LIMIT 2")
    window.workspace.apply([FieldChange("organisation", u, "city", c, f"Ici {i}") for i, (u, c) in enumerate(rows)],
                           "villes")
    book = load_workbook(out)
    sheet = book["Structure"]
    column = [c.value for c in sheet[1]].index("Ville")
    for row in sheet.iter_rows(min_row=2):
        for i, (u, _c) in enumerate(rows):
            if row[0].value == u:
                row[column].value = f"Agence {i}"
    book.save(out)
    typed = iter(["Dinan", "Concarneau"])
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: (next(typed), True))
    dialog = window.take_back_from_agency(out)
    assert dialog is not None and dialog.table.rowCount() == 2
    combo = dialog.table.cellWidget(0, 6)
    combo.setCurrentIndex(combo.findData(agency_exchange.TYPED))
    combo.activated.emit(combo.currentIndex())  # as a click does: the value is asked
    dialog.apply()
    assert sql(demo_path, "SELECT city FROM organisation WHERE uuid = ?", rows[0][0]) == [("Dinan",)]
    queue = window.show_conflict_queue()
    assert queue.table.rowCount() == 1 and queue.table.item(0, 4).text() == "Ici 1"
    assert queue.table.item(0, 5).text() == "Agence 1"
    combo = queue.table.cellWidget(0, 6)
    combo.setCurrentIndex(combo.findData(agency_exchange.TYPED))
    combo.activated.emit(combo.currentIndex())
    steps = window.workspace.undo_stack.count()
    queue.apply()
    assert queue.settled == 1 and window.workspace.undo_stack.count() == steps + 1
    assert sql(demo_path, "SELECT city FROM organisation WHERE uuid = ?", rows[1][0]) == [("Concarneau",)]
    assert window.show_conflict_queue().table.rowCount() == 0
    window.workspace.undo_stack.undo()
    assert sql(demo_path, "SELECT city FROM organisation WHERE uuid = ?", rows[1][0]) == [("Ici 1",)]


def test_undoing_a_merge_proposes_the_agencys_values_again(qtbot, window: MainWindow, demo_path: Path,
                                                            tmp_path: Path) -> None:
    """Ctrl+Z on a merge puts the records back and the merge's state too: merged again, the agency's value is
    proposed again (not taken for settled); Ctrl+Y takes it again."""
    from portfolio.exchange.sync import plan_sync

    out = tmp_path / "ars.xlsx"
    export_working_workbook(window.workspace.db, Selection(("organisation",), region="53", recipient="ARS"), out)
    [(first, city)] = sql(demo_path, "SELECT o.uuid, o.city FROM organisation o JOIN region r ON r.id = o.region_id "
                                     "WHERE r.code = '53' ORDER BY o.id LIMIT 1")
    book = load_workbook(out)
    sheet = book["Structure"]
    column = [c.value for c in sheet[1]].index("Ville")
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == first:
            row[column].value = "Morlaix"
    book.save(out)
    dialog = window.take_back_from_agency(out)
    dialog.apply()
    assert sql(demo_path, "SELECT city FROM organisation WHERE uuid = ?", first) == [("Morlaix",)]
    assert plan_sync(window.workspace.db, out).taken == []
    window.workspace.undo_stack.undo()
    assert sql(demo_path, "SELECT city FROM organisation WHERE uuid = ?", first) == [(city,)]
    assert [m.theirs for m in plan_sync(window.workspace.db, out).taken] == ["Morlaix"]
    window.workspace.undo_stack.redo()
    assert plan_sync(window.workspace.db, out).taken == []


def test_new_lines_compared_before_another_officers_change_are_compared_again(
        qtbot, window: MainWindow, tmp_path: Path, said: list[str]) -> None:
    """Team mode's race: between the review and "Appliquer", another officer writes (maybe the same new
    structure, from the same workbook): new lines matched against the data of before are not created, the review
    says to take the workbook back again, and that second take-back creates them once, nothing lost."""
    from portfolio.services.changes import Create, apply_changes, new_uuid

    out = tmp_path / "ars.xlsx"
    export_working_workbook(window.workspace.db, Selection(("organisation",), region="53", recipient="ARS"), out)
    book = load_workbook(out)
    book["Structure"].append(by_header(book["Structure"], {"Raison sociale": "Centre de santé de Paimpol",
                                                          "Région": "Bretagne", "Ville": "Paimpol"}))
    book.save(out)
    dialog = window.take_back_from_agency(out)
    apply_changes(window.workspace.db, [Create("organisation", new_uuid(), {"name": "Autre officier"})], source="B")
    dialog.apply()
    assert dialog.result() != 1 and any("Reprenez le classeur à nouveau" in text for text in said)
    again = window.take_back_from_agency(out)
    again.apply()
    assert again.result() == 1
    names = [n for (n,) in sql(window.workspace.db.path, "SELECT name FROM organisation WHERE name IN (?, ?)",
                               "Centre de santé de Paimpol", "Autre officier")]
    assert sorted(names) == ["Autre officier", "Centre de santé de Paimpol"]
