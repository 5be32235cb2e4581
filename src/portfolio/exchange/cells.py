"""Cell values written for spreadsheets, safely: no text anyone typed ever becomes a formula in a workbook the
application writes (OWASP ASVS V1.2.10): openpyxl writes a string beginning with "=" as a formula unless told it is
text. (An open-data CSV publishes each value as typed: the README says how to open one in a spreadsheet as text.)
Also the one sheet of a new workbook, as a worksheet."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:  # (openpyxl is imported on use: writing workbooks is rare)
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet


class _Cell(Protocol):
    @property
    def value(self) -> object: ...

    data_type: str


CellT = TypeVar("CellT", bound=_Cell)


def as_text(cell: CellT) -> CellT:
    """Marks an openpyxl cell holding text as text (never a formula); returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def new_workbook() -> tuple[Workbook, Worksheet]:
    """A new workbook and the sheet it is made with (openpyxl types ``active`` for any workbook: maybe none, maybe
    a chart sheet; a new one's is a worksheet)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    if not isinstance(sheet, Worksheet):
        raise TypeError(f"a new workbook's sheet is a {type(sheet).__name__}")
    return book, sheet
