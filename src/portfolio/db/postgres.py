"""Team mode (issue #9): the same portfolio on a shared PostgreSQL server, SQLite staying the default.

A ``PostgresDatabase`` is a ``db.store.Store`` as ``Database`` is (``read()``, ``write()``, ``close()``,
``readonly``, ``path``; ``is_file`` False), their sessions' code shared (``database.SessionStore``), so the one
door, its audit chain and the services run unchanged. What differs:

- The schema is created from the models at the first opening (then stamped with Alembic's head revision), with
  the audit table's append-only triggers and ``portfolio_fold`` in PL/pgSQL; a database of an older schema is
  upgraded in place by the same Alembic migrations as a file, in one transaction behind the writers' lock; a
  database of a newer schema is refused untouched.
- Every write transaction first takes one transaction-level advisory lock: writers queue one behind the other,
  so the audit chain stays one verifiable chain and the door's check of old values (the row version check)
  sees every committed change; a writer that waits too long gets ``DatabaseBusyError``.
- The code's SQL is written once for both engines (db.dialect names what they spell differently); on a server,
  ``pg_sql.PgConnection`` only turns its parameter marks (``?``, ``:name``) into psycopg's, so
  ``raw_connection(session)`` callers stay as they are. Sessions read dates as ISO text (``DateStyle``).
- No file, so no seal, no backup copies beside it: the server's own backups (pg_dump, base backups) do that job.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from portfolio.domain.i18n import N_, tr

from .database import DatabaseBusyError, DatabaseError, NewerVersionError, SessionStore
from .locations import is_url
from .migrate import FIRST_SERVER_SCHEMA, head_revision, run_migrations
from .models import Base
from .sqlite_file import SCHEMA_VERSION

if TYPE_CHECKING:
    import psycopg

__all__ = ["is_url"]

WRITE_LOCK = 0x50_4F_52_54  # pg_advisory_xact_lock's key: one writer at a time ("PORT")
LOCK_TIMEOUT_MS = 15_000

_FOLD = """
CREATE OR REPLACE FUNCTION portfolio_fold(value text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT btrim(regexp_replace(translate(lower(replace(replace(value, 'œ', 'oe'), 'Œ', 'oe')),
    'àâäáãåçéèêëíìîïñóòôöõúùûüýÿæ', 'aaaaaaceeeeiiiinooooouuuuyya'), '[^a-z0-9]+', ' ', 'g'))
$$"""
_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_entry is append-only'; END $$;""" + "".join(
    f"""
CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table}
  FOR EACH {"STATEMENT" if event == "TRUNCATE" else "ROW"} EXECUTE FUNCTION audit_entry_append_only();"""
    for table in ("audit_entry", "audit_checkpoint", "import_batch")
    for event in ("UPDATE", "DELETE", "TRUNCATE")) + """
CREATE OR REPLACE FUNCTION audit_entry_actor() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
  IF NEW.actor IS DISTINCT FROM session_user THEN RAISE EXCEPTION 'audit_entry: the actor must be the role that
  writes it (%%)', session_user; END IF; RETURN NEW; END $$;
CREATE TRIGGER audit_entry_actor BEFORE INSERT ON audit_entry
  FOR EACH ROW EXECUTE FUNCTION audit_entry_actor();
CREATE TRIGGER import_batch_actor BEFORE INSERT ON import_batch
  FOR EACH ROW EXECUTE FUNCTION audit_entry_actor()"""


def shown_url(url: str) -> str:
    """The URL without its password, for messages and the window's title."""
    return make_url(url).render_as_string(hide_password=True)


class PostgresDatabase(SessionStore):
    """One portfolio on a PostgreSQL server and its engine. Sessions are short: one per user action."""

    is_file = False
    sealable = False

    def __init__(self, url: str, engine: Engine, readonly: bool) -> None:
        super().__init__(engine, readonly)
        self.url = url
        self.path: str = shown_url(url)  # what messages and the window show where a file's path would be

    @classmethod
    def open(cls, url: str, *, readonly: bool = False, migrate: bool = True) -> PostgresDatabase:
        """Connects, and creates the schema on an empty database (unless ``readonly``). DatabaseError with the
        server's reason when it cannot be reached or refuses the connection."""
        try:
            address = make_url(url).set(drivername="postgresql+psycopg")
        except (ValueError, TypeError) as exc:  # a port that is not a number, a URL cut short
            raise DatabaseError(tr("« {url} » n'est pas une adresse de base PostgreSQL valable ({reason}) : "
                                   "postgresql://utilisateur@serveur:5432/base", url=url.split("@")[-1],
                                   reason=exc)) from None
        engine = create_engine(address, pool_pre_ping=True, connect_args={"connect_timeout": 10})
        event.listen(engine, "connect", _on_connect)
        database = cls(url, engine, readonly)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            database._ensure_schema(create=migrate and not readonly)
        except DBAPIError as exc:
            engine.dispose()
            raise DatabaseError(tr("Connexion au serveur PostgreSQL « {url} » impossible : {why} (message du serveur : "
                                   "« {reason} »)", url=database.path, why=_why(_reason(exc)),
                                   reason=_reason(exc))) from None
        except BaseException:
            engine.dispose()
            raise
        return database

    def _ensure_schema(self, create: bool) -> None:
        with self.engine.begin() as connection:
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")  # two first openings
            version = connection.execute(text("SELECT to_regclass('portfolio_schema')")).scalar()
            if version is not None:
                found = connection.execute(text("SELECT version FROM portfolio_schema")).scalar()
                if found is not None and found > SCHEMA_VERSION:
                    raise NewerVersionError(tr(
                        "La base « {url} » a été écrite par une version plus récente de l'application (schéma "
                        "{found}, celle-ci connaît le {known}) : mettez l'application à jour.", url=self.path,
                        found=found, known=SCHEMA_VERSION))
                if found is None or found < FIRST_SERVER_SCHEMA:
                    raise DatabaseError(tr("La base « {url} » n'est pas un portefeuille que cette application sait "
                                           "mettre à jour (schéma {found}).", url=self.path, found=found))
                if found < SCHEMA_VERSION:
                    if not create:
                        raise DatabaseError(tr(
                            "La base « {url} » est au schéma {found} : ouvrez-la une fois en écriture (par son "
                            "propriétaire) pour la mettre à jour vers le schéma {known}.", url=self.path, found=found,
                            known=SCHEMA_VERSION))
                    # the same migrations as a file's, in this transaction: all of them or none
                    run_migrations(connection)
                    connection.execute(text("UPDATE portfolio_schema SET version = :v"), {"v": SCHEMA_VERSION})
                return
            if not create:
                raise DatabaseError(tr("La base « {url} » ne contient pas de portefeuille.", url=self.path))
            Base.metadata.create_all(connection)
            connection.exec_driver_sql(_FOLD)
            connection.exec_driver_sql(_APPEND_ONLY)
            connection.exec_driver_sql("CREATE TABLE portfolio_schema (version integer NOT NULL)")
            connection.execute(text("INSERT INTO portfolio_schema VALUES (:v)"), {"v": SCHEMA_VERSION})
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
            connection.execute(text("INSERT INTO alembic_version VALUES (:v)"), {"v": head_revision()})

    def close(self) -> None:
        self.engine.dispose()

    # --- sessions (SessionStore's read and write) ----------------------------------------------------

    def _begin_read(self, session: Session) -> None:
        """One consistent view of the data: REPEATABLE READ, READ ONLY."""
        session.connection().exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")

    def _begin_write(self, session: Session) -> None:
        """Behind the writers' lock: one writer at a time (one audit chain, no lost update)."""
        connection = session.connection()
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")

    def _refuse(self, exc: Exception) -> None:
        """The writers' lock held too long elsewhere -> DatabaseBusyError."""
        if isinstance(exc, OperationalError) and (
                "lock timeout" in str(exc).lower() or "canceling statement due to lock" in str(exc).lower()):
            raise DatabaseBusyError(tr("Un autre chargé de mission écrit dans « {url} » depuis plus de {n} s : "
                                       "réessayez dans un instant.", url=self.path,
                                       n=LOCK_TIMEOUT_MS // 1000)) from exc


def _on_connect(dbapi_connection: psycopg.Connection[Any], _record: object) -> None:
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'UTC'")
        cursor.execute("SET DateStyle TO 'ISO, YMD'")  # CAST(date AS TEXT) gives 2026-11-28, as a file stores it
    dbapi_connection.commit()


_WHY = (  # the server's (or libpq's) words -> what they mean, in French
    ("password authentication failed", N_("le mot de passe de cet utilisateur est refusé (voir ~/.pgpass ou "
                                          "Préférences)")),
    ("no password supplied", N_("le serveur demande un mot de passe, et aucun n'est connu pour cet utilisateur "
                                "(Préférences, ou ~/.pgpass)")),
    ("does not exist", N_("la base ou l'utilisateur n'existe pas sur ce serveur")),
    ("connection refused", N_("le serveur refuse la connexion : PostgreSQL n'est pas démarré, ou pas à cette "
                              "adresse ou ce port")),
    ("could not translate host name", N_("le nom du serveur est inconnu : vérifiez l'adresse et le réseau")),
    ("name or service not known", N_("le nom du serveur est inconnu : vérifiez l'adresse et le réseau")),
    ("timeout expired", N_("le serveur ne répond pas (10 secondes) : vérifiez le réseau ou le VPN")),
    ("no pg_hba.conf entry", N_("le serveur n'accepte pas les connexions de ce poste ou de cet utilisateur "
                                "(pg_hba.conf : voyez son administrateur)")),
    ("permission denied", N_("cet utilisateur n'a pas le droit de se connecter à cette base")),
    ("too many connections", N_("le serveur a atteint son nombre maximal de connexions : réessayez plus tard")),
)


def _why(reason: str) -> str:
    """The server's refusal explained in French (its own words are given beside)."""
    lowered = reason.lower()
    return next((tr(why) for words, why in _WHY if words in lowered),
                tr("le serveur ne répond pas ou refuse la connexion"))


def _reason(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
