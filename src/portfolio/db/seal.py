"""The seal: a SHA-256 of the database file written when the application closes it, checked when it opens it.

SQLite's own checks see a damaged page structure but not a flipped byte inside a value, nor a page nobody
reads: a file a failing disk (or another program) changed while the application was closed can look sound.
The seal sees every byte. It is kept in the backups folder beside the database (``<file name>.sauvegardes``:
the whole name, so that ``p.sqlite`` and ``p.db`` in one folder never share a seal or backups),
written only by the last connection to close (the write-ahead log is gone then: nothing else holds the file),
and removed by every writable opening, since the file changes from then on. A file with no seal (never
closed by this version, still open elsewhere, or left by a crash, which SQLite's journal recovers) is
checked with SQLite's ``quick_check`` instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from portfolio.domain.i18n import tr

SEAL_NAME = "sceau.json"
# (path, size, mtime, the seal's and the log's mtimes) -> (when, problem): the window's quick first view and its
# full opening, a moment later, hash the file once; a minute later it is hashed again (a disk can flip a byte
# without changing the mtime)
_verified: dict[tuple[str, int, int, int, int], tuple[float, str | None]] = {}
_REMEMBERED_S = 60.0


def backups_dir(path: Path) -> Path:
    """Where the automatic copies of a database (and its seal) are kept: a folder beside it, named after the
    whole file name."""
    return path.parent / f"{path.name}.sauvegardes"


def seal_path(path: Path) -> Path:
    return backups_dir(path) / SEAL_NAME


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks (about 0.6 GB/s here: 16 ms for the demo)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


# The seal's signature (issue #18): a seal anyone can recompute proves nothing against someone who changes the file
# and writes a new one. The services give these two functions (the keys are theirs, services.checkpoints): one signs
# a seal's content with the officer's key, the other says what is wrong with a seal's signature (None: signed by a
# trusted key, or an unsigned seal this user never signed).
SealSigner = Callable[[Path, dict[str, object]], dict[str, object]]
SealVerifier = Callable[[Path, dict[str, object]], "str | None"]
_signer: SealSigner | None = None
_verifier: SealVerifier | None = None


def use_signatures(signer: SealSigner, verifier: SealVerifier) -> None:
    """Seals are signed by ``signer`` from now on, and their signatures checked by ``verifier``."""
    global _signer, _verifier
    _signer, _verifier = signer, verifier


def write_seal(path: Path) -> bool:
    """Seals the closed database at ``path``; does nothing (False) while a write-ahead log shows that another
    connection still holds it, or when the folder cannot be written (the next opening then checks the
    file in full)."""
    if Path(f"{path}-wal").exists() or not path.is_file():
        return False
    try:
        stat = path.stat()
        content: dict[str, object] = {"sha256": file_digest(path), "size": stat.st_size}
        if _signer is not None:
            content = _signer(path, content)
        target = seal_path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(SEAL_NAME + ".tmp")
        temporary.write_text(json.dumps(content), encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        return False
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, _mtime(target), -1)  # (no log: checked above)
    _verified[key] = (time.monotonic(), None)
    return True


def remove_seal(path: Path) -> None:
    """Called before the file is written: from now on the seal would describe an older file. Raises OSError
    when it cannot be removed (a folder that cannot be written): the file must not be written then, or its
    next opening would call it damaged."""
    seal_path(path).unlink(missing_ok=True)


ASIDE_SUFFIX = ".ouverture"  # the seal set aside while an opening may still fail without writing


def set_aside_seal(path: Path) -> Path | None:
    """Moves the seal out of the way before the file is opened for writing (a rename: it needs no room on a full
    disk); once the opening succeeded ``drop_seal`` forgets it, when it failed without writing ``put_back_seal``
    restores it.
    Raises OSError when it cannot be moved (a folder that cannot be written): the file must not be written then,
    or its next opening would call it damaged. None when there was no seal."""
    target = seal_path(path)
    aside = target.with_name(SEAL_NAME + ASIDE_SUFFIX)
    if not target.exists():
        aside.unlink(missing_ok=True)  # left by an opening that was killed: it describes an older file
        return None
    try:
        os.replace(target, aside)
    except FileNotFoundError:  # another process opening the file for writing set it aside first: nothing to do
        return None
    return aside


def put_back_seal(path: Path, aside: Path | None, before: os.stat_result) -> None:
    """Puts back a seal set aside by an opening that failed (a full disk): the file is still the one the seal
    describes as long as its size and modification time are those seen before; otherwise it is dropped."""
    if aside is None:
        return
    try:
        now = path.stat()
        if (now.st_size, now.st_mtime_ns) == (before.st_size, before.st_mtime_ns):
            os.replace(aside, seal_path(path))
        else:
            aside.unlink(missing_ok=True)
    except OSError:
        pass  # (the next opening checks the file with SQLite instead)


def drop_seal(aside: Path | None) -> None:
    """Forgets a seal set aside once the opening succeeded: from now on the file changes."""
    if aside is not None:
        with contextlib.suppress(OSError):
            aside.unlink()


UNREADABLE: dict[str, object] = {"sha256": "", "size": -1}  # a seal that exists but cannot be read


def stored_seal(path: Path) -> dict[str, object] | None:
    """The seal's content; None when there is none; ``UNREADABLE`` when it exists but cannot be read (the disk
    that damaged it may have damaged the database too: it matches no file)."""
    target = seal_path(path)
    if not target.exists():
        return None
    try:
        content = json.loads(target.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UNREADABLE
    return content if isinstance(content, dict) and isinstance(content.get("sha256"), str) else UNREADABLE


def seal_problem(path: Path) -> str | None:
    """Why the file at ``path`` is not as the application left it, in words for a message (None when it is
    sound): the seal's digest when there is one, else SQLite's quick_check."""
    try:
        path = path.resolve()
        stat = path.stat()
    except OSError:
        return None  # a missing file: the opening says so itself
    key = (str(path), stat.st_size, stat.st_mtime_ns, _mtime(seal_path(path)), _mtime(Path(f"{path}-wal")))
    remembered = _verified.get(key)
    if remembered is None or time.monotonic() - remembered[0] > _REMEMBERED_S:
        remembered = _verified[key] = (time.monotonic(), _problem(path, stat.st_size))
    return remembered[1]


def _problem(path: Path, size: int) -> str | None:
    seal = stored_seal(path)
    wal = Path(f"{path}-wal")
    if seal is not None:
        # every writable opening removes the seal first: a sealed file with a log holding changes was written by
        # something else than the application
        if wal.exists() and wal.stat().st_size > 0:
            return tr("un autre programme y a écrit depuis que l'application l'a fermée (son journal d'écriture "
                      "n'est pas vide)")
        if seal is UNREADABLE:
            return tr("son sceau (l'empreinte écrite à la fermeture, dans le dossier des sauvegardes) est illisible")
        if seal.get("size") != size or file_digest(path) != seal["sha256"]:
            return tr("son contenu n'est plus celui que l'application a laissé en la fermant (disque défaillant, ou "
                      "fichier modifié par un autre programme)")
        return _verifier(path, seal) if _verifier is not None else None
    try:  # no seal to compare with: SQLite's structural check, without writing a byte
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
            result = connection.execute("PRAGMA quick_check(5)").fetchall()
    except sqlite3.DatabaseError as error:
        return tr("SQLite ne peut pas la lire ({detail})", detail=(str(error) or "?").splitlines()[0])
    lines = [row[0] for row in result]
    return None if lines == ["ok"] else tr("SQLite y trouve des erreurs ({detail})", detail="; ".join(lines))


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def forget(path: Path) -> None:
    """Drops what was remembered about ``path`` (after a restore, the same name holds another file)."""
    for key in [k for k in _verified if k[0] == str(path.resolve())]:
        del _verified[key]


def accept_as_is(path: Path) -> bool:
    """Seals the file as it is now (the officer checked it and keeps another program's change): a plain
    connection is opened and closed first, so that SQLite, as the last connection, folds in and removes the
    log a read-only check left beside it."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA schema_version").fetchone()
    forget(path)
    return write_seal(path)
