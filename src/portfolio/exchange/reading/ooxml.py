"""The zip side of workbooks (xlsx, xlsm, ods): checks made before calamine touches the archive, the kind of
workbook it holds, and one streamed pass over an xlsx sheet's XML through defusedxml.

Calamine decompresses and parses in Rust where we cannot bound anything, so the archive is judged first from
its directory (member count, sizes, compression ratios) and its XML prologs (no DOCTYPE, hence no entity to
expand). The sheet pass finds the cells holding a formula (calamine only gives their cached values) and the
real extent of the cells holding a value: calamine allocates the whole rectangle from A1 to the farthest
cell, so a single value in XFD1048576 would ask it for 17 billion cells; the ``<dimension>`` element is
never trusted, it may say anything.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser, fromstring

from portfolio.domain.i18n import tr

from .base import Limits, ReadError, megabytes, number

defused_fromstring = fromstring  # every part's parser, exported: reading.check_xml_defences checks it is defusedxml's

_PROLOG_BYTES = 4096  # a DOCTYPE comes right after the XML declaration
_STRUCTURE_MAX_BYTES = 16 * 2**20  # content types, workbook.xml and relationships are a few KB
_RATIO_FLOOR_BYTES = 1 * 2**20  # small members may compress well without harm: only big ones can be bombs
_CELL_REF = re.compile(r"([A-Za-z]{1,3})([0-9]{1,7})$")

ODS_MIMETYPES = ("application/vnd.oasis.opendocument.spreadsheet",
                 "application/vnd.oasis.opendocument.spreadsheet-template")
_OOXML_KINDS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.template.main+xml": "xlsx",
    "application/vnd.ms-excel.sheet.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.template.macroEnabled.main+xml": "xlsm",
    "application/vnd.ms-excel.sheet.binary.macroEnabled.main": "xlsb",
}


def damaged(file: str, reason: str) -> ReadError:
    """The error of an archive or XML part that cannot be read."""
    return ReadError(tr("Le fichier « {file} » est endommagé ({reason}) : ouvrez-le dans votre tableur et "
                        "enregistrez-le à nouveau.", file=file, reason=reason))


class UnsafeXml(ReadError):
    """An XML part declaring a DOCTYPE or entities: refused, never expanded."""


def forbidden_xml(file: str, member: str) -> UnsafeXml:
    """The error of an XML part declaring a DOCTYPE or entities (billion laughs, external entities)."""
    return UnsafeXml(tr("Le fichier « {file} » contient des déclarations XML interdites (DOCTYPE ou entités, dans "
                        "« {member} ») : il n'est pas lu ; enregistrez-le à nouveau depuis votre tableur.",
                        file=file, member=member))


def check_archive(archive: zipfile.ZipFile, file: str, limits: Limits) -> None:
    """Refuses an archive whose directory announces a zip bomb, before anything is decompressed."""
    members = archive.infolist()
    if len(members) > limits.max_zip_members:
        raise ReadError(tr("Le fichier « {file} » contient {count} éléments compressés, au-delà de la limite de "
                           "{limit} : ce n'est pas un classeur ordinaire ; enregistrez-le à nouveau depuis votre "
                           "tableur.", file=file, count=number(len(members)), limit=number(limits.max_zip_members)))
    total = 0
    for info in members:
        if info.flag_bits & 0x1:
            raise password_protected(file)
        total += info.file_size
        if total > limits.max_uncompressed_bytes:
            size = sum(i.file_size for i in members)
            raise ReadError(tr("Le fichier « {file} » occuperait {size} Mo une fois décompressé, au-delà de la "
                               "limite de {limit} Mo : découpez-le en plusieurs fichiers plus petits.",
                               file=file, size=megabytes(size), limit=megabytes(limits.max_uncompressed_bytes)))
        if info.file_size > _RATIO_FLOOR_BYTES and info.file_size > limits.max_ratio * max(1, info.compress_size):
            raise ReadError(tr("Le fichier « {file} » contient un élément anormalement compressé (« {member} » : "
                               "{ratio} fois, limite {limit}) : ce peut être une « bombe zip » ; enregistrez-le à "
                               "nouveau depuis votre tableur.", file=file, member=info.filename,
                               ratio=number(info.file_size / max(1, info.compress_size)),
                               limit=number(limits.max_ratio)))


def password_protected(file: str) -> ReadError:
    """The error of an encrypted workbook."""
    return ReadError(tr("Le fichier « {file} » est protégé par un mot de passe : enregistrez-le sans mot de passe "
                        "puis importez-le à nouveau.", file=file))


def _members(archive: zipfile.ZipFile) -> dict[str, str]:
    """Lower-cased member names -> real names: producers disagree on case (xl/SharedStrings.xml)."""
    return {name.lower(): name for name in archive.namelist()}


def _read_small(archive: zipfile.ZipFile, name: str, file: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > _STRUCTURE_MAX_BYTES:
        raise damaged(file, tr("partie « {member} » démesurée", member=name))
    with archive.open(info) as member:
        return member.read(_STRUCTURE_MAX_BYTES + 1)


def parse_small_xml(archive: zipfile.ZipFile, name: str, file: str) -> Any:
    """A structural XML part (content types, workbook, relationships) parsed through defusedxml."""
    try:
        return defused_fromstring(_read_small(archive, name, file))
    except DefusedXmlException:
        raise forbidden_xml(file, name) from None
    except SyntaxError:  # ParseError
        raise damaged(file, tr("XML invalide dans « {member} »", member=name)) from None


def check_prologs(archive: zipfile.ZipFile, file: str) -> None:
    """Refuses any XML part that declares a DOCTYPE: no legitimate workbook has one, and calamine parses the
    parts (shared strings, styles) that our own pass does not."""
    for info in archive.infolist():
        lower = info.filename.lower()
        if not (lower.endswith(".xml") or lower.endswith(".rels")) or info.is_dir():
            continue
        with archive.open(info) as member:
            head = member.read(_PROLOG_BYTES)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")):
            head = head.decode("utf-16", errors="replace").encode("utf-8")
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
            raise forbidden_xml(file, info.filename)


def archive_kind(archive: zipfile.ZipFile, file: str) -> str:
    """"xlsx", "xlsm", "xlsb" or "ods" from the archive's own description; ReadError for any other zip."""
    members = _members(archive)
    if "mimetype" in members:
        mimetype = _read_small(archive, members["mimetype"], file).strip().decode("ascii", errors="replace")
        if mimetype in ODS_MIMETYPES:
            return "ods"
        raise not_a_workbook(file)
    if "[content_types].xml" in members:
        types = parse_small_xml(archive, members["[content_types].xml"], file)
        for element in types.iter():
            kind = _OOXML_KINDS.get((element.get("ContentType") or "").strip())
            if kind:
                return kind
    # content types without the main part's type: what the parts are called is the next best evidence
    if "xl/workbook.xml" in members:
        return "xlsx"
    if "xl/workbook.bin" in members:
        return "xlsb"
    if "content.xml" in members:
        return "ods"
    raise not_a_workbook(file)


def not_a_workbook(file: str) -> ReadError:
    """The error of a zip archive or Office document that holds no workbook."""
    return ReadError(tr("Le fichier « {file} » est une archive ou un document qui n'est pas un classeur : "
                        "enregistrez les données en .xlsx, .ods ou .csv puis importez-les.", file=file))


def _relationship_targets(archive: zipfile.ZipFile, members: dict[str, str], rels_name: str, base: str,
                          file: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, member path resolved from ``base``, the folder of the part they belong to)."""
    real = members.get(rels_name.lower())
    if real is None:
        return {}
    targets: dict[str, tuple[str, str]] = {}
    for element in parse_small_xml(archive, real, file).iter():
        if not element.tag.endswith("Relationship") or element.get("TargetMode") == "External":
            continue
        target = element.get("Target") or ""
        path = target.lstrip("/") if target.startswith("/") else posixpath.join(base, target)
        targets[element.get("Id") or ""] = (element.get("Type") or "", posixpath.normpath(path))
    return targets


def sheet_parts(archive: zipfile.ZipFile, file: str) -> dict[str, str]:
    """Sheet name -> the archive member holding its XML, from workbook.xml and its relationships."""
    members = _members(archive)
    workbook = "xl/workbook.xml"
    for kind, path in _relationship_targets(archive, members, "_rels/.rels", "", file).values():
        if kind.endswith("/officeDocument"):
            workbook = path
            break
    real = members.get(workbook.lower())
    if real is None:
        return {}
    folder, name = posixpath.split(workbook)
    rels = _relationship_targets(archive, members, posixpath.join(folder, "_rels", name + ".rels"), folder, file)
    parts: dict[str, str] = {}
    for element in parse_small_xml(archive, real, file).iter():
        if not element.tag.endswith("}sheet") and element.tag != "sheet":
            continue
        rid = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
        target = rels.get(rid or "")
        if target and target[1].lower() in members:
            parts[element.get("name") or ""] = members[target[1].lower()]
    return parts


def column_name(index: int) -> str:
    """A spreadsheet column letter: 0 -> A, 27 -> AB (the inverse of ``column_index``)."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def column_index(letters: str) -> int:
    """0-based index of a column's letters: "A" -> 0, "AB" -> 27."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - 64
    return index - 1


def cell_position(ref: str) -> tuple[int, int] | None:
    """(row, col), 0-based, of a reference like "C12" -> (11, 2); None if it is not one."""
    match = _CELL_REF.match(ref)
    if match is None:
        return None
    return int(match.group(2)) - 1, column_index(match.group(1))


class SheetScan:
    """What one pass over a sheet's XML found: formula cells and the extent of the cells holding a value."""

    def __init__(self) -> None:
        self.formula_cells: set[tuple[int, int]] = set()
        self.rows = 0  # 1 + index of the last row holding a value
        self.columns = 0  # 1 + index of the last column holding a value
        self._row = -1
        self._col = -1
        self._row_text = ""
        self._kinds: dict[str, str] = {}
        self._columns: dict[str, int] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        """Expat's start-element handler: the only Python called per element, so it does the least it can."""
        kind = self._kinds.get(name)
        if kind is None:
            kind = self._learn(name)
        if kind == "c":
            ref = attributes.get("r")
            if not ref:  # references are optional: a cell without one follows the previous one
                self._col += 1
                return
            letters = ref.rstrip("0123456789")
            digits = ref[len(letters):]
            col = self._columns.get(letters)
            if col is None:
                col = self._column(letters)
            if col < 0 or not digits:
                self._col += 1
                return
            self._col = col
            if digits != self._row_text:  # cells of a row share its number: convert it once per row
                self._row_text = digits
                self._row = int(digits) - 1
        elif kind == "row":
            number_text = attributes.get("r")
            self._row = int(number_text) - 1 if number_text and number_text.isdigit() else self._row + 1
            self._row_text = ""
            self._col = -1
        elif kind == "value":
            if self._row >= self.rows:
                self.rows = self._row + 1
            if self._col >= self.columns:
                self.columns = self._col + 1
        elif kind == "f":
            self.formula_cells.add((self._row, self._col))

    def _column(self, letters: str) -> int:
        col = column_index(letters) if 1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha() else -1
        if len(self._columns) < 20_000:  # a sheet has at most 16,384 columns: the cache stays small
            self._columns[letters] = col
        return col

    def _learn(self, name: str) -> str:
        # expat gives "namespace}local"; the first element (the worksheet) sets the namespace of cells, so
        # that <xm:f> in extension lists (data validations) or foreign elements are not taken for formulas.
        if not self._kinds:
            namespace = name.rpartition("}")[0]
            prefix = namespace + "}" if namespace else ""
            self._kinds.update({prefix + "c": "c", prefix + "row": "row", prefix + "v": "value",
                                prefix + "is": "value", prefix + "f": "f"})
            self._kinds.setdefault(name, "")
            return self._kinds[name]
        self._kinds[name] = ""
        return ""


def defused_expat(start: Callable[[str, dict[str, str]], None]) -> Any:
    """A pyexpat parser set up by defusedxml (entity declarations and external references raise), with our
    own start handler in place of ElementTree's so that nothing else is built per element."""
    parser = DefusedXMLParser(target=None).parser
    parser.ordered_attributes = False
    parser.StartElementHandler = start
    parser.EndElementHandler = None
    # character data went to ElementTree's default handler (a Python call per text): we need none of it;
    # without a DTD expat itself rejects undefined entity references.
    parser.DefaultHandlerExpand = None
    parser.CharacterDataHandler = None
    return parser


def scan_sheet_bytes(chunks: Any, member: str, file: str) -> SheetScan:
    """One pass over a sheet's XML given as an iterable of byte chunks; ReadError if it is not well-formed XML
    or declares entities."""
    scan = SheetScan()
    parser = defused_expat(scan.start)
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except DefusedXmlException:
        raise forbidden_xml(file, member) from None
    except Exception as error:  # pyexpat.ExpatError, or a value out of range in a reference
        raise damaged(file, tr("XML invalide dans « {member} » : {reason}", member=member, reason=str(error))) from None
    return scan


def scan_sheet(archive: zipfile.ZipFile, member: str, file: str) -> SheetScan:
    """One streamed pass over an xlsx sheet member (never read whole)."""
    info = archive.getinfo(member)

    def chunks() -> Any:
        with archive.open(info) as stream:
            while chunk := stream.read(1 << 20):
                yield chunk

    return scan_sheet_bytes(chunks(), member, file)


# --- the quick pass: within the limits and without formulas? -----------------------------------------------

_CELL_START = re.compile(rb"<c[\s/>]")
_REFERENCED_CELL = re.compile(rb'<c r="[A-Z]{1,3}[0-9]{1,7}"')
# any prefix, ASCII or not (XML allows "é:f"): whatever stands between '<' and ':' without ending the tag
_PREFIXED_CELL_OR_FORMULA = re.compile(rb"<[^\s<>/!?:]+:[cf][\s/>]")
# a cell with a second r attribute: calamine takes the last one, the count below the first
_SECOND_REFERENCE = re.compile(rb'<c r="[^"]*"[^>]*\sr\s*=')
_FORMULA = re.compile(rb"<f[\s/>]")


def quick_check(archive: zipfile.ZipFile, member: str, limits: Limits, chunk_bytes: int = 1 << 20) -> bool:
    """True when an xlsx sheet surely has no formula and no cell beyond the limits, found by searching its XML's
    bytes (C speed: under half the full pass's time) instead of parsing it. False whenever that is not sure, and
    the full pass (``scan_sheet``) must run: a formula (its cells must be known), a comment, CDATA or processing
    instruction (their text is not markup), a prefixed cell, a cell whose first attribute is not a plain
    reference (a cell without one takes its place from the previous cell) or with a second reference, a
    reference beyond the limits (it may be an empty cell: the full pass counts only cells holding a value),
    and a sheet that does not start with '<' or holds NUL bytes (UTF-16, or not XML: the full pass says so)."""
    # a reference that may be beyond the limits: as many column letters, or row digits, as the limits' own
    # (references have at most 3 letters and 7 digits: a limit beyond those cannot be reached)
    column_letters = len(column_name(max(limits.max_columns, 1) - 1))
    row_digits = len(str(max(limits.max_rows, 1)))
    near = [rb"[A-Z]{%d,3}[0-9]{1,7}" % column_letters] if column_letters <= 3 else []
    near += [rb"[A-Z]{1,3}[0-9]{%d,7}" % row_digits] if row_digits <= 7 else []
    near_limits = re.compile(rb'<c r="(' + b"|".join(near) + rb')"') if near else None
    carried = b""
    first = True
    cells = references = 0
    with archive.open(archive.getinfo(member)) as stream:
        while True:
            chunk = stream.read(chunk_bytes)
            data = carried + chunk
            if chunk:
                # cut after the last '>': no pattern searched below contains one, so none straddles two chunks
                cut = data.rfind(b">") + 1
                data, carried = data[:cut], data[cut:]
                if len(carried) > max(chunk_bytes, 1 << 20):  # a megabyte without a '>': not a usual sheet
                    return False
            if first and data:  # the XML declaration is the one '<?' allowed
                if not data.startswith(b"<"):
                    return False
                if data.startswith(b"<?xml"):
                    data = data[data.find(b"?>") + 2:]
                first = False
            if b"<!" in data or b"<?" in data or b"\x00" in data or (b"<f" in data and _FORMULA.search(data)):
                return False
            if (b":c" in data or b":f" in data) and _PREFIXED_CELL_OR_FORMULA.search(data):
                return False
            if _SECOND_REFERENCE.search(data):
                return False
            cells += len(_CELL_START.findall(data))
            references += len(_REFERENCED_CELL.findall(data))
            for reference in near_limits.findall(data) if near_limits else ():
                position = cell_position(reference.decode("ascii"))
                if position is None or position[0] >= limits.max_rows or position[1] >= limits.max_columns:
                    return False
            if not chunk:
                break
    return not first and cells == references and not carried.strip()  # not first: something was read
