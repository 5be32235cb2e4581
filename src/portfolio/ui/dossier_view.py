"""A laureate project's dossier in the window (issue #21): the first tab of its editor. What the officer reads at a
glance: the project's place in the programme, its money per beneficiary with a bar of paid against committed, its
tranches (late ones marked), its milestones (late by how many days), its contacts (an e-mail opens the mail
client), and the officer's own: reminders (done or put off in one click), notes and documents (attached by button
or dropped on the dossier, opened with the system's viewer). Every line opens its record (double-click or Entrée).
Read from services.dossier; the actions are ui.desk_actions; no SQL here."""

from __future__ import annotations

import html
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from portfolio.domain.dates import format_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_int, format_percent
from portfolio.services.dossier import LATE, PAID, DocumentLine, Dossier, NoteLine, read_dossier
from portfolio.services.follow_up import lateness

if TYPE_CHECKING:
    from .desk_actions import DeskActions

LATE_COLOUR = QColor("#b3261e")  # the lists' colour for what is late
SHOWN_ROLE = Qt.ItemDataRole.UserRole + 1  # a cell edited in place: the text shown before the edit
DONE_COLOUR = QColor("#5f6368")


class DossierBase(QWidget):
    """What every dossier shares (a project's, an organisation's, an application's): a page that scrolls, a header,
    tables of lines that open their record, and the officer's notes and documents with their buttons, files
    dropped anywhere on the page attached. ``open_record(entity, uuid)`` when a line is activated."""

    open_record = Signal(str, str)
    subject = "project"  # the record type the notes and documents are about

    def __init__(self, parent: QWidget | None = None, actions: DeskActions | None = None) -> None:
        super().__init__(parent)
        self.desk = actions  # None: read only (a snapshot opened for an auditor)
        self.setAcceptDrops(actions is not None)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.area = area = QScrollArea()
        area.setWidgetResizable(True)
        outer.addWidget(area)
        body = QWidget()
        area.setWidget(body)
        self.body = QVBoxLayout(body)
        self.header = QLabel()
        self.header.setObjectName("dossier-header")
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setWordWrap(True)
        self.body.addWidget(self.header)
        self.document_names: dict[str, str] = {}  # uuid -> name, of the documents shown
        self.in_place: dict[QTableWidget, dict[int, str]] = {}  # a table's columns edited in place -> their field
        self.in_place_entity: dict[QTableWidget, str] = {}  # the only record type a table's cells are edited for

    def edit_in_place(self, table: QTableWidget, columns: dict[int, str], entity: str | None = None) -> None:
        """Lets these columns of ``table`` be edited where they are shown (double-click or F2), each edit one undo
        step through the door (a date typed the French way, an amount in euros); the other columns open their
        record. Nothing is editable in a dossier shown read-only."""
        if self.desk is None:
            return
        self.in_place[table] = columns
        if entity is not None:  # (the other lines of that table are read only: an organisation paid without aid)
            self.in_place_entity[table] = entity
        table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                              | QAbstractItemView.EditTrigger.EditKeyPressed)
        table.itemChanged.connect(lambda item, table=table: self._edited(table, item))

    def _edited(self, table: QTableWidget, item: QTableWidgetItem) -> None:
        """A cell edited in place: its field changed through the door, or its value put back with the reason."""
        from portfolio.domain.errors import InvalidValue
        from portfolio.services import fields

        from .field_widgets import typed_value

        name = self.in_place[table].get(item.column())
        shown = item.data(SHOWN_ROLE)
        if name is None or self.desk is None or shown is None or item.text().strip() == shown:
            return
        entity, uuid = item.data(Qt.ItemDataRole.UserRole)
        spec = fields.field_spec(entity, name)
        try:
            old, new = typed_value(spec.kind, shown or ""), typed_value(spec.kind, item.text())
        except InvalidValue as error:
            self._put_back(table, item, shown)
            QMessageBox.warning(self, spec.label, tr("{label} : {reason}", label=spec.label, reason=error))
            return
        if not self.desk.set_field(entity, uuid, name, old, new, spec.label):
            self._put_back(table, item, shown)

    def _put_back(self, table: QTableWidget, item: QTableWidgetItem, shown: str | None) -> None:
        table.blockSignals(True)
        item.setText(shown or "")
        table.blockSignals(False)

    @property
    def subject_id(self) -> int | None:
        """The id of the record shown (None before the first ``show``)."""
        raise NotImplementedError  # pragma: no cover - each dossier says

    def read(self, session: Any, record_id: int, today: date) -> None:
        """Reads the record's dossier (what is late counted from ``today``) and shows it."""
        raise NotImplementedError  # pragma: no cover - each dossier says

    def _desk_sections(self) -> None:
        """The notes and documents, with their buttons, and the hint about dropping files."""
        layout = self.body
        self.notes = self._table(layout, tr("Notes de suivi"), [tr("Date"), tr("Auteur"), tr("Note")], stretch=2)
        self.note_buttons = self._buttons(layout, self.notes, (
            (tr("Ajouter une note…"), lambda: self._act("add_note"), False),
            (tr("Modifier…"), lambda: self._act("edit_note", self._chosen(self.notes)), True),
            (tr("Supprimer"), lambda: self._act("delete_note", self._chosen(self.notes)), True)))
        self.documents = self._table(layout, tr("Documents"), [tr("Nom"), tr("Nature"), tr("Taille"),
                                                              tr("Ajouté le"), tr("Par")], stretch=0)
        self.document_buttons = self._buttons(layout, self.documents, (
            (tr("Joindre des documents…"), lambda: self._act("choose_and_attach"), False),
            (tr("Ouvrir"), self._open_document, True),
            (tr("Retirer"), lambda: self._act("delete_document", self._chosen(self.documents)), True)))
        drop = QLabel(tr("Déposez des fichiers sur le dossier pour les joindre (PDF, bureautique, images ; 20 Mio au "
                         "plus chacun)."))
        drop.setObjectName("drop-hint")
        drop.setVisible(self.desk is not None)
        layout.addWidget(drop)
        layout.addStretch(1)

    def _show_desk(self, notes: list[NoteLine], documents: list[DocumentLine]) -> None:
        self._fill(self.notes, [(("note", n.uuid), [format_date(n.written_on), n.author, n.body], None)
                                for n in notes], numeric=())
        self._fill(self.documents, [(("document", d.uuid), [
            d.name, d.category, _size(d.size), format_date(d.added_on), d.author], None) for d in documents],
            numeric=(2,))
        self.document_names = {d.uuid: d.name for d in documents}
        for row in range(self.notes.rowCount()):  # a long note: its beginning in the table, the whole in its tooltip
            item = self.notes.item(row, 2)
            if item is not None:
                item.setToolTip(item.text())

    def tables(self) -> list[QTableWidget]:
        """Every table of the dossier, in the order a record is looked for (``select``)."""
        return [self.notes, self.documents]

    def _table(self, layout: QVBoxLayout, title: str, headers: list[str], stretch: int) -> QTableWidget:
        caption = QLabel(f"<b>{title}</b>")
        layout.addWidget(caption)
        table = line_table(headers, stretch, tr("Double-cliquez sur une ligne (ou Entrée) pour ouvrir sa fiche"))
        table.itemActivated.connect(lambda item, table=table: self._activated(table, item))
        layout.addWidget(table)
        return table

    def _buttons(self, layout: QVBoxLayout, table: QTableWidget,
                 buttons: tuple[tuple[str, Any, bool], ...]) -> list[QPushButton]:
        """A row of action buttons under a table; those marked need a chosen line."""
        row = QHBoxLayout()
        made = []
        for text, action, needs_line in buttons:
            button = QPushButton(text)
            button.clicked.connect(action)
            button.setVisible(self.desk is not None)
            button.setProperty("needs_line", needs_line)
            row.addWidget(button)
            made.append(button)
        row.addStretch(1)
        layout.addLayout(row)

        def chosen() -> None:
            for button in made:
                if button.property("needs_line"):
                    button.setEnabled(bool(table.selectedItems()))
        table.itemSelectionChanged.connect(chosen)
        chosen()
        return made

    def _chosen(self, table: QTableWidget) -> str | None:
        items = table.selectedItems()
        return items[0].data(Qt.ItemDataRole.UserRole)[1] if items else None

    def _act(self, action: str, uuid: str | None = None) -> None:
        """Runs a desk action on the record shown (or on the chosen line's record)."""
        if self.desk is None or self.subject_id is None:
            return
        if action in ("add_note", "choose_and_attach"):
            getattr(self.desk, action)(self.subject_id, subject=self.subject)
        elif action == "add_reminder":
            self.desk.add_reminder(self.subject_id)
        elif uuid is not None:
            getattr(self.desk, action)(uuid)

    def _open_document(self) -> None:
        uuid = self._chosen(self.documents)
        if self.desk is not None and uuid is not None:
            self.desk.open_document(uuid, self.document_names.get(uuid, ""))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.desk is not None and event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(url.toLocalFile()) for url in event.mimeData().urls() if url.isLocalFile()]
        if self.desk is not None and self.subject_id is not None and paths:
            event.acceptProposedAction()
            self.desk.attach(self.subject_id, paths, subject=self.subject)

    def _fill(self, table: QTableWidget, rows: list[tuple[tuple[str, str], list[str], QColor | None]],
              numeric: tuple[int, ...]) -> None:
        editable = self.in_place.get(table, {})
        entity_of = self.in_place_entity.get(table)
        table.blockSignals(True)  # (filling is not editing)
        table.setRowCount(len(rows))
        for index, (record, values, colour) in enumerate(rows):
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(Qt.ItemDataRole.UserRole, record)
                if column in editable and (entity_of is None or record[0] == entity_of):
                    item.setData(SHOWN_ROLE, value)
                    item.setToolTip(tr("Double-cliquez (ou F2) pour modifier"))
                else:
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                if column in numeric:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if colour is not None:
                    item.setForeground(colour)
                table.setItem(index, column, item)
        table.blockSignals(False)
        fit(table)

    def select(self, uuid: str) -> None:
        """Chooses and shows the line of this record (a tranche, a milestone…), if the dossier has one."""
        for table in self.tables():
            for row in range(table.rowCount()):
                item = table.item(row, 0)
                if item is not None and item.data(Qt.ItemDataRole.UserRole)[1] == uuid:
                    table.setFocus(Qt.FocusReason.OtherFocusReason)
                    table.selectRow(row)
                    self.area.ensureWidgetVisible(table)
                    return

    def _activated(self, table: QTableWidget, item: QTableWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsEditable:  # a cell edited in place, not a record to open
            return
        entity, uuid = item.data(Qt.ItemDataRole.UserRole)
        if entity == "contact" and item.column() == 3 and item.text():  # the e-mail: the mail client
            QDesktopServices.openUrl(QUrl(f"mailto:{item.text()}"))
            return
        if table is self.documents:  # a document: the system's viewer
            self._open_document()
            return
        if table is self.notes and self.desk is not None:
            self.desk.edit_note(uuid)
            return
        self.open_record.emit(entity, uuid)


class DossierView(DossierBase):
    """Shows one project's ``Dossier``."""

    def __init__(self, parent: QWidget | None = None, actions: DeskActions | None = None) -> None:
        super().__init__(parent, actions)
        layout = self.body
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
        self.reminders = self._table(layout, tr("Relances"), [tr("À relancer le"), tr("Objet"), tr("Responsable"),
                                                             tr("État")], stretch=1)
        self.reminder_buttons = self._buttons(layout, self.reminders, (
            (tr("Nouvelle relance…"), lambda: self._act("add_reminder"), False),
            (tr("Faite"), lambda: self._act("reminder_done", self._chosen(self.reminders)), True),
            (tr("Reporter d'une semaine"), lambda: self._act("reminder_postponed", self._chosen(self.reminders)),
             True)))
        self._desk_sections()
        # in place: an aid's grant and advance, a tranche's dates and amount, a milestone's dates, a reminder's date,
        self.edit_in_place(self.aid, {1: "grant_cents", 2: "advance_cents"}, entity="aid")
        # a contact's role and phone (the e-mail opens the mail client: it is edited in the contact's editor)
        self.edit_in_place(self.contacts, {2: "role", 4: "phone"}, entity="contact")
        self.edit_in_place(self.tranches, {2: "planned_on", 3: "paid_on", 4: "amount_cents"})
        self.edit_in_place(self.milestones, {0: "due_on", 2: "done_on"})
        self.edit_in_place(self.reminders, {0: "due_on"})
        self.dossier: Dossier | None = None

    @property
    def subject_id(self) -> int | None:
        return self.dossier.project_id if self.dossier is not None else None

    def read(self, session: Any, record_id: int, today: date) -> None:
        self.show_dossier(read_dossier(session, record_id, today))

    def tables(self) -> list[QTableWidget]:
        return [self.tranches, self.milestones, self.reminders, self.aid, self.contacts, *super().tables()]

    def show_dossier(self, dossier: Dossier) -> None:
        """Fills every part from ``dossier``."""
        self.dossier = dossier
        place = " → ".join(part for part in (dossier.call, dossier.action, dossier.axis) if part)
        dates = " · ".join(text.format(day=format_date(day)) for text, day in (
            (tr("décision le {day}"), dossier.decision_on), (tr("convention le {day}"), dossier.agreement_on),
            (tr("début le {day}"), dossier.start_on), (tr("fin le {day}"), dossier.end_on)) if day is not None)
        who = tr("Porteur : {lead} · Opérateur : {operator} · Statut : {status}", lead=dossier.lead,
                 operator=dossier.operator, status=dossier.status)
        who += " · " + (tr("Suivi par {officer}", officer=dossier.officer) if dossier.officer
                        else tr("Aucun chargé de mission désigné"))
        self.header.setText(f"<b>{html_text(dossier.acronym or dossier.title)}</b> — {html_text(dossier.title)}<br>"
                            f"{html_text(who)}<br>{html_text(place)}<br>{html_text(dates)}")
        committed, paid = dossier.committed_cents, dossier.paid_cents
        share = paid / committed if committed else None
        self.committed.setText(tr("Engagé {committed} · versé {paid} ({share}) · reste {left}",
                                  committed=format_eur(committed), paid=format_eur(paid),
                                  share=format_percent(share) if share is not None else "—",
                                  left=format_eur(committed - paid)))
        self.paid_bar.setRange(0, 1000)  # (its figure is in the label beside it: text over a bar reads badly)
        self.paid_bar.setValue(round(min(share or 0.0, 1.0) * 1000))
        self._fill(self.aid, [(("aid", line.aid_uuid) if line.aid_uuid else ("organisation", line.organisation_uuid), [
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
        self._fill(self.reminders, [(("reminder", r.uuid), [
            format_date(r.due_on), r.text, r.owner or dossier.officer,
            tr("faite le {day}", day=format_date(r.done_on)) if r.done_on else lateness(r.days_late or 0)],
            DONE_COLOUR if r.done_on else LATE_COLOUR if (r.days_late or 0) > 0 else None)
            for r in dossier.reminders], numeric=())
        self._show_desk(dossier.notes, dossier.documents)


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
    # a column's width from its first 50 rows (and those in view), not all of them: its lines are alike (dates,
    # amounts, acronyms), and "Mon suivi" fills five tables of 100 lines at each change
    table.verticalHeader().setResizeContentsPrecision(50)
    return table


def fit(table: QTableWidget, at_most: int | None = None) -> None:
    """A filled line table sized once: its columns as wide as their contents (the stretching one takes the rest),
    its height that of its rows (at least one), ``at_most`` of them and it scrolls, else all (the page scrolls)."""
    table.resizeColumnsToContents()
    header = table.horizontalHeader()
    for column in range(header.count()):  # filled again, a stretching column keeps its contents' width until the
        if header.sectionResizeMode(column) == QHeaderView.ResizeMode.Stretch:  # next resize: stretched now
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
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


def _size(size: int) -> str:
    """"245 Ko", "3,2 Mo": a file's size as a user reads it."""
    if size < 1024 * 1024:
        return tr("{n} Ko", n=format_int(max(1, round(size / 1024))))
    return tr("{n} Mo", n=f"{size / 1024 / 1024:.1f}".replace(".", ","))


def html_text(text: Any) -> str:
    """Text shown in a rich-text label, its <, > and & shown as they are."""
    return html.escape(str(text), quote=False)
