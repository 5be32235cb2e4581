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

from portfolio.db.models import SUBJECTS
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
    aid_uuid: str | None = None  # the aid record (None: an organisation paid without an aid of its own)

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
    if subject not in SUBJECTS:
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
    aids = {int(o): (int(g or 0), int(a or 0), str(u)) for o, g, a, u in connection.execute(
        "SELECT organisation_id, grant_cents, advance_cents, uuid FROM aid WHERE project_id = ?", (project_id,))}
    committed = {o: values[:2] for o, values in aids.items()}
    paid: dict[int, int] = {}
    for organisation, amount in connection.execute(
            "SELECT organisation_id, amount_cents FROM disbursement WHERE project_id = ? AND paid_on IS NOT NULL",
            (project_id,)):
        key = int(organisation) if organisation is not None else lead_id  # (the lead's, as the KPIs count it)
        paid[key] = paid.get(key, 0) + int(amount)
    lines = [AidLine(names[o][0], names[o][1], *committed.get(o, (0, 0)), paid.get(o, 0),
                     aids[o][2] if o in aids else None) for o in {*committed, *paid}]
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


# --- the same idea for an organisation and an application (issue #21) -------------------------------------------


@dataclass(frozen=True)
class ApplicationLine:
    """An application an organisation leads or is a member of."""

    uuid: str
    name: str  # its acronym, or its title
    title: str
    call: str
    status: str
    role: str  # the organisation's role in its consortium (tr'd)
    requested_cents: int | None


@dataclass(frozen=True)
class ProjectLine:
    """A laureate project an organisation takes part in, with that organisation's own aid and payments."""

    uuid: str
    name: str
    status: str
    committed_cents: int
    paid_cents: int


@dataclass(frozen=True)
class MemberLine:
    """A member of an application's consortium, with its aid when the application became a project."""

    uuid: str  # the organisation's
    organisation: str
    role: str
    committed_cents: int | None


@dataclass
class OrganisationDossier:
    """An organisation's dossier: who it is, its applications, projects (its own aid and payments), contacts,
    notes and documents."""

    organisation_id: int
    uuid: str
    name: str
    identifiers: str  # SIRET, else SIREN, RNA or foreign identifier
    place: str  # city, department, region
    typology: str
    applications: list[ApplicationLine] = field(default_factory=list)
    projects: list[ProjectLine] = field(default_factory=list)
    contacts: list[ContactLine] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)
    documents: list[DocumentLine] = field(default_factory=list)

    @property
    def committed_cents(self) -> int:
        return sum(p.committed_cents for p in self.projects)

    @property
    def paid_cents(self) -> int:
        return sum(p.paid_cents for p in self.projects)


@dataclass
class ApplicationDossier:
    """An application's dossier: its call, lead, requested amount, decision (the project it became, if any), its
    consortium, notes and documents."""

    application_id: int
    uuid: str
    acronym: str
    title: str
    call: str
    lead: str
    status: str
    reference: str
    submitted_on: date | None
    requested_cents: int | None
    project_uuid: str | None
    project_status: str
    decision_on: date | None
    consortium: list[MemberLine] = field(default_factory=list)
    notes: list[NoteLine] = field(default_factory=list)
    documents: list[DocumentLine] = field(default_factory=list)

    @property
    def committed_cents(self) -> int:
        return sum(m.committed_cents or 0 for m in self.consortium)


def _role(code: Any) -> str:
    """A consortium role in words ("Chef de file"), in the language shown."""
    from portfolio.domain.programme import PARTNER_ROLES

    return tr(PARTNER_ROLES.get(str(code), str(code)))


def read_organisation_dossier(reader: Reader, organisation_id: int) -> OrganisationDossier:
    """The dossier of one organisation (PortfolioError if it no longer exists)."""
    connection = raw_connection(reader)
    head = connection.execute(
        "SELECT o.uuid, o.name, o.siret, o.siren, o.rna, o.foreign_id, o.city, d.code || ' — ' || d.name, r.name, "
        "t.label FROM organisation o LEFT JOIN department d ON d.id = o.department_id "
        "LEFT JOIN region r ON r.id = o.region_id LEFT JOIN typology t ON t.id = o.typology_id WHERE o.id = ?",
        (organisation_id,)).fetchone()
    if head is None:
        raise PortfolioError(tr("La structure n° {id} n'existe pas (ou plus).", id=organisation_id))
    identifiers = next((str(v) for v in head[2:6] if v), "")
    place = " · ".join(str(v) for v in head[6:9] if v)
    dossier = OrganisationDossier(organisation_id, str(head[0]), str(head[1] or ""), identifiers, place,
                                  str(head[9] or ""))
    for uuid, acronym, title, call, status, role, requested in connection.execute(
            "SELECT a.uuid, a.acronym, a.title, c.code, s.label, m.role, a.requested_cents FROM application a "
            "JOIN application_partner m ON m.application_id = a.id JOIN call c ON c.id = a.call_id "
            "JOIN status s ON s.id = a.status_id WHERE m.organisation_id = :o "
            "UNION SELECT a.uuid, a.acronym, a.title, c.code, s.label, 'chef_de_file', a.requested_cents "
            "FROM application a JOIN call c ON c.id = a.call_id JOIN status s ON s.id = a.status_id "
            "WHERE a.lead_organisation_id = :o", {"o": organisation_id}):
        dossier.applications.append(ApplicationLine(str(uuid), str(acronym or title or ""), str(title or ""),
                                                    str(call), tr(str(status)), _role(role),
                                                    None if requested is None else int(requested)))
    # one line per application (a lead is also listed as a member): the lead's role wins
    unique: dict[str, ApplicationLine] = {}
    for line in dossier.applications:
        unique.setdefault(line.uuid, line)
    dossier.applications = sorted(unique.values(), key=lambda a: (fold(a.call), fold(a.name)))
    paid = {int(p): int(a) for p, a in connection.execute(
        "SELECT d.project_id, sum(d.amount_cents) FROM disbursement d JOIN project p ON p.id = d.project_id "
        "JOIN application a ON a.id = p.application_id WHERE d.paid_on IS NOT NULL AND (d.organisation_id = :o "
        "OR (d.organisation_id IS NULL AND a.lead_organisation_id = :o)) GROUP BY d.project_id",
        {"o": organisation_id})}
    committed = {int(p): int(c) for p, c in connection.execute(
        "SELECT project_id, grant_cents + advance_cents FROM aid WHERE organisation_id = ?", (organisation_id,))}
    if committed or paid:
        marks = ", ".join("?" * len({*committed, *paid}))
        for project_id, uuid, name, status in connection.execute(
                f"SELECT p.id, p.uuid, CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END, s.label "
                f"FROM project p JOIN application a ON a.id = p.application_id JOIN status s ON s.id = p.status_id "
                f"WHERE p.id IN ({marks})", sorted({*committed, *paid})):
            dossier.projects.append(ProjectLine(str(uuid), str(name or ""), tr(str(status)),
                                                committed.get(int(project_id), 0), paid.get(int(project_id), 0)))
    dossier.projects.sort(key=lambda p: fold(p.name))
    dossier.contacts = _contacts(connection, organisation_id, {organisation_id: (dossier.name, dossier.uuid)})
    dossier.notes = notes_of(connection, "organisation", organisation_id)
    dossier.documents = documents_of(connection, "organisation", organisation_id)
    return dossier


def read_application_dossier(reader: Reader, application_id: int) -> ApplicationDossier:
    """The dossier of one application (PortfolioError if it no longer exists)."""
    connection = raw_connection(reader)
    head = connection.execute(
        "SELECT a.uuid, a.acronym, a.title, c.code || ' — ' || c.label, o.name, s.label, a.reference, "
        "a.submitted_on, a.requested_cents, p.uuid, ps.label, p.decision_on, p.id FROM application a "
        "JOIN call c ON c.id = a.call_id JOIN organisation o ON o.id = a.lead_organisation_id "
        "JOIN status s ON s.id = a.status_id LEFT JOIN project p ON p.application_id = a.id "
        "LEFT JOIN status ps ON ps.id = p.status_id WHERE a.id = ?", (application_id,)).fetchone()
    if head is None:
        raise PortfolioError(tr("La candidature n° {id} n'existe pas (ou plus).", id=application_id))
    dossier = ApplicationDossier(application_id, str(head[0]), str(head[1] or ""), str(head[2] or ""), str(head[3]),
                                 str(head[4] or ""), tr(str(head[5])), str(head[6] or ""), stored_date(head[7]),
                                 None if head[8] is None else int(head[8]), None if head[9] is None else str(head[9]),
                                 tr(str(head[10])) if head[10] else "", stored_date(head[11]))
    project_id = head[12]
    aid = {int(o): int(c) for o, c in connection.execute(
        "SELECT organisation_id, grant_cents + advance_cents FROM aid WHERE project_id = ?", (project_id,))} \
        if project_id is not None else {}
    order = {"chef_de_file": 0, "partenaire": 1, "partenaire_non_finance": 2}  # the lead first, then the funded
    members = sorted(((order.get(str(role), 3), fold(str(name or "")),
                       MemberLine(str(uuid), str(name or ""), _role(role), aid.get(int(org)) if project_id else None))
                      for uuid, name, role, org in connection.execute(
                          "SELECT o.uuid, o.name, m.role, o.id FROM application_partner m JOIN organisation o "
                          "ON o.id = m.organisation_id WHERE m.application_id = ?", (application_id,))),
                     key=lambda member: member[:2])
    dossier.consortium = [line for *_key, line in members]
    dossier.notes = notes_of(connection, "application", application_id)
    dossier.documents = documents_of(connection, "application", application_id)
    return dossier
