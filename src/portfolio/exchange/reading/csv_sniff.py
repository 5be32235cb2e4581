"""Reading CSV files whatever their encoding and delimiter: what public exports and office suites produce.

The encoding: a byte-order mark says it (UTF-8, UTF-16 LE/BE); otherwise the whole file must decode as strict
UTF-8, else it is read as Windows-1252 (what Excel writes on French Windows), else Latin-1, which decodes
anything. The delimiter: among ``;``, ``,``, tab and ``|``, the one that splits the first records (parsed by
the csv module, so quoted text and quoted line breaks do not count) into the same number of fields most
consistently; csv.Sniffer guesses from character frequencies and is easily fooled by decimal commas.
Values stay text (the value parsers convert them later); empty fields become None.
"""

from __future__ import annotations

import codecs
import csv
import io
import time
from collections import Counter
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import tr

from .base import Limits, Progress, ReadError, Sheet, number, too_many_columns, too_many_rows

DELIMITERS = (";", ",", "\t", "|")
SAMPLE_CHARS = 64 * 1024  # enough for a preamble, a header and dozens of records
SAMPLE_RECORDS = 200
SHARED_VALUES = 200_000  # distinct values remembered for sharing before the memory is started afresh
_CHUNK = 1 << 20
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)


def not_text(file: str) -> ReadError:
    """The error of a file that is neither a workbook nor text."""
    return ReadError(tr("Le fichier « {file} » n'est ni un classeur ni un fichier texte (CSV) lisible : "
                        "enregistrez-le en .xlsx, .ods ou .csv (UTF-8) puis importez-le à nouveau.", file=file))


def detect_encoding(path: Path, file: str) -> tuple[str, str]:
    """(codec to decode the file with, encoding name to report) of a text file; ReadError for binary data."""
    with open(path, "rb") as raw:
        head = raw.read(4)
        for bom, codec, name in _BOMS:
            if head.startswith(bom):
                return codec, name
        raw.seek(0)
        # strict UTF-8 over the whole file first: a cp1252 file almost never decodes as UTF-8 by chance,
        # while the reverse always "works" and turns every accent into two wrong characters.
        decoder: codecs.IncrementalDecoder = codecs.getincrementaldecoder("utf-8")("strict")
        utf8 = True
        while chunk := raw.read(_CHUNK):
            # NUL bytes do not occur in text files (UTF-16 without a mark included, which we do not guess)
            if b"\x00" in chunk:
                raise not_text(file)
            if utf8:
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    utf8 = False
        if utf8:
            try:
                decoder.decode(b"", True)
            except UnicodeDecodeError:  # the file ends inside a multi-byte character
                utf8 = False
        if utf8:
            return "utf-8", "utf-8"
        raw.seek(0)
        decoder = codecs.getincrementaldecoder("cp1252")("strict")
        try:
            while chunk := raw.read(_CHUNK):
                decoder.decode(chunk)
        except UnicodeDecodeError:  # one of the five bytes cp1252 leaves undefined: Latin-1 decodes anything
            return "latin-1", "latin-1"
        return "cp1252", "cp1252"


def _sample(path: Path, codec: str) -> tuple[str, bool]:
    """The first SAMPLE_CHARS characters, cut after the last line break unless that is the whole file."""
    with open(path, encoding=codec, errors="replace", newline="") as text:
        sample = text.read(SAMPLE_CHARS)
        whole = not text.read(1)
    if not whole:
        cut = max(sample.rfind("\n"), sample.rfind("\r"))
        if cut > 0:
            sample = sample[:cut + 1]
    return sample, whole


def _field_counts(sample: str, delimiter: str) -> list[int]:
    counts: list[int] = []
    reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter, strict=False)
    try:
        for record in reader:
            if any(field.strip() for field in record):
                counts.append(len(record))
            if len(counts) >= SAMPLE_RECORDS:
                break
    except csv.Error:  # a quoted field still open at the end of the sample: the records before it suffice
        pass
    return counts


def sniff_delimiter(sample: str, *, require_split: bool = False) -> str | None:
    """The delimiter that splits the sample's records most consistently into the most fields.

    Consistency is the share of records having the most common field count; shares in the same tenth are
    told apart by that field count (a ``;`` file with decimal commas in one column splits consistently on
    ``,`` too, but into fewer fields). When no delimiter splits the records: None if ``require_split``, else
    ``;``."""
    best: tuple[float, int, float] | None = None
    # a single column: any delimiter reads it the same; ";" is what French Excel writes
    chosen: str | None = None if require_split else ";"
    for delimiter in DELIMITERS:
        counts = _field_counts(sample, delimiter)
        if not counts:
            continue
        mode, frequency = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        agreement = frequency / len(counts)
        key = (round(agreement, 1), mode, agreement)
        if best is None or key > best:
            best, chosen = key, delimiter
    return chosen


def _content_rows(reader: Any) -> int:
    """How many of the reader's remaining records hold a value, up to the last one that does."""
    count = pending = 0
    for record in reader:
        pending += 1
        if any(record):
            count += pending
            pending = 0
    return count


def read_csv(path: Path, limits: Limits, file: str, progress: Progress | None = None) -> tuple[Sheet, str, str]:
    """(the file's one sheet, encoding name, delimiter). Rows and columns are counted on content: empty
    trailing records do not count, and neither do empty fields at the end of a record."""
    codec, encoding = detect_encoding(path, file)
    sample, _ = _sample(path, codec)
    if "\x00" in sample:  # a UTF-16 mark in front of binary data
        raise not_text(file)
    delimiter = sniff_delimiter(sample) or ";"
    size = max(1, path.stat().st_size)
    name = path.stem
    rows: list[list[str | None]] = []
    pending_empty = 0  # empty records are kept only when a non-empty one follows (a file of line breaks)
    last_report = time.monotonic()
    # equal values share one string: exports repeat the same region, status or payer on every row, and
    # sharing divides the memory and the pickled size (pickle writes a shared object once) several times
    shared: dict[str, str] = {}
    share = shared.setdefault
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding=codec, errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter, strict=False)
        try:
            for record in reader:
                if not any(record):
                    pending_empty += 1
                    continue
                if len(rows) + pending_empty >= limits.max_rows:
                    # nothing more is kept, but the rows are still counted so that the message is exact
                    raise too_many_rows(file, name, len(rows) + pending_empty + 1 + _content_rows(reader),
                                        limits.max_rows)
                if len(record) > limits.max_columns:
                    width = max(i for i, value in enumerate(record) if value) + 1
                    if width > limits.max_columns:
                        raise too_many_columns(file, name, width, limits.max_columns)
                if pending_empty:
                    rows.extend([] for _ in range(pending_empty))
                    pending_empty = 0
                rows.append([share(value, value) if value else None for value in record])
                if len(shared) > SHARED_VALUES:
                    shared.clear()
                if progress is not None and len(rows) % 4096 == 0 and time.monotonic() - last_report > 0.2:
                    last_report = time.monotonic()
                    progress(min(0.95, 0.05 + 0.9 * raw.tell() / size),
                             tr("Lecture de « {file} » : {count} lignes…", file=file, count=number(len(rows))))
        except csv.Error as error:
            if "field larger than field limit" in str(error):
                raise ReadError(tr("Le fichier « {file} » a un champ de plus de {limit} caractères à la ligne {line} "
                                   "(guillemet jamais refermé ?) : corrigez le fichier ou enregistrez-le à nouveau "
                                   "depuis votre tableur.", file=file, limit=number(csv.field_size_limit()),
                                   line=number(reader.line_num))) from None
            raise ReadError(tr("Le fichier « {file} » est un CSV mal formé à la ligne {line} ({reason}) : corrigez le "
                               "fichier ou enregistrez-le à nouveau depuis votre tableur.",
                               file=file, line=number(reader.line_num), reason=str(error))) from None
        except UnicodeDecodeError:  # the file changed since its encoding was checked
            raise not_text(file) from None
    return Sheet(name, rows), encoding, delimiter
