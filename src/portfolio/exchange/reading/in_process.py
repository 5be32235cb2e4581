"""Reading a file in this process: the format told by its bytes, the archive and XML checks, then calamine
(or the CSV reader). ``read_untrusted`` (child) runs the same in a bounded child process."""

from __future__ import annotations

import contextlib
import hashlib
import re
import zipfile
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import tr

from . import ooxml
from .base import (
    DEFAULT_LIMITS,
    Limits,
    Progress,
    ReadError,
    Sheet,
    Workbook,
    megabytes,
    number,
    too_many_columns,
    too_many_rows,
)
from .csv_sniff import SHARED_VALUES, not_text, read_csv, sniff_delimiter
from .formats import TEXT_EXTENSIONS, looks_like_markup, markup, ole_streams, sniff_kind

_HEAD_BYTES = 8192
_REASON_CHARS = 200
_CELL_LIMIT = re.compile(r"Cell limit exceeded \((\d+) cells")


def read_workbook(path: Path, sheet: str | None = None, limits: Limits = DEFAULT_LIMITS, *,
                  all_sheets: bool = False) -> Workbook:
    """The file's values, read in this process: ``sheet`` by name, or the first sheet holding data (every
    sheet with ``all_sheets``). Limits on size, zip members, rows and columns apply; time and memory do not
    (use read_untrusted for files from outside)."""
    return _read(Path(path), sheet, limits, all_sheets, None)


def _read(path: Path, sheet: str | None, limits: Limits, all_sheets: bool, progress: Progress | None) -> Workbook:
    file = path.name
    report = progress or _no_progress
    report(0.0, tr("Ouverture de « {file} »…", file=file))
    head, digest = _open_checks(path, limits)
    kind = sniff_kind(head)
    if kind == "zip":
        return _read_zip(path, digest, sheet, limits, all_sheets, report)
    if kind == "ole":
        streams = ole_streams(path)
        if streams & {"EncryptionInfo", "EncryptedPackage"}:
            raise ooxml.password_protected(file)
        if not streams & {"Workbook", "Book"}:
            raise ooxml.not_a_workbook(file)
        names, sheets = _read_calamine(path, None, {}, sheet, limits, all_sheets, report)
        return Workbook(path, digest, "xls", names, sheets)
    if looks_like_markup(head):
        raise markup(file)
    text = _head_text(head)
    if text is None:
        raise not_text(file)
    if path.suffix.lower() not in TEXT_EXTENSIONS:
        _refuse_text_without_columns(path, text)
    csv_sheet, encoding, delimiter = read_csv(path, limits, file, report)
    sheets = [csv_sheet] if csv_sheet.rows or all_sheets or sheet is not None else []
    return Workbook(path, digest, "csv", [csv_sheet.name], sheets, encoding=encoding, delimiter=delimiter)


def _no_progress(fraction: float, message: str) -> None:
    """Progress ignored."""


def _open_checks(path: Path, limits: Limits) -> tuple[bytes, str]:
    """(first bytes, SHA-256) of a file that exists, can be read, is not empty and is within the size limit."""
    file = path.name
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise IsADirectoryError(str(path))
    except FileNotFoundError:
        raise ReadError(tr("Le fichier « {file} » est introuvable : vérifiez son emplacement.", file=file)) from None
    except OSError as error:
        raise _cannot_open(file, error) from None
    if size == 0:
        raise ReadError(tr("Le fichier « {file} » est vide : vérifiez que c'est le bon fichier.", file=file))
    if size > limits.max_file_bytes:
        raise ReadError(tr("Le fichier « {file} » fait {size} Mo, au-delà de la limite de {limit} Mo : découpez-le "
                           "ou n'en gardez que les lignes utiles.", file=file, size=megabytes(size),
                           limit=megabytes(limits.max_file_bytes)))
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEAD_BYTES)
            digest.update(head)
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    except OSError as error:
        raise _cannot_open(file, error) from None
    return head, digest.hexdigest()


def _cannot_open(file: str, error: OSError) -> ReadError:
    return ReadError(tr("Le fichier « {file} » ne peut pas être ouvert ({reason}) : vérifiez qu'il n'est pas ouvert "
                        "dans un autre programme et que vous avez le droit de le lire.",
                        file=file, reason=error.strerror or type(error).__name__))


def _head_text(head: bytes) -> str | None:
    """The first bytes as text, or None if they are binary (NUL bytes outside UTF-16)."""
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            text = head[len(bom):len(head) - (len(head) - len(bom)) % 2].decode(codec, errors="replace")
            return None if "\x00" in text else text
    if b"\x00" in head:
        return None
    return head.decode("utf-8", errors="replace").lstrip("\ufeff")


def _refuse_text_without_columns(path: Path, text: str) -> None:
    """A text file named like a workbook is read as CSV only if it has columns: otherwise it is a stub
    (a mail gateway's "attachment not found", an error page saved as .xls) and deserves its own message."""
    if sniff_delimiter(text, require_split=True) is None:
        start = " ".join(text.split())[:80]
        raise ReadError(tr("Le fichier « {file} » porte l'extension {extension} mais ne contient que du texte "
                           "(« {start} ») : ce n'est pas un classeur ; vérifiez que c'est le bon fichier.",
                           file=path.name, extension=path.suffix or "?", start=start))


def _read_zip(path: Path, digest: str, sheet: str | None, limits: Limits, all_sheets: bool,
              report: Progress) -> Workbook:
    file = path.name
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise ooxml.damaged(file, tr("archive illisible : {reason}", reason=_reason(error))) from None
    except OSError as error:
        raise _cannot_open(file, error) from None
    with archive:
        try:
            ooxml.check_archive(archive, file, limits)
            kind = ooxml.archive_kind(archive, file)
            if kind == "xlsb":
                raise ReadError(tr("Le fichier « {file} » est un classeur binaire Excel (.xlsb), format non pris en "
                                   "charge : enregistrez-le au format .xlsx puis importez-le à nouveau.", file=file))
            ooxml.check_prologs(archive, file)
            parts = ooxml.sheet_parts(archive, file) if kind in ("xlsx", "xlsm") else {}
            names, sheets = _read_calamine(path, archive, parts, sheet, limits, all_sheets, report)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, KeyError, NotImplementedError) as error:
            # a member that cannot be decompressed (bad CRC, unknown method, truncated data)
            raise ooxml.damaged(file, tr("archive illisible : {reason}", reason=_reason(error))) from None
    return Workbook(path, digest, kind, names, sheets)


def _reason(error: BaseException) -> str:
    """An exception's text, for the parenthesis of a message: one line, bounded."""
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= _REASON_CHARS else text[:_REASON_CHARS - 1] + "…"


def _calamine_failed(file: str, error: BaseException, sheet: str | None = None) -> ReadError:
    if type(error).__name__ == "PasswordError":
        return ooxml.password_protected(file)
    cells = _CELL_LIMIT.search(str(error))
    if cells:  # calamine's own guard: an ods repeating rows or columns by the billion
        return ReadError(tr("Le fichier « {file} » déclare {count} cellules (lignes ou colonnes répétées), bien "
                            "au-delà de ce qui peut être lu : supprimez les lignes et colonnes vides en fin de feuille "
                            "puis enregistrez-le à nouveau.", file=file, count=number(int(cells.group(1)))))
    if sheet is None:
        return ooxml.damaged(file, _reason(error))
    return ReadError(tr("La feuille « {sheet} » de « {file} » n'a pas pu être lue ({reason}) : ouvrez le fichier "
                        "dans votre tableur et enregistrez-le à nouveau.", sheet=sheet, file=file,
                        reason=_reason(error)))


def _guard(error: BaseException) -> None:
    """Lets through what must never be turned into a "damaged file" message."""
    if isinstance(error, (KeyboardInterrupt, SystemExit, MemoryError, ReadError)):
        raise error


def _read_calamine(path: Path, archive: zipfile.ZipFile | None, parts: dict[str, str],
                   sheet: str | None, limits: Limits, all_sheets: bool,
                   report: Progress) -> tuple[list[str], list[Sheet]]:
    """(the workbook's worksheet names, the sheet(s) read)."""
    import python_calamine  # imported on use: the window need not load it to start

    file = path.name
    try:
        book = python_calamine.CalamineWorkbook.from_path(str(path))
        metadata = list(book.sheets_metadata)
    except BaseException as error:  # calamine's errors, and pyo3's PanicException (a BaseException)
        _guard(error)
        raise _calamine_failed(file, error) from None
    worksheet = python_calamine.SheetTypeEnum.WorkSheet
    visible = python_calamine.SheetVisibleEnum.Visible
    names = [m.name for m in metadata if m.typ == worksheet]
    if not names:
        raise ReadError(tr("Le fichier « {file} » ne contient aucune feuille de calcul : vérifiez que c'est le bon "
                           "fichier.", file=file))
    if sheet is not None:
        if sheet not in names:
            raise ReadError(tr("La feuille « {sheet} » n'existe pas dans « {file} » (feuilles : {sheets}) : "
                               "choisissez-en une autre.", sheet=sheet, file=file, sheets=", ".join(names)))
        wanted = [sheet]
    elif all_sheets:
        wanted = names
    else:
        # the first sheet holding data, visible sheets first (a hidden first sheet is usually a lookup list)
        wanted = [m.name for m in metadata if m.typ == worksheet and m.visible == visible]
        wanted += [name for name in names if name not in wanted]
    sheets: list[Sheet] = []
    for index, name in enumerate(wanted):
        report(0.1 + 0.85 * index / len(wanted), tr("Lecture de la feuille « {sheet} »…", sheet=name))
        read = _read_sheet(book, archive, parts.get(name), name, file, limits)
        if sheet is None and not all_sheets:
            if read.rows:
                sheets.append(read)
                break
        else:
            sheets.append(read)
    with contextlib.suppress(Exception):
        book.close()
    return names, sheets


def _read_sheet(book: Any, archive: zipfile.ZipFile | None, part: str | None, name: str, file: str,
                limits: Limits) -> Sheet:
    formula_cells: set[tuple[int, int]] = set()
    # the full pass parses the XML in Python (two-thirds of reading a 100,000-row sheet): a sheet the quick
    # search finds within the limits and without formulas goes straight to calamine
    if archive is not None and part is not None and not ooxml.quick_check(archive, part, limits):
        scan = ooxml.scan_sheet(archive, part, file)
        # checked before calamine allocates the rectangle from A1 to the farthest value
        if scan.rows > limits.max_rows:
            raise too_many_rows(file, name, scan.rows, limits.max_rows)
        if scan.columns > limits.max_columns:
            raise too_many_columns(file, name, scan.columns, limits.max_columns)
        formula_cells = scan.formula_cells
    try:
        found = book.get_sheet_by_name(name)
        end = found.end
        if end is not None:
            if end[0] + 1 > limits.max_rows:
                raise too_many_rows(file, name, end[0] + 1, limits.max_rows)
            if end[1] + 1 > limits.max_columns:
                raise too_many_columns(file, name, end[1] + 1, limits.max_columns)
        data = found.to_python(skip_empty_area=False)
    except BaseException as error:
        _guard(error)
        raise _calamine_failed(file, error, name) from None
    return Sheet(name, _normalised(data), formula_cells)


def _normalised(data: list[list[Any]]) -> list[list[Any]]:
    """'' -> None in place (row by row, so that two copies never coexist), equal strings shared (as the CSV
    reader does: less memory, smaller transfers from the child) and trailing empty rows dropped."""
    last = -1
    shared: dict[str, str] = {}
    share = shared.setdefault
    for index, row in enumerate(data):
        clean = [None if value == "" else share(value, value) if type(value) is str else value for value in row]
        data[index] = clean
        if len(shared) > SHARED_VALUES:
            shared.clear()
        if any(value is not None for value in clean):
            last = index
    del data[last + 1:]
    return data
