"""The KPIs against an independent computation: the demo portfolio's raw rows, read with plain sqlite3 and
counted in Python by the definitions of services.kpi's docstring, under several filters."""

from __future__ import annotations

import json
import sqlite3
import statistics
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from portfolio import cli
from portfolio.services.kpi import Filters, compute
from portfolio.services.portfolio import open_portfolio

TODAY = date(2026, 11, 28)


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from portfolio.services.demo import write_demo

    path = tmp_path_factory.mktemp("kpi") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db, seed=2030, scale=1)
    return path


class Raw:
    """Every row of the tables the KPIs read, by id."""

    def __init__(self, path: Path) -> None:
        connection = sqlite3.connect(path)
        connection.row_factory = sqlite3.Row
        self.t: dict[str, dict[int, dict[str, Any]]] = {
            table: {row["id"]: dict(row) for row in connection.execute(f"SELECT * FROM {table}")}
            for table in ("application", "project", "aid", "disbursement", "milestone", "call", "action", "axis",
                          "organisation", "region", "typology", "status")}
        connection.close()
        self.project_of_app = {p["application_id"]: p for p in self.t["project"].values()}

    def call_ok(self, call_id: int, f: Filters) -> bool:
        call = self.t["call"][call_id]
        axis = self.t["axis"][self.t["action"][call["action_id"]]["axis_id"]]
        return (f.call is None or call["code"] == f.call) and (f.axis is None or axis["code"] == f.axis)

    def region(self, org_id: int) -> str | None:
        region_id = self.t["organisation"][org_id]["region_id"]
        return self.t["region"][region_id]["code"] if region_id else None

    def typology(self, org_id: int) -> str | None:
        typology_id = self.t["organisation"][org_id]["typology_id"]
        return self.t["typology"][typology_id]["code"] if typology_id else None

    def org_ok(self, org_id: int, f: Filters) -> bool:
        return ((f.region is None or self.region(org_id) == f.region)
                and (f.typology is None or self.typology(org_id) == f.typology))

    @staticmethod
    def in_period(day: str | None, f: Filters) -> bool:
        if f.start is None and f.end is None:
            return True
        return day is not None and (f.start is None or day >= f.start.isoformat()) and (
            f.end is None or day <= f.end.isoformat())

    def applications(self, f: Filters) -> list[dict[str, Any]]:
        return [a for a in self.t["application"].values() if self.call_ok(a["call_id"], f)
                and self.org_ok(a["lead_organisation_id"], f) and self.in_period(a["submitted_on"], f)]

    def aid(self, f: Filters) -> list[dict[str, Any]]:
        found = []
        for d in self.t["aid"].values():
            project = self.t["project"][d["project_id"]]
            app = self.t["application"][project["application_id"]]
            if self.call_ok(app["call_id"], f) and self.org_ok(d["organisation_id"], f) and self.in_period(
                    project["decision_on"], f):
                found.append(d)
        return found

    def payments(self, f: Filters) -> list[tuple[dict[str, Any], int]]:
        found = []
        for s in self.t["disbursement"].values():
            app = self.t["application"][self.t["project"][s["project_id"]]["application_id"]]
            org = s["organisation_id"] or app["lead_organisation_id"]
            if s["paid_on"] and self.call_ok(app["call_id"], f) and self.org_ok(org, f) and self.in_period(
                    s["paid_on"], f):
                found.append((s, org))
        return found

    def lead_ok(self, project: dict[str, Any], f: Filters) -> bool:
        app = self.t["application"][project["application_id"]]
        return self.call_ok(app["call_id"], f) and self.org_ok(app["lead_organisation_id"], f)


FILTERS = [
    Filters(),
    Filters(region="53"),
    Filters(call="IA-SANTE"),
    Filters(axis="A2"),
    Filters(typology="PME"),
    Filters(start=date(2023, 1, 1), end=date(2024, 6, 30)),
    Filters(region="11", typology="ESR", start=date(2022, 1, 1)),
]


@pytest.mark.parametrize("f", FILTERS, ids=lambda f: ",".join(f"{k}={v}" for k, v in f.params().items() if v)
                         or "tout")
def test_every_kpi_equals_an_independent_count_of_the_raw_rows(demo_path: Path, f: Filters) -> None:
    raw = Raw(demo_path)
    with open_portfolio(demo_path) as db, db.read() as session:
        kpis = compute(session, f, today=TODAY)
    apps = raw.applications(f)
    assert kpis.applications == len(apps)
    assert kpis.applicants == len({a["lead_organisation_id"] for a in apps})
    assert kpis.laureates == sum(1 for a in apps if a["id"] in raw.project_of_app)
    aid = raw.aid(f)
    assert kpis.committed_grant_cents == sum(d["grant_cents"] for d in aid)
    assert kpis.committed_advance_cents == sum(d["advance_cents"] for d in aid)
    assert kpis.beneficiaries == len({d["organisation_id"] for d in aid})
    payments = raw.payments(f)
    assert kpis.disbursed_cents == sum(s["amount_cents"] for s, _ in payments)
    days = sorted((date.fromisoformat(p["agreement_on"]) - date.fromisoformat(p["decision_on"])).days
                  for p in raw.t["project"].values()
                  if p["decision_on"] and p["agreement_on"] and raw.lead_ok(p, f)
                  and raw.in_period(p["decision_on"], f))
    assert sorted(kpis.decision_to_agreement_days) == days
    assert kpis.median_decision_to_agreement == (statistics.median(days) if days else None)
    done_codes = {s["id"] for s in raw.t["status"].values() if s["code"] in ("atteint", "annule")}
    overdue = [m for m in raw.t["milestone"].values()
               if m["due_on"] and m["due_on"] < TODAY.isoformat() and not m["done_on"]
               and m["status_id"] not in done_codes and raw.lead_ok(raw.t["project"][m["project_id"]], f)
               and raw.in_period(m["due_on"], f)]
    assert kpis.overdue_milestones == len(overdue)
    # the regional breakdown: applications by the lead's region, aid by the beneficiary's, payments by the payee's
    expected: dict[str | None, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for a in apps:
        expected[raw.region(a["lead_organisation_id"])][0] += 1
        expected[raw.region(a["lead_organisation_id"])][1] += a["id"] in raw.project_of_app
    for d in aid:
        expected[raw.region(d["organisation_id"])][2] += d["grant_cents"] + d["advance_cents"]
    for s, org in payments:
        expected[raw.region(org)][3] += s["amount_cents"]
    assert {g.code: [g.applications, g.laureates, g.committed_cents, g.disbursed_cents]
            for g in kpis.breakdowns["region"]} == dict(expected)
    # beneficiary typologies: share of beneficiaries next to share of money
    by_typology: dict[str | None, tuple[set[int], int]] = defaultdict(lambda: (set(), 0))
    for d in aid:
        orgs, money = by_typology[raw.typology(d["organisation_id"])]
        by_typology[raw.typology(d["organisation_id"])] = (orgs | {d["organisation_id"]},
                                                           money + d["grant_cents"] + d["advance_cents"])
    got = {g.code: (g.beneficiaries, g.committed_cents) for g in kpis.breakdowns["typology"] if g.committed_cents}
    assert got == {code: (len(orgs), money) for code, (orgs, money) in by_typology.items()}
    # axis -> action -> call: each action's applications and committed aid
    action_code = {c["id"]: raw.t["action"][c["action_id"]]["code"] for c in raw.t["call"].values()}
    by_action: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for a in apps:
        by_action[action_code[a["call_id"]]][0] += 1
    for d in aid:
        app = raw.t["application"][raw.t["project"][d["project_id"]]["application_id"]]
        by_action[action_code[app["call_id"]]][1] += d["grant_cents"] + d["advance_cents"]
    assert {g.code: [g.applications, g.committed_cents] for g in kpis.breakdowns["action"]
            if g.applications or g.committed_cents} == dict(by_action)  # other groups: payments only
    # each call's success rate
    for group in kpis.breakdowns["call"]:
        mine = [a for a in apps if raw.t["call"][a["call_id"]]["code"] == group.code]
        assert group.applications == len(mine)
        assert group.laureates == sum(1 for a in mine if a["id"] in raw.project_of_app)


def test_sums_beyond_float_exactness_stay_exact(demo_path: Path, tmp_path: Path) -> None:
    # below 2**53 cents the sums run in float64 (bincount), beyond in int64: an aid of 2**53 cents plus one
    # (an absurd 90,000 billion euros) must still be counted to the cent, in totals, breakdowns and months
    import shutil

    from portfolio.services.kpi import Facts

    huge = tmp_path / "huge.sqlite"
    shutil.copyfile(demo_path, huge)
    with sqlite3.connect(huge) as connection:
        connection.execute("UPDATE aid SET grant_cents = ? WHERE id = (SELECT min(id) FROM aid)", (2**53 + 1,))
        total = connection.execute("SELECT sum(grant_cents) + sum(advance_cents) FROM aid").fetchone()[0]
        by_axis = dict(connection.execute(
            "SELECT x.code, sum(d.grant_cents + d.advance_cents) FROM aid d JOIN project p ON p.id = d.project_id "
            "JOIN application a ON a.id = p.application_id JOIN call c ON c.id = a.call_id JOIN action ac ON "
            "ac.id = c.action_id JOIN axis x ON x.id = ac.axis_id GROUP BY x.code"))
        by_month = dict(connection.execute(
            "SELECT substr(p.decision_on, 1, 7), sum(d.grant_cents + d.advance_cents) FROM aid d JOIN project p "
            "ON p.id = d.project_id WHERE p.decision_on IS NOT NULL GROUP BY 1"))
    facts = Facts(sqlite3.connect(huge))
    assert not facts.exact
    for breakdowns in (("axis",), ("call", "axis")):  # the axis's figures summed over rows, or added up by call
        kpis = facts.compute(today=TODAY, breakdowns=breakdowns)
        assert kpis.committed_cents == total
        assert {g.code: g.committed_cents for g in kpis.breakdowns["axis"] if g.committed_cents} == by_axis
    assert {m.month: m.committed_cents for m in facts.timeline() if m.committed_cents} == by_month


def test_the_demo_has_something_under_each_filter(demo_path: Path) -> None:
    # the filters above would test little on empty sets
    with open_portfolio(demo_path) as db, db.read() as session:
        for f in FILTERS:
            kpis = compute(session, f, today=TODAY)
            assert kpis.applications > 0 and kpis.committed_cents > 0, f
            assert 0 < kpis.success_rate < 1 and 0 < kpis.disbursed_share < 1, f


def test_kpi_command_json_has_the_keys_and_money_as_decimal_strings(capsys: pytest.CaptureFixture[str],
                                                                    demo_path: Path) -> None:
    code = cli.main(["kpi", "--db", str(demo_path), "--json", "--region", "53", "--from", "01/01/2023"])
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("applicants", "applications", "laureates", "success_rate", "committed", "committed_grant",
                "committed_advance", "disbursed", "disbursed_share", "by_region", "by_axis", "by_call", "by_typology",
                "overdue_milestones"):
        assert key in result, key
    assert result["filters"]["region"] == "53" and result["filters"]["start"] == "2023-01-01"
    assert isinstance(result["committed"], str) and "." in result["committed"]
    with open_portfolio(demo_path) as db, db.read() as session:
        kpis = compute(session, Filters(region="53", start=date(2023, 1, 1)))
    assert result["committed"] == f"{kpis.committed_cents // 100}.{kpis.committed_cents % 100:02d}"
    assert [g["code"] for g in result["by_region"]] == ["53"]
    code = cli.main(["kpi", "--db", str(demo_path)])
    out = capsys.readouterr().out
    assert code == 0 and "Taux de succès" in out and "Par région" in out and "\u00a0€" in out
    code = cli.main(["kpi", "--db", str(demo_path), "--from", "demain"])
    assert code == 1 and "demain" in capsys.readouterr().err


def test_applications_submitted_outside_the_decision_years_do_not_break_the_year_breakdown(
        demo_path: Path, tmp_path: Path) -> None:
    # the year breakdown counts decisions: an application submitted in a year without any decision yet (January)
    # or long before neither breaks it nor adds an empty year
    import shutil

    from portfolio.services.kpi import Facts

    copy = tmp_path / "annees.sqlite"
    shutil.copyfile(demo_path, copy)
    with sqlite3.connect(copy) as connection:
        pending = [r[0] for r in connection.execute(
            "SELECT id FROM application WHERE id NOT IN (SELECT application_id FROM project) ORDER BY id LIMIT 2")]
        connection.execute("UPDATE application SET submitted_on = '2027-03-01' WHERE id = ?", (pending[0],))
        connection.execute("UPDATE application SET submitted_on = '2019-01-15' WHERE id = ?", (pending[1],))
        decided = {r[0] for r in connection.execute("SELECT DISTINCT substr(decision_on, 1, 4) FROM project")}
    kpis = Facts(sqlite3.connect(copy)).compute(today=TODAY)
    years = {g.code for g in kpis.breakdowns["year"]}
    assert "2027" not in years and "2019" not in years and years <= decided | {str(TODAY.year)}
    assert kpis.applications == 880


def test_the_command_refuses_an_unknown_code_or_a_period_upside_down(capsys: pytest.CaptureFixture[str],
                                                                      demo_path: Path) -> None:
    assert cli.main(["kpi", "--db", str(demo_path), "--region", "99"]) == 1
    err = capsys.readouterr().err
    assert "« 99 » n'est pas un code de région" in err and "53" in err and err.count("\n") == 1
    assert cli.main(["kpi", "--db", str(demo_path), "--from", "31/12/2024", "--to", "01/01/2024"]) == 1
    assert "inversez les dates" in capsys.readouterr().err

