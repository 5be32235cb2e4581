"""Counts per record type and the programme's key figures, computed in SQL with exact money."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.money import euros_str

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

COUNTED = ("organisation", "contact", "application", "application_partner", "project", "aid", "disbursement",
           "milestone", "call", "axis", "action", "operator", "region", "department", "typology", "status")


@dataclass(frozen=True)
class KeyFigures:
    """The figures a steering committee asks for first. Money is integer cents."""

    applicants: int  # distinct lead organisations (porteurs) of applications
    applications: int
    laureates: int
    committed_cents: int
    committed_grant_cents: int
    committed_advance_cents: int
    disbursed_cents: int
    regions: int  # regions where at least one organisation is based
    axes: int
    actions: int
    calls: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def disbursed_share(self) -> float:
        return self.disbursed_cents / self.committed_cents if self.committed_cents else 0.0

    def as_json(self) -> dict[str, Any]:
        """JSON-ready: money as decimal strings in euros."""
        return {
            "applicants": self.applicants, "applications": self.applications, "laureates": self.laureates,
            "committed": euros_str(self.committed_cents), "committed_grant": euros_str(self.committed_grant_cents),
            "committed_advance": euros_str(self.committed_advance_cents),
            "disbursed": euros_str(self.disbursed_cents), "disbursed_share": round(self.disbursed_share, 4),
            "regions": self.regions, "axes": self.axes, "actions": self.actions, "calls": self.calls,
            "counts": self.counts,
        }


def key_figures(session: Session | sqlite3.Connection) -> KeyFigures:
    """Counts and key figures of the whole portfolio (of a session, or of a snapshot's plain connection)."""

    connection = raw_connection(session)

    def one(sql: str) -> int:
        return int(connection.execute(sql).fetchone()[0] or 0)

    counts = {entity: one(f"SELECT count(*) FROM {entity}") for entity in COUNTED}  # tables are named so
    grant, advance = connection.execute(
        "SELECT coalesce(sum(grant_cents), 0), coalesce(sum(advance_cents), 0) FROM aid").fetchone()
    return KeyFigures(
        applicants=one("SELECT count(DISTINCT lead_organisation_id) FROM application"),
        applications=counts["application"],
        laureates=counts["project"],
        committed_cents=int(grant) + int(advance),
        committed_grant_cents=int(grant),
        committed_advance_cents=int(advance),
        disbursed_cents=one("SELECT sum(amount_cents) FROM disbursement WHERE paid_on IS NOT NULL"),
        regions=one("SELECT count(DISTINCT region_id) FROM organisation"),
        axes=counts["axis"],
        actions=counts["action"],
        calls=counts["call"],
        counts=counts,
    )


def has_no_organisations(session: Session) -> bool:
    """True for a portfolio without any organisation yet (the welcome screen, the demo's first writing)."""
    return raw_connection(session).execute("SELECT 1 FROM organisation LIMIT 1").fetchone() is None
