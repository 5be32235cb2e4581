"""Every workbook the application writes opens in LibreOffice (issue #5 acceptance): converted headless to CSV,
sheet by sheet, each cell shows the value the application wrote, and no cell holding someone's text is a
formula (LibreOffice's CSV of formulas and of values are the same everywhere). The SCDL CSV, opened in
LibreOffice as the README says (columns as Text), has no formula either.

`make test` installs LibreOffice Calc (scripts/setup-system.sh tests) and sets PORTFOLIO_REQUIRE_LIBREOFFICE, so a
missing LibreOffice fails there; elsewhere these tests are skipped without it."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from portfolio.exchange.reading import read_workbook
from portfolio.exchange.working_workbook import DEFAULT_ENTITIES, Selection, export_working_workbook
from portfolio.services.changes import Create, apply_changes, new_uuid
from portfolio.services.demo import write_demo
from portfolio.services.portfolio import open_portfolio

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
if SOFFICE is None and os.environ.get("PORTFOLIO_REQUIRE_LIBREOFFICE"):
    raise RuntimeError("LibreOffice (soffice) is required by make test: scripts/setup-system.sh tests installs it")
pytestmark = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")

# comma, double quote, UTF-8, quote every text, values as shown (token 9), formulas (token 10), every sheet (-1)
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,true,{formulas},false,-1"
HOSTILE = ("=HYPERLINK(\"http://example.org\",\"clic\")", "+33 1 23 45 67 89", "-2+3", "@SUM(A1:A9)")


def soffice(arguments: list[str], folder: Path) -> None:
    """LibreOffice headless, with its own profile (two at once sharing one fail silently) and a fixed locale
    (numbers and dates are written the locale's way)."""
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8", HOME=str(folder))
    subprocess.run([str(SOFFICE), "--headless", "--norestore", "--nologo", "--nolockcheck",
                    f"-env:UserInstallation={(folder / 'profil').as_uri()}", *arguments, "--outdir", str(folder)],
                   env=env, capture_output=True, timeout=300, check=False)


def as_csv(books: list[Path], folder: Path, formulas: bool) -> dict[tuple[str, str], list[list[str]]]:
    """(workbook stem, sheet) -> the sheet as LibreOffice shows it."""
    soffice(["--convert-to", CSV_FILTER.format(formulas=str(formulas).lower()), *map(str, books)], folder)
    sheets = {}
    for book in books:
        for path in folder.glob(f"{book.stem}-*.csv"):
            with path.open(newline="", encoding="utf-8") as file:
                sheets[(book.stem, path.stem[len(book.stem) + 1:])] = list(csv.reader(file))
    missing = [book.name for book in books if not any(stem == book.stem for stem, _sheet in sheets)]
    assert not missing, f"LibreOffice wrote nothing for {missing} (it exits 0 even when it fails)"
    return sheets


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path], Path]:
    """The demo portfolio with hostile texts, and every workbook and the CSV the application writes of it."""
    from portfolio.exchange.france2030 import write_france2030
    from portfolio.exchange.giving360 import write_360giving
    from portfolio.exchange.scdl import write_scdl

    folder = tmp_path_factory.mktemp("libreoffice")
    path = folder / "demo.sqlite"
    with open_portfolio(path) as db:
        write_demo(db)
        with db.read() as session:
            aided = session.connection().exec_driver_sql(
                "SELECT organisation_id FROM aid ORDER BY id LIMIT ?", (len(HOSTILE),)).fetchall()
            uuids = [u for (u,) in session.connection().exec_driver_sql(
                f"SELECT uuid FROM organisation WHERE id IN ({', '.join(str(i) for (i,) in aided)}) ORDER BY id")]
        from portfolio.services.changes import FieldChange, current_values

        with db.read() as session:
            old = [current_values(session, "organisation", u)["name"] for u in uuids]
        apply_changes(db, [FieldChange("organisation", u, "name", o, text)
                           for u, o, text in zip(uuids, old, HOSTILE, strict=True)], source="test")
        apply_changes(db, [Create("organisation", new_uuid(), {"name": "Structure\nsur deux lignes « Île »",
                                                               "siren": "012345674"})], source="test")
        books = [folder / "classeur-de-travail.xlsx", folder / "liste-france-2030.xlsx", folder / "360giving.xlsx"]
        export_working_workbook(db, Selection(DEFAULT_ENTITIES, personal=True), books[0])
        write_france2030(db, books[1])
        write_360giving(db, books[2])
        scdl = folder / "scdl.csv"
        write_scdl(db, scdl, incomplete=True)  # every row, the names that look like formulas among them
    return path, books, scdl


def shown(value: Any, text: str) -> bool:
    """Whether LibreOffice's text of a cell shows the value the application wrote."""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("TRUE" if value else "FALSE")
    if isinstance(value, datetime | date):  # the French way, or ISO where a standard asks for it (360Giving)
        return text in (value.strftime("%d/%m/%Y"), value.strftime("%Y-%m-%d"))
    if isinstance(value, int | float):
        number = text.replace("€", "").replace(",", "").replace("\u00a0", "").replace(" ", "")
        return abs(float(number) - value) < 0.005
    return text == str(value)


def test_every_workbook_opens_in_libreoffice_with_the_values_written(written: tuple[Path, list[Path], Path],
                                                                      tmp_path: Path) -> None:
    _path, books, _scdl = written
    converted = as_csv(books, tmp_path / "valeurs", formulas=False)
    compared = 0
    for book in books:
        ours = {sheet.name: sheet.rows for sheet in read_workbook(book, all_sheets=True).sheets}
        assert {sheet for stem, sheet in converted if stem == book.stem} == set(ours), book.name
        for name, rows in ours.items():
            lines = converted[(book.stem, name)]
            for r, line in enumerate(lines):
                for c, text in enumerate(line):
                    value = rows[r][c] if r < len(rows) and c < len(rows[r]) else None
                    assert shown(value, text), f"{book.name}, {name}!R{r + 1}C{c + 1}: {value!r} shown as {text!r}"
                    compared += value is not None
    assert compared > 50_000  # the demo's every record, field by field
    organisations = converted[("classeur-de-travail", "Structure")]
    names = {line[1] for line in organisations[1:]}
    assert set(HOSTILE) <= names and "Structure\nsur deux lignes « Île »" in names
    assert any(line[2] == "012345674" for line in organisations), "a SIREN keeps its leading zero"


def test_no_cell_is_a_formula_in_libreoffice(written: tuple[Path, list[Path], Path], tmp_path: Path) -> None:
    _path, books, _scdl = written
    values = as_csv(books, tmp_path / "valeurs", formulas=False)
    formulas = as_csv(books, tmp_path / "formules", formulas=True)
    assert values.keys() == formulas.keys()
    differing = [(key, r) for key in values for r, (a, b) in enumerate(zip(values[key], formulas[key], strict=True))
                 if a != b]
    assert differing == []  # a formula would show its text in one and its result in the other


def test_the_scdl_csv_opens_in_libreoffice_without_a_formula_as_the_readme_says(
        written: tuple[Path, list[Path], Path], tmp_path: Path) -> None:
    """The open-data CSV publishes each value as typed (no character added): opened as the README says (comma,
    UTF-8, every column as Text), a name that looks like a formula stays the text it is."""
    from portfolio.exchange.scdl import COLUMNS

    _path, _books, scdl = written
    folder = tmp_path / "scdl"
    as_text = "/".join(f"{column}/2" for column in range(1, len(COLUMNS) + 1))  # 2: the Text column type
    soffice([f"--infilter=CSV:44,34,76,1,{as_text}", "--convert-to", "xlsx", str(scdl)], folder)
    book = load_workbook(folder / "scdl.xlsx")
    cells = [cell for row in book.active.iter_rows() for cell in row if cell.value is not None]
    assert len(cells) > 1_000 and not [c.coordinate for c in cells if c.data_type == "f"]
    texts = {str(c.value) for c in cells}
    assert set(HOSTILE) <= texts, "the names that look like formulas are there, as they were typed"
