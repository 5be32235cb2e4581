"""Documents attached to a project, an application or an organisation (issue #21): a signed agreement, an interim
report, an amendment.

Kept in the database, not in a folder beside it: a portfolio stays one file (or one team database), so a backup, a
snapshot given to an auditor, a restore, the seal and a transaction all hold the documents with the records they
belong to, and no file can be changed, lost or left behind outside the application's sight (docs/architecture.md).
The description is a record (``document``: name, nature, format, size, SHA-256, date, author), written through the
one door and thus in the audit trail; the bytes sit beside it in ``document_content``, one row per document, written
by the same door as a side table (``SideRows``), so that an undo removes or puts back record and bytes together.
`portfolio check` and a snapshot's verification compare each document's bytes with the SHA-256 the trail holds.

Limits, each refused with what to do: 20 Mio a file (a portfolio is carried on a laptop and copied at every
backup), and the formats an officer files (PDF, office documents, images, text, e-mails), recognised by their
extension and, where the format has one, by the signature their bytes begin with (a program renamed ``.pdf`` is
not a PDF).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from portfolio.db.models import SUBJECTS, new_uuid
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import format_int

from .changes import Change, Create, Delete, SideRows

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

    Reader = Session | sqlite3.Connection

MAX_BYTES = 20 * 1024 * 1024
CONTENT_TABLE = "document_content"
_PDF, _ZIP, _OLE = (b"%PDF-",), (b"PK\x03\x04",), (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
# extension -> (media type, the bytes a file of that format begins with; () when the format has no signature)
FORMATS: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", _PDF),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".msg": ("application/vnd.ms-outlook", _OLE),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".txt": ("text/plain", ()),
    ".csv": ("text/csv", ()),
    ".eml": ("message/rfc822", ()),
}


class DocumentRefused(PortfolioError):
    """A file that cannot be attached: too big, of a format not accepted, or not what its name says."""


@dataclass(frozen=True)
class DocumentFile:
    """A file read and accepted: its name, format and bytes."""

    name: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def accepted_extensions() -> str:
    """".pdf, .docx, …": what the messages and the file dialog offer."""
    return ", ".join(FORMATS)


def read_document(path: Path, name: str | None = None) -> DocumentFile:
    """The file at ``path`` as a document, or DocumentRefused saying why and what to do."""
    path = Path(path)
    shown = name or path.name
    _format(shown)  # (refused before a byte is read)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise DocumentRefused(_too_big(shown, size))
        with path.open("rb") as stream:
            content = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise DocumentRefused(tr("« {file} » ne peut pas être lu ({reason}) : vérifiez qu'il existe et qu'il n'est "
                                 "pas ouvert par un autre programme.", file=str(path),
                                 reason=error.strerror or error)) from None
    return accept(shown, content)


def accept(name: str, content: bytes) -> DocumentFile:
    """``content`` named ``name`` as a document, or DocumentRefused (size, format, signature)."""
    extension, (media_type, signatures) = _format(name)
    if len(content) > MAX_BYTES:
        raise DocumentRefused(_too_big(name, len(content)))
    if not content:
        raise DocumentRefused(tr("« {file} » est vide (0 octet) : rien à joindre.", file=name))
    if signatures and not content.startswith(signatures):
        raise DocumentRefused(tr("« {file} » ne contient pas ce que son extension annonce ({extension}) : il a "
                                 "peut-être été renommé. Ouvrez-le et enregistrez-le de nouveau dans ce format.",
                                 file=name, extension=extension))
    return DocumentFile(os.path.basename(name), media_type, content)


def _format(name: str) -> tuple[str, tuple[str, tuple[bytes, ...]]]:
    """A file name's extension and its format (media type, signatures), or DocumentRefused naming those accepted."""
    extension = Path(name).suffix.lower()
    if extension not in FORMATS:
        raise DocumentRefused(tr("« {file} » : ce format n'est pas accepté comme document. Formats acceptés : "
                                 "{formats}. Enregistrez-le en PDF puis joignez le PDF.", file=name,
                                 formats=accepted_extensions()))
    return extension, FORMATS[extension]


def _too_big(name: str, size: int) -> str:
    return tr("« {file} » pèse {size} Mio, au-delà des {limit} Mio qu'un document peut peser : réduisez-le (PDF "
              "compressé, images moins fines) ou joignez-en un extrait.", file=name,
              size=format_int(round(size / 1024 / 1024)), limit=format_int(MAX_BYTES // 1024 // 1024))


def attach_changes(subject: str, subject_id: int, document: DocumentFile, *, added_on: date, author: str,
                   category: str = "", contact_id: int | None = None) -> list[Change]:
    """The door's changes attaching ``document`` to a project, application or organisation: its record, then its
    bytes (undone together, in the reverse order)."""
    if subject not in SUBJECTS:
        raise ValueError(f"documents are attached to {SUBJECTS}, not {subject!r}")
    uuid = new_uuid()
    values: dict[str, Any] = {f"{subject}_id": subject_id, "name": document.name, "category": category,
                              "media_type": document.media_type, "size": len(document.content),
                              "sha256": document.sha256, "added_on": added_on, "author": author,
                              "contact_id": contact_id}
    return [Create("document", uuid, values), SideRows(CONTENT_TABLE, (uuid,), (), ((document.content,),))]


def removal_changes(reader: Reader, uuid: str, values: dict[str, Any]) -> list[Change]:
    """The door's changes deleting a document (``values``: its record's, as stored): its bytes, then its record."""
    row = raw_connection(reader).execute(f"SELECT content FROM {CONTENT_TABLE} WHERE document_uuid = ?",
                                         (uuid,)).fetchone()
    bytes_gone: list[Change] = [] if row is None else [SideRows(CONTENT_TABLE, (uuid,), ((bytes(row[0]),),), ())]
    return [*bytes_gone, Delete("document", uuid, values)]


def content_of(reader: Reader, uuid: str) -> bytes:
    """A document's bytes (PortfolioError when it has none: a file altered outside the application)."""
    content = contents_of(reader, [uuid]).get(uuid)
    if content is None:
        raise PortfolioError(tr("Le contenu de ce document manque dans la base : lancez « Vérifier la base » "
                                "(portfolio check) et restaurez une sauvegarde si besoin."))
    return content


def contents_of(reader: Reader, uuids: Sequence[str]) -> dict[str, bytes]:
    """The bytes of these documents, by uuid, read at once (those without any are left out)."""
    found: dict[str, bytes] = {}
    connection = raw_connection(reader)
    for start in range(0, len(uuids), 200):
        part = uuids[start:start + 200]
        for uuid, content in connection.execute(f"SELECT document_uuid, content FROM {CONTENT_TABLE} WHERE "
                                                f"document_uuid IN ({', '.join('?' * len(part))})", tuple(part)):
            found[str(uuid)] = bytes(content)
    return found


def copy_to_open(reader: Reader, uuid: str, name: str) -> Path:
    """A copy of a document in a private temporary folder, readable by its owner only, for the system's viewer
    (the database's bytes are never handed out: a viewer that saves writes to the copy)."""
    content = content_of(reader, uuid)
    folder = Path(tempfile.mkdtemp(prefix="portfolio-document-"))
    path = folder / (os.path.basename(name) or "document")
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(content)
    return path


def document_problems(reader: Reader) -> list[str]:
    """Each document whose bytes are missing or are not those its record (and the trail) describe: SHA-256 and size
    recomputed. [] when every document is whole."""
    connection = raw_connection(reader)
    problems = []
    for uuid, name, size, sha256, content in connection.execute(
            "SELECT d.uuid, d.name, d.size, d.sha256, c.content FROM document d "
            f"LEFT JOIN {CONTENT_TABLE} c ON c.document_uuid = d.uuid ORDER BY d.id"):
        if content is None:
            problems.append(tr("Document « {name} » ({uuid}) : son contenu manque.", name=name, uuid=uuid))
        elif hashlib.sha256(bytes(content)).hexdigest() != sha256 or len(content) != size:
            problems.append(tr("Document « {name} » ({uuid}) : son contenu n'est plus celui qui a été joint (SHA-256 "
                               "différent) : il a été modifié hors de l'application.", name=name, uuid=uuid))
    for (uuid,) in connection.execute(f"SELECT c.document_uuid FROM {CONTENT_TABLE} c WHERE NOT EXISTS "
                                      "(SELECT 1 FROM document d WHERE d.uuid = c.document_uuid)"):
        problems.append(tr("Contenu de document sans sa fiche ({uuid}).", uuid=uuid))
    return problems
