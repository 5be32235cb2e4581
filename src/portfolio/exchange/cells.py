"""Cell values written for spreadsheets, safely: no text anyone typed ever becomes a formula (OWASP ASVS
V1.2.10). openpyxl writes a string beginning with "=" as a formula unless told it is text; a CSV cell
beginning with = + - @, a tab or a line break is read as a formula by spreadsheet programs unless quoted."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def looks_like_formula(value: Any) -> bool:
    """True for a text a spreadsheet program could take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def as_text(cell: Any) -> Any:
    """Marks an openpyxl cell holding text as text (never a formula); returns the cell."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
    return cell


def csv_text(value: Any) -> Any:
    """A value for a CSV cell: a text that could be taken for a formula is prefixed with a quote."""
    return "'" + value if looks_like_formula(value) else value
