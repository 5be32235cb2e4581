"""The officer's own records in a project's dossier (issue #21): a note added and edited, a reminder done and put
off, a document attached (by button or drop) and removed, each one undo step; a refused file said with its name;
"Mon suivi" for one officer or the whole team."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialog, QHeaderView
from sqlalchemy import text

from portfolio.services import listing
from portfolio.services.demo import AS_OF
from portfolio.services.demo_desk import tiny_pdf
from portfolio.services.follow_up import follow_up
from portfolio.ui import desk_actions, follow_up_page, questions
from portfolio.ui.editor import RecordEditor
from portfolio.ui.preferences import OFFICER_SETTING
from portfolio.ui.workspace import Workspace


@pytest.fixture(autouse=True)
def demo_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "today", lambda: AS_OF)
    for module in ("portfolio.ui.editor", "portfolio.ui.desk_actions", "portfolio.ui.follow_up_page"):
        monkeypatch.setattr(f"{module}.today", lambda: AS_OF)


def _editor(qtbot: Any, workspace: Workspace) -> RecordEditor:
    with workspace.db.read() as session:  # a running project with an officer in charge
        project = int(session.execute(text(
            "SELECT p.id FROM project p JOIN status s ON s.id = p.status_id WHERE s.code = 'en_cours' "
            "AND p.officer_id IS NOT NULL ORDER BY p.id LIMIT 1")).scalar())
    editor = RecordEditor(workspace, "project", project)
    qtbot.addWidget(editor)
    editor.show()  # (a change reads a shown dossier again)
    return editor


def _answer(monkeypatch: pytest.MonkeyPatch, text_typed: str) -> None:
    """The next dialog is filled with ``text_typed`` and accepted."""
    def run(dialog: QDialog) -> int:
        dialog.text.setPlainText(text_typed)  # type: ignore[attr-defined]
        dialog.accept()
        return int(dialog.result())
    monkeypatch.setattr(questions, "run_dialog", run)


def _texts(table: Any, column: int) -> list[str]:
    return [table.item(row, column).text() for row in range(table.rowCount())]


def test_a_note_is_added_edited_and_undone_in_one_step_each(qtbot, workspace: Workspace,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    editor = _editor(qtbot, workspace)
    view = editor.dossier
    assert view is not None and view.desk is not None
    before = view.notes.rowCount()
    _answer(monkeypatch, "Appel du porteur : rapport reçu")
    view.note_buttons[0].click()  # "Ajouter une note…"
    assert view.notes.rowCount() == before + 1 and _texts(view.notes, 2)[0] == "Appel du porteur : rapport reçu"
    assert workspace.undo_stack.undoText() == "Ajouter une note"
    view.notes.selectRow(0)
    assert view.note_buttons[1].isEnabled()
    _answer(monkeypatch, "Appel du porteur : rapport reçu, complet")
    view.note_buttons[1].click()  # "Modifier…"
    assert _texts(view.notes, 2)[0] == "Appel du porteur : rapport reçu, complet"
    workspace.undo_stack.undo()
    assert _texts(view.notes, 2)[0] == "Appel du porteur : rapport reçu"
    workspace.undo_stack.undo()
    assert view.notes.rowCount() == before


def test_a_reminder_is_done_and_put_off_in_one_click(qtbot, workspace: Workspace,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    editor = _editor(qtbot, workspace)
    view = editor.dossier
    assert view is not None
    _answer(monkeypatch, "Relancer le rapport financier")
    view.reminder_buttons[0].click()  # "Nouvelle relance…"
    row = _texts(view.reminders, 1).index("Relancer le rapport financier")
    assert _texts(view.reminders, 3)[row] == "aujourd'hui"
    view.reminders.selectRow(row)
    view.reminder_buttons[1].click()  # "Faite"
    row = _texts(view.reminders, 1).index("Relancer le rapport financier")
    assert _texts(view.reminders, 3)[row] == "faite le 31/10/2026"
    view.reminders.selectRow(row)
    view.reminder_buttons[2].click()  # "Reporter d'une semaine": due again, in 7 days
    row = _texts(view.reminders, 1).index("Relancer le rapport financier")
    assert (_texts(view.reminders, 0)[row], _texts(view.reminders, 3)[row]) == ("07/11/2026", "dans 7 j")
    workspace.undo_stack.undo()
    workspace.undo_stack.undo()
    row = _texts(view.reminders, 1).index("Relancer le rapport financier")
    assert _texts(view.reminders, 3)[row] == "aujourd'hui"


def test_a_document_is_attached_by_drop_refused_with_its_name_and_removed(qtbot, workspace: Workspace,
                                                                          tmp_path: Path, said: list[str]) -> None:
    editor = _editor(qtbot, workspace)
    view = editor.dossier
    assert view is not None and view.acceptDrops()
    agreement, program = tmp_path / "Convention signée.pdf", tmp_path / "outil.exe"
    agreement.write_bytes(tiny_pdf(["Convention"]))
    program.write_bytes(b"MZ\x90\x00")
    before = view.documents.rowCount()
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(agreement)), QUrl.fromLocalFile(str(program))])
    view.desk.attach = lambda project, paths, category=None, subject="project": (  # type: ignore
        desk_actions.DeskActions.attach(view.desk, project, paths, category="Convention signée", subject=subject))
    drop = QDropEvent(QPointF(QPoint(10, 10)), Qt.DropAction.CopyAction, data, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    view.dropEvent(drop)
    assert view.documents.rowCount() == before + 1
    assert "Convention signée.pdf" in _texts(view.documents, 0) and "Convention signée" in _texts(view.documents, 1)
    assert len(said) == 1 and "outil.exe" in said[0] and "n'est pas accepté" in said[0]
    row = _texts(view.documents, 0).index("Convention signée.pdf")
    view.documents.selectRow(row)
    view.document_buttons[2].click()  # "Retirer"
    assert "Convention signée.pdf" not in _texts(view.documents, 0)
    workspace.undo_stack.undo()  # back, bytes and all
    assert "Convention signée.pdf" in _texts(view.documents, 0)
    with workspace.db.read() as session:
        [(content,)] = session.execute(text(
            "SELECT c.content FROM document_content c JOIN document d ON d.uuid = c.document_uuid "
            "WHERE d.name = 'Convention signée.pdf'")).all()
    assert bytes(content) == agreement.read_bytes()


def test_a_table_filled_again_keeps_its_stretching_column(qtbot, workspace: Workspace) -> None:
    editor = _editor(qtbot, workspace)
    editor.resize(1300, 700)
    editor.show()
    view = editor.dossier
    assert view is not None and view.dossier is not None
    header = view.notes.horizontalHeader()
    assert header.sectionResizeMode(2) == QHeaderView.ResizeMode.Stretch
    wide = header.length()
    view.show_dossier(view.dossier)  # as after any change
    assert header.length() == wide >= view.notes.viewport().width()


def test_the_follow_up_page_shows_one_officers_projects_or_the_teams(qtbot, workspace: Workspace) -> None:
    from PySide6.QtCore import QSettings

    QSettings().setValue(OFFICER_SETTING, "karim benali")  # the current officer (Préférences)
    page = follow_up_page.FollowUpPage(workspace)
    qtbot.addWidget(page)
    page.show()
    with workspace.db.read() as session:
        karim = desk_actions.current_officer_id(session)
        assert karim is not None
        his = follow_up(session, AS_OF, 30, officer=karim)
        team = follow_up(session, AS_OF, 30)
    assert page.officer.currentText() == "Karim Benali" and page.result is not None
    assert page.result.counts == his.counts != team.counts
    caption, table = page.sections["reminders_due"]
    assert table.rowCount() == len(his.reminders_due)
    assert f"({his.counts['reminders_due']})" in caption.text()
    page.officer.setCurrentIndex(0)  # "Toute l'équipe"
    page.officer.activated.emit(0)
    assert page.result.counts == team.counts
    assert follow_up_page.follow_up_count(workspace) == sum(his.counts.values())
    from portfolio.services import desk

    workspace.apply(desk.new_officer("Nadia Roux"), "Ajouter")  # a new officer: listed, the choice kept
    assert page.officer.findText("Nadia Roux") > 0 and page.officer.currentIndex() == 0


def test_an_organisation_and_an_application_open_on_their_dossier(qtbot, workspace: Workspace,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from portfolio.services.dossier import read_application_dossier, read_organisation_dossier
    from portfolio.ui.subject_dossier import ApplicationDossierView, OrganisationDossierView

    with workspace.db.read() as session:
        organisation = int(session.execute(text("SELECT organisation_id FROM aid GROUP BY organisation_id "
                                                "ORDER BY count(*) DESC LIMIT 1")).scalar())
        application = int(session.execute(text("SELECT application_id FROM project ORDER BY id LIMIT 1")).scalar())
        expected = read_organisation_dossier(session, organisation)
        consortium = read_application_dossier(session, application).consortium
    editor = RecordEditor(workspace, "organisation", organisation)
    qtbot.addWidget(editor)
    editor.show()
    view = editor.dossier
    # an organisation opens on its form (edited far more often), its dossier the next tab
    assert isinstance(view, OrganisationDossierView) and editor.tabs.widget(1) is view
    assert editor.tabs.currentWidget() is editor.form_tab and editor.tabs.tabText(1) == "Dossier"
    assert view.projects.rowCount() == len(expected.projects) > 1
    assert view.applications.rowCount() == len(expected.applications)
    _answer(monkeypatch, "Rencontre avec la direction")
    view.note_buttons[0].click()  # a note on the organisation itself
    assert _texts(view.notes, 2) == ["Rencontre avec la direction"]
    with workspace.db.read() as session:
        assert session.execute(text("SELECT organisation_id FROM note WHERE body = 'Rencontre avec la direction'")
                               ).scalar() == organisation
    other = RecordEditor(workspace, "application", application)
    qtbot.addWidget(other)
    other.show()
    assert isinstance(other.dossier, ApplicationDossierView)
    assert _texts(other.dossier.consortium, 0) == [m.organisation for m in consortium]


def test_a_tranche_is_paid_in_place_in_one_undo_step(qtbot, workspace: Workspace, said: list[str]) -> None:
    """The payment date typed where the tranche is shown (the French way) goes through the door; a date that is not
    one is refused with its reason and the cell shows the stored value again."""
    editor = _editor(qtbot, workspace)
    view = editor.dossier
    assert view is not None and view.dossier is not None
    row = next(r for r, t in enumerate(view.dossier.tranches) if t.paid_on is None)
    uuid = view.dossier.tranches[row].uuid
    cell = view.tranches.item(row, 3)
    assert cell.flags() & Qt.ItemFlag.ItemIsEditable and not view.tranches.item(row, 0).flags() & \
        Qt.ItemFlag.ItemIsEditable
    cell.setText("31/02/2026")  # (as the cell's editor commits it)
    assert said and "31/02/2026" in said[-1] and view.tranches.item(row, 3).text() == ""
    view.tranches.item(row, 3).setText("28/10/2026")
    with workspace.db.read() as session:
        paid = session.execute(text("SELECT paid_on FROM disbursement WHERE uuid = :u"), {"u": uuid}).scalar()
    assert str(paid) == "2026-10-28" and workspace.undo_stack.undoText() == "Modifier « Date de paiement »"
    row = next(r for r, t in enumerate(view.dossier.tranches) if t.uuid == uuid)
    assert view.tranches.item(row, 5).text() == "Payé"  # the dossier read again
    workspace.undo_stack.undo()
    with workspace.db.read() as session:
        assert session.execute(text("SELECT paid_on FROM disbursement WHERE uuid = :u"), {"u": uuid}).scalar() is None


def test_a_refused_save_from_the_dossier_shows_the_form(qtbot, workspace: Workspace) -> None:
    editor = _editor(qtbot, workspace)
    assert editor.tabs.currentWidget() is editor.dossier  # a project opens on its dossier
    editor.inputs["end_on"].edit.setText("31/02/2027")
    assert not editor.save()
    assert editor.tabs.currentWidget() is editor.form_tab and editor.errors["end_on"].isVisible()


def test_an_aids_grant_is_changed_in_place(qtbot, workspace: Workspace) -> None:
    editor = _editor(qtbot, workspace)
    view = editor.dossier
    assert view is not None and view.dossier is not None
    line = view.dossier.aid[0]
    assert line.aid_uuid is not None and view.aid.item(0, 1).flags() & Qt.ItemFlag.ItemIsEditable
    assert not view.aid.item(0, 3).flags() & Qt.ItemFlag.ItemIsEditable  # what was paid is the tranches' sum
    view.aid.item(0, 1).setText("1 234 567,89 €")
    with workspace.db.read() as session:
        grant = session.execute(text("SELECT grant_cents FROM aid WHERE uuid = :u"), {"u": line.aid_uuid}).scalar()
    assert grant == 123_456_789 and view.dossier.aid[0].grant_cents == 123_456_789
    workspace.undo_stack.undo()
    with workspace.db.read() as session:
        assert session.execute(text("SELECT grant_cents FROM aid WHERE uuid = :u"),
                               {"u": line.aid_uuid}).scalar() == line.grant_cents


def test_a_contacts_phone_is_changed_in_place_and_the_email_still_mails(qtbot, workspace: Workspace,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtGui import QDesktopServices

    editor = _editor(qtbot, workspace)
    view = editor.dossier
    assert view is not None and view.dossier is not None and view.contacts.rowCount()
    uuid = view.dossier.contacts[0].uuid
    view.contacts.item(0, 4).setText("01 02 03 04 05")
    with workspace.db.read() as session:
        phone = session.execute(text("SELECT phone FROM contact WHERE uuid = :u"), {"u": uuid}).scalar()
    assert phone == "01 02 03 04 05"
    opened: list[str] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toString()))
    mail = view.contacts.item(0, 3)
    assert not mail.flags() & Qt.ItemFlag.ItemIsEditable
    view.contacts.itemActivated.emit(mail)
    assert opened == [f"mailto:{mail.text()}"]
