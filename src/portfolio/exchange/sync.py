"""Taking back a working workbook (exchange.working_workbook): a per-field three-way merge of what the agency
sent back ("theirs") against what was sent to them ("base", recorded with the export) and what the portfolio
holds now ("mine").

- changed only by the agency: taken; changed only here: kept; changed the same way on both sides: fine;
- changed differently on both sides: a conflict, never overwritten: left for the officer (keep mine, take
  theirs) unless ``take`` says which side wins;
- rows sent but missing from the workbook are listed, never deleted; rows the export did not send (a new line,
  or a uuid cell edited) are listed and not created;
- what is taken, typed or created, the merge base advanced and the conflicts queued are written by one
  operation (``apply_sync``) in one transaction through the one door, with the audit source naming the agency,
  the file and the export: its inverse puts the records and the merge state back together (the window's undo).

The merge itself (a field on three sides, the compared form, the merge state) is exchange.merge, shared with the
settling of conflicts left for later (exchange.conflicts).

Values are compared in one form on the three sides: the stored form (cents, ISO dates, 0/1), references by
the name the workbook shows (a region, a typology, a status…).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from portfolio.db.models import new_uuid
from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.audit import last_seq
from portfolio.services.changes import ApplyResult, Change, Create, apply_in_session, session_actor

from .merge import (
    KEEP_MINE,
    TAKE_THEIRS,
    TYPED,
    FieldMerge,
    MergeState,
    SyncError,
    canonical,
    cell_value,
    check_kept,
    decided_change,
    field_change,
    mine_values,
    stored_value,
)
from .reading import read_untrusted
from .record_keys import KeyGuard
from .working_workbook import EXPORT_ID_CELL, FINGERPRINT_LABEL, ID_HEADER, columns, header, sheet_name

__all__ = ["FieldMerge", "NewRecord", "SyncDecisions", "SyncError", "SyncPlan", "apply_sync", "plan_sync", "summary"]

SYNC_SOURCE_PREFIX = "sync "
EXPORT_ID_LABELS = ("Numéro de l'export", "Export number")  # the label beside the id, in either language


@dataclass(frozen=True)
class NewRecord:
    """A line the agency added, matched to nothing here: created by the sync (values in the compared form)."""

    entity: str
    sheet: str
    row: int
    values: dict[str, Any]

    @property
    def title(self) -> str:
        """How the line is named to people: its name, title or label, else its first value."""
        values = self.values
        if values.get("last_name"):
            return " ".join(str(v) for v in (values.get("first_name"), values["last_name"]) if v)
        for name in ("name", "title", "label", "role"):
            if values.get(name):
                return str(values[name])
        return next((str(v) for v in values.values() if v not in (None, "")), "")


@dataclass
class SyncPlan:
    """What merging the workbook would do."""

    export_id: str
    recipient: str
    file_name: str
    taken: list[FieldMerge] = field(default_factory=list)  # changed only by the agency (or resolved theirs)
    conflicts: list[FieldMerge] = field(default_factory=list)
    kept: int = 0  # fields changed only here
    same: int = 0  # fields changed the same way on both sides
    new_rows: list[tuple[str, int]] = field(default_factory=list)  # (sheet, row number) not sent by the export
    missing: list[tuple[str, str]] = field(default_factory=list)  # (entity, uuid) sent, absent from the workbook
    created: list[NewRecord] = field(default_factory=list)  # new lines matched to nothing: created
    settled_mine: list[FieldMerge] = field(default_factory=list)  # conflicts settled for the value here
    flags: list[str] = field(default_factory=list)
    base_seq: int = 0  # the audit trail's last entry when the plan was made: its new lines were matched then

    @property
    def source(self) -> str:
        return f"{SYNC_SOURCE_PREFIX}{self.recipient or '?'} : {self.file_name} (export {self.export_id})"


def plan_sync(db: Store, path: Path, take: str | None = None) -> SyncPlan:
    """Reads the workbook (in a bounded child process, as any file from outside) and merges it on paper.
    ``take``: "theirs" or "mine" resolves every conflict that way."""
    workbook = read_untrusted(path, all_sheets=True)
    sheets = {sheet.name: sheet.rows for sheet in workbook.sheets}
    formulas = {sheet.name: sheet.formula_cells for sheet in workbook.sheets}
    export_id = export_id_of(sheets)
    with db.read() as session:
        connection = raw_connection(session)
        batch = connection.execute("SELECT recipient, selection, fingerprint FROM export_batch WHERE uuid = ?",
                                   (str(export_id or ""),)).fetchone()
        if batch is None:
            raise SyncError(tr("« {file} » ne porte pas le numéro d'un export de cette base (cellule {cell} de la "
                               "feuille « À lire ») : importez-le comme un classeur ordinaire, ou vérifiez qu'il vient "
                               "bien de cette base.", file=path.name, cell=EXPORT_ID_CELL))
        selection = json.loads(batch[1])
        plan = SyncPlan(str(export_id), batch[0], path.name, base_seq=last_seq(connection))
        sent = _sent(connection, plan.export_id)
        _same_export(path, plan, batch[2], _labelled(sheets, FINGERPRINT_LABEL), sheets, selection, sent)
        for entity in [e for e in selection["entities"] if e != "contact" or selection.get("personal")]:
            specs = columns(entity, bool(selection.get("personal")), selection["entities"])
            label = sheet_name(entity)
            rows = sheets.get(label)
            if rows is None:
                plan.flags.append(tr("La feuille « {sheet} » manque : ses fiches n'ont pas été comparées.",
                                     sheet=label))
                continue
            _merge_sheet(connection, plan, entity, label, specs, rows, sent.get(entity, {}),
                         formulas.get(label, set()))
    if take in ("theirs", "mine"):
        if take == "theirs":
            plan.taken.extend(plan.conflicts)
        else:
            plan.settled_mine.extend(plan.conflicts)
        plan.conflicts = []
    return plan


@dataclass(frozen=True)
class SyncDecisions:
    """What the officer decided on a plan: the agency's values taken, the values here kept on purpose, values
    typed for conflicts, the new lines to create; the conflicts left for later wait in the queue."""

    taken: Sequence[FieldMerge] = ()
    kept: Sequence[FieldMerge] = ()
    typed: Sequence[tuple[FieldMerge, Any]] = ()
    created: Sequence[NewRecord] = ()
    later: Sequence[FieldMerge] = ()

    @classmethod
    def of(cls, plan: SyncPlan) -> SyncDecisions:
        """The plan as made: its values taken (with the conflicts ``take`` settled), its lines created, the
        conflicts left waiting."""
        return cls(plan.taken, plan.settled_mine, (), plan.created, plan.conflicts)

    @property
    def writes_records(self) -> bool:
        return bool(self.taken or self.typed or self.created)


def apply_sync(db: Store, plan: SyncPlan, decisions: SyncDecisions | None = None, *,
               actor: str | None = None) -> ApplyResult | None:
    """Takes the workbook back as one operation (the window's review and `portfolio sync` alike): the values
    taken or typed and the lines created through the door, the merge base advanced and the conflicts left
    queued, in one write transaction, one batch whose inverse puts back the records and the merge state
    together. ``decisions``: the plan as made when not given. None when nothing changes at all.

    A copy of the file is taken first when records are to change (a server is backed up by the server). A field
    whose value here changed since the plan was made is refused by the door: nothing is written."""
    decisions = decisions or SyncDecisions.of(plan)
    if decisions.writes_records and db.is_file:
        from portfolio.services.backups import take_backup

        take_backup(Path(db.path), "avant-synchronisation")
    with db.write() as session:  # read, given ids and written behind one lock
        if decisions.created and last_seq(raw_connection(session)) != plan.base_seq:
            # its new lines were matched against the data of then: another take-back may have created them since
            raise SyncError(tr("La base a été modifiée depuis la comparaison de « {file} » : rien n'a été écrit. "
                               "Reprenez le classeur à nouveau.", file=plan.file_name))
        check_kept(session, decisions.kept)  # (a value kept makes no change for the door to check)
        changes: list[Change] = [*changes_in(session, list(decisions.taken), list(decisions.created))]
        changes += [c for c in (decided_change(session, m, TYPED, v) for m, v in decisions.typed) if c is not None]
        now, who = datetime.now(UTC).isoformat(timespec="seconds"), session_actor(session, actor)
        state = MergeState(session, plan.export_id)
        state.advance([*decisions.taken, *decisions.kept, *(m for m, _v in decisions.typed)])
        state.settle([*((m, TAKE_THEIRS) for m in decisions.taken), *((m, KEEP_MINE) for m in decisions.kept),
                      *((m, TYPED) for m, _v in decisions.typed)], now, who)
        state.requeue(plan.file_name, decisions.later, now)
        changes += state.changes()
        if not changes:
            return None
        return apply_in_session(session, changes, source=plan.source, actor=actor)


def changes_in(session: Session, merges: list[FieldMerge], created: list[NewRecord] | None = None
               ) -> list[Change]:
    """The door's changes that put the agency's values in place and create its new lines, in the write session
    that applies them: the new lines' ids cannot be taken by another officer meanwhile (team mode)."""
    from .plan import ORDER, next_ids

    changes: list[Change] = [field_change(session, merge) for merge in merges]
    connection = raw_connection(session)
    ids = next_ids(connection, ORDER)  # given here: a new contact may name a structure created by this sync
    made: dict[tuple[str, str], int] = {}  # (entity, name as a sheet shows it) -> id, of the lines created
    for record in created or []:
        values = {}
        for name, value in record.values.items():
            if value is None:
                continue
            spec = fields.field_spec(record.entity, name)
            new = made.get((str(spec.target), str(value))) if spec.target else None
            values[name] = new if new is not None else stored_value(connection, spec, value, record.entity)
        record_id = ids[record.entity]
        ids[record.entity] += 1
        if record.entity == "organisation":
            made[("organisation", str(record.values.get("name")))] = record_id
        changes.append(Create(record.entity, new_uuid(), values, record_id))
    return changes


def summary(plan: SyncPlan, result: ApplyResult | None, db: Store) -> dict[str, Any]:
    """The merge as `portfolio sync --json` prints it."""
    with db.read() as session:
        connection = raw_connection(session)
        ids = {}
        for merge in plan.conflicts:
            row = connection.execute(f"SELECT id FROM {fields.table(merge.entity).name} WHERE uuid = ?",
                                     (merge.uuid,)).fetchone()
            ids[(merge.entity, merge.uuid)] = row[0] if row else None
    return {"export_id": plan.export_id, "applied": len(plan.taken) if result is not None else 0,
            "planned": len(plan.taken), "batch_id": result.batch if result and result.audit_entries else None,
            "conflicts": [m.as_json(ids.get((m.entity, m.uuid))) for m in plan.conflicts],
            "taken": [m.as_json() for m in plan.taken],
            "kept": plan.kept, "same": plan.same, "new": len(plan.new_rows),
            "new_rows": [{"sheet": sheet, "row": row} for sheet, row in plan.new_rows],
            "to_create": [{"entity": r.entity, "sheet": r.sheet, "row": r.row, "name": r.title}
                          for r in plan.created],
            "created": len(plan.created) if result is not None else 0, "missing": len(plan.missing),
            "missing_records": [{"entity": entity, "uuid": uuid} for entity, uuid in plan.missing],
            "flags": plan.flags}


# --- the merge ---------------------------------------------------------------------------------------


def _merge_sheet(connection: Any, plan: SyncPlan, entity: str, label: str, specs: list[fields.FieldSpec],
                 rows: list[list[Any]], sent: dict[str, dict[str, Any]], formulas: set[tuple[int, int]]) -> None:
    if not rows or not rows[0] or rows[0][0] != ID_HEADER:
        plan.flags.append(tr("La feuille « {sheet} » n'a plus sa colonne « uuid » en A : elle n'a pas été "
                             "comparée.", sheet=label))
        return
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    positions = {spec.name: headers.index(header(spec)) for spec in specs if header(spec) in headers}
    for spec in specs:
        if spec.name not in positions:
            plan.flags.append(tr("La colonne « {column} » de la feuille « {sheet} » manque : ce champ n'a pas été "
                                 "comparé.", column=header(spec), sheet=label))
    seen = set()
    keys = KeyGuard(connection, entity)  # a new line must not repeat another record's unique key
    mine_rows = mine_values(connection, entity, specs, list(sent))
    for number, row in enumerate(rows[1:], start=2):
        if not any(value is not None for value in row):
            continue
        uuid = str(row[0]).strip() if row and row[0] is not None else ""
        if uuid not in sent:
            plan.new_rows.append((label, number))
            if uuid:
                plan.flags.append(tr("Feuille « {sheet} », ligne {row} : l'identifiant (colonne A) n'est pas celui "
                                     "d'une fiche envoyée ; la ligne n'a pas été prise.", sheet=label, row=number))
            elif entity == "organisation":
                _new_organisation(connection, plan, label, number, specs, positions, row)
            else:
                _new_record(connection, plan, entity, label, number, specs, positions, row, keys)
            continue
        seen.add(uuid)
        base, mine = sent[uuid], mine_rows.get(uuid)
        if mine is None:
            plan.flags.append(tr("Feuille « {sheet} », ligne {row} : la fiche a été supprimée ici depuis l'export ; "
                                 "la ligne n'a pas été prise.", sheet=label, row=number))
            continue
        for spec in specs:
            if spec.name not in positions:
                continue
            where = (label, number, header(spec))
            if (number - 1, positions[spec.name]) in formulas:
                plan.flags.append(tr("Feuille « {sheet} », ligne {row}, colonne « {column} » : une formule n'est pas "
                                     "une valeur ; elle n'a pas été prise (tapez la valeur elle-même).",
                                     sheet=label, row=number, column=header(spec)))
                continue
            cell = row[positions[spec.name]] if positions[spec.name] < len(row) else None
            try:
                theirs = cell_value(spec, cell)
            except InvalidValue as error:
                _refused(plan, where, str(error))
                continue
            merge = FieldMerge(entity, uuid, spec.name, canonical(spec, base.get(spec.name)),
                               canonical(spec, mine.get(spec.name)), theirs)
            if merge.theirs not in (merge.base, merge.mine):  # to take, or a conflict: must be a valid value here
                try:
                    stored_value(connection, spec, merge.theirs, entity)
                except PortfolioError as error:
                    _refused(plan, where, str(error))
                    continue
            _merge_field(plan, merge)
    plan.missing.extend((entity, uuid) for uuid in sent if uuid not in seen)


def _new_organisation(connection: Any, plan: SyncPlan, label: str, number: int, specs: list[fields.FieldSpec],
                      positions: dict[str, int], row: list[Any]) -> None:
    """A line the agency added to the organisations' sheet: matched against the portfolio's organisations first
    (SIRET, then SIREN, then the name, accents and case aside), never created twice; created when nothing
    matches and its values are valid."""
    from portfolio.domain.referential import fold

    values: dict[str, Any] = {}
    for spec in specs:
        if spec.name in positions and positions[spec.name] < len(row):
            try:
                values[spec.name] = cell_value(spec, row[positions[spec.name]])
            except InvalidValue as error:
                plan.flags.append(tr("Feuille « {sheet} », ligne {row}, colonne « {column} » : {reason} La ligne n'a "
                                     "pas été créée.", sheet=label, row=number, column=header(spec), reason=str(error)))
                return
    name = values.get("name")
    if not name:
        plan.flags.append(tr("Feuille « {sheet} », ligne {row} : une structure nouvelle sans raison sociale n'est pas "
                             "créée.", sheet=label, row=number))
        return
    found = None
    for column in ("siret", "siren"):
        if values.get(column) and found is None:
            found = connection.execute(f"SELECT name FROM organisation WHERE {column} = ? LIMIT 1",
                                       (str(values[column]).replace(" ", ""),)).fetchone()
    if found is None:
        folded = fold(str(name))
        found = connection.execute("SELECT name FROM organisation WHERE name_key = ? LIMIT 1", (folded,)).fetchone()
    if found is None:  # nor twice from the same workbook
        found = next(((str(r.values["name"]),) for r in plan.created if r.entity == "organisation" and (
            fold(str(r.values["name"])) == fold(str(name)) or any(
                values.get(c) and r.values.get(c) == values.get(c) for c in ("siret", "siren")))), None)
    if found is not None:
        plan.flags.append(tr("Feuille « {sheet} », ligne {row} : « {name} » est déjà dans le portefeuille "
                             "(« {found} ») ; la ligne n'a pas été créée une seconde fois.", sheet=label, row=number,
                             name=name, found=found[0]))
        return
    for spec in specs:  # every value valid here, every required one given: else not created, and said why
        try:
            fields.normalise(spec, stored_value(connection, spec, values.get(spec.name), "organisation"))
        except PortfolioError as error:
            _refused(plan, (label, number, header(spec)), str(error))
            return
    plan.created.append(NewRecord("organisation", label, number, values))


def _new_record(connection: Any, plan: SyncPlan, entity: str, label: str, number: int,
                specs: list[fields.FieldSpec], positions: dict[str, int], row: list[Any], keys: KeyGuard) -> None:
    """A line the agency added to another sheet (a contact, a milestone, a payment…): created when every value
    is valid here, its references naming one record of the portfolio (or a structure this sync creates), and
    no record of its type already holds the same values."""
    values: dict[str, Any] = {}
    stored: dict[str, Any] = {}
    new_organisations = {str(r.values.get("name")) for r in plan.created if r.entity == "organisation"}
    for spec in specs:
        cell = row[positions[spec.name]] if spec.name in positions and positions[spec.name] < len(row) else None
        try:
            value = cell_value(spec, cell)
            if spec.target == "organisation" and value is not None and str(value) in new_organisations:
                values[spec.name] = value  # created by this sync, before this line
                continue
            stored[spec.name] = fields.normalise(spec, stored_value(connection, spec, value, entity))
            values[spec.name] = value
        except PortfolioError as error:
            plan.flags.append(tr("Feuille « {sheet} », ligne {row}, colonne « {column} » : {reason} La ligne n'a "
                                 "pas été créée.", sheet=label, row=number, column=header(spec),
                                 reason=str(error).rstrip(".") + "."))
            return
    same = [r for r in plan.created if r.entity == entity and r.values == values]
    clash = keys.clash(stored)
    if same or clash:
        plan.flags.append(tr("Feuille « {sheet} », ligne {row} : {reason} La ligne n'a pas été créée.", sheet=label,
                             row=number, reason=tr("la même ligne est plus haut dans le classeur.") if same else
                             clash))
        return
    given = {name: value for name, value in stored.items() if value not in (None, "")}
    if given and len(given) == len([v for v in values.values() if v not in (None, "")]):
        table = fields.table(entity).name
        where = " AND ".join(f"{name} = ?" for name in given)
        if connection.execute(f"SELECT 1 FROM {table} WHERE {where} LIMIT 1",
                              [fields.to_json(v) for v in given.values()]).fetchone():
            plan.flags.append(tr("Feuille « {sheet} », ligne {row} : une fiche « {label} » avec les mêmes valeurs est "
                                 "déjà dans le portefeuille ; la ligne n'a pas été créée une seconde fois.",
                                 sheet=label, row=number, label=fields.entity_label(entity)))
            return
    keys.add(stored)
    plan.created.append(NewRecord(entity, label, number, values))


def _refused(plan: SyncPlan, where: tuple[str, int, str], reason: str) -> None:
    sheet, row, column = where
    plan.flags.append(tr("Feuille « {sheet} », ligne {row}, colonne « {column} » : {reason} La valeur n'a pas été "
                         "prise.", sheet=sheet, row=row, column=column, reason=reason.rstrip(".") + "."))


def _merge_field(plan: SyncPlan, merge: FieldMerge) -> None:
    if merge.theirs == merge.base:
        if merge.mine != merge.base:
            plan.kept += 1
    elif merge.theirs == merge.mine:
        plan.same += 1
    elif merge.mine == merge.base:
        plan.taken.append(merge)
    else:
        plan.conflicts.append(merge)


def _sent(connection: Any, export_id: str) -> dict[str, dict[str, dict[str, Any]]]:
    sent: dict[str, dict[str, dict[str, Any]]] = {}
    for entity, uuid, values in connection.execute(
            "SELECT entity, record_uuid, sent_values FROM export_row WHERE export_uuid = ?", (export_id,)):
        sent.setdefault(entity, {})[uuid] = json.loads(values)
    return sent


def export_id_of(sheets: dict[str, list[list[Any]]]) -> Any:
    """The export's number: at À lire!B3, else beside its label on any sheet's first lines (a renamed or moved
    "À lire" sheet)."""
    found = _cell(sheets.get("À lire", []), EXPORT_ID_CELL)
    if found:
        return found
    return _labelled(sheets, *EXPORT_ID_LABELS)


def _labelled(sheets: dict[str, list[list[Any]]], *labels: str) -> Any:
    """The value beside one of ``labels`` in the first lines of a sheet ("À lire" first)."""
    for name in sorted(sheets, key=lambda name: name != "À lire"):
        for row in sheets[name][:30]:
            if len(row) > 1 and isinstance(row[0], str) and row[0].strip() in labels:
                return row[1]
    return None


def _same_export(path: Path, plan: SyncPlan, stored: str | None, carried: Any, sheets: dict[str, list[list[Any]]],
                 selection: dict[str, Any], sent: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Refuses a workbook that carries this export's number without being its workbook (issue #18: region 11's
    number pasted into region 53's workbook created a structure and 477 warnings): the fingerprint written beside
    the number must be the export's, and its lines must be mostly the export's own records."""
    if stored and str(carried or "").strip() != stored:
        raise SyncError(tr("« {file} » porte le numéro de l'export {id} ({recipient}) mais pas son empreinte (feuille "
                           "« À lire ») : ce n'est pas le classeur de cet export, ou son numéro a été recopié. Rien "
                           "n'a été pris.", file=path.name, id=plan.export_id, recipient=plan.recipient or "?"))
    own = foreign = 0
    for entity in selection.get("entities", []):
        for row in sheets.get(sheet_name(entity), [])[1:]:
            uuid = str(row[0]).strip() if row and row[0] is not None else ""
            if uuid:
                own, foreign = (own + 1, foreign) if uuid in sent.get(entity, {}) else (own, foreign + 1)
    if foreign and (not stored or foreign > own):
        raise SyncError(tr("« {file} » porte le numéro de l'export {id} ({recipient}), mais {foreign} de ses lignes "
                           "sont des fiches que cet export n'a pas envoyées (contre {own} des siennes) : c'est le "
                           "classeur d'un autre export. Rien n'a été pris.", file=path.name, id=plan.export_id,
                           recipient=plan.recipient or "?", foreign=foreign, own=own))


def _cell(rows: list[list[Any]], reference: str) -> Any:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letter, number = coordinate_from_string(reference)
    column = column_index_from_string(letter) - 1
    return rows[number - 1][column] if number - 1 < len(rows) and column < len(rows[number - 1]) else None


