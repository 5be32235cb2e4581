"""Values shown to people: French formats for every kind of field, and labels of referenced records."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import format_date
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_eur, format_int
from portfolio.domain.programme import AID_PARTS, PARTNER_ROLES
from portfolio.domain.referential import fold

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

# Formatting values (``display``) needs neither SQLAlchemy nor the ORM: the window's first paint uses it
# before they are loaded. The functions reading references import ``fields`` (the ORM) when called.

# The column that names a record of each entity, for labels of references.
TITLE_SQL = {
    "programme": "code || ' — ' || label",
    "axis": "code || ' — ' || label",
    "action": "code || ' — ' || label",
    "operator": "label",
    "call": "code || ' — ' || label",
    "status": "label",
    "status_transition": "id",
    "region": "name",
    "department": "code || ' — ' || name",
    "typology": "label",
    "organisation": "name",
    "contact": "trim(first_name || ' ' || last_name)",
    "application": "CASE WHEN acronym <> '' THEN acronym || ' — ' || title ELSE title END",
    "application_partner": "role",
    "project": "(SELECT CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END FROM application a "
               "WHERE a.id = project.application_id)",
    "aid": "(SELECT o.name FROM organisation o WHERE o.id = aid.organisation_id)",
    "disbursement": "label",
    "milestone": "title",
    "officer": "name",
    "note": "CAST(written_on AS TEXT) || ' — ' || substr(body, 1, 60)",
    "reminder": "CAST(due_on AS TEXT) || ' — ' || text",
    "document": "name",
}


# how many records of a type, in words: the plural of each entity's label
PLURALS = {
    "programme": N_("programmes"), "axis": N_("axes"), "action": N_("actions"), "operator": N_("opérateurs"),
    "call": N_("appels à projets"), "status": N_("statuts"), "region": N_("régions"),
    "department": N_("départements"), "typology": N_("typologies"), "organisation": N_("structures"),
    "contact": N_("contacts"), "application": N_("candidatures"), "application_partner": N_("membres de consortium"),
    "project": N_("projets lauréats"), "aid": N_("aides"), "disbursement": N_("versements"),
    "milestone": N_("jalons"), "status_transition": N_("transitions de statut"),
    "officer": N_("chargé(e)s de mission"), "note": N_("notes de suivi"), "reminder": N_("relances"),
    "document": N_("documents"),
}


def counted(entity: str, count: int) -> str:
    """"3 versements", "1 versement": a count of records of a type, in words (the figure in French format)."""
    from . import fields

    if abs(count) < 2:
        return f"{count} {fields.entity_label(entity).lower()}"
    return f"{format_int(count)} {tr(PLURALS.get(entity, entity))}"


# the kinds of field whose value is a code among a few, and their labels
CHOICES: dict[str, dict[str, str]] = {"role": PARTNER_ROLES, "aid_part": AID_PARTS}


def display(kind: str, value: Any, *, cents: bool = False) -> str:
    """A stored value in French: 1 234 567,89 €, 28/11/2026, Oui/Non; empty text for no value. Money drops ",00"
    on whole euros unless ``cents`` (a list's column, an editor's field, the journal: every amount of a column to
    the cent, so that they line up and read alike)."""
    if value is None or value == "":
        return ""
    if kind == "money":
        return format_eur(int(value), decimals=True if cents else None)
    if kind == "date":
        return format_date(value if isinstance(value, date) else date.fromisoformat(str(value)))
    if kind == "bool":
        return tr("Oui") if value else tr("Non")
    if kind in CHOICES:  # a code among a few: its label
        labels = CHOICES[kind]
        return tr(labels[value]) if value in labels else str(value)
    if kind == "int" and isinstance(value, int):
        return format_int(value)
    if kind == "datetime":  # stored as ISO 8601 in UTC, shown in local time
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment.astimezone().strftime("%d/%m/%Y %H:%M:%S")
    if kind == "percent":
        return f"{float(value) * 100:.1f}".replace(".", ",") + "\u00a0%"
    return str(value)


def record_title(session: Session | sqlite3.Connection, entity: str, record_id: int) -> str:
    """How a record is named to people (an organisation's name, an application's acronym…)."""
    from . import fields

    table = fields.table(entity).name
    row = raw_connection(session).execute(f"SELECT {TITLE_SQL[entity]} FROM {table} WHERE id = :id",
                                          {"id": record_id}).fetchone()
    if row is None or row[0] is None:
        return ""
    return tr(str(row[0])) if entity == "status" else str(row[0])  # statuses are shown in the language chosen


def reference_choices(session: Session, entity: str, status_of: str | None = None) -> list[tuple[int, str]]:
    """(id, title) of every record of a reference entity, for drop-down lists; statuses of one entity only."""
    from . import fields

    table = fields.table(entity).name
    where = "WHERE entity = :of" if status_of else ""
    ordered = "sort_order" in fields.table(entity).columns
    rows = raw_connection(session).execute(
        f"SELECT id, {TITLE_SQL[entity]} FROM {table} {where} ORDER BY {'sort_order, id' if ordered else 'id'}",
        {"of": status_of} if status_of else {})
    choices = [(int(i), str(t)) for i, t in rows]
    # in the order of the alphabet people read, accents and case aside: Île-de-France among the I, not last
    return choices if ordered else sorted(choices, key=lambda choice: (fold(choice[1]), choice[0]))


def code_choices(session: Session, entity: str) -> list[tuple[str, str]]:
    """(code, title) of every record of a coded reference entity (a region, a call…), in ``reference_choices``'
    order: for the lists that choose by code (the region of an export)."""
    from . import fields

    table = fields.table(entity).name
    codes = dict(raw_connection(session).execute(f"SELECT id, code FROM {table}"))
    return [(str(codes[record_id]), title) for record_id, title in reference_choices(session, entity)]


def department_regions(session: Session) -> dict[int, int]:
    """Each département's region (département id -> region id), for the lists that follow each other."""
    return {int(d): int(r) for d, r in raw_connection(session).execute("SELECT id, region_id FROM department")}


def search_titles(session: Session, entity: str, query: str, limit: int = 50) -> list[tuple[int, str]]:
    """Records whose title contains every word of ``query`` (case-insensitive), for reference pickers."""
    from . import fields

    table = fields.table(entity).name
    title = TITLE_SQL[entity]
    words = [w for w in fold(query).split() if w]  # accent- and case-insensitive, like every search
    where = " AND ".join(f"portfolio_fold({title}) LIKE :w{i} ESCAPE '\\'" for i in range(len(words))) or "1 = 1"
    params: dict[str, Any] = {f"w{i}": "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                              for i, w in enumerate(words)}
    rows = raw_connection(session).execute(
        f"SELECT id, {title} FROM {table} WHERE {where} ORDER BY 2 NULLS FIRST, id LIMIT {int(limit)}", params)
    return [(int(i), str(t or "")) for i, t in rows]


def status_choices(session: Session, entity: str, current: int | None) -> list[tuple[int, str]]:
    """The statuses a record may take: its current one and the lifecycle's next ones; for a new record, the
    statuses a lifecycle starts from (those no transition leads to)."""
    if current is None:
        sql = ("SELECT id, label FROM status s WHERE entity = :e AND NOT EXISTS "
               "(SELECT 1 FROM status_transition t WHERE t.to_status_id = s.id) ORDER BY sort_order")
        rows = raw_connection(session).execute(sql, {"e": entity}).fetchall()
        if not rows:  # no lifecycle defined: any status of the entity
            rows = raw_connection(session).execute(
                "SELECT id, label FROM status WHERE entity = :e ORDER BY sort_order", {"e": entity}).fetchall()
    else:
        sql = ("SELECT id, label FROM status WHERE id = :c UNION ALL SELECT s.id, s.label FROM status_transition t "
               "JOIN status s ON s.id = t.to_status_id WHERE t.from_status_id = :c")
        rows = raw_connection(session).execute(sql, {"c": current}).fetchall()
    return [(int(i), tr(str(label))) for i, label in rows]  # stored in French, shown in the language chosen
