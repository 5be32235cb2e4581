"""The dashboard's charts: grouped horizontal bars and cumulative curves (pyqtgraph), a choropleth map of the 18
regions (a plain QGraphicsView) with its colour scale. Every axis says what it measures and categories are named in
words (their codes in the tooltips); hovering shows exact values in French format; clicking a bar or a region emits
which one, for the dashboard to open the matching records.

Imported by the dashboard page when it is first shown: pyqtgraph and numpy are not loaded at start-up.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QLinearGradient,
    QPainter,
    QPainterPath,
    QPen,
    QTransform,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import NBSP, format_eur, format_meur

pg.setConfigOptions(antialias=True, background="w", foreground="#2d3748")

BLUE = "#1b3a6b"
ORANGE = "#e07b39"
GREY = "#a0aec0"
PALE = "#e8eef8"
NO_AID = "#f4f6f9"  # a region without any aid under the filters: apart from the scale, which starts above zero
TEXT = "#4a5568"
MAP_DATA = Path(__file__).with_name("data") / "regions.json"
OVERSEAS = ("01", "02", "03", "04", "06")  # Guadeloupe, Martinique, Guyane, La Réunion, Mayotte: drawn as insets
_MILLION_CENTS = 100_000_000


def _places(spacing: float, unit: float) -> int:
    """Decimals the ticks need, ``spacing`` apart, counted in ``unit``: as many as the spacing has (2.5 -> 1),
    so that neighbouring ticks never read the same ("0", "0" on a range below a million); 2 at most."""
    step = spacing / unit
    for places in range(3):
        scaled = step * 10**places
        if scaled > 0 and abs(scaled - round(scaled)) < 1e-6:
            return places
    return 2


class _MoneyAxis(pg.AxisItem):
    """A value axis in euros, ticks in millions the French way ("1 250", "2,5"); the axis label says "(M€)"."""

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        places = _places(spacing, _MILLION_CENTS)
        return [format_meur(round(v), places=places).removesuffix(NBSP + "M€") for v in values]


class _PercentAxis(pg.AxisItem):
    """A value axis of fractions, ticks as French percentages without the sign ("25", "2,5"); the label says
    "(%)"."""

    def tickStrings(self, values: Sequence[float], scale: float, spacing: float) -> list[str]:
        places = _places(spacing * 100, 1)
        return [f"{v * 100:.{places}f}".replace(".", ",") for v in values]


def _titled(axis: pg.AxisItem, title: str) -> None:
    """Gives an axis its title in words. Without units pyqtgraph would still rescale values above 10⁹ (our cents)
    and print "(x1e-09)" after the title: its automatic SI prefix is turned off."""
    axis.enableAutoSIPrefix(False)
    axis.setLabel(title, color=TEXT)


def _key_row(plot: pg.PlotItem) -> None:
    """Lets the series' key (pyqtgraph's title row) span the chart's whole width: above the plot alone it would
    demand its own width there on top of the names' axis, and a narrow chart would be cut on the right."""
    layout = plot.layout
    layout.removeItem(plot.titleLabel)
    layout.addItem(plot.titleLabel, 0, 0, 1, layout.columnCount())


def _key_html(entries: Sequence[tuple[str, str]], mark: str) -> str:
    """The series' key (colour mark and name), as one line of HTML for the row above the plot."""
    return "&nbsp;&nbsp;&nbsp;".join(f"<span style='color:{color}'>{mark}</span>&nbsp;{html.escape(name, quote=False)}"
                                     for name, color in entries)


def wrap_text(text: str, metrics: QFontMetrics, width: int) -> list[str]:
    """``text`` cut into lines at most ``width`` pixels wide, between words (a single word wider stays whole)."""
    lines: list[str] = []
    for word in text.split():
        if lines and metrics.horizontalAdvance(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


@dataclass(frozen=True)
class Series:
    """One series of a bar chart: its name, colour and one value per category."""

    name: str
    color: str
    values: Sequence[float]


class BarChart(pg.PlotWidget):
    """Grouped horizontal bars, one group per category, the categories named in words down the left axis (long
    names wrapped, never cut: the chart grows taller instead), the series' key above the plot. Hovering a bar or a
    name shows ``describe(index)``; ``clicked(index)`` when one is clicked."""

    clicked = Signal(int)
    MIN_WRAP = 150  # pixels: names are wrapped no narrower than this, however narrow the chart
    WRAP_SHARE = 0.45  # of the chart's width at most for the names, the rest for the bars

    def __init__(self, *, percent: bool = False, describe: Callable[[int], str] | None = None,
                 value_title: str | None = None, parent: QWidget | None = None) -> None:
        values = _PercentAxis(orientation="bottom") if percent else _MoneyAxis(orientation="bottom")
        names = pg.AxisItem(orientation="left")
        super().__init__(parent=parent, axisItems={"bottom": values, "left": names})
        self.describe = describe
        self.categories: list[str] = []
        self.series: list[Series] = []
        self.name_lines: list[list[str]] = []  # each category's name as drawn, line by line
        self.min_height = 260  # the chart's height with few categories; more, or longer names, make it taller
        self.name_font = QFont(self.font())
        # pyqtgraph silently drops a tick label running past its axis' ends: a name of two lines on the top
        # category may, by a few pixels, and is drawn all the same
        names.setStyle(tickFont=self.name_font, hideOverlappingLabels=False, tickLength=0)
        _titled(values, value_title or (tr("Part du total (%)") if percent else tr("Montant de l'aide (M€)")))
        names.enableAutoSIPrefix(False)
        _key_row(self.plotItem)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=True, alpha=0.25)
        self.plotItem.vb.invertY(True)  # the first category on top, read like a table
        self.scene().sigMouseMoved.connect(self._hover)
        self.scene().sigMouseClicked.connect(self._click)

    def set_data(self, categories: Sequence[str], series: Sequence[Series], category_title: str = "") -> None:
        """Draws one group of bars per category (``categories``: their names in words; ``describe`` gives the
        tooltip, with the code and the exact figures); ``category_title`` says what the categories are ("Axe de
        la stratégie")."""
        self.clear()
        names = self.getAxis("left")
        if category_title:
            names.setLabel(category_title, color=TEXT)
        else:
            names.showLabel(False)
        self.categories = list(categories)
        self.series = list(series)
        thickness = 0.8 / max(len(series), 1)
        for index, one in enumerate(series):
            offset = -0.4 + thickness * (index + 0.5)
            self.addItem(pg.BarGraphItem(x0=0, y=[i + offset for i in range(len(categories))],
                                         width=list(one.values), height=thickness * 0.92, brush=one.color,
                                         pen=pg.mkPen(None), name=one.name))
        self.plotItem.setTitle(_key_html([(s.name, s.color) for s in series], "■"), color="#2d3748",
                               size=f"{self.name_font.pointSizeF():g}pt", justify="right")
        self.setYRange(-0.6, len(categories) - 0.4, padding=0)
        top = max((max(s.values, default=0) for s in series), default=0) or 1
        self.setXRange(0, top * 1.12, padding=0)
        self._lay_out_names()

    def names_shown(self) -> list[str]:
        """The category names as the left axis draws them (their lines joined by spaces again)."""
        return [" ".join(lines) for lines in self.name_lines]

    def _lay_out_names(self) -> None:
        """Wraps the names to the room the chart's width leaves, sizes the left axis to them and makes the chart
        tall enough that no name runs into the next one."""
        metrics = QFontMetrics(self.name_font)
        natural = max((metrics.horizontalAdvance(name) for name in self.categories), default=0)
        room = max(self.MIN_WRAP, int(self.width() * self.WRAP_SHARE))
        lines = self.name_lines = [wrap_text(name, metrics, min(natural, room)) for name in self.categories]
        widest = max((metrics.horizontalAdvance(line) for group in lines for line in group), default=0)
        axis = self.getAxis("left")
        title = metrics.height() + 6 if axis.label.isVisible() else 0
        axis.setWidth(widest + title + 14)
        axis.setTicks([[(i, "\n".join(group)) for i, group in enumerate(lines)]])
        tallest = max((len(group) for group in lines), default=1)
        # a category's height: its name's lines with a gap to the next, and bars no thinner than 9 pixels
        pitch = max(tallest * metrics.lineSpacing() + 8, len(self.series) * 9 + 8)
        # the key's row (30), the value axis with its title (~2 lines) and margins around the plot
        chrome = 30 + 3 * metrics.lineSpacing() + 24
        needed = int((len(self.categories) + 0.2) * pitch + chrome)
        if max(self.min_height, needed) != self.minimumHeight():  # the width alone decides it: no resize loop
            self.setMinimumHeight(max(self.min_height, needed))

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        if getattr(self, "categories", None):  # pyqtgraph resizes once inside its __init__, before ours ran
            self._lay_out_names()  # a wider chart gives the names more room: fewer lines

    def index_at(self, scene_pos: QPointF) -> int | None:
        """The category under a scene position (on its bars or on its name), if any."""
        if not self.categories:
            return None
        on_names = self.getAxis("left").sceneBoundingRect().contains(scene_pos)
        if not on_names and not self.plotItem.vb.sceneBoundingRect().contains(scene_pos):
            return None
        y = self.plotItem.vb.mapSceneToView(scene_pos).y()
        index = round(y)
        return index if 0 <= index < len(self.categories) and abs(y - index) <= 0.45 else None

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
    """Cumulative curves over months (committed and disbursed), the series' key above the plot, with the exact
    figures of the month under the mouse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        axis = _MoneyAxis(orientation="left")
        super().__init__(parent=parent, axisItems={"left": axis})
        _titled(axis, tr("Aide cumulée (M€)"))
        _titled(self.getAxis("bottom"), tr("Mois (décision ou versement)"))
        _key_row(self.plotItem)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.showGrid(x=True, y=True, alpha=0.25)
        self.months: list[str] = []
        self.describe: Callable[[int], str] | None = None
        self.scene().sigMouseMoved.connect(self._hover)

    def set_data(self, months: Sequence[str], curves: Sequence[Series],
                 describe: Callable[[int], str] | None = None) -> None:
        self.clear()
        self.months = list(months)
        self.describe = describe
        xs = list(range(len(months)))
        for curve in curves:
            self.plot(xs, list(curve.values), pen=pg.mkPen(curve.color, width=2.5), name=curve.name)
        # above the plot, where a curve never runs under it (inside, a curve rising early would)
        self.plotItem.setTitle(_key_html([(c.name, c.color) for c in curves], "━━"), color="#2d3748",
                               size=f"{self.font().pointSizeF():g}pt", justify="right")
        # fixed width, measured on the largest figure: the ticks fit before the first paint (the PDF's charts)
        metrics = QFontMetrics(self.font())
        top = max((max(c.values, default=0) for c in curves), default=0)
        widest = metrics.horizontalAdvance(format_meur(round(top), places=0) + "0")
        self.getAxis("left").setWidth(widest + metrics.height() + 18)
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


class _ScaleBar(QWidget):
    """The colour scale as a vertical gradient: the largest amount's dark blue on top, pale just above zero below."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFixedSize(16, 100)  # the ends' amounts are written level with its ends, however tall the map

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        gradient = QLinearGradient(rect.topLeft(), rect.bottomLeft())
        gradient.setColorAt(0, QColor(BLUE))
        gradient.setColorAt(1, QColor(PALE))
        painter.setBrush(QBrush(gradient))
        painter.setPen(QPen(QColor("#cbd5e0"), 1))
        painter.drawRect(rect)
        painter.end()


class MapLegend(QWidget):
    """What the map's colours mean, beside it: the amount the colour measures, the scale from zero (pale) to the
    largest region's amount (dark blue) in euros the French way, and the colour of a region without any aid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)  # over the view's margin, which Qt leaves unpainted
        palette = self.palette()
        palette.setColor(self.backgroundRole(), QColor("white"))
        self.setPalette(palette)
        self.title = QLabel(tr("Aide engagée"))
        self.title.setStyleSheet("color: #2d3748; font-weight: 600; background: transparent")
        self.high = QLabel()
        self.low = QLabel(format_eur(0))
        self.bar = _ScaleBar()
        none_swatch = QLabel()
        none_swatch.setFixedSize(16, 12)
        none_swatch.setStyleSheet(f"background: {NO_AID}; border: 1px solid #cbd5e0")
        self.none = QLabel(tr("Aucune aide"))
        for label in (self.high, self.low, self.none):
            label.setStyleSheet(f"color: {TEXT}; background: transparent")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(6, 4, 10, 4)
        outer.setSpacing(4)
        outer.addStretch(1)  # centred beside the map, however tall the view
        outer.addWidget(self.title)
        scale = QHBoxLayout()
        scale.setSpacing(6)
        scale.addWidget(self.bar)
        ends = QVBoxLayout()
        ends.addWidget(self.high, 0, Qt.AlignmentFlag.AlignTop)
        ends.addStretch(1)
        ends.addWidget(self.low, 0, Qt.AlignmentFlag.AlignBottom)
        scale.addLayout(ends)
        outer.addLayout(scale)
        nothing = QHBoxLayout()
        nothing.setSpacing(6)
        nothing.addWidget(none_swatch)
        nothing.addWidget(self.none)
        outer.addLayout(nothing)
        outer.addStretch(1)

    def set_top(self, top_cents: int) -> None:
        """The largest amount, the scale's dark end."""
        self.high.setText(format_eur(top_cents, decimals=False))

    def texts(self) -> list[str]:
        """Everything the legend says, top to bottom."""
        return [label.text() for label in (self.title, self.high, self.low, self.none)]


class RegionMap(QGraphicsView):
    """A choropleth of the 18 regions: metropolitan France, the five overseas regions as insets on its left (named
    in the widget's own font size, whatever the map's zoom), its colour scale on its right. Each region's tooltip
    gives its exact figures; ``clicked(code)`` when a region (or an inset's name) is clicked."""

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
        self.labels_by_code: dict[str, QGraphicsSimpleTextItem] = {}  # the insets' names
        self.legend = MapLegend(self)
        self._bounds = QRectF()  # the regions and the insets' frames, in scene units
        self._label_room = 0  # pixels left of the insets for their names
        self._build()
        self._place_legend()

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
        font = QFont(self.font())
        metrics = QFontMetrics(font)
        self._label_room = max(metrics.horizontalAdvance(shapes[code][0]) for code in OVERSEAS) + 10
        self._bounds = QRectF(bounds)
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
            self._bounds = self._bounds.united(frame.rect())
            origin = place(min(xs), max(ys))

            def inset(x: float, y: float, place: Callable[[float, float], QPointF] = place, origin: QPointF = origin,
                      scale: float = scale, left: float = left, top: float = top) -> QPointF:
                p = place(x, y)
                return QPointF(left + box * 0.1 + (p.x() - origin.x()) * scale,
                               top + box * 0.1 + (p.y() - origin.y()) * scale)

            item = scene.addPath(_path(rings, inset), pen)
            item.setData(0, code)
            self.items_by_code[code] = item
            # the name beside its box, right-aligned, in pixels: scaled with the map it was unreadable (≈ 3 px)
            label = QGraphicsSimpleTextItem(name)
            label.setFont(font)
            label.setBrush(QBrush(QColor(TEXT)))
            label.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
            text = label.boundingRect()
            label.setTransform(QTransform.fromTranslate(-text.width() - 6, -text.height() / 2))
            label.setPos(left, top + box / 2)
            label.setData(0, code)
            scene.addItem(label)
            self.labels_by_code[code] = label

    def set_values(self, values: dict[str, float], describe: Callable[[str], str]) -> None:
        """Colours each region by its value (relative to the largest), sets its tooltip and the legend's scale."""
        top = max(values.values(), default=0) or 1
        for code, item in self.items_by_code.items():
            value = values.get(code, 0)
            item.setBrush(QBrush(_color(value / top) if value else QColor(NO_AID)))
            item.setToolTip(describe(code))
            if code in self.labels_by_code:
                self.labels_by_code[code].setToolTip(describe(code))
        self.legend.set_top(round(max(values.values(), default=0)))
        self._place_legend()

    def _place_legend(self) -> None:
        """The legend in a margin on the right of the view: the map is fitted into what remains, never under it."""
        width = self.legend.sizeHint().width()
        self.setViewportMargins(0, 0, width, 0)
        self.legend.setGeometry(self.width() - width, 0, width, self.height())
        self._fit()

    def _fit(self) -> None:
        """Scales the map into the view, keeping room on the left for the insets' names (a fixed number of pixels,
        whatever the scale)."""
        view = self.viewport().rect()
        if self._bounds.isEmpty() or view.width() < 2 or view.height() < 2:
            return
        room = self._label_room
        scale = min(max(view.width() - room - 8, 20) / self._bounds.width(),
                    max(view.height() - 8, 20) / self._bounds.height())
        shown = self._bounds.adjusted(-room / scale, 0, 0, 0)
        self.setSceneRect(shown)
        self.fitInView(shown, Qt.AspectRatioMode.KeepAspectRatio)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._place_legend()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._place_legend()

    def code_at(self, view_pos: Any) -> str | None:
        """The region under a position of the view (its shape, or an inset's name), if any."""
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
                # a chart is a QGraphicsView, whose render(painter) fills the generator's view box; QWidget's stubs
                # know only the overload that also takes an offset
                widget.render(painter)  # type: ignore[call-overload]
                written = painter.end()
        else:
            written = widget.grab().save(str(path), "PNG")
        if not written:  # Qt says so by a return value, never by an exception
            raise PortfolioError(tr("Le graphique n'a pas pu être enregistré dans « {file} » : vérifiez que le "
                                    "dossier existe et accepte l'écriture.", file=str(destination)))

    return write_whole(destination, write, tr("Le graphique"), check=svg_is_whole if vector else png_is_whole)
