"""A laureate project's dossier (issue #21): what an officer needs to follow it, read in one transaction.

Its header (acronym, title, lead organisation, call, action, axis, operator, status, dates, officer in charge), the
money per beneficiary (grant, repayable advance, paid to date, remaining), its tranches (each with its state: paid,
late, upcoming), its milestones (late by how many days), the contacts of its lead, partners and beneficiaries, and
the officer's own: notes, documents attached (described; their bytes are read when opened) and reminders.
Money in integer cents, exact. A tranche that names no beneficiary is the lead's (as the KPIs count it), and an
organisation paid without an aid of its own still has its line: no amount is left out of the totals.

Qt-free: `portfolio dossier` prints it; the window's dossier page will show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import stored_date
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.money import euros_str
from portfolio.domain.referential import fold

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

    Reader = Session | sqlite3.Connection

LATE, UPCOMING, PAID = "late", "upcoming", "paid"


@dataclass(frozen=True)
class AidLine:
    """One beneficiary's money in the project."""

    organisation: str
    organisation_uuid: str
    grant_cents: int
    advance_cents: int
    paid_cents: int

    @property
    def committed_cents(self) -> int:
        return self.grant_cents + self.advance_cents

    @property
    def remaining_cents(self) -> int:
        return self.committed_cents - self.paid_cents

    def as_json(self) -> dict[str, Any]:
        return {"organisation": self.organisation, "organisation_uuid": self.organisation_uuid,
                "grant": euros_str(self.grant_cents), "advance": euros_str(self.advance_cents),
                "paid": euros_str(self.paid_cents), "remaining": euros_str(self.remaining_cents)}


@dataclass(frozen=True)
class Tranche:
    """One disbursement: paid, late (planned before today, unpaid) or upcoming; ``days`` late or left."""

    uuid: str
    label: str
    organisation: str
    planned_on: date | None
    paid_on: date | None
    amount_cents: int
    state: str
    days: int | None

    def as_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "label": self.label, "organisation": self.organisation,
                "planned_on": _iso(self.planned_on), "paid_on": _iso(self.paid_on),
                "amount": euros_str(self.amount_cents), "state": self.state, "days": self.days}


@dataclass(frozen=True)
class MilestoneLine:
    """One milestone; ``late_days`` when it is overdue (due before today, not done, its status not final)."""

    uuid: str
    title: str
    due_on: date | None
    done_on: date | None
    status: str
    late_days: int | None

    def as_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "title": self.title, "due_on": _iso(self.due_on), "done_on": _iso(self.done_on),
                "status": self.status, "late_days": self.late_days}


@dataclass(frozen=True)
class ContactLine:
    uuid: str
    name: str
    organisation: str
    role: str
    email: str
    phone: str

    def as_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "name": self.name, "organisation": self.organisation, "role": self.role,
                "email": self.email, "phone": self.phone}


@dataclass(frozen=True)
class NoteLine:
    """One note of the follow-up journal."""

    uuid: str
    written_on: date | None
    author: str
    body: str

    def as_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "date": _iso(self.written_on), "author": self.author, "text": self.body}


@dataclass(frozen=True)
class DocumentLine:
    """One document attached (its bytes are read only when opened)."""

    uuid: str
    name: str
    category: str
    media_type: str
    size: int
    sha256: str
    added_on: date | None
    author: str

    def as_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "name": self.name, "category": self.category, "media_type": self.media_type,
                "size": self.size, "sha256": self.sha256, "added_on": _iso(self.added_on), "author": self.author}


@dataclass(frozen=True)
class ReminderLine:
    """"À relancer le…": ``days_late`` when due before today and not done (negative: days left)."""

    uuid: str
    due_on: date | None
    text: str
    owner: str
    done_on: date | None
    days_late: int | None

    def as_json(self) -> dict[str, Any]:
        return {"uuid": self.uuid, "due_on": _iso(self.due_on), "text": self.text, "owner": self.owner,
                "done_on": _iso(self.done_on), "days_late": self.days_late}


@dataclass
class Dossier:
    """A project's dossier on ``today`` (which decides what is late)."""

    today: date
    project_id: int
    uuid: str
    acronym: str
    title: str
    lead: str
    lead_uuid: str
    call: str
    action: str
    axis: str
    operator: str
    status: str
    decision_on: date | None
    agreement_on: date | None
    start_on: date | None
    end_on: date | None
    officer: str = ""
    aid: list[AidLine] = field(default_factory=list)
    tranches: list[Tranche] = field(default_factory=list)
    milestones: list[MilestoneLine] = field(default_factory=list)
    contacts: list[ContactLine] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)
    documents: list[DocumentLine] = field(default_factory=list)
    reminders: list[ReminderLine] = field(default_factory=list)

    @property
    def committed_cents(self) -> int:
        return sum(line.committed_cents for line in self.aid)

    @property
    def paid_cents(self) -> int:
        return sum(line.paid_cents for line in self.aid)

    def as_json(self) -> dict[str, Any]:
        """What `portfolio dossier --json` prints: amounts in euros as decimal strings, dates ISO."""
        return {
            "project": {"uuid": self.uuid, "acronym": self.acronym, "title": self.title, "lead": self.lead,
                        "lead_uuid": self.lead_uuid, "call": self.call, "action": self.action, "axis": self.axis,
                        "operator": self.operator, "status": self.status, "decision_on": _iso(self.decision_on),
                        "agreement_on": _iso(self.agreement_on), "start_on": _iso(self.start_on),
                        "end_on": _iso(self.end_on), "officer": self.officer, "today": self.today.isoformat()},
            "aid": [line.as_json() for line in self.aid],
            "totals": {"grant": euros_str(sum(line.grant_cents for line in self.aid)),
                       "advance": euros_str(sum(line.advance_cents for line in self.aid)),
                       "committed": euros_str(self.committed_cents), "paid": euros_str(self.paid_cents),
                       "remaining": euros_str(self.committed_cents - self.paid_cents)},
            "tranches": [tranche.as_json() for tranche in self.tranches],
            "milestones": [milestone.as_json() for milestone in self.milestones],
            "contacts": [contact.as_json() for contact in self.contacts],
            "notes": [note.as_json() for note in self.notes],
            "documents": [document.as_json() for document in self.documents],
            "reminders": [reminder.as_json() for reminder in self.reminders],
        }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


def find_project(reader: Reader, wanted: str) -> int:
    """The id of the laureate project named by its uuid or its acronym (case and accents aside); a clear
    PortfolioError when none, or several, answer to it."""
    connection = raw_connection(reader)
    text = wanted.strip()
    rows = connection.execute("SELECT p.id FROM project p WHERE p.uuid = ?", (text,)).fetchall()
    if not rows:
        rows = connection.execute(
            "SELECT p.id, c.code FROM project p JOIN application a ON a.id = p.application_id "
            "JOIN call c ON c.id = a.call_id WHERE a.acronym_key = ? ORDER BY p.id", (fold(text),)).fetchall()
    if not rows:
        raise PortfolioError(tr("Aucun projet lauréat n'a l'acronyme ou l'identifiant « {wanted} » : vérifiez-le "
                                "(la liste des projets lauréats le montre).", wanted=wanted))
    if len(rows) > 1:
        raise PortfolioError(tr("{count} projets lauréats ont l'acronyme « {wanted} » (appels {calls}) : donnez "
                                "l'identifiant (uuid) de celui que vous voulez.", count=len(rows), wanted=wanted,
                                calls=", ".join(str(row[1]) for row in rows)))
    return int(rows[0][0])


def read_dossier(reader: Reader, project_id: int, today: date) -> Dossier:
    """The dossier of one laureate project (PortfolioError if it no longer exists)."""
    connection = raw_connection(reader)
    head = connection.execute(
        "SELECT p.uuid, a.acronym, a.title, o.name, o.uuid, c.code || ' — ' || c.label, ac.code || ' — ' || ac.label, "
        "ax.code || ' — ' || ax.label, op.label, s.label, p.decision_on, p.agreement_on, p.start_on, p.end_on, "
        "a.lead_organisation_id, a.id, (SELECT name FROM officer WHERE id = p.officer_id) "
        "FROM project p JOIN application a ON a.id = p.application_id "
        "JOIN organisation o ON o.id = a.lead_organisation_id JOIN call c ON c.id = a.call_id "
        "JOIN action ac ON ac.id = c.action_id JOIN axis ax ON ax.id = ac.axis_id "
        "JOIN operator op ON op.id = c.operator_id JOIN status s ON s.id = p.status_id WHERE p.id = ?",
        (project_id,)).fetchone()
    if head is None:
        raise PortfolioError(tr("Le projet lauréat n° {id} n'existe pas (ou plus).", id=project_id))
    lead_id, application_id = head[14], head[15]
    dossier = Dossier(today, project_id, str(head[0]), str(head[1] or ""), str(head[2] or ""), str(head[3] or ""),
                      str(head[4]), str(head[5]), str(head[6]), str(head[7]), str(head[8] or ""), tr(str(head[9])),
                      stored_date(head[10]), stored_date(head[11]), stored_date(head[12]), stored_date(head[13]),
                      str(head[16] or ""))
    names = _organisations(connection, project_id, application_id)
    dossier.aid = _aid(connection, project_id, lead_id, names)
    dossier.tranches = _tranches(connection, project_id, names, today)
    dossier.milestones = _milestones(connection, project_id, today)
    dossier.contacts = _contacts(connection, lead_id, names)
    dossier.notes = notes_of(connection, "project", project_id)
    dossier.documents = documents_of(connection, "project", project_id)
    dossier.reminders = _reminders(connection, project_id, today)
    return dossier


def notes_of(reader: Reader, subject: str, subject_id: int) -> list[NoteLine]:
    """The notes on a project, application or organisation, the latest first."""
    rows = raw_connection(reader).execute(
        f"SELECT uuid, written_on, author, body FROM note WHERE {_subject(subject)} = ? "
        "ORDER BY written_on DESC, id DESC", (subject_id,)).fetchall()
    return [NoteLine(str(uuid), stored_date(written), str(author or ""), str(body or ""))
            for uuid, written, author, body in rows]


def documents_of(reader: Reader, subject: str, subject_id: int) -> list[DocumentLine]:
    """The documents attached to a project, application or organisation, the latest first."""
    rows = raw_connection(reader).execute(
        "SELECT uuid, name, category, media_type, size, sha256, added_on, author FROM document "
        f"WHERE {_subject(subject)} = ? ORDER BY added_on DESC, id DESC", (subject_id,)).fetchall()
    return [DocumentLine(str(uuid), str(name), str(category or ""), str(media_type), int(size), str(sha256),
                         stored_date(added), str(author or ""))
            for uuid, name, category, media_type, size, sha256, added, author in rows]


def _subject(subject: str) -> str:
    if subject not in ("project", "application", "organisation"):
        raise ValueError(f"no notes nor documents on {subject!r}")
    return f"{subject}_id"


def _reminders(connection: Any, project_id: int, today: date) -> list[ReminderLine]:
    """The project's reminders: those to do first (by date), then those done (the latest first)."""
    lines = []
    for uuid, due, text, owner, done in connection.execute(
            "SELECT r.uuid, r.due_on, r.text, o.name, r.done_on FROM reminder r "
            "LEFT JOIN officer o ON o.id = r.officer_id WHERE r.project_id = ?", (project_id,)):
        due_on, done_on = stored_date(due), stored_date(done)
        days = (today - due_on).days if due_on is not None and done_on is None else None
        lines.append(ReminderLine(str(uuid), due_on, str(text or ""), str(owner or ""), done_on, days))
    return sorted(lines, key=lambda r: ((0, (r.due_on or date.max).toordinal()) if r.done_on is None
                                        else (1, -r.done_on.toordinal()), r.uuid))


def _organisations(connection: Any, project_id: int, application_id: int) -> dict[int, tuple[str, str]]:
    """The project's organisations (lead, partners, beneficiaries, those paid): id -> (name, uuid)."""
    rows = connection.execute(
        "SELECT o.id, o.name, o.uuid FROM organisation o WHERE o.id IN ("
        "SELECT lead_organisation_id FROM application WHERE id = :app "
        "UNION SELECT organisation_id FROM application_partner WHERE application_id = :app "
        "UNION SELECT organisation_id FROM aid WHERE project_id = :project "
        "UNION SELECT organisation_id FROM disbursement WHERE project_id = :project)",
        {"app": application_id, "project": project_id}).fetchall()
    return {int(i): (str(name or ""), str(uuid)) for i, name, uuid in rows}


def _aid(connection: Any, project_id: int, lead_id: int, names: dict[int, tuple[str, str]]) -> list[AidLine]:
    committed = {int(o): (int(g or 0), int(a or 0)) for o, g, a in connection.execute(
        "SELECT organisation_id, grant_cents, advance_cents FROM aid WHERE project_id = ?", (project_id,))}
    paid: dict[int, int] = {}
    for organisation, amount in connection.execute(
            "SELECT organisation_id, amount_cents FROM disbursement WHERE project_id = ? AND paid_on IS NOT NULL",
            (project_id,)):
        key = int(organisation) if organisation is not None else lead_id  # (the lead's, as the KPIs count it)
        paid[key] = paid.get(key, 0) + int(amount)
    lines = [AidLine(names[o][0], names[o][1], *committed.get(o, (0, 0)), paid.get(o, 0))
             for o in {*committed, *paid}]
    return sorted(lines, key=lambda line: (line.organisation_uuid != names[lead_id][1], fold(line.organisation)))


def _tranches(connection: Any, project_id: int, names: dict[int, tuple[str, str]], today: date) -> list[Tranche]:
    tranches = []
    for uuid, label, organisation, planned, paid, amount in connection.execute(
            "SELECT uuid, label, organisation_id, planned_on, paid_on, amount_cents FROM disbursement "
            "WHERE project_id = ?", (project_id,)):
        planned_on, paid_on = stored_date(planned), stored_date(paid)
        if paid_on is not None:
            state, days = PAID, None
        elif planned_on is not None and planned_on < today:
            state, days = LATE, (today - planned_on).days
        else:
            state, days = UPCOMING, (planned_on - today).days if planned_on is not None else None
        tranches.append(Tranche(str(uuid), str(label or ""), names[organisation][0] if organisation in names else "",
                                planned_on, paid_on, int(amount), state, days))
    # in the order they are paid or due, those without a date last
    return sorted(tranches, key=lambda t: (t.paid_on or t.planned_on or date.max, t.uuid))


def _milestones(connection: Any, project_id: int, today: date) -> list[MilestoneLine]:
    milestones = []
    for uuid, title, due, done, status, final in connection.execute(
            "SELECT m.uuid, m.title, m.due_on, m.done_on, s.label, s.is_final FROM milestone m "
            "JOIN status s ON s.id = m.status_id WHERE m.project_id = ?", (project_id,)):
        due_on, done_on = stored_date(due), stored_date(done)
        late = done_on is None and due_on is not None and due_on < today and not final
        milestones.append(MilestoneLine(str(uuid), str(title or ""), due_on, done_on, tr(str(status)),
                                        (today - due_on).days if late and due_on is not None else None))
    return sorted(milestones, key=lambda m: (m.due_on or date.max, m.uuid))


def _contacts(connection: Any, lead_id: int, names: dict[int, tuple[str, str]]) -> list[ContactLine]:
    if not names:
        return []
    marks = ", ".join("?" * len(names))
    rows = connection.execute(
        f"SELECT uuid, first_name, last_name, organisation_id, role, email, phone FROM contact "
        f"WHERE organisation_id IN ({marks})", list(names)).fetchall()
    contacts = [(organisation != lead_id, fold(names[organisation][0]), fold(f"{last} {first}"),
                 ContactLine(str(uuid), " ".join(part for part in (first, last) if part), names[organisation][0],
                             str(role or ""), str(email or ""), str(phone or "")))
                for uuid, first, last, organisation, role, email, phone in rows]
    return [line for *_key, line in sorted(contacts, key=lambda c: c[:3])]
