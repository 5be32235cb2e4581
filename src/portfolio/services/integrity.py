"""`portfolio check`: is the file sound, and does the audit chain hold?"""

from __future__ import annotations

import contextlib
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from portfolio.db.database import Database
from portfolio.db.seal import seal_problem, stored_seal
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr

from .audit import ChainReport, verify_chain


@dataclass
class CheckReport:
    """SQLite's integrity and foreign-key checks, and the audit chain's walk."""

    integrity: list[str] = field(default_factory=list)
    foreign_keys: int = 0
    chain: ChainReport = field(default_factory=ChainReport)
    seal: str | None = None  # why the file is not as the application left it (db.seal), None when it is

    @property
    def sound(self) -> bool:
        """SQLite's checks and the audit chain hold (whether or not the file changed outside the application)."""
        return self.integrity == ["ok"] and self.foreign_keys == 0 and self.chain.ok

    @property
    def ok(self) -> bool:
        return self.sound and self.seal is None

    def problems(self, seal: bool = True) -> list[str]:
        """Each problem in one line; ``seal=False``: SQLite's and the audit chain's only."""
        found = [tr("Fichier : {detail}. Si ce changement vient de vous, « portfolio check --accept » le garde tel "
                    "quel ; sinon restaurez une sauvegarde (« portfolio restore »).", detail=self.seal)] \
            if self.seal and seal else []
        found += [tr("Intégrité du fichier : {detail}", detail=line) for line in self.integrity if line != "ok"]
        if self.foreign_keys:
            found.append(tr("{n} référence(s) vers des enregistrements absents.", n=self.foreign_keys))
        return found + self.chain.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "seal": self.seal, "integrity": self.integrity,
                "foreign_key_violations": self.foreign_keys, "audit_chain": self.chain.as_dict(),
                "problems": self.problems()}


def check_file(path: Path) -> CheckReport:
    """`portfolio check` on a file, read-only: SQLite's own checks on a raw read-only connection (they work on
    a damaged file the application cannot open), then the audit chain through the application. Nothing is
    written, and an older schema is checked as it is. Raises ForeignFileError or NewerVersionError for a
    file that is not ours to check."""
    report = CheckReport()
    Database.check_header(path)
    report.seal = seal_problem(path) if stored_seal(path) else None  # (without one, SQLite's checks below say it)
    try:
        with contextlib.closing(sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)) as connection:
            report.integrity = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
            report.foreign_keys = len(connection.execute("PRAGMA foreign_key_check").fetchall())
    except sqlite3.DatabaseError as exc:
        report.integrity = [tr("fichier illisible ({detail})", detail=str(exc).splitlines()[0])]
        return report
    try:
        with Database.open(path, readonly=True, any_schema=True, check_seal=False) as db, db.read() as session:
            report.chain = verify_chain(session)
    except (PortfolioError, DBAPIError) as exc:
        report.chain.problems.append(tr("Journal d'audit illisible : {detail}",
                                        detail=str(getattr(exc, "orig", exc)).splitlines()[0]))
    return report


def check_server(url: str) -> CheckReport:
    """`portfolio check` in team mode: the server keeps the structure and the references whole (no file to
    check), so the audit chain is walked, read-only, in one consistent view."""
    from portfolio.db.postgres import PostgresDatabase

    report = CheckReport(integrity=["ok"])
    with PostgresDatabase.open(url, readonly=True) as db, db.read() as session:
        report.chain = verify_chain(session)
    return report
