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
department, beneficiary typology (share of beneficiaries next to share of money) and year of decision, and
by action (the axis's actions, in the axis's order).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from portfolio.db.dialect import dialect_of
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import format_date, parse_date
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import euros_str, format_eur, format_int, format_percent
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


FILTER_NAMES = {"call": N_("appel"), "axis": N_("axe"), "region": N_("région"), "typology": N_("typologie"),
                "start": N_("du"), "end": N_("au")}


def filters_of(args: Any) -> Filters:
    """The filters a command was given (``--call``, ``--axis``, ``--region``, ``--typology``, ``--from`` as
    ``start``, ``--to`` as ``end``; dates in French or ISO format)."""
    return Filters(call=args.call, axis=args.axis, region=args.region, typology=args.typology,
                   start=parse_date(args.start) if args.start else None, end=parse_date(args.end) if args.end else None)


def describe_filters(filters: Filters) -> str:
    """The filters in words: "région 53, du 01/01/2023" ("" without any)."""
    parts = []
    for key, value in filters.params().items():
        if value:
            shown = f"{value[8:10]}/{value[5:7]}/{value[:4]}" if key in ("start", "end") else value
            parts.append(f"{tr(FILTER_NAMES[key])} {shown}")
    return ", ".join(parts)


def filter_choices(source: Session | Any) -> dict[str, list[tuple[str, str]]]:
    """The choices of each filter (``call``, ``axis``, ``region``, ``typology``, and ``year``: every year of a
    decision, a submission or a payment): (code, label) in the order shown, the label "code — label" for calls
    and axes; ``source`` is a session, or the plain connection of the window's first paint."""
    connection = raw_connection(source)

    def rows(sql: str) -> list[tuple[str, str]]:
        return [(str(code), str(label)) for code, label in connection.execute(sql).fetchall()]

    return {
        "call": rows("SELECT code, code || ' — ' || label FROM call ORDER BY code"),
        "axis": rows("SELECT code, code || ' — ' || label FROM axis ORDER BY sort_order"),
        "region": rows("SELECT code, name FROM region ORDER BY portfolio_fold(name)"),
        "typology": rows("SELECT code, label FROM typology ORDER BY sort_order"),
        "year": [(str(y), str(y)) for (y,) in connection.execute(
            "SELECT DISTINCT substr(CAST(decision_on AS TEXT), 1, 4) FROM project WHERE decision_on IS NOT NULL "
            "UNION SELECT DISTINCT substr(CAST(submitted_on AS TEXT), 1, 4) FROM application "
            "WHERE submitted_on IS NOT NULL "
            "UNION SELECT DISTINCT substr(CAST(paid_on AS TEXT), 1, 4) FROM disbursement WHERE paid_on IS NOT NULL "
            "ORDER BY 1")],
    }


BREAKDOWNS = ("call", "wave", "axis", "action", "operator", "region", "department", "typology", "year")


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




def key_figures(kpis: Kpis) -> list[tuple[str, str]]:
    """The key figures as people read them, in order: (label, value in French format). The command line prints
    them, the PDF report shows them."""
    median = kpis.median_decision_to_agreement
    return [
        (tr("Porteurs (candidats)"), format_int(kpis.applicants)),
        (tr("Candidatures"), format_int(kpis.applications)),
        (tr("Lauréats"), format_int(kpis.laureates)),
        (tr("Taux de succès"), format_percent(kpis.success_rate)),
        (tr("Aide engagée"), format_eur(kpis.committed_cents)),
        (tr("  dont subventions"), format_eur(kpis.committed_grant_cents)),
        (tr("  dont avances remboursables"), format_eur(kpis.committed_advance_cents)),
        (tr("Aide décaissée"), format_eur(kpis.disbursed_cents)),
        (tr("Part décaissée"), format_percent(kpis.disbursed_share)),
        (tr("Décision → convention (médiane)"),
         tr("{n} jours", n=f"{median:g}".replace(".", ",")) if median is not None else "—"),
        (tr("Jalons en retard au {day}", day=format_date(kpis.today)), format_int(kpis.overdue_milestones)),
    ]


@dataclass(frozen=True)
class Month:
    """Aid committed (by the project's decision) and paid in one month, in cents."""

    month: str  # "2023-04"
    committed_cents: int
    disbursed_cents: int


# --- the facts: every row the KPIs count, read once, filtered and summed in memory -----------------------------

_BY_ORGANISATION = ("region", "department", "typology")
_OF_THE_CALL = ("wave", "axis", "action", "operator")
_MARKS = 64_000_000  # booleans (64 MB) at most to count distinct (group, organisation) pairs by marking them
_NONE = 0  # the index of "no region", "no typology"… in the lookup arrays (record ids start at 1)
_EXACT_FLOAT_SUM = 2**53  # below it, summing whole numbers in float64 (numpy's bincount) is exact


def _day(column: str) -> str:
    """A date column as an integer YYYYMMDD (0 when empty), computed by SQLite."""
    return f"coalesce(CAST(replace(CAST({column} AS TEXT), '-', '') AS INTEGER), 0)"


@dataclass
class _Table:
    """One family of rows as numpy columns: ``org`` and ``call`` ids, ``day`` (YYYYMMDD, 0: none) and values."""

    columns: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.columns[name]

    def __len__(self) -> int:
        return len(self.columns["org"])


@dataclass(frozen=True)
class _Dimension:
    """A breakdown's groups: for each key (an id, a year, a wave's index), its code, label and place in order."""

    codes: dict[int, str]
    labels: dict[int, str]
    order: dict[int, Any]


class Facts:
    """Every row the KPIs count (applications, aid, payments, projects, milestones) with the ids they are filtered
    and grouped by, read from the portfolio in one pass per table and held as numpy arrays: each set of filters is
    then a few masks and sums (milliseconds on 100,000 projects), where SQL would scan and join again.

    Read it again when the data changes (``Facts(source)``); ``compute`` and ``timeline`` never write."""

    def __init__(self, source: Session | Any) -> None:
        import numpy as np  # loaded with the KPIs only

        self.np = np
        connection = raw_connection(source)
        q = connection.execute
        self.applications = self._table(q(
            "SELECT a.lead_organisation_id, a.call_id, " + _day("a.submitted_on") + ", p.id IS NOT NULL "
            "FROM application a LEFT JOIN project p ON p.application_id = a.id"), ("org", "call", "day", "laureate"))
        self.aid = self._table(q(
            "SELECT d.organisation_id, a.call_id, " + _day("p.decision_on") + ", d.grant_cents, d.advance_cents "
            "FROM aid d JOIN project p ON p.id = d.project_id JOIN application a ON a.id = p.application_id"),
            ("org", "call", "day", "grant", "advance"))
        self.payments = self._table(q(
            "SELECT coalesce(s.organisation_id, a.lead_organisation_id), a.call_id, " + _day("s.paid_on") + ", "
            + _day("p.decision_on") + ", s.amount_cents FROM disbursement s JOIN project p ON p.id = s.project_id "
            "JOIN application a ON a.id = p.application_id WHERE s.paid_on IS NOT NULL"),
            ("org", "call", "day", "decided", "amount"))
        self.projects = self._table(q(
            "SELECT a.lead_organisation_id, a.call_id, " + _day("p.decision_on") + ", "
            + dialect_of(connection).days_between("p.agreement_on", "p.decision_on") + " FROM project p "
            "JOIN application a ON a.id = p.application_id WHERE p.decision_on IS NOT NULL "
            "AND p.agreement_on IS NOT NULL"), ("org", "call", "day", "days"))
        self.decided = self._table(q(
            "SELECT a.lead_organisation_id, a.call_id, " + _day("p.decision_on") + " FROM project p "
            "JOIN application a ON a.id = p.application_id"), ("org", "call", "day"))
        self.milestones = self._table(q(
            "SELECT a.lead_organisation_id, a.call_id, " + _day("m.due_on") + ", "
            "m.done_on IS NULL AND ms.code NOT IN ('atteint', 'annule') FROM milestone m "
            "JOIN status ms ON ms.id = m.status_id JOIN project p ON p.id = m.project_id "
            "JOIN application a ON a.id = p.application_id WHERE m.due_on IS NOT NULL"), ("org", "call", "day", "open"))
        # bincount sums in float64: exact for whole numbers while every total stays below 2**53
        money = [self.aid["grant"], self.aid["advance"], self.payments["amount"], self.applications["laureate"]]
        # one bound for all of them together: any total the KPIs make (grant + advance, a month) stays below it
        self.exact = sum(int(column.sum()) for column in money) < _EXACT_FLOAT_SUM
        if self.exact:  # converted once here, not at every sum
            for table, name in ((self.aid, "grant"), (self.aid, "advance"), (self.payments, "amount"),
                                (self.applications, "laureate")):
                table.columns[name + "_weights"] = table.columns[name].astype(np.float64)
        # the lookups: organisation id -> region, department, typology; call id -> axis, operator, wave
        self.org_region, self.org_department, self.org_typology = self._lookup(q(
            "SELECT id, coalesce(region_id, 0), coalesce(department_id, 0), coalesce(typology_id, 0) "
            "FROM organisation").fetchall(), 3)
        calls = q("SELECT c.id, c.code, c.label, ac.axis_id, c.operator_id, c.wave, c.action_id FROM call c "
                  "JOIN action ac ON ac.id = c.action_id").fetchall()
        waves = sorted({str(row[5]) for row in calls}, key=_natural)
        self.call_axis, self.call_operator, self.call_wave, self.call_action = self._lookup(
            [(i, axis, operator, waves.index(str(wave)) + 1, action)
             for i, _c, _l, axis, operator, wave, action in calls], 4)
        years = [int(t["decided" if "decided" in t.columns else "day"].max()) // 10000
                 for t in (self.aid, self.payments, self.decided) if len(t)]
        self.sizes = {  # each breakdown's keys are below these
            "call": len(self.call_axis), "wave": len(waves) + 1, "axis": int(self.call_axis.max(initial=0)) + 1,
            "action": int(self.call_action.max(initial=0)) + 1,
            "operator": int(self.call_operator.max(initial=0)) + 1,
            "region": int(self.org_region.max(initial=0)) + 1,
            "department": int(self.org_department.max(initial=0)) + 1,
            "typology": int(self.org_typology.max(initial=0)) + 1, "year": max(years, default=0) + 1}
        self.ids: dict[str, dict[str, int]] = {  # a filter's code -> the id the arrays hold
            "call": {code: i for i, code, *_ in calls},
            "axis": dict((code, i) for i, code in q("SELECT id, code FROM axis")),
            "region": dict((code, i) for i, code in q("SELECT id, code FROM region")),
            "typology": dict((code, i) for i, code in q("SELECT id, code FROM typology")),
        }
        self.dimensions = {
            "call": _Dimension({i: c for i, c, *_ in calls}, {i: label for i, _c, label, *_ in calls},
                               {i: c for i, c, *_ in calls}),
            "wave": _Dimension({n: w for n, w in enumerate(waves, 1)}, {n: w for n, w in enumerate(waves, 1)},
                               {n: n for n in range(1, len(waves) + 1)}),
            "axis": self._dimension(q("SELECT id, code, label, sort_order FROM axis")),
            "action": self._dimension(q("SELECT ac.id, ac.code, ac.label, x.sort_order * 10000 + ac.sort_order "
                                        "FROM action ac JOIN axis x ON x.id = ac.axis_id")),
            "operator": self._dimension(q("SELECT id, code, label, sort_order FROM operator")),
            "region": self._dimension(q("SELECT id, code, name, 0 FROM region"), by_label=True),
            "department": self._dimension(q("SELECT id, code, name, code FROM department")),
            "typology": self._dimension(q("SELECT id, code, label, sort_order FROM typology")),
        }

    def _table(self, cursor: Any, names: tuple[str, ...]) -> _Table:
        rows = cursor.fetchall()
        np = self.np
        if not rows:
            return _Table({name: np.zeros(0, dtype=np.int64) for name in names})
        matrix = np.array(rows, dtype=np.int64)
        return _Table({name: matrix[:, index] for index, name in enumerate(names)})

    def _lookup(self, rows: list[tuple[int, ...]], width: int) -> list[Any]:
        """id -> value arrays (index = id; 0 where there is no such record or no value)."""
        np = self.np
        size = max((r[0] for r in rows), default=0) + 1
        arrays = [np.zeros(size, dtype=np.int64) for _ in range(width)]
        if rows:
            matrix = np.array(rows, dtype=np.int64)
            for index, array in enumerate(arrays):
                array[matrix[:, 0]] = matrix[:, index + 1]
        return arrays

    @staticmethod
    def _dimension(cursor: Any, by_label: bool = False) -> _Dimension:
        codes, labels, order = {}, {}, {}
        for i, code, label, rank in cursor:
            codes[i], labels[i] = str(code), str(label)
            order[i] = fold(str(label)) if by_label else rank  # regions by name as people read them
        return _Dimension(codes, labels, order)

    # --- filtering and summing ---

    def _mask(self, table: _Table, filters: Filters, day: str = "day") -> Any:
        np = self.np
        mask = np.ones(len(table), dtype=bool)
        for key, lookup in (("call", None), ("axis", self.call_axis)):
            code = getattr(filters, key)
            if code is not None:
                wanted = self.ids[key].get(code, -1)
                mask &= (table["call"] if lookup is None else lookup[table["call"]]) == wanted
        for key, lookup in (("region", self.org_region), ("typology", self.org_typology)):
            code = getattr(filters, key)
            if code is not None:
                mask &= lookup[table["org"]] == self.ids[key].get(code, -1)
        if filters.start is not None or filters.end is not None:
            days = table[day]
            mask &= days > 0  # a record without the date is outside any period
            if filters.start is not None:
                mask &= days >= _yyyymmdd(filters.start)
            if filters.end is not None:
                mask &= days <= _yyyymmdd(filters.end)
        return mask

    @staticmethod
    def _masked(table: _Table, mask: Any) -> _Table:
        """The rows of ``table`` the mask keeps, every column copied once (the breakdowns all read them); the
        table itself when the mask keeps every row (no filter)."""
        if mask.all():
            return table
        return _Table({name: column[mask] for name, column in table.columns.items()})

    def _keys(self, table: _Table, name: str) -> Any:
        """Each row's group in a breakdown (0: none)."""
        if name == "call":
            return table["call"]
        if name in ("axis", "action", "operator", "wave"):
            return {"axis": self.call_axis, "action": self.call_action, "operator": self.call_operator,
                    "wave": self.call_wave}[name][table["call"]]
        if name == "year":
            return table["decided" if "decided" in table.columns else "day"] // 10000
        return {"region": self.org_region, "department": self.org_department, "typology": self.org_typology}[name][
            table["org"]]

    def _sums(self, keys: Any, values: Any, size: int) -> Any:
        """Exact integer sums of ``values`` (whole, not negative) per key (0 to size - 1): numpy's bincount sums in
        float64, exact while every total stays below 2**53 cents (90,000 billion euros), checked once when the
        facts were read (``self.exact``); else summed in int64."""
        np = self.np
        if self.exact:
            return np.rint(np.bincount(keys, weights=values, minlength=size)).astype(np.int64)
        out = np.zeros(size, dtype=np.int64)
        np.add.at(out, keys, values.astype(np.int64))
        return out

    def _weights(self, table: _Table, name: str) -> Any:
        """A column as ``_sums`` takes it: float64 when the sums are exact in floats, else the integers."""
        return table.columns.get(name + "_weights", table[name]) if self.exact else table[name]

    def _organisations(self, orgs: Any) -> Any:
        """The distinct organisation ids among ``orgs`` (marked in a table as long as the ids: linear, where
        numpy's unique sorts or hashes)."""
        np = self.np
        seen = np.zeros(len(self.org_region), dtype=bool)
        seen[orgs] = True
        return np.flatnonzero(seen)

    def _distinct(self, name: str, keys: Any, orgs: Any, size: int) -> Any:
        """How many distinct organisations per key."""
        np = self.np
        if not len(keys):
            return np.zeros(size, dtype=np.int64)
        if name in _BY_ORGANISATION:  # a property of the organisation: each one counted once, in its own group
            lookup = {"region": self.org_region, "department": self.org_department, "typology": self.org_typology}
            return np.bincount(lookup[name][self._organisations(orgs)], minlength=size)
        present = np.flatnonzero(np.bincount(keys, minlength=size))  # the keys met, numbered 0, 1…
        number = np.zeros(size, dtype=np.int64)
        number[present] = np.arange(len(present))
        width = len(self.org_region)
        out = np.zeros(size, dtype=np.int64)
        if len(present) * width <= _MARKS:
            seen = np.zeros(len(present) * width, dtype=bool)
            seen[number[keys] * width + orgs] = True
            out[present] = seen.reshape(len(present), width).sum(axis=1)
        else:  # too many keys times organisations to mark: pairs sorted instead
            pairs = np.unique(number[keys] * width + orgs)
            out[present] = np.bincount(pairs // width, minlength=len(present))
        return out

    def check(self, filters: Filters) -> None:
        """Refuses filters that can only give zeros by mistake: a code this portfolio does not have, a period
        ending before it starts (the command line's; the window offers only what exists)."""
        for key in ("call", "axis", "region", "typology"):
            code, name = getattr(filters, key), tr(FILTER_NAMES[key])
            if code is not None and code not in self.ids[key]:
                known = ", ".join(sorted(self.ids[key])[:40])
                raise PortfolioError(tr("« {code} » n'est pas un code de {name} de ce portefeuille (codes : {known}).",
                                        code=code, name=name, known=known))
        if filters.start and filters.end and filters.start > filters.end:
            raise PortfolioError(tr("La période finit ({end}) avant de commencer ({start}) : inversez les dates.",
                                    start=format_date(filters.start), end=format_date(filters.end)))

    def compute(self, filters: Filters | None = None, *, today: date | None = None,
                breakdowns: Iterable[str] = BREAKDOWNS) -> Kpis:
        """Every KPI under ``filters`` (none: the whole portfolio); ``today`` decides which milestones are overdue."""
        filters = filters or Filters()
        kpis = Kpis(filters, today or date.today())
        a = self._masked(self.applications, self._mask(self.applications, filters))
        d = self._masked(self.aid, self._mask(self.aid, filters))
        s = self._masked(self.payments, self._mask(self.payments, filters))
        kpis.applications = len(a)
        kpis.applicants = len(self._organisations(a["org"]))
        kpis.laureates = int(a["laureate"].sum())
        kpis.beneficiaries = len(self._organisations(d["org"]))
        kpis.committed_grant_cents = int(d["grant"].sum())
        kpis.committed_advance_cents = int(d["advance"].sum())
        kpis.disbursed_cents = int(s["amount"].sum())
        p = self.projects
        kpis.decision_to_agreement_days = p["days"][self._mask(p, filters)].tolist()
        m = self.milestones
        overdue = self._mask(m, filters) & (m["open"] == 1) & (m["day"] < _yyyymmdd(kpis.today))
        kpis.overdue_milestones = int(overdue.sum())
        by_call: dict[str, Any] = {}
        wanted = list(breakdowns)
        for name in sorted(wanted, key=lambda n: n != "call"):  # the calls first: the others add theirs up
            kpis.breakdowns[name] = self._breakdown(name, filters, a, d, s, by_call)
        kpis.breakdowns = {name: kpis.breakdowns[name] for name in wanted}
        return kpis

    def _breakdown(self, name: str, filters: Filters, a: _Table, d: _Table, s: _Table,
                   by_call: dict[str, Any]) -> list[Group]:
        """One breakdown of the rows already filtered (``a`` applications, ``d`` aid, ``s`` payments).

        Sums and counts add up: a breakdown by a property of the call (wave, axis, action, operator) adds up the
        call's figures (``by_call``, computed once per set of filters) instead of going over every row again;
        only the distinct organisations are counted on the rows."""
        np = self.np
        size = self.sizes[name]  # every key is below it: known when the facts were read, not scanned again
        if name in _OF_THE_CALL and by_call:
            lookup = {"wave": self.call_wave, "axis": self.call_axis, "action": self.call_action,
                      "operator": self.call_operator}[name]
            rolled = {k: self._sums(lookup, v, size) for k, v in by_call.items()}
            present, grant, advance, paid = rolled["present"], rolled["grant"], rolled["advance"], rolled["paid"]
            applications, laureates = rolled["applications"], rolled["laureates"]
            applicants = self._distinct(name, lookup[a["call"]], a["org"], size)
            beneficiaries = self._distinct(name, lookup[d["call"]], d["org"], size)
        else:
            keys = {"d": self._keys(d, name), "s": self._keys(s, name)}
            if name == "year":  # applications are dated by their submission, not by a decision: laureates instead
                keys["p"] = self._keys(self._masked(self.decided, self._mask(self.decided, filters)), name)
            else:
                keys["a"] = self._keys(a, name)
            present = sum(np.bincount(k, minlength=size) for k in keys.values())
            grant = self._sums(keys["d"], self._weights(d, "grant"), size)
            advance = self._sums(keys["d"], self._weights(d, "advance"), size)
            paid = self._sums(keys["s"], self._weights(s, "amount"), size)
            beneficiaries = self._distinct(name, keys["d"], d["org"], size)
            if name == "year":
                applications = applicants = np.zeros(size, dtype=np.int64)
                laureates = np.bincount(keys["p"], minlength=size)
            else:
                applications = np.bincount(keys["a"], minlength=size)
                applicants = self._distinct(name, keys["a"], a["org"], size)
                laureates = self._sums(keys["a"], self._weights(a, "laureate"), size)
            if name == "call":  # the calls' own figures: the other breakdowns by the call add them up
                by_call.update(present=present, grant=grant, advance=advance, paid=paid, applications=applications,
                               laureates=laureates)
        dimension = self.dimensions.get(name)
        groups = []
        for key in np.nonzero(present)[0]:
            key = int(key)
            if name == "year":
                code: str | None = str(key) if key else None
                label, rank = code or "", key
            elif key == _NONE or dimension is None or key not in dimension.codes:
                code, label, rank = None, "", None
            else:
                code, label, rank = dimension.codes[key], dimension.labels[key], dimension.order[key]
            group = Group(code, label if code is not None else tr("Non renseigné"), int(applicants[key]),
                          int(applications[key]), int(laureates[key]), int(beneficiaries[key]),
                          int(grant[key] + advance[key]), int(grant[key]), int(advance[key]), int(paid[key]))
            groups.append((code is None, rank, group))
        groups.sort(key=lambda entry: (entry[0], entry[1] if entry[1] is not None else 0))
        return [group for *_, group in groups]

    def timeline(self, filters: Filters | None = None) -> list[Month]:
        """Money committed and disbursed month by month under ``filters``, the months in order (committed by the
        projects' decisions, disbursed by the payments' dates)."""
        filters = filters or Filters()
        d, s = self.aid, self.payments
        dm, sm = self._mask(d, filters) & (d["day"] > 0), self._mask(s, filters)
        committed: dict[int, int] = {}
        for month, value in zip(*self._monthly(d["day"][dm] // 100, d["grant"][dm] + d["advance"][dm]), strict=True):
            committed[month] = value
        paid = dict(zip(*self._monthly(s["day"][sm] // 100, s["amount"][sm]), strict=True))
        return [Month(f"{month // 100:04d}-{month % 100:02d}", committed.get(month, 0), paid.get(month, 0))
                for month in sorted(set(committed) | set(paid))]

    def _monthly(self, months: Any, values: Any) -> tuple[list[int], list[int]]:
        """(months met, their sums): months as YYYYMM numbers, counted from the first one (a few hundred at most)."""
        np = self.np
        if not len(months):
            return [], []
        first = int(months.min())
        offsets = months - first
        size = int(offsets.max()) + 1
        sums = self._sums(offsets, values, size)
        met = np.flatnonzero(np.bincount(offsets, minlength=size))
        return [first + int(m) for m in met], [int(sums[m]) for m in met]


def _natural(text: str) -> tuple[int, int, str]:
    """Order of waves and codes as people read them: "2" before "10", numbers before words."""
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _yyyymmdd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def compute(source: Session | Any, filters: Filters | None = None, *, today: date | None = None,
            breakdowns: Iterable[str] = BREAKDOWNS) -> Kpis:
    """The KPIs of the portfolio under ``filters`` (the facts read for this one computation), the filters checked
    first (``Facts.check``). ``source``: a session or a DB-API connection."""
    facts = Facts(source)
    if filters is not None:
        facts.check(filters)
    return facts.compute(filters, today=today, breakdowns=breakdowns)
