"""Is the database's schema the one this version expects? (issue #18: a column renamed with another program was
called "Base saine".)

The tables, columns, types, indexes and foreign keys are compared with the models by Alembic's own comparison
(``compare_metadata``: a test holds the migrated schema equal to the models, so any difference was made outside
the application); the audit trail's append-only triggers are compared with their definition, and any other
trigger or view is one too many (a trigger can change data behind the door's back). On a server, a trigger that
is disabled (``ALTER TABLE … DISABLE TRIGGER``) counts as missing.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from sqlalchemy import Connection

from portfolio.domain.i18n import N_, tr

from .models import Base

# the append-only triggers of the audit trail, as migration 0001 (and 0005, which recreated the first) wrote them
SQLITE_TRIGGERS = {
    "audit_entry_no_update": "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
                             "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: entries cannot be changed'); END",
    "audit_entry_no_delete": "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
                             "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only: entries cannot be deleted'); END",
    # (migration 0009: the signed heads, append-only too)
    "audit_checkpoint_no_update": "CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint BEGIN "
                                  "SELECT RAISE(ABORT, 'audit_checkpoint is append-only: signed heads cannot be "
                                  "changed'); END",
    "audit_checkpoint_no_delete": "CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint BEGIN "
                                  "SELECT RAISE(ABORT, 'audit_checkpoint is append-only: signed heads cannot be "
                                  "deleted'); END",
    # (migration 0010: the imports, append-only too)
    "import_batch_no_update": "CREATE TRIGGER import_batch_no_update BEFORE UPDATE ON import_batch BEGIN SELECT "
                              "RAISE(ABORT, 'import_batch is append-only: imports cannot be changed'); END",
    "import_batch_no_delete": "CREATE TRIGGER import_batch_no_delete BEFORE DELETE ON import_batch BEGIN SELECT "
                              "RAISE(ABORT, 'import_batch is append-only: imports cannot be deleted'); END",
}
# the schema version (PRAGMA user_version) from which a file has each trigger: a file not upgraded yet (`portfolio
# check` reads it as it is) lacks the newer ones without anything having been removed
_SINCE = {"audit_checkpoint_no_update": 9, "audit_checkpoint_no_delete": 9, "import_batch_no_update": 10,
          "import_batch_no_delete": 10}
_GUARDED = {"audit_entry": N_("une entrée du journal d'audit"), "audit_checkpoint": N_("une tête signée du journal"),
            "import_batch": N_("l'enregistrement d'un import")}
SERVER_TRIGGERS = (*(f"{table}_no_{what}" for table in ("audit_entry", "audit_checkpoint", "import_batch")
                     for what in ("update", "delete", "truncate")), "audit_entry_actor", "import_batch_actor")
SERVER_ONLY_TABLES = frozenset({"portfolio_schema", "alembic_version"})


def _words(sql: str | None) -> str:
    return re.sub(r"\s+", " ", sql or "").strip()


def _guarded(trigger: str) -> str:
    """What a trigger of the trail keeps from being changed, in words."""
    return tr(next(what for table, what in _GUARDED.items() if trigger.startswith(table + "_")))


def expected_triggers(connection: Any) -> dict[str, str]:
    """The trail's triggers a file of its schema version has (name -> definition)."""
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    return {name: sql for name, sql in SQLITE_TRIGGERS.items() if _SINCE.get(name, 0) <= version}


def trigger_problems(connection: Any) -> list[str]:
    """What is wrong with the triggers and views of a file (a DB-API sqlite3 connection): the trail's triggers
    missing or changed (those its schema version has), any other trigger or view."""
    found = {name: sql for kind, name, sql in connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type IN ('trigger', 'view')") if kind == "trigger"}
    views = [name for kind, name, _sql in connection.execute(
        "SELECT type, name, sql FROM sqlite_master WHERE type = 'view'")]
    problems = []
    for name, sql in expected_triggers(connection).items():
        guarded = _guarded(name)
        if name not in found:
            problems.append(tr("Schéma : le déclencheur « {name} », qui interdit de modifier ou supprimer {what}, "
                               "a été supprimé.", name=name, what=guarded))
        elif _words(found[name]) != _words(sql):
            problems.append(tr("Schéma : le déclencheur « {name} », qui interdit de modifier ou supprimer {what}, "
                               "a été modifié.", name=name, what=guarded))
    for name in sorted(set(found) - set(SQLITE_TRIGGERS)):
        problems.append(tr("Schéma : un déclencheur « {name} » a été ajouté hors de l'application (il peut changer "
                           "des données sans passer par elle).", name=name))
    for name in views:
        problems.append(tr("Schéma : une vue « {name} » a été ajoutée hors de l'application.", name=name))
    return problems


def missing_triggers(connection: sqlite3.Connection) -> list[str]:
    """The trail's triggers that are missing or changed in a file (to restore them)."""
    found = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall())
    return [name for name, sql in expected_triggers(connection).items() if _words(found.get(name)) != _words(sql)]


def restore_triggers(connection: sqlite3.Connection, names: list[str]) -> None:
    """Creates the trail's triggers ``names`` again as they should be, inside the caller's transaction."""
    for name in names:
        connection.execute(f"DROP TRIGGER IF EXISTS {name}")
        connection.execute(SQLITE_TRIGGERS[name])


def server_trigger_problems(connection: Any) -> list[str]:
    """The same for a team's server (a DB-API connection): each of the trail's triggers present and enabled."""
    rows = connection.execute(
        "SELECT t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
        "WHERE c.relname IN ('audit_entry', 'audit_checkpoint', 'import_batch') AND NOT t.tgisinternal").fetchall()
    found = {name: str(enabled) for name, enabled in rows}
    problems = []
    for name in SERVER_TRIGGERS:
        if name not in found:
            problems.append(tr("Schéma : le déclencheur « {name} », qui interdit de modifier ou supprimer {what}, "
                               "a été supprimé.", name=name, what=_guarded(name)))
        elif found[name] == "D":
            problems.append(tr("Schéma : le déclencheur « {name} » du journal d'audit a été désactivé (ALTER TABLE "
                               "… DISABLE TRIGGER).", name=name))
    return problems


def schema_problems(connection: Connection) -> list[str]:
    """Every difference between the database's tables and the models, in words (empty: as expected)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    problems = []
    for difference in compare_metadata(MigrationContext.configure(connection), Base.metadata):
        for item in difference if isinstance(difference, list) else [difference]:
            text = _described(item)
            if text:
                problems.append(text)
    return problems


def _described(item: Any) -> str | None:
    kind = item[0]
    if kind == "add_table":
        return tr("Schéma : la table « {table} » manque.", table=item[1].name)
    if kind == "remove_table":
        if item[1].name in SERVER_ONLY_TABLES:
            return None
        return tr("Schéma : une table « {table} » a été ajoutée hors de l'application.", table=item[1].name)
    if kind in ("add_column", "remove_column"):
        table, column = item[2], item[3].name
        return (tr("Schéma : la colonne « {table}.{column} » manque (renommée ou supprimée ?).", table=table,
                   column=column) if kind == "add_column" else
                tr("Schéma : une colonne « {table}.{column} » a été ajoutée hors de l'application.", table=table,
                   column=column))
    if kind in ("add_index", "remove_index"):
        index = item[1]
        return (tr("Schéma : l'index « {index} » manque.", index=index.name) if kind == "add_index" else
                tr("Schéma : un index « {index} » a été ajouté hors de l'application.", index=index.name))
    if kind in ("add_fk", "remove_fk"):
        return tr("Schéma : une clé étrangère de la table « {table} » a été changée.", table=item[1].parent.name)
    if kind.startswith("modify_"):
        return tr("Schéma : la colonne « {table}.{column} » a été changée ({what}).", table=item[2], column=item[3],
                  what=kind[7:])
    return tr("Schéma : différence inattendue ({what}).", what=kind)
