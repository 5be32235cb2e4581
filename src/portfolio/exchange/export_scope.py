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

import json
from dataclasses import dataclass
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

ANCHORS = ("organisation", "application", "project")  # the record types a view can choose a package by

_ORG_PROJECTS = """
SELECT p.id FROM project p JOIN application a ON a.id = p.application_id
WHERE a.lead_organisation_id IN (SELECT value FROM json_each(:ids))
   OR a.id IN (SELECT application_id FROM application_partner
               WHERE organisation_id IN (SELECT value FROM json_each(:ids)))
   OR p.id IN (SELECT project_id FROM aid WHERE organisation_id IN (SELECT value FROM json_each(:ids)))"""
_INVOLVED = """
SELECT lead_organisation_id FROM application WHERE id IN (SELECT value FROM json_each(:apps))
UNION SELECT organisation_id FROM application_partner WHERE application_id IN (SELECT value FROM json_each(:apps))
UNION SELECT organisation_id FROM aid WHERE project_id IN (SELECT value FROM json_each(:projects))"""

_IN = "IN (SELECT value FROM json_each(:{name}))"
_WHERE = {
    "organisation": f"t.id {_IN.format(name='organisations')}",
    "contact": f"t.organisation_id {_IN.format(name='organisations')}",
    "application": f"t.id {_IN.format(name='applications')}",
    "application_partner": f"t.application_id {_IN.format(name='applications')}",
    "project": f"t.id {_IN.format(name='projects')}",
    "aid": f"t.project_id {_IN.format(name='projects')} AND t.organisation_id {_IN.format(name='organisations')}",
    "disbursement": f"t.project_id {_IN.format(name='projects')} AND (t.organisation_id IS NULL OR "
                    f"t.organisation_id {_IN.format(name='organisations')})",
    "milestone": f"t.project_id {_IN.format(name='projects')}",
}


@dataclass(frozen=True)
class Scope:
    """The ids of the package's organisations, applications and projects; every other record follows them."""

    organisations: tuple[int, ...]
    applications: tuple[int, ...]
    projects: tuple[int, ...]

    def where(self, entity: str) -> tuple[str, dict[str, str]]:
        """The condition on ``t`` (the entity's table) and its parameters."""
        return _WHERE[entity], {name: json.dumps(getattr(self, name))
                                for name in ("organisations", "applications", "projects")}


def from_organisations(connection: Any, organisations: list[int]) -> Scope:
    """The package of these organisations."""
    ids = json.dumps(organisations)
    projects = [r[0] for r in connection.execute(_ORG_PROJECTS, {"ids": ids})]
    applications = [r[0] for r in connection.execute(
        "SELECT application_id FROM project WHERE id IN (SELECT value FROM json_each(:projects)) UNION "
        "SELECT id FROM application WHERE lead_organisation_id IN (SELECT value FROM json_each(:ids))",
        {"projects": json.dumps(projects), "ids": ids})]
    return Scope(_sorted(organisations), _sorted(applications), _sorted(projects))


def from_projects(connection: Any, applications: list[int], projects: list[int]) -> Scope:
    """The package of these applications and projects (each with the other: a project's application, an
    application's project)."""
    apps, projs = json.dumps(applications), json.dumps(projects)
    projects = [r[0] for r in connection.execute(
        "SELECT id FROM project WHERE id IN (SELECT value FROM json_each(:projects)) "
        "OR application_id IN (SELECT value FROM json_each(:apps))", {"projects": projs, "apps": apps})]
    applications = [r[0] for r in connection.execute(
        "SELECT id FROM application WHERE id IN (SELECT value FROM json_each(:apps)) UNION "
        "SELECT application_id FROM project WHERE id IN (SELECT value FROM json_each(:projects))",
        {"projects": json.dumps(projects), "apps": apps})]
    organisations = _sorted(_involved(connection, applications, projects))
    return Scope(organisations, _sorted(applications), _sorted(projects))


def _involved(connection: Any, applications: list[int], projects: list[int]) -> list[int]:
    """The organisations leading or partners of these applications, or getting aid in these projects."""
    return [r[0] for r in connection.execute(_INVOLVED, {"apps": json.dumps(applications),
                                                         "projects": json.dumps(projects)}) if r[0] is not None]


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
