"""A first window: the open database's key figures and counts per record type."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMainWindow,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio import APP_NAME
from portfolio.db.models import ENTITIES
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


class FiguresWindow(QMainWindow):
    """The key figures of one database, read once at opening."""

    def __init__(self, path: Path, figures: KeyFigures) -> None:
        super().__init__()
        self.setWindowTitle(f"{APP_NAME} — {path.name}")
        central = QWidget()
        central.setStyleSheet(TILE_STYLE)
        self.setCentralWidget(central)
        outer = QVBoxLayout(central)
        outer.setContentsMargins(24, 20, 24, 20)
        outer.setSpacing(14)

        title = QLabel(f"<h2 style='margin:0'>{APP_NAME}</h2>")
        source = QLabel(f"Base : {path}")
        source.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        outer.addWidget(title)
        outer.addWidget(source)

        grid = QGridLayout()
        grid.setSpacing(12)
        tiles = [
            _tile("Porteurs (candidats)", format_int(figures.applicants),
                  f"{format_int(figures.applications)} candidatures"),
            _tile("Projets lauréats", format_int(figures.laureates),
                  f"sur {format_int(figures.calls)} appels à projets"),
            _tile("Aide engagée", format_meur(figures.committed_cents), format_eur(figures.committed_cents)),
            _tile("Aide décaissée", format_meur(figures.disbursed_cents),
                  f"{format_percent(figures.disbursed_share)} de l'aide engagée"),
            _tile("Subventions", format_meur(figures.committed_grant_cents), format_eur(figures.committed_grant_cents)),
            _tile("Avances remboursables", format_meur(figures.committed_advance_cents),
                  format_eur(figures.committed_advance_cents)),
            _tile("Régions couvertes", format_int(figures.regions), "sur 18 régions"),
            _tile("Axes et actions", f"{figures.axes} / {figures.actions}", "axes / actions de la stratégie"),
        ]
        for index, tile in enumerate(tiles):
            grid.addWidget(tile, index // 4, index % 4)
        outer.addLayout(grid)

        lower = QHBoxLayout()
        table = QTableWidget(len(figures.counts), 2)
        table.setHorizontalHeaderLabels(["Type d'enregistrement", "Nombre"])
        table.verticalHeader().setVisible(False)
        table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, (entity, count) in enumerate(figures.counts.items()):
            table.setItem(row, 0, QTableWidgetItem(ENTITIES[entity].__label__))
            number = QTableWidgetItem(format_int(count))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, 1, number)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        table.setMinimumWidth(360)
        lower.addWidget(table, 2)
        note = QLabel(
            "<b>Version préliminaire.</b><br>Cette fenêtre affiche les chiffres clés et les effectifs de la base "
            "ouverte. La consultation, la recherche et la modification des enregistrements, le tableau de bord "
            "et les imports arrivent dans les prochaines versions.<br><br>"
            "En attendant, la ligne de commande donne les mêmes chiffres : <tt>portfolio stats</tt>, et vérifie "
            "la base : <tt>portfolio check</tt>."
        )
        note.setWordWrap(True)
        note.setAlignment(Qt.AlignmentFlag.AlignTop)
        lower.addWidget(note, 1)
        outer.addLayout(lower, 1)
        self.statusBar().showMessage(f"{format_int(sum(figures.counts.values()))} enregistrements")
