"""The types shared by the spreadsheet readers (limits, sheets, workbooks, errors), in a module of their own
so that the format-specific readers and the process that isolates them can all import them without a cycle.
``portfolio.exchange.reading`` re-exports the public ones: import from there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

Progress = Callable[[float, str], None]

MIB = 2**20


@dataclass(frozen=True)
class Limits:
    """What a read accepts before refusing the file; every refusal names the limit it hit."""

    max_file_bytes: int = 200 * MIB
    max_uncompressed_bytes: int = 1 * 2**30  # sum of zip members' uncompressed sizes (xlsx/xlsm/ods)
    max_ratio: float = 200.0  # uncompressed/compressed for any zip member (zip bomb)
    max_rows: int = 1_000_000
    max_columns: int = 1_000
    max_seconds: float = 60.0  # wall time of a read in the child process
    max_memory_bytes: int = 500 * MIB  # address-space headroom above the child's baseline (RLIMIT_AS)
    max_zip_members: int = 10_000  # a workbook has tens of parts; thousands of members is not a workbook


DEFAULT_LIMITS = Limits()  # frozen: one shared default is safe


@dataclass
class Sheet:
    """One sheet's values, row by row from the sheet's first row and column (A1 is ``rows[0][0]``)."""

    name: str
    # None, str, int, float, bool, date, datetime (and, as calamine gives them, time and timedelta for
    # time-only and duration cells); '' is normalised to None; trailing empty rows are dropped.
    rows: list[list[Any]]
    # (row, col), 0-based, of the cells holding a formula (xlsx/xlsm only): their values are the cached
    # results written by whoever saved the file, which callers may want to flag for untrusted files.
    formula_cells: set[tuple[int, int]] = field(default_factory=set)


@dataclass
class Workbook:
    """A file read: its identity, its format and the sheet(s) read."""

    path: Path
    sha256: str  # of the file's bytes
    kind: str  # "xlsx" | "xlsm" | "xls" | "ods" | "csv"
    sheet_names: list[str]
    sheets: list[Sheet]  # only the sheet(s) read
    encoding: str | None = None  # csv only
    delimiter: str | None = None  # csv only


class ReadError(PortfolioError):
    """A file that cannot be read; the message (French, through portfolio.domain.i18n.tr) names the file (and
    sheet) and says what to do."""


class ReadCancelled(ReadError):
    """The user cancelled the read; the child process reading the file has been stopped."""


def number(value: float) -> str:
    """An integer written the French way for messages: 1 000 000 (no-break spaces)."""
    return f"{round(value):,}".replace(",", "\u00a0")


def megabytes(size: float) -> str:
    """A size in MB for messages, rounded (at least 1 for anything above zero)."""
    return number(max(1, round(size / MIB)) if size > 0 else 0)


def too_many_rows(file: str, sheet: str, count: int, limit: int) -> ReadError:
    """The error of a sheet whose content goes beyond the rows limit."""
    return ReadError(tr("La feuille « {sheet} » de « {file} » a {count} lignes, au-delà de la limite de {limit} : "
                        "découpez-la en plusieurs fichiers plus petits.",
                        sheet=sheet, file=file, count=number(count), limit=number(limit)))


def too_many_columns(file: str, sheet: str, count: int, limit: int) -> ReadError:
    """The error of a sheet whose content goes beyond the columns limit."""
    return ReadError(tr("La feuille « {sheet} » de « {file} » a {count} colonnes, au-delà de la limite de {limit} : "
                        "supprimez les colonnes inutiles ou découpez la feuille.",
                        sheet=sheet, file=file, count=number(count), limit=number(limit)))
