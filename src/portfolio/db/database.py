"""The SQLite file: opening it safely, its pragmas, write transactions, migrations at open.

A file is ours when its header carries our ``application_id``; its schema version is ``user_version``.
Both are read from the header's bytes before SQLite touches the file, so a foreign file or one written
by a newer version of the application is refused with its bytes unchanged.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .protected import create_owner_only, remember, restrict_to_owner
from .seal import (
    backups_dir,
    drop_seal,
    file_digest,
    put_back_seal,
    seal_problem,
    set_aside_seal,
    stored_seal,
    write_seal,
)
from .sqlite_file import APPLICATION_ID, SCHEMA_VERSION, add_functions, read_header

__all__ = ["backups_dir"]  # kept here too: callers and tests find the backups beside the database

DEFAULT_BUSY_TIMEOUT_MS = 5000
CACHE_KIB = 64 * 1024  # SQLite page cache per connection
# an import's write: its records go to the end of their (time-ordered) indexes, and a larger cache took the same
# time and 50 MiB more at 100,000 rows (issue #20's memory target; the benchmark's floor writes with it too)
IMPORT_CACHE_KIB = 16 * 1024


class DatabaseError(PortfolioError):
    """A database file that cannot be opened or written; the message says why and what to do."""


class DamagedDatabaseError(DatabaseError):
    """A file SQLite refuses, or that is no longer as the application left it (see db.seal); it was not
    changed. The window offers to restore a backup, keeping this file aside."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class ForeignFileError(DatabaseError):
    """The file is not a portfolio database."""


class NewerVersionError(DatabaseError):
    """The file was written by a newer version of the application."""


class DatabaseBusyError(DatabaseError):
    """Another process holds the write lock for longer than the wait allows."""


def busy_timeout_ms() -> int:
    """How long a writer waits for another process's write lock (PORTFOLIO_BUSY_TIMEOUT_MS)."""
    try:
        return int(os.environ.get("PORTFOLIO_BUSY_TIMEOUT_MS", DEFAULT_BUSY_TIMEOUT_MS))
    except ValueError:
        return DEFAULT_BUSY_TIMEOUT_MS


def is_busy_error(exc: BaseException) -> bool:
    """True for SQLite's 'database is locked' / 'busy' errors."""
    message = str(getattr(exc, "orig", exc)).lower()
    return "locked" in message or "busy" in message


def foreign_file(path: Path) -> ForeignFileError:
    """The error for an SQLite file of another application (it is neither opened for writing nor changed)."""
    return ForeignFileError(tr(
        "« {path} » est une base SQLite d'une autre application : elle n'a pas été ouverte "
        "ni modifiée. Choisissez un fichier créé par le portefeuille.", path=path))


def damaged(path: Path, exc: BaseException | str) -> DamagedDatabaseError:
    """The error for a file SQLite refuses to read (damaged, truncated, encrypted…) or whose seal no longer
    matches, in one line."""
    detail = exc if isinstance(exc, str) else (str(getattr(exc, "orig", exc)) or "?").splitlines()[0]
    return DamagedDatabaseError(tr(
        "La base « {path} » est endommagée ou illisible : {detail}. Elle n'a pas été modifiée : restaurez "
        "une sauvegarde (Fichier > Restaurer une sauvegarde…, ou « portfolio restore »), ou lancez « portfolio "
        "check » pour le détail.", path=path, detail=detail), path)


class DiskFullError(DatabaseError):
    """The disk under the database has no room left: the file was neither opened nor changed, its seal kept."""


FULL_BELOW = 4 << 20  # bytes free under which a failure of SQLite's is the disk's, not the file's


def disk_nearly_full(path: Path) -> bool:
    """True when the disk holding ``path`` has (almost) no room left: SQLite reports a full disk under its log
    or shared memory as a mere "disk I/O error", which must not be taken for a damaged file."""
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW
    except OSError:
        return False


def unusable(path: Path, exc: BaseException) -> DatabaseError:
    """The error for a file SQLite refused while opening it: the disk is full (nothing is wrong with the file),
    or the file is damaged."""
    if is_full_error(exc) or disk_nearly_full(path):
        return DiskFullError(tr(
            "Le disque de « {path} » est plein : la base n'a été ni ouverte ni modifiée, et elle n'est pas "
            "endommagée. Libérez de la place sur ce disque, puis rouvrez-la.", path=path))
    return damaged(path, exc)


def is_full_error(exc: BaseException | None) -> bool:
    """True when SQLite said "database or disk is full" here or in what led to this error (a rolled-back
    transaction then fails again at its savepoint's release)."""
    seen = 0
    while exc is not None and seen < 10:
        if "disk is full" in str(getattr(exc, "orig", exc)).lower():
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def busy_message(path: Path) -> str:
    """The message shown when another process keeps the file locked."""
    return tr(
        "La base « {path} » est en cours d'écriture par un autre programme (une autre fenêtre du "
        "portefeuille, un import en cours ?). Réessayez dans un instant, ou ouvrez-la en lecture seule.",
        path=path,
    )


def backup_copy(source: Path, destination: Path) -> Path:
    """A consistent copy of a live database (SQLite's online backup), written to a temporary file
    beside the destination and renamed into place, so no partial copy is ever left."""
    source = source.resolve()  # a URI needs an absolute path (`--db p.sqlite`)
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=destination.name + ".", suffix=".tmp", dir=destination.parent)
    os.close(handle)
    try:
        with contextlib.closing(sqlite3.connect(source.as_uri() + "?mode=ro", uri=True)) as src, \
                contextlib.closing(sqlite3.connect(temp_name)) as dst:
            src.backup(dst)
        os.replace(temp_name, destination)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise
    return destination


def backup_path(path: Path, reason: str) -> Path:
    """Where a copy of ``path`` taken now for ``reason`` goes: ``<name>.sauvegardes/<name>.<UTC time>.<reason>
    .sqlite`` (the time first, so the names sort in the order the copies were taken)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return backups_dir(path) / f"{path.stem}.{stamp}.{reason}.sqlite"


class SessionStore:
    """What the file (``Database``) and the server (db.postgres) share, a ``db.store.Store`` each: an engine,
    short sessions from it (one per user action), the refusal to write when opened read-only, and ``with``
    closing it. Each says how its transactions begin and what its engine's refusals mean."""

    is_file: bool
    path: Path | str

    def __init__(self, engine: Engine, readonly: bool, *, writer: Engine | None = None) -> None:
        self.engine = engine
        self.readonly = readonly
        self._reader = sessionmaker(bind=engine, expire_on_commit=False)
        self._writer = sessionmaker(bind=writer if writer is not None else engine, expire_on_commit=False)

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _begin_read(self, session: Session) -> None:
        """Sets up a read session's transaction (before the caller's first query)."""

    def _begin_write(self, session: Session) -> None:
        """Sets up a write session's transaction (before the caller's first statement)."""

    def _refuse(self, exc: Exception) -> None:
        """Raises the message that explains a write session's failure, when there is one; else returns (the
        failure then goes on as it was)."""

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session over one consistent view of the data, rolled back at the end."""
        with self._reader() as session:
            self._begin_read(session)
            try:
                yield session
            finally:
                session.rollback()

    @contextlib.contextmanager
    def write(self) -> Iterator[Session]:
        """A write session, the only writer while it lasts (a read-then-write cannot lose an update), committed
        at the end, rolled back on any error; one explained by ``_refuse`` is raised as its message."""
        if self.readonly:
            raise DatabaseError(tr("La base « {path} » est ouverte en lecture seule.", path=self.path))
        try:
            with self._writer.begin() as session:
                self._begin_write(session)
                yield session
        except Exception as exc:
            self._refuse(exc)
            raise


class Database(SessionStore):
    """One portfolio database file and its engine. Sessions are short: one per user action."""

    is_file = True  # (a shared PostgreSQL database, db.postgres, is not)

    def __init__(self, path: Path, engine: Engine, readonly: bool) -> None:
        # writes begin IMMEDIATE: the write lock taken at once, so a read-then-write cannot lose an update
        super().__init__(engine, readonly, writer=engine.execution_options(sqlite_begin="IMMEDIATE"))
        self.path: Path = path
        self.sealable = False  # set once opened: a failed opening must not seal (and so bless) the file
        # run at the last close, before the seal (what they return is not used)
        self.before_seal: list[Callable[[Database], object]] = []

    # --- opening ---------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | os.PathLike[str], *, readonly: bool = False, migrate: bool = True,
             any_schema: bool = False, check_seal: bool = True) -> Database:
        """Opens (creating it when missing) and migrates a portfolio database.

        ``any_schema`` (read-only only): accept an older schema without migrating it (for `portfolio check`).
        ``check_seal``: refuse (DamagedDatabaseError) a file that is not as the application left it (db.seal).

        Raises ForeignFileError for a file that is not ours, NewerVersionError for a file from a newer
        version (both leave the file untouched), DatabaseBusyError when another process keeps it locked.
        """
        path = Path(path).expanduser().resolve()
        remember(path)  # no file this process writes may replace it or its companions (db.protected)
        exists = path.exists() and path.stat().st_size > 0
        aside: Path | None = None  # the seal, moved out of the way while the opening may still fail unwritten
        if path.exists() and path.is_dir():
            raise DatabaseError(tr("« {path} » est un dossier, pas un fichier de base.", path=path))
        if exists:
            if check_seal and stored_seal(path) is not None and (problem := seal_problem(path)):
                raise damaged(path, problem)  # before the header: a flipped header byte is damage too
            cls._check_header(path)
            cls._check_log(path)
            problem = seal_problem(path) if check_seal else None
            if problem:
                raise damaged(path, problem)
            if not readonly:
                restrict_to_owner(path)  # a file made before files were owner-only
                kept_stat = path.stat()  # the seal is put back if the opening fails without writing
                try:
                    aside = set_aside_seal(path)  # the file changes from now on
                except OSError as exc:
                    raise DatabaseError(tr(
                        "La base « {path} » ne peut pas être ouverte en écriture : le dossier de ses sauvegardes "
                        "« {folder} » n'accepte pas l'écriture ({error}). Rendez-le modifiable, ou ouvrez la base "
                        "en lecture seule.", path=path, folder=backups_dir(path), error=exc.strerror or exc)) from None
        elif readonly:
            raise DatabaseError(tr("La base « {path} » n'existe pas.", path=path))
        else:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                create_owner_only(path)  # its -wal and -shm get its mode from SQLite
            except OSError as exc:
                raise DatabaseError(
                    tr("Impossible de créer le dossier de la base « {path} » : {error}.", path=path.parent,
                       error=exc.strerror or exc)
                ) from exc
        database = cls(path, make_engine(path, readonly=readonly), readonly)
        try:
            if not readonly and migrate:
                database._migrate(existing=exists)
            elif not any_schema:
                database._check_schema_readable()
        except DBAPIError as exc:  # SQLite itself refused the file: damaged, not a database, or a full disk
            database.close()
            error = unusable(path, exc)
            if isinstance(error, DiskFullError) and exists and not readonly:
                put_back_seal(path, aside, kept_stat)
            raise error from exc
        except DiskFullError:
            database.close()
            if exists and not readonly:
                put_back_seal(path, aside, kept_stat)
            raise
        except BaseException:
            database.close()
            raise
        drop_seal(aside)
        database.sealable = not readonly
        return database

    @classmethod
    def check_header(cls, path: Path) -> None:
        """Refuses (ForeignFileError, NewerVersionError, DatabaseError) a file that is not one of ours to read."""
        if not path.is_file():
            raise DatabaseError(tr("La base « {path} » n'existe pas.", path=path))
        if path.stat().st_size == 0:
            raise DatabaseError(tr("La base « {path} » est vide.", path=path))
        cls._check_header(path)

    @staticmethod
    def _check_header(path: Path) -> None:
        try:
            header = read_header(path)
        except OSError as exc:
            raise DatabaseError(tr("Impossible de lire « {path} » : {error}.", path=path,
                                   error=exc.strerror or exc)) from exc
        if not header.is_sqlite:
            raise ForeignFileError(tr(
                "« {path} » n'est pas une base du portefeuille (ce n'est pas un fichier SQLite). "
                "Choisissez un fichier .sqlite créé par l'application.", path=path))
        if header.application_id != APPLICATION_ID:
            wal = Path(f"{path}-wal")
            live_log = wal.exists() and wal.stat().st_size > 0  # tables may be in the log, not yet in the file
            if header.application_id == 0 and header.user_version == 0 and not live_log and _has_no_tables(path):
                return  # an empty SQLite file: ours to initialise
            if header.application_id == 0 and live_log and _stamped_in_log(path):
                return  # a new portfolio whose first pages are still in its log (a reader kept it from folding in)
            raise foreign_file(path)
        if header.user_version > SCHEMA_VERSION:
            raise NewerVersionError(tr(
                "« {path} » a été écrite par une version plus récente de l'application (schéma {found}, "
                "cette version connaît le schéma {known}). Elle n'a pas été modifiée : mettez "
                "l'application à jour pour l'ouvrir.", path=path, found=header.user_version,
                known=SCHEMA_VERSION))

    @staticmethod
    def _check_log(path: Path) -> None:
        """Refuses a file whose write-ahead log (not yet folded in, after a crash) makes it a newer version's or
        another application's: read through a read-only connection, which never folds the log into the file (a
        writable one would, when it closes, and the file would then be changed after all)."""
        wal = Path(f"{path}-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            return
        try:
            with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
                application_id = connection.execute("PRAGMA application_id").fetchone()[0]
                version = connection.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.Error:
            return  # SQLite cannot read it: the opening says so
        if application_id not in (0, APPLICATION_ID):
            raise foreign_file(path)
        if version > SCHEMA_VERSION:
            raise NewerVersionError(tr(
                "« {path} » a été écrite par une version plus récente de l'application (schéma {found}, "
                "cette version connaît le schéma {known}). Elle n'a pas été modifiée : mettez "
                "l'application à jour pour l'ouvrir.", path=path, found=version, known=SCHEMA_VERSION))

    def _check_schema_readable(self) -> None:
        with self.engine.connect() as connection:
            version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
        if version != SCHEMA_VERSION:
            raise DatabaseError(tr(
                "La base « {path} » est au schéma {found} et doit être mise à jour (schéma {known}) : "
                "ouvrez-la une fois en écriture.", path=self.path, found=version, known=SCHEMA_VERSION))

    def _migrate(self, existing: bool) -> None:
        try:
            with self.engine.connect() as connection:
                version = connection.exec_driver_sql("PRAGMA user_version").scalar_one()
                application_id = connection.exec_driver_sql("PRAGMA application_id").scalar_one()
            if application_id not in (0, APPLICATION_ID) or version > SCHEMA_VERSION:
                # the header said otherwise: a write-ahead log not yet checkpointed; check again
                self.close()
                self._check_header(self.path)
                raise ForeignFileError(tr("« {path} » n'est pas une base du portefeuille.", path=self.path))
            if version == SCHEMA_VERSION:
                return
            if existing and version == 0 and application_id == 0:
                with self.engine.connect() as connection:  # unlike the header, this sees the write-ahead log
                    tables = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
                if tables:
                    raise foreign_file(self.path)
            if existing and (version > 0 or not _has_no_tables(self.path)):
                target = backup_path(self.path, f"avant-migration-v{version}")
                try:
                    backup_copy(self.path, target)
                    # its SHA-256 beside it, as for every backup: a restore checks the copy is as it was written
                    target.with_name(target.name + ".sha256").write_text(file_digest(target) + "\n",
                                                                         encoding="ascii")
                except (OSError, sqlite3.Error) as exc:  # a full disk, a folder that cannot be written
                    raise DatabaseError(tr(
                        "La base « {path} » doit être mise à jour, mais la copie à faire d'abord n'a pas pu être "
                        "écrite dans « {folder} » ({error}). Elle n'a pas été modifiée : libérez de la place ou "
                        "vérifiez les droits du dossier, puis rouvrez-la.", path=self.path, folder=target.parent,
                        error=getattr(exc, "strerror", None) or exc)) from None
            from . import migrate  # deferred: importing Alembic costs 0.2 s, needed only when a migration runs

            migrate.upgrade(self.engine)
        except DBAPIError as exc:
            if is_busy_error(exc):
                raise DatabaseBusyError(busy_message(self.path)) from exc
            raise unusable(self.path, exc) from exc

    def close(self) -> None:
        """Releases every connection (and with the last one, SQLite checkpoints the WAL), then seals the file
        when this was the last connection to it (db.seal)."""
        if self.sealable:
            for step in self.before_seal:  # the trail's head signed (services.checkpoints): never blocks a closing
                with contextlib.suppress(Exception):
                    step(self)
        if self.sealable:  # the log folded into the file even if a reader elsewhere keeps it from being removed
            with contextlib.suppress(DBAPIError, sqlite3.Error), self.engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")  # (waits for no one)
        self.engine.dispose()
        if self.sealable:
            self.sealable = False  # once: a second close must not seal a file someone else opened since
            write_seal(self.path)

    # --- sessions (SessionStore's read and write: a deferred read transaction, BEGIN IMMEDIATE to write) ----

    def _refuse(self, exc: Exception) -> None:
        """Another process's lock beyond the busy timeout -> DatabaseBusyError; a full disk -> DatabaseError."""
        if not isinstance(exc, (OperationalError, sqlite3.OperationalError)):
            return
        if is_busy_error(exc):
            raise DatabaseBusyError(busy_message(self.path)) from exc
        if is_full_error(exc):  # SQLITE_FULL: SQLite rolled the transaction back whole
            raise DatabaseError(tr(
                "Le disque de « {path} » est plein : la modification n'a pas été enregistrée, et la base est "
                "restée telle qu'avant. Libérez de la place, puis recommencez.", path=self.path)) from None


def _stamped_in_log(path: Path) -> bool:
    """True when SQLite, reading the write-ahead log too, sees our application_id and a known schema."""
    try:
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            version = connection.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.Error:
        return False
    return bool(application_id == APPLICATION_ID and 0 < version <= SCHEMA_VERSION)


def _has_no_tables(path: Path) -> bool:
    # immutable: a foreign file in WAL mode gets no -wal/-shm created beside it
    with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro&immutable=1", uri=True)) as connection:
        return bool(connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0)


def make_engine(path: Path, *, readonly: bool = False) -> Engine:
    """An engine with the portfolio's pragmas: foreign keys on, WAL, full sync, busy timeout, and
    transactions begun by us (BEGIN or BEGIN IMMEDIATE) rather than by the sqlite3 module. Every connection
    knows ``portfolio_fold`` (used in queries only: no index or view depends on it, so other tools can still
    read and write the file)."""
    # URL.create, not string formatting: a path may contain '#', '?' or '%' (a folder "Projets #2")
    if readonly:
        url = URL.create("sqlite", database=path.as_uri() + "?mode=ro", query={"uri": "true"})
    else:
        url = URL.create("sqlite", database=str(path))
    engine = create_engine(url, connect_args={"timeout": busy_timeout_ms() / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms()}")
        cursor.execute(f"PRAGMA cache_size = -{CACHE_KIB}")  # the default 2 MiB thrashes on UUID indexes
        add_functions(dbapi_connection)
        if not readonly:
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: an acknowledged edit survives a crash or a power cut
            cursor.execute("PRAGMA synchronous = FULL")
            # deleted or overwritten values are zeroed, not left in free space: an erased person (services.gdpr)
            # leaves no byte behind
            cursor.execute("PRAGMA secure_delete = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine

