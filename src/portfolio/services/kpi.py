"""The programme's KPIs: SQL aggregates with exact money (integer cents), every figure under the same filters.

What each figure counts, and which date the period filters it by:

- **applications**: applications whose call, axis, lead organisation's region and typology match; the period
  is their submission date. **applicants**: their distinct lead organisations (porteurs). **laureates**: those
  of them that became a laureate project. **success rate**: laureates / applications.
- **committed** (grant and repayable advance): the aid of laureate projects whose call and axis match, the
  region and typology being those of the beneficiary organisation; the period is the project's decision date.
- **disbursed**: payments made (a payment date) on those projects, the region and typology being those of
  the paid organisation (the project's lead when the payment names none); the period is the payment date.
  **disbursed share**: disbursed / committed.
- **decision to agreement**: days from a project's decision to its agreement, over projects with both dates
  (the lead organisation's region and typology; the decision date's period).
- **overdue milestones**: milestones due before ``today``, not done, neither reached nor cancelled (the lead
  organisation's region and typology; the due date's period).

A filter left empty does not filter. Breakdowns group the same rows by call, wave, axis, operator, region,
department, beneficiary typology (share of beneficiaries next to share of money) and year of decision.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr
from portfolio.domain.money import euros_str
from portfolio.domain.referential import fold

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Filters:
    """The global filters: codes (call, axis, region INSEE code, typology) and a period, both ends included."""

    call: str | None = None
    axis: str | None = None
    region: str | None = None
    typology: str | None = None
    start: date | None = None
    end: date | None = None

    def params(self) -> dict[str, Any]:
        return {"call": self.call, "axis": self.axis, "region": self.region, "typology": self.typology,
                "start": self.start.isoformat() if self.start else None,
                "end": self.end.isoformat() if self.end else None}


# Each base: the rows a family of figures counts, joined to the call, its axis and operator, and to the
# organisation whose region and typology the filters apply to; ``day`` is the date the period applies to.
_CALL_JOINS = ("JOIN call c ON c.id = a.call_id JOIN action ac ON ac.id = c.action_id "
               "JOIN axis x ON x.id = ac.axis_id JOIN operator op ON op.id = c.operator_id ")
_ORG_JOINS = ("LEFT JOIN region r ON r.id = o.region_id LEFT JOIN department dep ON dep.id = o.department_id "
              "LEFT JOIN typology t ON t.id = o.typology_id ")
_BASES = {
    "applications": ("application a " + _CALL_JOINS + "JOIN organisation o ON o.id = a.lead_organisation_id "
                     + _ORG_JOINS + "LEFT JOIN project p ON p.application_id = a.id", "a.submitted_on"),
    "aid": ("aid d JOIN project p ON p.id = d.project_id JOIN application a ON a.id = p.application_id "
            + _CALL_JOINS + "JOIN organisation o ON o.id = d.organisation_id " + _ORG_JOINS, "p.decision_on"),
    "payments": ("disbursement s JOIN project p ON p.id = s.project_id JOIN application a ON a.id = p.application_id "
                 + _CALL_JOINS + "JOIN organisation o ON o.id = coalesce(s.organisation_id, a.lead_organisation_id) "
                 + _ORG_JOINS, "s.paid_on"),
    "projects": ("project p JOIN application a ON a.id = p.application_id " + _CALL_JOINS
                 + "JOIN organisation o ON o.id = a.lead_organisation_id " + _ORG_JOINS, "p.decision_on"),
    "milestones": ("milestone m JOIN status ms ON ms.id = m.status_id JOIN project p ON p.id = m.project_id "
                   "JOIN application a ON a.id = p.application_id " + _CALL_JOINS
                   + "JOIN organisation o ON o.id = a.lead_organisation_id " + _ORG_JOINS, "m.due_on"),
}
_FILTERS = ("(:call IS NULL OR c.code = :call) AND (:axis IS NULL OR x.code = :axis) "
            "AND (:region IS NULL OR r.code = :region) AND (:typology IS NULL OR t.code = :typology)")
# the groupings of the breakdowns: (key, label, order) columns of the bases' joins
GROUPS = {
    "call": ("c.code", "c.label", "c.code"),
    "wave": ("c.wave", "c.wave", "c.wave"),
    "axis": ("x.code", "x.label", "x.sort_order"),
    "operator": ("op.code", "op.label", "op.sort_order"),
    "region": ("r.code", "r.name", "r.name"),
    "department": ("dep.code", "dep.name", "dep.code"),
    "typology": ("t.code", "t.label", "t.sort_order"),
    "year": ("substr(p.decision_on, 1, 4)", "substr(p.decision_on, 1, 4)", "substr(p.decision_on, 1, 4)"),
}


def _select(base: str, columns: str, group: str | None = None, where: str = "") -> str:
    table, day = _BASES[base]
    sql = (f"SELECT {columns} FROM {table} WHERE {_FILTERS} "
           f"AND (:start IS NULL OR {day} >= :start) AND (:end IS NULL OR {day} <= :end)")
    if where:
        sql += f" AND {where}"
    if group:
        key, label, order = GROUPS[group]
        sql = sql.replace(f"SELECT {columns}", f"SELECT {key}, {label}, {columns}", 1)
        sql += f" GROUP BY {key} ORDER BY min({order})"
    return sql


@dataclass
class Group:
    """One line of a breakdown: a call, a region… with its figures (money in cents)."""

    code: str | None  # None: records without one (an organisation without a region)
    label: str
    applicants: int = 0
    applications: int = 0
    laureates: int = 0
    beneficiaries: int = 0
    committed_cents: int = 0
    committed_grant_cents: int = 0
    committed_advance_cents: int = 0
    disbursed_cents: int = 0

    @property
    def success_rate(self) -> float:
        return self.laureates / self.applications if self.applications else 0.0

    def as_json(self, totals: Kpis) -> dict[str, Any]:
        return {"code": self.code, "label": self.label, "applicants": self.applicants,
                "applications": self.applications, "laureates": self.laureates,
                "success_rate": round(self.success_rate, 4) if self.applications else None,
                "beneficiaries": self.beneficiaries,
                "beneficiaries_share": round(_share(self.beneficiaries, totals.beneficiaries), 4),
                "committed": euros_str(self.committed_cents), "committed_grant": euros_str(self.committed_grant_cents),
                "committed_advance": euros_str(self.committed_advance_cents),
                "committed_share": round(_share(self.committed_cents, totals.committed_cents), 4),
                "disbursed": euros_str(self.disbursed_cents)}


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


@dataclass
class Kpis:
    """Every KPI under one set of filters (money in integer cents)."""

    filters: Filters
    today: date
    applicants: int = 0
    applications: int = 0
    laureates: int = 0
    beneficiaries: int = 0  # distinct organisations holding committed aid
    committed_grant_cents: int = 0
    committed_advance_cents: int = 0
    disbursed_cents: int = 0
    decision_to_agreement_days: list[int] = field(default_factory=list)
    overdue_milestones: int = 0
    breakdowns: dict[str, list[Group]] = field(default_factory=dict)

    @property
    def committed_cents(self) -> int:
        return self.committed_grant_cents + self.committed_advance_cents

    @property
    def success_rate(self) -> float:
        return _share(self.laureates, self.applications)

    @property
    def disbursed_share(self) -> float:
        return _share(self.disbursed_cents, self.committed_cents)

    @property
    def median_decision_to_agreement(self) -> float | None:
        days = self.decision_to_agreement_days
        return statistics.median(days) if days else None

    def as_json(self) -> dict[str, Any]:
        """JSON-ready (``portfolio kpi --json``): money as decimal strings in euros, shares as fractions."""
        days = self.decision_to_agreement_days
        result: dict[str, Any] = {
            "filters": self.filters.params(), "today": self.today.isoformat(),
            "applicants": self.applicants, "applications": self.applications, "laureates": self.laureates,
            "success_rate": round(self.success_rate, 4), "beneficiaries": self.beneficiaries,
            "committed": euros_str(self.committed_cents), "committed_grant": euros_str(self.committed_grant_cents),
            "committed_advance": euros_str(self.committed_advance_cents),
            "disbursed": euros_str(self.disbursed_cents), "disbursed_share": round(self.disbursed_share, 4),
            "decision_to_agreement": {"projects": len(days), "median_days": self.median_decision_to_agreement,
                                      "mean_days": round(statistics.fmean(days), 1) if days else None},
            "overdue_milestones": self.overdue_milestones,
        }
        for name, groups in self.breakdowns.items():
            result[f"by_{name}"] = [group.as_json(self) for group in groups]
        return result


def compute(source: Session | Any, filters: Filters | None = None, *, today: date | None = None,
            breakdowns: Iterable[str] = tuple(GROUPS)) -> Kpis:
    """The KPIs of the portfolio under ``filters`` (none: the whole portfolio). ``source``: a session or a
    DB-API connection. ``today`` decides which milestones are overdue."""
    filters = filters or Filters()
    connection = raw_connection(source)
    params = filters.params()
    kpis = Kpis(filters, today or date.today())

    def one(sql: str, extra: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
        return tuple(connection.execute(sql, {**params, **(extra or {})}).fetchone())

    kpis.applicants, kpis.applications, kpis.laureates = (int(v or 0) for v in one(_select(
        "applications", "count(DISTINCT a.lead_organisation_id), count(*), count(p.id)")))
    kpis.beneficiaries, kpis.committed_grant_cents, kpis.committed_advance_cents = (int(v or 0) for v in one(_select(
        "aid", "count(DISTINCT d.organisation_id), sum(d.grant_cents), sum(d.advance_cents)")))
    kpis.disbursed_cents = int(one(_select("payments", "sum(s.amount_cents)", where="s.paid_on IS NOT NULL"))[0] or 0)
    kpis.decision_to_agreement_days = [int(days) for (days,) in connection.execute(_select(
        "projects", "CAST(julianday(p.agreement_on) - julianday(p.decision_on) AS INTEGER)",
        where="p.decision_on IS NOT NULL AND p.agreement_on IS NOT NULL"), params)]
    kpis.overdue_milestones = int(one(_select(
        "milestones", "count(*)", where="m.due_on < :today AND m.done_on IS NULL AND ms.code NOT IN ('atteint', "
        "'annule')"), {"today": kpis.today.isoformat()})[0] or 0)
    for name in breakdowns:
        kpis.breakdowns[name] = _breakdown(connection, params, name)
    return kpis


def _breakdown(connection: Any, params: Mapping[str, Any], name: str) -> list[Group]:
    groups: dict[str | None, Group] = {}

    def group(code: Any, label: Any) -> Group:
        key = None if code is None else str(code)
        if key not in groups:
            groups[key] = Group(key, str(label) if key is not None else tr("Non renseigné"))
        return groups[key]

    if name != "year":  # applications are dated by their submission, not by a decision
        for code, label, applicants, applications, laureates in connection.execute(_select(
                "applications", "count(DISTINCT a.lead_organisation_id), count(*), count(p.id)", group=name), params):
            entry = group(code, label)
            entry.applicants, entry.applications, entry.laureates = applicants, applications, laureates
    else:
        for code, label, laureates in connection.execute(_select("projects", "count(*)", group=name), params):
            group(code, label).laureates = laureates
    for code, label, beneficiaries, grant, advance in connection.execute(_select(
            "aid", "count(DISTINCT d.organisation_id), sum(d.grant_cents), sum(d.advance_cents)", group=name), params):
        entry = group(code, label)
        entry.beneficiaries, entry.committed_grant_cents, entry.committed_advance_cents = (
            beneficiaries, int(grant or 0), int(advance or 0))
        entry.committed_cents = entry.committed_grant_cents + entry.committed_advance_cents
    for code, label, paid in connection.execute(_select(
            "payments", "sum(s.amount_cents)", group=name, where="s.paid_on IS NOT NULL"), params):
        group(code, label).disbursed_cents = int(paid or 0)
    result = list(groups.values())
    if name == "region":  # by name as people read it ("Île-de-France" among the I's), "not given" last
        result.sort(key=lambda g: (g.code is None, fold(g.label)))
    return result
