"""The "Tableau de bord" page: the open database's key figures and counts per record type.

The charts, the map and the filters are the KPI dashboard issue's; this page shows the figures only.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_meur, format_percent
from portfolio.services.stats import KeyFigures

TILE_STYLE = """
QFrame#tile { background: #ffffff; border: 1px solid #d8dee8; border-radius: 8px; }
QLabel#tileValue { font-size: 22pt; font-weight: 600; color: #1b3a6b; }
QLabel#tileLabel { color: #4a5568; }
QLabel#tileDetail { color: #718096; }
"""


def _tile(label: str, value: str, detail: str = "") -> QFrame:
    frame = QFrame()
    frame.setObjectName("tile")
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(16, 12, 16, 12)
    for text, name in ((label, "tileLabel"), (value, "tileValue"), (detail, "tileDetail")):
        widget = QLabel(text)
        widget.setObjectName(name)
        widget.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(widget)
    return frame


class DashboardPage(QWidget):
    """Key figures as tiles, and how many records of each type the database holds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet(TILE_STYLE)
        self.outer = QVBoxLayout(self)
        self.outer.setContentsMargins(24, 16, 24, 16)
        self.outer.setSpacing(14)
        self.outer.addWidget(QLabel("<h2 style='margin:0'>" + tr("Tableau de bord") + "</h2>"))
        self.grid = QGridLayout()
        self.grid.setSpacing(12)
        self.outer.addLayout(self.grid)
        lower = QHBoxLayout()
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels([tr("Type d'enregistrement"), tr("Nombre")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumWidth(360)
        lower.addWidget(self.table, 2)
        note = QLabel(tr(
            "Les graphiques, la carte des régions et les filtres du tableau de bord arrivent avec l'indicateur "
            "de pilotage (prochaine version). Les listes à gauche donnent accès à chaque enregistrement ; "
            "<b>Ctrl+K</b> recherche partout."
        ))
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignTop)
        lower.addWidget(note, 1)
        self.outer.addLayout(lower, 1)

    def show_figures(self, figures: KeyFigures) -> None:
        """Replaces the tiles and counts with these figures."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        tiles = [
            _tile(tr("Porteurs (candidats)"), format_int(figures.applicants),
                  tr("{n} candidatures", n=format_int(figures.applications))),
            _tile(tr("Projets lauréats"), format_int(figures.laureates),
                  tr("sur {n} appels à projets", n=format_int(figures.calls))),
            _tile(tr("Aide engagée"), format_meur(figures.committed_cents), format_eur(figures.committed_cents)),
            _tile(tr("Aide décaissée"), format_meur(figures.disbursed_cents),
                  tr("{p} de l'aide engagée", p=format_percent(figures.disbursed_share))),
            _tile(tr("Subventions"), format_meur(figures.committed_grant_cents),
                  format_eur(figures.committed_grant_cents)),
            _tile(tr("Avances remboursables"), format_meur(figures.committed_advance_cents),
                  format_eur(figures.committed_advance_cents)),
            _tile(tr("Régions couvertes"), format_int(figures.regions), tr("sur 18 régions")),
            _tile(tr("Axes et actions"), f"{figures.axes} / {figures.actions}", tr("axes / actions de la stratégie")),
        ]
        for index, tile in enumerate(tiles):
            self.grid.addWidget(tile, index // 4, index % 4)
        self.table.setRowCount(len(figures.counts))
        from portfolio.services.fields import entity_label  # the ORM: not needed for the first paint

        for row, (entity, count) in enumerate(figures.counts.items()):
            self.table.setItem(row, 0, QTableWidgetItem(entity_label(entity)))
            number = QTableWidgetItem(format_int(count))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(row, 1, number)
