"""The files no command may write over: a portfolio database, its write-ahead log, shared memory and rollback
journal, its backups folder and the seal in it (issue #18: `export X --db X` replaced the database itself).

Two ways to know them, both needed: by name, every database this process opened (``remember``), compared as
resolved paths (links followed) and case-folded (a case-insensitive file system takes ``Base.sqlite`` for
``base.sqlite``), or as the same file when it exists (a hard link); by content, any existing file whose SQLite
header carries the portfolio's application id (another portfolio, a damaged copy kept aside), except an
auditor's snapshot, which a new snapshot may replace, and anything inside a backups folder
(``<name>.sauvegardes``), whichever database it belongs to.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from portfolio.domain.i18n import tr

from .seal import backups_dir
from .sqlite_file import APPLICATION_ID, read_header

SIDECARS = ("-wal", "-shm", "-journal")
BACKUPS_SUFFIX = ".sauvegardes"
_opened: dict[str, Path] = {}  # case-folded resolved path -> the database's path, for every one this process opened


def remember(path: Path) -> None:
    """Notes a database this process opened: no file written later by this process may replace it or its
    companions, even after it is closed (a command writes its output once the database is closed)."""
    resolved = _resolved(path)
    _opened[_key(resolved)] = resolved


def protected_reason(destination: Path) -> str | None:
    """Why ``destination`` must not be written (one sentence naming what it is), or None when it may be."""
    target = _resolved(destination)
    key = _key(target)
    for database in list(_opened.values()):
        for suffix in ("", *SIDECARS):
            companion = Path(f"{database}{suffix}")
            if key == _key(companion) or _same_file(target, companion):
                return _database_file(destination, database)
        folder = backups_dir(database)
        if key == _key(folder) or key.startswith(_key(folder) + os.sep.casefold()):
            return _backups(destination, database)
    if any(part.casefold().endswith(BACKUPS_SUFFIX) for part in target.parent.parts):
        return _backups(destination, None)
    for suffix in ("", *SIDECARS):
        if suffix and not target.name.casefold().endswith(suffix):
            continue
        base = target.with_name(target.name[: len(target.name) - len(suffix)]) if suffix else target
        if _is_portfolio(base):
            return _database_file(destination, base)
    return None


def _database_file(destination: Path, database: Path) -> str:
    return tr("« {file} » est la base du portefeuille « {db} » ou l'un de ses fichiers (journal d'écriture, "
              "mémoire partagée) : elle n'est jamais remplacée par un export. Choisissez un autre nom de fichier.",
              file=str(destination), db=str(database))


def _backups(destination: Path, database: Path | None) -> str:
    return tr("« {file} » est dans le dossier des sauvegardes d'une base ({folder}), qui garde ses copies et son "
              "sceau : rien d'autre n'y est écrit. Choisissez un autre dossier.", file=str(destination),
              folder=str(backups_dir(database)) if database else str(destination.parent))


def _resolved(path: Path) -> Path:
    try:
        return Path(os.path.abspath(Path(path).expanduser())).resolve()
    except (OSError, RuntimeError):  # a link loop: compared as written
        return Path(os.path.abspath(Path(path).expanduser()))


def _key(path: Path) -> str:
    return os.path.normcase(str(path)).casefold()


def _same_file(one: Path, other: Path) -> bool:
    try:
        return one.exists() and other.exists() and os.path.samefile(one, other)
    except OSError:
        return False


def _is_portfolio(path: Path) -> bool:
    """An existing portfolio database (not an auditor's snapshot), known by its header, without writing a byte."""
    try:
        if not path.is_file() or read_header(path).application_id != APPLICATION_ID:
            return False
    except OSError:
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)) as connection:
            return connection.execute(
                "SELECT 1 FROM sqlite_master WHERE name = 'snapshot_manifest'").fetchone() is None
    except (sqlite3.Error, ValueError):
        return True  # ours by its header, unreadable: kept all the more


# --- readable by its owner only -------------------------------------------------------------------------------


def owner_only_by_default() -> None:
    """Every file this process creates from now on is readable and writable by its owner only (POSIX umask
    077): the database and its -wal/-shm (SQLite gives them the database's mode), snapshots, workbooks, the
    settings, the error log. A portfolio holds contacts' names and e-mails; another user of the machine must not
    read them. (On Windows, files in the user's profile are the user's already: nothing to do.)"""
    if os.name == "posix":
        os.umask(0o077)


def restrict_to_owner(path: Path) -> None:
    """Takes group and other users' rights off an existing database file and its companions this user owns (a
    file created before files were made owner-only); nothing is said when it cannot be done (another owner, a
    file system without modes)."""
    if os.name != "posix":
        return
    for suffix in ("", *SIDECARS):
        companion = Path(f"{path}{suffix}")
        with contextlib.suppress(OSError):
            stat = companion.stat()
            if stat.st_uid == os.getuid() and stat.st_mode & 0o077:
                companion.chmod(stat.st_mode & 0o700)


def create_owner_only(path: Path) -> None:
    """Creates ``path`` empty, readable by its owner only, unless it exists (SQLite then fills it)."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
