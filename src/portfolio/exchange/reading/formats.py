"""What a file really is, from its first bytes rather than its name: people rename files, and systems export
HTML or text with an .xls extension.

- ``PK\\x03\\x04`` (zip): xlsx, xlsm, xlsb or ods, told by the archive's content types or mimetype member;
- ``D0 CF 11 E0`` (OLE2 compound file): an .xls, or an encrypted OOXML workbook (Office wraps those in an
  OLE2 container with EncryptionInfo and EncryptedPackage streams), or some other Office document;
- text: CSV (HTML and XML are recognised and refused);
- anything else: refused.
"""

from __future__ import annotations

import mmap
import re
from pathlib import Path

from portfolio.domain.i18n import tr

from .base import ReadError

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TEXT_EXTENSIONS = (".csv", ".txt", ".tsv", ".tab")
_MARKUP = re.compile(rb"\s*<(?:!doctype|html|\?xml|table|head|body|meta|!--)", re.IGNORECASE)
_DIRECTORY_ENTRY = 128  # bytes; directory sectors (512 or 4096 bytes) start at multiples of 512
# The stream names that matter, as an OLE2 directory entry stores them (UTF-16LE); compared case-insensitively
_OLE_NAMES = ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book")
_OLE_NAME = re.compile(b"|".join(re.escape(name.encode("utf-16-le")) for name in _OLE_NAMES), re.IGNORECASE)


def markup(file: str) -> ReadError:
    """The error of an HTML page or XML document (often saved with an .xls extension by web exports)."""
    return ReadError(tr("Le fichier « {file} » est une page web ou un document XML, pas un classeur : ouvrez-le "
                        "dans votre tableur et enregistrez-le en .xlsx puis importez-le à nouveau.", file=file))


def ole_streams(path: Path) -> set[str]:
    """The names, among EncryptionInfo, EncryptedPackage, Workbook and Book, of the directory entries of an
    OLE2 file. Entries are found where they must be: at a 128-byte boundary, with a matching name length
    in the entry (so the same text inside a cell does not count). No full compound-file parser needed."""
    found: set[str] = set()
    with open(path, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        for match in _OLE_NAME.finditer(data):
            start = match.start()
            if start % _DIRECTORY_ENTRY or start + 66 > len(data):
                continue
            name = match.group().decode("utf-16-le")
            declared = int.from_bytes(data[start + 64:start + 66], "little")
            if declared == 2 * (len(name) + 1) and data[match.end():match.end() + 2] == b"\x00\x00":
                found.add(next(n for n in _OLE_NAMES if n.lower() == name.lower()))
    return found


def looks_like_markup(head: bytes) -> bool:
    """Whether the first bytes (after any byte-order mark) start an HTML or XML document."""
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(bom):
            head = head[len(bom):].decode(codec, errors="ignore").encode("utf-8", errors="ignore")
            break
    return _MARKUP.match(head) is not None


def sniff_kind(head: bytes) -> str:
    """"zip", "ole" or "text-or-other" from a file's first bytes."""
    if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
        return "zip"
    if head.startswith(OLE_MAGIC):
        return "ole"
    return "other"
