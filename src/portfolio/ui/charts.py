"""The dashboard's charts: grouped bars and cumulative curves (pyqtgraph), a choropleth map of the 18 regions
(a plain QGraphicsView). Hovering shows exact values in French format; clicking a bar or a region emits which
one, for the dashboard to open the matching records.

Imported by the dashboard page when it is first shown: pyqtgraph and numpy are not loaded at start-up.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QToolTip,
    QWidget,
)

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_meur

pg.setConfigOptions(antialias=True, background="w", foreground="#2d3748")

BLUE = "#1b3a6b"
ORANGE = "#e07b39"
GREY = "#a0aec0"
PALE = "#e8eef8"
MAP_DATA = Path(__file__).with_name("data") / "regions.json"
OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte: drawn as insets


class _MoneyAxis(pg.AxisItem):
    """A value axis in euros, ticks written the French way in millions ("120 M€")."""

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [format_meur(round(v), places=0) for v in values]


class _PercentAxis(pg.AxisItem):
    """A value axis of fractions, ticks written as French percentages ("25 %")."""

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        return [f"{v * 100:.0f}\u00a0%" for v in values]


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: its name, colour and one value per category."""

    name: str
    color: str
    values: Sequence[float]


class BarChart(pg.PlotWidget):
    """Grouped vertical bars, one group per category; the category's full label and every series' exact value
    show on hover; ``clicked(index)`` when a group is clicked."""

    clicked = Signal(int)

    def __init__(self, *, percent: bool = False, describe: Callable[[int], str] | None = None,
                 parent: QWidget | None = None) -> None:
        axis = _PercentAxis(orientation="left") if percent else _MoneyAxis(orientation="left")
        axis.setWidth(52 if percent else 76)  # fixed: the labels fit before the first paint (the PDF's charts)
        super().__init__(parent=parent, axisItems={"left": axis})
        self.describe = describe
        self.categories: list[str] = []
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(y=True, alpha=0.25)
        self.legend = self.addLegend(offset=(-10, 10), labelTextColor="#2d3748")
        self.scene().sigMouseMoved.connect(self._hover)
        self.scene().sigMouseClicked.connect(self._click)

    def set_data(self, categories: Sequence[str], series: Sequence[Series]) -> None:
        """Draws one group of bars per category (short labels on the axis; ``describe`` gives the tooltip)."""
        self.clear()
        self.legend.clear()
        self.categories = list(categories)
        width = 0.8 / max(len(series), 1)
        for index, one in enumerate(series):
            offset = -0.4 + width * (index + 0.5)
            bars = pg.BarGraphItem(x=[i + offset for i in range(len(categories))], height=list(one.values),
                                   width=width * 0.92, brush=one.color, pen=pg.mkPen(None), name=one.name)
            self.addItem(bars)  # its name puts it in the legend
        self.getAxis("bottom").setTicks([[(i, label) for i, label in enumerate(categories)]])
        self.setXRange(-0.6, len(categories) - 0.4, padding=0)
        top = max((max(s.values, default=0) for s in series), default=0) or 1
        self.setYRange(0, top * 1.15, padding=0)

    def index_at(self, scene_pos: QPointF) -> int | None:
        """The category under a scene position, if any."""
        if not self.categories or not self.plotItem.vb.sceneBoundingRect().contains(scene_pos):
            return None
        x = self.plotItem.vb.mapSceneToView(scene_pos).x()
        index = round(x)
        return index if 0 <= index < len(self.categories) and abs(x - index) <= 0.45 else None

    def _hover(self, scene_pos: QPointF) -> None:
        index = self.index_at(scene_pos)
        if index is None or self.describe is None:
            QToolTip.hideText()
            return
        view_pos = self.mapFromScene(scene_pos)
        QToolTip.showText(self.mapToGlobal(view_pos), self.describe(index), self)

    def _click(self, event: Any) -> None:
        index = self.index_at(event.scenePos())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(index)


class CumulativeChart(pg.PlotWidget):
    """Cumulative curves over months (committed and disbursed), with the exact figures of the month under the
    mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        axis = _MoneyAxis(orientation="left")
        axis.setWidth(76)
        super().__init__(parent=parent, axisItems={"left": axis})
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=True, y=True, alpha=0.25)
        self.legend = self.addLegend(offset=(10, 10), labelTextColor="#2d3748")
        self.months: list[str] = []
        self.describe: Callable[[int], str] | None = None
        self.scene().sigMouseMoved.connect(self._hover)

    def set_data(self, months: Sequence[str], curves: Sequence[Series],
                 describe: Callable[[int], str] | None = None) -> None:
        self.clear()
        self.legend.clear()
        self.months = list(months)
        self.describe = describe
        xs = list(range(len(months)))
        for curve in curves:
            self.plot(xs, list(curve.values), pen=pg.mkPen(curve.color, width=2.5), name=curve.name)
        # a tick per January (each year's start), and the first month's year when its January is not close
        years = [(i, month[:4]) for i, month in enumerate(months) if i and month[:4] != months[i - 1][:4]]
        if months and (not years or years[0][0] >= 4):
            years.insert(0, (0, months[0][:4]))
        self.getAxis("bottom").setTicks([years])
        if months:
            self.setXRange(0, max(len(months) - 1, 1), padding=0.02)

    def _hover(self, scene_pos: QPointF) -> None:
        if not self.months or self.describe is None or not self.plotItem.vb.sceneBoundingRect().contains(scene_pos):
            QToolTip.hideText()
            return
        index = round(self.plotItem.vb.mapSceneToView(scene_pos).x())
        if 0 <= index < len(self.months):
            QToolTip.showText(self.mapToGlobal(self.mapFromScene(scene_pos)), self.describe(index), self)


# --- the map -------------------------------------------------------------------------------------------


@cache
def region_shapes() -> dict[str, tuple[str, list[list[tuple[float, float]]]]]:
    """code -> (name, rings of (longitude, latitude)) of the 18 regions (IGN/INSEE contours, simplified)."""
    data = json.loads(MAP_DATA.read_text(encoding="utf-8"))
    return {r["code"]: (r["name"], [[(x, y) for x, y in ring] for ring in r["rings"]]) for r in data["regions"]}


def _path(rings: list[list[tuple[float, float]]], place: Callable[[float, float], QPointF]) -> QPainterPath:
    path = QPainterPath()
    for ring in rings:
        path.moveTo(place(*ring[0]))
        for x, y in ring[1:]:
            path.lineTo(place(x, y))
        path.closeSubpath()
    return path


def _equirectangular(latitude: float) -> Callable[[float, float], QPointF]:
    """Longitude and latitude to the plane, true to shape near ``latitude`` (north up; 100 units a degree)."""
    factor = math.cos(math.radians(latitude))
    return lambda x, y: QPointF(x * factor * 100, -y * 100)


def _color(fraction: float) -> QColor:
    """From pale (0) to the programme's dark blue (1)."""
    low, high = QColor(PALE), QColor(BLUE)
    f = min(max(fraction, 0.0), 1.0)
    return QColor(*(round(a + (b - a) * f) for a, b in ((low.red(), high.red()), (low.green(), high.green()),
                                                         (low.blue(), high.blue()))))


class RegionMap(QGraphicsView):
    """A choropleth of the 18 regions: metropolitan France, the five overseas regions as insets on its left.
    Each region's tooltip gives its exact figures; ``clicked(code)`` when a region is clicked."""

    clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.Shape.NoFrame)
        self.setBackgroundBrush(QBrush(QColor("white")))
        self.items_by_code: dict[str, QGraphicsPathItem] = {}
        self._build()

    def _build(self) -> None:
        scene = self.scene()
        shapes = region_shapes()
        metropole = _equirectangular(46.5)
        pen = QPen(QColor("white"), 0)
        pen.setCosmetic(True)
        bounds = QRectF()
        for code, (_name, rings) in shapes.items():
            if code in OVERSEAS:
                continue
            item = scene.addPath(_path(rings, metropole), pen)
            item.setData(0, code)
            self.items_by_code[code] = item
            bounds = bounds.united(item.boundingRect())
        # the insets: each overseas region scaled into a box in a column left of the metropole
        box = bounds.height() / len(OVERSEAS) * 0.92
        left = bounds.left() - box * 1.25
        for index, code in enumerate(OVERSEAS):
            name, rings = shapes[code]
            xs = [x for ring in rings for x, _ in ring]
            ys = [y for ring in rings for _, y in ring]
            place = _equirectangular((min(ys) + max(ys)) / 2)
            raw = _path(rings, place).boundingRect()
            scale = (box * 0.8) / max(raw.width(), raw.height(), 1e-9)
            top = bounds.top() + index * (bounds.height() / len(OVERSEAS))
            frame = scene.addRect(QRectF(left, top, box, box), QPen(QColor("#cbd5e0"), 0))
            frame.setZValue(-1)
            origin = place(min(xs), max(ys))

            def inset(x: float, y: float, place: Callable[[float, float], QPointF] = place, origin: QPointF = origin,
                      scale: float = scale, left: float = left, top: float = top) -> QPointF:
                p = place(x, y)
                return QPointF(left + box * 0.1 + (p.x() - origin.x()) * scale,
                               top + box * 0.1 + (p.y() - origin.y()) * scale)

            item = scene.addPath(_path(rings, inset), pen)
            item.setData(0, code)
            self.items_by_code[code] = item
            label = QGraphicsSimpleTextItem(name)
            label.setFont(QFont(self.font().family(), 7))
            label.setBrush(QBrush(QColor("#4a5568")))
            label.setScale(box / 110)
            label.setPos(left + 2, top + box - label.boundingRect().height() * label.scale())
            scene.addItem(label)

    def set_values(self, values: dict[str, float], describe: Callable[[str], str]) -> None:
        """Colours each region by its value (relative to the largest) and sets its tooltip."""
        top = max(values.values(), default=0) or 1
        for code, item in self.items_by_code.items():
            value = values.get(code, 0)
            item.setBrush(QBrush(_color(value / top) if value else QColor("#f4f6f9")))
            item.setToolTip(describe(code))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self.fitInView(self.scene().itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.fitInView(self.scene().itemsBoundingRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def code_at(self, view_pos: Any) -> str | None:
        """The region under a position of the view, if any."""
        for item in self.items(view_pos):
            code = item.data(0)
            if code:
                return str(code)
        return None

    def mousePressEvent(self, event: Any) -> None:
        code = self.code_at(event.position().toPoint())
        if code is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(code)
            return
        super().mousePressEvent(event)


def export_chart(widget: QWidget, destination: Path) -> Path:
    """Saves a chart or the map as it is shown: .svg as vectors (QSvgGenerator), anything else as a PNG image;
    written whole or not at all (services.files.write_whole)."""
    from portfolio.services.files import png_is_whole, svg_is_whole, write_whole

    vector = destination.suffix.lower() == ".svg"

    def write(path: Path) -> None:
        if vector:
            from PySide6.QtSvg import QSvgGenerator

            generator = QSvgGenerator()
            generator.setFileName(str(path))
            generator.setSize(widget.size())
            generator.setViewBox(widget.rect())
            generator.setTitle(widget.accessibleName() or "portfolio")
            painter = QPainter()
            written = painter.begin(generator)
            if written:
                widget.render(painter)
                written = painter.end()
        else:
            written = widget.grab().save(str(path), "PNG")
        if not written:  # Qt says so by a return value, never by an exception
            raise PortfolioError(tr("Le graphique n'a pas pu être enregistré dans « {file} » : vérifiez que le "
                                    "dossier existe et accepte l'écriture.", file=str(destination)))

    return write_whole(destination, write, tr("Le graphique"), check=svg_is_whole if vector else png_is_whole)
