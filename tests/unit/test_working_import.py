"""A working workbook imported as a whole (issue #5 acceptance: "importing the application's own export into an
empty database restores the same records"): same uuids, same values, same references; names shared by two
records settled by the hidden uuid columns; bad lines rejected where they are; the sender's own export refused."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from portfolio import cli
from portfolio.exchange.imports import import_history, run_import, undo_import
from portfolio.exchange.working_import import WorkingImportRefused, looks_like_working_workbook
from portfolio.exchange.working_workbook import DEFAULT_ENTITIES, Selection, columns, export_working_workbook
from portfolio.services import fields
from portfolio.services.changes import Create, apply_changes, new_uuid
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio


def by_header(sheet: Any, values: dict[str, Any]) -> list[Any]:
    """A new line for a workbook's sheet, its values given by column header (columns move as fields are added)."""
    return [values.get(cell.value) for cell in sheet[1]]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The demo portfolio and its working workbook with every record type, personal data included."""
    folder = tmp_path_factory.mktemp("working")
    demo, workbook = folder / "demo.sqlite", folder / "classeur.xlsx"
    with open_portfolio(demo) as db:
        write_demo(db)
        export_working_workbook(db, Selection(DEFAULT_ENTITIES, personal=True), workbook)
    return demo, workbook


def records(path: Path) -> dict[str, dict[str, tuple[object, ...]]]:
    """Every record of the workbook's types by uuid: the fields a workbook carries by default (not a project's officer
    in charge: officers travel when asked), references as the referred uuids."""
    out = {}
    with sqlite3.connect(path) as connection:
        for entity in DEFAULT_ENTITIES:
            selected = [f"(SELECT uuid FROM {fields.table(s.target).name} r WHERE r.id = t.{s.name})" if s.target
                        else f"t.{s.name}" for s in columns(entity, personal=True)]
            out[entity] = {row[0]: row[1:] for row in connection.execute(
                f"SELECT t.uuid, {', '.join(selected)} FROM {fields.table(entity).name} t")}
    return out


def test_the_export_imports_into_an_empty_portfolio_as_the_same_records(exported: tuple[Path, Path],
                                                                         tmp_path: Path) -> None:
    demo, workbook = exported
    assert looks_like_working_workbook(workbook)
    empty = tmp_path / "vide.sqlite"
    with open_portfolio(empty) as db:
        plan, result = run_import(db, workbook)
        assert plan.rejected == [] and result is not None
        assert plan.created_counts() == {e: n for e, n in ((e, len(r)) for e, r in records(demo).items()) if n}
        again, nothing = run_import(db, workbook)
        assert again.is_empty and again.unchanged == again.rows_read and nothing is None  # imported twice: no change
    expected, restored = records(demo), records(empty)
    for entity in DEFAULT_ENTITIES:
        assert restored[entity] == expected[entity], entity
    with open_portfolio(empty) as db:  # one batch, each record's source naming its sheet and row; undone whole
        sources = [row[0] for row in db.read().__enter__().connection().exec_driver_sql(
            "SELECT DISTINCT source FROM audit_entry WHERE entity = 'milestone' LIMIT 3")]
        assert sources and all(s.startswith("import, feuille Jalon, ligne ") for s in sources)
        [past] = import_history(db)
        assert past.record.file_name == "classeur.xlsx" and past.record.sheets is not None
        assert past.record.sheets["milestone"] == "Jalon"
        undo_import(db, past.batch)
    assert all(not rows for rows in records(empty).values())


def test_the_sender_takes_its_own_workbook_back_with_the_sync(exported: tuple[Path, Path], tmp_path: Path) -> None:
    demo, workbook = exported
    copy = tmp_path / "demo.sqlite"
    copy.write_bytes(demo.read_bytes())
    with open_portfolio(copy) as db, pytest.raises(WorkingImportRefused, match="Reprendre le classeur"):
        run_import(db, workbook)


def _two_of_the_same_name(path: Path) -> tuple[str, str]:
    """A portfolio with two organisations called "CHU", each with one contact."""
    first, second = new_uuid(), new_uuid()
    with open_portfolio(path) as db:
        apply_changes(db, [Create("organisation", first, {"name": "CHU", "city": "Rennes"}),
                           Create("organisation", second, {"name": "CHU", "city": "Brest"})], source="test")
        with db.read() as session:
            ids = dict(session.connection().exec_driver_sql("SELECT uuid, id FROM organisation").fetchall())
        apply_changes(db, [Create("contact", new_uuid(), {"organisation_id": ids[first], "last_name": "Rennais"}),
                           Create("contact", new_uuid(), {"organisation_id": ids[second], "last_name": "Brestois"})],
                      source="test")
    return first, second


def test_a_name_shared_by_two_records_is_settled_by_the_hidden_uuid(tmp_path: Path) -> None:
    source, workbook = tmp_path / "source.sqlite", tmp_path / "classeur.xlsx"
    _two_of_the_same_name(source)
    with open_portfolio(source) as db:
        export_working_workbook(db, Selection(("organisation", "contact"), personal=True), workbook)
    with open_portfolio(tmp_path / "a.sqlite") as db:
        plan, _ = run_import(db, workbook)
        assert plan.rejected == []
    assert records(tmp_path / "a.sqlite")["contact"] == records(source)["contact"]

    book = load_workbook(workbook)  # without the hidden column, "CHU" could be either: the line is rejected
    sheet = book["Contact"]
    headers = [c.value for c in sheet[1]]
    sheet.delete_cols(headers.index("uuid Structure") + 1)
    book.save(workbook)
    with open_portfolio(tmp_path / "b.sqlite") as db:
        plan, _ = run_import(db, workbook)
    assert [(r.sheet, r.row, r.column) for r in plan.rejected] == [("Contact", 2, "Structure"),
                                                                    ("Contact", 3, "Structure")]
    assert "2 fiches « Structure » s'appellent « CHU »" in plan.rejected[0].reason
    assert plan.created_counts() == {"organisation": 2}


def test_edited_lines_update_and_bad_lines_are_rejected_where_they_are(exported: tuple[Path, Path],
                                                                       tmp_path: Path) -> None:
    """Into a portfolio holding an older copy of the records: a renamed organisation is updated (and its
    contacts still find it by its new name), a line added without uuid is created, a malformed uuid, a formula
    and a cleared required value reject their lines and nothing else."""
    demo, workbook = exported
    other = tmp_path / "autre.sqlite"
    other.write_bytes(demo.read_bytes())
    with open_portfolio(other) as db, db.write() as session:
        session.connection().exec_driver_sql("DELETE FROM export_batch")  # another portfolio, not the sender
    edited = tmp_path / "modifie.xlsx"
    book = load_workbook(workbook)
    organisations, contacts = book["Structure"], book["Contact"]
    old_name = organisations["B2"].value
    organisations["B2"] = old_name + " (renommée)"  # the other sheets still show the old name: their hidden
    for row in contacts.iter_rows(min_row=2):  # uuid says which record it is; the contacts show the new one
        if row[1].value == old_name:
            row[1].value = old_name + " (renommée)"
    organisations.append(by_header(organisations, {"Raison sociale": "Nouvelle structure", "Ville": "Quimper"}))
    organisations["A3"] = "pas-un-uuid"
    city = next(cell.column_letter for cell in organisations[1] if cell.value == "Ville")
    organisations[f"{city}4"] = "=1+1"
    contacts["D2"] = None  # Nom: required
    book.save(edited)
    with open_portfolio(other) as db:
        plan, result = run_import(db, edited)
    assert result is not None
    assert sorted((r.sheet, r.row, r.column) for r in plan.rejected) == [
        ("Contact", 2, "Nom"), ("Structure", 3, "uuid"), ("Structure", 4, "Ville")]
    assert plan.created_counts() == {"organisation": 1}
    assert {(u.entity, u.field) for u in plan.updates} == {("organisation", "name")}
    with sqlite3.connect(other) as connection:
        assert connection.execute("SELECT count(*) FROM organisation WHERE name = ?",
                                  (old_name + " (renommée)",)).fetchone() == (1,)
        assert connection.execute("SELECT city FROM organisation WHERE name = 'Nouvelle structure'").fetchone() == (
            "Quimper",)


def test_the_command_line_imports_a_working_workbook(exported: tuple[Path, Path], tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    _demo, workbook = exported
    assert cli.main(["--db", str(tmp_path / "vide.sqlite"), "import", str(workbook), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["created"]["milestone"] > 0 and result["rejected"] == [] and result["batch_id"]
    assert result["sheet"].startswith("Structure, Contact, Candidature")


def test_lines_that_would_break_a_unique_key_or_reuse_a_uuid_are_rejected_alone(exported: tuple[Path, Path],
                                                                                 tmp_path: Path) -> None:
    """A consortium line copied with its column A emptied (as "À lire" says for new lines) names the same
    application and organisation twice; a contact given its organisation's uuid: each line is rejected with its
    reason, the rest imported (not the whole import refused by the database at the end)."""
    _demo, workbook = exported
    edited = tmp_path / "copie.xlsx"
    book = load_workbook(workbook)
    members = book["Membre du consortium"]
    copied = [c.value for c in members[2]]
    members.append([None, *copied[1:]])
    book["Contact"]["A2"] = book["Structure"]["A2"].value
    book.save(edited)
    with open_portfolio(tmp_path / "vide.sqlite") as db:
        plan, result = run_import(db, edited)
    assert result is not None
    rejected = {(r.sheet, r.row): r.reason for r in plan.rejected}
    assert set(rejected) == {("Membre du consortium", members.max_row), ("Contact", 2)}
    assert "une seule est permise" in rejected[("Membre du consortium", members.max_row)]
    assert "feuille « Structure »" in rejected[("Contact", 2)]


def test_a_person_erased_here_is_not_brought_back_by_a_workbook(exported: tuple[Path, Path], tmp_path: Path) -> None:
    from portfolio.services.gdpr import erase_person, find_person

    _demo, workbook = exported
    path = tmp_path / "p.sqlite"
    with open_portfolio(path) as db:
        run_import(db, workbook)
        with db.read() as session:
            email, uuid = session.connection().exec_driver_sql(
                "SELECT email, uuid FROM contact WHERE email <> '' ORDER BY id LIMIT 1").one()
            person = find_person(session, email=email)
        erase_person(db, person, register=False)
        plan, _result = run_import(db, workbook)
        assert [r.reason for r in plan.rejected if r.sheet == "Contact"] == [
            "cette fiche a été effacée de la base (RGPD) : elle n'est pas importée à nouveau."]
        with db.read() as session:
            assert session.connection().exec_driver_sql("SELECT count(*) FROM contact WHERE uuid = ?",
                                                        (uuid,)).scalar_one() == 0
