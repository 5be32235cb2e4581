"""A laureate project opens on its dossier (issue #21): the money per beneficiary, the tranches with the late ones
marked, the milestones, the contacts; a line opens its record."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from portfolio.domain.money import format_eur
from portfolio.services import listing
from portfolio.services.demo import AS_OF
from portfolio.services.dossier import LATE, read_dossier
from portfolio.ui.dossier_view import LATE_COLOUR
from portfolio.ui.editor import RecordEditor
from portfolio.ui.workspace import Workspace


@pytest.fixture(autouse=True)
def demo_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "today", lambda: AS_OF)
    monkeypatch.setattr("portfolio.ui.editor.today", lambda: AS_OF)


def _busiest_project(workspace: Workspace) -> int:
    """The demo's project with the most beneficiaries (then tranches), one of them late."""
    with workspace.db.read() as session:
        return int(session.execute(text(
            "SELECT a.project_id FROM aid a JOIN disbursement d ON d.project_id = a.project_id "
            "WHERE a.project_id IN (SELECT project_id FROM disbursement WHERE paid_on IS NULL AND planned_on < :day) "
            "GROUP BY a.project_id ORDER BY count(DISTINCT a.organisation_id) DESC, count(DISTINCT d.id) DESC "
            "LIMIT 1"), {"day": AS_OF.isoformat()}).scalar())


def test_a_project_opens_on_its_dossier(qtbot, workspace: Workspace) -> None:
    project = _busiest_project(workspace)
    editor = RecordEditor(workspace, "project", project)
    qtbot.addWidget(editor)
    with workspace.db.read() as session:
        dossier = read_dossier(session, project, AS_OF)
    view = editor.dossier
    assert view is not None and editor.tabs.currentWidget() is view and editor.tabs.tabText(0) == "Dossier"
    assert view.aid.rowCount() == len(dossier.aid) >= 3 and view.tranches.rowCount() == len(dossier.tranches)
    assert view.milestones.rowCount() == len(dossier.milestones)
    assert view.contacts.rowCount() == len(dossier.contacts) > 0
    assert format_eur(dossier.committed_cents) in view.committed.text()
    assert format_eur(dossier.paid_cents) in view.committed.text()
    assert [view.aid.item(r, 0).text() for r in range(view.aid.rowCount())] == [a.organisation for a in dossier.aid]
    late = [r for r, t in enumerate(dossier.tranches) if t.state == LATE]
    assert late and all(view.tranches.item(r, 5).foreground().color() == LATE_COLOUR for r in late)
    assert all(view.tranches.item(r, 5).text().startswith("En retard de ") for r in late)


def test_a_line_of_the_dossier_opens_its_record(qtbot, workspace: Workspace) -> None:
    project = _busiest_project(workspace)
    editor = RecordEditor(workspace, "project", project)
    qtbot.addWidget(editor)
    view = editor.dossier
    assert view is not None
    item = view.tranches.item(0, 0)
    entity, uuid = item.data(Qt.ItemDataRole.UserRole)
    with workspace.db.read() as session:
        expected = session.execute(text("SELECT id FROM disbursement WHERE uuid = :u"), {"u": uuid}).scalar()
    with qtbot.waitSignal(editor.open_record, timeout=2000) as opened:
        view.tranches.itemActivated.emit(item)
    assert entity == "disbursement" and opened.args == ["disbursement", expected]


def test_other_records_have_no_dossier(qtbot, workspace: Workspace) -> None:
    """A project, an application and an organisation open on their dossier; a tranche, a contact… on their form."""
    with workspace.db.read() as session:
        tranche = session.execute(text("SELECT min(id) FROM disbursement")).scalar()
    editor = RecordEditor(workspace, "disbursement", tranche)
    qtbot.addWidget(editor)
    assert editor.dossier is None and editor.tabs.tabText(0) == "Fiche"
