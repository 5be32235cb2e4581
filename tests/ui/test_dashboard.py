"""The KPI dashboard: its figures are the KPI service's under the chosen filters, in French format; the filters
drive every chart at once; clicking a region or a bar opens the matching projects."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QLabel

from portfolio.domain.money import format_int, format_meur
from portfolio.services.kpi import Filters, compute
from portfolio.services.portfolio import open_portfolio
from portfolio.ui.main_window import MainWindow
from portfolio.ui.workspace import Workspace


@pytest.fixture
def dashboard_window(qtbot, workspace: Workspace) -> MainWindow:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.resize(1366, 900)
    window.show()
    window.show_page("dashboard")
    qtbot.waitUntil(lambda: window.pages["dashboard"].kpis is not None, timeout=30_000)
    return window


def labels(window: MainWindow) -> list[str]:
    return [w.text() for w in window.pages["dashboard"].findChildren(QLabel)]


def test_the_tiles_show_the_kpis_of_the_filters_chosen(qtbot, dashboard_window: MainWindow, demo_path: Path) -> None:
    page = dashboard_window.pages["dashboard"]
    with open_portfolio(demo_path) as db, db.read() as session:
        everything = compute(session)
        bretagne = compute(session, Filters(region="53", typology="PME"))
    assert format_int(everything.applicants) in labels(dashboard_window)
    assert format_meur(everything.committed_cents) in labels(dashboard_window)
    page.set_filter("region", "53")
    page.set_filter("typology", "PME")
    assert page.kpis.committed_cents == bretagne.committed_cents and page.kpis.applications == bretagne.applications
    qtbot.waitUntil(lambda: format_meur(bretagne.committed_cents) in labels(dashboard_window))
    assert "Filtres : Bretagne · PME" in labels(dashboard_window)
    # every chart follows: the map colours Bretagne alone, the bars sum to the same committed amount
    regions = {g.code for g in page.kpis.breakdowns["region"] if g.committed_cents}
    assert regions == {"53"}
    assert sum(g.committed_cents for g in page.kpis.breakdowns["axis"]) == bretagne.committed_cents
    tip = page.map.items_by_code["53"].toolTip()
    assert "Bretagne" in tip and "€" in tip
    assert page.last_refresh_ms < 200  # a change of filter redraws everything within the target
    page.reset_filters()
    assert page.kpis.committed_cents == everything.committed_cents


def test_clicking_a_region_opens_its_projects(qtbot, dashboard_window: MainWindow, demo_path: Path) -> None:
    page = dashboard_window.pages["dashboard"]
    item = page.map.items_by_code["53"]
    centre = page.map.mapFromScene(item.mapToScene(item.boundingRect().center()))
    assert page.map.code_at(centre) == "53"
    qtbot.mouseClick(page.map.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    projects = dashboard_window.pages["project"]
    assert dashboard_window.stack.currentWidget() is projects
    with sqlite3.connect(demo_path) as connection:
        expected = connection.execute(
            "SELECT count(*) FROM project p JOIN application a ON a.id = p.application_id "
            "JOIN organisation o ON o.id = a.lead_organisation_id JOIN region r ON r.id = o.region_id "
            "WHERE r.code = '53'").fetchone()[0]
    assert 0 < projects.model.rowCount() == expected


def test_clicking_an_axis_bar_opens_its_projects(qtbot, dashboard_window: MainWindow, demo_path: Path) -> None:
    page = dashboard_window.pages["dashboard"]
    chart = page.by_axis
    scene_point = chart.plotItem.vb.mapViewToScene(QPointF(1, 1))  # the second axis, just above its foot
    assert chart.index_at(scene_point) == 1
    seen: list[dict] = []
    page.open_projects.connect(seen.append)
    chart.clicked.emit(chart.index_at(scene_point))
    axis_code = page.kpis.breakdowns["axis"][1].code
    with sqlite3.connect(demo_path) as connection:
        axis_id = connection.execute("SELECT id FROM axis WHERE code = ?", (axis_code,)).fetchone()[0]
        expected = connection.execute(
            "SELECT count(*) FROM project p JOIN application a ON a.id = p.application_id JOIN call c ON "
            "c.id = a.call_id JOIN action ac ON ac.id = c.action_id WHERE ac.axis_id = ?", (axis_id,)).fetchone()[0]
    assert seen == [{"axis": (axis_id,)}]
    assert dashboard_window.pages["project"].model.rowCount() == expected
    assert "Engagé" in page._describe_axis(1) and "€" in page._describe_axis(1)


def test_a_period_of_ones_own(qtbot, dashboard_window: MainWindow, demo_path: Path) -> None:
    from datetime import date

    from portfolio.ui.dashboard import PeriodDialog

    page = dashboard_window.pages["dashboard"]
    page.set_period(date(2023, 1, 1), date(2024, 6, 30))
    with open_portfolio(demo_path) as db, db.read() as session:
        expected = compute(session, Filters(start=date(2023, 1, 1), end=date(2024, 6, 30)))
    assert page.kpis.committed_cents == expected.committed_cents and page.kpis.applications == expected.applications
    assert page.filters["year"].currentText() == "du 01/01/2023 au 30/06/2024"
    page.set_period(date(2022, 1, 1), date(2022, 12, 31))  # replaces the previous one, never piles them up
    texts = [page.filters["year"].itemText(i) for i in range(page.filters["year"].count())]
    assert texts.count("du 01/01/2022 au 31/12/2022") == 1 and "du 01/01/2023 au 30/06/2024" not in texts
    dialog = PeriodDialog()
    qtbot.addWidget(dialog)
    dialog.start.setDate(dialog.start.date().fromString("31/12/2024", "dd/MM/yyyy"))
    dialog.end.setDate(dialog.end.date().fromString("01/01/2024", "dd/MM/yyyy"))
    assert dialog.period() == (date(2024, 1, 1), date(2024, 12, 31))  # the wrong way round, put right


def test_cancelling_another_period_keeps_the_period_chosen_before(qtbot, dashboard_window: MainWindow,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from portfolio.ui.dashboard import PeriodDialog

    page = dashboard_window.pages["dashboard"]
    page.set_filter("year", "2023")
    page.reset_filters()  # back to the whole period, without the combo's own signal
    monkeypatch.setattr(PeriodDialog, "ask", classmethod(lambda cls, parent: None))  # the user cancels
    combo = page.filters["year"]
    other = combo.count() - 1
    combo.setCurrentIndex(other)
    page._period_activated(other)
    assert combo.currentIndex() == 0 and page.current_filters().start is None
    assert page.kpis.applications == 880

