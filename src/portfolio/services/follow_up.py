"""What needs the officer (issue #21's "Mon suivi"): across the laureate projects, the milestones overdue and those
due within ``days``, and the tranches planned and unpaid, overdue or due within ``days``; each line names its
project (acronym and uuid), the item, its date and the days late (negative: days left).

"Overdue" is the KPIs' and the lists' own rule: a milestone due before today, not done, whose status is not final
(reached, cancelled); a tranche planned before today and not paid. Qt-free: `portfolio suivi` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import stored_date
from portfolio.domain.money import euros_str

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

    Reader = Session | sqlite3.Connection


@dataclass(frozen=True)
class FollowUpLine:
    """One item: its project, what it is, its date, and the days since that date (negative: days left)."""

    project_uuid: str
    acronym: str
    item: str
    item_uuid: str
    day: date
    days_late: int
    amount_cents: int | None = None  # a tranche's

    def as_json(self) -> dict[str, Any]:
        line = {"project_uuid": self.project_uuid, "acronym": self.acronym, "item": self.item,
                "item_uuid": self.item_uuid, "date": self.day.isoformat(), "days_late": self.days_late}
        if self.amount_cents is not None:
            line["amount"] = euros_str(self.amount_cents)
        return line


@dataclass
class FollowUp:
    """The follow-up on ``today``, looking ``days`` ahead."""

    today: date
    days: int
    overdue_milestones: list[FollowUpLine] = field(default_factory=list)
    milestones_due: list[FollowUpLine] = field(default_factory=list)
    tranches_due: list[FollowUpLine] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """What `portfolio suivi --json` prints."""
        return {"today": self.today.isoformat(), "days": self.days,
                **{name: [line.as_json() for line in getattr(self, name)]
                   for name in ("overdue_milestones", "milestones_due", "tranches_due")}}


# a project's name in a line: its acronym, or its title when it has none
_PROJECT = "CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END"


def follow_up(reader: Reader, today: date, days: int = 30) -> FollowUp:
    """The milestones and tranches that need the officer, oldest first."""
    connection = raw_connection(reader)
    horizon = (today + timedelta(days=days)).isoformat()
    result = FollowUp(today, days)
    for uuid, acronym, title, item_uuid, due in connection.execute(
            f"SELECT p.uuid, {_PROJECT}, m.title, m.uuid, m.due_on FROM milestone m "
            "JOIN status s ON s.id = m.status_id JOIN project p ON p.id = m.project_id "
            "JOIN application a ON a.id = p.application_id "
            "WHERE m.done_on IS NULL AND m.due_on IS NOT NULL AND m.due_on <= :horizon AND NOT s.is_final "
            "ORDER BY m.due_on, m.id", {"horizon": horizon}):
        day = stored_date(due)
        assert day is not None
        line = FollowUpLine(str(uuid), str(acronym or ""), str(title or ""), str(item_uuid), day, (today - day).days)
        (result.overdue_milestones if day < today else result.milestones_due).append(line)
    for uuid, acronym, label, item_uuid, planned, amount in connection.execute(
            f"SELECT p.uuid, {_PROJECT}, d.label, d.uuid, d.planned_on, d.amount_cents FROM disbursement d "
            "JOIN project p ON p.id = d.project_id JOIN application a ON a.id = p.application_id "
            "WHERE d.paid_on IS NULL AND d.planned_on IS NOT NULL AND d.planned_on <= :horizon "
            "ORDER BY d.planned_on, d.id", {"horizon": horizon}):
        day = stored_date(planned)
        assert day is not None
        result.tranches_due.append(FollowUpLine(str(uuid), str(acronym or ""), str(label or ""), str(item_uuid), day,
                                                (today - day).days, int(amount)))
    return result
