"""Where a portfolio lives: a file (SQLite, the default) or a shared PostgreSQL server (team mode). Told apart
here without importing a database library: the window's first paint must not wait for SQLAlchemy.

Every form of address SQLAlchemy takes for PostgreSQL is one (``postgresql://``, ``postgres://``,
``postgresql+psycopg2://``, ``postgresql+psycopg://``, ``postgresql+pg8000://``…: the application connects with
psycopg 3 whatever the driver named); any other ``scheme://`` address is refused as an address, never taken for a
file's path (issue #18: a ``postgresql+psycopg2://user:password@…`` address was, and printed with its password)."""

from __future__ import annotations

import re
from typing import TypeGuard

_POSTGRESQL = re.compile(r"^postgres(?:ql)?(?:\+[a-z0-9_]+)?://", re.IGNORECASE)
_ADDRESS = re.compile(r"^[a-z][a-z0-9+.\-]*://", re.IGNORECASE)


def is_url(target: object) -> TypeGuard[str]:
    """True for a PostgreSQL address (team mode), False for a file path."""
    return isinstance(target, str) and _POSTGRESQL.match(target.strip()) is not None


def is_other_address(target: object) -> bool:
    """True for an address of something else than PostgreSQL (``mysql://…``, ``http://…``): not a file either."""
    return isinstance(target, str) and not is_url(target) and _ADDRESS.match(target.strip()) is not None


def kept_address(address: str) -> str:
    """An address as it may be kept to connect again (a replica's origin): the user stays, a password typed in it
    does not (it belongs in ~/.pgpass)."""
    scheme, _, rest = address.partition("://")
    if "@" not in rest:
        return address
    user, _, host = rest.rpartition("@")
    return f"{scheme}://{user.split(':', 1)[0]}@{host}"


def without_password(address: str) -> str:
    """An address as it may be shown: its scheme and what follows its last ``@`` (no user, no password)."""
    scheme, _, rest = address.partition("://")
    return f"{scheme}://…@{rest.rsplit('@', 1)[-1]}" if "@" in rest else f"{scheme}://{rest}"
