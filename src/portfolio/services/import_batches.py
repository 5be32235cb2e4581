"""Imports as records (issue #20, table ``import_batch``): what each import read (file, SHA-256, sheet, profile,
mapping) and wrote (counts), written in the import's own transaction. Its audit entries name only their row
("import, ligne 12", or "import, feuille Structure, ligne 12" for a working workbook): the history, the journal,
the import history and the undo read the rest here, by the entries' batch.

Entries written before schema 10 carry the whole text themselves ("import FILE (sha256 …), feuille SHEET, ligne
N") and are shown as they are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_int

if TYPE_CHECKING:  # (the journal's list imports this module for the window's first paint, before SQLAlchemy)
    import sqlite3

    from sqlalchemy.orm import Session

TABLE = "import_batch"
IMPORT_FIELD = "_import"  # the field of an import's own audit entry, which holds its record: the chain holds it
ROW_SOURCE = "import"  # an import's entries: "import", "import, ligne N", "import, feuille S, ligne N"
_COLUMNS = ("batch", "at_utc", "actor", "file_name", "sha256", "sheet", "sheets", "profile", "mapping", "rows_read",
            "created", "updated", "rejected")


@dataclass(frozen=True)
class ImportRecord:
    """One import, as ``import_batch`` keeps it (``rows_read``, ``rejected``, ``profile``, ``mapping``: None for
    an import recorded from its entries by the migration to schema 10)."""

    batch: str
    at_utc: str
    actor: str
    file_name: str
    sha256: str
    sheet: str
    sheets: Mapping[str, str] | None = None  # a working workbook's: record type -> its sheet
    profile: str | None = None
    mapping: Mapping[str, Any] | None = None
    rows_read: int | None = None
    created: int = 0
    updated: int = 0
    rejected: int | None = None

    @property
    def sheets_shown(self) -> str:
        """The sheet read, or a working workbook's sheets ("Structure, Contact")."""
        return ", ".join(dict.fromkeys([self.sheet, *self.sheets.values()])) if self.sheets else self.sheet

    @property
    def source(self) -> str:
        """The import as its entries named it before schema 10: "import FILE (sha256 …), feuille SHEET"."""
        return f"import {self.file_name} (sha256 {self.sha256}), feuille {self.sheet}"


def row_source(row: int, sheet: str | None = None, note: str | None = None) -> str:
    """An import's audit source for the records of one row (``sheet``: a working workbook's, whose record types
    each have their sheet; ``note``: what the row's remark says, e.g. a total recomputed)."""
    text = f"{ROW_SOURCE}, feuille {sheet}, ligne {row}" if sheet else f"{ROW_SOURCE}, ligne {row}"
    return f"{text} ({note})" if note else text


def is_row_source(source: str) -> bool:
    """An entry written by an import since schema 10 (its file is in ``import_batch``)."""
    return source == ROW_SOURCE or source.startswith(ROW_SOURCE + ", ")


def shown_source(source: str, record: ImportRecord | None) -> str:
    """How an entry's source is shown: an import's row with its file and sheet ("import FILE, feuille SHEET, ligne
    12"); any other source as it is."""
    if record is None or not is_row_source(source):
        return source
    rest = source[len(ROW_SOURCE):]
    sheet = "" if rest.startswith(", feuille ") else f", feuille {record.sheet}"
    return f"import {record.file_name}{sheet}{rest}"


def source_sql(source: str, batch: str) -> str:
    """``shown_source`` as an SQL expression on the columns ``source`` and ``batch`` of an audit entry (for the
    journal's list, which pages in SQL). The same on a file and on a team's server."""
    return (f"CASE WHEN {source} = '{ROW_SOURCE}' OR {source} LIKE '{ROW_SOURCE}, %' THEN coalesce((SELECT "
            f"'import ' || b.file_name || CASE WHEN {source} LIKE '{ROW_SOURCE}, feuille %' THEN '' ELSE "
            f"', feuille ' || b.sheet END FROM import_batch b WHERE b.batch = {batch}), '{ROW_SOURCE}') || "
            f"substr({source}, {len(ROW_SOURCE) + 1}) ELSE {source} END")


def record_import(session: Session, record: ImportRecord) -> None:
    """Writes an import's record in the caller's transaction (the import's own), and the same record as an audit
    entry of the import's batch (field ``_import``): the chain holds what the entries no longer repeat (the file,
    its SHA-256, the sheet), and `portfolio check` compares the table with it (services.replay)."""
    from .changes import append_audit_entries, session_actor

    actor = session_actor(session, record.actor)  # a server names the role connected, nobody else
    if actor != record.actor:
        record = replace(record, actor=actor)
    values = [getattr(record, name) for name in _COLUMNS]
    for place in (_COLUMNS.index("sheets"), _COLUMNS.index("mapping")):
        values[place] = None if values[place] is None else json.dumps(values[place], ensure_ascii=False,
                                                                       sort_keys=True)
    raw_connection(session).execute(f"INSERT INTO import_batch ({', '.join(_COLUMNS)}) VALUES "
                                    f"({', '.join('?' * len(_COLUMNS))})", values)
    append_audit_entries(session, [(TABLE, record.batch, IMPORT_FIELD, as_entry(record))], source=ROW_SOURCE,
                         actor=record.actor, batch=record.batch)


def as_entry(record: ImportRecord) -> dict[str, Any]:
    """The record as its audit entry holds it (every column but the batch, which is the entry's own)."""
    return {name: (dict(value) if isinstance(value, Mapping) else value)
            for name in _COLUMNS[1:] for value in [getattr(record, name)]}


def stored_records(connection: Any) -> list[ImportRecord]:
    """Every import's record as the table holds it (for `portfolio check`, on a plain connection)."""
    return [_record(row) for row in connection.execute(f"SELECT {', '.join(_COLUMNS)} FROM import_batch")]


def imports(session: Session | sqlite3.Connection, batches: Iterable[str] | None = None, *,
            limit: int | None = None) -> dict[str, ImportRecord]:
    """The imports of these batches (every import when None, the latest first, at most ``limit``)."""
    connection = raw_connection(session)
    select = f"SELECT {', '.join(_COLUMNS)} FROM import_batch"
    if batches is None:
        rows = connection.execute(f"{select} ORDER BY at_utc DESC, batch DESC"
                                  + (f" LIMIT {int(limit)}" if limit is not None else "")).fetchall()
    else:
        wanted = sorted(set(batches))
        rows = []
        for start in range(0, len(wanted), 500):  # within any engine's limit of parameters
            chunk = wanted[start:start + 500]
            rows += connection.execute(f"{select} WHERE batch IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
    return {row[0]: _record(row) for row in rows}


def _record(row: Any) -> ImportRecord:
    values = dict(zip(_COLUMNS, row, strict=True))
    for name in ("sheets", "mapping"):
        values[name] = json.loads(values[name]) if values[name] else None
    return ImportRecord(**values)


_SUMMARY = ((N_("Fichier"), "file_name"), (N_("SHA-256"), "sha256"), (N_("Feuille"), "sheet"),
            (N_("Profil"), "profile"), (N_("Lignes lues"), "rows_read"), (N_("Fiches créées"), "created"),
            (N_("Fiches modifiées"), "updated"), (N_("Lignes rejetées"), "rejected"))


def import_summary(raw: str) -> str:
    """An import's record as its audit entry holds it, in words for the journal ("Fichier : … ; Lignes lues : …")."""
    try:
        values = json.loads(raw)
    except ValueError:
        return raw
    if not isinstance(values, dict):
        return "" if values is None else raw  # (the entry's old value: none)
    shown = []
    for label, name in _SUMMARY:
        value = values.get(name)
        if value is not None and value != "":
            shown.append(f"{tr(label)} : {format_int(value) if isinstance(value, int) else value}")
    return " ; ".join(shown)
