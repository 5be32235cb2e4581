"""The records linked to a record, one click away: project → lead organisation → contacts, call →
applications, application → project, and back."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from portfolio.domain.i18n import tr

from .display import TITLE_SQL


@dataclass(frozen=True)
class Link:
    """A linked record: its group ("Contacts", "Porteur"…), entity, id and title."""

    group: str
    entity: str
    id: int
    title: str


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
    """Every record linked to this one, grouped, at most LIMIT per group."""
    links: list[Link] = []
    for group, target, ids_sql in _LINKS.get(entity, []):
        table = "project" if target == "project" else target
        rows = session.execute(text(
            f"SELECT id, {TITLE_SQL[target]} FROM {table} WHERE id IN ({ids_sql}) AND id IS NOT NULL "
            f"ORDER BY 2 LIMIT {LIMIT}"), {"id": record_id})
        links.extend(Link(tr(group), target, int(i), str(t or "")) for i, t in rows)
    return links
