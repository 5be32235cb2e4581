"""Every figure that leaves or comes back is exact (issue #17): the standard exports validate with the standards'
own validators (0 errors on the demo), each figure is exact to the cent, and the round-trip law holds for each
format: an export taken back into the same portfolio changes nothing, into an empty one gives the same figures for
every field the format carries (README, "What each format carries")."""

from __future__ import annotations

import csv
import json
import re
import shutil
import sqlite3
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from tests.standards import (
    SCDL_SCHEMA,
    giving360_errors,
    quality_notices,
    scdl_errors,
    unflatten_360giving,
)

from portfolio import cli
from portfolio.domain.identifiers import parse_org_id
from portfolio.domain.money import share_of
from portfolio.exchange import giving360, scdl
from portfolio.exchange.france2030 import HEADERS, write_france2030
from portfolio.exchange.giving360 import write_360giving
from portfolio.exchange.imports import run_import
from portfolio.exchange.scdl import write_scdl
from portfolio.services.changes import FieldChange, apply_changes
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio
from portfolio.services.stats import key_figures

TODAY = date(2026, 12, 6)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("standards") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Path:
    """A copy of the demo portfolio for one test."""
    path = tmp_path / "demo.sqlite"
    shutil.copyfile(demo_file, path)
    return path


@pytest.fixture
def empty(tmp_path: Path, seeded_template: Path) -> Path:
    path = tmp_path / "vide.sqlite"
    shutil.copyfile(seeded_template, path)
    return path


def sql(path: Path, query: str, *params: object) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, params).fetchall()


def edit(path: Path, *changes: FieldChange) -> None:
    """Changes made as an officer makes them: through the door, with their audit entries."""
    with open_portfolio(path) as db:
        apply_changes(db, list(changes), source="test")


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- SCDL subventions 2.1.1 ------------------------------------------------------------------------------


def test_the_scdl_columns_are_the_schemas_in_its_order() -> None:
    schema = json.loads(SCDL_SCHEMA.read_text(encoding="utf-8"))
    assert tuple(field["name"] for field in schema["fields"]) == scdl.COLUMNS


def test_the_demo_scdl_validates_with_validata(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "subventions.csv"
    with open_portfolio(demo) as db:
        result = write_scdl(db, out)
    raw = out.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and raw.split(b"\r\n")[0] == ",".join(scdl.COLUMNS).encode()
    assert scdl_errors(out) == []
    rows = csv_rows(out)
    assert len(rows) == result.rows > 700
    # what is not published is said, each with its reason: the SGPI's calls (no SIRET), foreign partners
    reasons = {item.reason for item in result.withheld}
    assert any("France 2030 (SGPI)" in r for r in reasons) and any("ni SIRET ni numéro RNA" in r for r in reasons)
    assert result.rows + len(result.withheld) == sql(demo, "SELECT count(*) FROM aid WHERE grant_cents > 0")[0][0]
    # the validator is the real one: a SIRET with a wrong key, a row without identifier are errors
    broken = tmp_path / "casse.csv"
    rows[0]["idBeneficiaire"] = rows[0]["idBeneficiaire"][:-1] + str((int(rows[0]["idBeneficiaire"][-1]) + 1) % 10)
    rows[1]["idBeneficiaire"] = rows[1]["rnaBeneficiaire"] = ""
    with broken.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, scdl.COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    errors = scdl_errors(broken)
    assert any(e.startswith("french-siret-value ligne 2") for e in errors)
    assert any(e.startswith("one-of-required ligne 3") for e in errors)


def test_each_scdl_share_gives_the_beneficiarys_grant_to_the_cent(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "subventions.csv"
    with open_portfolio(demo) as db:
        write_scdl(db, out)
    grants = {(reference, siret or rna): cents for reference, siret, rna, cents in sql(
        demo, "SELECT a.reference, o.siret, o.rna, aid.grant_cents FROM aid JOIN project p ON p.id = aid.project_id "
              "JOIN application a ON a.id = p.application_id JOIN organisation o ON o.id = aid.organisation_id")}
    totals: dict[str, set[str]] = defaultdict(set)
    for row in csv_rows(out):
        total = int(Decimal(row["montant"]) * 100)
        share = Decimal(row["pourcentageSubvention"])
        assert share_of(total, share) == grants[(row["referenceDecision"],
                                                 row["idBeneficiaire"] or row["rnaBeneficiaire"])]
        totals[row["referenceDecision"]].add(row["montant"])
        if row["conditionsVersement"] == "échelonné":
            first, last = row["datesPeriodeVersement"].split("/")
            assert first <= last
        else:
            assert row["conditionsVersement"] == "unique" and "/" not in row["datesPeriodeVersement"]
        assert row["dispositifAide"] == "" and row["notificationUE"] == "non"  # no call's name, no invented id
    assert all(len(amounts) == 1 for amounts in totals.values()), "a grant's total is the same on each row"


def test_scdl_values_are_published_as_typed(demo: Path, tmp_path: Path) -> None:
    (uuid, name), = sql(demo, "SELECT uuid, name FROM organisation WHERE id = (SELECT organisation_id FROM aid "
                               "JOIN project p ON p.id = aid.project_id JOIN application a ON a.id = p.application_id "
                               "JOIN call c ON c.id = a.call_id WHERE c.code = 'IA-SANTE' ORDER BY aid.id LIMIT 1)")
    edit(demo, FieldChange("organisation", uuid, "name", name, "=cmd|calc"))
    out = tmp_path / "subventions.csv"
    with open_portfolio(demo) as db:
        write_scdl(db, out)
    assert "=cmd|calc" in {row["nomBeneficiaire"] for row in csv_rows(out)}  # no apostrophe added


def test_incomplete_rows_are_written_empty_when_asked_and_the_validator_says_so(demo: Path, tmp_path: Path,
                                                                                capsys: pytest.CaptureFixture[str]
                                                                                ) -> None:
    out = tmp_path / "tout.csv"
    assert cli.main(["export", str(out), "--format", "scdl", "--incomplete", "--db", str(demo), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["incomplete"] and result["withheld"]
    assert result["rows"] == sql(demo, "SELECT count(*) FROM aid WHERE grant_cents > 0")[0][0]
    errors = scdl_errors(out)
    assert errors and any("idAttribuant" in e for e in errors)
    assert cli.main(["export", str(out), "--format", "scdl", "--db", str(demo)]) == 0
    said = capsys.readouterr().out
    assert "non publiées : l'opérateur « France 2030 (SGPI) » n'a pas de SIRET" in said


# --- 360Giving -------------------------------------------------------------------------------------------


def test_the_demo_360giving_validates_with_flatten_tool_and_the_schema(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "360.xlsx"
    with open_portfolio(demo) as db:
        result = write_360giving(db, out)
    package = unflatten_360giving(out)
    assert len(package["grants"]) == result.rows and giving360_errors(package) == []
    # the Data Quality Tool: nothing but "several funders" (one per operator), which one file per operator removes
    assert set(quality_notices(package, TODAY)) == {"MoreThanOneFundingOrg"}
    one = tmp_path / "anr.xlsx"
    with open_portfolio(demo) as db:
        write_360giving(db, one, operator="ANR")
    assert quality_notices(unflatten_360giving(one), TODAY) == {}
    # the schema check is live: a currency nobody has, a funder without identifier, a date that is none
    package["grants"][0]["currency"] = "ZZZ"
    del package["grants"][1]["fundingOrganization"][0]["id"]
    package["grants"][2]["awardDate"] = "2023-13-01"
    assert len(giving360_errors(package)) == 3
    # two grants with one id, as the Data Quality Tool sees them (lib-cove's id-based uniqueItems)
    package["grants"][4]["id"] = package["grants"][3]["id"]
    assert any(error.endswith(f"Non-unique id values: {package['grants'][3]['id']}")
               for error in giving360_errors(package))


def test_360giving_disbursed_is_paid_only_and_the_aids_parts_are_told_apart(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "360.xlsx"
    with open_portfolio(demo) as db:
        write_360giving(db, out)
    grants = unflatten_360giving(out)["grants"]
    paid = sql(demo, "SELECT coalesce(sum(amount_cents), 0) FROM disbursement WHERE paid_on IS NOT NULL")[0][0]
    unpaid = sql(demo, "SELECT count(*) FROM disbursement WHERE paid_on IS NULL")[0][0]
    assert unpaid > 0
    disbursed = sum(Decimal(str(g.get("amountDisbursed", 0))) for g in grants)
    assert disbursed * 100 == paid
    for grant in grants:  # each grant's disbursed is its transactions, each one paid
        transactions = grant.get("disbursementTransaction", [])
        assert sum(Decimal(str(t["value"])) for t in transactions) == Decimal(str(grant.get("amountDisbursed", 0)))
        assert all(t["transactionDate"] <= TODAY.isoformat() for t in transactions)
    by_type: dict[str, Decimal] = defaultdict(Decimal)
    for grant in grants:
        (funding,) = grant["fundingType"]
        by_type[funding["code"]] += Decimal(str(grant["amountAwarded"]))
        assert grant["id"].endswith("-AR") == (funding["code"] == "avance-remboursable")
    grant_cents, advance_cents = sql(demo, "SELECT sum(grant_cents), sum(advance_cents) FROM aid")[0]
    assert (by_type["subvention"] * 100, by_type["avance-remboursable"] * 100) == (grant_cents, advance_cents)
    recipients = [o for g in grants for o in g["recipientOrganization"]]
    assert not any("companyNumber" in o for o in recipients)  # the UK register's: never a SIREN
    for organisation in recipients:  # a register's identifier (org-id.guide), else the publisher's own
        identifier = organisation["id"]
        assert re.fullmatch(r"FR-RCS-\d{9}", identifier) or identifier.startswith(("360G-SASN-RNA-W",
                                                                                     "360G-SASN-ORG-")) \
            or parse_org_id(identifier) == identifier, identifier
    assert any(not o["id"].startswith(("FR-RCS-", "360G-")) for o in recipients)  # the demo's foreign partners
    funders = {(f["name"], f["id"]) for g in grants for f in g["fundingOrganization"]}
    assert ("Agence nationale de la recherche", "FR-RCS-130002504") in funders
    assert ("France 2030 (SGPI)", "360G-SASN-OPERATEUR-SGPI") in funders  # no SIRET known: the publisher's prefix


# --- France 2030 -------------------------------------------------------------------------------------------


def test_the_france2030_list_holds_the_nomenclature_the_emerging_actors_and_the_lists_words(demo: Path,
                                                                                            tmp_path: Path) -> None:
    out = tmp_path / "liste.xlsx"
    with open_portfolio(demo) as db:
        result = write_france2030(db, out)
    sheet = load_workbook(out).active
    rows = [dict(zip(HEADERS, row[1:], strict=True)) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert len(rows) == result.rows
    assert {r["Numéro objectif/levier"] for r in rows} == {"Objectif 7"}
    assert all(r["Nomenclature France 2030"].startswith("Produire en France au moins 20 bio-médicaments") for r in rows)
    emerging = {r["Acteur émergent"] for r in rows}
    assert emerging == {"OUI", "NON", None}  # from 2023 on; left empty before, as the official list
    typologies = {r["Typologie normée"] for r in rows}
    assert {"Petites et moyennes entreprises", "Établissements publics", "Grandes entreprises"} <= typologies
    assert not typologies & {"PME", "Établissement public", "Grande entreprise"}  # the list's words, not ours
    assert any("Typologie normée laissée vide" in note for note in result.notes)
    assert not any("sous un même nom" in note for note in result.notes)


def test_two_projects_of_one_call_under_one_name_are_said_at_export_and_refused_when_read_back(
        demo: Path, tmp_path: Path) -> None:
    # the list tells projects apart by call and name: the export says which ones it cannot, the reading refuses them
    first, second = sql(demo, "SELECT a.id, a.acronym FROM project p JOIN application a ON a.id = p.application_id "
                              "WHERE a.call_id = (SELECT call_id FROM application a2 JOIN project p2 "
                              "ON p2.application_id = a2.id GROUP BY call_id HAVING count(*) > 1 LIMIT 1) LIMIT 2")
    (uuid, acronym), = sql(demo, "SELECT uuid, acronym FROM application WHERE id = ?", second[0])
    edit(demo, FieldChange("application", uuid, "acronym", acronym, first[1]))
    out = tmp_path / "liste.xlsx"
    with open_portfolio(demo) as db:
        result = write_france2030(db, out)
    assert [note for note in result.notes if f": {first[1]})" in note and "acronymes distincts" in note]
    taken = import_file(demo, "france2030", out, tmp_path, dry_run=True)
    assert taken["rejected"] and {r.reason for r in taken["rejected"]} == {
        "plusieurs candidatures de cet appel portent ce nom : rien n'est deviné, précisez l'acronyme"}
    assert {r.values[3] for r in taken["rejected"]} == {first[1]}


# --- the round-trip law ------------------------------------------------------------------------------------


def export(kind: str, db_path: Path, out: Path) -> Any:
    with open_portfolio(db_path) as db:
        return {"scdl": write_scdl, "360giving": write_360giving, "france2030": write_france2030}[kind](db, out)


def carried(kind: str, path: Path, withheld: set[str] | None = None) -> set[tuple[Any, ...]]:
    """The figures a format carries, read from a portfolio: what must come back the same in an empty one."""
    if kind == "scdl":
        rows = sql(path, "SELECT aid.uuid, o.name, o.siret, o.rna, a.reference, a.title, p.agreement_on, "
                         "aid.grant_cents FROM aid JOIN project p ON p.id = aid.project_id JOIN application a "
                         "ON a.id = p.application_id JOIN organisation o ON o.id = aid.organisation_id "
                         "WHERE aid.grant_cents > 0")
        return {row[1:] for row in rows if row[0] not in (withheld or set())}
    if kind == "360giving":
        aids = sql(path, "SELECT aid.uuid, p.uuid, a.acronym, a.title, p.decision_on, p.start_on, p.end_on, c.code, "
                         "o.name, o.siren, CASE WHEN o.siren IS NULL THEN o.rna END, "  # one identifier a recipient
                         "CASE WHEN o.siren IS NULL THEN o.foreign_id END, o.city, aid.grant_cents, aid.advance_cents "
                         "FROM aid "
                         "JOIN project p ON p.id = aid.project_id JOIN application a ON a.id = p.application_id "
                         "JOIN call c ON c.id = a.call_id JOIN organisation o ON o.id = aid.organisation_id")
        paid = sql(path, "SELECT d.uuid, p.uuid, d.paid_on, d.amount_cents, coalesce(d.aid_part, CASE WHEN "
                         "aid.advance_cents = 0 THEN 'subvention' ELSE 'avance' END) FROM disbursement d "
                         "JOIN project p ON p.id = d.project_id JOIN aid ON aid.project_id = d.project_id "
                         "AND aid.organisation_id = d.organisation_id WHERE d.paid_on IS NOT NULL")
        return {("aid", *row) for row in aids} | {("paid", *row) for row in paid}
    rows = sql(path, "SELECT CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END, p.decision_on, c.label, "
                     "o.name, coalesce(o.siret, o.siren), d.code, nullif(t.list_label, ''), aid.grant_cents, "
                     "aid.advance_cents, aid.emerging_actor FROM application_partner m "
                     "JOIN application a ON a.id = m.application_id JOIN project p ON p.application_id = a.id "
                     "JOIN call c ON c.id = a.call_id JOIN organisation o ON o.id = m.organisation_id "
                     "LEFT JOIN department d ON d.id = o.department_id LEFT JOIN typology t ON t.id = o.typology_id "
                     "LEFT JOIN aid ON aid.project_id = p.id AND aid.organisation_id = o.id")
    return set(rows)


def import_file(path: Path, kind: str, file: Path, tmp_path: Path, dry_run: bool = False) -> dict[str, Any]:
    mapping = tmp_path / "correspondance.json"
    mapping.write_text(json.dumps({"defaults": {"call": "IA-SANTE"}}), encoding="utf-8")  # SCDL names no call
    with open_portfolio(path) as db:
        plan, result = run_import(db, file, map_file=mapping if kind == "scdl" else None, dry_run=dry_run)
    return {"created": plan.created_counts(), "updated": plan.updated_counts(), "rejected": plan.rejected,
            "flagged": plan.flagged, "unchanged": plan.unchanged, "rows": plan.rows_read,
            "batch": result.batch if result else None}


@pytest.mark.parametrize("kind", ["scdl", "360giving", "france2030"])
def test_an_export_taken_back_into_the_same_portfolio_changes_nothing(kind: str, demo: Path, tmp_path: Path) -> None:
    out = tmp_path / ("export.csv" if kind == "scdl" else "export.xlsx")
    export(kind, demo, out)
    with open_portfolio(demo) as db, db.read() as session:
        before = key_figures(session)
    taken = import_file(demo, kind, out, tmp_path)
    assert (taken["created"], taken["updated"], taken["rejected"], taken["flagged"]) == ({}, {}, [], [])
    assert taken["unchanged"] == taken["rows"] > 0 and taken["batch"] is None
    with open_portfolio(demo) as db, db.read() as session:
        assert key_figures(session) == before


@pytest.mark.parametrize("kind", ["scdl", "360giving", "france2030"])
def test_an_export_taken_into_an_empty_portfolio_gives_the_same_figures(kind: str, demo: Path, empty: Path,
                                                                        tmp_path: Path) -> None:
    out = tmp_path / ("export.csv" if kind == "scdl" else "export.xlsx")
    result = export(kind, demo, out)
    taken = import_file(empty, kind, out, tmp_path)
    assert taken["rejected"] == [] and taken["flagged"] == []
    if kind == "360giving":  # the import's record: the grants are the sheet read, the payments their own sheet
        from portfolio.exchange.imports import import_history

        with open_portfolio(empty) as db:
            [past] = import_history(db)
        assert (past.record.sheet, past.record.sheets, past.record.sheets_shown) == (
            "grants", {"disbursement": "transactions"}, "grants, transactions")
    withheld = {item.uuid for item in result.withheld}
    assert carried(kind, empty) == carried(kind, demo, withheld)
    again = import_file(empty, kind, out, tmp_path, dry_run=True)  # and once there, the file changes nothing
    assert (again["created"], again["updated"], again["rejected"]) == ({}, {}, [])


# --- foreign files: currencies, foreign organisations ----------------------------------------------------------


def foreign_grants(path: Path, rows: list[dict[str, Any]]) -> Path:
    columns = ["Identifier", "Title", "Currency", "Amount Awarded", "Award Date", "Recipient Org:Identifier",
               "Recipient Org:Name", "Funding Org:Identifier", "Funding Org:Name", "Grant Programme:Title"]
    book = Workbook()
    sheet = book.active
    sheet.title = "grants"
    sheet.append(columns)
    for row in rows:
        sheet.append([row.get(c) for c in columns])
    book.save(path)
    return path


def test_other_currencies_are_refused_naming_them_or_converted_at_the_mappings_rate(portfolio_path: Path,
                                                                                      tmp_path: Path) -> None:
    base = {"Award Date": "2024-03-01", "Funding Org:Identifier": "GB-CHC-1000000", "Funding Org:Name": "Trust",
            "Grant Programme:Title": "IA-SANTE"}
    path = foreign_grants(tmp_path / "uk.xlsx", [
        {**base, "Identifier": "360G-trust-1", "Title": "Sensors", "Currency": "GBP", "Amount Awarded": 1000,
         "Recipient Org:Identifier": "GB-CHC-1054154", "Recipient Org:Name": "Health Trust"},
        {**base, "Identifier": "360G-trust-2", "Title": "Apps", "Currency": "USD", "Amount Awarded": 2500.5,
         "Recipient Org:Identifier": "GB-COH-01234567", "Recipient Org:Name": "Apps Ltd"},
        {**base, "Identifier": "360G-trust-3", "Title": "Care", "Currency": "EUR", "Amount Awarded": 300,
         "Recipient Org:Identifier": "GB-CHC-1054155", "Recipient Org:Name": "Care Trust"}])
    with open_portfolio(portfolio_path) as db:
        plan, _ = run_import(db, path, dry_run=True)
    assert [(r.row, r.column) for r in plan.rejected] == [(2, "Currency"), (3, "Currency")]
    assert "GBP" in plan.rejected[0].reason and "USD" in plan.rejected[1].reason
    mapping = tmp_path / "taux.json"
    mapping.write_text(json.dumps({"defaults": {"rates": {"GBP": "1.1650", "USD": "0.9150"}}}), encoding="utf-8")
    with open_portfolio(portfolio_path) as db:
        plan, result = run_import(db, path, map_file=mapping)
    assert plan.rejected == [] and result is not None
    aids = dict(sql(portfolio_path, "SELECT o.name, aid.grant_cents FROM aid JOIN organisation o "
                                    "ON o.id = aid.organisation_id"))
    assert aids == {"Health Trust": 116500, "Apps Ltd": 228796, "Care Trust": 30000}  # 2 500,50 × 0,915 = 2 287,96
    sources = {s for (s,) in sql(portfolio_path, "SELECT DISTINCT source FROM audit_entry WHERE entity = 'aid'")}
    assert any("ligne 2 (1\u00a0000,00 GBP au taux de 1.1650)" in s for s in sources)
    # a foreign recipient is recorded as such, its register's identifier kept; a second import finds it again
    assert sql(portfolio_path, "SELECT name, foreign_id, siren FROM organisation ORDER BY name") == [
        ("Apps Ltd", "GB-COH-01234567", None), ("Care Trust", "GB-CHC-1054155", None),
        ("Health Trust", "GB-CHC-1054154", None)]
    with open_portfolio(portfolio_path) as db:
        plan, result = run_import(db, path, map_file=mapping)
    assert (plan.created_counts(), plan.updated_counts(), result) == ({}, {}, None)


def test_an_amount_with_another_currencys_sign_is_refused(portfolio_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "signes.csv"
    path.write_text("nomBeneficiaire;idBeneficiaire;objet;montant;referenceDecision;dateConvention\n"
                    "ACME;73282932000074;P;£1,000;R1;2024-01-10\n", encoding="utf-8")
    mapping = tmp_path / "m.json"
    mapping.write_text(json.dumps({"defaults": {"call": "IA-SANTE"}}), encoding="utf-8")
    with open_portfolio(portfolio_path) as db:
        plan, _ = run_import(db, path, map_file=mapping, dry_run=True)
    assert [(r.column, "GBP" in r.reason) for r in plan.rejected] == [("montant", True)]


def test_the_360giving_identifiers_we_write_are_read_back(tmp_path: Path) -> None:
    from portfolio.exchange.values import parse_aid_identifier, parse_org_identifier, parse_project_identifier

    aid = "0191e0a0-0000-7000-8000-000000000005"
    assert parse_aid_identifier(f"{giving360.PREFIX}-{aid}").uuid == aid
    advance = parse_aid_identifier(f"{giving360.PREFIX}-{aid}{giving360.ADVANCE_SUFFIX}")
    assert (advance.uuid, advance.part) == (aid, "avance")
    assert parse_project_identifier(f"{giving360.PREFIX}-PROJET-{aid}") == f"uuid:{aid}"
    for siren, rna, foreign in (("552100554", None, None), (None, "W751234567", None), (None, None, "GB-CHC-1")):
        written = giving360.recipient_id(giving360.PREFIX, aid, siren, rna, foreign)
        found = parse_org_identifier(written)
        assert found is not None and (found.siren, found.rna, found.foreign_id) == (siren, rna, foreign)
    assert parse_org_identifier(giving360.recipient_id(giving360.PREFIX, aid, None, None, None)).uuid == aid
