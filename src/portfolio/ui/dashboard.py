"""The "Tableau de bord" page: the programme's KPIs under global filters (call, axis, region, typology, year),
as tiles, charts and a map of the regions. Every figure comes from services.kpi; a filter changes them all at
once. Clicking a bar or a region opens the matching projects.

The charts (pyqtgraph) are imported when the page is first shown, never at start-up.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_meur, format_percent

from .chart_series import axis_series, category_name, cumulative_series, typologies, typology_series

TILE_STYLE = """
QFrame#tile { background: #ffffff; border: 1px solid #d8dee8; border-radius: 8px; }
QLabel#tileValue { font-size: 20pt; font-weight: 600; color: #1b3a6b; }
QLabel#tileLabel { color: #4a5568; }
QLabel#tileDetail { color: #718096; }
QFrame#chart { background: #ffffff; border: 1px solid #d8dee8; border-radius: 8px; }
QLabel#chartTitle { font-weight: 600; color: #2d3748; }
"""


def _tile(label: str, value: str, detail: str = "") -> QFrame:
    frame = QFrame()
    frame.setObjectName("tile")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(14, 10, 14, 10)
    for text, name in ((label, "tileLabel"), (value, "tileValue"), (detail, "tileDetail")):
        widget = QLabel(text)
        widget.setObjectName(name)
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(widget)
    return frame


def _framed(title: str, widget: QWidget, hint: str = "", export: Any = None) -> QFrame:
    frame = QFrame()
    frame.setObjectName("chart")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(12, 8, 12, 8)
    top = QHBoxLayout()
    heading = QLabel(title)
    heading.setObjectName("chartTitle")
    top.addWidget(heading, 1)
    if export is not None:
        button = QPushButton(tr("Exporter…"))
        button.setFlat(True)
        button.setToolTip(tr("Enregistrer ce graphique en image PNG ou en SVG"))
        button.clicked.connect(export)
        top.addWidget(button)
    layout.addLayout(top)
    if hint:
        note = QLabel(hint)
        note.setObjectName("tileDetail")
        layout.addWidget(note)
    layout.addWidget(widget, 1)
    return frame


class DashboardPage(QWidget):
    """The KPI dashboard over the workspace's database. ``open_projects(filters)`` asks the window to show the
    projects list with these list filters (filter key -> record ids)."""

    open_projects = Signal(dict)

    def __init__(self, workspace: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from . import charts  # pyqtgraph and numpy: loaded with this page only

        self.workspace = workspace
        self.kpis: Any = None
        self.facts: Any = None
        self.facts_seq = -1
        self.loading = False
        self.waiting: list[Any] = []  # what to do once the facts are read (Fichier > Rapport PDF… on arrival)
        self.last_refresh_ms = 0.0
        self.setStyleSheet(TILE_STYLE)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # the page fits the width
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(20, 14, 20, 14)
        layout.setSpacing(12)

        header = QHBoxLayout()
        header.addWidget(QLabel("<h2 style='margin:0'>" + tr("Tableau de bord") + "</h2>"))
        header.addStretch(1)
        self.scope = QLabel()
        self.scope.setObjectName("tileDetail")
        header.addWidget(self.scope)
        header.addSpacing(12)
        tables = QPushButton(tr("Tableaux (.xlsx)…"))
        tables.setToolTip(tr("Enregistrer les indicateurs et leurs répartitions dans un classeur"))
        tables.clicked.connect(lambda: self.export_tables())
        header.addWidget(tables)
        pdf = QPushButton(tr("Rapport PDF…"))
        pdf.setToolTip(tr("Le rapport du comité de pilotage, sous les filtres choisis"))
        pdf.clicked.connect(lambda: self.export_report())
        header.addWidget(pdf)
        layout.addLayout(header)

        bar = QHBoxLayout()
        self.filters: dict[str, QComboBox] = {}
        for key, everything in (("call", tr("Tous les appels")), ("axis", tr("Tous les axes")),
                                ("region", tr("Toutes les régions")), ("typology", tr("Toutes les typologies")),
                                ("year", tr("Toute la période"))):
            combo = QComboBox()
            combo.setObjectName(f"filter_{key}")
            combo.addItem(everything, None)
            # long call labels: the combo stays narrow, its list shows them whole
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(13)
            combo.view().setMinimumWidth(420)
            combo.currentIndexChanged.connect(self.refresh)
            self.filters[key] = combo
            bar.addWidget(combo)
        reset = QPushButton(tr("Réinitialiser"))
        reset.clicked.connect(self.reset_filters)
        bar.addWidget(reset)
        bar.addStretch(1)
        layout.addLayout(bar)

        self.tiles = QGridLayout()
        self.tiles.setSpacing(10)
        layout.addLayout(self.tiles)

        self.by_axis = charts.BarChart(describe=self._describe_axis)
        self.by_axis.clicked.connect(self._axis_clicked)
        self.timeline = charts.CumulativeChart()
        self.map = charts.RegionMap()
        self.map.clicked.connect(self._region_clicked)
        self.by_typology = charts.BarChart(percent=True, describe=self._describe_typology)
        grid = QGridLayout()
        grid.setSpacing(12)
        hint = tr("Survolez pour les montants exacts ; cliquez pour ouvrir les projets.")
        tiles: tuple[tuple[str, QWidget, str, str], ...] = (
            (tr("Aide engagée et décaissée par axe"), self.by_axis, "aide-par-axe", hint),
            (tr("Aide engagée par région (bénéficiaires)"), self.map, "aide-par-region", hint),
            (tr("Cumul de l'aide engagée et décaissée"), self.timeline, "cumul-engage-decaisse", ""),
            (tr("Typologies : part des bénéficiaires et part de l'aide"), self.by_typology, "typologies", ""))
        for position, (title, widget, name, tip) in enumerate(tiles):
            widget.setAccessibleName(title)
            grid.addWidget(_framed(title, widget, tip, lambda _checked=False, w=widget, n=name: self.export_chart(
                w, n)), position // 2, position % 2)
        for widget in (self.by_axis, self.timeline, self.map, self.by_typology):
            widget.setMinimumHeight(260)
            widget.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid, 1)
        self.source = QLabel(tr("Contours des régions : IGN / INSEE (Licence Ouverte), simplifiés."))
        self.source.setObjectName("tileDetail")
        layout.addWidget(self.source)
        self._period_index = 0
        self._fill_filters()
        self.filters["year"].activated.connect(self._period_activated)
        self.filters["year"].currentIndexChanged.connect(self._period_changed)

    # --- filters ------------------------------------------------------------------------------------------

    def _fill_filters(self) -> None:
        """The filters' choices, from the reference tables and the years of the data."""
        from portfolio.services.kpi import filter_choices

        with self.workspace.db.read() as session:
            choices = filter_choices(session)
        for key, combo in self.filters.items():  # filled again after a change of the data: the choice is kept
            chosen = combo.currentData()
            custom = [(combo.itemText(i), combo.itemData(i)) for i in range(combo.count())
                      if isinstance(combo.itemData(i), tuple)]
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for code, label in choices[key]:
                combo.addItem(str(label), code)
            if key == "year":
                for text, period in custom:
                    combo.addItem(text, period)
                combo.addItem(tr("Autre période…"), _CHOOSE)
            found = next((i for i in range(combo.count()) if combo.itemData(i) == chosen), 0)
            combo.setCurrentIndex(found)
            combo.blockSignals(False)
        self._period_index = self.filters["year"].currentIndex()

    def reset_filters(self) -> None:
        for combo in self.filters.values():
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self._period_index = 0  # the signals were blocked: the period to come back to is said here
        self.refresh()

    def set_filter(self, key: str, code: str | None) -> None:
        """Chooses a filter's value by its code (None: all) and refreshes."""
        combo = self.filters[key]
        index = combo.findData(code) if code is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def current_filters(self) -> Any:
        from portfolio.services.kpi import Filters

        chosen = {key: combo.currentData() for key, combo in self.filters.items()}
        period = chosen.pop("year")
        if isinstance(period, tuple):  # a period of one's own: (first day, last day)
            return Filters(**chosen, start=period[0], end=period[1])
        year = period if period not in (None, _CHOOSE) else None
        return Filters(**chosen, start=date(int(year), 1, 1) if year else None,
                       end=date(int(year), 12, 31) if year else None)

    def scope_text(self) -> str:
        """The filters chosen, in words ("Filtres : Bretagne · PME"), or "Tout le portefeuille"."""
        chosen = [combo.currentText() for combo in self.filters.values()
                  if combo.currentIndex() > 0 and combo.currentData() != _CHOOSE]
        return tr("Filtres : {filters}", filters=" · ".join(chosen)) if chosen else tr("Tout le portefeuille")

    def set_period(self, start: date, end: date) -> None:
        """Chooses a period of one's own (both days included) and refreshes."""
        combo = self.filters["year"]
        combo.blockSignals(True)
        index = combo.findData(_CHOOSE)
        if combo.itemData(index - 1).__class__ is tuple:  # the previous period of one's own is replaced
            combo.removeItem(index - 1)
            index -= 1
        combo.insertItem(index, tr("du {start} au {end}", start=start.strftime("%d/%m/%Y"),
                                   end=end.strftime("%d/%m/%Y")), (start, end))
        combo.setCurrentIndex(index)
        combo.blockSignals(False)
        self._period_index = index
        self.refresh()

    def _period_changed(self, index: int) -> None:
        # the period to come back to when "Autre période…" is cancelled, however it was chosen (reset, code)
        if self.filters["year"].itemData(index) != _CHOOSE:
            self._period_index = index

    def _period_activated(self, index: int) -> None:
        combo = self.filters["year"]
        if combo.itemData(index) != _CHOOSE:
            self._period_index = index
            return
        chosen = PeriodDialog.ask(self)
        if chosen is None:  # cancelled: the period chosen before stays
            combo.setCurrentIndex(self._period_index)
            return
        self.set_period(*chosen)

    # --- figures ----------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraws the tiles and charts under the current filters. The facts (every row the KPIs count) are read
        again first when the data changed since, in the background: on 100,000 projects that takes seconds, where
        a change of filter then takes a few tens of milliseconds."""
        if self.filters["year"].currentData() == _CHOOSE:
            return  # its dialog is about to ask for the period: nothing to compute before
        seq = self._data_seq()
        if self.facts is None or seq != self.facts_seq:
            self._load_facts(seq)
            return
        started = time.perf_counter()
        filters = self.current_filters()
        self.kpis = self.facts.compute(filters, breakdowns=("axis", "region", "typology"))
        self._show_tiles()
        self._show_charts(self.facts.timeline(filters))
        self.scope.setText(self.scope_text())
        self.last_refresh_ms = (time.perf_counter() - started) * 1000

    def when_ready(self, action: Any) -> None:
        """Runs ``action`` now if the figures are up to date, else once they are read."""
        if self.facts is not None and not self.loading:
            action()
        else:
            self.waiting.append(action)

    def _data_seq(self) -> int:
        """The audit trail's last entry: every change to the data adds one."""
        from portfolio.services.audit import data_seq

        with self.workspace.db.read() as session:
            return data_seq(session)

    def _load_facts(self, seq: int) -> None:
        if self.loading:
            return
        self.loading = True
        from portfolio.services.kpi import Facts

        from .tasks import run_task

        def work(_progress: Any, _cancelled: Any) -> Any:
            with self.workspace.db.read() as session:
                return Facts(session)

        def done(facts: Any) -> None:
            if not shiboken6.isValid(self):  # the window replaced this page meanwhile (another database)
                return
            self.loading = False
            if self.facts is not None:  # the data changed: an import may have brought calls or years
                self._fill_filters()
            self.facts, self.facts_seq = facts, seq
            self.refresh()
            waiting, self.waiting = self.waiting, []
            for action in waiting:
                action()

        def failed(error: BaseException) -> None:
            if not shiboken6.isValid(self):
                return
            self.loading = False
            self.waiting.clear()  # a report asked for meanwhile is not written on figures that could not be read
            self.scope.setText(tr("Les indicateurs n'ont pas pu être calculés : {reason}", reason=str(error)))

        run_task(self, tr("Calcul des indicateurs…"), work, done, failed, cancellable=False)

    def _show_tiles(self) -> None:
        k = self.kpis
        while self.tiles.count():
            item = self.tiles.takeAt(0)
            old = item.widget() if item is not None else None
            if old is not None:
                old.deleteLater()
        median = k.median_decision_to_agreement
        tiles = [
            _tile(tr("Porteurs (candidats)"), format_int(k.applicants),
                  tr("{n} candidatures", n=format_int(k.applications))),
            _tile(tr("Lauréats"), format_int(k.laureates), tr("taux de succès {p}", p=format_percent(k.success_rate))),
            _tile(tr("Aide engagée"), format_meur(k.committed_cents), format_eur(k.committed_cents)),
            _tile(tr("Aide décaissée"), format_meur(k.disbursed_cents),
                  tr("{p} de l'aide engagée", p=format_percent(k.disbursed_share))),
            _tile(tr("Subventions / avances"), format_meur(k.committed_grant_cents),
                  tr("avances remboursables : {a}", a=format_meur(k.committed_advance_cents))),
            _tile(tr("Décision → convention"), tr("{n} jours", n=f"{median:g}".replace(".", ",")) if median is not None
                  else "—", tr("médiane sur {n} projets", n=format_int(len(k.decision_to_agreement_days)))),
            _tile(tr("Jalons en retard"), format_int(k.overdue_milestones),
                  tr("au {day}", day=k.today.strftime("%d/%m/%Y"))),
        ]
        for index, tile in enumerate(tiles):
            self.tiles.addWidget(tile, index // 4, index % 4)

    def _show_charts(self, months: list[Any]) -> None:
        from . import charts

        k = self.kpis
        self.by_axis.set_data(*axis_series(charts, k))
        month_labels, curves = cumulative_series(charts, months)
        committed, disbursed = curves[0].values, curves[1].values
        self.timeline.set_data(month_labels, curves, describe=lambda i: tr(
            "{month} : engagé {c}, décaissé {d}", month=_month_label(month_labels[i]), c=format_eur(committed[i]),
            d=format_eur(disbursed[i])))
        regions = {g.code: g for g in k.breakdowns["region"] if g.code}
        self.map.set_values({code: g.committed_cents for code, g in regions.items()},
                            lambda code: self._describe_region(code, regions))
        self._typologies = typologies(k)  # before the bars: hovering them reads it
        self.by_typology.set_data(*typology_series(charts, k))

    # --- exports ---------------------------------------------------------------------------------------------

    def _ask_path(self, title: str, name: str, patterns: str) -> Path | None:
        from PySide6.QtWidgets import QFileDialog

        suggested = str(Path.home() / f"{name}-{date.today().isoformat()}")
        chosen, _ = QFileDialog.getSaveFileName(self, title, suggested, patterns)
        return Path(chosen) if chosen else None

    def export_chart(self, widget: QWidget, name: str, destination: Path | None = None) -> Path | None:
        """Saves a chart as PNG or SVG (by the name's extension; PNG without one)."""
        from .charts import export_chart

        destination = destination or self._ask_path(tr("Exporter le graphique"), name,
                                                    tr("Image PNG (*.png);;Dessin vectoriel SVG (*.svg)"))
        if destination is None:
            return None
        if destination.suffix.lower() not in (".png", ".svg"):
            destination = destination.with_suffix(".png")
        return self._saved(lambda: export_chart(widget, destination), destination)

    def export_tables(self, destination: Path | None = None) -> Path | None:
        """Saves every KPI and every breakdown under the current filters as a workbook."""
        from portfolio.exchange.kpi_workbook import write_kpi_workbook

        if self.facts is None:
            return None
        destination = destination or self._ask_path(tr("Exporter les tableaux"), "indicateurs",
                                                    tr("Classeur Excel (*.xlsx)"))
        if destination is None:
            return None
        if destination.suffix.lower() != ".xlsx":
            destination = destination.with_suffix(".xlsx")
        kpis = self.facts.compute(self.current_filters())
        return self._saved(lambda: write_kpi_workbook(kpis, destination), destination)

    def export_report(self, destination: Path | None = None) -> Path | None:
        """Writes the steering committee's PDF report under the current filters."""
        from .report import write_report

        if self.facts is None:
            return None
        destination = destination or self._ask_path(tr("Rapport PDF"), "rapport-comite", tr("Document PDF (*.pdf)"))
        if destination is None:
            return None
        if destination.suffix.lower() != ".pdf":
            destination = destination.with_suffix(".pdf")
        scope = self.scope_text()
        return self._saved(lambda: write_report(self.facts, self.current_filters(), destination, scope=scope),
                           destination)

    def _saved(self, write: Any, destination: Path) -> Path | None:
        from PySide6.QtWidgets import QMessageBox

        from portfolio.domain.errors import PortfolioError

        try:
            write()
        except PortfolioError as error:
            QMessageBox.warning(self, tr("Export impossible"), str(error))
            return None
        except OSError as error:
            QMessageBox.warning(self, tr("Export impossible"), tr(
                "« {file} » n'a pas pu être écrit ({reason}) : choisissez un autre dossier ou fermez le fichier "
                "s'il est ouvert ailleurs.", file=destination.name, reason=error.strerror or str(error)))
            return None
        self.scope.setText(tr("Enregistré : {file}", file=str(destination)))
        return destination

    # --- hover and click ----------------------------------------------------------------------------------

    def _describe_axis(self, index: int) -> str:
        group = self.kpis.breakdowns["axis"][index]
        return tr("{label}\nEngagé : {c}\nDécaissé : {d}\n{n} lauréats sur {a} candidatures",
                  label=category_heading(group), c=format_eur(group.committed_cents),
                  d=format_eur(group.disbursed_cents), n=format_int(group.laureates), a=format_int(group.applications))

    def _describe_typology(self, index: int) -> str:
        group = self._typologies[index]
        k = self.kpis
        return tr("{label}\n{b} bénéficiaires ({pb})\nAide engagée : {c} ({pc})", label=category_heading(group),
                  b=format_int(group.beneficiaries), pb=format_percent(group.beneficiaries / k.beneficiaries
                                                                       if k.beneficiaries else 0),
                  c=format_eur(group.committed_cents),
                  pc=format_percent(group.committed_cents / k.committed_cents if k.committed_cents else 0))

    def _describe_region(self, code: str, regions: dict[str, Any]) -> str:
        from .charts import region_shapes

        name = region_shapes()[code][0]
        group = regions.get(code)
        if group is None:
            return tr("{region}\nAucune aide sous ces filtres", region=name)
        return tr("{region}\nEngagé : {c}\nDécaissé : {d}\n{b} bénéficiaires · {n} lauréats", region=name,
                  c=format_eur(group.committed_cents), d=format_eur(group.disbursed_cents),
                  b=format_int(group.beneficiaries), n=format_int(group.laureates))

    def _axis_clicked(self, index: int) -> None:
        code = self.kpis.breakdowns["axis"][index].code
        self._open("axis", "axis", code)

    def _region_clicked(self, code: str) -> None:
        self._open("region", "region", code)

    def _open(self, filter_key: str, table: str, code: str | None) -> None:
        """Opens the projects list filtered by this record (and by the dashboard's other filters it shares)."""
        if code is None:
            return
        from portfolio.services.records import id_of_code

        ids: dict[str, tuple[int, ...]] = {}
        with self.workspace.db.read() as session:
            for key, name in (("call", "call"), ("axis", "axis"), ("region", "region")):
                value = code if key == filter_key else self.filters[key].currentData()
                if value is not None and (found := id_of_code(session, name, value)) is not None:
                    ids[key] = (found,)
            year = self.filters["year"].currentData()
            if isinstance(year, str) and year.isdigit():  # the list filters by year of decision, not by any period
                ids["year"] = (int(year),)
        self.open_projects.emit(ids)


_CHOOSE = "choose"  # the period combo's last item: a period of one's own


class PeriodDialog(QDialog):
    """Two days, the first and the last of a period (both included), in French format."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Autre période"))
        form = QFormLayout(self)
        today = QDate.currentDate()
        self.start = QDateEdit(QDate(today.year(), 1, 1))
        self.end = QDateEdit(today)
        for edit in (self.start, self.end):
            edit.setDisplayFormat("dd/MM/yyyy")
            edit.setCalendarPopup(True)
        form.addRow(tr("Du"), self.start)
        form.addRow(tr("Au (inclus)"), self.end)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(tr("Annuler"))  # Qt's own text is English
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def period(self) -> tuple[date, date]:
        first, last = _day(self.start.date().toPython()), _day(self.end.date().toPython())
        return (first, last) if first <= last else (last, first)  # given the wrong way round: put right

    @classmethod
    def ask(cls, parent: QWidget | None) -> tuple[date, date] | None:
        dialog = cls(parent)
        return dialog.period() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _day(value: object) -> date:
    """A QDate's Python value (PySide6 types ``toPython`` as an object)."""
    assert isinstance(value, date)
    return value


def category_heading(group: Any) -> str:
    """A tooltip's first line: the code and the label ("A2 — Soutenir la recherche…"), as the filters show them;
    the label alone when it is the code ("PME") or there is no code ("Non renseigné")."""
    if group.code and group.label and group.label.casefold() != group.code.casefold():
        return f"{group.code} — {group.label}"
    return category_name(group)


def _month_label(month: str) -> str:
    """"2023-04" -> "04/2023"."""
    return f"{month[5:7]}/{month[:4]}"
