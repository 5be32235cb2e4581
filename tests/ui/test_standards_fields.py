"""What the open-data standards need is entered in the window like any field (issue #17): an association's RNA
number and a foreign organisation's identifier are checked, "acteur émergent" is yes, no or not known, the part of
the aid a tranche pays is chosen from the two parts; each edit goes through the door."""

from __future__ import annotations

from pathlib import Path

from portfolio.ui.editor import RecordEditor
from portfolio.ui.field_widgets import ChoiceInput, TextInput
from portfolio.ui.workspace import Workspace

from .conftest import sql


def test_identifiers_are_checked_and_saved(qtbot, workspace: Workspace, demo_path: Path) -> None:
    (org,) = sql(demo_path, "SELECT id FROM organisation WHERE rna IS NULL AND foreign_id IS NULL LIMIT 1")[0]
    editor = RecordEditor(workspace, "organisation", org, None)
    qtbot.addWidget(editor)
    rna, foreign = editor.inputs["rna"], editor.inputs["foreign_id"]
    assert isinstance(rna, TextInput) and isinstance(foreign, TextInput)
    rna.edit.setText("W12345")
    assert not editor.save()
    assert "W suivi de 9 chiffres" in editor.errors["rna"].text()
    rna.edit.setText("w 751 234 567")
    foreign.edit.setText("FR-RCS-552100554")  # a French company: its SIREN, not an org-id identifier
    assert not editor.save()
    assert "renseignez son SIREN" in editor.errors["foreign_id"].text()
    foreign.edit.setText("gb-chc-1054154")
    assert editor.save()
    assert sql(demo_path, "SELECT rna, foreign_id FROM organisation WHERE id = ?", org) == [
        ("W751234567", "GB-CHC-1054154")]


def test_emerging_actor_is_yes_no_or_not_known_and_a_tranche_says_its_part(qtbot, workspace: Workspace,
                                                                            demo_path: Path) -> None:
    (aid,) = sql(demo_path, "SELECT id FROM aid WHERE emerging_actor IS NULL LIMIT 1")[0]
    editor = RecordEditor(workspace, "aid", aid, None)
    qtbot.addWidget(editor)
    emerging = editor.inputs["emerging_actor"]
    assert isinstance(emerging, ChoiceInput)
    assert [emerging.combo.itemText(i) for i in range(emerging.combo.count())] == ["", "Oui", "Non"]
    emerging.combo.setCurrentIndex(1)
    assert editor.save()
    assert sql(demo_path, "SELECT emerging_actor FROM aid WHERE id = ?", aid) == [(1,)]
    emerging.combo.setCurrentIndex(0)  # not known again
    assert editor.save()
    assert sql(demo_path, "SELECT emerging_actor FROM aid WHERE id = ?", aid) == [(None,)]
    (tranche,) = sql(demo_path, "SELECT id FROM disbursement WHERE aid_part = 'subvention' LIMIT 1")[0]
    editor = RecordEditor(workspace, "disbursement", tranche, None)
    qtbot.addWidget(editor)
    part = editor.inputs["aid_part"]
    assert isinstance(part, ChoiceInput)
    assert [part.combo.itemText(i) for i in range(part.combo.count())] == ["", "Subvention", "Avance remboursable"]
    part.combo.setCurrentIndex(2)
    assert editor.save()
    assert sql(demo_path, "SELECT aid_part FROM disbursement WHERE id = ?", tranche) == [("avance",)]
    changed = sql(demo_path, "SELECT old_value, new_value FROM audit_entry WHERE entity = 'disbursement' "
                             "AND field = 'aid_part' ORDER BY seq DESC LIMIT 1")
    assert changed == [('"subvention"', '"avance"')]


def test_a_long_value_shows_its_beginning_and_the_whole_on_hover(qtbot, workspace: Workspace,
                                                                  demo_path: Path) -> None:
    (action, nomenclature) = sql(demo_path, "SELECT id, f2030_nomenclature FROM action LIMIT 1")[0]
    editor = RecordEditor(workspace, "action", action, None)
    qtbot.addWidget(editor)
    field = editor.inputs["f2030_nomenclature"]
    assert isinstance(field, TextInput) and len(nomenclature) > 100
    assert field.edit.cursorPosition() == 0 and field.edit.toolTip() == nomenclature
