"""The trail replayed against the data (issue #18): every stored value must be the one the audit trail says.

The chain proves that the trail was not changed; only a replay proves that the data was not changed beside it
(a city edited with another program, an aid raised by 1 M€ with no entry). ``TrailReplay`` is fed every entry in
order (by the chain's walk, services.audit, so the trail is read once) and keeps, for each record, a digest of
its creation's values and the later changes of its fields; ``compare`` then reads every record of every entity
and finds, record by record, what the trail does not explain: a record created or deleted outside the door, a
field whose stored value is not the trail's.

Kept small for 500,000 records: a creation whose record was never changed afterwards is compared by a 16-byte
digest of the canonical JSON the door wrote (services.audit.dump_value), computed again from the stored row; only
a record that differs, or that was changed since, has its values parsed. Fields that a later schema added are
absent from older creations: their stored value must then be empty (the migration wrote nothing else). Entries
about the trail itself (fields starting with "_": erasures, migrations, restored triggers) change no value.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from portfolio.db.models import ENTITIES
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr

from . import fields
from .audit import dump_record
from .import_batches import IMPORT_FIELD
from .import_batches import TABLE as IMPORT_TABLE

MAX_PROBLEMS = 50
_LABELS = ("name", "acronym", "title", "label", "code", "email", "last_name")


@dataclass
class ReplayReport:
    """What the replay found: each record the trail does not explain, in words, and how many per entity."""

    records: int = 0  # records compared
    problems: list[str] = field(default_factory=list)
    differing: dict[str, int] = field(default_factory=dict)  # entity -> records the trail does not explain
    findings: list[dict[str, Any]] = field(default_factory=list)  # the same, as data (capped)

    @property
    def ok(self) -> bool:
        return not self.differing

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "records": self.records, "differing": self.differing, "problems": self.problems,
                "findings": self.findings}


_LEGACY_IMPORT, _LEGACY_SHA = "import ", " (sha256 "  # "import FILE (sha256 …), feuille SHEET, ligne N"


class _LegacyImport:
    """What the entries of an import made before schema 10 say of it: their first source, their counts."""

    __slots__ = ("created", "first_source", "updated")

    def __init__(self, first_source: str) -> None:
        self.first_source = first_source
        self.created = 0
        self.updated: set[tuple[str, str]] = set()


class _Record:
    """What the trail says of one record: its creation's entry and a digest of its values, its changes since."""

    __slots__ = ("changes", "digest", "erased", "seq")

    def __init__(self, seq: int, digest: int, erased: bool) -> None:
        self.seq = seq  # the creation's entry
        self.digest = digest  # of the creation's values as written
        self.changes: list[tuple[int, str, str | None, str | None]] | None = None  # (seq, field, old, new) since
        self.erased = erased  # a contact whose values were erased (GDPR): they are no longer known


class TrailReplay:
    """Fed every audit entry in order (``see``), then ``compare``\\ d with the stored records."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, _Record]] = defaultdict(dict)  # entity -> uuid -> what the trail says
        self.report = ReplayReport()
        self._pending: list[str] = []  # problems found while walking, said before the comparison's
        self.imports: dict[str, str | None] = {}  # an import's batch -> its record as the trail holds it
        self.legacy_imports: dict[str, _LegacyImport] = {}  # an import before schema 10's batch -> what it says

    def see(self, seq: int, operation: str, entity: str, uuid: str, field_name: str | None, old: str | None,
            new: str | None, erased: bool, source: str = "", batch: str = "") -> None:
        """One entry of the trail, in sequence order."""
        if source.startswith(_LEGACY_IMPORT) and _LEGACY_SHA in source:  # an import made before schema 10
            legacy = self.legacy_imports.get(batch)
            if legacy is None:
                legacy = self.legacy_imports[batch] = _LegacyImport(source)
            if operation == "create":
                legacy.created += 1
            elif operation == "update":
                legacy.updated.add((entity, uuid))
        if field_name is not None and field_name.startswith("_"):
            if field_name == IMPORT_FIELD:
                if uuid in self.imports:  # an import is recorded once: a second entry would rewrite it
                    self._walk_problem(IMPORT_TABLE, tr(
                        "Import {batch} : enregistré une seconde fois dans le journal (entrée n° {seq}) ; seul le "
                        "premier enregistrement compte.", batch=uuid, seq=seq))
                else:
                    self.imports[uuid] = new
            return  # the trail's own acts: an erasure's list, a migration's note, restored triggers
        known = self.records[entity]
        if operation == "create":
            if uuid in known:
                self._walk_problem(entity, tr("{label} {uuid} : créé(e) deux fois dans le journal (entrée n° {seq}).",
                                              label=_label(entity), uuid=uuid, seq=seq))
            known[uuid] = _Record(seq, 0 if erased or new is None else hash(new), erased)
        elif operation == "update":
            record = known.get(uuid)
            if record is None:
                self._walk_problem(entity, tr("{label} {uuid} : modifié(e) par l'entrée n° {seq}, mais le journal ne "
                                              "l'a jamais créé(e).", label=_label(entity), uuid=uuid, seq=seq))
                return
            if record.changes is None:
                record.changes = []
            record.changes.append((seq, field_name or "", old, new))
            record.erased = record.erased or erased
        elif known.pop(uuid, None) is None:
            self._walk_problem(entity, tr("{label} {uuid} : supprimé(e) par l'entrée n° {seq}, mais le journal ne "
                                          "l'a jamais créé(e).", label=_label(entity), uuid=uuid, seq=seq))

    def _walk_problem(self, entity: str, message: str) -> None:
        self.report.differing[entity] = self.report.differing.get(entity, 0) + 1
        if len(self._pending) < MAX_PROBLEMS:
            self._pending.append(message)

    def compare(self, session: Any, progress: Callable[[float, str], None] | None = None) -> ReplayReport:
        """Reads every record of every entity and says what the trail does not explain."""
        connection = raw_connection(session)
        report = self.report
        report.problems.extend(self._pending)
        entities = list(ENTITIES)
        for index, entity in enumerate(entities):
            _Entity(self, connection, entity).compare()
            if progress:
                progress((index + 1) / len(entities), tr("Comparaison des fiches au journal d'audit"))
        self._compare_imports(connection)
        return report

    def _compare_imports(self, connection: Any) -> None:
        """Each import's record (``import_batch``) as its entry in the trail holds it; one recorded by the migration
        to schema 10 (no entry of its own) as the source its entries carry ("import FILE (sha256 …), …")."""
        from .import_batches import TABLE, as_entry, stored_records

        seen = set()
        for record in stored_records(connection):
            seen.add(record.batch)
            entry, legacy = self.imports.get(record.batch), self.legacy_imports.get(record.batch)
            if entry is not None:
                same = json.loads(entry) == json.loads(json.dumps(as_entry(record)))
            elif record.rows_read is None and legacy is not None:  # recorded by the migration: as the trail says
                same = legacy.first_source.startswith(record.source) and (
                    legacy.created, len(legacy.updated)) == (record.created, record.updated)
            else:
                same = False
            if not same:
                self.problem(TABLE, tr("Import {batch} (« {file} ») : son enregistrement n'est pas celui que le "
                                       "journal d'audit a gardé (fichier, empreinte, feuille ou comptes changés hors "
                                       "de l'application).", batch=record.batch, file=record.file_name),
                             {"batch": record.batch})
        # every import the trail names has its record (those made before schema 10: by the migration)
        for batch in sorted((set(self.imports) | set(self.legacy_imports)) - seen):
            self.problem(TABLE, tr("Import {batch} : le journal d'audit le mentionne, mais son enregistrement a été "
                                   "supprimé.", batch=batch), {"batch": batch})

    def problem(self, entity: str, message: str, finding: dict[str, Any]) -> None:
        report = self.report
        report.differing[entity] = report.differing.get(entity, 0) + 1
        if len(report.problems) < MAX_PROBLEMS:
            report.problems.append(message)
            report.findings.append({"entity": entity, **finding})


class _Entity:
    """One entity's records compared with what the trail says of them."""

    def __init__(self, replay: TrailReplay, connection: Any, entity: str) -> None:
        self.replay, self.connection, self.entity = replay, connection, entity
        self.specs = fields.editable_fields(entity)
        self.names = [spec.name for spec in self.specs]
        self.bools = [spec.name for spec in self.specs if spec.kind == "bool"]
        self.dates = [spec.name for spec in self.specs if spec.kind == "date"]
        self.label_field = next((name for name in _LABELS if name in self.names), None)

    def compare(self) -> None:
        known = self.replay.records.get(self.entity, {})
        table = fields.table(self.entity).name
        columns = ", ".join(("id", "uuid", "synthetic", *self.names))
        compared = 0
        for row in self.connection.execute(f"SELECT {columns} FROM {table}"):
            compared += 1
            uuid = row[1]
            stored = self._stored(row)
            record = known.pop(uuid, None)
            if record is None:
                self._said(uuid, stored, None, tr("{label} « {name} » : présent(e) dans la base sans que le journal "
                                                  "d'audit en dise la création (ajouté(e) hors de l'application).",
                                                  label=_label(self.entity), name=self._name(stored, uuid)),
                           {"kind": "created_outside"})
                continue
            if record.changes is None and not record.erased and hash(dump_record(stored)) == record.digest:
                continue  # as created, and never changed since: the common case, without parsing anything
            self._explain(uuid, stored, record)
        self.replay.report.records += compared
        for uuid, record in known.items():
            if record.erased:
                continue  # an erased contact (GDPR): its deletion is checked by the chain's walk
            self._said(uuid, None, None, tr("{label} {uuid} : créé(e) par l'entrée n° {seq} du journal d'audit, "
                                            "n'est plus dans la base (supprimé(e) hors de l'application).",
                                            label=_label(self.entity), uuid=uuid, seq=record.seq),
                       {"kind": "deleted_outside", "seq": record.seq})

    def _stored(self, row: Any) -> dict[str, Any]:
        """The stored record as the door writes it into the trail (services.changes: id, the fields, synthetic)."""
        values: dict[str, Any] = dict(zip(self.names, row[3:], strict=True))
        values["id"] = row[0]
        for name in self.bools:  # SQLite keeps 0 and 1
            if values[name] is not None:
                values[name] = bool(values[name])
        for name in self.dates:  # the server gives dates (SQLite's are the trail's ISO text already)
            if values[name] is not None and not isinstance(values[name], str):
                values[name] = fields.to_json(values[name])
        if row[2]:
            values["synthetic"] = True
        return values

    def _explain(self, uuid: str, stored: dict[str, Any], record: _Record) -> None:
        """The trail's values for this record (its creation, then each change), compared field by field."""
        expected = self._created(record)
        for seq, name, old, new in record.changes or []:
            before = expected.get(name)
            old_value = _loaded(old)
            if not record.erased and not _same(before, old_value):
                self._said(uuid, stored, name, tr(
                    "{label} « {name} » : l'entrée n° {seq} change « {field} » de « {old} », mais le journal "
                    "disait « {before} » : une entrée manque ou a été ajoutée.", label=_label(self.entity),
                    name=self._name(stored, uuid), seq=seq, field=self._field(name), old=_shown(old_value),
                    before=_shown(before)), {"kind": "inconsistent_trail", "seq": seq, "field": name})
            expected[name] = _loaded(new)
        if record.erased:
            return  # values replaced by the erasure marker: nothing left to compare them with
        for name, value in stored.items():
            if name in expected:
                if _same(expected[name], value):
                    continue
                wanted = expected[name]
            elif name == "synthetic" or value in (None, "") or (name in self.bools and value is False):
                continue  # a field added by a later schema: empty in every record created before it
            else:
                wanted = None
            self._said(uuid, stored, name, tr(
                "{label} « {name} » : « {field} » vaut « {stored} » dans la base, « {expected} » d'après le journal "
                "d'audit (modifié hors de l'application).", label=_label(self.entity), name=self._name(stored, uuid),
                field=self._field(name), stored=_shown(value), expected=_shown(wanted)),
                {"kind": "changed_outside", "field": name, "stored": value, "expected": wanted})
        for name in expected.keys() - stored.keys():
            if name == "synthetic" and expected[name]:
                self._said(uuid, stored, name, tr("{label} « {name} » : n'est plus marqué(e) comme fiche de "
                                                  "démonstration.", label=_label(self.entity),
                                                  name=self._name(stored, uuid)),
                           {"kind": "changed_outside", "field": name})

    def _created(self, record: _Record) -> dict[str, Any]:
        row = self.connection.execute("SELECT new_value FROM audit_entry WHERE seq = ?", (record.seq,)).fetchone()
        loaded = _loaded(row[0] if row else None)
        return dict(loaded) if isinstance(loaded, dict) else {}

    def _said(self, uuid: str, stored: dict[str, Any] | None, name: str | None, message: str,
              finding: dict[str, Any]) -> None:
        self.replay.problem(self.entity, message, {"uuid": uuid, **finding})

    def _name(self, stored: dict[str, Any], uuid: str) -> str:
        value = stored.get(self.label_field) if self.label_field else None
        return str(value) if value not in (None, "") else uuid

    def _field(self, name: str) -> str:
        return next((spec.label for spec in self.specs if spec.name == name), name)


def _label(entity: str) -> str:
    return fields.entity_label(entity) if entity in ENTITIES else entity


def _loaded(text: str | None) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _same(one: Any, other: Any) -> bool:
    if one == other and type(one) is type(other):
        return True
    return one in (None, "") and other in (None, "")  # an optional text is stored "" where the trail says null


def _shown(value: Any) -> str:
    if value is None:
        return "∅"
    if value is True:
        return tr("oui")
    if value is False:
        return tr("non")
    return str(value)
