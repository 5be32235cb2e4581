"""The import wizard (file -> mapping -> preview -> import, one undo step), the history of imports, dropping a
file onto the window, and read-only mode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QMessageBox, QPushButton
from tests.data_files import DATA, data_file

from portfolio.exchange import imports
from portfolio.exchange.preview import confidence_mark, sample_text
from portfolio.services import app_paths
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.import_history import ImportHistoryDialog
from portfolio.ui.import_wizard import CallsDialog, ImportWizard
from portfolio.ui.main_window import MainWindow
from portfolio.ui.workspace import Workspace

SCDL = DATA / "realworld" / "scdl_subventions_exemple_officiel_etalab.csv"
HOSTILE = DATA / "hostile" / "calamine_too_small.xls"
FRANCE2030 = DATA / "realworld" / "france2030_liste_beneficiaires_extrait_2023-02.xlsx"
SCDL_NAMES = ("Rodriguez SA", "Bellandier SAS")
IMPORTED = ["Rodriguez SA"]  # the official example's second SIRET has a wrong check digit: that row is rejected
WAIT = 30_000  # ms: reading runs in a child process, on a busy machine


@pytest.fixture
def needs_data() -> None:
    """The test data this module reads is there; else the test fails naming the missing file (never skips)."""
    for path in (SCDL, HOSTILE, FRANCE2030):
        data_file(str(path.relative_to(DATA)))


def sql(path: Path, query: str, *params: object) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, params).fetchall()


def audit_count(path: Path) -> int:
    return sql(path, "SELECT count(*) FROM audit_entry")[0][0]


def organisations_named(path: Path, names: tuple[str, ...]) -> list[str]:
    marks = ", ".join("?" for _ in names)
    return sorted(r[0] for r in sql(path, f"SELECT name FROM organisation WHERE name IN ({marks})", *names))


@pytest.fixture(autouse=True)
def messages(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[tuple[str, str]]:
    """Message boxes recorded instead of shown (a modal box would block the test); profiles in tmp_path."""
    shown: list[tuple[str, str]] = []

    def record(kind: str, answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Ok):
        def box(_parent, _title, text, *_args, **_kwargs):
            shown.append((kind, text))
            return answer
        return box

    monkeypatch.setattr(QMessageBox, "critical", record("critical"))
    monkeypatch.setattr(QMessageBox, "warning", record("warning"))
    monkeypatch.setattr(QMessageBox, "information", record("information"))
    monkeypatch.setattr(QMessageBox, "question", record("question", QMessageBox.StandardButton.Yes))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setattr(app_paths, "import_profiles_folder", lambda: tmp_path / "profils")
    return shown


def open_wizard(qtbot, workspace: Workspace, path: Path) -> ImportWizard:
    wizard = ImportWizard(workspace, path)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.prepared is not None or bool(wizard.last_error), timeout=WAIT)
    return wizard


def to_preview(qtbot, wizard: ImportWizard, call: str | None = "PEPR-SN") -> None:
    wizard.next_button.click()
    assert wizard.page() == 1
    wizard.mapping_page.choose_call(call)
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.page() == 2 or bool(wizard.last_error), timeout=WAIT)
    assert wizard.page() == 2, wizard.last_error


def import_scdl(qtbot, workspace: Workspace) -> ImportWizard:
    wizard = open_wizard(qtbot, workspace, SCDL)
    to_preview(qtbot, wizard)
    wizard.next_button.click()
    assert wizard.page() == 3 and wizard.import_button.isVisible() and wizard.import_button.isEnabled()
    wizard.import_button.click()
    qtbot.waitUntil(lambda: wizard.result is not None or bool(wizard.last_error), timeout=WAIT)
    assert wizard.result, wizard.last_error
    return wizard


def test_sample_values_and_confidence_are_shown_the_french_way() -> None:
    from datetime import date

    assert sample_text(date(2017, 6, 27)) == "27/06/2017"
    assert sample_text(18008901303977) == "18008901303977"  # identifiers are not grouped like amounts
    assert sample_text(22000.8) == "22000,8" and sample_text(5.0) == "5"
    assert sample_text("x" * 100).endswith("…") and len(sample_text("x" * 100)) == 40
    assert confidence_mark(1.0)[0] == "●●●" and confidence_mark(0.6)[0] == "●●○"
    assert confidence_mark(0.3)[0] == "●○○" and confidence_mark(None) == ("", "", "")


@pytest.mark.usefixtures("needs_data")
def test_the_wizard_imports_a_scdl_file_as_one_undo_step(qtbot, workspace: Workspace, demo_path: Path,
                                                         messages: list) -> None:
    assert organisations_named(demo_path, SCDL_NAMES) == []
    wizard = open_wizard(qtbot, workspace, SCDL)
    assert wizard.prepared is not None, wizard.last_error
    # step 1: the sheet, the header row and the format found
    assert "ligne 1" in wizard.file_page.header_row.text()
    assert "SCDL" in wizard.file_page.profile.text()
    assert wizard.file_page.preview.rowCount() == 2
    # step 2: one row per column, with samples, the field and the confidence
    wizard.next_button.click()
    mapping = wizard.mapping_page
    assert mapping.table.rowCount() == len(wizard.prepared.table.headers)
    name_row = wizard.prepared.table.headers.index("nomBeneficiaire")
    assert "Rodriguez SA" in mapping.table.item(name_row, 1).text()
    assert mapping.combos[name_row].currentData() == "org.name"
    assert mapping.table.item(name_row, 3).text().startswith("●●●")
    assert mapping.call.findData("PEPR-SN") > 0
    mapping.choose_call("PEPR-SN")
    assert wizard.prepared.mapping.defaults["call"] == "PEPR-SN"
    # step 3: the preview, computed in the background
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.page() == 2 or bool(wizard.last_error), timeout=WAIT)
    assert wizard.page() == 2, wizard.last_error
    plan = wizard.preview.plan
    assert plan.created_counts()["organisation"] == 1 and plan.created_counts()["project"] == 1
    assert [r.row for r in plan.rejected] == [3] and "SIRET" in plan.rejected[0].reason
    assert wizard.preview_page.rejected.item(0, 1).text() == "idBeneficiaire"
    counts = wizard.preview_page.counts
    assert counts is not None and counts.item(0, 0).text() == "Structure"
    assert wizard.preview_page.created.rowCount() == len(plan.creates)
    created_names = {wizard.preview_page.created.item(r, 2).text() for r in range(len(plan.creates))}
    assert "Rodriguez SA" in created_names and "Aide à l'embauche" in created_names
    before = audit_count(demo_path)
    # step 4: the import, one undo step
    wizard.next_button.click()
    assert "Prêt à importer" in wizard.apply_page.summary.text()
    wizard.import_button.click()
    qtbot.waitUntil(lambda: wizard.result is not None or bool(wizard.last_error), timeout=WAIT)
    assert wizard.result, wizard.last_error
    assert "Import terminé" in wizard.apply_page.result.text() and wizard.close_button.text() == "Fermer"
    assert not wizard.import_button.isEnabled()
    assert organisations_named(demo_path, SCDL_NAMES) == IMPORTED
    assert audit_count(demo_path) > before
    assert workspace.undo_stack.undoText().startswith("Importer")
    assert workspace.undo_stack.count() == 1
    workspace.undo_stack.undo()
    assert organisations_named(demo_path, SCDL_NAMES) == []
    workspace.undo_stack.redo()
    assert organisations_named(demo_path, SCDL_NAMES) == IMPORTED
    assert not [m for m in messages if m[0] == "critical"]


@pytest.mark.usefixtures("needs_data")
def test_without_a_call_rows_are_rejected_and_saved_with_their_reason(qtbot, workspace: Workspace,
                                                                       demo_path: Path, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    wizard = open_wizard(qtbot, workspace, SCDL)
    to_preview(qtbot, wizard, call=None)
    plan = wizard.preview.plan
    assert len(plan.rejected) == 2 and plan.is_empty
    page = wizard.preview_page
    assert page.rejected.rowCount() == 2 and page.rejected.item(0, 2).text() == plan.rejected[0].reason
    assert page.tabs.currentWidget() is page.rejected and page.save_rejected.isEnabled()
    saved = wizard.save_rejected(tmp_path / "rejets")
    assert saved == tmp_path / "rejets.xlsx" and saved.exists()
    sheet = load_workbook(saved).active
    header = [c.value for c in sheet[1]]
    assert "Motif du rejet" in header and sheet.max_row == 3
    wizard.next_button.click()
    assert "Rien à importer" in wizard.apply_page.summary.text() and not wizard.import_button.isEnabled()


@pytest.mark.usefixtures("needs_data")
def test_mapping_corrections_update_the_mapping_and_are_saved_for_a_counterpart(
        qtbot, workspace: Workspace, tmp_path: Path) -> None:
    wizard = open_wizard(qtbot, workspace, SCDL)
    wizard.next_button.click()
    page = wizard.mapping_page
    headers = wizard.prepared.table.headers
    mapping = wizard.prepared.mapping
    objet, nature = headers.index("objet"), headers.index("nature")
    page.choose(objet, None)
    assert objet not in mapping.columns and page.table.item(objet, 3).text() == ""
    page.choose(nature, "project.title")
    assert mapping.columns[nature] == "project.title" and page.table.item(nature, 3).text().startswith("✎")
    name = headers.index("nomBeneficiaire")
    reference = headers.index("referenceDecision")
    page.choose(reference, "org.name")  # a field is filled by one column: the other column is now ignored
    assert mapping.columns[reference] == "org.name" and name not in mapping.columns
    assert page.combos[name].currentData() is None and "nomBeneficiaire" in page.notice.text()
    page.choose(name, "org.name")
    page.choose(reference, "project.reference")
    page.choose_call("PEPR-SN")
    page.profile_name.setText("Région Bretagne")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.page() == 2 or bool(wizard.last_error), timeout=WAIT)
    wizard.next_button.click()
    assert "Région Bretagne" in wizard.apply_page.mapping_note.text()
    wizard.import_button.click()
    qtbot.waitUntil(lambda: wizard.result is not None or bool(wizard.last_error), timeout=WAIT)
    assert "Correspondance enregistrée" in wizard.apply_page.result.text()
    assert list((tmp_path / "profils").glob("*.json"))
    again = imports.prepare(SCDL)  # offered by itself next time
    assert again.mapping.profile == "Région Bretagne" and again.mapping.columns.get(nature) == "project.title"


@pytest.mark.usefixtures("needs_data")
def test_a_changed_amount_is_previewed_as_an_update_in_french(qtbot, workspace: Workspace, tmp_path: Path) -> None:
    from portfolio.domain.money import format_eur
    from portfolio.services import fields

    import_scdl(qtbot, workspace)
    changed = tmp_path / "scdl-corrige.csv"
    changed.write_text(SCDL.read_text(encoding="utf-8").replace("22000.80", "23000.00"), encoding="utf-8")
    wizard = open_wizard(qtbot, workspace, changed)
    to_preview(qtbot, wizard)
    plan = wizard.preview.plan
    assert not plan.creates and plan.updated_counts().get("aid") == 1
    table = wizard.preview_page.updated
    rows = [tuple(table.item(r, c).text() for c in range(4)) for r in range(table.rowCount())]
    grant = fields.field_spec("aid", "grant_cents").label
    # SCDL's montant is the grant's total, Rodriguez's share 0.8 of it: 22 000,80 → 23 000,00 € gives 17 600,64 →
    # 18 400,00 €
    assert ("Aide — Rodriguez SA", grant, format_eur(1760064), format_eur(1840000)) in rows


@pytest.mark.usefixtures("needs_data")
def test_calls_named_in_the_file_can_be_associated_with_the_portfolio_calls(qtbot, workspace: Workspace) -> None:
    wizard = open_wizard(qtbot, workspace, FRANCE2030)
    assert wizard.prepared is not None, wizard.last_error
    assert "ligne 3, colonne B" in wizard.file_page.header_row.text()
    wizard.next_button.click()
    page = wizard.mapping_page
    names = dict(page.file_calls())
    assert names["Contractualisation directe"] == 4 and "PEPR Electronique" in names
    assert page.calls_button.isVisibleTo(wizard) and "seront rejetées : 3" in page.calls_status.text()
    dialog = CallsDialog(page.file_calls(), page.calls, page.recognised, {}, wizard)
    qtbot.addWidget(dialog)
    dialog.choose("PEPR Electronique", "PEPR-SN")
    assert dialog.choices() == {"PEPR Electronique": "PEPR-SN"}
    page.set_call_choices(dialog.choices())
    assert wizard.prepared.mapping.defaults["calls"] == {"PEPR Electronique": "PEPR-SN"}
    assert "associés : 1" in page.calls_status.text()
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.page() == 2 or bool(wizard.last_error), timeout=WAIT)
    plan = wizard.preview.plan
    assert plan.created_counts().get("project") == 1  # the PEPR row; the others name calls nobody knows
    assert len(plan.rejected) == 6 and all("appel à projets inconnu" in r.reason for r in plan.rejected)
    # unmapping the call column: the default call covers every row
    wizard.back_button.click()
    page.choose(wizard.prepared.mapping.column_of("project.call"), None)
    assert not page.calls_button.isVisibleTo(wizard)
    page.choose_call("PEPR-SN")
    wizard.next_button.click()
    qtbot.waitUntil(lambda: wizard.page() == 2 or bool(wizard.last_error), timeout=WAIT)
    assert not wizard.preview.plan.rejected and wizard.preview.plan.created_counts()["project"] == 7


def test_changing_the_sheet_reads_it(qtbot, workspace: Workspace, tmp_path: Path, messages: list) -> None:
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Extraction du 01/02/2024", None])
    notes.append(["Ne pas diffuser", None])
    data = book.create_sheet("Bénéficiaires")
    data.append(["Liste des structures"])
    data.append([])
    data.append(["Raison sociale", "SIRET", "Ville"])
    data.append(["Clinique des Tilleuls", "73282932000074", "Rennes"])
    path = tmp_path / "deux-feuilles.xlsx"
    book.save(path)
    wizard = open_wizard(qtbot, workspace, path)
    # the first sheet holding data is read: it has no table, and the message says to choose another sheet
    assert wizard.prepared is None and "autre feuille" in wizard.last_error
    assert messages and "Notes" in messages[-1][1]
    combo = wizard.file_page.sheet
    assert [combo.itemText(i) for i in range(combo.count())] == ["Notes", "Bénéficiaires"] and combo.isEnabled()
    wizard.last_error = ""
    combo.setCurrentIndex(1)
    qtbot.waitUntil(lambda: wizard.prepared is not None or bool(wizard.last_error), timeout=WAIT)
    assert wizard.prepared.table.sheet == "Bénéficiaires" and wizard.prepared.table.header_row == 3
    assert "ligne 3" in wizard.file_page.header_row.text() and combo.currentText() == "Bénéficiaires"
    assert wizard.prepared.mapping.column_of("org.name") == 0


@pytest.mark.usefixtures("needs_data")
def test_the_history_lists_the_import_and_undoes_it(qtbot, workspace: Workspace, demo_path: Path) -> None:
    import_scdl(qtbot, workspace)
    changed: list[set] = []
    workspace.changed.connect(changed.append)
    dialog = ImportHistoryDialog(workspace)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.table.rowCount() >= 1
    assert dialog.table.item(0, 1).text() == SCDL.name and dialog.table.item(0, 5).text() == "Importé"
    assert dialog.undo_button.isEnabled()
    dialog.undo_selected(confirm=False)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=WAIT)
    assert "annulé" in dialog.status.text(), dialog.last_error
    assert organisations_named(demo_path, SCDL_NAMES) == []
    assert dialog.table.item(0, 5).text() == "Défait" and not dialog.undo_button.isEnabled()
    assert changed and "organisation" in changed[-1]
    # the window's Ctrl+Z step of that import has nothing left to undo: it goes, silently, writing nothing
    before = audit_count(demo_path)
    assert workspace.undo_stack.count() == 1
    workspace.undo_stack.undo()
    assert workspace.undo_stack.count() == 0 and audit_count(demo_path) == before


@pytest.mark.usefixtures("needs_data")
def test_reading_can_be_cancelled_without_a_message(qtbot, workspace: Workspace, messages: list,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    from portfolio.exchange.reading import ReadCancelled
    from portfolio.ui import import_wizard

    def slow(path, sheet, progress, cancelled):
        while not cancelled():
            time.sleep(0.01)
        raise ReadCancelled("Lecture annulée.")

    monkeypatch.setattr(import_wizard, "prepare_file", slow)
    wizard = ImportWizard(workspace, SCDL)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.busy, timeout=WAIT)
    assert not wizard.next_button.isEnabled() and not wizard.close_button.isEnabled()
    wizard.close()  # refused while the task runs: it reports to the wizard
    assert wizard.isVisible()
    wizard.task.cancel()
    qtbot.waitUntil(lambda: not wizard.busy, timeout=WAIT)
    assert wizard.prepared is None and "annulée" in wizard.file_page.status.text()
    assert not messages  # cancelling is not an error


@pytest.mark.usefixtures("needs_data")
def test_the_history_knows_an_import_undone_and_redone_with_ctrl_z(qtbot, workspace: Workspace, demo_path: Path,
                                                                   messages: list) -> None:
    from portfolio.exchange.imports import import_history

    import_scdl(qtbot, workspace)
    workspace.undo_stack.undo()  # Ctrl+Z: the import is undone
    assert organisations_named(demo_path, SCDL_NAMES) == []
    assert [p.undone for p in import_history(workspace.db)] == [True]
    dialog = ImportHistoryDialog(workspace)
    qtbot.addWidget(dialog)
    assert not dialog.undo_button.isEnabled()  # nothing left to undo from here
    dialog.undo_selected(confirm=False)
    assert not dialog.busy and organisations_named(demo_path, SCDL_NAMES) == []
    workspace.undo_stack.redo()  # Ctrl+Shift+Z: imported again, and undoable from the history
    assert organisations_named(demo_path, SCDL_NAMES) != []
    assert [p.undone for p in import_history(workspace.db)] == [False]
    assert not [m for m in messages if m[0] == "critical"]


@pytest.mark.parametrize("make_file", ["renamed", "hostile"])
def test_a_broken_file_shows_one_message_and_writes_nothing(qtbot, workspace: Workspace, demo_path: Path,
                                                            tmp_path: Path, messages: list, make_file: str) -> None:
    if make_file == "renamed":
        path = tmp_path / "liste.xlsx"
        path.write_text("ceci n'est pas un classeur\n", encoding="utf-8")
    else:
        path = data_file("hostile/calamine_too_small.xls")
    before = audit_count(demo_path)
    wizard = open_wizard(qtbot, workspace, path)
    assert wizard.prepared is None and wizard.last_error
    assert [m for m in messages if m[0] == "critical"], "the error is shown in a message box"
    text = " ".join(m[1] for m in messages)
    assert "Traceback" not in text and path.name in text and "pas un classeur" in text
    assert wizard.last_error in wizard.file_page.status.text()
    assert not wizard.next_button.isEnabled()
    assert audit_count(demo_path) == before


def test_a_file_that_is_not_a_workbook_is_refused_before_reading(qtbot, workspace: Workspace,
                                                                 tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("bonjour")
    wizard = open_wizard(qtbot, workspace, notes)
    assert "n'est pas un classeur" in wizard.last_error and not wizard.next_button.isEnabled()


def _drop_event(path: Path, kind: type = QDropEvent) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = kind(QPointF(20, 20).toPoint() if kind is QDragEnterEvent else QPointF(20, 20),
                 Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    event._mime = mime  # keeps the mime data alive as long as the event
    return event


@pytest.mark.usefixtures("needs_data")
def test_the_menu_and_a_dropped_file_open_the_wizard(qtbot, workspace: Workspace, tmp_path: Path) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.show()
    assert window.acceptDrops()
    assert window.import_action.shortcut() == QKeySequence("Ctrl+I") and window.import_action.isEnabled()
    assert window.import_action.text() == "Importer un classeur…"
    assert window.history_action.text() == "Historique des imports…"
    enter = _drop_event(SCDL, QDragEnterEvent)
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    other = tmp_path / "notes.pdf"
    other.write_text("x")
    refused = _drop_event(other, QDragEnterEvent)
    window.dragEnterEvent(refused)
    assert not refused.isAccepted()
    window.dropEvent(_drop_event(SCDL))
    wizards = [d for d in window.dialogs if isinstance(d, ImportWizard)]
    assert len(wizards) == 1
    wizard = wizards[0]
    qtbot.waitUntil(lambda: wizard.prepared is not None or bool(wizard.last_error), timeout=WAIT)
    assert wizard.prepared is not None and wizard.file_page.path.text() == str(SCDL)
    wizard.close()
    history = window.import_history()
    assert isinstance(history, ImportHistoryDialog) and history in window.dialogs
    history.close()


def test_the_welcome_screen_opens_the_wizard(qtbot, tmp_path: Path) -> None:
    workspace = Workspace(open_portfolio(tmp_path / "empty.sqlite"))
    try:
        window = MainWindow(workspace)
        qtbot.addWidget(window)
        window.show()
        button = window.welcome.findChild(QPushButton, "welcome_import")
        assert button.isEnabled() and not button.toolTip()
        button.click()
        assert any(isinstance(d, ImportWizard) for d in window.dialogs)
    finally:
        for dialog in list(window.dialogs):
            dialog.close()
        workspace.close()


def test_read_only_disables_importing(read_only_window: MainWindow, demo_path: Path) -> None:
    before = audit_count(demo_path)
    window = read_only_window
    assert not window.import_action.isEnabled()
    assert not window.welcome.findChild(QPushButton, "welcome_import").isEnabled()
    assert window.import_workbook() is None and not window.dialogs
    enter = _drop_event(SCDL, QDragEnterEvent)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()
    window.dropEvent(_drop_event(SCDL))
    assert not window.dialogs
    history = window.import_history()  # the history can be read, not undone
    assert isinstance(history, ImportHistoryDialog) and not history.undo_button.isEnabled()
    history.close()
    assert audit_count(demo_path) == before


def test_a_working_workbook_is_imported_whole_without_a_mapping_step(qtbot, workspace: Workspace, demo_path: Path,
                                                                    tmp_path: Path, messages: list) -> None:
    """A working workbook from another portfolio: every sheet read, no mapping to choose, the preview straight
    after the file, one undo step. The demo's own export is refused: that is the sync's work."""
    from portfolio.exchange.working_workbook import Selection, export_working_workbook
    from portfolio.services.changes import Create, apply_changes, new_uuid

    other, workbook = tmp_path / "autre.sqlite", tmp_path / "classeur-agence.xlsx"
    organisation = new_uuid()
    with open_portfolio(other) as db:
        apply_changes(db, [Create("organisation", organisation, {"name": "Structure venue d'ailleurs"})], source="t")
        with db.read() as session:
            [(org_id,)] = session.connection().exec_driver_sql("SELECT id FROM organisation").fetchall()
        apply_changes(db, [Create("contact", new_uuid(), {"organisation_id": org_id, "last_name": "Kerjean"})],
                      source="t")
        export_working_workbook(db, Selection(("organisation", "contact"), personal=True), workbook)
    wizard = ImportWizard(workspace, workbook)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.waitUntil(lambda: wizard.whole is not None or bool(wizard.last_error), timeout=WAIT)
    assert wizard.whole is not None, wizard.last_error
    assert "Structure, Contact" in wizard.file_page.header_row.text()
    assert "Classeur de travail" in wizard.file_page.profile.text()
    wizard.next_button.click()
    assert wizard.page() == 2 and "classeur de travail" in wizard.preview_page.summary.text()
    assert wizard.preview.plan.created_counts() == {"organisation": 1, "contact": 1}
    wizard.back_button.click()
    assert wizard.page() == 0
    wizard.next_button.click()
    wizard.next_button.click()
    assert wizard.page() == 3
    wizard.import_button.click()
    qtbot.waitUntil(lambda: wizard.result is not None or bool(wizard.last_error), timeout=WAIT)
    assert wizard.result, wizard.last_error
    assert sql(demo_path, "SELECT c.last_name FROM contact c JOIN organisation o ON o.id = c.organisation_id "
                          "WHERE o.uuid = ?", organisation) == [("Kerjean",)]
    assert workspace.undo_stack.count() == 1
    assert not [m for m in messages if m[0] == "critical"]

    own = tmp_path / "propre-export.xlsx"
    export_working_workbook(workspace.db, Selection(("organisation",)), own)
    refused = ImportWizard(workspace, own)
    qtbot.addWidget(refused)
    refused.show()
    qtbot.waitUntil(lambda: bool(refused.last_error), timeout=WAIT)
    assert "Reprendre le classeur d'une agence" in refused.last_error and refused.whole is None
    assert not refused.next_button.isEnabled()


def test_cancelling_after_reading_a_file_asks_first(qtbot, workspace: Workspace, monkeypatch: pytest.MonkeyPatch,
                                                     dialogs_run: list[object]) -> None:
    """Issue #19: "Annuler" threw a read (and mapped) file away without a word."""
    from portfolio.ui import questions

    wizard = open_wizard(qtbot, workspace, SCDL)
    answers = [False]
    monkeypatch.setattr(questions, "confirm", lambda *a: (dialogs_run.append(a[1]), answers.pop(0))[1])
    wizard.close_button.click()
    assert wizard.isVisible() and wizard.prepared is not None  # "Continuer l'import": nothing lost
    assert dialogs_run == ["Abandonner l'import"]
    answers.append(True)
    wizard.close_button.click()
    assert not wizard.isVisible() and len(dialogs_run) == 2  # asked once more, then closed
