"""The dossier of an organisation and of an application (issue #21), the tab after their editors' form (a project's is
its editor's first tab): an organisation's identity, its applications, its projects with its own aid and payments,
its contacts; an application's call, lead, requested amount and decision, its consortium; and for both the officer's
notes and documents. Read from services.dossier; no SQL here."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QLabel, QTableWidget, QWidget

from portfolio.domain.dates import format_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_eur, format_percent
from portfolio.services.dossier import (
    ApplicationDossier,
    OrganisationDossier,
    read_application_dossier,
    read_organisation_dossier,
)

from .dossier_view import DossierBase, html_text

if TYPE_CHECKING:
    from .desk_actions import DeskActions


class OrganisationDossierView(DossierBase):
    """Shows one ``OrganisationDossier``."""

    subject = "organisation"

    def __init__(self, parent: QWidget | None = None, actions: DeskActions | None = None) -> None:
        super().__init__(parent, actions)
        layout = self.body
        self.money = QLabel()
        layout.addWidget(self.money)
        self.applications = self._table(layout, tr("Candidatures"), [
            tr("Candidature"), tr("Intitulé"), tr("Appel"), tr("Rôle"), tr("Statut"), tr("Montant demandé")], stretch=1)
        self.projects = self._table(layout, tr("Projets lauréats"), [
            tr("Projet"), tr("Statut"), tr("Aide engagée"), tr("Versé"), tr("Reste à verser"), tr("% versé")],
            stretch=0)
        self.contacts = self._table(layout, tr("Contacts"), [tr("Nom"), tr("Structure"), tr("Fonction"),
                                                            tr("Courriel"), tr("Téléphone")], stretch=0)
        self._desk_sections()
        self.dossier: OrganisationDossier | None = None

    @property
    def subject_id(self) -> int | None:
        return self.dossier.organisation_id if self.dossier is not None else None

    def tables(self) -> list[QTableWidget]:
        return [self.applications, self.projects, self.contacts, *super().tables()]

    def read(self, session: Any, record_id: int, today: date) -> None:
        """Reads the organisation's dossier and shows it (nothing in it depends on the day)."""
        self.show_dossier(read_organisation_dossier(session, record_id))

    def show_dossier(self, dossier: OrganisationDossier) -> None:
        self.dossier = dossier
        who = " · ".join(part for part in (dossier.identifiers, dossier.typology, dossier.place) if part)
        self.header.setText(f"<b>{html_text(dossier.name)}</b><br>{html_text(who)}")
        committed, paid = dossier.committed_cents, dossier.paid_cents
        self.money.setText(tr("Aide engagée {committed} · versé {paid} ({share}) · reste {left}",
                              committed=format_eur(committed), paid=format_eur(paid),
                              share=format_percent(paid / committed) if committed else "—",
                              left=format_eur(committed - paid)))
        self._fill(self.applications, [(("application", a.uuid), [
            a.name, a.title, a.call, a.role, a.status,
            format_eur(a.requested_cents) if a.requested_cents is not None else ""], None)
            for a in dossier.applications], numeric=(5,))
        self._fill(self.projects, [(("project", p.uuid), [
            p.name, p.status, format_eur(p.committed_cents), format_eur(p.paid_cents),
            format_eur(p.committed_cents - p.paid_cents),
            format_percent(p.paid_cents / p.committed_cents) if p.committed_cents else "—"], None)
            for p in dossier.projects], numeric=(2, 3, 4, 5))
        self._fill(self.contacts, [(("contact", c.uuid), [c.name, c.organisation, c.role, c.email, c.phone], None)
                                   for c in dossier.contacts], numeric=())
        self._show_desk(dossier.notes, dossier.documents)


class ApplicationDossierView(DossierBase):
    """Shows one ``ApplicationDossier``."""

    subject = "application"

    def __init__(self, parent: QWidget | None = None, actions: DeskActions | None = None) -> None:
        super().__init__(parent, actions)
        layout = self.body
        self.consortium = self._table(layout, tr("Consortium"), [tr("Structure"), tr("Rôle"), tr("Aide engagée")],
                                      stretch=0)
        self._desk_sections()
        self.dossier: ApplicationDossier | None = None

    @property
    def subject_id(self) -> int | None:
        return self.dossier.application_id if self.dossier is not None else None

    def tables(self) -> list[QTableWidget]:
        return [self.consortium, *super().tables()]

    def read(self, session: Any, record_id: int, today: date) -> None:
        """Reads the application's dossier and shows it (nothing in it depends on the day)."""
        self.show_dossier(read_application_dossier(session, record_id))

    def show_dossier(self, dossier: ApplicationDossier) -> None:
        self.dossier = dossier
        requested = format_eur(dossier.requested_cents) if dossier.requested_cents is not None else "—"
        facts = [tr("Porteur : {lead} · Appel : {call}", lead=dossier.lead, call=dossier.call),
                 tr("Statut : {status} · déposée le {day} · montant demandé {amount}", status=dossier.status,
                    day=format_date(dossier.submitted_on) or "—", amount=requested)]
        if dossier.project_uuid is not None:
            facts.append(tr("Lauréate : décision le {day} · projet : {status} · aide engagée {committed}",
                            day=format_date(dossier.decision_on) or "—", status=dossier.project_status,
                            committed=format_eur(dossier.committed_cents)))
        if dossier.reference:
            facts.append(tr("Référence : {reference}", reference=dossier.reference))
        name = dossier.acronym or dossier.title
        self.header.setText(f"<b>{html_text(name)}</b> — {html_text(dossier.title)}<br>"
                            + "<br>".join(html_text(fact) for fact in facts))
        self._fill(self.consortium, [(("organisation", m.uuid), [
            m.organisation, m.role, format_eur(m.committed_cents) if m.committed_cents is not None else ""], None)
            for m in dossier.consortium], numeric=(2,))
        self._show_desk(dossier.notes, dossier.documents)
