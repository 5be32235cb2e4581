"""The working workbook's rows written straight as SpreadsheetML (exchange.sheet_rows): every value comes back
as written through the application's own reader, calamine and openpyxl, and no text is ever a formula."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from python_calamine import CalamineWorkbook

from portfolio.exchange.reading import read_untrusted
from portfolio.exchange.sheet_rows import SheetRows, column_letter, splice

HOSTILE = [" leading space", "trailing space ", "=1+1", "+33 6 12", "-x", "@SUM(A1)", "a\r\nb", "&<>\"'",
           "ctrl\x01\x1fchars", "literal _x0041_ stays", "Île-de-France — 50 %", "\tTab"]


def _book(tmp_path: Path, rows: list[list[object]], styles: list[int | None] | None = None) -> Path:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Feuille")
    width = max(len(r) for r in rows)
    sheet.append([f"col{i}" for i in range(width)])
    part = SheetRows(styles or [None] * width)
    try:
        for row in rows:
            part.append(row)
        skeleton = io.BytesIO()
        book.save(skeleton)
        out = io.BytesIO()
        splice(skeleton.getvalue(), {sheet.path.lstrip("/"): part}, out)
    finally:
        part.close()
    path = tmp_path / "rows.xlsx"
    path.write_bytes(out.getvalue())
    return path


def test_texts_come_back_as_typed_and_never_as_formulas(tmp_path: Path) -> None:
    path = _book(tmp_path, [[text] for text in HOSTILE])
    read = read_untrusted(path, all_sheets=True).sheets[0].rows
    assert [r[0] for r in read[1:]] == HOSTILE
    calamine = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Feuille").to_python()
    assert [r[0] for r in calamine[1:]] == HOSTILE
    cells = [row[0] for row in load_workbook(path)["Feuille"].iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells), "a text is never a formula"


def test_numbers_dates_and_empty_cells(tmp_path: Path) -> None:
    row = [Decimal("1234567.89"), 42, 2.5, date(2026, 11, 28), datetime(2026, 11, 28, 12, 0), None, "", True]
    path = _book(tmp_path, [row])
    values = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Feuille").to_python()[1]
    assert values[:3] == [1234567.89, 42, 2.5]
    assert values[3] == 46354 and values[4] == 46354.5  # Excel's serial days, shown by the column's date format
    assert values[5] == values[6] == "" and values[7] is True


def test_styles_dimension_and_many_rows(tmp_path: Path) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Feuille")
    sheet.append(["uuid", "montant"])
    from openpyxl.cell import WriteOnlyCell

    template = WriteOnlyCell(sheet)
    template.number_format = '#,##0.00\\ "€"'
    part = SheetRows([None, int(template.style_id)])
    for i in range(5001):  # past the rows kept in memory between writes
        part.append([f"id-{i}", Decimal(i) / 100])
    skeleton, out = io.BytesIO(), io.BytesIO()
    book.save(skeleton)
    splice(skeleton.getvalue(), {sheet.path.lstrip("/"): part}, out)
    part.close()
    loaded = load_workbook(io.BytesIO(out.getvalue()))["Feuille"]
    assert loaded.max_row == 5002 and loaded["B5002"].value == 50 and "€" in loaded["B5002"].number_format
    assert loaded["A2"].number_format == "General" and loaded["A5002"].value == "id-5000"


def test_column_letters() -> None:
    assert [column_letter(i) for i in (1, 26, 27, 52, 703)] == ["A", "Z", "AA", "AZ", "AAA"]


def test_dates_of_excels_first_months_and_before_come_back_as_written(tmp_path: Path) -> None:
    """Excel's 1900 leap-year bug (serial 60 is a 29 February that never was) and days before its day 1 (as
    ISO text), in a column formatted as dates as the working workbook's are."""
    from openpyxl.cell import WriteOnlyCell

    days = [date(1900, 1, 15), date(1900, 2, 28), date(1900, 3, 1), date(1899, 12, 1), date(1800, 6, 1)]
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Feuille")
    sheet.append(["jour"])
    template = WriteOnlyCell(sheet)
    template.number_format = "DD/MM/YYYY"
    part = SheetRows([int(template.style_id)])
    for day in days:
        part.append([day])
    skeleton, out = io.BytesIO(), io.BytesIO()
    book.save(skeleton)
    splice(skeleton.getvalue(), {sheet.path.lstrip("/"): part}, out)
    part.close()
    path = tmp_path / "jours.xlsx"
    path.write_bytes(out.getvalue())
    read = [r[0] for r in read_untrusted(path, all_sheets=True).sheets[0].rows[1:]]
    as_days = [x.date() if isinstance(x, datetime) else x if isinstance(x, date) else date.fromisoformat(x)
               for x in read]
    assert as_days == days
