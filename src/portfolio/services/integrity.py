"""`portfolio check`: is the file sound, and does the audit chain hold?"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from portfolio.db.database import Database
from portfolio.domain.i18n import tr

from .audit import ChainReport, verify_chain


@dataclass
class CheckReport:
    """SQLite's integrity and foreign-key checks, and the audit chain's walk."""

    integrity: list[str] = field(default_factory=list)
    foreign_keys: int = 0
    chain: ChainReport = field(default_factory=ChainReport)

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and self.foreign_keys == 0 and self.chain.ok

    def problems(self) -> list[str]:
        found = [tr("Intégrité du fichier : {detail}", detail=line) for line in self.integrity if line != "ok"]
        if self.foreign_keys:
            found.append(tr("{n} référence(s) vers des enregistrements absents.", n=self.foreign_keys))
        return found + self.chain.problems

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "integrity": self.integrity, "foreign_key_violations": self.foreign_keys,
                "audit_chain": self.chain.as_dict(), "problems": self.problems()}


def check_database(db: Database) -> CheckReport:
    """Runs PRAGMA integrity_check and foreign_key_check, then verifies the audit chain."""
    report = CheckReport()
    with db.read() as session:
        report.integrity = [row[0] for row in session.execute(text("PRAGMA integrity_check(20)"))]
        report.foreign_keys = len(session.execute(text("PRAGMA foreign_key_check")).all())
        report.chain = verify_chain(session)
    return report
