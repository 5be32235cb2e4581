"""Finding the table in a sheet: title rows and preambles skipped, the header row found wherever it is,
data starting in any column, headers normalised and told apart.

Real files put a title, a date of extraction, totals or filter notes above the header (the France 2030
list: header on row 3, data from column B; the Chorus export: a 5-line preamble and two half-header rows).
The header is the row, among the first ones, that looks most like one: many text cells, few numbers, and
names that the mapping knows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from portfolio.domain.i18n import tr
from portfolio.domain.referential import fold

from .reading import ReadError, Sheet
from .reading.ooxml import column_name

HEADER_SEARCH_ROWS = 40  # the header is looked for among this many first non-empty rows
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Table:
    """A sheet's table: its header and data rows, each with its row number in the file (1-based)."""

    sheet: str
    header_row: int  # 1-based, as a spreadsheet shows it
    first_column: int  # 0-based index of the table's first column in the sheet
    headers: list[str]  # normalised, told apart: "Fournisseur payé (DP)", "Fournisseur payé (DP) (2)"
    rows: list[tuple[int, list[Any]]]  # (1-based row number, one value per header)
    formula_cells: set[tuple[int, int]] = field(default_factory=set)  # (1-based row, header index)

    @property
    def keys(self) -> list[str]:
        """The headers folded (accents, case and punctuation removed), for matching."""
        return [header_key(h) for h in self.headers]


def normalise_header(value: Any) -> str:
    """A header as people read it: line breaks, NBSP and runs of spaces made single spaces, trimmed."""
    if value is None:
        return ""
    text = str(value).replace("_x000D_", " ").replace("\u00a0", " ").replace("\u202f", " ")
    return _SPACES.sub(" ", text).strip()


def header_key(value: Any) -> str:
    """A header folded for matching: "Montant de l'aide\\n(en €)" -> "montant de l aide en"."""
    return fold(normalise_header(value))



def _is_texty(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if not text:
        return False
    # numbers and dates written as text are data, not names
    return not re.fullmatch(r"[-+]?[\d\s.,€%/:E+]+", text)


def _score(row: Sequence[Any], known: set[str]) -> float:
    cells = [v for v in row if v not in (None, "")]
    if len(cells) < 2:
        return 0.0
    texts = [v for v in cells if _is_texty(v)]
    others = len(cells) - len(texts)
    if others > len(texts):
        return 0.0
    recognised = sum(1 for v in texts if header_key(v) in known)
    unique = len({header_key(v) for v in texts})
    # long sentences (a title, a note) are rarely headers: count only short texts fully
    short = sum(1 for v in texts if len(str(v)) <= 80)
    return short + 0.5 * (len(texts) - short) + 3 * recognised - 2 * others - 0.5 * (len(texts) - unique)


def find_table(sheet: Sheet, known_headers: Iterable[str] = (), *, file_name: str = "") -> Table:
    """The table of a sheet. ``known_headers``: folded header names the mapping recognises (they weigh in
    favour of a row). Raises ReadError for a sheet without anything that looks like a header."""
    known = set(known_headers)
    best: tuple[float, int] | None = None
    seen = 0
    for index, row in enumerate(sheet.rows):
        if not any(v not in (None, "") for v in row):
            continue
        seen += 1
        if seen > HEADER_SEARCH_ROWS:
            break
        score = _score(row, known)
        if score > 0 and (best is None or score > best[0]):
            best = (score, index)
    if best is None:
        raise ReadError(tr("« {file} », feuille « {sheet} » : aucune ligne d'en-têtes trouvée (il faut une ligne "
                           "de noms de colonnes au-dessus des données).", file=file_name, sheet=sheet.name))
    header_index = best[1]
    header = sheet.rows[header_index]
    used = [i for i, v in enumerate(header) if normalise_header(v)]
    first, last = used[0], used[-1]
    headers = _told_apart([normalise_header(header[i]) or tr("Colonne {letter}", letter=column_name(i))
                           for i in range(first, last + 1)])
    width = last - first + 1
    rows: list[tuple[int, list[Any]]] = []
    for index in range(header_index + 1, len(sheet.rows)):
        values = list(sheet.rows[index][first:last + 1])
        if not any(v not in (None, "") for v in values):
            continue
        values += [None] * (width - len(values))
        rows.append((index + 1, [None if v == "" else v for v in values]))
    formulas = {(r + 1, c - first) for r, c in sheet.formula_cells if r > header_index and first <= c <= last}
    return Table(sheet.name, header_index + 1, first, headers, rows, formulas)


def _told_apart(headers: list[str]) -> list[str]:
    """Duplicated names numbered from the second one: "X", "X (2)", "X (3)"."""
    taken: set[str] = set()
    result = []
    for header in headers:
        name, number = header, 1
        while fold(name) in taken:  # "X", "X (2)", and a third "X" after a real "X (2)" becomes "X (3)"
            number += 1
            name = f"{header} ({number})"
        taken.add(fold(name))
        result.append(name)
    return result


def is_blank(value: Any) -> bool:
    """No value: None, empty text, or the placeholders exports use for null ('#', '-', 'N/A')."""
    if value is None:
        return True
    if isinstance(value, str):
        # not "NA": it is Nouvelle-Aquitaine's abbreviation in regional files
        return value.strip() in ("", "#", "-", "—", "N/A", "n/a", "#N/A", "NULL", "null")
    return False


def plain(value: Any) -> Any:
    """A cell value for display in messages and rejected-row files (dates in French)."""
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return value
