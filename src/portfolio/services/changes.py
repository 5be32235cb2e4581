"""The one door for every change to the data.

A screen edit, an import, a sync and an undo all become a list of changes (field changes, creations,
deletions, and the rows of the side tables an operation keeps beside the records: ``SideRows``) applied by
``apply_changes`` in one write transaction (BEGIN IMMEDIATE), which checks that every old value still holds,
and writes the audit entries in the same transaction. It also keeps the keys
derived from the values (search keys, folded sort keys: services.keys) in that transaction, unaudited.
Nothing else in the application writes to the portfolio's tables.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, func, select
from sqlalchemy import delete as sql_delete
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portfolio.db.models import AuditEntry, IdHighWater, new_uuid
from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import tr

from . import fields
from .audit import AUDIT_COLUMNS, chain_head, dump_value, new_salt, values_hash
from .keys import KeyMaker, is_key_source, referrers

# --- the changes ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """Set ``field`` of the record ``uuid`` from ``old`` (which must still hold) to ``new``."""

    entity: str
    uuid: str
    field: str
    old: Any
    new: Any
    expected_version: int | None = None  # when given, the record's row_version must still be this


@dataclass(frozen=True)
class Create:
    """Create a record with these field values (``id`` may be given, e.g. to restore a deleted record).

    ``checked``: every value is already in the form ``fields.normalise`` gives it (an import's plan normalises
    each value when it plans it, to reject its row then rather than fail at apply time); the door does not
    normalise them a second time, but still refuses a missing required value, an unknown field or status,
    and the database its constraints."""

    entity: str
    uuid: str
    values: Mapping[str, Any]
    id: int | None = None
    synthetic: bool = False  # demo records are marked synthetic
    checked: bool = False


@dataclass(frozen=True)
class Delete:
    """Delete a record whose fields must still hold ``values`` (kept to undo the deletion)."""

    entity: str
    uuid: str
    values: Mapping[str, Any]
    id: int | None = None
    synthetic: bool = False


# The tables an operation keeps beside the records, written through the door so that an undo step puts them back
# exactly with the records: table -> (the key columns a ``SideRows`` names, the other columns it replaces).
# Not records: no fields, no audit entries (the trail says what happened to the records, the batch ties them).
SIDE_TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # the base of an agency's merge: the values of each record as the agency last saw them
    "export_row": (("export_uuid", "entity", "record_uuid"), ("sent_values",)),
    # an export's conflicts, waiting or settled
    "sync_conflict": (("export_uuid",), ("id", "file_name", "entity", "record_uuid", "field", "base", "mine", "theirs",
                                         "found_utc", "settled_utc", "decision", "settled_by")),
    # a document's bytes, beside its record (services.documents): attached and removed with it
    "document_content": (("document_uuid",), ("content",)),
}


@dataclass(frozen=True)
class SideRows:
    """Replace the rows of the side table ``table`` (SIDE_TABLES) that ``key`` selects: ``old`` (the other
    columns' values, any order) must be what is stored, else StaleChangeError; ``new`` is put in their place."""

    table: str
    key: tuple[Any, ...]
    old: tuple[tuple[Any, ...], ...]
    new: tuple[tuple[Any, ...], ...]

    @property
    def entity(self) -> str:
        """No record type: the views have nothing to refresh for state kept beside the records."""
        return ""


Change = FieldChange | Create | Delete | SideRows


class ChangeRefused(PortfolioError):
    """The list of changes was refused as a whole; nothing was written."""


@dataclass(frozen=True)
class Conflict:
    """A change whose old value no longer holds: what the caller expected and what is stored now."""

    change: Change
    field: str
    expected: Any
    current: Any


class StaleChangeError(ChangeRefused):
    """Someone else changed the data meanwhile; ``conflicts`` lists each field with both values."""

    def __init__(self, message: str, conflicts: list[Conflict]) -> None:
        super().__init__(message)
        self.conflicts = conflicts


@dataclass
class ApplyResult:
    """What one call of the door did."""

    batch: str
    audit_entries: int
    created_ids: dict[str, int] = field(default_factory=dict)  # uuid -> id of each created record
    inverse: list[Change] = field(default_factory=list)  # applying it undoes this batch


def current_actor() -> str:
    """Who is making changes: PORTFOLIO_ACTOR, else the operating-system user."""
    actor = os.environ.get("PORTFOLIO_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no user name on some locked-down systems
        return "inconnu"


def session_actor(session: Session, given: str | None = None) -> str:
    """Who the trail names: on a team's server, the role connected (the server refuses any other name: an officer
    cannot write in a colleague's name); on a file, ``given``, else PORTFOLIO_ACTOR or the system user."""
    if session.get_bind().dialect.name == "postgresql":
        return str(session.connection().exec_driver_sql("SELECT session_user").scalar_one())
    return given or current_actor()


def invert(changes: Sequence[Change]) -> list[Change]:
    """The changes that undo ``changes`` (in reverse order)."""
    result: list[Change] = []
    for change in reversed(changes):
        if isinstance(change, FieldChange):
            result.append(FieldChange(change.entity, change.uuid, change.field, change.new, change.old))
        elif isinstance(change, SideRows):
            result.append(SideRows(change.table, change.key, change.new, change.old))
        elif isinstance(change, Create):
            result.append(Delete(change.entity, change.uuid, dict(change.values), change.id, change.synthetic))
        else:
            result.append(Create(change.entity, change.uuid, dict(change.values), change.id, change.synthetic))
    return result


# --- the door ---------------------------------------------------------------------------------------


def apply_changes(db: Store, changes: Sequence[Change], *, source: str, actor: str | None = None) -> ApplyResult:
    """Applies every change in one transaction with its audit entries, or none of them.

    Raises StaleChangeError when an old value no longer holds, InvalidValue for a value a field refuses,
    ChangeRefused for anything else the data does not allow (a missing record, a broken reference).
    """
    with db.write() as session:
        return apply_in_session(session, changes, source=source, actor=actor)


def apply_in_session(session: Session, changes: Iterable[Change], *, source: str,
                     actor: str | None = None, sources: Mapping[tuple[str, str], str] | None = None,
                     keep_inverse: bool = True,
                     field_sources: Mapping[tuple[str, str, str | None], str] | None = None) -> ApplyResult:
    """The door inside a write session the caller already holds (for an import that reads, plans and
    applies in one transaction). The caller's transaction decides commit or rollback.

    ``sources``: a finer audit source per record, (entity, uuid) -> source (an import's file, sheet and row);
    the records it does not name get ``source``. Either way the changes form one batch.
    ``field_sources``: finer still, (entity, uuid, field) -> source, the field None for a creation or a deletion (a
    replica's changes: each entry names the laptop's entry it comes from, services.replicas).

    ``keep_inverse=False``: no ``ApplyResult.inverse`` nor ``created_ids`` (a command-line import of 100,000
    rows would hold a copy of every record for an undo step nobody takes; its undo is rebuilt from the audit
    trail)."""
    writer = _Writer(session, source=source, actor=session_actor(session, actor), sources=sources)
    writer.keep_inverse = keep_inverse
    writer.field_sources = field_sources or {}
    try:
        with session.begin_nested():
            for run in _runs(changes):
                writer.apply_run(run)
            writer.flush_audit()
    except IntegrityError as exc:
        raise ChangeRefused(_integrity_message(exc)) from exc
    return writer.result


def append_audit_entries(session: Session, entries: Sequence[tuple[str, str, str, Any]], *, source: str,
                         actor: str | None = None, batch: str | None = None) -> list[int]:
    """Audit entries for acts on the trail itself rather than changes of fields (an erasure: services.gdpr; an
    import's record: services.import_batches), each ``(entity, record uuid, field, new value)``, written and
    chained by the door's own writer as one batch in the caller's transaction (``batch``: that of the changes
    they belong to, else a new one); their sequence numbers."""
    writer = _Writer(session, source=source, actor=session_actor(session, actor))
    if batch is not None:
        writer.batch = writer.result.batch = batch
    seqs = []
    for entity, record_uuid, field_name, new in entries:
        writer.audit("update", entity, record_uuid, field_name, None, new)
        seqs.append(writer.seq)
    writer.flush_audit()
    return seqs


def _insert_values(session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Inserts rows given as values in ``columns`` order by the DB-API's executemany, inside the session's
    transaction (SQLAlchemy's insert() compiles parameters row by row: on an import of 100,000 rows that cost
    more than SQLite's own work); a constraint failure raises SQLAlchemy's IntegrityError, as an ORM insert
    would."""
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    _raw(session, sql, rows, many=True)


def _raw(session: Session, sql: str, parameters: Any, many: bool = False) -> None:
    """Runs SQL through the DB-API inside the session's transaction; a constraint failure raises SQLAlchemy's
    IntegrityError, as the ORM would."""
    connection = raw_connection(session)
    try:
        if many:
            connection.executemany(sql, parameters)
        else:
            connection.execute(sql, parameters)
    except Exception as exc:  # the driver's IntegrityError: sqlite3's, or psycopg's on a server (team mode)
        if any(kind.__name__ == "IntegrityError" for kind in type(exc).__mro__):
            raise IntegrityError(sql, None, exc) from exc
        raise


def _date_columns(table: Any) -> frozenset[str]:
    return frozenset(c.name for c in table.columns if isinstance(c.type, Date | DateTime))


def _sql_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's DateTime on SQLite
    if isinstance(value, date):
        return value.isoformat()
    return value


def _integrity_message(exc: IntegrityError) -> str:
    detail = str(exc.orig)
    unique = re.search(r"Key \((\w+)\)=\(", detail)  # a server's words (team mode)
    if "FOREIGN KEY" in detail or "foreign key constraint" in detail:
        return tr("Modification refusée : un enregistrement ferait référence à un enregistrement qui n'existe "
                  "pas, ou un enregistrement encore utilisé ailleurs serait supprimé. Rien n'a été modifié.")
    if "UNIQUE" in detail or "unique constraint" in detail:
        column = unique.group(1) if unique else detail.rsplit(".", 1)[-1]
        return tr("Modification refusée : la valeur de « {column} » existe déjà. Rien n'a été modifié.",
                  column=column)
    return tr("Modification refusée par la base ({detail}). Rien n'a été modifié.", detail=detail)


def _runs(changes: Iterable[Change]) -> Iterable[list[Change]]:
    """Consecutive changes of the same kind and entity, so creations can be inserted many at a time."""
    run: list[Change] = []
    for change in changes:
        if run and (type(change) is not type(run[0]) or change.entity != run[0].entity):
            yield run
            run = []
        run.append(change)
    if run:
        yield run


class _Writer:
    """Applies runs of changes and accumulates their audit entries."""

    AUDIT_BATCH = 5000
    INSERT_BATCH = 20_000  # records inserted at a time by a run of creations
    keep_inverse = True
    field_sources: Mapping[tuple[str, str, str | None], str] = {}

    def __init__(self, session: Session, *, source: str, actor: str,
                 sources: Mapping[tuple[str, str], str] | None = None) -> None:
        self.session = session
        self.source = source
        self.sources = sources or {}
        self.actor = actor
        self.batch = new_uuid()
        self.at_utc = datetime.now(UTC).isoformat(timespec="microseconds")
        self.seq, self.prev_hash = chain_head(session)
        self.pending: list[tuple[Any, ...]] = []
        self.result = ApplyResult(batch=self.batch, audit_entries=0)
        self.versions: dict[tuple[str, str], int] = {}  # each record's row_version before this batch touched it
        self.status_entities: dict[int, str] | None = None  # status id -> entity, cached for the batch
        self.keys = KeyMaker(session)  # search keys and sort keys, derived in the same transaction
        self.rows: dict[tuple[str, str], dict[str, Any]] = {}  # a run of field changes' rows, as written (_prefetch)

    # --- audit -----------------------------------------------------------------------------------

    def audit(self, operation: str, entity: str, record_uuid: str, field_name: str | None,
              old: Any, new: Any) -> None:
        self.seq += 1
        # a tuple in AUDIT_COLUMNS order, then the hash: built and inserted as is (an import writes one entry
        # per record it creates, hundreds of thousands)
        source = self.sources.get((entity, record_uuid), self.source) if self.sources else self.source
        if self.field_sources:
            source = self.field_sources.get((entity, record_uuid, field_name), source)
        values = (self.seq, self.at_utc, self.actor, source,
                  self.batch, operation, entity, record_uuid, field_name,
                  None if operation == "create" else dump_value(old),
                  None if operation == "delete" else dump_value(new), self.prev_hash, new_salt())
        self.prev_hash = values_hash(values)
        self.pending.append((*values, self.prev_hash))
        self.result.audit_entries += 1
        if len(self.pending) >= self.AUDIT_BATCH:
            self.flush_audit()

    def flush_audit(self) -> None:
        if self.pending:
            _insert_values(self.session, AuditEntry.__tablename__, (*AUDIT_COLUMNS, "hash"), self.pending)
            if self.session.get_bind().dialect.name == "postgresql":  # the trail's high-water mark, as SQLite's
                self._raise_high_water("audit_entry", self.pending[-1][0])  # AUTOINCREMENT counter keeps it
            self.pending = []

    # --- changes ---------------------------------------------------------------------------------

    def apply_run(self, run: list[Change]) -> None:
        first = run[0]
        if isinstance(first, SideRows):
            done: list[Change] = [self.replace_side(change) for change in run]  # type: ignore[arg-type]
        elif isinstance(first, Create):
            done = self.create_many(run)  # type: ignore[arg-type]
        elif isinstance(first, Delete):
            done = [self.delete(change) for change in run]  # type: ignore[arg-type]
        else:
            self._prefetch(first.entity, [c.uuid for c in run if isinstance(c, FieldChange)])  # one read for the run
            try:
                done = [c for c in (self.update(change) for change in run) if c]  # type: ignore[arg-type]
            finally:
                self.rows = {}
        # the inverse is built from what was really stored, so undo restores every field exactly
        if self.keep_inverse:
            self.result.inverse[:0] = invert(done)

    def _prefetch(self, entity: str, uuids: Sequence[str]) -> None:
        """The stored rows of a run of field changes, read at once (a sync changes a thousand records: read one by
        one through SQLAlchemy, they cost more than the writes); ``update`` keeps them as it writes."""
        self.rows.update(((entity, uuid), row) for uuid, row in stored_rows(self.session, entity, uuids).items())

    def _record(self, entity: str, record_uuid: str) -> Any:
        cached = self.rows.get((entity, record_uuid))
        if cached is not None:
            return cached
        table = fields.table(entity)
        row = self.session.execute(select(table).where(table.c.uuid == record_uuid)).mappings().first()
        if row is None:
            raise ChangeRefused(tr("{label} {uuid} n'existe pas (ou plus) : rien n'a été modifié.",
                                   label=fields.entity_label(entity), uuid=record_uuid))
        return row

    def _check_status(self, spec: fields.FieldSpec, value: Any) -> None:
        if value is None or not spec.kind.startswith("status:"):
            return
        if self.status_entities is None:  # read once per batch: the demo checks millions of statuses
            status_table = fields.table("status")
            self.status_entities = dict(self.session.execute(select(status_table.c.id, status_table.c.entity)).all())
        if self.status_entities.get(value) != spec.kind[7:]:
            raise InvalidValue(tr("{label} : statut inconnu pour ce type d'enregistrement.", label=spec.label))

    def create_many(self, run: list[Create]) -> list[Change]:
        entity = run[0].entity
        table = fields.table(entity)
        specs = {s.name: s for s in fields.editable_fields(entity)}
        required = [s for s in specs.values() if s.required or not s.nullable]
        statuses = [s for s in specs.values() if s.kind.startswith("status:")]
        dated = _date_columns(table)
        audited_dates = [name for name in specs if name in dated]
        if entity == "status":
            self.status_entities = None  # new statuses may be referred to later in this batch
        if is_key_source(entity):
            self.keys.forget(entity)
        next_id = None
        # rows as lists in the columns' order, for executemany: dicts converted afterwards cost as much again
        key_columns = self.keys.columns(entity)
        columns = ["id", "uuid", "row_version", "synthetic", *specs, *key_columns]
        dated_places = [4 + index for index, name in enumerate(specs) if name in dated]
        rows: list[list[Any]] = []
        highest = 0
        done: list[Change] = []
        for change in run:
            if not change.values.keys() <= specs.keys():
                unknown = set(change.values) - set(specs)
                fields.field_spec(entity, sorted(unknown)[0])  # raises UnknownField with its message
            if change.checked:
                get = change.values.get
                values = {name: get(name) for name in specs}
                for spec in required:
                    if values[spec.name] is None:
                        values[spec.name] = fields.normalise(spec, None)  # "" for an optional text, or refused
            else:
                values = {name: fields.normalise(spec, change.values.get(name)) for name, spec in specs.items()}
            for spec in statuses:
                self._check_status(spec, values[spec.name])
            record_id = change.id
            if record_id is None:
                if next_id is None:
                    next_id = self._highest_id(entity, table) + 1
                record_id, next_id = next_id, next_id + 1
            keys = self.keys.derive(entity, values)
            row = [record_id, change.uuid, 1, change.synthetic, *values.values(), *[keys[k] for k in key_columns]]
            for place in dated_places:
                row[place] = _sql_value(row[place])
            rows.append(row)
            if len(rows) >= self.INSERT_BATCH:  # inserted as they come: 100,000 rows are not held at once
                highest = max(highest, max(row[0] for row in rows))
                _insert_values(self.session, table.name, columns, rows)
                rows = []
            if self.keep_inverse:  # (an import of 300,000 records reports its counts, not each id)
                self.result.created_ids[change.uuid] = record_id
            audited = {"id": record_id, **values}
            for name in audited_dates:  # the trail keeps JSON: dates as ISO text (fields.to_json)
                if audited[name] is not None:
                    audited[name] = fields.to_json(audited[name])
            if change.synthetic:
                audited["synthetic"] = True
            self.audit("create", entity, change.uuid, None, None, audited)
            if self.keep_inverse:
                done.append(Create(entity, change.uuid, values, record_id, change.synthetic))
        if rows:
            highest = max(highest, max(row[0] for row in rows))
            _insert_values(self.session, table.name, columns, rows)
        self._raise_high_water(entity, highest)
        return done

    def _highest_id(self, entity: str, table: Any) -> int:
        """The highest id this entity ever gave (or holds): deleted records' ids are never given again."""
        stored = self.session.execute(select(func.max(table.c.id))).scalar() or 0
        mark = self.session.execute(select(IdHighWater.last_id).where(IdHighWater.entity == entity)).scalar() or 0
        return max(stored, mark)

    def _raise_high_water(self, entity: str, record_id: int) -> None:
        if self.session.get_bind().dialect.name == "postgresql":  # team mode: the same upsert in its SQL
            self.session.execute(postgresql_insert(IdHighWater).values(entity=entity, last_id=record_id)
                                 .on_conflict_do_update(index_elements=["entity"], set_={
                                     "last_id": func.greatest(IdHighWater.last_id, record_id)}))
            return
        self.session.execute(sqlite_insert(IdHighWater).values(entity=entity, last_id=record_id).on_conflict_do_update(
            index_elements=["entity"], set_={"last_id": func.max(IdHighWater.last_id, record_id)}))

    def update(self, change: FieldChange) -> FieldChange | None:
        spec = fields.field_spec(change.entity, change.field)
        table = fields.table(change.entity)
        current = self._record(change.entity, change.uuid)
        expected_old = fields.normalise(spec, change.old) if change.old is not None else None
        if current[spec.name] != expected_old and not (current[spec.name] == "" and expected_old is None):
            raise _stale([Conflict(change, spec.name, expected_old, current[spec.name])], change.entity)
        key = (change.entity, change.uuid)
        version_before = self.versions.get(key, current["row_version"])  # the batch's own bump does not count
        if change.expected_version is not None and version_before != change.expected_version:
            raise _stale([Conflict(change, "row_version", change.expected_version, version_before)], change.entity)
        new = fields.normalise(spec, change.new)
        self._check_status(spec, new)
        if new == current[spec.name]:
            return None  # nothing changes: no write, no audit entry
        values: dict[str, Any] = {spec.name: new, **self.keys.changed_keys(change.entity, spec.name, current, new)}
        bump = key not in self.versions  # one row_version step per record per batch
        if bump:
            self.versions[key] = current["row_version"]
        # written through the DB-API: SQLAlchemy's update() compiled for each change cost twice the write itself
        assignments = ", ".join([*(f"{name} = ?" for name in values), *(["row_version = row_version + 1"] if bump
                                                                         else [])])
        _raw(self.session, f"UPDATE {table.name} SET {assignments} WHERE uuid = ?",
             (*map(_sql_value, values.values()), change.uuid))
        old = current[spec.name]
        cached = self.rows.get(key)
        if cached is not None:  # the run's copy follows what was written
            cached.update(values)
            cached["row_version"] += bump
        if referrers(change.entity, spec.name):  # a region renamed: the search keys holding its name follow
            self.keys.refresh_referrers(change.entity, spec.name, current["id"])
        self.audit("update", change.entity, change.uuid, spec.name, fields.to_json(old), fields.to_json(new))
        return FieldChange(change.entity, change.uuid, spec.name, old, new)

    def delete(self, change: Delete) -> Delete:
        table = fields.table(change.entity)
        current = self._record(change.entity, change.uuid)
        conflicts = []
        for name, expected in change.values.items():
            spec = fields.field_spec(change.entity, name)
            normalised = fields.normalise(spec, expected)
            if current[name] != normalised:
                conflicts.append(Conflict(change, name, normalised, current[name]))
        if conflicts:
            raise _stale(conflicts, change.entity)
        self.session.execute(sql_delete(table).where(table.c.uuid == change.uuid))
        if is_key_source(change.entity):
            self.keys.forget(change.entity)
        stored = {s.name: current[s.name] for s in fields.editable_fields(change.entity)}
        self.audit("delete", change.entity, change.uuid, None,
                   {"id": current["id"], **{k: fields.to_json(v) for k, v in stored.items()}}, None)
        return Delete(change.entity, change.uuid, stored, current["id"], bool(current["synthetic"]))


    def replace_side(self, change: SideRows) -> SideRows:
        """A side table's rows replaced, once the rows expected are found as they are."""
        if change.table not in SIDE_TABLES:
            raise ChangeRefused(tr("Table « {table} » inconnue : rien n'a été modifié.", table=change.table))
        keys, columns = SIDE_TABLES[change.table]
        if len(change.key) != len(keys):
            raise ChangeRefused(tr("Table « {table} » : clé incomplète, rien n'a été modifié.", table=change.table))
        where = " AND ".join(f"{name} = ?" for name in keys)
        connection = raw_connection(self.session)
        stored = connection.execute(f"SELECT {', '.join(columns)} FROM {change.table} WHERE {where}",
                                    change.key).fetchall()
        if _unordered(stored) != _unordered(change.old):
            raise StaleChangeError(tr("L'état de fusion d'un classeur d'agence a changé entre-temps (une autre "
                                      "reprise ou un autre règlement) : rien n'a été enregistré. Recommencez."), [])
        self._refuse_erased(change, keys, columns)
        connection.execute(f"DELETE FROM {change.table} WHERE {where}", change.key)
        if change.new:
            names = (*keys, *columns)
            connection.executemany(f"INSERT INTO {change.table} ({', '.join(names)}) VALUES "
                                   f"({', '.join('?' * len(names))})", [(*change.key, *row) for row in change.new])
            if "id" in columns:  # an id given is never given again, even once its row is gone (as records')
                self._raise_high_water(change.table, max(row[columns.index("id")] for row in change.new))
        return SideRows(change.table, change.key, tuple(map(tuple, stored)), change.new)


    def _refuse_erased(self, change: SideRows, keys: Sequence[str], columns: Sequence[str]) -> None:
        """A contact's values put back beside the records must still be a contact's: an undo or redo replayed after
        the person was erased (GDPR, which removes them there too) would bring their values back."""
        contacts = set()
        for row in change.new:
            values = dict(zip((*keys, *columns), (*change.key, *row), strict=True))
            if values.get("entity") == "contact":
                contacts.add(str(values["record_uuid"]))
        if contacts and len(contacts) != len(raw_connection(self.session).execute(
                f"SELECT uuid FROM contact WHERE uuid IN ({', '.join('?' * len(contacts))})",
                sorted(contacts)).fetchall()):
            raise StaleChangeError(tr("Une personne concernée a été effacée ou supprimée entre-temps : ses valeurs ne "
                                      "sont pas remises. Rien n'a été enregistré."), [])


def _unordered(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(row) for row in rows), key=repr)


def _stale(conflicts: list[Conflict], entity: str) -> StaleChangeError:
    first = conflicts[0]
    label = fields.entity_label(entity)
    if first.field == "row_version":
        message = tr("{label} a été modifié(e) par quelqu'un d'autre entre-temps : rien n'a été enregistré. "
                     "Rechargez puis refaites la modification.", label=label)
    else:
        spec = fields.field_spec(entity, first.field)
        message = tr("« {field} » ({label}) a été modifié entre-temps : vous attendiez « {expected} », la base "
                     "contient « {current} ». Rien n'a été enregistré ; rechargez puis refaites la modification.",
                     field=spec.label, label=label, expected=_show(first.expected), current=_show(first.current))
    return StaleChangeError(message, conflicts)


def _show(value: Any) -> str:
    return "" if value is None else str(value)


def stored_rows(session: Session, entity: str, uuids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The stored rows of these records (every column, typed as the models type them), by uuid, read 500 at a time;
    absent records are left out."""
    table = fields.table(entity)
    wanted = sorted(set(uuids))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        for row in session.execute(select(table).where(table.c.uuid.in_(wanted[start:start + 500]))).mappings():
            found[row["uuid"]] = dict(row)
    return found


def current_values(session: Session, entity: str, record_uuid: str) -> dict[str, Any]:
    """A record's editable field values, as the door stores them (to build a Delete or an undo)."""
    table = fields.table(entity)
    row = session.execute(select(table).where(table.c.uuid == record_uuid)).mappings().first()
    if row is None:
        raise ChangeRefused(tr("{label} {uuid} n'existe pas.", label=fields.entity_label(entity),
                               uuid=record_uuid))
    return {s.name: row[s.name] for s in fields.editable_fields(entity)}
