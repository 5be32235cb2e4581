"""The officer's own records (issue #21): officers in charge, notes, reminders. Each action is a list of changes for
the one door (so one undo step, one batch in the trail), made the same way by the window and the command line.

Qt-free; documents are services.documents.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from portfolio.db.models import SUBJECTS, new_uuid
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import stored_date
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.domain.referential import fold

from .changes import Change, Create, FieldChange

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

    Reader = Session | sqlite3.Connection

POSTPONE_DAYS = 7  # "Reporter": a reminder put off by a week


def officers(reader: Reader) -> list[tuple[int, str]]:
    """The team's officers (id, name), in alphabetical order."""
    return [(int(i), str(name)) for i, name in raw_connection(reader).execute(
        "SELECT id, name FROM officer ORDER BY name_key, id")]


def find_officer(reader: Reader, name: str) -> int:
    """The id of the officer named ``name`` (case and accents aside), or PortfolioError naming those there are."""
    wanted = fold(name.strip())
    known = officers(reader)
    for officer_id, officer_name in known:
        if fold(officer_name) == wanted:
            return officer_id
    names = ", ".join(n for _i, n in known) or tr("aucun pour l'instant")
    raise PortfolioError(tr("Aucun chargé de mission ne s'appelle « {name} ». Ceux de l'équipe : {names}. "
                            "Ajoutez-le avec « portfolio officer add NOM ».", name=name, names=names))


def new_officer(name: str, email: str = "") -> list[Change]:
    """Adds an officer to the team."""
    return [Create("officer", new_uuid(), {"name": name, "email": email})]


def put_in_charge(reader: Reader, project_id: int, officer_id: int | None) -> list[Change]:
    """Makes ``officer_id`` (None: nobody) the officer in charge of a project; [] when they already are."""
    uuid, current = _project(reader, project_id)
    return [] if current == officer_id else [FieldChange("project", uuid, "officer_id", current, officer_id)]


def new_note(subject: str, subject_id: int, text: str, *, written_on: date, author: str) -> list[Change]:
    """A note of the follow-up journal on a project, application or organisation."""
    if subject not in SUBJECTS:
        raise ValueError(f"no notes on {subject!r}")
    return [Create("note", new_uuid(), {f"{subject}_id": subject_id, "written_on": written_on, "author": author,
                                        "body": text})]


def new_reminder(project_id: int, due_on: date, text: str, officer_id: int | None = None) -> list[Change]:
    """"À relancer le …": a reminder on a project, owned by an officer (None: the project's officer in charge)."""
    return [Create("reminder", new_uuid(), {"project_id": project_id, "due_on": due_on, "text": text,
                                            "officer_id": officer_id})]


def reminder_done(reader: Reader, uuid: str, today: date) -> list[Change]:
    """Marks a reminder done today (one click)."""
    done = _reminder(reader, uuid)["done_on"]
    return [FieldChange("reminder", uuid, "done_on", done, today)]


def reminder_postponed(reader: Reader, uuid: str, today: date, days: int = POSTPONE_DAYS) -> list[Change]:
    """Puts a reminder off by ``days`` from today (or from its date, when that is later), not done."""
    current = _reminder(reader, uuid)
    due = current["due_on"]
    changes: list[Change] = [FieldChange("reminder", uuid, "due_on", due, max(due, today) + timedelta(days=days))]
    if current["done_on"] is not None:
        changes.append(FieldChange("reminder", uuid, "done_on", current["done_on"], None))
    return changes


def _project(reader: Reader, project_id: int) -> tuple[str, int | None]:
    row = raw_connection(reader).execute("SELECT uuid, officer_id FROM project WHERE id = ?", (project_id,)).fetchone()
    if row is None:
        raise PortfolioError(tr("Le projet lauréat n° {id} n'existe pas (ou plus).", id=project_id))
    return str(row[0]), None if row[1] is None else int(row[1])


def _reminder(reader: Reader, uuid: str) -> dict[str, Any]:
    row = raw_connection(reader).execute("SELECT due_on, done_on FROM reminder WHERE uuid = ?", (uuid,)).fetchone()
    if row is None:
        raise PortfolioError(tr("Cette relance n'existe plus (supprimée entre-temps)."))
    return {"due_on": stored_date(row[0]), "done_on": stored_date(row[1])}
