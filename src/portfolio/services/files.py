"""Writing a file the user asked for: never over a database or its companions, never half of it, never readable
by other users of the machine.

``write_whole`` refuses a protected destination (db.protected: a portfolio database, its log, its backups folder
and seal, the officer's keys, the settings) before anything is written; writes beside the destination under a
temporary name created readable by its owner only (a file may hold personal data: contacts, e-mails); makes the
bytes reach the disk (``fsync``: a full disk shows now, not after the rename); checks what a writer that cannot
report failure wrote (Qt's PDF and PNG writers); then renames it over the destination, which is the old file or
the new one, never a mixture. A failure leaves nothing behind and says what and where.
"""

from __future__ import annotations

import contextlib
import errno
import glob
import io
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from portfolio.db.protected import protected_reason
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from . import app_paths

OWNER_ONLY = 0o600
Check = Callable[[Path], bool]


class ProtectedFileError(PortfolioError):
    """The destination is a database, one of its companions, a key or the settings: nothing was written."""


def refuse_protected(destination: Path) -> None:
    """Raises ProtectedFileError when ``destination`` must not be written (see db.protected), naming why."""
    reason = protected_reason(destination) or _private_reason(destination)
    if reason:
        raise ProtectedFileError(reason)


def _private_reason(destination: Path) -> str | None:
    target = Path(os.path.abspath(destination.expanduser())).resolve()
    keys = app_paths.keys_folder().expanduser().resolve()
    if target == app_paths.settings_file().resolve() or keys in target.parents or target == keys:
        return tr("« {file} » est un fichier de l'application (réglages ou clés de signature) : il n'est jamais "
                  "remplacé par un export. Choisissez un autre nom de fichier.", file=str(destination))
    return None


def write_whole(destination: Path, write: Callable[[Path], object], what: str, *, check: Check | None = None) -> Path:
    """Calls ``write(temporary)`` then renames the temporary file over ``destination``; on any failure nothing
    is left behind and the PortfolioError names ``what`` ("Le classeur", "Le rapport"…) and the destination.
    ``check(temporary)``: False when what was written is not whole (a writer that does not report failure)."""
    destination = Path(destination)
    refuse_protected(destination)
    temporary: Path | None = None
    try:
        temporary = private_temporary(destination)
        write(temporary)
        if not temporary.is_file() or temporary.stat().st_size == 0 or (check is not None and not check(temporary)):
            # a writer that reports failure by writing nothing, or half (Qt's, on a full disk)
            raise OSError(errno.ENOSPC, tr("le fichier écrit est incomplet (disque plein ?)"))
        sync_file(temporary)
        temporary.replace(destination)
        temporary = None
        sync_folder(destination.parent)
    except OSError as error:
        raise PortfolioError(_not_written(what, destination, error)) from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)  # nothing half-written is left behind
    return destination


def workbook_writer(book: Any) -> Callable[[Path], None]:
    """The ``write`` of an openpyxl workbook for ``write_whole``: saved in memory first, then written in one go,
    so that a disk that refuses the bytes fails one plain write (openpyxl's zip file, failing half way, would
    print "Exception ignored in ZipFile.__del__" when it is collected)."""
    def write(path: Path) -> None:
        buffer = io.BytesIO()
        book.save(buffer)
        _write_bytes(path, buffer.getvalue())

    return write


def private_temporary(destination: Path) -> Path:
    """A new empty file beside ``destination`` (same folder: the rename stays on one disk), readable and writable
    by its owner only, with a name of its own (two writers never share one)."""
    _sweep(destination)
    try:
        handle, name = tempfile.mkstemp(prefix=f".{destination.name}.", suffix=".tmp", dir=destination.parent)
    except FileNotFoundError:
        raise OSError(errno.ENOENT, tr("le dossier n'existe pas")) from None
    os.close(handle)  # mkstemp creates it 0600
    return Path(name)


LEFTOVER_AGE_S = 15 * 60


def _sweep(destination: Path) -> None:
    """Deletes the temporary files an interrupted write of this destination left (a process killed while
    writing): those untouched for a quarter of an hour, so that a write still going on elsewhere is left alone."""
    now = time.time()
    for leftover in destination.parent.glob(f".{glob.escape(destination.name)}.*.tmp"):
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > LEFTOVER_AGE_S:
                leftover.unlink()


def sync_file(path: Path) -> None:
    """Makes a file's bytes reach the disk (a full disk or a failing one says so here)."""
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())


def sync_folder(folder: Path) -> None:
    """Makes a rename in ``folder`` durable (POSIX; nothing to do where folders cannot be opened)."""
    with contextlib.suppress(OSError, AttributeError):
        descriptor = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _write_bytes(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _not_written(what: str, destination: Path, error: OSError) -> str:
    if error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG):
        return tr("{what} n'a pas pu être écrit dans « {file} » : le disque est plein (ou le fichier dépasse la "
                  "taille permise). Rien n'a été écrit ; libérez de la place ou choisissez un autre emplacement.",
                  what=what, file=str(destination))
    if error.errno == errno.ENOENT:
        return tr("{what} n'a pas pu être écrit dans « {file} » : vérifiez que le dossier existe et accepte "
                  "l'écriture.", what=what, file=str(destination))
    return tr("{what} n'a pas pu être écrit dans « {file} » ({reason}) : fermez-le s'il est ouvert ailleurs, ou "
              "choisissez un autre emplacement.", what=what, file=str(destination),
              reason=error.strerror or str(error))


def pdf_is_whole(path: Path) -> bool:
    """A PDF ends with its end-of-file marker (a writer stopped by a full disk leaves it without)."""
    return _tail(path).rstrip().endswith(b"%%EOF")


def png_is_whole(path: Path) -> bool:
    """A PNG ends with its IEND chunk."""
    return _tail(path).endswith(b"IEND\xaeB`\x82")


def svg_is_whole(path: Path) -> bool:
    """An SVG ends with its root element's end tag."""
    return _tail(path).rstrip().endswith(b"</svg>")


def _tail(path: Path, size: int = 64) -> bytes:
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - size))
        return handle.read()
