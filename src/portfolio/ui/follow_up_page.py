"""The "Mon suivi" page (issue #21): what needs the officer, on one page — the milestones overdue and due within
30 days, the tranches to pay (late or due within 30 days), the reminders due, the projects quiet for more than 90
days, oldest first, each section's count in its title and the first lines of each (services.follow_up); for the
officer chosen at the top (the current one of Préférences at first) or the whole team. A line opens its project's
dossier on that line. No SQL here."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.dates import format_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int
from portfolio.services.desk import officers
from portfolio.services.follow_up import QUIET_DAYS, FollowUp, FollowUpLine, follow_up, lateness
from portfolio.services.listing import today
from portfolio.services.records import id_of_uuid

from .dossier_view import LATE_COLOUR, fit, line_table
from .workspace import Workspace

DAYS = 30
# lines of each section (its count says how many there are; the lists show them all): 100 rather than 200 halves
# the page's filling (55 -> 32 ms for its five tables), which "Mon suivi" does at each change it lists
SHOWN = 100
# what a change re-reads the page for
WATCHED = {"milestone", "disbursement", "project", "application", "status", "reminder", "note", "officer"}


class FollowUpPage(QWidget):
    """The follow-up of one officer's projects, or of the whole team's."""

    open_dossier = Signal(int, str)  # a project's id, and the uuid of the line's milestone or tranche
    counted = Signal(int)  # the lines that need the officer, for the navigation's label

    def __init__(self, workspace: Workspace, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace = workspace
        outer = QVBoxLayout(self)
        self.title = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.title, 1)
        self.officer = QComboBox()
        self.officer.setObjectName("follow_up_officer")
        self.officer.setToolTip(tr("Les projets de ce chargé de mission, ou ceux de toute l'équipe"))
        top.addWidget(QLabel(tr("Chargé(e) de mission :")))
        top.addWidget(self.officer)
        outer.addLayout(top)
        self.officer.activated.connect(lambda _index: self.refresh())
        area = QScrollArea()
        area.setWidgetResizable(True)
        outer.addWidget(area, 1)
        body = QWidget()
        area.setWidget(body)
        layout = QVBoxLayout(body)
        self.sections: dict[str, tuple[QLabel, QTableWidget]] = {}
        for key, headers in (("overdue_milestones", [tr("Échéance"), tr("Projet"), tr("Jalon"), tr("Retard")]),
                             ("milestones_due", [tr("Échéance"), tr("Projet"), tr("Jalon"), tr("Dans")]),
                             ("tranches_due", [tr("Date prévue"), tr("Projet"), tr("Tranche"), tr("Retard ou délai"),
                                               tr("Montant")]),
                             ("reminders_due", [tr("À relancer le"), tr("Projet"), tr("Objet"), tr("Retard")]),
                             ("quiet_projects", [tr("Dernière note ou modification"), tr("Projet"), tr("Intitulé"),
                                                 tr("Depuis")])):
            caption = QLabel()
            table = line_table(headers, 2, tr("Double-cliquez sur une ligne (ou Entrée) pour ouvrir le dossier du "
                                              "projet"))
            table.itemActivated.connect(self._activated)
            layout.addWidget(caption)
            layout.addWidget(table)
            self.sections[key] = (caption, table)
        layout.addStretch(1)
        self.result: FollowUp | None = None
        self.stale = True
        self.team_known = False  # the officers' list is filled
        workspace.changed.connect(self._data_changed)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.stale:
            self.refresh()

    def _data_changed(self, entities: Any) -> None:
        if entities and not set(entities) & WATCHED:
            return
        if not entities or "officer" in entities:
            self.team_known = False  # the list of officers is read again
        self.stale = True
        if self.isVisible():
            self.refresh()

    def refresh(self) -> None:
        """Reads the follow-up again (the first lines of each section, every count)."""
        day = today()
        with self.workspace.db.read() as session:
            officer = self._officer_choices(session)
            self.result = follow_up(session, day, DAYS, limit=SHOWN, officer=officer)
        self.stale = False
        self.title.setText("<h2 style='margin:0'>" + tr("Mon suivi") + "</h2>" + tr(
            "Au {day} : ce qui est en retard, et ce qui arrive dans les {n} jours.", day=format_date(day), n=DAYS))
        titles = {"overdue_milestones": tr("Jalons en retard"),
                  "milestones_due": tr("Jalons à venir dans les {n} jours", n=DAYS),
                  "tranches_due": tr("Tranches à verser (en retard, ou dans les {n} jours)", n=DAYS),
                  "reminders_due": tr("Relances à faire"),
                  "quiet_projects": tr("Projets sans note ni modification depuis plus de {n} jours", n=QUIET_DAYS)}
        for key, (caption, table) in self.sections.items():
            lines: list[FollowUpLine] = getattr(self.result, key)
            count = self.result.counts[key]
            more = tr(" — les {shown} plus anciennes sur {count}", shown=format_int(len(lines)),
                      count=format_int(count)) if count > len(lines) else ""
            caption.setText(f"<b>{titles[key]} ({format_int(count)})</b>{more}")
            self._fill(table, lines, with_amount=key == "tranches_due", quiet=key == "quiet_projects")
        self.counted.emit(sum(self.result.counts.values()))

    def _officer_choices(self, session: Any) -> int | None:
        """The officer chosen (None: the whole team), the list filled first when the team changed (not at each
        change of what the page lists: a large team's list costs as much as the page's tables)."""
        from .desk_actions import current_officer_id

        if self.team_known:
            return self.officer.currentData()
        self.team_known = True
        chosen = self.officer.currentData() if self.officer.count() else current_officer_id(session)
        self.officer.clear()
        self.officer.addItem(tr("Toute l'équipe"), None)
        for officer_id, name in officers(session):
            self.officer.addItem(name, officer_id)
        index = self.officer.findData(chosen) if chosen is not None else 0
        self.officer.setCurrentIndex(max(0, index))
        return self.officer.currentData()

    def _fill(self, table: QTableWidget, lines: list[FollowUpLine], with_amount: bool, quiet: bool = False) -> None:
        table.setRowCount(len(lines))
        for row, line in enumerate(lines):
            since = tr("il y a {n} j", n=format_int(line.days_late)) if quiet else lateness(line.days_late)
            values = [format_date(line.day), line.acronym, line.item, since]
            if with_amount:
                values.append(format_eur(line.amount_cents or 0))
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, (line.project_uuid, line.item_uuid))
                if column >= 3:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if line.days_late > 0 and not quiet:  # (a quiet project is not late: it is to be looked at)
                    item.setForeground(LATE_COLOUR)
                table.setItem(row, column, item)
        fit(table, at_most=12)  # about twelve lines, then it scrolls: the page shows every section

    def _activated(self, item: QTableWidgetItem) -> None:
        project_uuid, item_uuid = item.data(Qt.ItemDataRole.UserRole)
        with self.workspace.db.read() as session:
            project = id_of_uuid(session, "project", project_uuid)
        if project is not None:
            self.open_dossier.emit(project, item_uuid)


def follow_up_count(workspace: Workspace) -> int:
    """How many lines "Mon suivi" holds for the current officer (or the team), counted alone (for the navigation's
    label before the page is built)."""
    from .desk_actions import current_officer_id

    with workspace.db.read() as session:
        return sum(follow_up(session, today(), DAYS, limit=0, officer=current_officer_id(session)).counts.values())
