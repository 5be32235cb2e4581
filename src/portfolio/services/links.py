"""The records linked to a record, one click away: project → lead organisation → contacts, call →
applications, application → project, and back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from portfolio.domain.dates import stored_date
from portfolio.domain.i18n import tr

from .display import TITLE_SQL
from .listing import DISBURSEMENT_STATES, STATE_SQL, today


@dataclass(frozen=True)
class Link:
    """A linked record: its group ("Contacts", "Porteur"…), entity, id and title, and its key facts (raw values:
    money in cents, a date, the organisation concerned, a status) where its type has them."""

    group: str
    entity: str
    id: int
    title: str
    amount_cents: int | None = None
    on: date | None = None
    party: str = ""
    status: str = ""


# The key facts of a linked record, per type: SQL of (amount in cents, date, organisation concerned, status) on
# the record's table ``t``; NULL where the type has none.
_FACTS: dict[str, str] = {
    "disbursement": "t.amount_cents, coalesce(t.paid_on, t.planned_on), "
                    "(SELECT name FROM organisation o WHERE o.id = t.organisation_id), " + STATE_SQL,
    "aid": "t.grant_cents + t.advance_cents, NULL, (SELECT name FROM organisation o WHERE o.id = t.organisation_id), "
           "NULL",
    "milestone": "NULL, t.due_on, NULL, (SELECT label FROM status s WHERE s.id = t.status_id)",
    "application": "t.requested_cents, t.submitted_on, "
                   "(SELECT name FROM organisation o WHERE o.id = t.lead_organisation_id), "
                   "(SELECT label FROM status s WHERE s.id = t.status_id)",
    "project": "(SELECT coalesce(sum(grant_cents + advance_cents), 0) FROM aid WHERE aid.project_id = t.id), "
               "t.decision_on, (SELECT o.name FROM application a JOIN organisation o ON o.id = a.lead_organisation_id "
               "WHERE a.id = t.application_id), (SELECT label FROM status s WHERE s.id = t.status_id)",
    "call": "t.budget_cents, t.opens_on, (SELECT label FROM operator op WHERE op.id = t.operator_id), NULL",
    "contact": "NULL, NULL, (SELECT name FROM organisation o WHERE o.id = t.organisation_id), t.role",
    "organisation": "NULL, NULL, t.city, (SELECT label FROM typology ty WHERE ty.id = t.typology_id)",
}


# (group label, target entity, SQL selecting target ids from :id of the source record)
_LINKS: dict[str, list[tuple[str, str, str]]] = {
    "organisation": [
        ("Contacts", "contact", "SELECT id FROM contact WHERE organisation_id = :id"),
        ("Candidatures portées", "application", "SELECT id FROM application WHERE lead_organisation_id = :id"),
        ("Participations à des consortiums", "application",
         "SELECT application_id FROM application_partner WHERE organisation_id = :id AND role <> 'chef_de_file'"),
        ("Projets lauréats", "project", "SELECT p.id FROM project p JOIN application_partner m "
                                        "ON m.application_id = p.application_id WHERE m.organisation_id = :id"),
    ],
    "contact": [("Structure", "organisation", "SELECT organisation_id FROM contact WHERE id = :id")],
    "call": [("Candidatures", "application", "SELECT id FROM application WHERE call_id = :id"),
             ("Projets lauréats", "project", "SELECT p.id FROM project p JOIN application a "
                                             "ON a.id = p.application_id WHERE a.call_id = :id")],
    "application": [
        ("Appel", "call", "SELECT call_id FROM application WHERE id = :id"),
        ("Porteur", "organisation", "SELECT lead_organisation_id FROM application WHERE id = :id"),
        ("Partenaires", "organisation", "SELECT organisation_id FROM application_partner "
                                        "WHERE application_id = :id AND role <> 'chef_de_file'"),
        ("Projet lauréat", "project", "SELECT id FROM project WHERE application_id = :id"),
    ],
    "project": [
        ("Candidature", "application", "SELECT application_id FROM project WHERE id = :id"),
        ("Porteur", "organisation", "SELECT a.lead_organisation_id FROM project p JOIN application a "
                                    "ON a.id = p.application_id WHERE p.id = :id"),
        ("Contacts du porteur", "contact", "SELECT c.id FROM project p JOIN application a ON a.id = p.application_id "
                                           "JOIN contact c ON c.organisation_id = a.lead_organisation_id "
                                           "WHERE p.id = :id"),
        ("Aides par bénéficiaire", "aid", "SELECT id FROM aid WHERE project_id = :id"),
        ("Bénéficiaires", "organisation", "SELECT organisation_id FROM aid WHERE project_id = :id"),
        ("Versements", "disbursement", "SELECT id FROM disbursement WHERE project_id = :id"),
        ("Jalons", "milestone", "SELECT id FROM milestone WHERE project_id = :id"),
    ],
    "disbursement": [("Projet", "project", "SELECT project_id FROM disbursement WHERE id = :id"),
                     ("Bénéficiaire", "organisation", "SELECT organisation_id FROM disbursement WHERE id = :id")],
    "milestone": [("Projet", "project", "SELECT project_id FROM milestone WHERE id = :id")],
    "aid": [("Projet", "project", "SELECT project_id FROM aid WHERE id = :id"),
            ("Bénéficiaire", "organisation", "SELECT organisation_id FROM aid WHERE id = :id")],
}

LIMIT = 200


def linked_records(session: Session, entity: str, record_id: int) -> list[Link]:
    """Every record linked to this one, grouped, at most LIMIT per group, with its key facts."""
    links: list[Link] = []
    for group, target, ids_sql in _LINKS.get(entity, []):
        title = TITLE_SQL[target].replace(f"{target}.", "t.")
        facts = _FACTS.get(target, "NULL, NULL, NULL, NULL")
        rows = session.execute(text(
            f"SELECT t.id, {title}, {facts} FROM {target} t WHERE t.id IN ({ids_sql}) AND t.id IS NOT NULL "
            f"ORDER BY 2 NULLS FIRST LIMIT {LIMIT}"),  # (empty first on a file and on a server alike)
            {"id": record_id, "today": today().isoformat()})
        for i, name, amount, on, party, status in rows:
            shown = tr(DISBURSEMENT_STATES.get(str(status), str(status))) if status else ""  # a tranche's state
            links.append(Link(tr(group), target, int(i), str(name or ""), None if amount is None else int(amount),
                              stored_date(on), str(party or ""), shown))
    return links
