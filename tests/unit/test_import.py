"""Importing workbooks: the table found, the mapping chosen, the plan exact, applied once, undone.

The acceptance files are the third-party spreadsheets of tests/data/realworld (provenance in its README): each
data row is either imported exactly or rejected with a stated reason.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from tests.data_files import data_file

from portfolio import cli
from portfolio.exchange import mapping as mapping_module
from portfolio.exchange.imports import import_history, run_import, undo_import, write_rejected
from portfolio.exchange.mapping import choose_mapping, detect_profile, from_json, save_profile, suggest
from portfolio.exchange.reading import Sheet
from portfolio.exchange.table import find_table, normalise_header

# names under tests/data: data_file() fails the test naming the file when it is missing
FRANCE_2030 = "realworld/france2030_liste_beneficiaires_extrait_2023-02.xlsx"
TOULOUSE = "realworld/scdl_subventions_toulouse_metropole_2022.csv"
CHORUS = "realworld/chorus_INF-BUD-53_paiements_extrait.csv"
CITY = "realworld/subventions_associations_ville_generees.csv"  # generated, with a real city's traits
ADEME = "realworld/scdl_subventions_ademe_extrait.csv"
ETALAB = "realworld/scdl_subventions_exemple_officiel_etalab.csv"

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def arg(name: str) -> str:
    """The command-line argument naming a test data file (the test fails, naming it, when it is missing)."""
    return str(data_file(name))


def sql(path: Path, query: str, *params: object) -> list[tuple]:
    with sqlite3.connect(path) as connection:
        return connection.execute(query, params).fetchall()


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = cli.main(list(args))
    out = capsys.readouterr().out
    return code, (json.loads(out) if out.strip() else {})


def map_file(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def data_rows(path: Path, header_row: int) -> int:
    """How many non-empty rows a CSV holds under its header (counted independently of the importer)."""
    import csv

    text = path.read_text(encoding="utf-8-sig")
    delimiter = ";" if text.splitlines()[header_row - 1].count(";") > 3 else ","
    rows = list(csv.reader(text.splitlines(keepends=True), delimiter=delimiter))
    # csv joins quoted line breaks: the header line number of the file is not the record number
    return sum(1 for r in rows[1:] if any(c.strip() for c in r)) if header_row == 1 else -1


# --- finding the table ----------------------------------------------------------------------------


def test_the_header_is_found_under_title_rows_and_data_starts_in_any_column() -> None:
    sheet = Sheet("Feuille", [
        [None, None, "Liste des bénéficiaires — extraction du 28/02/2023", None],
        [None, None, None, 1234.5],
        [None, "Date de la DPM", "Bénéficiaire\n(nom)", "Montant\u00a0de l'aide "],
        [None, "2023-01-16", "CNRS", 3114019.77],
        [None, None, None, None],
        [None, "2023-02-01", "Inria", 10.0],
    ])
    table = find_table(sheet)
    assert table.header_row == 3 and table.first_column == 1
    assert table.headers == ["Date de la DPM", "Bénéficiaire (nom)", "Montant de l'aide"]
    assert [number for number, _ in table.rows] == [4, 6]  # the blank row skipped, row numbers kept
    assert table.rows[0][1] == ["2023-01-16", "CNRS", 3114019.77]


def test_duplicated_headers_are_told_apart() -> None:
    sheet = Sheet("x", [["Fournisseur payé (DP)", "Fournisseur payé (DP)", "EUR"], ["1", "A", "2,5"]])
    assert find_table(sheet).headers == ["Fournisseur payé (DP)", "Fournisseur payé (DP) (2)", "EUR"]
    tricky = Sheet("y", [["X", "X (2)", "X"], ["1", "2", "3"]])
    assert find_table(tricky).headers == ["X", "X (2)", "X (3)"]


def test_header_normalisation() -> None:
    assert normalise_header("  Montant de l'aide\n(en €)\u00a0 ") == "Montant de l'aide (en €)"
    assert normalise_header("N°_x000D_\nDCM") == "N° DCM"


# --- mapping --------------------------------------------------------------------------------------


def test_profiles_are_detected_from_the_headers() -> None:
    scdl = ["nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
            "idBeneficiaire", "objet", "montant"]
    assert detect_profile(scdl).name == "scdl-1"
    assert detect_profile([*scdl, "dispositifAide"]).name == "scdl-2"
    assert detect_profile(["Identifier", "Title", "Amount Awarded", "Recipient Org:Name"]).name == "360giving"
    mapping = choose_mapping([*scdl, "dispositifAide"])
    assert mapping.profile == "scdl-2"
    assert mapping.columns[scdl.index("idBeneficiaire")] == "org.company_id"


def test_synonyms_guess_with_a_confidence_and_a_map_file_overrides() -> None:
    headers = ["Thématique", "Nom association", "Titre du projet", "DCM Date", "Accordé", "SIRET"]
    guessed = suggest(headers)
    assert guessed.columns[1] == "org.name" and guessed.confidence[1] == pytest.approx(0.9)
    assert guessed.columns[4] == "aid.grant" and guessed.columns[5] == "org.siret"
    assert guessed.columns[3] == "project.decision_on"
    corrected = from_json({"columns": {"Thématique": "project.call", "titre du projet": None},
                           "defaults": {"call": "PEPR-SN"}}, headers, guessed)
    assert corrected.columns[0] == "project.call" and 2 not in corrected.columns
    assert corrected.defaults == {"call": "PEPR-SN"}
    with pytest.raises(mapping_module.MappingError, match="champ inconnu"):
        from_json({"columns": {"SIRET": "org.nope"}}, headers)
    with pytest.raises(mapping_module.MappingError, match="n'est pas dans le fichier"):
        from_json({"columns": {"Absent": "org.name"}}, headers)


def test_a_corrected_mapping_is_saved_per_counterpart_and_offered_next_time(tmp_path: Path) -> None:
    headers = ["Structure porteuse", "Numéro", "Somme"]
    mapping = from_json({"columns": {"Structure porteuse": "org.name", "Numéro": "org.siret",
                                     "Somme": "aid.grant"}}, headers)
    save_profile(tmp_path, "ARS Bretagne", mapping, headers)
    offered = choose_mapping(headers, profiles_folder=tmp_path)
    assert offered.profile == "ARS Bretagne"
    assert offered.columns == {0: "org.name", 1: "org.siret", 2: "aid.grant"}
    assert choose_mapping(headers, profile="ars bretagne", profiles_folder=tmp_path).columns == offered.columns


# --- the real files --------------------------------------------------------------------------------


def test_france_2030_extract(capsys: pytest.CaptureFixture[str], portfolio_path: Path, tmp_path: Path) -> None:
    mapped = map_file(tmp_path, {"defaults": {"call": "PEPR-SN"}})
    code, result = cli_json(capsys, "import", arg(FRANCE_2030), "--db", str(portfolio_path), "--map", str(mapped),
                            "--json")
    assert code == 0
    assert result["profile"] == "france2030" and result["rows_read"] == 7
    assert set(result) == {"file", "sha256", "sheet", "profile", "rows_read", "created", "updated", "unchanged",
                           "rejected", "flagged", "batch_id"}
    assert result["sheet"] == "Liste des projets et bénef" and len(result["sha256"]) == 64
    assert result["rejected"] == [] and result["batch_id"]
    assert result["created"]["organisation"] == 7 and result["created"]["project"] == 7
    assert sql(portfolio_path, "SELECT name, siren, typeof(siret) FROM organisation WHERE siret = '18008901303977'") \
        == [("CNRS", "180089013", "text")]
    assert sql(portfolio_path, "SELECT a.grant_cents, a.advance_cents FROM aid a JOIN organisation o "
                               "ON o.id = a.organisation_id WHERE o.name = 'CNRS'") == [(311401977, 0)]
    recipharm = sql(portfolio_path, "SELECT r.name, d.code FROM organisation o JOIN region r ON r.id = o.region_id "
                                    "JOIN department d ON d.id = o.department_id WHERE o.name = 'RECIPHARM MONTS'")
    assert recipharm == [("Centre-Val de Loire", "37")]
    assert sql(portfolio_path, "SELECT p.decision_on FROM project p JOIN application a ON a.id = p.application_id "
                               "WHERE a.acronym = 'OFCOC'") == [("2023-01-16",)]
    # the total column is a formula: recomputed, flagged, never read
    assert {f["column"] for f in result["flagged"]} >= {"Montant de l'aide (en €)"}
    # each entry names its row; the file, its SHA-256, the sheet and the mapping are the import's record (#20)
    sources = {s for (s,) in sql(portfolio_path, "SELECT DISTINCT source FROM audit_entry WHERE batch = ?",
                                 result["batch_id"])}
    assert sources - {"import"} and all(s.startswith("import, ligne ") for s in sources - {"import"})
    # ("import": the entry of the import's record, which the chain holds)
    [recorded] = sql(portfolio_path, "SELECT file_name, sha256, sheet, profile, mapping, rows_read, created, updated, "
                                     "rejected FROM import_batch WHERE batch = ?", result["batch_id"])
    assert recorded[:4] == (data_file(FRANCE_2030).name, result["sha256"], "Liste des projets et bénef",
                            result["profile"])
    mapping = json.loads(recorded[4])
    assert mapping["defaults"] == {"call": "PEPR-SN"} and "org.company_id" in mapping["columns"].values()
    assert recorded[5:] == (result["rows_read"], sum(result["created"].values()), 0, 0)

    code, again = cli_json(capsys, "import", arg(FRANCE_2030), "--db", str(portfolio_path), "--map", str(mapped),
                           "--json")
    assert code == 0 and again["created"] == {} and again["updated"] == {} and again["unchanged"] == 7
    assert again["batch_id"] is None


def test_france_2030_without_a_call_rejects_each_row_with_the_reason(capsys: pytest.CaptureFixture[str],
                                                                      portfolio_path: Path) -> None:
    code, result = cli_json(capsys, "import", arg(FRANCE_2030), "--db", str(portfolio_path), "--json", "--dry-run")
    assert code == 0 and result["batch_id"] is None and len(result["rejected"]) == 7
    first = result["rejected"][0]
    assert first["row"] == 4 and first["column"] == "Procédure" and "appel à projets inconnu" in first["reason"]
    assert sql(portfolio_path, "SELECT count(*) FROM organisation") == [(0,)]


def test_toulouse_mangled_sirets_are_rejected_never_stored_as_numbers(capsys: pytest.CaptureFixture[str],
                                                                       portfolio_path: Path, tmp_path: Path) -> None:
    mapped = map_file(tmp_path, {"defaults": {"call": "PEPR-SN"}})
    code, result = cli_json(capsys, "import", arg(TOULOUSE), "--db", str(portfolio_path), "--map", str(mapped),
                            "--json")
    assert code == 0
    assert result["rows_read"] == data_rows(data_file(TOULOUSE), 1)
    mangled = [r for r in result["rejected"] if r["column"] == "idBeneficiaire"]
    assert mangled and all("scientifique" in r["reason"] for r in mangled)
    created = result["created"].get("organisation", 0)
    rejected_rows = {r["row"] for r in result["rejected"]}
    assert created + len(rejected_rows) + result["unchanged"] >= 1
    assert sql(portfolio_path, "SELECT count(*) FROM organisation WHERE siret LIKE '%E%' OR siret LIKE '%,%'") \
        == [(0,)]
    # every row accounted for: imported (its organisation exists) or rejected with a reason
    assert all(r["reason"] for r in result["rejected"])
    names = {n for (n,) in sql(portfolio_path, "SELECT name FROM organisation")}
    assert "3F OCCITANIE SA" not in names  # its SIRET "7,17E+13" was destroyed by Excel


def test_chorus_preamble_skipped_and_duplicated_headers_told_apart(capsys: pytest.CaptureFixture[str],
                                                                    portfolio_path: Path, tmp_path: Path) -> None:
    out = tmp_path / "rejets.xlsx"
    code, result = cli_json(capsys, "import", arg(CHORUS), "--db", str(portfolio_path), "--json", "--rejected",
                            str(out))
    assert code == 0 and result["profile"] == "chorus-paiements"
    assert result["rows_read"] > 0
    assert len({r["row"] for r in result["rejected"]}) == result["rows_read"]  # no such organisation here
    assert all(r["row"] >= 9 for r in result["rejected"])  # the header is on row 8
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_index(0).to_python()
    assert rows[0][:3] == ["Ligne", "Colonne", "Motif du rejet"]
    assert "Fournisseur payé (DP) (2)" in rows[0]
    assert len(rows) == len(result["rejected"]) + 1


def test_city_grants_amounts_line_breaks_in_headers_and_siren_errors(capsys: pytest.CaptureFixture[str],
                                                                      portfolio_path: Path, tmp_path: Path) -> None:
    """A city's grants to associations (generated with a real city's traits, tests/data/realworld/README.md)."""
    mapped = map_file(tmp_path, {"defaults": {"call": "PEPR-SN"}})
    path = data_file(CITY)
    code, result = cli_json(capsys, "import", str(path), "--db", str(portfolio_path), "--map", str(mapped), "--json")
    assert code == 0
    assert result["rows_read"] == data_rows(path, 1) == 190
    grant = sql(portfolio_path, "SELECT a.grant_cents FROM aid a JOIN organisation o ON o.id = a.organisation_id "
                                "WHERE o.siret = '42514914309620'")
    assert sorted(g for (g,) in grant) == [150000, 150000]  # " 1,500 € ", in 2018 and again in 2019
    # the same association twice in a year (two projects): one organisation
    assert sql(portfolio_path, "SELECT count(*) FROM organisation WHERE siret = '42900096106654'") == [(1,)]
    # the city's SIREN errors (a SIRET whose own key is right, its SIREN's wrong) are refused, each with its reason
    siren_errors = [r for r in result["rejected"] if r["column"] == "SIRET"]
    assert len(siren_errors) == 6 and all("SIREN" in r["reason"] and "clé de contrôle" in r["reason"]
                                          for r in siren_errors)
    twice = [r for r in result["rejected"] if "deux fois dans le même projet" in r["reason"]]
    assert [r["row"] for r in twice] == [95, 185]
    # a second establishment of a known association: imported, flagged
    assert any("un autre établissement" in f["reason"] for f in result["flagged"])
    # imported or rejected, each row once; and the same file again changes nothing
    code, again = cli_json(capsys, "import", str(path), "--db", str(portfolio_path), "--map", str(mapped), "--json")
    assert again["created"] == {} and again["updated"] == {}
    assert again["unchanged"] + len({r["row"] for r in again["rejected"]}) == result["rows_read"]


def test_etalab_example_its_fictional_siret_is_rejected_with_the_reason(capsys: pytest.CaptureFixture[str],
                                                                       portfolio_path: Path, tmp_path: Path) -> None:
    mapped = map_file(tmp_path, {"defaults": {"call": "IA-SANTE"}})
    code, result = cli_json(capsys, "import", arg(ETALAB), "--db", str(portfolio_path), "--map", str(mapped),
                            "--json")
    assert code == 0 and result["profile"] == "scdl-1"
    assert [(r["row"], r["column"]) for r in result["rejected"]] == [(3, "idBeneficiaire")]
    assert "clé de contrôle" in result["rejected"][0]["reason"]
    assert result["created"]["project"] == 1 and result["created"]["organisation"] == 1
    # datesPeriodeVersement is when the grant is paid, never the project's dates
    assert sql(portfolio_path, "SELECT start_on, end_on, agreement_on FROM project") == [(None, None, "2017-06-27")]
    # the format's "montant" is the grant's total, "pourcentageSubvention" the beneficiary's share: 22000.80 × 0.8
    assert sql(portfolio_path, "SELECT grant_cents FROM aid") == [(1760064,)]


def test_rows_of_one_grant_are_one_project_with_its_consortium(capsys: pytest.CaptureFixture[str],
                                                              portfolio_path: Path, tmp_path: Path) -> None:
    from portfolio.domain.identifiers import with_luhn_digit

    lead, partner, unfunded = (with_luhn_digit(with_luhn_digit(p) + "0001") for p in ("12345678", "23456789",
                                                                                      "34567890"))
    header = ("nomAttribuant;idAttribuant;dateConvention;referenceDecision;nomBeneficiaire;idBeneficiaire;objet;"
              "montant;pourcentageSubvention\r\n")
    # one grant of 27 501,00 € shared 80/20, a partner without aid; then the same beneficiaries with each one's
    # amount in "montant" (what the format calls the total): which to read is not guessed
    scdl = tmp_path / "consortium.csv"
    scdl.write_text(header +
                    f"ARS Bretagne;;27/06/2017;Z1;Alpha SAS;{lead};Télésuivi;27 501,00;0.8\r\n"
                    f"ARS Bretagne;;27/06/2017;Z1;Beta SA;{partner};Télésuivi;27 501,00;0.2\r\n"
                    f"ARS Bretagne;;27/06/2017;Z1;Gamma;{unfunded};Télésuivi;;\r\n", encoding="utf-8")
    contradicting = tmp_path / "contradictoire.csv"
    contradicting.write_text(header +
                             f"ARS Bretagne;;27/06/2017;Z2;Alpha SAS;{lead};Suivi;22 000,80;\r\n"
                             f"ARS Bretagne;;27/06/2017;Z2;Beta SA;{partner};Suivi;5 500,20;\r\n", encoding="utf-8")
    mapped = map_file(tmp_path, {"defaults": {"call": "IA-SANTE"}})
    code, result = cli_json(capsys, "import", str(contradicting), "--db", str(portfolio_path), "--map", str(mapped),
                            "--json")
    assert code == 0 and [r["row"] for r in result["rejected"]] == [2, 3] and result["created"] == {}
    assert all("« montant » est le total de la subvention" in r["reason"] for r in result["rejected"])
    code, result = cli_json(capsys, "import", str(scdl), "--db", str(portfolio_path), "--map", str(mapped), "--json")
    assert code == 0 and result["rejected"] == []
    assert result["created"] == {"organisation": 3, "application": 1, "application_partner": 3, "project": 1,
                                 "aid": 2}
    partners = sql(portfolio_path, "SELECT o.name, p.role FROM application_partner p JOIN organisation o "
                                   "ON o.id = p.organisation_id ORDER BY o.name")
    assert partners == [("Alpha SAS", "chef_de_file"), ("Beta SA", "partenaire"), ("Gamma", "partenaire_non_finance")]
    assert sql(portfolio_path, "SELECT sum(grant_cents) FROM aid") == [(2750100,)]
    assert sql(portfolio_path, "SELECT reference, title FROM application") == [("Z1", "Télésuivi")]


def test_ademe_renamed_headers(capsys: pytest.CaptureFixture[str], portfolio_path: Path, tmp_path: Path) -> None:
    mapped = map_file(tmp_path, {"defaults": {"call": "IA-SANTE"}})
    code, result = cli_json(capsys, "import", arg(ADEME), "--db", str(portfolio_path), "--map", str(mapped),
                            "--json")
    assert code == 0 and result["profile"] == "scdl-1"
    assert result["rows_read"] == data_rows(data_file(ADEME), 1)
    assert sum(result["created"].values()) > 0
    assert all(r["reason"] for r in result["rejected"])


# --- undo, dry run, errors -------------------------------------------------------------------------


def test_an_import_is_undone_from_the_history(capsys: pytest.CaptureFixture[str], portfolio_path: Path,
                                              tmp_path: Path) -> None:
    mapped = map_file(tmp_path, {"defaults": {"call": "IA-SANTE"}})
    before = sql(portfolio_path, "SELECT count(*) FROM organisation")
    _, result = cli_json(capsys, "import", arg(ETALAB), "--db", str(portfolio_path), "--map", str(mapped), "--json")
    _, history = cli_json(capsys, "import", "--history", "--db", str(portfolio_path), "--json")
    assert [p["batch"] for p in history["imports"]] == [result["batch_id"]]
    code, undone = cli_json(capsys, "import", "--undo", result["batch_id"], "--db", str(portfolio_path), "--json")
    assert code == 0 and undone["undone"] == result["batch_id"]
    assert sql(portfolio_path, "SELECT count(*) FROM organisation") == before
    assert sql(portfolio_path, "SELECT count(*) FROM project") == [(0,)]
    code = cli.main(["import", "--undo", result["batch_id"], "--db", str(portfolio_path)])
    assert code == 1 and "déjà été annulé" in capsys.readouterr().err


def test_the_read_started_before_the_portfolio_is_stopped_when_the_portfolio_cannot_be_opened(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    # the command line starts reading the file before it opens the portfolio: a portfolio that cannot be
    # opened still gets its one-line error, and the reading child does not outlive the command
    import multiprocessing

    from bench.workbooks import write_beneficiaries

    # rows enough to fill the pipe: a child nobody collects would wait on it, alive, until stopped
    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 3000)
    missing = tmp_path / "absente.sqlite"
    code = cli.main(["import", str(workbook), "--db", str(missing), "--dry-run"])
    assert code == 1 and "absente.sqlite" in capsys.readouterr().err
    assert not missing.exists()
    assert not [child for child in multiprocessing.active_children() if child.name == "portfolio-lecture"]


def test_undo_is_refused_when_an_imported_record_changed_since(portfolio_path: Path) -> None:
    from portfolio.services.changes import FieldChange, apply_changes
    from portfolio.services.portfolio import open_portfolio

    with open_portfolio(portfolio_path) as db:
        plan, result = run_import(db, data_file(ETALAB), map_file=None, untrusted=False,
                                  profile=None, dry_run=True)
        assert result is None and plan.rejected  # no call: every row rejected, nothing written
        from portfolio.exchange.mapping import ColumnMapping  # noqa: F401 - the API used by the wizard

        plan, result = _import_with_call(db, data_file(ETALAB))
        assert result is not None
        uuid, city = sql(portfolio_path, "SELECT uuid, city FROM organisation WHERE name = 'Rodriguez SA'")[0]
        apply_changes(db, [FieldChange("organisation", uuid, "city", city, "Rennes")], source="écran")
        with pytest.raises(Exception, match=r"Rennes|modifi"):
            undo_import(db, result.batch)
        assert sql(portfolio_path, "SELECT count(*) FROM organisation") == [(1,)]
        assert [p.undone for p in import_history(db)] == [False]


def _import_with_call(db: Any, path: Path) -> Any:
    from portfolio.exchange.imports import plan_import, prepare
    from portfolio.exchange.plan import apply_plan

    prepared = prepare(path, untrusted=False)
    prepared.mapping.defaults["call"] = "IA-SANTE"
    plan = plan_import(db, prepared, untrusted=False)
    return plan, apply_plan(db, plan)


def test_an_unreadable_file_exits_1_with_the_reason(tmp_path: Path, portfolio_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "budget.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    code = cli.main(["import", str(broken), "--db", str(portfolio_path), "--json"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    assert "budget.xlsx" in captured.err and "Traceback" not in captured.err
    assert sql(portfolio_path, "SELECT count(*) FROM audit_entry WHERE source LIKE 'import %'") == [(0,)]


def test_rejected_rows_workbook_neutralises_formulas(tmp_path: Path, portfolio_path: Path) -> None:
    from portfolio.exchange.plan import ImportPlan, Rejection

    plan = ImportPlan("f.csv", "0" * 64, "f", None, 1, ["Nom", "Montant"],
                      rejected=[Rejection("f", 2, "Montant", "montant illisible", ["=HYPERLINK(\"x\")", "-12 abc"])])
    out = write_rejected(plan, tmp_path / "rejets.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(out).active
    assert [c.value for c in sheet[1]] == ["Ligne", "Colonne", "Motif du rejet", "Nom", "Montant"]
    assert [c.value for c in sheet[2]][:3] == [2, "Montant", "montant illisible"]
    assert sheet["D2"].data_type == "s" and sheet["D2"].value == '=HYPERLINK("x")'  # text, never a formula
    assert sheet["E2"].value == "-12 abc"  # the sender's values come back as they were


# --- size --------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_10000_row_workbook_imports_with_progress_and_bounded_memory(tmp_path: Path, portfolio_path: Path) -> None:
    import sys

    from bench.rows_import import measured
    from bench.workbooks import write_beneficiaries

    from portfolio.exchange.imports import run_import
    from portfolio.services.portfolio import open_portfolio

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 10_000)
    steps: list[tuple[float, str]] = []
    with open_portfolio(portfolio_path) as db:
        plan, result = run_import(db, workbook, dry_run=True, progress=lambda f, m: steps.append((f, m)))
    assert result is None and plan.rows_read == 10_000 and plan.rejected == []
    fractions = [f for f, _ in steps]
    assert len(steps) >= 5 and fractions == sorted(fractions) and fractions[-1] >= 0.9
    assert {m for _, m in steps} >= {"Lecture des valeurs…"}
    # the command, in its own process: every row written, memory bounded (the peak of the command and its
    # reading child only, measured in a process of their own)
    done = measured([sys.executable, "-m", "portfolio", "import", str(workbook), "--db", str(portfolio_path),
                     "--json"], timeout=300)
    assert done.code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["rejected"] == [] and summary["created"]["aid"] + summary["unchanged"] <= 10_000
    assert sql(portfolio_path, "SELECT count(*) FROM aid")[0][0] == summary["created"]["aid"] > 9_000
    assert 50 < done.peak_kib / 1024 < 250, f"peak memory {done.peak_kib / 1024:.0f} MiB"


@pytest.mark.parametrize("name", [FRANCE_2030, TOULOUSE, CHORUS, CITY, ADEME, ETALAB],
                         ids=lambda name: Path(name).stem)
def test_every_real_file_row_is_imported_or_rejected_and_a_second_import_changes_nothing(
        capsys: pytest.CaptureFixture[str], portfolio_path: Path, tmp_path: Path, name: str) -> None:
    path = data_file(name)
    mapped = map_file(tmp_path, {"defaults": {"call": "IA-SANTE"}})
    args = ["import", str(path), "--db", str(portfolio_path), "--map", str(mapped), "--json"]
    code, first = cli_json(capsys, *args)
    assert code == 0 and first["rows_read"] > 0
    assert all(r["reason"] and r["row"] > 1 for r in first["rejected"])
    code, second = cli_json(capsys, *args)
    assert code == 0 and second["created"] == {} and second["updated"] == {} and second["batch_id"] is None
    rejected_rows = {r["row"] for r in second["rejected"]}
    # each row read is now either unchanged (it was imported) or rejected, with the same reasons as the first time
    assert second["unchanged"] + len(rejected_rows) == first["rows_read"] == second["rows_read"]
    assert rejected_rows == {r["row"] for r in first["rejected"]}


# --- what a review found: rejected rows leave nothing, identifiers never overwritten, stale plans refused ----

SCDL_HEADER = "nomBeneficiaire;idBeneficiaire;objet;montant;referenceDecision;dateConvention"


def siret_of(prefix: str) -> str:
    from portfolio.domain.identifiers import with_luhn_digit

    return with_luhn_digit(with_luhn_digit(prefix) + "0001")


def scdl(tmp_path: Path, name: str, rows: list[str], header: str = SCDL_HEADER) -> Path:
    path = tmp_path / name
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def run_cli(capsys: pytest.CaptureFixture[str], tmp_path: Path, db: Path, path: Path,
            mapping: dict[str, Any] | None = None, *extra: str) -> tuple[int, dict[str, Any]]:
    mapped = map_file(tmp_path, mapping or {"defaults": {"call": "IA-SANTE"}})
    return cli_json(capsys, "import", str(path), "--db", str(db), "--map", str(mapped), "--json", *extra)


def test_nothing_of_a_rejected_row_is_written(capsys: pytest.CaptureFixture[str], portfolio_path: Path,
                                              tmp_path: Path) -> None:
    acme = siret_of("12345678")
    path = scdl(tmp_path, "doublon.csv", [f"ACME;{acme};Projet P;100;R1;2024-01-10;",
                                           f"ACME;{acme};Projet P;100;R1;2024-01-10;Paris"],
                header=SCDL_HEADER + ";ville")
    code, result = run_cli(capsys, tmp_path, portfolio_path, path,
                           {"columns": {"ville": "org.city"}, "defaults": {"call": "IA-SANTE"}})
    assert code == 0 and [(r["row"], "deux fois" in r["reason"]) for r in result["rejected"]] == [(3, True)]
    assert sql(portfolio_path, "SELECT city FROM organisation") == [("",)]  # Paris came from the rejected row
    assert sql(portfolio_path, "SELECT requested_cents FROM application") == [(10000,)]
    assert not [f for f in result["flagged"] if f["row"] == 3]


def test_a_name_match_never_takes_another_company_s_identifiers(capsys: pytest.CaptureFixture[str],
                                                                 portfolio_path: Path, tmp_path: Path) -> None:
    first, other = siret_of("80000002"), siret_of("80000003")
    run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "a.csv", [f"ACME;{first};P1;100;R1;2024-01-10"]))
    code, result = run_cli(capsys, tmp_path, portfolio_path,
                           scdl(tmp_path, "b.csv", [f"ACME;{other};P2;100;R2;2024-01-10"]))
    assert code == 0 and result["created"]["organisation"] == 1  # a homonym, not the same company
    assert sorted(sql(portfolio_path, "SELECT siret FROM organisation")) == sorted([(first,), (other,)])


def test_one_import_never_creates_two_organisations_with_one_siret(capsys: pytest.CaptureFixture[str],
                                                                   portfolio_path: Path, tmp_path: Path) -> None:
    x = siret_of("23456789")
    path = scdl(tmp_path, "x.csv", ["X;;P1;100;R1;2024-01-10", f"X;{x};P2;100;R2;2024-01-10",
                                    f"X Corp;{x};P3;100;R3;2024-01-10"])
    code, result = run_cli(capsys, tmp_path, portfolio_path, path)
    assert code == 0 and result["rejected"] == []
    assert sql(portfolio_path, "SELECT count(*), count(DISTINCT siret) FROM organisation") == [(1, 1)]
    _, again = run_cli(capsys, tmp_path, portfolio_path, path)
    assert again["rejected"] == [] and again["unchanged"] == 3


def test_a_file_contradicting_itself_is_refused_whatever_is_stored(capsys: pytest.CaptureFixture[str],
                                                                   portfolio_path: Path, tmp_path: Path) -> None:
    a = siret_of("34567890")
    header = SCDL_HEADER + ";ville"
    mapping = {"columns": {"ville": "org.city"}, "defaults": {"call": "IA-SANTE"}}
    run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "1.csv", [f"A;{a};P0;100;R0;2024-01-10;Lyon"], header),
            mapping)
    path = scdl(tmp_path, "2.csv", [f"A;{a};P1;100;R1;2024-01-10;Paris", f"A;{a};P2;100;R2;2024-01-10;Lyon"], header)
    _, result = run_cli(capsys, tmp_path, portfolio_path, path, mapping)
    assert [r["row"] for r in result["rejected"]] == [3] and "autre valeur" in result["rejected"][0]["reason"]
    _, again = run_cli(capsys, tmp_path, portfolio_path, path, mapping)
    assert again["updated"] == {} and again["created"] == {}
    assert sql(portfolio_path, "SELECT city FROM organisation") == [("Paris",)]


def test_a_plan_made_before_another_change_is_refused(portfolio_path: Path, tmp_path: Path) -> None:
    from portfolio.exchange.imports import plan_import, prepare
    from portfolio.exchange.plan import ImportRefused, apply_plan
    from portfolio.services.portfolio import open_portfolio

    path = scdl(tmp_path, "s.csv", [f"S;{siret_of('45678901')};P;100;R;2024-01-10"])
    with open_portfolio(portfolio_path) as db:
        prepared = prepare(path, untrusted=False)
        prepared.mapping.defaults["call"] = "IA-SANTE"
        first, second = plan_import(db, prepared, untrusted=False), plan_import(db, prepared, untrusted=False)
        assert apply_plan(db, first) is not None
        with pytest.raises(ImportRefused, match="modifiée depuis"):
            apply_plan(db, second)
    assert sql(portfolio_path, "SELECT count(*) FROM organisation") == [(1,)]


def test_an_existing_consortium_keeps_its_lead_and_a_total_alone_never_resplits_an_aid(
        capsys: pytest.CaptureFixture[str], portfolio_path: Path, tmp_path: Path) -> None:
    a, b = siret_of("56789012"), siret_of("67890123")
    # "montant" read as an aid's total (grant and advance together), not SCDL's grant total
    total = {"columns": {"montant": "aid.total"}, "defaults": {"call": "IA-SANTE"}}
    run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "1.csv", [f"A;{a};P;100;R1;2024-01-10"]), total)
    run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "2.csv", [f"B;{b};P;50;R1;2024-01-10"]), total)
    roles = sql(portfolio_path, "SELECT o.name, p.role FROM application_partner p JOIN organisation o "
                                "ON o.id = p.organisation_id ORDER BY o.name")
    assert roles == [("A", "chef_de_file"), ("B", "partenaire")]
    uuid = sql(portfolio_path, "SELECT a.uuid FROM aid a JOIN organisation o ON o.id = a.organisation_id "
                               "WHERE o.name = 'A'")[0][0]
    from portfolio.services.changes import FieldChange, apply_changes
    from portfolio.services.portfolio import open_portfolio

    with open_portfolio(portfolio_path) as db:
        apply_changes(db, [FieldChange("aid", uuid, "advance_cents", 0, 5000)], source="écran")
    _, result = run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "3.csv", [f"A;{a};P;200;R1;2024-01-10"]),
                        total)
    assert [r["column"] for r in result["rejected"]] == ["montant"] and "subvention ou d'avance" in \
        result["rejected"][0]["reason"]
    assert sql(portfolio_path, "SELECT grant_cents, advance_cents FROM aid WHERE uuid = ?", uuid) == [(10000, 5000)]


def test_hostile_numbers_and_mapping_files_give_reasons_not_crashes(capsys: pytest.CaptureFixture[str],
                                                                    portfolio_path: Path, tmp_path: Path) -> None:
    path = scdl(tmp_path, "n.csv", [f"N;{siret_of('78901234')};P;100000000000000000;R;2024-01-10",
                                    f"M;{siret_of('89012345')};Q;{'9' * 30};S;2024-01-10"])
    code, result = run_cli(capsys, tmp_path, portfolio_path, path)
    assert code == 0 and [r["column"] for r in result["rejected"]] == ["montant", "montant"]
    for bad in ({"columns": {"objet": ["x"]}}, {"defaults": {"calls": ["x"]}}, {"defaults": {"calls": {"IA": 5}}}):
        code = cli.main(["import", str(path), "--db", str(portfolio_path), "--map", str(map_file(tmp_path, bad))])
        err = capsys.readouterr().err
        assert code == 1 and "erreur inattendue" not in err and "map.json" in err


def test_undo_refuses_a_batch_that_is_not_an_import(capsys: pytest.CaptureFixture[str], portfolio_path: Path,
                                                    tmp_path: Path) -> None:
    _, result = run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "u.csv", [f"U;{siret_of('90123456')};P;1;R;"]))
    _, undone = cli_json(capsys, "import", "--undo", result["batch_id"], "--db", str(portfolio_path), "--json")
    code = cli.main(["import", "--undo", undone["batch_id"], "--db", str(portfolio_path)])
    assert code == 1 and "n'est pas un import" in capsys.readouterr().err


def test_the_rejected_rows_file_is_written_before_the_import(capsys: pytest.CaptureFixture[str],
                                                            portfolio_path: Path, tmp_path: Path) -> None:
    path = scdl(tmp_path, "r.csv", ["Z;2,43E+13;P;1;R;"])
    code = cli.main(["import", str(path), "--db", str(portfolio_path), "--map",
                     str(map_file(tmp_path, {"defaults": {"call": "IA-SANTE"}})), "--rejected",
                     str(tmp_path / "absent" / "r.xlsx")])
    assert code == 1 and "Traceback" not in capsys.readouterr().err
    assert sql(portfolio_path, "SELECT count(*) FROM audit_entry WHERE source LIKE 'import %'") == [(0,)]


def test_a_project_region_never_contradicts_an_organisation(capsys: pytest.CaptureFixture[str],
                                                            portfolio_path: Path, tmp_path: Path) -> None:
    """The France 2030 list's "Régions" is where the project is: one company, projects in several regions."""
    header = "Date de la DPM;Procédure;Nom du projet;Bénéficiaire;SIREN/SIRET;Régions;Montant de subvention (en€)"
    cnrs = siret_of("18008901")
    path = scdl(tmp_path, "f2030.csv", [f"16/01/2023;X;P1;CNRS;{cnrs};Bretagne;100",
                                        f"16/01/2023;X;P2;CNRS;{cnrs};Occitanie;200"], header=header)
    code, result = run_cli(capsys, tmp_path, portfolio_path, path)
    assert code == 0 and result["profile"] == "france2030" and result["rejected"] == []
    assert sql(portfolio_path, "SELECT r.name FROM organisation o JOIN region r ON r.id = o.region_id") == \
        [("Bretagne",)]
    _, again = run_cli(capsys, tmp_path, portfolio_path, path)
    assert again["updated"] == {} and again["unchanged"] == 2


def test_a_project_first_imported_without_its_reference_is_found_with_it(capsys: pytest.CaptureFixture[str],
                                                                         portfolio_path: Path, tmp_path: Path) -> None:
    s = siret_of("13579246")
    header = "nomBeneficiaire;idBeneficiaire;objet;montant"
    run_cli(capsys, tmp_path, portfolio_path, scdl(tmp_path, "1.csv", [f"S;{s};Télésuivi;100"], header=header))
    _, result = run_cli(capsys, tmp_path, portfolio_path,
                        scdl(tmp_path, "2.csv", [f"S;{s};Télésuivi;100;Z9;2024-01-10"]))
    assert result["created"] == {} and result["updated"] == {"application": 1, "project": 1}
    assert sql(portfolio_path, "SELECT reference, title FROM application") == [("Z9", "Télésuivi")]


def test_import_profiles_live_beside_the_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #20: profils-import/ ignored PORTFOLIO_CONFIG_DIR, the one override of the user's configuration."""
    from portfolio.services.app_paths import import_profiles_folder, settings_file

    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(tmp_path / "config"))
    assert import_profiles_folder().parent == settings_file().parent == tmp_path / "config"


def test_a_plan_that_consumes_the_files_rows_is_the_same_plan(tmp_path: Path, portfolio_path: Path) -> None:
    """The command line plans once and writes (issue #20's memory): the file's rows are dropped as they are
    planned, and the plan is exactly the one made keeping them (the window's, which may plan again)."""
    from bench.workbooks import write_beneficiaries

    from portfolio.exchange.imports import plan_import, prepare
    from portfolio.services.portfolio import open_portfolio

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 300)
    plans = []
    with open_portfolio(portfolio_path) as db:
        for consume in (False, True):
            prepared = prepare(workbook, untrusted=False)
            plan = plan_import(db, prepared, consume=consume)
            rows_left = [values for _number, values in prepared.table.rows if values]
            assert bool(rows_left) is not consume and (prepared.workbook.sheets[0].rows == []) is consume
            plans.append(plan)
    kept, consumed = plans
    assert len(kept.creates) > 300 and kept.rows_read == consumed.rows_read == 300
    def shown(plan: Any) -> list[tuple[str, dict[str, Any], int]]:  # each plan draws its own uuids: references
        return [(r.entity, {k: getattr(v, "entity", v) for k, v in r.values.items()}, r.source_row)  # by entity
                for r in plan.creates]

    assert shown(kept) == shown(consumed)
    assert [(r.row, r.reason) for r in kept.rejected] == [(r.row, r.reason) for r in consumed.rejected]


def test_a_planned_record_holds_its_values_compactly_and_is_completed_exactly() -> None:
    """Issue #20's memory: a planned record's values are a tuple beside field names shared by every record of the
    same fields (a dict each was a third of a 100,000-row plan); completing one (``put``) and taking it back give
    exactly the values before."""
    from portfolio.exchange.plan import NewRecord

    first = NewRecord("aid", "u1", {"project_id": 1, "grant_cents": 500_00}, 4)
    second = NewRecord("aid", "u2", {"project_id": 2, "grant_cents": None}, 5)
    assert first._names is second._names and first.values == {"project_id": 1, "grant_cents": 500_00}
    assert first.values is not first.values  # (a new dict each time: changing it changes nothing)
    old = second.put("grant_cents", 12_50)
    added = second.put("advance_cents", 7)
    assert second.values == {"project_id": 2, "grant_cents": 12_50, "advance_cents": 7} and old is None
    second.put("advance_cents", added)  # (what put returned for an absent field removes it again)
    second.put("grant_cents", old)
    assert second == NewRecord("aid", "u2", {"project_id": 2, "grant_cents": None}, 5)
    assert second.get("grant_cents", "?") is None and second.get("label", "?") == "?"


def test_clean_text_keeps_the_readers_shared_string() -> None:
    """A cell already clean is kept as the same string: equal cells stay one object (issue #20's memory)."""
    from portfolio.exchange.values import parse_text

    cell = "".join(["Clinique ", "des Alpes"])  # (built at run time: not a constant the compiler shares)
    assert parse_text(cell) is cell and parse_text("  Clinique   des Alpes ") == cell


def test_an_imports_write_uses_its_own_page_cache_and_gives_the_connection_back(
        tmp_path: Path, portfolio_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The write of an import runs with a smaller SQLite page cache (IMPORT_CACHE_KIB: as fast at 100,000 rows,
    50 MiB less), and the connection has its usual cache again after, written or refused."""
    from bench.workbooks import write_beneficiaries

    from portfolio.db.database import CACHE_KIB, IMPORT_CACHE_KIB
    from portfolio.db.sqlite_file import raw_connection
    from portfolio.exchange.imports import plan_import, prepare
    from portfolio.exchange.plan import apply as apply_module
    from portfolio.services.portfolio import open_portfolio

    seen = []
    door = apply_module.apply_in_session

    def watched(session: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(raw_connection(session).execute("PRAGMA cache_size").fetchone()[0])
        return door(session, *args, **kwargs)

    monkeypatch.setattr(apply_module, "apply_in_session", watched)
    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 20)
    with open_portfolio(portfolio_path) as db:
        plan = plan_import(db, prepare(workbook, untrusted=False))
        assert apply_module.apply_plan(db, plan) is not None
        with pytest.raises(apply_module.ImportRefused):  # (the base changed since this plan: refused)
            apply_module.apply_plan(db, plan)
        with db.read() as session:
            after = raw_connection(session).execute("PRAGMA cache_size").fetchone()[0]
    assert seen == [-IMPORT_CACHE_KIB] and after == -CACHE_KIB


def test_an_imports_record_is_held_by_the_chain_and_checked(tmp_path: Path, portfolio_path: Path) -> None:
    """Issue #20: the entries of an import name only their row; the file, its SHA-256 and the sheet are its record
    (import_batch), which the trail holds too (one entry of the import's batch), so that `portfolio check` sees the
    record changed behind the application's back, triggers dropped and put back."""
    from bench.workbooks import write_beneficiaries

    from portfolio.db.schema_check import SQLITE_TRIGGERS
    from portfolio.services.integrity import check_file
    from portfolio.services.portfolio import open_portfolio

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 20)
    with open_portfolio(portfolio_path) as db:
        _plan, result = run_import(db, workbook, untrusted=False)
        assert result is not None
    [entry] = sql(portfolio_path, "SELECT source, new_value FROM audit_entry WHERE batch = ? AND field = '_import'",
                  result.batch)
    assert entry[0] == "import" and json.loads(entry[1])["file_name"] == "beneficiaires.xlsx"
    assert check_file(portfolio_path).sound, check_file(portfolio_path).problems()
    with sqlite3.connect(portfolio_path, isolation_level=None) as connection:
        connection.execute("DROP TRIGGER import_batch_no_update")
        connection.execute("UPDATE import_batch SET file_name = 'autre.xlsx'")
        connection.execute(SQLITE_TRIGGERS["import_batch_no_update"])
    connection.close()
    report = check_file(portfolio_path)
    assert not report.sound and report.replay.differing == {"import_batch": 1}
    assert any("autre.xlsx" in problem and "journal d'audit a gardé" in problem for problem in report.problems())


def test_the_journal_shows_an_imports_record_in_words(tmp_path: Path, portfolio_path: Path) -> None:
    """The import's own entry reads as such in the journal: its type, its file for a name, its record in words."""
    from bench.workbooks import write_beneficiaries

    from portfolio.services import listing
    from portfolio.services.portfolio import open_portfolio

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 5)
    with open_portfolio(portfolio_path) as db:
        run_import(db, workbook, untrusted=False)
        with db.read() as session:
            ids = listing.query_ids(session, listing.ListQuery("audit", sort="seq", descending=True))
            [row] = listing.fetch_rows(session, "audit", ids[:1]).values()
    shown = dict(zip([c.key for c in listing.columns("audit")], row, strict=True))
    assert (shown["entity"], shown["record"], shown["field"], shown["old"]) == (
        "Import", "beneficiaires.xlsx", "Enregistrement de l'import", "")
    assert shown["new"].startswith("Fichier : beneficiaires.xlsx ; SHA-256 : ") and "Lignes lues : 5" in shown["new"]
    from portfolio.services.audit import ERASURE_FIELD, MIGRATION_FIELD

    assert {ERASURE_FIELD, MIGRATION_FIELD} <= set(listing._TRAIL_FIELDS)  # (written out there, named here)
    with open_portfolio(portfolio_path) as db, db.read() as session:  # its entries are found by the file's name
        found = listing.query_ids(session, listing.ListQuery("audit", search="Bénéficiaires"))
        batches = {b for (b,) in sql(portfolio_path, "SELECT DISTINCT batch FROM audit_entry WHERE seq IN "
                                                     f"({', '.join(str(seq) for seq in found)})")}
    assert len(found) > 5 and batches == {b for (b,) in sql(portfolio_path, "SELECT batch FROM import_batch")}



def test_the_journals_source_filter_offers_an_import_as_one_choice(tmp_path: Path, portfolio_path: Path) -> None:
    """Each entry of an import has its row as source ("import, ligne 12"): the journal's Source filter offers the
    import once, by its file, and choosing it shows every entry of the import, its own record included."""
    from bench.workbooks import write_beneficiaries

    from portfolio.services import listing
    from portfolio.services.portfolio import open_portfolio

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 5)
    with open_portfolio(portfolio_path) as db:
        _plan, result = run_import(db, workbook, untrusted=False)
        assert result is not None
        with db.read() as session:
            options = dict(listing.filter_options(session, "audit", "source"))
            chosen = set(listing.query_ids(session, listing.ListQuery("audit", filters={"source": (result.batch,)})))
            others = set(listing.query_ids(session, listing.ListQuery(
                "audit", filters={"source": tuple(v for v in options if v != result.batch)})))
    assert not any(str(label).startswith("import, ligne") for label in options.values())
    assert options[result.batch].startswith("import beneficiaires.xlsx du ")
    every = {seq for (seq,) in sql(portfolio_path, "SELECT seq FROM audit_entry WHERE batch = ?", result.batch)}
    assert chosen == every and len(every) > 5 and not chosen & others
    assert chosen | others == {seq for (seq,) in sql(portfolio_path, "SELECT seq FROM audit_entry")}


def test_an_imports_record_entered_twice_in_the_trail_is_seen(tmp_path: Path, portfolio_path: Path) -> None:
    """A second `_import` entry for the same batch, chained like the door's, cannot rewrite the record the trail
    holds (issue #20's review): check keeps the first and reports the second."""
    from bench.workbooks import write_beneficiaries

    from portfolio.services.changes import append_audit_entries
    from portfolio.services.import_batches import IMPORT_FIELD, TABLE, imports
    from portfolio.services.integrity import check_file
    from portfolio.services.portfolio import open_portfolio

    workbook = write_beneficiaries(tmp_path / "beneficiaires.xlsx", 5)
    with open_portfolio(portfolio_path) as db:
        _plan, result = run_import(db, workbook, untrusted=False)
        assert result is not None
        [(held,)] = sql(portfolio_path, "SELECT new_value FROM audit_entry WHERE field = '_import'")
        forged = {**json.loads(held), "file_name": "autre.xlsx"}
        with db.write() as session:
            append_audit_entries(session, [(TABLE, result.batch, IMPORT_FIELD, forged)], source="import")
        with db.read() as session:
            assert imports(session)[result.batch].file_name == "beneficiaires.xlsx"
    report = check_file(portfolio_path)
    assert not report.sound and any("enregistré une seconde fois" in problem for problem in report.problems())
