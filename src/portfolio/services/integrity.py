"""`portfolio check`: is the file sound, is its schema the expected one, does the audit chain hold, and does the
trail explain every stored value?

Four questions, each with its own witness (issue #18):
- SQLite's ``integrity_check`` and ``foreign_key_check``: the file's structure;
- the schema compared with the models, and the trail's append-only triggers (db.schema_check): a renamed column,
  a dropped trigger, a trigger or view added by another program;
- the audit chain's walk (services.audit): an entry changed, deleted, inserted, the tail cut;
- the trail replayed against the data (services.replay): a value changed, a record added or deleted without
  an entry.
The chain's walk and the replay read the trail once; SQLite's checks run meanwhile in a thread of their own (SQLite
works without Python's lock), so that a 500,000-record portfolio is checked in a few seconds.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from portfolio.db.database import Database, ForeignFileError, NewerVersionError
from portfolio.db.schema_check import schema_problems, server_trigger_problems, trigger_problems
from portfolio.db.seal import seal_problem, stored_seal
from portfolio.db.sqlite_file import SCHEMA_VERSION, raw_connection
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .audit import ChainReport, verify_chain
from .checkpoints import HeadsReport, verify_heads, vouched_for
from .replay import ReplayReport, TrailReplay

Progress = Callable[[float, str], None]


@dataclass
class CheckReport:
    """SQLite's integrity and foreign-key checks, the schema's comparison, the audit chain's walk and the trail's
    replay against the data."""

    integrity: list[str] = field(default_factory=list)
    foreign_keys: int = 0
    schema: list[str] = field(default_factory=list)  # differences from the expected schema and triggers
    chain: ChainReport = field(default_factory=ChainReport)
    replay: ReplayReport = field(default_factory=ReplayReport)
    heads: HeadsReport = field(default_factory=HeadsReport)  # the trail's signed heads
    seal: str | None = None  # why the file is not as the application left it (db.seal), None when it is
    notes: list[str] = field(default_factory=list)  # what was not checked, and why (an older schema)
    documents: list[str] = field(default_factory=list)  # documents whose bytes are not those the trail describes
    replicas: list[str] = field(default_factory=list)  # replicas' chains received that do not hold (issue #22)

    @property
    def sound(self) -> bool:
        """The file's structure, its schema, the audit chain and the data against the trail all hold (whether
        or not the file changed outside the application since it was sealed)."""
        return (self.integrity == ["ok"] and self.foreign_keys == 0 and not self.schema and self.chain.ok
                and self.replay.ok and not self.heads.problems and not self.documents and not self.replicas)

    @property
    def ok(self) -> bool:
        return self.sound and self.seal is None

    def problems(self, seal: bool = True) -> list[str]:
        """Each problem in one line; ``seal=False``: all but the seal's."""
        found = [tr("Fichier : {detail}. Si ce changement vient de vous, « portfolio check --accept » montre ce "
                    "qu'il garderait ; sinon restaurez une sauvegarde (« portfolio restore »).", detail=self.seal)] \
            if self.seal and seal else []
        found += [tr("Intégrité du fichier : {detail}", detail=line) for line in self.integrity if line != "ok"]
        if self.foreign_keys:
            found.append(tr("{n} référence(s) vers des enregistrements absents.", n=self.foreign_keys))
        found += self.schema + self.chain.problems + self.heads.problems + self.replay.problems + self.documents
        found += self.replicas
        return found

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "seal": self.seal, "integrity": self.integrity,
                "foreign_key_violations": self.foreign_keys, "schema": self.schema,
                "audit_chain": self.chain.as_dict(), "signed_heads": self.heads.as_dict(),
                "replay": self.replay.as_dict(), "documents": self.documents, "replicas": self.replicas,
                "notes": self.notes,
                "problems": self.problems()}


def check_file(path: Path, progress: Progress | None = None) -> CheckReport:
    """`portfolio check` on a file, read-only: SQLite's own checks on a raw read-only connection (they work on
    a damaged file the application cannot open), the schema, then the audit chain and its replay through the
    application. Nothing is written, and an older schema is checked as far as it can be. Raises
    ForeignFileError or NewerVersionError for a file that is not ours to check."""
    report = CheckReport()
    path = Path(path).expanduser().resolve()  # (`check --db f.sqlite`: SQLite's read-only URIs are absolute)
    Database.check_header(path)
    sqlite_checks = _SqliteChecks(path)
    sqlite_checks.start()
    try:
        report.seal = seal_problem(path) if stored_seal(path) else None  # (without one, SQLite's checks say it)
        with Database.open(path, readonly=True, any_schema=True, check_seal=False) as db, db.read() as session:
            version = raw_connection(session).execute("PRAGMA user_version").fetchone()[0]
            report.schema = trigger_problems(raw_connection(session))
            if version == SCHEMA_VERSION:
                tables = schema_problems(session.connection())
                report.schema = tables + report.schema
                walk(session, report, progress, replay=not tables)  # (the records are read by the expected columns)
                report.heads = verify_heads(session, path)
            else:
                report.chain = verify_chain(session, progress)
                report.notes.append(tr("La base est au schéma {found} (cette version : {known}) : sa structure et "
                                       "ses fiches n'ont pas été comparées ; ouvrez-la une fois en écriture pour la "
                                       "mettre à jour, puis vérifiez-la de nouveau.", found=version,
                                       known=SCHEMA_VERSION))
    except (ForeignFileError, NewerVersionError):
        raise  # not ours to check (a newer version's schema may be only in the write-ahead log)
    except (PortfolioError, DBAPIError) as exc:
        report.chain.problems.append(tr("Journal d'audit illisible : {detail}",
                                        detail=str(getattr(exc, "orig", exc)).splitlines()[0]))
    finally:
        sqlite_checks.join()
    report.integrity, report.foreign_keys = sqlite_checks.integrity, sqlite_checks.foreign_keys
    return report


def walk(session: Any, report: CheckReport, progress: Progress | None = None, replay: bool = True) -> None:
    """The audit chain's walk and the trail's replay against the data, in one reading of the trail (without the
    replay when the tables are not the expected ones: their records cannot be read as the trail wrote them)."""
    if not replay:
        report.chain = verify_chain(session, progress)
        report.notes.append(tr("Les fiches n'ont pas été comparées au journal : le schéma n'est pas celui attendu."))
        return
    from .documents import document_problems
    from .replica_chains import replica_chain_problems

    trail = TrailReplay()
    report.chain = verify_chain(session, _part(progress, 0.0, 0.6), observe=trail.see)
    report.replay = trail.compare(session, _part(progress, 0.6, 1.0))
    report.documents = document_problems(session)  # each one's bytes against the SHA-256 its record holds
    report.replicas = replica_chain_problems(session)  # each replica's entries received, and the entries from them


def _part(progress: Progress | None, start: float, end: float) -> Progress | None:
    if progress is None:
        return None
    return lambda share, text: progress(start + (end - start) * share, text)


class _SqliteChecks(threading.Thread):
    """SQLite's integrity and foreign-key checks on a connection of their own, while Python walks the trail."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.integrity: list[str] = []
        self.foreign_keys = 0

    def run(self) -> None:
        try:
            with contextlib.closing(sqlite3.connect(self.path.resolve().as_uri() + "?mode=ro", uri=True,
                                                    check_same_thread=False)) as connection:
                self.integrity = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
                self.foreign_keys = len(connection.execute("PRAGMA foreign_key_check").fetchall())
        except sqlite3.DatabaseError as exc:
            self.integrity = [tr("fichier illisible ({detail})", detail=str(exc).splitlines()[0])]


def check_server(url: str, progress: Progress | None = None) -> CheckReport:
    """`portfolio check` in team mode: the server keeps the structure and the references whole (no file to
    check); the schema and the trail's triggers are compared, the audit chain walked and replayed against the
    data, read-only, in one consistent view."""
    from portfolio.db.postgres import PostgresDatabase

    report = CheckReport(integrity=["ok"])
    with PostgresDatabase.open(url, readonly=True) as db, db.read() as session:
        tables = schema_problems(session.connection())
        report.schema = tables + server_trigger_problems(raw_connection(session))
        walk(session, report, progress, replay=not tables)
        report.heads = verify_heads(session)
    return report


def unsigned_entries(path: Path, report: CheckReport, limit: int = 5000) -> list[dict[str, Any]]:
    """The trail's entries written since its newest head signed by a trusted key (what `check --accept` would
    keep without anyone's signature over it), oldest first."""
    with Database.open(path, readonly=True, any_schema=True, check_seal=False) as db, db.read() as session:
        rows = raw_connection(session).execute(
            "SELECT seq, at_utc, actor, source, batch, operation, entity, record_uuid, field, old_value, new_value "
            "FROM audit_entry WHERE seq > ? ORDER BY seq LIMIT ?", (report.heads.last_seq, limit)).fetchall()
    names = ("seq", "at_utc", "actor", "source", "batch", "operation", "entity", "record_uuid", "field", "old_value",
             "new_value")
    return [dict(zip(names, row, strict=True)) for row in rows]


# --- at opening ---------------------------------------------------------------------------------------------

_checked: set[str] = set()  # the SHA-256 of the unsealed files (and logs) this process found sound: the same bytes
# copied elsewhere are the same file (a test copies one portfolio a hundred times)


def check_unsealed(path: Path) -> None:
    """Before a file without a seal signed by a trusted key is used (after a crash, copied without its backups
    folder, or sealed by a colleague or an older version), checks it in full: SQLite's integrity check, the
    schema, the audit chain and the data against the trail; raises DamagedDatabaseError naming what is wrong.
    Only then may the application use it, and seal it at closing. The trail's triggers are left to the opening,
    which restores them (and says so in the trail)."""
    from portfolio.db.database import damaged
    from portfolio.db.seal import file_digest
    from portfolio.db.sqlite_file import APPLICATION_ID, read_header

    try:
        header = read_header(path)
        if (not header.is_sqlite or header.application_id != APPLICATION_ID or header.user_version > SCHEMA_VERSION
                or vouched_for(path)):
            return  # not ours, or newer (the opening says so), or sealed and signed by a trusted key
        wal = Path(f"{path}-wal")
        key = file_digest(path) + (file_digest(wal) if wal.exists() else "")
    except OSError:
        return  # a missing file: the opening says so
    if key in _checked:
        return
    report = check_file(path)
    report.schema = [line for line in report.schema if "déclencheur" not in line]
    if not report.sound:
        raise damaged(path, tr("sans sceau signé par une clé de confiance, elle a été vérifiée en entier : {problems}",
                               problems=" ; ".join(report.problems(seal=False)[:3])))
    _checked.add(key)
