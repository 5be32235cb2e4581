"""What the services ask of a portfolio's database, wherever it lives: ``Store``.

Two classes are one: ``db.database.Database`` (the SQLite file, the default) and ``db.postgres.PostgresDatabase``
(team mode, a shared server). Both derive from ``db.database.SessionStore``, which holds what they share (the
sessions, the read-only refusal, ``with`` closing them); the code above the db layer takes a ``Store`` and asks
``is_file`` where a file and a server differ (backup copies beside the file, its seal, its write-ahead log).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol, Self

from sqlalchemy.orm import Session


class Store(Protocol):
    """A portfolio's database, on a file or on a server. Sessions are short: one per user action."""

    @property
    def path(self) -> Path | str:
        """The file (a ``Path``, when ``is_file``), else the server's URL without its password: what messages
        and the window show."""
        ...

    @property
    def readonly(self) -> bool:
        """Opened for reading only: ``write()`` refuses (DatabaseError)."""
        ...

    @property
    def is_file(self) -> bool:
        """True for the SQLite file (backups, a seal, a log beside it), False for a shared server's database."""
        ...

    def read(self) -> AbstractContextManager[Session]:
        """A session over one consistent view of the data, rolled back at the end."""
        ...

    def write(self) -> AbstractContextManager[Session]:
        """A session that is the only writer while it lasts, committed at the end, rolled back on any error."""
        ...

    def close(self) -> None:
        """Releases every connection (a file is sealed at its last closing)."""
        ...

    def __enter__(self) -> Self:
        ...

    def __exit__(self, *exc: object) -> None:
        ...
