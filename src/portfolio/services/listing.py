"""Record lists for the main window's tables and for the global search, computed in SQL (Qt-free).

A table asks ``query_ids`` for the ordered ids of the records that pass its search and filters, then
``fetch_rows`` for the rows it shows (a page at a time): no list ever holds every row's values, and
sorting, filtering and searching are done by SQLite, on indexes where the tables are large.

- Search: the text is folded (accents, case and punctuation removed) and split into words; every word must
  be a substring of the record's ``search_key`` (kept by the one door, services.keys). Bound as LIKE
  parameters with ``%``, ``_`` and ``\\`` escaped.
- Sort: by the displayed value; text in folded order ("École" among the e's), through the folded
  ``*_key`` columns on large tables, ``portfolio_fold()`` on small ones, and a ranking of the referred
  records for the labels of small reference tables (region, status, typology…). Empty values (NULL) come
  first in ascending order, last in descending order; the record id breaks ties, so the order is stable.
- Filters: per key, a tuple of allowed values (OR within a key, AND across keys), bound as a JSON array.

Every query runs on the DB-API connection (of a session, or a plain one): SQLAlchemy's result rows cost as
much as the query itself on half a million ids. Every value from the user is a bound parameter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as dataclass_field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from portfolio.db.dialect import dialect_of, sort_term
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.dates import format_date, format_datetime
from portfolio.domain.i18n import N_, tr
from portfolio.domain.referential import fold
from portfolio.services.import_batches import IMPORT_FIELD, imports, is_row_source, source_sql
from portfolio.services.import_batches import TABLE as IMPORT_TABLE

if TYPE_CHECKING:
    import sqlite3

    from sqlalchemy.orm import Session

    # where lists read from: a session of the open database, or the plain connection of the window's first
    # paint (db.sqlite_file.QuickView); this module imports neither SQLAlchemy nor the ORM, for that paint
    Reader = Session | sqlite3.Connection

# --- the API's values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """One column of a record list."""

    key: str  # stable key, e.g. "name", "region", "committed"
    label: str  # French header, e.g. "Raison sociale"
    kind: str  # "text" | "money" (int cents) | "date" | "datetime" (ISO text, UTC) | "int" | "bool" | "percent"
    sortable: bool = True
    field: str | None = None  # the editable field of the entity behind this column, if any (for the editor)
    width: int = 120  # a sensible initial width in pixels
    hidden: bool = False  # shown only when the user asks for it (the journal's record UUID)


@dataclass(frozen=True)
class ListQuery:
    """What a table shows: an entity's records, searched, filtered and sorted."""

    entity: str  # "call", "application", "project", "organisation", "contact", "disbursement", "milestone", "audit"
    search: str = ""  # free text, folded; every word must match (AND), substring
    filters: Mapping[str, tuple[Any, ...]] = dataclass_field(default_factory=dict)  # key -> allowed values
    sort: str | None = None  # a Column.key
    descending: bool = False


@dataclass(frozen=True)
class SearchHit:
    """One record found by the global search."""

    entity: str
    id: int
    uuid: str
    title: str
    subtitle: str


def today() -> date:
    """The day lists compare planned dates with (late disbursements, overdue milestones)."""
    return date.today()


# --- how each entity is listed ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rank:
    """Sort by the folded label of a small referenced table: the referred ids are ranked in Python (a few
    hundred rows at most) and the ranking is joined as a JSON array."""

    fk: str  # SQL of the reference, e.g. "t.region_id" or "o.region_id"
    table: str
    label: str  # SQL of the label on the referenced table


@dataclass(frozen=True)
class _Col:
    column: Column
    value: str  # SQL of the displayed value
    order: str | tuple[str, ...] | _Rank | None = None  # SQL of the sort key(s), when not the value itself
    joins: tuple[str, ...] = ()  # join aliases the value needs
    order_joins: tuple[str, ...] = ()  # join aliases the sort key needs
    convert: Callable[[Any], Any] | None = None  # raw SQL value -> Python value
    # an index holds the sort keys then the search key: a search alone walks it in order, without sorting
    search_in_order: bool = False


@dataclass(frozen=True)
class _Join:
    sql: str
    requires: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Filter:
    label: str
    condition: str  # SQL; {values} stands for the chosen values, :today for today's date
    options: Callable[[Reader], list[tuple[Any, str]]]


@dataclass(frozen=True)
class _Entity:
    name: str
    label: str
    table: str
    joins: dict[str, _Join]
    columns: tuple[_Col, ...]
    filters: dict[str, _Filter]
    search: tuple[str, ...]  # SQL alternatives for one word ({w}); a word matches when one of them does
    key: str = "id"
    # columns with few distinct values (the journal's sources and actors), searched accent-insensitively by
    # folding their distinct values in Python: folding every row in SQL would cost seconds on a long journal
    search_values: dict[str, Callable[[Reader], list[tuple[Any, str]]]] = dataclass_field(default_factory=dict)
    searched: tuple[str, ...] | None = None  # the columns the filter's words are looked for in (None: the text ones)
    newest_first: bool = False  # the list opens sorted by its key, descending (the journal)


def _col(key: str, label: str, kind: str, value: str, *, field: str | None = None, width: int = 120,
         sortable: bool = True, order: str | tuple[str, ...] | _Rank | None = None, joins: tuple[str, ...] = (),
         order_joins: tuple[str, ...] | None = None, convert: Callable[[Any], Any] | None = None,
         search_in_order: bool = False, hidden: bool = False) -> _Col:
    return _Col(Column(key, label, kind, sortable, field, width, hidden), value, order, joins,
                joins if order_joins is None else order_joins, convert, search_in_order)


# --- filter options ---


def _rows(reader: Reader, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in raw_connection(reader).execute(sql, params)]


def _by_fold(rows: list[tuple[Any, ...]]) -> list[tuple[Any, str]]:
    return [(value, str(label)) for value, label in sorted(rows, key=lambda r: (fold(str(r[1] or "")), r[0]))]


def _statuses(entity: str) -> Callable[[Reader], list[tuple[Any, str]]]:
    return lambda s: [(v, tr(str(label))) for v, label in _rows(
        s, "SELECT id, label FROM status WHERE entity = :e ORDER BY sort_order, id", e=entity)]


def _regions(session: Reader) -> list[tuple[Any, str]]:
    return _by_fold(_rows(session, "SELECT id, name FROM region"))


def _calls(session: Reader) -> list[tuple[Any, str]]:
    rows = _rows(session, "SELECT id, code, label FROM call")
    return [(i, f"{code} — {label}") for i, code, label in sorted(rows, key=lambda r: (fold(r[1]), r[0]))]


def _axes(session: Reader) -> list[tuple[Any, str]]:
    return [(i, str(label)) for i, label in _rows(
        session, "SELECT id, code || ' — ' || label FROM axis ORDER BY sort_order, code, id")]


def _typologies(session: Reader) -> list[tuple[Any, str]]:
    return [(i, str(label)) for i, label in _rows(session, "SELECT id, label FROM typology ORDER BY sort_order, id")]


def _operators(session: Reader) -> list[tuple[Any, str]]:
    return [(i, str(label)) for i, label in _rows(session, "SELECT id, label FROM operator ORDER BY sort_order, id")]


def _years(table: str, column: str) -> Callable[[Reader], list[tuple[Any, str]]]:
    def options(session: Reader) -> list[tuple[Any, str]]:
        years = _rows(session, f"SELECT DISTINCT CAST(substr(CAST({column} AS TEXT), 1, 4) AS INTEGER) FROM {table} "
                               f"WHERE {column} IS NOT NULL")
        return [(year, str(year)) for (year,) in sorted(years, reverse=True)]  # the latest first
    return options


def _months(table: str, column: str) -> Callable[[Reader], list[tuple[Any, str]]]:
    def options(session: Reader) -> list[tuple[Any, str]]:
        months = _rows(session, f"SELECT DISTINCT substr(CAST({column} AS TEXT), 1, 7) FROM {table} "
                                 f"WHERE {column} IS NOT NULL")
        return [(month, f"{month[5:7]}/{month[:4]}") for (month,) in sorted(months, reverse=True)]  # latest first
    return options


def _constant(*options: tuple[Any, str]) -> Callable[[Reader], list[tuple[Any, str]]]:
    return lambda _session: [(value, tr(label)) for value, label in options]


_BATCHES = """WITH RECURSIVE b(batch) AS (
    SELECT min(batch) FROM audit_entry
    UNION ALL SELECT (SELECT min(batch) FROM audit_entry WHERE batch > b.batch) FROM b WHERE b.batch IS NOT NULL)
SELECT b.batch, e.{column} FROM b JOIN audit_entry e
    ON e.seq = (SELECT min(seq) FROM audit_entry WHERE batch = b.batch)"""


def _audit_distinct(column: str) -> Callable[[Reader], list[tuple[Any, str]]]:
    """Actors or sources of the audit trail: one entry per batch (they share both), found by skipping
    along the batch index rather than reading millions of entries."""
    def options(session: Reader) -> list[tuple[Any, str]]:
        values = {v for _batch, v in _rows(session, _BATCHES.format(column=column)) if v is not None}
        return _by_fold([(v, v) for v in values])
    return options


def _audit_sources(session: Reader) -> list[tuple[Any, str]]:
    """The journal's sources, one entry per batch as ``_audit_distinct``; an import is one choice, its batch, named
    by its file and its time (each of its entries has its row as source: "import, ligne 12"), which the filter's
    condition finds by batch."""
    firsts = [(batch, source) for batch, source in _rows(session, _BATCHES.format(column="source"))
              if source is not None]
    records = imports(session, [batch for batch, source in firsts if is_row_source(source)])
    options: dict[Any, str] = {}
    for batch, source in firsts:
        record = records.get(batch) if is_row_source(source) else None
        if record is None:
            options[source] = source
        else:
            options[batch] = tr("import {file} du {moment}", file=record.file_name,
                                moment=format_datetime(datetime.fromisoformat(record.at_utc)))
    return _by_fold(list(options.items()))


def _audit_entities(_reader: Reader) -> list[tuple[Any, str]]:
    from portfolio.db.models import ENTITIES  # the ORM, when first needed (not for the first paint)

    return _by_fold([(name, tr(model.__label__)) for name, model in ENTITIES.items()])


OPERATIONS = {"create": N_("Création"), "update": N_("Modification"), "delete": N_("Suppression")}
DISBURSEMENT_STATES = {"paid": N_("Payé"), "upcoming": N_("À venir"), "late": N_("En retard")}

# --- the entities ---

STATE_SQL = "CASE WHEN t.paid_on IS NOT NULL THEN 'paid' WHEN t.planned_on < :today THEN 'late' ELSE 'upcoming' END"
_OVERDUE_SQL = ("(t.done_on IS NULL AND t.due_on IS NOT NULL AND t.due_on < :today "
                "AND t.status_id NOT IN (SELECT id FROM status WHERE is_final))")
_PROJECT_WORD = "{fk} IN (SELECT p.id FROM project p JOIN application a ON a.id = p.application_id " \
                "WHERE a.search_key LIKE {w} ESCAPE '\\')"
_ORG_REGION = "IN (SELECT id FROM organisation WHERE region_id IN {values})"
_ORG_TYPOLOGY = "IN (SELECT id FROM organisation WHERE typology_id IN {values})"
_CALLS_OF_AXES = "(SELECT c.id FROM call c JOIN action ac ON ac.id = c.action_id WHERE ac.axis_id IN {values})"
_CALLS_OF_OPERATORS = "(SELECT id FROM call WHERE operator_id IN {values})"

# A word of the filter is looked for in every text column a list shows: these name the referenced records whose
# shown text holds the word (small reference tables are folded on the fly: a few hundred rows at most).
_LIKE = " LIKE {w} ESCAPE '\\'"
_ORG_NAMED = "(SELECT id FROM organisation WHERE name_key" + _LIKE + ")"
# Small reference tables (regions, statuses, calls, typologies…) are matched in Python, by the folded label the
# list shows (``search_values``): a word that names none of them adds no condition at all, so typing in a list of
# 100,000 organisations costs what it cost before these columns were searched.
_LEAD_REGION = "(SELECT o.region_id FROM organisation o WHERE o.id = t.lead_organisation_id)"
_PROJECT_CALL = "(SELECT a.call_id FROM application a WHERE a.id = t.application_id)"
_PROJECT_REGION = ("(SELECT o.region_id FROM application a JOIN organisation o ON o.id = a.lead_organisation_id "
                   "WHERE a.id = t.application_id)")


def _action_codes(session: Reader) -> list[tuple[Any, str]]:
    return [(i, str(code)) for i, code in _rows(session, "SELECT id, code FROM action")]


def _department_codes(session: Reader) -> list[tuple[Any, str]]:
    return [(i, str(code)) for i, code in _rows(session, "SELECT id, code FROM department")]


def _rank_label(labels: dict[str, str]) -> str:
    """SQL turning a code into its label's position in folded order (so that the sort follows the label)."""
    ranked = sorted(labels, key=lambda code: fold(labels[code]))
    return " ".join(f"WHEN '{code}' THEN {i}" for i, code in enumerate(ranked))


# the trail's own acts, by their field, named in words in the journal (the erasure's and the migration's are
# services.audit's ERASURE_FIELD and MIGRATION_FIELD, written out: that module loads SQLAlchemy, this one must not)
_TRAIL_FIELDS = {IMPORT_FIELD: N_("Enregistrement de l'import"), "_effacement_rgpd": N_("Effacement (RGPD)"),
                 "_migration_v5": N_("Migration du journal")}


def _audit_field(value: Any) -> Any:
    if value is None:
        return None
    entity, _, name = str(value).partition("\x1f")
    if name in _TRAIL_FIELDS:
        return tr(_TRAIL_FIELDS[name])
    from . import fields  # the ORM, when first needed

    try:
        return fields.field_spec(entity, name).label
    except fields.UnknownField:
        return name


def _audit_entity(value: Any) -> Any:
    from portfolio.db.models import ENTITIES

    if value == IMPORT_TABLE:  # an import's own entry (services.import_batches)
        return tr("Import")
    model = ENTITIES.get(value)
    return tr(model.__label__) if model else value


_ENTITIES: dict[str, _Entity] = {}


def _audit_fields() -> list[tuple[Any, str]]:
    """Every field's name and label (the journal's "Champ" column is searched by its label)."""
    from portfolio.db.models import ENTITIES

    from . import fields  # the ORM, when first needed

    return [(spec.name, spec.label) for entity in ENTITIES for spec in fields.editable_fields(entity)]


def _status_label(value: Any) -> Any:
    """A status in the language shown (statuses are stored with their French label)."""
    return None if value is None else tr(str(value))


def _register(entity: _Entity) -> None:
    _ENTITIES[entity.name] = entity


_register(_Entity(
    "call", N_("Appels à projets"), "call",
    joins={"ac": _Join("LEFT JOIN action ac ON ac.id = t.action_id"),
           "ax": _Join("LEFT JOIN axis ax ON ax.id = ac.axis_id", ("ac",)),
           "op": _Join("LEFT JOIN operator op ON op.id = t.operator_id")},
    columns=(
        _col("code", N_("Code"), "text", "t.code", order="portfolio_fold(t.code)", field="code", width=130),
        _col("label", N_("Intitulé"), "text", "t.label", order="portfolio_fold(t.label)", field="label", width=340),
        _col("kind", N_("Type"), "text", "t.kind", order="portfolio_fold(t.kind)", field="kind", width=90),
        _col("axis", N_("Axe"), "text", "ax.code", order="portfolio_fold(ax.code)", joins=("ac", "ax"), width=60),
        _col("action", N_("Action"), "text", "ac.code", order="portfolio_fold(ac.code)", joins=("ac",),
             field="action_id", width=70),
        _col("operator", N_("Opérateur"), "text", "op.label", order="portfolio_fold(op.label)", joins=("op",),
             field="operator_id", width=150),
        _col("wave", N_("Vague"), "text", "t.wave", order="portfolio_fold(t.wave)", field="wave", width=70),
        _col("stage", N_("Étape"), "text", "t.stage", order="portfolio_fold(t.stage)", field="stage", width=70),
        _col("opens_on", N_("Ouverture"), "date", "t.opens_on", field="opens_on", width=100),
        _col("closes_on", N_("Clôture"), "date", "t.closes_on", field="closes_on", width=100),
        _col("budget", N_("Budget"), "money", "t.budget_cents", field="budget_cents", width=130),
        _col("applications", N_("Candidatures"), "int",
             "(SELECT count(*) FROM application a WHERE a.call_id = t.id)", width=100),
        _col("laureates", N_("Lauréats"), "int", "(SELECT count(*) FROM project p JOIN application a "
             "ON a.id = p.application_id WHERE a.call_id = t.id)", width=80),
    ),
    filters={
        "axis": _Filter(N_("Axe"), "t.action_id IN (SELECT id FROM action WHERE axis_id IN {values})", _axes),
        "operator": _Filter(N_("Opérateur"), "t.operator_id IN {values}", _operators),
    },
    search=("t.search_key" + _LIKE, "portfolio_fold(t.kind)" + _LIKE, "portfolio_fold(t.wave)" + _LIKE,
            "portfolio_fold(t.stage)" + _LIKE),
    search_values={"t.operator_id": _operators, "t.action_id": _action_codes,
                   "(SELECT axis_id FROM action WHERE id = t.action_id)": _axes},
))

_register(_Entity(
    "application", N_("Candidatures"), "application",
    joins={"c": _Join("LEFT JOIN call c ON c.id = t.call_id"),
           "o": _Join("LEFT JOIN organisation o ON o.id = t.lead_organisation_id"),
           "r": _Join("LEFT JOIN region r ON r.id = o.region_id", ("o",)),
           "s": _Join("LEFT JOIN status s ON s.id = t.status_id")},
    columns=(
        _col("acronym", N_("Acronyme"), "text", "t.acronym", order="t.acronym_key", field="acronym", width=110),
        _col("title", N_("Titre"), "text", "t.title", order="t.title_key", field="title", width=320),
        _col("call", N_("Appel"), "text", "c.code", order=_Rank("t.call_id", "call", "code"), joins=("c",),
             order_joins=(), field="call_id", width=130),
        _col("lead", N_("Porteur"), "text", "o.name", order="o.name_key", joins=("o",), field="lead_organisation_id",
             width=240),
        _col("region", N_("Région"), "text", "r.name", order=_Rank("o.region_id", "region", "name"), joins=("o", "r"),
             order_joins=("o",), width=170),
        _col("submitted_on", N_("Date de dépôt"), "date", "t.submitted_on", field="submitted_on", width=110),
        _col("requested", N_("Montant demandé"), "money", "t.requested_cents", field="requested_cents", width=140),
        _col("status", N_("Statut"), "text", "s.label", order=_Rank("t.status_id", "status", "label"), joins=("s",),
             order_joins=(), field="status_id", width=120, convert=_status_label),
    ),
    filters={
        "status": _Filter(N_("Statut"), "t.status_id IN {values}", _statuses("application")),
        "call": _Filter(N_("Appel"), "t.call_id IN {values}", _calls),
        "axis": _Filter(N_("Axe"), "t.call_id IN " + _CALLS_OF_AXES, _axes),
        "region": _Filter(N_("Région"), "t.lead_organisation_id " + _ORG_REGION, _regions),
        "year": _Filter(N_("Année de dépôt"), "CAST(substr(CAST(t.submitted_on AS TEXT), 1, 4) AS INTEGER) IN {values}",
                        _years("application", "submitted_on")),
    },
    search=("t.search_key" + _LIKE, "t.lead_organisation_id IN " + _ORG_NAMED),
    search_values={"t.call_id": _calls, _LEAD_REGION: _regions, "t.status_id": _statuses("application")},
))

_register(_Entity(
    "project", N_("Projets lauréats"), "project",
    joins={"a": _Join("LEFT JOIN application a ON a.id = t.application_id"),
           "c": _Join("LEFT JOIN call c ON c.id = a.call_id", ("a",)),
           "o": _Join("LEFT JOIN organisation o ON o.id = a.lead_organisation_id", ("a",)),
           "r": _Join("LEFT JOIN region r ON r.id = o.region_id", ("o",)),
           "s": _Join("LEFT JOIN status s ON s.id = t.status_id")},
    columns=(
        _col("acronym", N_("Acronyme"), "text", "a.acronym", order="a.acronym_key", joins=("a",), width=110),
        _col("title", N_("Titre"), "text", "a.title", order="a.title_key", joins=("a",), width=300),
        _col("call", N_("Appel"), "text", "c.code", order=_Rank("a.call_id", "call", "code"), joins=("a", "c"),
             order_joins=("a",), width=130),
        _col("lead", N_("Porteur"), "text", "o.name", order="o.name_key", joins=("a", "o"), width=240),
        _col("region", N_("Région"), "text", "r.name", order=_Rank("o.region_id", "region", "name"),
             joins=("a", "o", "r"), order_joins=("a", "o"), width=170),
        _col("decision_on", N_("Date de décision"), "date", "t.decision_on", field="decision_on", width=110),
        _col("agreement_on", N_("Date de convention"), "date", "t.agreement_on", field="agreement_on", width=120),
        _col("status", N_("Statut"), "text", "s.label", order=_Rank("t.status_id", "status", "label"), joins=("s",),
             order_joins=(), field="status_id", width=120, convert=_status_label),
        _col("committed", N_("Aide engagée"), "money",
             "(SELECT coalesce(sum(grant_cents + advance_cents), 0) FROM aid WHERE aid.project_id = t.id)",
             width=140),
        _col("disbursed", N_("Décaissé"), "money", "(SELECT coalesce(sum(amount_cents), 0) FROM disbursement d "
             "WHERE d.project_id = t.id AND d.paid_on IS NOT NULL)", width=140),
    ),
    filters={
        "status": _Filter(N_("Statut"), "t.status_id IN {values}", _statuses("project")),
        "call": _Filter(N_("Appel"), "t.application_id IN (SELECT id FROM application WHERE call_id IN {values})",
                        _calls),
        "axis": _Filter(N_("Axe"), "t.application_id IN (SELECT id FROM application WHERE call_id IN "
                        + _CALLS_OF_AXES + ")", _axes),
        "region": _Filter(N_("Région"), "t.application_id IN (SELECT id FROM application WHERE lead_organisation_id "
                          + _ORG_REGION + ")", _regions),
        "year": _Filter(N_("Année de décision"),
                        "CAST(substr(CAST(t.decision_on AS TEXT), 1, 4) AS INTEGER) IN {values}",
                        _years("project", "decision_on")),
        "operator": _Filter(N_("Opérateur"), "t.application_id IN (SELECT id FROM application WHERE call_id IN "
                            + _CALLS_OF_OPERATORS + ")", _operators),
    },
    search=("t.application_id IN (SELECT id FROM application WHERE search_key" + _LIKE
            + " OR lead_organisation_id IN " + _ORG_NAMED + ")",),
    search_values={_PROJECT_CALL: _calls, _PROJECT_REGION: _regions, "t.status_id": _statuses("project")},
))

_register(_Entity(
    "organisation", N_("Structures"), "organisation",
    joins={"ty": _Join("LEFT JOIN typology ty ON ty.id = t.typology_id"),
           "r": _Join("LEFT JOIN region r ON r.id = t.region_id"),
           "d": _Join("LEFT JOIN department d ON d.id = t.department_id")},
    columns=(
        # names that fold alike are told apart by the rest of their searchable text, then by id
        _col("name", N_("Raison sociale"), "text", "t.name", order=("t.name_key", "t.search_key"), field="name",
             width=300, search_in_order=True),
        _col("siren", N_("SIREN"), "text", "t.siren", field="siren", width=100),
        _col("siret", N_("SIRET"), "text", "t.siret", field="siret", width=130),
        _col("typology", N_("Typologie"), "text", "ty.label", order=_Rank("t.typology_id", "typology", "label"),
             joins=("ty",), order_joins=(), field="typology_id", width=170),
        _col("region", N_("Région"), "text", "r.name", order=_Rank("t.region_id", "region", "name"), joins=("r",),
             order_joins=(), field="region_id", width=180),
        _col("department", N_("Département"), "text", "d.code", order=_Rank("t.department_id", "department", "code"),
             joins=("d",), order_joins=(), field="department_id", width=100),
        _col("city", N_("Ville"), "text", "t.city", order="t.city_key", field="city", width=160),
    ),
    filters={
        "typology": _Filter(N_("Typologie"), "t.typology_id IN {values}", _typologies),
        "region": _Filter(N_("Région"), "t.region_id IN {values}", _regions),
    },
    search=("t.search_key" + _LIKE,),
    search_values={"t.typology_id": _typologies, "t.department_id": _department_codes},
))

_register(_Entity(
    "contact", N_("Contacts"), "contact",
    joins={"o": _Join("LEFT JOIN organisation o ON o.id = t.organisation_id")},
    columns=(
        _col("last_name", N_("Nom"), "text", "t.last_name", order="t.last_name_key", field="last_name", width=150),
        _col("first_name", N_("Prénom"), "text", "t.first_name", order="t.first_name_key", field="first_name",
             width=130),
        _col("organisation", N_("Structure"), "text", "o.name", order="o.name_key", joins=("o",),
             field="organisation_id", width=260),
        _col("role", N_("Fonction"), "text", "t.role", order="portfolio_fold(t.role)", field="role", width=180),
        _col("email", N_("Courriel"), "text", "t.email", order="portfolio_fold(t.email)", field="email", width=240),
        _col("phone", N_("Téléphone"), "text", "t.phone", order="portfolio_fold(t.phone)", field="phone", width=130),
    ),
    filters={
        "typology": _Filter(N_("Typologie de la structure"), "t.organisation_id " + _ORG_TYPOLOGY, _typologies),
        "region": _Filter(N_("Région de la structure"), "t.organisation_id " + _ORG_REGION, _regions),
    },
    search=("t.search_key" + _LIKE, "t.organisation_id IN " + _ORG_NAMED, "portfolio_fold(t.phone)" + _LIKE),
))

_register(_Entity(
    "disbursement", N_("Versements"), "disbursement",
    joins={"p": _Join("LEFT JOIN project p ON p.id = t.project_id"),
           "a": _Join("LEFT JOIN application a ON a.id = p.application_id", ("p",)),
           "o": _Join("LEFT JOIN organisation o ON o.id = t.organisation_id")},
    columns=(
        _col("project", N_("Projet"), "text", "a.acronym", order="a.acronym_key", joins=("p", "a"), field="project_id",
             width=110),
        _col("beneficiary", N_("Bénéficiaire"), "text", "o.name", order="o.name_key", joins=("o",),
             field="organisation_id", width=260),
        _col("label", N_("Tranche"), "text", "t.label", order="portfolio_fold(t.label)", field="label", width=180),
        _col("planned_on", N_("Date prévue"), "date", "t.planned_on", field="planned_on", width=110),
        _col("paid_on", N_("Date de paiement"), "date", "t.paid_on", field="paid_on", width=120),
        _col("amount", N_("Montant"), "money", "t.amount_cents", field="amount_cents", width=130),
        _col("state", N_("État"), "text", STATE_SQL,
             order=f"CASE {STATE_SQL} {_rank_label(DISBURSEMENT_STATES)} END",
             convert=lambda v: None if v is None else tr(DISBURSEMENT_STATES[v]), width=90),
    ),
    filters={
        "state": _Filter(N_("État"), STATE_SQL + " IN {values}", _constant(*DISBURSEMENT_STATES.items())),
    },
    search=(_PROJECT_WORD.format(fk="t.project_id", w="{w}"), "t.organisation_id IN " + _ORG_NAMED,
            "portfolio_fold(t.label)" + _LIKE),
    search_values={STATE_SQL: _constant(*DISBURSEMENT_STATES.items())},  # "payé", "en retard"
))

_register(_Entity(
    "milestone", N_("Jalons"), "milestone",
    joins={"p": _Join("LEFT JOIN project p ON p.id = t.project_id"),
           "a": _Join("LEFT JOIN application a ON a.id = p.application_id", ("p",)),
           "s": _Join("LEFT JOIN status s ON s.id = t.status_id")},
    columns=(
        _col("project", N_("Projet"), "text", "a.acronym", order="a.acronym_key", joins=("p", "a"), field="project_id",
             width=110),
        _col("title", N_("Intitulé"), "text", "t.title", order="t.title_key", field="title", width=300),
        _col("due_on", N_("Échéance"), "date", "t.due_on", field="due_on", width=110),
        _col("done_on", N_("Réalisé le"), "date", "t.done_on", field="done_on", width=110),
        _col("status", N_("Statut"), "text", "s.label", order=_Rank("t.status_id", "status", "label"), joins=("s",),
             order_joins=(), field="status_id", width=110, convert=_status_label),
        _col("overdue", N_("En retard"), "bool", _OVERDUE_SQL, width=80),
    ),
    filters={
        "status": _Filter(N_("Statut"), "t.status_id IN {values}", _statuses("milestone")),
        "overdue": _Filter(N_("En retard"), _OVERDUE_SQL + " IN {values}",
                           _constant((True, N_("Oui")), (False, N_("Non")))),
    },
    search=("t.search_key" + _LIKE, _PROJECT_WORD.format(fk="t.project_id", w="{w}")),
    search_values={"t.status_id": _statuses("milestone")},
))

_register(_Entity(
    "audit", N_("Journal des modifications"), "audit_entry", key="seq",
    joins={},
    columns=(
        _col("seq", N_("N°"), "int", "t.seq", width=80),
        _col("at", N_("Date"), "datetime", "t.at_utc", width=150),
        _col("actor", N_("Auteur"), "text", "t.actor", sortable=False, width=140),
        # an import's row with its file (services.import_batches: the entries name only their row)
        _col("source", N_("Source"), "text", source_sql("t.source", "t.batch"), sortable=False, width=140),
        _col("operation", N_("Opération"), "text", "t.operation", sortable=False, width=110,
             convert=lambda v: tr(OPERATIONS.get(v, v))),
        _col("entity", N_("Type"), "text", "t.entity", sortable=False, width=140, convert=_audit_entity),
        # the record's name and the values as the editor shows them: made readable a page at a time
        # (services.journal), from the raw entity, UUID and JSON values read here
        _col("record", N_("Enregistrement"), "text", "t.entity || '\x1f' || t.record_uuid", sortable=False,
             width=260),
        _col("field", N_("Champ"), "text",
             "CASE WHEN t.field IS NULL THEN NULL ELSE t.entity || '\x1f' || t.field END", sortable=False,
             width=150, convert=_audit_field),
        _col("old", N_("Ancienne valeur"), "text", "t.operation || '\x1f' || coalesce(t.field, '') || '\x1f' || "
             "coalesce(t.old_value, '')", sortable=False, width=200),
        _col("new", N_("Nouvelle valeur"), "text", "t.operation || '\x1f' || coalesce(t.field, '') || '\x1f' || "
             "coalesce(t.new_value, '')", sortable=False, width=200),
        _col("uuid", N_("Identifiant de l'enregistrement"), "text", "t.record_uuid", sortable=False, width=280,
             hidden=True),
    ),
    filters={
        # (the values are sources, or the batches of imports: _audit_sources)
        "source": _Filter(N_("Source"), "(t.source IN {values} OR t.batch IN {values})", _audit_sources),
        "actor": _Filter(N_("Auteur"), "t.actor IN {values}", _audit_distinct("actor")),
        "entity": _Filter(N_("Type d'enregistrement"), "t.entity IN {values}", _audit_entities),
        "operation": _Filter(N_("Opération"), "t.operation IN {values}", _constant(*OPERATIONS.items())),
        "month": _Filter(N_("Mois"), "substr(t.at_utc, 1, 7) IN {values}", _months("audit_entry", "at_utc")),
    },
    search=("t.record_uuid" + _LIKE,
            *(f"(t.entity = '{entity}' AND t.record_uuid IN (SELECT uuid FROM {entity} WHERE search_key" + _LIKE
              + "))" for entity in ("call", "application", "organisation", "contact", "milestone")),
            "(t.entity = 'project' AND t.record_uuid IN (SELECT p.uuid FROM project p JOIN application a ON "
            "a.id = p.application_id WHERE a.search_key" + _LIKE + "))",
            # an import's entries by its file's name (they name only their row: services.import_batches)
            "t.batch IN (SELECT batch FROM import_batch WHERE portfolio_fold(file_name)" + _LIKE + ")"),
    search_values={"t.source": _audit_distinct("source"), "t.actor": _audit_distinct("actor"),
                   "t.operation": _constant(*OPERATIONS.items()), "t.entity": _audit_entities,
                   "t.field": lambda _reader: _audit_fields()},
    searched=("actor", "source", "operation", "entity", "record", "field"),
    newest_first=True,
))

# The search dialog's groups, and how each names its hits: title, subtitle parts (SQL, kind), joins.
_HITS: dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "call": ("t.code || ' — ' || t.label", (("op.label", "text"),), ("op",)),
    "application": ("CASE WHEN t.acronym <> '' THEN t.acronym || ' — ' || t.title ELSE t.title END",
                    (("c.code", "text"), ("o.name", "text"), ("s.label", "text")), ("c", "o", "s")),
    "project": ("CASE WHEN a.acronym <> '' THEN a.acronym || ' — ' || a.title ELSE a.title END",
                (("c.code", "text"), ("o.name", "text"), ("s.label", "text")), ("a", "c", "o", "s")),
    "organisation": ("t.name", (("t.siret", "text"), ("t.city", "text"), ("r.name", "text")), ("r",)),
    "contact": ("trim(t.first_name || ' ' || t.last_name)", (("t.role", "text"), ("o.name", "text")), ("o",)),
    "milestone": ("t.title", (("a.acronym", "text"), ("t.due_on", "date"), ("s.label", "text")), ("p", "a", "s")),
}


# --- the API -----------------------------------------------------------------------------------------


def _entity(entity: str) -> _Entity:
    try:
        return _ENTITIES[entity]
    except KeyError:
        raise ValueError(f"not a listable entity: {entity!r}") from None


def entities() -> list[str]:
    """The listable entities, in navigation order."""
    return list(_ENTITIES)


def entity_label(entity: str) -> str:
    """The French name of a list ("Structures", "Candidatures"…)."""
    return tr(_entity(entity).label)


def columns(entity: str) -> list[Column]:
    """The columns of an entity's list, in display order."""
    return [replace(c.column, label=tr(c.column.label)) for c in _entity(entity).columns]


def list_title(entity: str) -> str:
    """The French title of an entity's list ("Journal des modifications")."""
    return tr(_entity(entity).label)


def opens_newest_first(entity: str) -> bool:
    """Whether the list opens sorted by its first column, descending (the journal: the last change on top)."""
    return _entity(entity).newest_first


def search_hint(entity: str) -> str:
    """The filter field's placeholder: the columns of the list a word is looked for in (its text columns)."""
    spec = _entity(entity)
    shown = [tr(col.column.label).lower() for col in spec.columns
             if (col.column.key in spec.searched if spec.searched is not None else col.column.kind == "text")]
    return tr("Filtrer : {columns}", columns=", ".join(shown))


def filter_keys(entity: str) -> list[tuple[str, str]]:
    """The filters of an entity's list: (key, French label)."""
    return [(key, tr(f.label)) for key, f in _entity(entity).filters.items()]


def filter_options(session: Reader, entity: str, key: str) -> list[tuple[Any, str]]:
    """The values a filter offers: (value, French label), in display order."""
    spec = _entity(entity)
    if key not in spec.filters:
        raise ValueError(f"no filter {key!r} on {entity!r}")
    return spec.filters[key].options(session)


def names_reference(word: str, label: str) -> bool:
    """Whether a typed word names a small reference (a region, a status, a code): it begins one of its label's
    words ("bret", "pme", "a3"), or is one of them whole when it is a single character ("3" of "A3.3"). One typed
    letter beginning half the labels would only slow every keystroke of a long list."""
    return any(part == word or (len(word) > 1 and part.startswith(word)) for part in fold(label).split())


def search_words(text: str) -> list[str]:
    """The folded words of a search text (punctuation, % and _ included, separates words)."""
    return fold(text or "").split()


def like_pattern(word: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching ``word`` anywhere."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _joins(spec: _Entity, aliases: set[str]) -> str:
    needed: set[str] = set()

    def add(alias: str) -> None:
        if alias not in needed:
            needed.add(alias)
            for required in spec.joins[alias].requires:
                add(required)

    for alias in aliases:
        add(alias)
    return " ".join(join.sql for alias, join in spec.joins.items() if alias in needed)


def _conditions(session: Reader, spec: _Entity, query: ListQuery, params: dict[str, Any]) -> list[str]:
    conditions = []
    dialect = dialect_of(raw_connection(session))
    distinct = {column: values(session) for column, values in spec.search_values.items()} if query.search else {}
    for index, word in enumerate(search_words(query.search)):
        name = f"w{index}"
        params[name] = like_pattern(word)
        alternatives = [alternative.replace("{w}", f":{name}") for alternative in spec.search]
        for column, values in distinct.items():  # "demo" finds the source "démo"
            matching = [value for value, label in values if names_reference(word, label)]
            if matching:
                key = f"{name}_v{len(params)}"
                params[key] = dialect.list_value(matching)
                alternatives.append(f"{column} {dialect.in_list(key)}")
        conditions.append(alternatives[0] if len(alternatives) == 1 else "(" + " OR ".join(alternatives) + ")")
    for key, allowed in query.filters.items():
        if key not in spec.filters:
            raise ValueError(f"no filter {key!r} on {spec.name!r}")
        if not allowed:
            continue  # nothing chosen: the filter is off
        name = f"f_{key}"
        params[name] = dialect.list_value(allowed)
        conditions.append(spec.filters[key].condition.replace("IN {values}", dialect.in_list(name)))
    return conditions


def _sort_column(spec: _Entity, key: str) -> _Col:
    for col in spec.columns:
        if col.column.key == key:
            if not col.column.sortable:
                raise ValueError(f"column {key!r} of {spec.name!r} is not sortable")
            return col
    raise ValueError(f"no column {key!r} on {spec.name!r}")


def _ranking(cursor: Any, rank: _Rank) -> list[int]:
    """The referred table's ids in the folded order of their labels (then by id)."""
    rows = cursor.execute(f"SELECT id, {rank.label} FROM {rank.table}").fetchall()
    return [i for i, _ in sorted(rows, key=lambda r: (fold(str(r[1] or "")), r[0]))]


def _cursor(reader: Reader) -> Any:
    """A DB-API cursor of the reader's connection (inside its transaction)."""
    return raw_connection(reader).cursor()


def query_ids(session: Reader, query: ListQuery) -> list[int]:
    """The ids (for the audit trail, sequence numbers) of the records the query shows, in display order."""
    spec = _entity(query.entity)
    params: dict[str, Any] = {"today": today().isoformat()}
    conditions = _conditions(session, spec, query, params)
    descending = query.descending
    key = f"t.{spec.key}"
    cursor = _cursor(session)
    dialect = dialect_of(cursor)
    col = _sort_column(spec, query.sort) if query.sort else None
    order = col.order if col and col.order is not None else (col.value if col else None)
    aliases: set[str] = set(col.order_joins) if col else set()
    if isinstance(order, _Rank):
        ranking = _ranking(cursor, order)
        fk = order.fk[2:] if order.fk.startswith("t.") else None
        if not conditions and fk:  # by group on the reference's index: no sort at all
            return _ids_by_group(cursor, spec, fk, ranking, descending)
        # the ranking as text ',7,3,12,': a record's place in it follows its reference's rank (NULL: none)
        params["ranking"] = "," + ",".join(map(str, ranking)) + ","
        terms = [dialect.position(f"',' || {order.fk} || ','", ":ranking")]
    elif order is not None:
        # with a WHERE clause, '+' keeps SQLite from walking a sort index and looking every row up: filtering
        # first, then sorting what is left, is faster whatever the filter keeps; unless the index walked
        # holds the search key too and the search is the only condition
        walk = not conditions or (col is not None and col.search_in_order and not any(query.filters.values()))
        terms = [f"({expr})" if walk else dialect.unindexed(expr)
                 for expr in ((order,) if isinstance(order, str) else order)]
    else:
        terms = []
    sql = (f"SELECT {key} FROM {spec.table} t {_joins(spec, aliases)}"
           + (" WHERE " + " AND ".join(conditions) if conditions else "")
           + " ORDER BY " + ", ".join(sort_term(term, descending) for term in [*terms, key]))
    return [row[0] for row in cursor.execute(sql, params)]


def _ids_by_group(cursor: Any, spec: _Entity, fk: str, ranking: list[int], descending: bool) -> list[int]:
    """Ids sorted by a small reference's label, one indexed query per referred record, in ranking order
    (records without a reference first, last when descending)."""
    direction = " DESC" if descending else ""
    by_group = f"SELECT id FROM {spec.table} WHERE {fk} = ? ORDER BY id{direction}"
    ids: list[int] = []
    none = [row[0] for row in cursor.execute(
        f"SELECT id FROM {spec.table} WHERE {fk} IS NULL ORDER BY id{direction}")]
    if not descending:
        ids.extend(none)
    for ref in (reversed(ranking) if descending else ranking):
        ids += [row[0] for row in cursor.execute(by_group, (ref,))]
    if descending:
        ids.extend(none)
    return ids


def _convert(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if kind == "bool":
        return bool(value)
    if kind in ("money", "int"):
        return int(value)
    return value


def fetch_rows(session: Reader, entity: str, ids: Sequence[int]) -> dict[int, tuple[Any, ...]]:
    """The rows of these records: id -> one raw value per column of ``columns(entity)`` (money in int cents,
    dates as dates, None for no value). Ids that no longer exist are left out."""
    spec = _entity(entity)
    if not ids:
        return {}
    aliases = {alias for col in spec.columns for alias in col.joins}
    values = ", ".join(col.value for col in spec.columns)
    key = f"t.{spec.key}"
    cursor = _cursor(session)
    dialect = dialect_of(cursor)
    sql = (f"SELECT {key}, {values} FROM {spec.table} t {_joins(spec, aliases)} WHERE {key} {dialect.in_list('ids')}")
    params = {"ids": dialect.list_value(int(i) for i in ids), "today": today().isoformat()}
    result: dict[int, tuple[Any, ...]] = {}
    for row in cursor.execute(sql, params):
        result[row[0]] = tuple(
            col.convert(value) if col.convert else _convert(col.column.kind, value)
            for col, value in zip(spec.columns, row[1:], strict=True))
    return _readable_journal(session, result) if entity == "audit" else result


def _readable_journal(session: Reader, rows: dict[int, tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    """The journal's record column as the record's name, its values as the editor shows them."""
    from .journal import readable_values, record_names

    keys = [c.column.key for c in _ENTITIES["audit"].columns]
    record, old, new = keys.index("record"), keys.index("old"), keys.index("new")
    pairs = {tuple(str(row[record]).split("\x1f", 1)) for row in rows.values()}
    names = record_names(session, {(e, u) for e, u in pairs})
    readable: dict[int, tuple[Any, ...]] = {}
    for seq, row in rows.items():
        values = list(row)
        entity, uuid = str(row[record]).split("\x1f", 1)
        values[record] = names.get((entity, uuid), uuid)
        for index in (old, new):
            operation, field, raw = str(row[index]).split("\x1f", 2)
            values[index] = readable_values(session, entity, operation, field or None, raw or None)
        readable[seq] = tuple(values)
    return readable


def record_uuid(session: Reader, entity: str, id: int) -> str:
    """The UUID of a listed record (for an audit entry, the UUID of the record it is about)."""
    spec = _entity(entity)
    column = "record_uuid" if entity == "audit" else "uuid"
    row = raw_connection(session).execute(f"SELECT {column} FROM {spec.table} WHERE {spec.key} = :id",
                                          {"id": id}).fetchone()
    found = row[0] if row else None
    if found is None:
        raise LookupError(f"no {entity} with id {id}")
    return str(found)


def search_all(session: Reader, text: str, limit: int = 8) -> list[tuple[str, list[SearchHit]]]:
    """The global search: up to ``limit`` records per entity whose search key holds every word of the text,
    grouped by entity in navigation order (empty groups left out). Within a group, records whose key starts
    with the first word come first, then those with a word starting with it, then the others."""
    words = search_words(text)
    if not words:
        return []
    first = like_pattern(words[0])[1:]  # the first word, escaped, followed by '%'
    groups: list[tuple[str, list[SearchHit]]] = []
    for entity in entities():
        if entity not in _HITS:
            continue
        spec = _ENTITIES[entity]
        title, parts, aliases = _HITS[entity]
        params: dict[str, Any] = {"limit": int(limit), "first": first, "inner": "% " + first}
        key = "a.search_key" if entity == "project" else "t.search_key"  # the record's own key only
        conditions = []
        for index, word in enumerate(words):
            params[f"w{index}"] = like_pattern(word)
            conditions.append(f"{key} LIKE :w{index} ESCAPE '\\'")
        subtitle = ", ".join(sql for sql, _ in parts)
        sql = (f"SELECT t.id, t.uuid, {title}, {subtitle} FROM {spec.table} t {_joins(spec, set(aliases))} "
               f"WHERE {' AND '.join(conditions)} ORDER BY CASE WHEN {key} LIKE :first ESCAPE '\\' THEN 0 "
               f"WHEN {key} LIKE :inner ESCAPE '\\' THEN 1 ELSE 2 END, {key}, t.id LIMIT :limit")
        hits = [SearchHit(entity, int(row[0]), str(row[1]), str(row[2] or ""), _subtitle(parts, row[3:]))
                for row in raw_connection(session).execute(sql, params)]
        if hits:
            groups.append((entity, hits))
    return groups


def search_total(session: Reader, entity: str, text: str) -> int:
    """How many records of ``entity`` the global search finds for ``text`` (it shows the first few only)."""
    words = search_words(text)
    spec = _ENTITIES[entity]
    _title, _parts, aliases = _HITS[entity]
    key = "a.search_key" if entity == "project" else "t.search_key"
    params = {f"w{index}": like_pattern(word) for index, word in enumerate(words)}
    conditions = " AND ".join(f"{key} LIKE :w{index} ESCAPE '\\'" for index in range(len(words))) or "1 = 1"
    sql = f"SELECT count(*) FROM {spec.table} t {_joins(spec, set(aliases))} WHERE {conditions}"
    return int(raw_connection(session).execute(sql, params).fetchone()[0])


def _subtitle(parts: tuple[tuple[str, str], ...], values: Sequence[Any]) -> str:
    shown = []
    for (_, kind), value in zip(parts, values, strict=True):
        if value is None or value == "":
            continue
        shown.append(format_date(_convert("date", value)) if kind == "date" else str(value))
    return " · ".join(shown)
