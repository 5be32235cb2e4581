"""Cell values written for spreadsheets, safely: no text anyone typed ever becomes a formula in a workbook the
application writes (OWASP ASVS V1.2.10): openpyxl writes a string beginning with "=" as a formula unless told it is
text. (An open-data CSV publishes each value as typed: the README says how to open one in a spreadsheet as text.)"""

from __future__ import annotations

from typing import Any


def as_text(cell: Any) -> Any:
    """Marks an openpyxl cell holding text as text (never a formula); returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell
