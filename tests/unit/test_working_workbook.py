"""The working workbook sent to a regional agency (issue #5, items 1, 2 and 4): sheets, types, protection,
drop-downs, no formula, the export recorded with the exact values sent."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from portfolio import cli
from portfolio.db.database import Database
from portfolio.domain.identifiers import parse_siren
from portfolio.exchange.working_workbook import EXPORT_ID_CELL, ExportError, Selection, export_working_workbook
from portfolio.services.changes import Create, apply_changes, new_uuid
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

HOSTILE = ["=HYPERLINK(\"http://x\",\"clic\")", "+33 1 23", "-2+3", "@SUM(A1)", "=1+1\tTab"]  # (the door trims)


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
    return path


@pytest.fixture
def demo(demo_file: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(demo_file.read_bytes())
    return copy


def leading_zero_siren() -> str:
    for n in range(12_345_600, 12_345_700):
        candidate = f"{n:09d}"
        try:
            return str(parse_siren(candidate))
        except Exception:
            continue
    raise AssertionError("no valid SIREN found")


def test_sheets_types_protection_and_drop_downs(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "agence.xlsx"
    siren = leading_zero_siren()
    with open_portfolio(demo) as db:
        apply_changes(db, [Create("organisation", new_uuid(), {"name": name, "siren": siren if i == 0 else None})
                           for i, name in enumerate(HOSTILE)], source="t")
        result = export_working_workbook(db, Selection(recipient="ARS Bretagne"), out)
    book = load_workbook(out)
    assert book.sheetnames[0] == "À lire" and book["À lire"][EXPORT_ID_CELL].value == result.export_id
    assert "contact" not in result.rows and "Contact" not in book.sheetnames, "no personal data unless asked"
    sheet = book["Structure"]
    assert sheet.column_dimensions["A"].hidden and sheet.protection.sheet and sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}" \
        f"{result.rows['organisation'] + 1}"
    assert sheet["A2"].protection.locked and not sheet["B2"].protection.locked
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["uuid", "Raison sociale", "SIREN"]
    names = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    for hostile in HOSTILE:
        cell = names[hostile][1]
        assert cell.data_type == "s" and cell.value == hostile, "a text that looks like a formula stays text"
    assert names[HOSTILE[0]][2].value == siren and siren.startswith("0") and names[HOSTILE[0]][2].number_format == "@"
    assert not any(c.data_type == "f" for ws in book.worksheets for row in ws.iter_rows() for c in row)
    regions = [v for v in sheet.data_validations.dataValidation if v.formula1 and "Listes" in v.formula1]
    assert regions, "region, typology… offer a drop-down list"
    aid = book["Aide"]
    grant = aid.cell(row=2, column=[c.value for c in aid[1]].index("Subvention") + 1)
    assert isinstance(grant.value, (int, float, Decimal)) and "€" in grant.number_format
    project = book["Projet lauréat"]
    dates = [c for c in project[2] if c.number_format == "DD/MM/YYYY"]
    assert dates and all(isinstance(c.value, (date,)) or c.value is None for c in dates)


def test_the_export_is_recorded_with_the_exact_values_sent(demo: Path, tmp_path: Path) -> None:
    out = tmp_path / "bretagne.xlsx"
    with open_portfolio(demo) as db:
        result = export_working_workbook(db, Selection(("organisation", "aid"), region="53", recipient="ARS"), out)
        with db.read() as session:
            batch = session.execute(text("SELECT recipient, selection, file_name, sha256 FROM export_batch WHERE "
                                         "uuid = :u"), {"u": result.export_id}).one()
            rows = session.execute(text("SELECT entity, record_uuid, sent_values FROM export_row WHERE "
                                        "export_uuid = :u"), {"u": result.export_id}).all()
            in_region = session.execute(text("SELECT count(*) FROM organisation o JOIN region r ON r.id = "
                                             "o.region_id WHERE r.code = '53'")).scalar_one()
    assert batch[0] == "ARS" and json.loads(batch[1])["region"] == "53" and batch[2] == "bretagne.xlsx"
    import hashlib

    assert batch[3] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert result.rows["organisation"] == in_region and len(rows) == sum(result.rows.values())
    sheet = load_workbook(out)["Structure"]
    by_uuid = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    headers = [c.value for c in sheet[1]]
    for entity, uuid, sent in rows:
        if entity != "organisation":
            continue
        values = json.loads(sent)
        assert values["name"] == by_uuid[uuid][headers.index("Raison sociale")].value
        assert values["region_id"] == "Bretagne"  # a reference as it was sent: by its name


def test_personal_data_only_when_asked(demo: Path, tmp_path: Path) -> None:
    with open_portfolio(demo) as db:
        result = export_working_workbook(db, Selection(("contact",), personal=True), tmp_path / "p.xlsx")
        with pytest.raises(ExportError, match="données personnelles"):
            export_working_workbook(db, Selection(("contact",)), tmp_path / "sans.xlsx")
    assert result.rows["contact"] > 0
    headers = [c.value for c in load_workbook(tmp_path / "p.xlsx")["Contact"][1]]
    assert "Courriel" in headers
    assert not (tmp_path / "sans.xlsx").exists()


def test_an_unknown_region_and_an_unwritable_file_record_nothing(demo: Path, tmp_path: Path) -> None:
    with open_portfolio(demo) as db:
        with pytest.raises(ExportError, match="Région inconnue"):
            export_working_workbook(db, Selection(region="99"), tmp_path / "x.xlsx")
        with pytest.raises(Exception, match="n'a pas pu être écrit"):
            export_working_workbook(db, Selection(), tmp_path / "absent" / "x.xlsx")
        with db.read() as session:
            assert session.execute(text("SELECT count(*) FROM export_batch")).scalar_one() == 0


def test_the_command_line_export(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.xlsx"
    assert cli.main(["--db", str(demo), "export", str(out), "--region", "53", "--entities", "organisation,project",
                     "--recipient", "ARS Bretagne", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert set(printed["rows"]) == {"organisation", "project"} and printed["export_id"]
    assert cli.main(["--db", str(demo), "export", str(out), "--entities", "budget"]) == 1
    assert "type(s) inconnu(s)" in capsys.readouterr().err
    with Database.open(demo, readonly=True) as db, db.read() as session:
        assert session.execute(text("SELECT recipient FROM export_batch")).scalars().all() == ["ARS Bretagne"]


def test_statuses_are_offered_per_record_type_and_list_labels_stay_text(demo: Path, tmp_path: Path) -> None:
    with open_portfolio(demo) as db:
        with db.write() as session:
            session.execute(text("UPDATE typology SET label = '=HYPERLINK(\"x\")' WHERE id = (SELECT min(id) FROM "
                                 "typology)"))
        export_working_workbook(db, Selection(("organisation", "project")), tmp_path / "a.xlsx")
        with db.read() as session:
            project_statuses = set(session.execute(text("SELECT label FROM status WHERE entity = 'project'"
                                                        )).scalars())
    book = load_workbook(tmp_path / "a.xlsx")
    lists = book["Listes"]
    assert not any(c.data_type == "f" for row in lists.iter_rows() for c in row)
    sheet = book["Projet lauréat"]
    column = [c.value for c in sheet[1]].index("Statut") + 1
    letter = sheet.cell(row=1, column=column).column_letter
    validation = next(v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith(f"{letter}2"))
    referenced = validation.formula1.split("!")[1].replace("$", "")
    offered = {c.value for row in lists[referenced] for c in row}
    assert offered == project_statuses
    assert not sheet.column_dimensions["B"].protection.locked, "lines can be added below the data"


def test_the_france_2030_list_imports_back_into_an_empty_portfolio(demo: Path, tmp_path: Path) -> None:
    """The official list's layout, written from the demo and read back by the import (profile france2030) into
    an empty portfolio: the same projects, aid and amounts, the same funded organisations."""
    from portfolio.exchange.france2030 import write_france2030
    from portfolio.exchange.imports import run_import

    out = tmp_path / "liste.xlsx"
    with open_portfolio(demo) as db:
        rows = write_france2030(db, out).rows
    sheet = load_workbook(out).active
    assert sheet["B3"].value == "Date de la DPM" and sheet.max_row == rows + 3
    assert all(isinstance(c.value, str) and c.number_format == "@" for c in sheet["G"][3:] if c.value)
    empty = tmp_path / "vide.sqlite"
    with open_portfolio(empty) as db:
        plan, result = run_import(db, out)
        assert plan.profile == "france2030" and plan.rejected == [] and result is not None

    def figures(path: Path) -> tuple[object, ...]:
        import sqlite3

        with sqlite3.connect(path) as connection:
            return (connection.execute("SELECT count(*), sum(grant_cents), sum(advance_cents) FROM aid").fetchone(),
                    connection.execute("SELECT count(*) FROM project").fetchone(),
                    connection.execute("SELECT group_concat(name, '|') FROM (SELECT DISTINCT o.name FROM aid JOIN "
                                       "organisation o ON o.id = aid.organisation_id ORDER BY o.name)").fetchone())

    assert figures(empty) == figures(demo)


def sheet_uuids(path: Path) -> dict[str, dict[str, list[tuple[str, ...]]]]:
    """Per sheet: its records' uuids, and the uuids each hidden reference column names."""
    book = load_workbook(path, read_only=True)
    out: dict[str, dict[str, list[tuple[str, ...]]]] = {}
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        if not rows or rows[0][0] != "uuid":
            continue
        headers = list(rows[0])
        out[sheet.title] = {str(h): [(r[i],) for r in rows[1:]] for i, h in enumerate(headers)
                            if isinstance(h, str) and h.startswith("uuid")}
    return out


def assert_complete(path: Path, organisations: bool) -> None:
    """Every application and project a line names is a line of its own sheet; every organisation too when
    ``organisations`` (a package of projects; a region's names partners from elsewhere without sending them)."""
    sheets = sheet_uuids(path)
    own = {name: {u for (u,) in columns["uuid"]} for name, columns in sheets.items()}
    target = {"uuid Structure": "Structure", "uuid Porteur (chef de file)": "Structure",
              "uuid Bénéficiaire": "Structure", "uuid Candidature": "Candidature", "uuid Projet": "Projet lauréat"}
    checked = 0
    for name, columns in sheets.items():
        for header_, values in columns.items():
            if header_ == "uuid" or (target[header_] == "Structure" and not organisations):
                continue
            named = {u for (u,) in values if u}
            assert named <= own[target[header_]], f"{name}: {header_} names records outside the package"
            checked += len(named)
    assert checked > 0


def test_a_package_by_region_or_saved_view_holds_everything_its_lines_name(
        demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """--region and --view: the records chosen, and every project, application and organisation their lines
    name; a view of organisations within a region; an unknown view named with the views there are."""
    from portfolio.services.listing import ListQuery, filter_options, query_ids
    from portfolio.services.views import save_view

    monkeypatch.setenv("PORTFOLIO_CONFIG_DIR", str(tmp_path / "config"))
    with open_portfolio(demo) as db, db.read() as session:
        [bretagne] = [key for key, label in filter_options(session, "project", "region") if label == "Bretagne"]
    save_view("organisation", "EHPAD", ListQuery("organisation", search="EHPAD"))
    save_view("project", "Bretagne", ListQuery("project", filters={"region": (bretagne,)}))
    everything = Selection(("organisation", "application", "application_partner", "project", "aid", "disbursement",
                            "milestone"))
    with open_portfolio(demo) as db:
        with db.read() as session:
            ehpad = set(query_ids(session, ListQuery("organisation", search="EHPAD")))
            breton_projects = set(query_ids(session, ListQuery("project", filters={"region": (bretagne,)})))
            ehpad_uuids = {u for (u,) in session.execute(text("SELECT uuid FROM organisation WHERE id IN "
                                                              f"({','.join(map(str, ehpad))})"))}
        assert ehpad and breton_projects
        for name, selection in (("region", Selection(everything.entities, region="53")),
                                ("vue-structures", Selection(everything.entities, view="EHPAD")),
                                ("vue-projets", Selection(everything.entities, personal=True, view="Bretagne")),
                                ("vue-dans-region", Selection(everything.entities, region="53", view="EHPAD"))):
            result = export_working_workbook(db, selection, tmp_path / f"{name}.xlsx")
            assert_complete(result.path, organisations=name == "vue-projets")
            if name == "vue-projets":
                assert result.rows["project"] == len(breton_projects)
        structures = {u for (u,) in sheet_uuids(tmp_path / "vue-structures.xlsx")["Structure"]["uuid"]}
        assert ehpad_uuids == structures
        with db.read() as session:
            [(anchored,)] = session.execute(text(
                "SELECT count(*) FROM aid WHERE organisation_id IN (SELECT id FROM organisation WHERE name LIKE "
                "'%EHPAD%')")).all()
        assert export_working_workbook(db, Selection(("aid",), view="EHPAD"), tmp_path / "a.xlsx").rows["aid"] == \
            anchored, "the aid of the EHPAD only, not of their partners"
        with pytest.raises(ExportError, match="vues : organisation:EHPAD, project:Bretagne"):
            export_working_workbook(db, Selection(view="Absente"), tmp_path / "x.xlsx")
        with pytest.raises(ExportError, match="ne se combinent pas"):
            export_working_workbook(db, Selection(region="53", view="Bretagne"), tmp_path / "x.xlsx")
    assert cli.main(["--db", str(demo), "export", str(tmp_path / "cli.xlsx"), "--view", "project:Bretagne",
                     "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"]["project"] == len(breton_projects)
