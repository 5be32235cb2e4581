"""A laureate project's dossier in the window (issue #21): the first tab of its editor. What the officer reads at a
glance: the project's place in the programme, its money per beneficiary with a bar of paid against committed, its
tranches (late ones marked), its milestones (late by how many days) and its contacts (an e-mail opens the mail
client). Every line opens its record (double-click or Entrée). Read from services.dossier; no SQL here."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.dates import format_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_percent
from portfolio.services.dossier import LATE, PAID, Dossier

LATE_COLOUR = QColor("#b3261e")  # the lists' colour for what is late
DONE_COLOUR = QColor("#5f6368")


class DossierView(QWidget):
    """Shows one ``Dossier``; ``open_record(entity, uuid)`` when a line is activated."""

    open_record = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.area = area = QScrollArea()
        area.setWidgetResizable(True)
        outer.addWidget(area)
        body = QWidget()
        area.setWidget(body)
        layout = QVBoxLayout(body)
        self.header = QLabel()
        self.header.setObjectName("dossier-header")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        money = QGridLayout()
        self.committed = QLabel()
        self.paid_bar = QProgressBar()
        self.paid_bar.setTextVisible(False)
        self.paid_bar.setMaximumHeight(18)
        money.addWidget(self.committed, 0, 0)
        money.addWidget(self.paid_bar, 0, 1)
        money.setColumnStretch(1, 1)
        layout.addLayout(money)
        self.aid = self._table(layout, tr("Aide par bénéficiaire"),
                               [tr("Bénéficiaire"), tr("Subvention"), tr("Avance remboursable"), tr("Versé"),
                                tr("Reste à verser"), tr("% versé")], stretch=0)
        self.tranches = self._table(layout, tr("Tranches"), [tr("Tranche"), tr("Bénéficiaire"), tr("Date prévue"),
                                                            tr("Date de paiement"), tr("Montant"), tr("État")],
                                    stretch=0)
        self.milestones = self._table(layout, tr("Jalons"), [tr("Échéance"), tr("Jalon"), tr("Réalisé le"),
                                                            tr("Statut"), tr("Retard")], stretch=1)
        self.contacts = self._table(layout, tr("Contacts"), [tr("Nom"), tr("Structure"), tr("Fonction"),
                                                            tr("Courriel"), tr("Téléphone")], stretch=0)
        layout.addStretch(1)
        self.dossier: Dossier | None = None

    def _table(self, layout: QVBoxLayout, title: str, headers: list[str], stretch: int) -> QTableWidget:
        caption = QLabel(f"<b>{title}</b>")
        layout.addWidget(caption)
        table = line_table(headers, stretch, tr("Double-cliquez sur une ligne (ou Entrée) pour ouvrir sa fiche"))
        table.itemActivated.connect(lambda item, table=table: self._activated(table, item))
        layout.addWidget(table)
        return table

    def show_dossier(self, dossier: Dossier) -> None:
        """Fills every part from ``dossier``."""
        self.dossier = dossier
        place = " → ".join(part for part in (dossier.call, dossier.action, dossier.axis) if part)
        dates = " · ".join(text.format(day=format_date(day)) for text, day in (
            (tr("décision le {day}"), dossier.decision_on), (tr("convention le {day}"), dossier.agreement_on),
            (tr("début le {day}"), dossier.start_on), (tr("fin le {day}"), dossier.end_on)) if day is not None)
        who = tr("Porteur : {lead} · Opérateur : {operator} · Statut : {status}", lead=dossier.lead,
                 operator=dossier.operator, status=dossier.status)
        self.header.setText(f"<b>{_html(dossier.acronym or dossier.title)}</b> — {_html(dossier.title)}<br>"
                            f"{_html(who)}<br>{_html(place)}<br>{_html(dates)}")
        committed, paid = dossier.committed_cents, dossier.paid_cents
        share = paid / committed if committed else None
        self.committed.setText(tr("Engagé {committed} · versé {paid} ({share}) · reste {left}",
                                  committed=format_eur(committed), paid=format_eur(paid),
                                  share=format_percent(share) if share is not None else "—",
                                  left=format_eur(committed - paid)))
        self.paid_bar.setRange(0, 1000)  # (its figure is in the label beside it: text over a bar reads badly)
        self.paid_bar.setValue(round(min(share or 0.0, 1.0) * 1000))
        self._fill(self.aid, [(("organisation", line.organisation_uuid), [
            line.organisation, format_eur(line.grant_cents), format_eur(line.advance_cents),
            format_eur(line.paid_cents), format_eur(line.remaining_cents),
            format_percent(line.paid_cents / line.committed_cents) if line.committed_cents else "—"], None)
            for line in dossier.aid], numeric=(1, 2, 3, 4, 5))
        self._fill(self.tranches, [(("disbursement", t.uuid), [
            t.label, t.organisation, format_date(t.planned_on), format_date(t.paid_on), format_eur(t.amount_cents),
            _tranche_state(t.state, t.days)], LATE_COLOUR if t.state == LATE else DONE_COLOUR if t.state == PAID
            else None) for t in dossier.tranches], numeric=(4,))
        self._fill(self.milestones, [(("milestone", m.uuid), [
            format_date(m.due_on), m.title, format_date(m.done_on), m.status,
            tr("{n} j", n=m.late_days) if m.late_days is not None else ""],
            LATE_COLOUR if m.late_days is not None else None) for m in dossier.milestones], numeric=(4,))
        self._fill(self.contacts, [(("contact", c.uuid), [c.name, c.organisation, c.role, c.email, c.phone], None)
                                   for c in dossier.contacts], numeric=())
        for table in (self.aid, self.tranches, self.milestones, self.contacts):
            fit(table)

    def _fill(self, table: QTableWidget, rows: list[tuple[tuple[str, str], list[str], QColor | None]],
              numeric: tuple[int, ...]) -> None:
        table.setRowCount(len(rows))
        for index, (record, values, colour) in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, record)
                if column in numeric:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if colour is not None:
                    item.setForeground(colour)
                table.setItem(index, column, item)

    def select(self, uuid: str) -> None:
        """Chooses and shows the line of this record (a tranche, a milestone…), if the dossier has one."""
        for table in (self.tranches, self.milestones, self.aid, self.contacts):
            for row in range(table.rowCount()):
                item = table.item(row, 0)
                if item is not None and item.data(Qt.ItemDataRole.UserRole)[1] == uuid:
                    table.setFocus(Qt.FocusReason.OtherFocusReason)
                    table.selectRow(row)
                    self.area.ensureWidgetVisible(table)
                    return

    def _activated(self, table: QTableWidget, item: QTableWidgetItem) -> None:
        entity, uuid = item.data(Qt.ItemDataRole.UserRole)
        if table is self.contacts and item.column() == 3 and item.text():  # the e-mail: the mail client
            QDesktopServices.openUrl(QUrl(f"mailto:{item.text()}"))
            return
        self.open_record.emit(entity, uuid)


def line_table(headers: list[str], stretch: int, tooltip: str) -> QTableWidget:
    """A read-only table of lines (a dossier's, the follow-up's): whole rows selected, column ``stretch`` taking
    the width left, the others as wide as their contents."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.setToolTip(tooltip)
    # sized to their contents once filled (fit), not by ResizeToContents, which measures every column again at each
    # cell set: seconds for a few hundred lines
    table.horizontalHeader().setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def fit(table: QTableWidget, at_most: int | None = None) -> None:
    """A filled line table sized once: its columns as wide as their contents (the stretching one takes the rest),
    its height that of its rows (at least one), ``at_most`` of them and it scrolls, else all (the page scrolls)."""
    table.resizeColumnsToContents()
    rows = max(1, table.rowCount() if at_most is None else min(table.rowCount(), at_most))
    table.setFixedHeight(table.horizontalHeader().height() + rows * table.verticalHeader().defaultSectionSize()
                         + 2 * table.frameWidth())
    table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    if at_most is None:
        table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)


def _tranche_state(state: str, days: int | None) -> str:
    if state == PAID:
        return tr("Payé")
    if state == LATE:
        return tr("En retard de {n} j", n=days)
    return tr("À venir (dans {n} j)", n=days) if days is not None else tr("À venir")


def _html(text: Any) -> str:
    return html.escape(str(text), quote=False)
