"""Automatic backups: a consistent copy of the portfolio taken at open and before every import, sync and
migration, rotated so that the newest N are kept (N is a setting), and restoring one.

Copies go to the folder beside the database (``<file name>.sauvegardes``) and are written whole (SQLite's
online backup into a temporary file, then a rename): a copy taken while another window writes is a
consistent state of the data, and a failed or interrupted copy leaves nothing. Restoring never deletes: the
file it replaces is moved aside, untouched, under a name that says why.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import sqlite3
import stat
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from portfolio.db.database import DatabaseError, backup_copy, backup_path
from portfolio.db.seal import backups_dir, file_digest, forget, remove_seal, write_seal
from portfolio.domain.i18n import N_, tr

from .checkpoints import forget_file
from .portfolio import read_settings, write_setting

DEFAULT_KEEP = 10
KEEP_RANGE = (1, 100)
REASONS = {
    "ouverture": N_("à l'ouverture"),
    "avant-import": N_("avant un import"),
    "avant-synchronisation": N_("avant une synchronisation"),  # (the sync with the agencies, issue #5)
    "manuelle": N_("à la demande"),
}
ROTATED = frozenset({"ouverture", "avant-import", "avant-synchronisation"})
_NAME = re.compile(r"^(?P<stem>.+)\.(?P<stamp>\d{8}T\d{12}Z)\.(?P<reason>[a-z0-9-]+)\.sqlite$")


# --- the setting ---------------------------------------------------------------------------------------


def backups_kept() -> int:
    """How many automatic backups of each database are kept (10 unless changed in the preferences)."""
    value = read_settings().get("sauvegardes_conservees", DEFAULT_KEEP)
    if isinstance(value, int) and not isinstance(value, bool) and KEEP_RANGE[0] <= value <= KEEP_RANGE[1]:
        return value
    return DEFAULT_KEEP


def set_backups_kept(count: int) -> None:
    """Stores how many automatic backups are kept (written whole: a failed write keeps the old settings)."""
    if not KEEP_RANGE[0] <= count <= KEEP_RANGE[1]:
        raise ValueError(count)
    write_setting("sauvegardes_conservees", count)


# --- the copies ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Backup:
    """One automatic copy of a database."""

    path: Path
    taken_at: datetime  # UTC
    reason: str  # a key of REASONS, or "avant-migration-v<n>"
    size: int

    def reason_label(self) -> str:
        if self.reason.startswith("avant-migration"):
            return tr("avant une mise à jour du schéma")
        return tr(REASONS[self.reason]) if self.reason in REASONS else self.reason

    def as_json(self) -> dict[str, object]:
        return {"path": str(self.path), "taken_at": self.taken_at.isoformat(), "reason": self.reason,
                "size": self.size}


def list_backups(path: Path) -> list[Backup]:
    """The automatic copies of the database at ``path``, newest first."""
    folder = backups_dir(path)
    found = []
    for candidate in folder.glob(f"{glob_escape(path.stem)}.*.sqlite") if folder.is_dir() else ():
        match = _NAME.match(candidate.name)
        if match is None or match["stem"] != path.stem:
            continue
        taken = datetime.strptime(match["stamp"], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        try:
            size = candidate.stat().st_size
        except OSError:  # rotated away meanwhile by another window
            continue
        found.append(Backup(candidate, taken, match["reason"], size))
    return sorted(found, key=lambda backup: backup.taken_at, reverse=True)


def glob_escape(text: str) -> str:
    """``text`` with glob's special characters matched literally (a folder "Projets [2026]")."""
    return re.sub(r"([\[\]*?])", r"[\1]", text)


def take_backup(path: Path, reason: str, keep: int | None = None) -> Backup:
    """Copies the database at ``path`` (consistently, even while it is being written) and keeps only the
    newest ``keep`` copies (the setting by default). A full disk or a read-only folder gives a DatabaseError
    naming the folder; nothing partial is left."""
    target = backup_path(path, reason)
    try:
        backup_copy(path, target)
        _digest_file(target).write_text(file_digest(target) + "\n", encoding="ascii")
    except Exception as error:  # OSError, or sqlite3.Error for a full disk seen by SQLite
        target.unlink(missing_ok=True)
        raise DatabaseError(backup_failed(path, target, error)) from None
    rotate(path, backups_kept() if keep is None else keep)
    return Backup(target, datetime.now(UTC), reason, target.stat().st_size)


def backup_failed(path: Path, target: Path, error: BaseException) -> str:
    """The message for a copy that could not be written (full disk, folder not writable…)."""
    full = (isinstance(error, OSError) and error.errno == errno.ENOSPC) or "full" in str(error).lower()
    reason = tr("le disque est plein") if full else (getattr(error, "strerror", None) or str(error) or "?")
    return tr("La sauvegarde de « {name} » n'a pas pu être écrite dans « {folder} » ({reason}). La base n'a pas "
              "été modifiée : libérez de la place ou vérifiez les droits du dossier, puis recommencez.",
              name=path.name, folder=str(target.parent), reason=reason)


def rotate(path: Path, keep: int) -> list[Path]:
    """Deletes all but the newest ``keep`` automatic copies of ``path`` (those taken at open and before an
    import, a sync or a restore; copies asked for and those taken before a migration stay); returns the
    deleted ones."""
    removed = sweep_leftovers(backups_dir(path))
    for backup in [b for b in list_backups(path) if b.reason in ROTATED][max(keep, 1):]:
        try:
            backup.path.unlink()
        except OSError:  # in use (an auditor has it open?): kept, tried again next time
            continue
        _digest_file(backup.path).unlink(missing_ok=True)
        removed.append(backup.path)
    return removed


LEFTOVER_AGE_S = 15 * 60  # a copy still being written is touched every moment; one this old was interrupted


def sweep_leftovers(folder: Path, age_s: float = LEFTOVER_AGE_S) -> list[Path]:
    """Deletes what interrupted copies left in a backups folder (a process killed while copying leaves its
    temporary file: 197 MB after one kill in the probe): temporary files untouched for ``age_s`` seconds."""
    removed = []
    now = datetime.now(UTC).timestamp()
    for leftover in folder.glob("*.tmp") if folder.is_dir() else ():
        with contextlib.suppress(OSError):
            if now - leftover.stat().st_mtime > age_s:
                leftover.unlink()
                removed.append(leftover)
    return removed


def changed_since_last_backup(path: Path) -> bool:
    """False when the newest copy is newer than every change to the database (its file and its log)."""
    backups = list_backups(path)
    if not backups:
        return True
    newest = backups[0].path.stat().st_mtime_ns
    changed = [p.stat().st_mtime_ns for p in (path, Path(f"{path}-wal")) if p.exists()]
    return any(moment > newest for moment in changed)


# --- restoring -----------------------------------------------------------------------------------------


class DatabaseInUse(DatabaseError):
    """Another window or program holds the database: it cannot be replaced now."""


def _digest_file(backup: Path) -> Path:
    """Where a backup's SHA-256, taken when it was written, is kept: beside it."""
    return backup.with_name(backup.name + ".sha256")


def _check_copy(backup: Path) -> None:
    """Refuses a copy whose bytes changed since it was written (its SHA-256 beside it), or that SQLite finds
    damaged, before it replaces anything."""
    digest = _digest_file(backup)
    if digest.is_file() and digest.read_text(encoding="ascii").strip() != file_digest(backup):
        raise DatabaseError(tr("La sauvegarde « {file} » a changé depuis qu'elle a été écrite (disque défaillant ?) : "
                               "elle n'a pas été restaurée. Choisissez-en une autre.", file=backup.name))
    try:
        with contextlib.closing(sqlite3.connect(backup.resolve().as_uri() + "?mode=ro&immutable=1",
                                                uri=True)) as connection:
            lines = [row[0] for row in connection.execute("PRAGMA integrity_check(5)")]
    except sqlite3.Error as error:
        lines = [str(error) or "?"]
    if lines != ["ok"]:
        raise DatabaseError(tr("La sauvegarde « {file} » est elle-même endommagée ({detail}) : elle n'a pas été "
                               "restaurée. Choisissez-en une autre.", file=backup.name, detail="; ".join(lines)))


def _take_for_replacing(path: Path) -> None:
    """Makes sure nothing else holds the database (SQLite's exclusive lock, without waiting) and folds its log
    into it, so that the file alone is the database. A file SQLite cannot read at all is left as it is."""
    try:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return
    try:
        connection.execute("PRAGMA locking_mode = EXCLUSIVE")
        connection.execute("BEGIN EXCLUSIVE")
        connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
        connection.execute("COMMIT")
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise DatabaseInUse(tr("« {name} » est ouverte dans une autre fenêtre ou un autre programme : fermez-les, "
                                   "puis recommencez la restauration.", name=path.name)) from None
    except sqlite3.DatabaseError:
        pass  # damaged beyond SQLite's reading: replaced as it is, its companions set aside with it
    finally:
        connection.close()


def _aside_name(path: Path, why: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return path.with_name(f"{path.stem}.{why}-{stamp}{path.suffix}")


def _keep_aside(path: Path, why: str) -> Path:
    """A second name for the database's current bytes, beside it (a hard link, else a copy), never over an
    existing file; its -wal, -shm and -journal files, if any are left, are moved along."""
    aside = _aside_name(path, why)
    try:
        os.link(path, aside)  # fails if the name exists: nothing is ever overwritten
    except OSError:
        with path.open("rb") as source, aside.open("xb") as target:
            shutil.copyfileobj(source, target)
    for suffix in ("-wal", "-shm", "-journal"):
        companion = Path(f"{path}{suffix}")
        if companion.exists():
            os.replace(companion, Path(f"{aside}{suffix}"))
    return aside


def _copy_synced(source: Path, folder: Path, name: str) -> Path:
    """``source`` copied to a new temporary file in ``folder``, flushed to the disk."""
    handle, temporary = tempfile.mkstemp(prefix=name + ".", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as target, source.open("rb") as origin:
            shutil.copyfileobj(origin, target, 1 << 20)
            target.flush()
            os.fsync(target.fileno())
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return Path(temporary)


def restore_backup(path: Path, backup: Path, why: str = "remplacee") -> Path | None:
    """Puts the copy ``backup`` in place of the database at ``path``, in one rename: the database is at every
    moment either the old file or the copy. The copy is checked first (its SHA-256, SQLite's integrity check)
    and written beside the database (flushed, with the database's permissions); then the database must be
    held by nobody (DatabaseInUse), and its bytes keep a second name beside it (returned; None when there was
    none) before the rename. Erasures made since the copy was taken (services.gdpr) are made again in it. The
    copy stays in the backups folder."""
    _check_copy(backup)
    path = path.resolve()
    try:
        temporary = _copy_synced(backup, path.parent, path.name)
    except OSError as error:
        raise DatabaseError(backup_failed(path, path, error)) from None
    try:
        if path.exists():
            os.chmod(temporary, stat.S_IMODE(path.stat().st_mode))
            # the lock is taken as late as possible: what is left between it and the rename is a link and a rename
            _take_for_replacing(path)
            aside = _keep_aside(path, why)
        else:
            aside = None
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    forget(path)
    forget_file(path)  # the profile's last signed head was the replaced file's: the copy's trail is an earlier one
    with contextlib.suppress(OSError):  # (a folder that cannot be written: the next opening says so)
        remove_seal(path)
        write_seal(path)  # the restored copy is the file as the application left it (signed: services.checkpoints)
    from .gdpr import erase_again  # (gdpr imports nothing of this module: no circle)

    erase_again(path)
    return aside


# --- the copies an erasure does not reach ------------------------------------------------------------


def copies_holding(path: Path) -> list[Path]:
    """The copies of the database that an erasure (services.gdpr) does not reach: its backups, and the files a
    restore or a damaged opening set aside beside it."""
    aside = [p for p in path.parent.glob(f"{glob_escape(path.stem)}.*-*{path.suffix}") if p != path]
    return [backup.path for backup in list_backups(path)] + sorted(aside)
