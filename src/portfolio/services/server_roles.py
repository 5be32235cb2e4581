"""A team's server and its roles (issue #18): who may write what, and the administrator's signed heads.

Three kinds of role, created by the server's administrator (``CREATE ROLE … LOGIN``), given their rights here by
the database's owner (``portfolio server grant``):

- the **owner** (the role that created the database: the first opening creates the schema) holds every right,
  alone can change the schema, disable a trigger (``ALTER TABLE … DISABLE TRIGGER``) or empty a table;
- **officers** read and write the portfolio's records, append to the audit trail (never change, delete or
  truncate it: no right to, and the append-only triggers refuse it anyway), and must write each entry in their own
  name (a trigger refuses an entry whose actor is not the connected role); they cannot write signed heads;
- **auditors** read everything and write nothing.

What an officer could still do with their login and another program (change a record without an entry, or with an
entry in their own name) is what `portfolio check` finds (the trail's replay) or shows (the entry, in their name).
The owner signs the trail's head with a key only they hold (``portfolio server sign``): a trail rewritten before
a signed head no longer verifies against it, whoever rewrote it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import text

from portfolio.db.models import Base
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

TRAIL = ("audit_entry", "audit_checkpoint", "import_batch")
BOOKKEEPING = ("portfolio_schema", "alembic_version")


def _quoted(role: str) -> str:
    if not role or not all(c.isalnum() or c in "_-." for c in role):
        raise PortfolioError(tr("« {role} » n'est pas un nom de rôle PostgreSQL (lettres, chiffres, _ - .).",
                                role=role))
    return '"' + role + '"'


def grant_statements(database: str, officers: list[str], auditors: list[str]) -> list[str]:
    """The SQL giving officers and auditors their rights (and taking every right from PUBLIC)."""
    records = [table.name for table in Base.metadata.sorted_tables if table.name not in TRAIL]
    statements = ["REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC"]
    for role in (_quoted(r) for r in officers):
        statements += [f'GRANT CONNECT ON DATABASE "{database}" TO {role}', f"GRANT USAGE ON SCHEMA public TO {role}",
                       f"GRANT SELECT, INSERT, UPDATE, DELETE ON {', '.join(records)} TO {role}",
                       f"GRANT SELECT, INSERT ON audit_entry, import_batch TO {role}",
                       f"GRANT SELECT ON audit_checkpoint, {', '.join(BOOKKEEPING)} TO {role}",
                       f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
                       f"REVOKE TRUNCATE ON ALL TABLES IN SCHEMA public FROM {role}"]
    for role in (_quoted(r) for r in auditors):
        statements += [f'GRANT CONNECT ON DATABASE "{database}" TO {role}', f"GRANT USAGE ON SCHEMA public TO {role}",
                       f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"]
    return statements


def grant_roles(url: str, officers: list[str], auditors: list[str]) -> list[str]:
    """Gives the roles their rights on the team's database (run by its owner); returns the SQL run."""
    from sqlalchemy.engine import make_url

    from portfolio.db.postgres import PostgresDatabase

    database = make_url(url).database or ""
    statements = grant_statements(database, officers, auditors)
    with PostgresDatabase.open(url, migrate=False) as db, db.write() as session:
        for statement in statements:
            session.execute(text(statement))
    return statements


def sign_server_head(url: str, key_file: Path) -> dict[str, Any] | None:
    """Signs the trail's head of the team's database with the administrator's key (a PEM file of `keys init`
    kept by the administrator alone); returns the head signed, None when it already was."""
    from portfolio.db.postgres import PostgresDatabase

    from .checkpoints import sign_head
    from .signing_keys import load_private_key

    key = load_private_key(key_file)
    with PostgresDatabase.open(url, migrate=False) as db:
        return sign_head(db, kind="serveur", private=key)
