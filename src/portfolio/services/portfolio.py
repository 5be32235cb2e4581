"""Opening a portfolio: the file, its migrations and its reference tables, in one call."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from portfolio.db.locations import is_other_address, is_url, without_password
from portfolio.domain.i18n import tr

from .app_paths import DB_ENV, default_database, settings_file

if TYPE_CHECKING:
    from portfolio.db.database import Database
    from portfolio.db.store import Store


def read_settings() -> dict[str, object]:
    """The settings (``app_paths.settings_file()``; an empty dict for a missing or damaged file: they are
    conveniences, never data)."""
    try:
        content = json.loads(settings_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return content if isinstance(content, dict) else {}


def write_setting(key: str, value: object) -> None:
    """Stores one setting (None removes it); the file is written whole: a failed write keeps the old one."""
    settings = read_settings()
    if value is None:
        settings.pop(key, None)
    else:
        settings[key] = value
    target = settings_file()
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".tmp")
    # readable by its owner only: it names the databases and servers this user works on
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write(json.dumps(settings, ensure_ascii=False, indent=1))
    os.chmod(temporary, 0o600)  # (an older temporary file kept its mode)
    os.replace(temporary, target)


SHARED_SETTING = "base_partagee"


def shared_database() -> str | None:
    """Team mode chosen in the preferences: the shared server's URL (its password stays in ~/.pgpass: one typed
    there by an earlier version is moved to it, and taken out of the settings)."""
    value = read_settings().get(SHARED_SETTING)
    if not is_url(value):
        return None
    from .passwords import has_password, store_password

    if has_password(str(value)):
        try:
            value = store_password(str(value))
            write_setting(SHARED_SETTING, value)
        except OSError:
            pass  # (a profile that cannot be written: the password stays where it was, used as it is)
    return str(value)


def shared_location(given: object = None) -> str | None:
    """The shared server to open (team mode), or None for a file: ``given`` (``--db``/``--db-url``) when it is an
    URL; without one, PORTFOLIO_DB when it is an URL, else, without PORTFOLIO_DB, the preferences' server."""
    if given:
        return given if is_url(given) else None
    configured = os.environ.get(DB_ENV)
    if configured:
        return configured if is_url(configured) else None
    return shared_database()


def open_portfolio(path: str | os.PathLike[str] | None = None, *, readonly: bool = False,
                   must_exist: bool = False) -> Store:
    """Opens (creating, migrating and seeding it as needed) the portfolio database at ``path``: a file, or
    (an URL, team mode) a shared PostgreSQL server's.

    ``must_exist``: refuse a missing file rather than create an empty portfolio (for commands that only read).
    """
    # imported here: where the database lives is needed before the window's first paint, SQLAlchemy is not
    from portfolio.db.database import Database, DatabaseError

    from .reference import seed_if_empty

    if is_other_address(path if path is not None else os.environ.get(DB_ENV)):
        raise DatabaseError(tr("« {address} » n'est ni un fichier ni l'adresse d'une base PostgreSQL "
                               "(postgresql://utilisateur@serveur/base) : rien n'a été ouvert.",
                               address=without_password(str(path if path is not None else os.environ.get(DB_ENV)))))
    if is_url(path if path is not None else os.environ.get(DB_ENV)):  # team mode: a shared PostgreSQL server
        from portfolio.db.postgres import PostgresDatabase

        # a command that only reads (must_exist) never creates a portfolio in an empty database
        shared = PostgresDatabase.open(str(path or os.environ[DB_ENV]), readonly=readonly, migrate=not must_exist)
        if not readonly:
            try:
                seed_if_empty(shared)
            except BaseException:
                shared.close()
                raise
        return shared
    target = Path(path) if path is not None else default_database()
    if must_exist and not target.exists():
        raise DatabaseError(tr("La base « {path} » n'existe pas. Vérifiez le chemin, ou créez-la avec "
                               "« portfolio demo --db {path} » pour un portefeuille de démonstration.", path=target))
    if not readonly and is_snapshot(target):
        raise DatabaseError(tr("« {path} » est un instantané d'auditeur : il ne s'ouvre qu'en lecture seule, pour "
                               "rester tel qu'il a été signé (Fichier > Ouvrir un instantané…, ou « portfolio open »).",
                               path=target))
    from .checkpoints import sign_head  # (importing it also has seals signed and their signatures checked)
    from .integrity import check_unsealed

    if not is_snapshot(target):  # (a snapshot is verified against its own manifest: services.snapshot)
        check_unsealed(target)  # a file closed without its seal (a crash, a copy) is checked in full before any use
    db = Database.open(target, readonly=readonly)
    if not readonly:
        db.before_seal.append(sign_head)  # at the last closing, the trail's head signed with the officer's key
        try:
            restore_trail_guards(db)
            seed_if_empty(db)
        except BaseException:
            db.close()
            raise
    return db


RESTORED_FIELD = "_declencheurs_restaures"  # the audit entry saying the trail's triggers were put back


def restore_trail_guards(db: Database) -> list[str]:
    """Puts back the audit trail's append-only triggers if another program removed or changed them, and says so
    in the trail (an entry naming them): from the opening on, an entry can again be neither changed nor
    deleted. Returns the triggers restored."""
    from portfolio.db.schema_check import missing_triggers, restore_triggers
    from portfolio.db.sqlite_file import raw_connection

    from .changes import append_audit_entries

    with db.read() as session:
        missing = missing_triggers(raw_connection(session))
    if not missing:
        return []
    with db.write() as session:
        connection = raw_connection(session)
        missing = missing_triggers(connection)
        if missing:
            restore_triggers(connection, missing)
            append_audit_entries(session, [("audit_entry", "declencheurs", RESTORED_FIELD, missing)],
                                 source="ouverture")
    return missing


def is_snapshot(path: Path) -> bool:
    """True for an auditor's snapshot (it holds a manifest): looked at without writing a byte."""
    import contextlib
    import sqlite3

    if not path.is_file():
        return False
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)) as c:
            return c.execute("SELECT 1 FROM sqlite_master WHERE name = 'snapshot_manifest'").fetchone() is not None
    except (sqlite3.Error, ValueError):  # not a database at all, or damaged (text that is not UTF-8): the opening
        # proper says so
        return False

