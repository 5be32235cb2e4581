"""What needs the officer (issue #21's "Mon suivi"): across the laureate projects (all of them, or those of one
officer in charge), the milestones overdue and those due within ``days``, the tranches planned and unpaid, overdue
or due within ``days``, the reminders due (their date reached, not done), and the quiet projects (still running, with
neither a note nor a change for more than ``QUIET_DAYS`` days); each line names its project (acronym and uuid), the
item, its date and the days late (negative: days left).

"Overdue" is the KPIs' and the lists' own rule: a milestone due before today, not done, whose status is not final
(reached, cancelled); a tranche planned before today and not paid. A project's last change is the latest entry of the
audit trail about the project itself (its status, dates, officer; the demo's own writing aside), its last note the
latest note's date: a project is quiet when both, and its decision, are older than ``QUIET_DAYS`` days and its status
is not final (closed, abandoned). Qt-free:
`portfolio suivi` prints it.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from portfolio.db.dialect import dialect_of
from portfolio.db.models import PROJECT_CHANGES, UNPAID_TRANCHES
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import stored_date
from portfolio.domain.i18n import tr
from portfolio.domain.money import euros_str, format_int

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
    """The follow-up on ``today``, looking ``days`` ahead: each section's lines (the first ``limit`` when the reader
    asked for a page) and its count (every line, whatever the limit)."""

    today: date
    days: int
    overdue_milestones: list[FollowUpLine] = field(default_factory=list)
    milestones_due: list[FollowUpLine] = field(default_factory=list)
    tranches_due: list[FollowUpLine] = field(default_factory=list)
    reminders_due: list[FollowUpLine] = field(default_factory=list)
    quiet_projects: list[FollowUpLine] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    officer: str | None = None  # the officer in charge whose projects these are; None: the whole team

    def as_json(self) -> dict[str, Any]:
        """What `portfolio suivi --json` prints."""
        return {"today": self.today.isoformat(), "days": self.days, "officer": self.officer,
                "counts": dict(self.counts),
                **{name: [line.as_json() for line in getattr(self, name)] for name in SECTIONS}}


SECTIONS = ("overdue_milestones", "milestones_due", "tranches_due", "reminders_due", "quiet_projects")
QUIET_DAYS = 90
# a project's name in a line: its acronym, or its title when it has none
_PROJECT = "CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END"
_OPEN_MILESTONE = "m.done_on IS NULL AND m.status_id NOT IN (SELECT id FROM status WHERE is_final)"


def follow_up(reader: Reader, today: date, days: int = 30, limit: int | None = None,
              officer: int | None = None) -> FollowUp:
    """The items that need the officer, oldest first; ``limit``: the first lines of each section only (a page),
    their counts whole; ``officer``: the projects of that officer in charge only (and the reminders they own)."""
    connection = raw_connection(reader)
    dialect = dialect_of(connection)
    bounds: dict[str, Any] = {"today": today.isoformat(), "horizon": (today + timedelta(days=days)).isoformat(),
                              "officer": officer}
    page = f" LIMIT {int(limit)}" if limit is not None else ""
    result = FollowUp(today, days)
    if officer is not None:
        row = connection.execute("SELECT name FROM officer WHERE id = ?", (officer,)).fetchone()
        result.officer = str(row[0]) if row else None
    # one officer's projects: the milestones and tranches of those (a few dozen) through each table's project index,
    # rather than the team's read in date order and filtered (0.6 s against a few ms at 100,000 projects)
    theirs = "project_id IN (SELECT id FROM project WHERE officer_id = :officer)" if officer is not None else ""
    # most milestones are due before today: counting the team's reads the table in order rather than walking the
    # date index and looking each row up (0.5 s against 0.05 s at 100,000 projects)
    milestones = {"overdue_milestones": (f"{dialect.unindexed('m.due_on')} < :today", "m.due_on < :today"),
                  "milestones_due": ("m.due_on >= :today AND m.due_on <= :horizon",) * 2}
    mine = f" AND m.{theirs}" if theirs else ""
    for section, (counted, listed) in milestones.items():
        result.counts[section] = int(connection.execute(
            f"SELECT count(*) FROM milestone m WHERE {_OPEN_MILESTONE} AND {counted}{mine}", bounds).fetchone()[0])
        lines = getattr(result, section)
        for uuid, acronym, title, item_uuid, due in connection.execute(
                f"SELECT p.uuid, {_PROJECT}, m.title, m.uuid, m.due_on FROM milestone m "
                "JOIN project p ON p.id = m.project_id JOIN application a ON a.id = p.application_id "
                f"WHERE {_OPEN_MILESTONE} AND {listed}{mine} ORDER BY m.due_on, m.id{page}", bounds):
            day = _day(due)
            lines.append(FollowUpLine(str(uuid), str(acronym or ""), str(title or ""), str(item_uuid), day,
                                      (today - day).days))
    # the team's unpaid tranches through their own partial index (0.1 s less at 100,000 projects than the paid_on
    # one); one officer's through the project index (SQLite, without statistics, would take the paid_on one: 93 ms
    # against 1)
    unpaid = "d.paid_on IS NULL AND d.planned_on <= :horizon" + (f" AND d.{theirs}" if theirs else "")
    tranches = dialect.indexed("disbursement d", "ix_disbursement_project_id" if theirs else UNPAID_TRANCHES)
    result.counts["tranches_due"] = int(connection.execute(
        f"SELECT count(*) FROM {tranches} WHERE {unpaid}", bounds).fetchone()[0])
    for uuid, acronym, label, item_uuid, planned, amount in connection.execute(
            f"SELECT p.uuid, {_PROJECT}, d.label, d.uuid, d.planned_on, d.amount_cents FROM {tranches} "
            "JOIN project p ON p.id = d.project_id JOIN application a ON a.id = p.application_id "
            f"WHERE {unpaid} ORDER BY d.planned_on, d.id{page}", bounds):
        day = _day(planned)
        result.tranches_due.append(FollowUpLine(str(uuid), str(acronym or ""), str(label or ""), str(item_uuid), day,
                                                (today - day).days, int(amount)))
    _reminders_due(connection, result, bounds, page)
    _quiet_projects(connection, result, bounds, limit, " AND p.officer_id = :officer" if officer is not None else "")
    return result


def _reminders_due(connection: Any, result: FollowUp, bounds: dict[str, Any], page: str) -> None:
    """The reminders not done whose date is reached: the officer's own, and those of their projects nobody owns."""
    owned = (" AND (r.officer_id = :officer OR (r.officer_id IS NULL AND p.officer_id = :officer))"
             if bounds["officer"] is not None else "")
    due = f"r.done_on IS NULL AND r.due_on <= :today{owned}"
    counted = "reminder r JOIN project p ON p.id = r.project_id" if owned else "reminder r"  # (the team's: no join)
    result.counts["reminders_due"] = int(connection.execute(
        f"SELECT count(*) FROM {counted} WHERE {due}", bounds).fetchone()[0])
    for uuid, acronym, text, item_uuid, day in connection.execute(
            f"SELECT p.uuid, {_PROJECT}, r.text, r.uuid, r.due_on FROM reminder r "
            "JOIN project p ON p.id = r.project_id JOIN application a ON a.id = p.application_id "
            f"WHERE {due} ORDER BY r.due_on, r.id{page}", bounds):
        on = _day(day)
        result.reminders_due.append(FollowUpLine(str(uuid), str(acronym or ""), str(text or ""), str(item_uuid), on,
                                                 (result.today - on).days))


def _quiet_projects(connection: Any, result: FollowUp, bounds: dict[str, Any], limit: int | None, mine: str) -> None:
    """The running projects with neither a note, nor a change of their own, nor their decision for more than
    QUIET_DAYS days, the quietest first; each line's date is the latest of the three.

    Each running project's notes since the cutoff are looked for in the (project, date) index alone; the projects
    changed since are read once, through the trail's partial index of entries about projects by date (from the
    index alone), rather than looked for project by project (0.15 s at 100,000 projects); counted as they are read
    (one pass); named only for the page's lines. At 100,000 projects: 0.39 s of
    the first version's page, about 0.1 s now."""
    from .demo import DEMO_SOURCE

    cutoff = result.today - timedelta(days=QUIET_DAYS)
    # (two names for one day: a server types each parameter once, a date for written_on, text for at_utc); the
    # demo's writing is no change: its records stand for years of history written in one go
    values = {**bounds, "cutoff": cutoff.isoformat(), "cutoff_utc": cutoff.isoformat(), "demo": DEMO_SOURCE}
    dialect = dialect_of(connection)
    changes = dialect.indexed("audit_entry", PROJECT_CHANGES)  # (the trail's entries about projects)
    quiet = ("p.status_id NOT IN (SELECT id FROM status WHERE is_final) "
             "AND (p.decision_on IS NULL OR p.decision_on < :cutoff) "
             "AND NOT EXISTS (SELECT 1 FROM note n WHERE n.project_id = p.id AND n.written_on >= :cutoff) "
             f"AND p.uuid NOT IN (SELECT record_uuid FROM {changes} WHERE entity = 'project' "
             "AND at_utc >= :cutoff_utc AND source <> :demo)" + mine)
    # each quiet project's last note or decision, a bound below its last activity, the quietest first; its last
    # change (before the cutoff) is looked up in that order, until no project left can be among the first ``limit``
    if limit == 0:  # the count alone (the navigation's): neither dated nor sorted
        result.counts["quiet_projects"] = int(connection.execute(
            f"SELECT count(*) FROM project p WHERE {quiet}", values).fetchone()[0])
        return
    rows = connection.execute(
        f"SELECT uuid, CAST({dialect.latest('noted', 'decided')} AS TEXT) AS bound FROM (SELECT p.uuid, "
        "(SELECT max(written_on) FROM note n WHERE n.project_id = p.id) AS noted, p.decision_on AS decided "
        f"FROM project p WHERE {quiet}) quiet ORDER BY bound NULLS FIRST, uuid", values).fetchall()
    result.counts["quiet_projects"] = len(rows)  # (counted as read: one pass, not two)
    bounded = ((stored_date(low), str(uuid)) for uuid, low in rows)
    kept: list[tuple[int, str, date]] = []  # a heap of the quietest so far: (-ordinal, uuid, day), the loudest first
    for low, uuid in bounded:
        if limit is not None and len(kept) >= limit and (low or date.min).toordinal() > -kept[0][0]:
            break  # every project left was active later than the quietest ``limit`` found
        changed = _utc_day(connection.execute(
            "SELECT max(at_utc) FROM audit_entry WHERE entity = 'project' AND record_uuid = ? AND source <> ?",
            (uuid, DEMO_SOURCE)).fetchone()[0])
        last = max((d for d in (low, changed) if d is not None), default=cutoff)
        entry = (-last.toordinal(), uuid, last)
        if limit is None or len(kept) < limit:
            heapq.heappush(kept, entry)
        elif entry > kept[0]:  # quieter than the loudest kept
            heapq.heapreplace(kept, entry)
    names = _project_names(connection, [uuid for _negative, uuid, _last in kept])
    lines = [FollowUpLine(uuid, *names.get(uuid, ("", "")), uuid, last, (result.today - last).days)
             for _negative, uuid, last in kept]
    lines.sort(key=lambda line: (line.day, line.acronym, line.project_uuid))
    result.quiet_projects = lines


def _project_names(connection: Any, uuids: list[str]) -> dict[str, tuple[str, str]]:
    """Projects' acronym (or title) and title, by uuid, read a few hundred at a time."""
    names: dict[str, tuple[str, str]] = {}
    for start in range(0, len(uuids), 500):
        chunk = uuids[start:start + 500]
        for uuid, name, title in connection.execute(
                f"SELECT p.uuid, {_PROJECT}, a.title FROM project p JOIN application a ON a.id = p.application_id "
                f"WHERE p.uuid IN ({', '.join('?' * len(chunk))})", chunk):
            names[str(uuid)] = (str(name or ""), str(title or ""))
    return names


def _utc_day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def lateness(days_late: int) -> str:
    """A line's date said against today: "en retard de 12 j", "aujourd'hui", "dans 3 j"."""
    if days_late > 0:
        return tr("en retard de {n} j", n=format_int(days_late))
    return tr("aujourd'hui") if days_late == 0 else tr("dans {n} j", n=format_int(-days_late))


def _day(value: Any) -> date:
    day = stored_date(value)
    if day is None:  # (the queries keep dated lines only)
        raise ValueError("a follow-up line without its date")
    return day
