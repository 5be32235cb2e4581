"""The "Mon suivi" page (issue #21): first in the navigation with its count, each section's count and oldest lines,
a line opening its project's dossier, and read again after a change."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import text

from portfolio.services import listing
from portfolio.services.changes import FieldChange
from portfolio.services.demo import AS_OF
from portfolio.services.follow_up import follow_up
from portfolio.ui import follow_up_page
from portfolio.ui.main_window import NAVIGATION, MainWindow


@pytest.fixture(autouse=True)
def demo_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(listing, "today", lambda: AS_OF)
    monkeypatch.setattr(follow_up_page, "today", lambda: AS_OF)


def _shown(qtbot, window: MainWindow) -> follow_up_page.FollowUpPage:
    """The page of the main window (the conftest's, on the demo), read."""
    window.show_page("suivi")
    page = window.pages["suivi"]
    assert isinstance(page, follow_up_page.FollowUpPage)
    qtbot.waitUntil(lambda: page.result is not None)
    return page


def test_the_follow_up_page_shows_each_sections_count_and_oldest_lines(qtbot, window: MainWindow) -> None:
    assert NAVIGATION[0][0] == "suivi"
    page = _shown(qtbot, window)
    with window.workspace.db.read() as session:
        expected = follow_up(session, AS_OF, follow_up_page.DAYS)
    for key, (caption, table) in page.sections.items():
        lines = getattr(expected, key)
        assert f"({len(lines)})" in caption.text()
        assert table.rowCount() == min(len(lines), follow_up_page.SHOWN)
        assert [table.item(r, 1).text() for r in range(table.rowCount())] == [
            line.acronym for line in lines[:follow_up_page.SHOWN]]
    assert window.navigation.item(0).text() == f"Mon suivi ({sum(expected.counts.values())})"


def test_a_line_opens_its_projects_dossier_on_that_line(qtbot, window: MainWindow) -> None:
    page = _shown(qtbot, window)
    _caption, table = page.sections["overdue_milestones"]
    line = page.result.overdue_milestones[0]
    with window.workspace.db.read() as session:
        expected = session.execute(text("SELECT id FROM project WHERE uuid = :u"), {"u": line.project_uuid}).scalar()
    with qtbot.waitSignal(page.open_dossier, timeout=2000) as opened:
        table.itemActivated.emit(table.item(0, 2))
    assert opened.args == [expected, line.item_uuid]
    editor = window.editors[("project", expected)]  # the main window opened it on the dossier, the milestone chosen
    assert editor.dossier is not None and editor.tabs.currentWidget() is editor.dossier
    chosen = editor.dossier.milestones.selectedItems()
    assert chosen and chosen[0].data(Qt.ItemDataRole.UserRole) == ("milestone", line.item_uuid)


def test_a_milestone_marked_done_leaves_the_page(qtbot, window: MainWindow) -> None:
    page = _shown(qtbot, window)
    first = page.result.overdue_milestones[0]
    before = page.result.counts["overdue_milestones"]
    window.workspace.apply([FieldChange("milestone", first.item_uuid, "done_on", None, AS_OF.isoformat())],
                    "Jalon réalisé")
    qtbot.waitUntil(lambda: page.result.counts["overdue_milestones"] == before - 1)
    assert first.item_uuid not in {line.item_uuid for line in page.result.overdue_milestones}


def test_the_navigation_counts_the_follow_up_before_its_page_is_opened(qtbot, window: MainWindow) -> None:
    window.show_page("project")
    with window.workspace.db.read() as session:
        expected = sum(follow_up(session, AS_OF, follow_up_page.DAYS).counts.values())
    qtbot.waitUntil(lambda: window.navigation.item(0).text() == f"Mon suivi ({expected})", timeout=5000)
    assert "suivi" not in window.pages  # counted without building the page


def test_the_navigation_count_follows_a_change_while_the_page_is_hidden(qtbot, window: MainWindow) -> None:
    page = _shown(qtbot, window)
    first = page.result.overdue_milestones[0]
    before = sum(page.result.counts.values())
    window.show_page("project")  # the page built, not showing
    window.workspace.apply([FieldChange("milestone", first.item_uuid, "done_on", None, AS_OF.isoformat())],
                           "Jalon réalisé")
    qtbot.waitUntil(lambda: window.navigation.item(0).text() == f"Mon suivi ({before - 1})", timeout=5000)


def test_an_officer_who_said_who_they_are_starts_on_their_follow_up(qtbot, demo_path) -> None:  # type: ignore[no-untyped-def]
    """Préférences names the officer: the window opens on "Mon suivi" (their projects), not on the last list."""
    from PySide6.QtCore import QSettings

    from portfolio.services.portfolio import open_portfolio
    from portfolio.ui.main_window import start_page
    from portfolio.ui.preferences import OFFICER_SETTING
    from portfolio.ui.workspace import Workspace

    assert start_page() == "project"  # a new profile: the projects list, painted from the quick view
    QSettings().setValue(OFFICER_SETTING, "Claire Martin")
    assert start_page() == "suivi"
    window = MainWindow(Workspace(open_portfolio(demo_path)))
    qtbot.addWidget(window)
    window.show()
    try:
        assert window.stack.currentWidget() is window.pages["suivi"]
        qtbot.waitUntil(lambda: window.pages["suivi"].officer.currentText() == "Claire Martin", timeout=3000)
    finally:
        window.workspace.close()
