"""Which records an agency's package holds (issue #5): those of one region's organisations, or of a saved view's
organisations, applications or projects, always with what they refer to, so that every project, application
and organisation a line names is in the workbook too.

From organisations: their contacts, the projects they lead, are partners of or get aid in, those projects'
applications, consortium and milestones, and their own aid and payments (a partner from elsewhere is named by
its lines, not sent: a region's agency gets its region's organisations). From applications or projects: those
projects and applications, their consortium, aid, payments and milestones, and every organisation involved.
Every project and application a line names is in the package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portfolio.db.dialect import dialect_of
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

ANCHORS = ("organisation", "application", "project")  # the record types a view can choose a package by

# "{in_x}" stands for "IN the list x" as the engine spells it (db.dialect.Dialect.in_list)
_ORG_PROJECTS = """
SELECT p.id FROM project p JOIN application a ON a.id = p.application_id
WHERE a.lead_organisation_id {in_ids}
   OR a.id IN (SELECT application_id FROM application_partner WHERE organisation_id {in_ids})
   OR p.id IN (SELECT project_id FROM aid WHERE organisation_id {in_ids})"""
_INVOLVED = """
SELECT lead_organisation_id FROM application WHERE id {in_apps}
UNION SELECT organisation_id FROM application_partner WHERE application_id {in_apps}
UNION SELECT organisation_id FROM aid WHERE project_id {in_projects}"""

# a note or a document: about one of the package's projects, applications or organisations
_ABOUT_ONE = ("(t.project_id {in_projects} OR t.application_id {in_applications} "
              "OR t.organisation_id {in_organisations})")
_WHERE = {
    "organisation": "t.id {in_organisations}",
    "contact": "t.organisation_id {in_organisations}",
    "application": "t.id {in_applications}",
    "application_partner": "t.application_id {in_applications}",
    "project": "t.id {in_projects}",
    "aid": "t.project_id {in_projects} AND t.organisation_id {in_organisations}",
    "disbursement": "t.project_id {in_projects} AND (t.organisation_id IS NULL "
                    "OR t.organisation_id {in_organisations})",
    "milestone": "t.project_id {in_projects}",
    # the officer's desk (issue #21): the notes, documents and reminders of what the package holds, and the officers
    # it names
    "note": _ABOUT_ONE,
    "document": _ABOUT_ONE,
    "reminder": "t.project_id {in_projects}",
    "officer": "(t.id IN (SELECT officer_id FROM project WHERE id {in_projects}) "
               "OR t.id IN (SELECT officer_id FROM reminder WHERE project_id {in_projects}))",
}


def _sql(connection: Any, template: str, **lists: list[int] | tuple[int, ...]) -> tuple[str, dict[str, Any]]:
    """The template's SQL on this connection's engine, and its parameters: each named list of ids."""
    dialect = dialect_of(connection)
    return (template.format(**{f"in_{name}": dialect.in_list(name) for name in lists}),
            {name: dialect.list_value(ids) for name, ids in lists.items()})


def _ids(connection: Any, template: str, **lists: list[int] | tuple[int, ...]) -> list[int]:
    return [r[0] for r in connection.execute(*_sql(connection, template, **lists))]


@dataclass(frozen=True)
class Scope:
    """The ids of the package's organisations, applications and projects; every other record follows them."""

    organisations: tuple[int, ...]
    applications: tuple[int, ...]
    projects: tuple[int, ...]

    def where(self, connection: Any, entity: str) -> tuple[str, dict[str, Any]]:
        """The condition on ``t`` (the entity's table) and its parameters, for this connection's engine."""
        return _sql(connection, _WHERE[entity], organisations=self.organisations, applications=self.applications,
                    projects=self.projects)


def from_organisations(connection: Any, organisations: list[int]) -> Scope:
    """The package of these organisations."""
    projects = _ids(connection, _ORG_PROJECTS, ids=organisations)
    applications = _ids(connection, "SELECT application_id FROM project WHERE id {in_projects} UNION "
                                     "SELECT id FROM application WHERE lead_organisation_id {in_ids}",
                        projects=projects, ids=organisations)
    return Scope(_sorted(organisations), _sorted(applications), _sorted(projects))


def from_projects(connection: Any, applications: list[int], projects: list[int]) -> Scope:
    """The package of these applications and projects (each with the other: a project's application, an
    application's project)."""
    projects = _ids(connection, "SELECT id FROM project WHERE id {in_projects} OR application_id {in_apps}",
                    projects=projects, apps=applications)
    applications = _ids(connection, "SELECT id FROM application WHERE id {in_apps} UNION "
                                    "SELECT application_id FROM project WHERE id {in_projects}",
                        projects=projects, apps=applications)
    organisations = _sorted(_involved(connection, applications, projects))
    return Scope(organisations, _sorted(applications), _sorted(projects))


def _involved(connection: Any, applications: list[int], projects: list[int]) -> list[int]:
    """The organisations leading or partners of these applications, or getting aid in these projects."""
    return [i for i in _ids(connection, _INVOLVED, apps=applications, projects=projects) if i is not None]


def _sorted(ids: list[int]) -> tuple[int, ...]:
    return tuple(sorted(set(ids)))


def region_organisations(connection: Any, code: str) -> list[int]:
    """The organisations of a region given by its INSEE code, ISO code or name."""
    row = connection.execute("SELECT id FROM region WHERE code = ? OR iso_code = ? OR name = ?",
                             (code, code, code)).fetchone()
    if row is None:
        raise PortfolioError(tr("Région inconnue : « {code} » (donnez son code INSEE, par exemple 53 pour la "
                                "Bretagne).", code=code))
    return [r[0] for r in connection.execute("SELECT id FROM organisation WHERE region_id = ?", (row[0],))]
