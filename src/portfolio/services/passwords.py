"""A team server's password, kept where PostgreSQL's own tools keep it: the password file
(``app_paths.password_file()``: ``PGPASSFILE``, else ``~/.pgpass``, ``%APPDATA%\\postgresql\\pgpass.conf`` on
Windows), readable by its owner only, never in the application's settings (issue #18: a password typed in
Préférences was stored in clear in a 0644 settings file). psycopg reads that file itself when it connects."""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

from .app_paths import password_file


def has_password(url: str) -> bool:
    """True when the address carries a password."""
    try:
        return bool(make_url(url).password)
    except Exception:  # an address SQLAlchemy cannot read: the opening says why
        return False


def _escaped(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace(":", "\\:")


def store_password(url: str) -> str:
    """Writes the address's password into the password file (replacing the line of the same server, database and
    user), readable by its owner only, and returns the address without it. Raises OSError when it cannot."""
    address = make_url(url)
    if not address.password:
        return url
    key = ":".join(_escaped(part) for part in (address.host or "localhost", address.port or 5432,
                                                address.database or "*", address.username or "*"))
    path = password_file()
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    lines = [line for line in lines if not line.startswith(key + ":")] + [f"{key}:{_escaped(address.password)}"]
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    os.chmod(temporary, 0o600)  # libpq ignores a password file others can read
    os.replace(temporary, path)
    return address._replace(password=None).render_as_string(hide_password=False)  # (set() keeps a None field)
