"""The "Comparer deux instantanés" screen: the records added, changed and removed between two snapshots, and the
key figures side by side; a file that is not a snapshot is one clear warning, never a traceback."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QFileDialog, QLabel, QMessageBox, QTreeWidgetItem, QWidget

from portfolio.domain.money import format_eur, format_int
from portfolio.services.changes import Create, FieldChange, apply_changes, new_uuid
from portfolio.services.portfolio import open_portfolio
from portfolio.services.snapshot import write_snapshot
from portfolio.ui.snapshot_diff_view import SnapshotDiffDialog, compare_snapshots

NEW_NAME = "Atelier Numérique de Cornouaille"
MORE_CENTS = 1_234_500  # 12 345 € more grant for one aid


def tree_of(item: QTreeWidgetItem) -> dict[str, Any]:
    """An item's children as {text: their children}, leaves as None."""
    children = [item.child(i) for i in range(item.childCount())]
    return {child.text(0): (tree_of(child) or None) for child in children}


def table_rows(dialog: SnapshotDiffDialog) -> dict[str, list[str]]:
    table = dialog.figures
    return {table.item(r, 0).text(): [table.item(r, c).text() for c in range(1, 4)] for r in range(table.rowCount())}


@pytest.fixture
def two_snapshots(demo_path: Path, tmp_path: Path) -> dict[str, Any]:
    """A snapshot of the demo portfolio, then one organisation added, one renamed and one aid's grant raised, and
    a second snapshot."""
    before = tmp_path / "comite-mars.sqlite"
    after = tmp_path / "comite-juin.sqlite"
    write_snapshot(demo_path, before, author="camille")
    with sqlite3.connect(demo_path) as connection:
        renamed_uuid, old_name = connection.execute("SELECT uuid, name FROM organisation ORDER BY id").fetchone()
        aid_uuid, aid_id, grant, beneficiary = connection.execute(
            "SELECT a.uuid, a.id, a.grant_cents, o.name FROM aid a JOIN organisation o ON o.id = a.organisation_id "
            "ORDER BY a.id").fetchone()
        committed = connection.execute("SELECT sum(grant_cents) + sum(advance_cents) FROM aid").fetchone()[0]
    connection.close()
    with open_portfolio(demo_path) as db:
        apply_changes(db, [Create("organisation", new_uuid(), {"name": NEW_NAME, "city": "Quimper"}),
                           FieldChange("organisation", renamed_uuid, "name", old_name, old_name + " (nouveau nom)"),
                           FieldChange("aid", aid_uuid, "grant_cents", grant, grant + MORE_CENTS)], source="test")
    write_snapshot(demo_path, after, author="dominique")
    return {"before": before, "after": after, "old_name": old_name, "aid_id": aid_id, "grant": grant,
            "beneficiary": beneficiary, "committed": committed}


def test_the_dialog_shows_exactly_the_changes_and_the_key_figures_side_by_side(qtbot, two_snapshots) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    dialog = compare_snapshots(parent, two_snapshots["before"], two_snapshots["after"])
    assert dialog is not None and dialog.isVisible() and not dialog.isModal()
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Comparer deux instantanés"
    old_name = two_snapshots["old_name"]
    aid = f"Aide {two_snapshots['aid_id']} — {two_snapshots['beneficiary']}"
    grant = two_snapshots["grant"]
    assert tree_of(dialog.tree.invisibleRootItem()) == {
        "Structure : 1 ajout(s), 1 modification(s)": {
            "Ajoutés (1)": {NEW_NAME: None},
            "Modifiés (1)": {f"{old_name} (nouveau nom)": {
                f"Raison sociale : {old_name} → {old_name} (nouveau nom)": None}},
        },
        "Aide : 1 modification(s)": {
            "Modifiés (1)": {aid: {
                f"Subvention : {format_eur(grant)} → {format_eur(grant + MORE_CENTS)}": None}},
        },
    }
    rows = table_rows(dialog)
    committed = two_snapshots["committed"]
    assert rows["Aide engagée"] == [format_eur(committed), format_eur(committed + MORE_CENTS),
                                    "+" + format_eur(MORE_CENTS)]
    assert format_eur(MORE_CENTS) == "12\u00a0345\u00a0€"  # French: thousands separated by a no-break space
    assert rows["  dont subventions"][2] == "+12\u00a0345\u00a0€"
    assert rows["  dont avances remboursables"][2] == "—"
    applicants = rows["Porteurs (candidats)"]
    assert applicants[0] == applicants[1] and applicants[2] == "—"
    headers = [dialog.figures.horizontalHeaderItem(c).text() for c in range(4)]
    assert headers == ["Indicateur", "comite-mars.sqlite", "comite-juin.sqlite", "Écart"]
    # the header names both files, their dates and authors
    texts = [label.text() for label in dialog.header_labels]
    assert "comite-mars.sqlite" in texts[0] and "par camille" in texts[0] and "instantané du" in texts[0]
    assert "comite-juin.sqlite" in texts[1] and "par dominique" in texts[1]
    assert dialog.summary.text() == "1 fiche(s) ajoutée(s), 2 modifiée(s), 0 supprimée(s)"
    dialog.close()


def test_two_identical_snapshots_say_nothing_changed(qtbot, two_snapshots) -> None:
    from portfolio.services.snapshot_diff import diff_snapshots

    same = two_snapshots["before"]
    dialog = SnapshotDiffDialog(diff_snapshots(same, same))
    qtbot.addWidget(dialog)
    assert tree_of(dialog.tree.invisibleRootItem()) == {"Aucune fiche ajoutée, modifiée ni supprimée.": None}
    rows = table_rows(dialog)
    assert all(old == new and gap == "—" for old, new, gap in rows.values())
    assert rows["Candidatures"][0] == format_int(880)  # the demo's applications


def test_a_file_that_is_not_a_snapshot_is_a_warning_not_a_traceback(qtbot, two_snapshots, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _parent, _title, text, *a, **k: warnings.append(text))
    junk = tmp_path / "pas-un-instantane.sqlite"
    junk.write_bytes(b"ceci n'est pas une base" * 100)
    parent = QWidget()
    qtbot.addWidget(parent)
    assert compare_snapshots(parent, junk, two_snapshots["after"]) is None
    assert len(warnings) == 1 and "ne se comparent pas" in warnings[0] and "Traceback" not in warnings[0]
    assert compare_snapshots(parent, tmp_path / "absent.sqlite", two_snapshots["after"]) is None
    assert len(warnings) == 2 and "n'existe pas" in warnings[1]


def test_the_files_are_asked_for_when_not_given(qtbot, two_snapshots, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[tuple[str, str]] = []
    answers = [str(two_snapshots["before"]), str(two_snapshots["after"])]

    def choose(_parent, title, _folder, file_filter, *args, **kwargs):
        asked.append((title, file_filter))
        return (answers.pop(0) if answers else "", "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", choose)
    dialog = compare_snapshots(None)
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert asked == [("Instantané le plus ancien", "Instantanés du portefeuille (*.sqlite)"),
                     ("Instantané le plus récent", "Instantanés du portefeuille (*.sqlite)")]
    dialog.close()
    assert compare_snapshots(None) is None  # the choice cancelled: nothing opens, nothing said


def test_files_given_in_the_wrong_order_are_said_so(qtbot, two_snapshots) -> None:
    from portfolio.services.snapshot_diff import diff_snapshots
    from portfolio.ui.snapshot_diff_view import DiffDetails, SnapshotInfo

    after, before = two_snapshots["after"], two_snapshots["before"]
    details = DiffDetails(SnapshotInfo(after, "2026-06-15T09:00:00+00:00", "dominique"),
                          SnapshotInfo(before, "2026-03-15T09:00:00+00:00", "camille"))
    dialog = SnapshotDiffDialog(diff_snapshots(after, before), None, details)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(QLabel)]
    assert any(text.startswith("Attention : « comite-juin.sqlite » a été écrit après") for text in texts)
    organisations = tree_of(dialog.tree.invisibleRootItem())["Structure : 1 modification(s), 1 suppression(s)"]
    assert organisations["Supprimés (1)"] == {NEW_NAME: None}  # the one added, seen backwards
