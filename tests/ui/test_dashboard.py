"""The KPI dashboard: its figures are the KPI service's under the chosen filters, in French format; the filters
drive every chart at once; clicking a region or a bar opens the matching projects."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QImage, QPainter
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
    scene_point = chart.plotItem.vb.mapViewToScene(QPointF(1, 1))  # the second axis' bars, near their base
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


# --- what the charts say: axes titled, categories in words, the map's colour scale, the insets' names ------------


def drawn_texts(axis) -> list[tuple[QRectF, str]]:
    """The tick labels an axis draws, with their rectangles: pyqtgraph silently drops a label that does not fit."""
    image = QImage(10, 10, QImage.Format.Format_ARGB32)
    painter = QPainter(image)
    try:
        _axis, _ticks, texts = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [(rect, text) for rect, _flags, text in texts]


def assert_names_drawn_whole(chart) -> None:
    """Every category's name is drawn, whole, inside its axis, and no two names overlap."""
    from PySide6.QtGui import QFontMetrics

    axis = chart.getAxis("left")
    texts = drawn_texts(axis)
    assert [" ".join(text.split("\n")) for _, text in texts] == chart.categories
    metrics = QFontMetrics(chart.name_font)
    for _, text in texts:
        assert all(metrics.horizontalAdvance(line) < axis.width() for line in text.split("\n")), text
    # a category's height on screen holds its name's lines: neighbours never run into each other
    view = chart.plotItem.vb
    pitch = view.mapViewToScene(QPointF(0, 1)).y() - view.mapViewToScene(QPointF(0, 0)).y()
    tallest = max(len(text.split("\n")) for _, text in texts)
    assert pitch >= tallest * metrics.lineSpacing(), (pitch, tallest)


def test_the_charts_name_their_axes_and_categories_in_words(qtbot, dashboard_window: MainWindow) -> None:
    page = dashboard_window.pages["dashboard"]
    axes = page.kpis.breakdowns["axis"]
    qtbot.waitUntil(lambda: bool(page.by_axis.name_lines))
    # the axes by their labels from the reference table, never their bare codes
    assert page.by_axis.names_shown() == [g.label for g in axes]
    assert "Soutenir la recherche et les technologies clés" in page.by_axis.names_shown()
    assert not {g.code for g in axes} & set(page.by_axis.names_shown())
    typologies = [g for g in page.kpis.breakdowns["typology"] if g.code and (g.beneficiaries or g.committed_cents)]
    assert page.by_typology.names_shown() == [g.label for g in typologies]
    assert "Établissement public" in page.by_typology.names_shown()
    assert "EPUB" not in page.by_typology.names_shown()
    # the codes stay in the tooltips
    second = axes[1]
    assert page._describe_axis(1).startswith(f"{second.code} — {second.label}\n")
    public = next(i for i, g in enumerate(typologies) if g.code == "EPUB")
    assert page._describe_typology(public).startswith("EPUB — Établissement public\n")
    assert page._describe_typology(0).startswith("PME\n")  # its label is its code: said once
    # every axis says what it measures
    titles = {(chart, side): chart.getAxis(side).labelText for chart in (page.by_axis, page.by_typology, page.timeline)
              for side in ("left", "bottom") if chart.getAxis(side).label.isVisible()}
    assert titles == {
        (page.by_axis, "left"): "Axe de la stratégie", (page.by_axis, "bottom"): "Montant de l'aide (M€)",
        (page.by_typology, "left"): "Typologie du bénéficiaire", (page.by_typology, "bottom"): "Part du total (%)",
        (page.timeline, "left"): "Aide cumulée (M€)", (page.timeline, "bottom"): "Mois (décision ou versement)"}
    # the series' key above each plot
    assert "Engagé" in page.by_axis.plotItem.titleLabel.text and "Décaissé" in page.by_axis.plotItem.titleLabel.text
    assert "Part de l'aide" in page.by_typology.plotItem.titleLabel.text
    assert "Engagé (cumul)" in page.timeline.plotItem.titleLabel.text
    # hovering a name is hovering its bars: the same tooltip, the same click
    names = page.by_axis.getAxis("left")
    on_name = names.mapToScene(names.boundingRect().center().x(), names.mapFromScene(
        page.by_axis.plotItem.vb.mapViewToScene(QPointF(0, 2))).y())
    assert page.by_axis.index_at(on_name) == 2


@pytest.mark.parametrize("size", [(1366, 768), (1024, 700)])
def test_long_names_are_wrapped_never_cut_nor_overlapping(qtbot, workspace: Workspace, size: tuple[int, int]) -> None:
    window = MainWindow(workspace)
    qtbot.addWidget(window)
    window.resize(*size)
    window.show()
    window.show_page("dashboard")
    page = window.pages["dashboard"]
    qtbot.waitUntil(lambda: page.kpis is not None, timeout=30_000)
    qtbot.wait(50)  # the layout settles: the names are wrapped to the width the charts end up with
    for chart in (page.by_axis, page.by_typology):
        assert_names_drawn_whole(chart)
    for chart in (page.by_axis, page.by_typology, page.timeline):  # nothing runs past a chart's right edge
        drawn = chart.plotItem.mapRectToScene(chart.plotItem.boundingRect())
        assert drawn.right() <= chart.viewport().width() + 1 and drawn.bottom() <= chart.viewport().height() + 1
    legend = page.map.legend
    assert page.map.rect().contains(legend.geometry()) and legend.high.width() >= legend.high.sizeHint().width()
    longest = "Créer un environnement de confiance et animer l'écosystème"
    assert longest in page.by_axis.names_shown()
    if size[0] < 1366:
        assert len(page.by_axis.name_lines[page.by_axis.names_shown().index(longest)]) > 1  # wrapped, not cut


def test_value_ticks_are_french_numbers() -> None:
    from portfolio.ui.charts import _MoneyAxis, _PercentAxis

    money = _MoneyAxis(orientation="bottom")
    assert money.tickStrings([0, 125_000_000_000], 1, 25_000_000_000) == ["0", "1\u00a0250"]
    assert money.tickStrings([0, 50_000_000], 1, 50_000_000) == ["0,0", "0,5"]  # never "0", "0" on a small range
    assert _PercentAxis(orientation="bottom").tickStrings([0.1, 0.125], 1, 0.025) == ["10,0", "12,5"]


def test_the_map_has_a_colour_legend(qtbot, dashboard_window: MainWindow) -> None:
    from portfolio.domain.money import format_eur

    page = dashboard_window.pages["dashboard"]
    legend = page.map.legend
    top = max(g.committed_cents for g in page.kpis.breakdowns["region"] if g.code)
    assert legend.isVisible()
    assert legend.texts() == ["Aide engagée", format_eur(top, decimals=False), "0\u00a0€", "Aucune aide"]
    assert "\u00a0" in legend.high.text()[:-2]  # thousands apart the French way: "156 155 596 €"
    # beside the map, never over it, and whole within the view
    viewport = page.map.viewport().geometry()
    assert legend.geometry().left() >= viewport.right() and page.map.rect().contains(legend.geometry())
    for label in (legend.title, legend.high, legend.low, legend.none):
        assert label.width() >= label.sizeHint().width(), label.text()  # no name cut short
    page.set_filter("region", "53")
    bretagne = next(g for g in page.kpis.breakdowns["region"] if g.code == "53")
    assert legend.high.text() == format_eur(bretagne.committed_cents, decimals=False)


def test_the_overseas_insets_names_are_readable(qtbot, dashboard_window: MainWindow) -> None:
    from portfolio.ui.charts import OVERSEAS

    view = dashboard_window.pages["dashboard"].map
    rects = []
    for code in OVERSEAS:
        label = view.labels_by_code[code]
        shown = label.deviceTransform(view.viewportTransform()).mapRect(label.boundingRect())
        assert shown.height() >= 12 and label.font().pointSizeF() >= 8, (code, shown)  # was 3 pixels high
        assert QRectF(view.viewport().rect()).contains(shown), (code, shown)  # not cut by the view's edge
        frame = view.items_by_code[code]
        assert shown.right() <= view.mapFromScene(frame.sceneBoundingRect().topLeft()).x()  # beside its inset
        rects.append(shown)
        assert view.code_at(shown.center().toPoint()) == code  # its name opens the region too
    assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert [view.labels_by_code[code].text() for code in OVERSEAS] == [
        "Guadeloupe", "Martinique", "Guyane", "La Réunion", "Mayotte"]
