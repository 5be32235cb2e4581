"""The round-trip law on random portfolios (issue #17): projects with several beneficiaries, grants and repayable
advances, tranches paid and unpaid, partners outside France, associations known by their RNA number. Each export
(the agencies' working workbook and the three standards), taken back into the same portfolio, changes nothing; into
an empty portfolio, it gives the same figures for every field the format carries (tests/unit/test_standards.py says
which; the working workbook carries every record whole)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.test_standards import carried, export, sql
from tests.unit.test_working_import import records

from portfolio.domain.identifiers import with_luhn_digit
from portfolio.exchange.imports import run_import
from portfolio.exchange.sync import plan_sync
from portfolio.exchange.working_workbook import DEFAULT_ENTITIES, Selection, export_working_workbook
from portfolio.services.changes import Create, apply_changes, new_uuid
from portfolio.services.portfolio import open_portfolio

pytestmark = pytest.mark.slow
CALLS = ("IA-SANTE", "PEPR-SN", "TLE-V2", "GD-SM-E1", "USAGE-DMN-V1")  # ANR, CDC, BPI and SGPI's calls


@st.composite
def organisations(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(["company", "company", "association", "association-rna", "foreign"]))
    number = 10_000_000 + index * 7919
    siren = with_luhn_digit(f"{3 + index % 6}{number % 10**7:07d}")
    values: dict[str, Any] = {"name": f"Structure {index} {kind}", "city": draw(st.sampled_from(["Rennes", "Lyon",
                                                                                                  "Lille", ""]))}
    if kind in ("company", "association"):
        values.update(siren=siren, siret=with_luhn_digit(f"{siren}{index % 9000 + 1:04d}"))
    if kind.startswith("association"):
        values["rna"] = f"W{35 + index % 50:02d}{index:07d}"
    if kind == "foreign":
        values["foreign_id"] = f"GB-COH-{index:08d}"
    return values


@st.composite
def portfolios(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Projects, each with its call, dates, beneficiaries (their aid and tranches)."""
    orgs = [draw(organisations(i)) for i in range(draw(st.integers(2, 6)))]
    projects = []
    for number in range(draw(st.integers(1, 4))):
        decided = date(2022, 1, 1) + timedelta(days=draw(st.integers(0, 900)))
        beneficiaries = draw(st.lists(st.integers(0, len(orgs) - 1), min_size=1, max_size=4, unique=True))
        aids = []
        for org in beneficiaries:
            grant = draw(st.integers(0, 5_000_000)) * draw(st.sampled_from([1, 1, 100]))
            advance = draw(st.sampled_from([0, 0, draw(st.integers(1, 2_000_000))]))
            if grant + advance == 0:
                grant = 12_345
            tranches = [(part, draw(st.integers(1, 500_000)), draw(st.booleans()))
                        for part in ("subvention", "avance") if (grant if part == "subvention" else advance)
                        for _ in range(draw(st.integers(0, 2)))]
            aids.append({"org": org, "grant": grant, "advance": advance, "tranches": tranches,
                         "emerging": draw(st.sampled_from([None, True, False]))})
        projects.append({"number": number, "call": draw(st.sampled_from(CALLS)), "decided": decided,
                         "agreed": draw(st.sampled_from([None, decided + timedelta(days=40)])),
                         "aids": aids})
    return [{"orgs": orgs, "projects": projects}]


def write(path: Path, portfolio: dict[str, Any]) -> None:
    with open_portfolio(path) as db, db.read() as session:
        calls = dict(session.connection().exec_driver_sql("SELECT code, id FROM call").all())
        statuses = dict(session.connection().exec_driver_sql(
            "SELECT entity || ':' || code, id FROM status").all())
    changes: list[Any] = []
    for index, values in enumerate(portfolio["orgs"], start=1):
        changes.append(Create("organisation", new_uuid(), values, index))
    ids = {"application": 0, "project": 0, "aid": 0, "disbursement": 0, "application_partner": 0}

    def next_id(entity: str) -> int:
        ids[entity] += 1
        return ids[entity]

    for project in portfolio["projects"]:
        app, prj = next_id("application"), next_id("project")
        lead = project["aids"][0]["org"] + 1
        changes.append(Create("application", new_uuid(), {
            "call_id": calls[project["call"]], "lead_organisation_id": lead, "title": f"Projet {app}",
            "acronym": f"ACR{app}", "reference": f"REF-{app}", "status_id": statuses["application:laureate"]}, app))
        changes.append(Create("project", new_uuid(), {
            "application_id": app, "decision_on": project["decided"], "agreement_on": project["agreed"],
            "status_id": statuses["project:laureat"]}, prj))
        for position, aid in enumerate(project["aids"]):
            org = aid["org"] + 1
            changes.append(Create("application_partner", new_uuid(), {
                "application_id": app, "organisation_id": org,
                "role": "chef_de_file" if position == 0 else "partenaire"}, next_id("application_partner")))
            changes.append(Create("aid", new_uuid(), {
                "project_id": prj, "organisation_id": org, "grant_cents": aid["grant"],
                "advance_cents": aid["advance"], "emerging_actor": aid["emerging"]}, next_id("aid")))
            for number, (part, cents, paid) in enumerate(aid["tranches"]):
                day = project["decided"] + timedelta(days=60 + 30 * number)
                changes.append(Create("disbursement", new_uuid(), {
                    "project_id": prj, "organisation_id": org, "label": f"Tranche {number + 1}",
                    "planned_on": day, "paid_on": day if paid else None, "amount_cents": cents,
                    "aid_part": part if aid["grant"] and aid["advance"] else None}, next_id("disbursement")))
    with open_portfolio(path) as db:
        apply_changes(db, changes, source="test")


def take(path: Path, kind: str, file: Path, folder: Path, dry_run: bool) -> Any:
    mapping = folder / "m.json"
    mapping.write_text('{"defaults": {"call": "IA-SANTE"}}', encoding="utf-8")
    with open_portfolio(path) as db:
        plan, _ = run_import(db, file, map_file=mapping if kind == "scdl" else None, dry_run=dry_run,
                             untrusted=False)
    return plan


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(portfolios())
def test_random_portfolios_come_back_the_same_through_every_format(seeded_template: Path,
                                                                    generated: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "p.sqlite"
        shutil.copyfile(seeded_template, path)
        write(path, generated[0])
        for kind in ("scdl", "360giving", "france2030"):
            out = folder / (f"{kind}.csv" if kind == "scdl" else f"{kind}.xlsx")
            result = export(kind, path, out)
            same = take(path, kind, out, folder, dry_run=True)
            assert (same.created_counts(), same.updated_counts(), same.rejected) == ({}, {}, []), kind
            empty = folder / f"{kind}-vide.sqlite"
            shutil.copyfile(seeded_template, empty)
            plan = take(empty, kind, out, folder, dry_run=False)
            assert plan.rejected == [], (kind, plan.rejected[:3])
            withheld = {item.uuid for item in result.withheld}
            assert carried(kind, empty) == carried(kind, path, withheld), kind
        workbook = folder / "agence.xlsx"  # the agencies' working workbook: its sync, and its import elsewhere
        with open_portfolio(path) as db:
            export_working_workbook(db, Selection(DEFAULT_ENTITIES, personal=True), workbook)
            synced = plan_sync(db, workbook)
        assert (synced.taken, synced.conflicts, synced.missing, synced.new_rows, synced.created) == ([], [], [], [], [])
        empty = folder / "agence-vide.sqlite"
        shutil.copyfile(seeded_template, empty)
        with open_portfolio(empty) as db:
            plan, _ = run_import(db, workbook, untrusted=False)
        assert plan.rejected == [] and records(empty) == records(path)
        assert sql(path, "SELECT count(*) FROM aid")[0][0] >= 1
