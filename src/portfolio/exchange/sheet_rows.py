"""A sheet's data rows written straight as SpreadsheetML, for the large sheets of the working workbook.

openpyxl builds an object per cell and looks its style up in the workbook for each one; for a styled sheet that
is most of an export's time (2.3× the same cells unstyled). Here each column's style index is looked up once,
the rows are written as text into a temporary file, and the file is spliced into the sheet openpyxl wrote with
its header, frozen panes, filter, validations and protection. Every text is written as an inline string, so no
text ever becomes a formula.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

_FIRST_DAY = date(1900, 1, 1)  # Excel's day 1: an earlier date has no serial (written as ISO text)
# characters XML 1.0 cannot carry: written as the _xHHHH_ escape Excel and LibreOffice read back
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_x(?=[0-9A-Fa-f]{4}_)")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})


def _escaped(text: str) -> str:
    if _ILLEGAL.search(text):  # rare: a literal "_x0041_" is escaped too, so that it reads back as typed
        text = _ILLEGAL.sub(lambda m: "_x005F_x" if m.group() == "_x" else f"_x{ord(m.group()):04X}_", text)
    return text.translate(_ESCAPES)


def column_letter(index: int) -> str:
    """A 1-based column index as its letters: 1 → A, 28 → AB."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class SheetRows:
    """The data rows of one sheet, from its second row on, kept in a temporary file until the workbook is
    put together. ``styles`` holds each column's style index in the workbook (``cell.style_id``), or None."""

    def __init__(self, styles: Sequence[int | None], first_row: int = 2) -> None:
        # Excel's serials, its 1900 leap-year bug included; imported here, not with the module: an import, which
        # loads this module without writing a workbook, need not load openpyxl (0.2 s, 30 MiB with numpy)
        from openpyxl.utils.datetime import to_excel

        self._to_excel = to_excel
        self._cells = [(column_letter(i), f' s="{s}"' if s else "") for i, s in enumerate(styles, start=1)]
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 (closed by splice or close)
        self._chunk: list[str] = []
        self.next_row = first_row

    def append(self, values: Sequence[Any]) -> None:
        """Adds one row; the values are taken by type: text, number, date, or None for an empty cell."""
        row = str(self.next_row)
        parts = [f'<row r="{row}">']
        for (letter, style), value in zip(self._cells, values, strict=False):
            if value is None:
                continue
            ref = letter + row
            if isinstance(value, str):
                if value == "":
                    continue
                space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
                parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escaped(value)}</t></is></c>')
            elif isinstance(value, bool):
                parts.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, (int, float)):
                parts.append(f'<c r="{ref}"{style}><v>{value!r}</v></c>')
            elif isinstance(value, Decimal):
                parts.append(f'<c r="{ref}"{style}><v>{value:f}</v></c>')
            elif isinstance(value, date):  # (a datetime too) Excel's serial, or ISO text before Excel's day 1
                if (value.date() if isinstance(value, datetime) else value) < _FIRST_DAY:
                    text = value.isoformat()
                    parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t>{text}</t></is></c>')
                else:
                    serial = self._to_excel(value)
                    parts.append(f'<c r="{ref}"{style}><v>{int(serial) if serial.is_integer() else serial!r}</v></c>')
            else:
                raise TypeError(f"cannot write a {type(value).__name__} in a cell")
        parts.append("</row>")
        self._chunk.append("".join(parts))
        self.next_row += 1
        if len(self._chunk) >= 2000:
            self._flush()

    def _flush(self) -> None:
        self._file.write("".join(self._chunk).encode("utf-8"))
        self._chunk.clear()

    @property
    def last_row(self) -> int:
        return self.next_row - 1

    @property
    def width(self) -> int:
        return len(self._cells)

    def close(self) -> None:
        self._file.close()

    def write_into(self, out: IO[bytes]) -> None:
        """Copies the rows written so far into ``out``."""
        self._flush()
        self._file.seek(0)
        shutil.copyfileobj(self._file, out, 1 << 20)


_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')


def splice(workbook: bytes, rows: dict[str, SheetRows], out: IO[bytes]) -> None:
    """Writes ``workbook`` (an xlsx openpyxl saved, each data sheet holding its header row only) to ``out`` with
    each sheet's rows put after its header: ``rows`` maps a sheet's part name ("xl/worksheets/sheet3.xml") to its
    rows. The sheet's dimension is set to the rows' extent."""
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            part = rows.get(info.filename)
            if part is None:
                target.writestr(info, data)
                continue
            head, found, tail = data.partition(b"</sheetData>")
            if not found:
                raise ValueError(f"{info.filename}: no sheetData to fill")
            extent = f'<dimension ref="A1:{column_letter(part.width)}{part.last_row}"/>'.encode()
            head = _DIMENSION.sub(extent, head, 1)
            entry = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            entry.compress_type = zipfile.ZIP_DEFLATED
            with target.open(entry, "w", force_zip64=True) as stream:
                stream.write(head)
                part.write_into(stream)
                stream.write(found + tail)
