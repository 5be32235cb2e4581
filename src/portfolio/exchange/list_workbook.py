"""A list as it is shown (its search, filters and sort) written to a workbook: every row, not only the page on
screen, with the list's columns and French headers; money in euros to the cent, dates as dates. The journal's
export for the auditors, and any other list's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import tr
from portfolio.services import listing
from portfolio.services.files import workbook_writer, write_whole

from .cells import as_text

CHUNK = 5000  # rows fetched at a time: a 500,000-row list is never held twice
# the audit trail's times stay the text they are stored as (to the microsecond, UTC: a spreadsheet's times stop
# at the millisecond, and an auditor compares them with the trail)
FORMATS = {"money": '#,##0.00\\ "€"', "date": "DD/MM/YYYY", "percent": "0.0%"}


def _cell(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "money":
        return Decimal(int(value)) / 100
    if kind == "bool":
        return tr("oui") if value else tr("non")
    return value


def write_list_workbook(session: Any, query: listing.ListQuery, destination: Path) -> int:
    """Writes every row ``query`` shows to ``destination`` (whole or not at all); returns how many."""
    from openpyxl import Workbook  # imported on use: writing workbooks is rare
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    columns = listing.columns(query.entity)
    book = Workbook(write_only=True)
    sheet = book.create_sheet(listing.list_title(query.entity)[:31])
    sheet.freeze_panes = "A2"
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    ids = listing.query_ids(session, query)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = listing.fetch_rows(session, query.entity, chunk)
        for record_id in chunk:
            row = rows.get(record_id)
            if row is None:
                continue
            cells = []
            for column, value in zip(columns, row, strict=True):
                cell = WriteOnlyCell(sheet, value=_cell(column.kind, value))
                as_text(cell)  # a text (from a partner's file) stays that text, never a formula
                if column.kind in FORMATS and cell.value is not None and not isinstance(cell.value, str):
                    cell.number_format = FORMATS[column.kind]
                cells.append(cell)
            sheet.append(cells)
    write_whole(destination, workbook_writer(book), tr("Le classeur"))
    return len(ids)
