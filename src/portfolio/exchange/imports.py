"""Importing a workbook end to end, as the command line and the window do it: read the file safely, find
its table, choose the mapping, plan, apply through the door; the history of imports and their undoing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import app_paths, fields
from portfolio.services.audit import ERASED
from portfolio.services.changes import ApplyResult, Change, Create, Delete, FieldChange, apply_changes
from portfolio.services.files import workbook_writer, write_whole
from portfolio.services.import_batches import IMPORT_FIELD, ImportRecord, imports

from .cells import as_text, new_workbook
from .mapping import ColumnMapping, choose_mapping, known_headers, load_json, save_profile
from .plan import ImportPlan, apply_plan, make_plan, rejected_rows
from .reading import Limits, PendingRead, Workbook, check_xml_defences, read_untrusted, read_workbook
from .table import Table, find_table
from .working_import import looks_like_working_workbook, plan_working_import

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]
UNDO_SOURCE_PREFIX = "annulation de l'import "  # also the window's Ctrl+Z of an import (ui.workspace)
REDO_SOURCE_PREFIX = "rétablissement de l'import "


def stage(progress: Progress | None, start: float, end: float) -> Progress | None:
    """A step's own progress (0 to 1) as its part of the whole import's (``start`` to ``end``): one bar that
    never goes back."""
    if progress is None:
        return None
    return lambda fraction, message: progress(start + (end - start) * min(max(fraction, 0.0), 1.0), message)


@dataclass
class Prepared:
    """A file read, its table found and a mapping chosen: what the wizard shows before the plan."""

    workbook: Workbook
    table: Table
    mapping: ColumnMapping


def read_file(path: Path, *, sheet: str | None = None, untrusted: bool = True, limits: Limits | None = None,
              progress: Progress | None = None, cancelled: Cancelled | None = None,
              all_sheets: bool = False) -> Workbook:
    """The file's values (in a separate process when ``untrusted``), XML defences checked first."""
    check_xml_defences()
    limits = limits or Limits()
    if untrusted:
        return read_untrusted(path, sheet, limits, progress=progress, cancelled=cancelled, all_sheets=all_sheets)
    return read_workbook(path, sheet, limits, all_sheets=all_sheets)


def prepare(path: Path, *, sheet: str | None = None, profile: str | None = None,
            map_data: Mapping[str, Any] | None = None, map_source: str = "", untrusted: bool = True,
            limits: Limits | None = None, profiles: Path | None = None, progress: Progress | None = None,
            cancelled: Cancelled | None = None) -> Prepared:
    """Reads ``path`` and finds its table and mapping."""
    workbook = read_file(path, sheet=sheet, untrusted=untrusted, limits=limits, progress=progress,
                         cancelled=cancelled)
    return with_table(workbook, profile=profile, map_data=map_data, map_source=map_source, profiles=profiles)


def with_table(workbook: Workbook, *, profile: str | None = None, map_data: Mapping[str, Any] | None = None,
               map_source: str = "", profiles: Path | None = None) -> Prepared:
    """The table and mapping of a workbook already read (the wizard keeps the workbook's sheet names when the
    sheet read has no table, so that the user can choose another)."""
    if not workbook.sheets:
        raise PortfolioError(tr("« {file} » ne contient aucune feuille avec des données.", file=workbook.path.name))
    table = find_table(workbook.sheets[0], known_headers(), file_name=workbook.path.name)
    mapping = choose_mapping(table.headers, profile=profile, map_data=map_data, map_source=map_source,
                             profiles_folder=profiles if profiles is not None else app_paths.import_profiles_folder())
    return Prepared(workbook, table, mapping)


TRANSACTIONS_SHEET = "transactions"  # a 360Giving workbook's payments, each under the grant it pays


def plan_import(db: Store, prepared: Prepared, *, untrusted: bool = True, progress: Progress | None = None,
                cancelled: Cancelled | None = None, limits: Limits | None = None, consume: bool = False
                ) -> ImportPlan:
    """The plan of a prepared import (nothing written). A 360Giving workbook's "transactions" sheet is read too:
    its payments are planned after the grants they pay. ``consume``: the file's values are dropped as they are
    planned (``prepared`` cannot be planned again)."""
    transactions = None
    workbook = prepared.workbook
    if prepared.mapping.profile == "360giving" and TRANSACTIONS_SHEET in workbook.sheet_names \
            and prepared.table.sheet != TRANSACTIONS_SHEET:
        read = read_file(workbook.path, sheet=TRANSACTIONS_SHEET, untrusted=untrusted, limits=limits,
                         cancelled=cancelled)
        if read.sha256 != workbook.sha256:
            raise PortfolioError(tr("« {file} » a changé pendant sa lecture : relancez l'import.",
                                    file=workbook.path.name))
        table = find_table(read.sheets[0], known_headers(), file_name=workbook.path.name)
        transactions = (table, choose_mapping(table.headers, profile="360giving-transactions"))
    if consume:  # the table holds its own copy of the rows: the sheet's are no longer needed
        for sheet in workbook.sheets:
            sheet.rows = []
    return make_plan(db, prepared.table, prepared.mapping, file_name=workbook.path.name, sha256=workbook.sha256,
                     untrusted=untrusted, progress=progress, cancelled=cancelled, transactions=transactions,
                     consume=consume)


def run_import(db: Store, path: Path, *, sheet: str | None = None, profile: str | None = None,
               map_file: Path | None = None, dry_run: bool = False, untrusted: bool = True,
               limits: Limits | None = None, profiles: Path | None = None, progress: Progress | None = None,
               cancelled: Cancelled | None = None, reading: PendingRead | None = None
               ) -> tuple[ImportPlan, ApplyResult | None]:
    """Reads, plans and (unless ``dry_run``) applies an import in one transaction. ``reading``: the read of
    ``path`` already started (a ``PendingRead`` with the same sheet and limits, XML defences checked)."""
    if sheet is None and profile is None and map_file is None and looks_like_working_workbook(path):
        if reading is not None:
            reading.close()  # it reads one sheet: a working workbook is read whole
        workbook = read_file(path, untrusted=untrusted, limits=limits, progress=stage(progress, 0.0, 0.4),
                             cancelled=cancelled, all_sheets=True)
        plan = plan_working_import(db, workbook)
        if dry_run:
            return plan, None
        if progress:
            progress(0.95, tr("Écriture dans la base…"))
        return plan, apply_plan(db, plan)
    map_data = load_json(map_file) if map_file is not None else None
    if reading is not None:
        workbook = reading.result(progress=stage(progress, 0.0, 0.4), cancelled=cancelled)
        prepared = with_table(workbook, profile=profile, map_data=map_data, map_source=str(map_file or ""),
                              profiles=profiles)
    else:
        prepared = prepare(path, sheet=sheet, profile=profile, map_data=map_data, map_source=str(map_file or ""),
                           untrusted=untrusted, limits=limits, profiles=profiles,
                           progress=stage(progress, 0.0, 0.4), cancelled=cancelled)
    plan = plan_import(db, prepared, untrusted=untrusted, progress=stage(progress, 0.4, 0.95), cancelled=cancelled,
                       limits=limits, consume=True)
    del prepared  # the file's rows are not needed to write the plan: memory for the writing
    if dry_run:
        return plan, None
    if progress:
        progress(0.95, tr("Écriture dans la base…"))
    return plan, apply_plan(db, plan)


def save_mapping(name: str, prepared: Prepared, folder: Path | None = None) -> Path:
    """Saves the mapping of a prepared import as the profile of a counterpart."""
    return save_profile(folder or app_paths.import_profiles_folder(), name, prepared.mapping, prepared.table.headers)


def write_rejected(plan: ImportPlan, destination: Path) -> Path:
    """The rejected rows as a workbook with a reason column, for the sender to fix and send back."""
    from openpyxl.styles import Font, PatternFill  # imported on use: writing workbooks is rare

    headers, rows = rejected_rows(plan)
    book, sheet = new_workbook()
    sheet.title = tr("Lignes rejetées")[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for values in rows:
        sheet.append(values)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            as_text(cell)  # the sender's values come back as they were, a formula's text as text
        row[2].fill = PatternFill("solid", fgColor="FFF4CE")
    sheet.freeze_panes = "D2"
    sheet.column_dimensions["C"].width = 60
    return write_whole(destination, workbook_writer(book), tr("Le classeur des lignes rejetées"))


# --- history and undo -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PastImport:
    """One import written to this portfolio (``import_batch``), and whether it is undone now."""

    record: ImportRecord
    entries: int  # (the records it created plus those it updated: one entry per field for an update)
    undone: bool

    @property
    def batch(self) -> str:
        return self.record.batch

    @property
    def at_utc(self) -> str:
        return self.record.at_utc

    @property
    def actor(self) -> str:
        return self.record.actor

    @property
    def source(self) -> str:
        """"import FILE (sha256 …), feuille SHEET", as the history shows it."""
        return self.record.source

    def as_json(self) -> dict[str, Any]:
        """The import as `portfolio import --history --json` prints it."""
        record = self.record
        return {"batch": self.batch, "at_utc": self.at_utc, "actor": self.actor, "source": self.source,
                "entries": self.entries, "undone": self.undone, "file": record.file_name, "sha256": record.sha256,
                "sheet": record.sheets_shown, "profile": record.profile, "rows_read": record.rows_read,
                "created": record.created, "updated": record.updated, "rejected": record.rejected}


def call_choices(db: Store) -> list[tuple[str, str]]:
    """The calls an import may take as its default call: (code, label) of every call, by code."""
    with db.read() as session:
        rows = raw_connection(session).execute("SELECT code, label FROM call ORDER BY code").fetchall()
    return [(str(code), str(label)) for code, label in rows]


def import_history(db: Store, limit: int = 200) -> list[PastImport]:
    """The imports written to this portfolio, the latest first (``import_batch``), each undone or not."""
    with db.read() as session:
        records = imports(session, limit=limit)
        connection = raw_connection(session)
        undone = _undone(connection)
        counts = dict(connection.execute(
            f"SELECT batch, count(*) FROM audit_entry WHERE batch IN ({', '.join('?' * len(records))}) "
            "AND (field IS NULL OR field <> ?) GROUP BY batch",  # (the import's own entry is not a change)
            [*records, IMPORT_FIELD]).fetchall()) if records else {}
    return [PastImport(record, int(counts.get(batch, 0)), batch in undone) for batch, record in records.items()]


def _undone(connection: Any) -> set[str]:
    """The imports undone now: their latest undo (from the history or Ctrl+Z) comes after their latest redo."""
    last: dict[str, tuple[int, bool]] = {}
    for source, seq in connection.execute(
            "SELECT source, max(seq) FROM audit_entry WHERE source LIKE ? OR source LIKE ? GROUP BY source",
            (UNDO_SOURCE_PREFIX + "%", REDO_SOURCE_PREFIX + "%")):
        is_undo = source.startswith(UNDO_SOURCE_PREFIX)
        batch = source[len(UNDO_SOURCE_PREFIX if is_undo else REDO_SOURCE_PREFIX):]
        if batch not in last or seq > last[batch][0]:
            last[batch] = (seq, is_undo)
    return {batch for batch, (_seq, is_undo) in last.items() if is_undo}


def undo_changes(db: Store, batch: str) -> list[Change]:
    """The changes that undo a batch, from its audit entries (the latest first)."""
    with db.read() as session:
        connection = raw_connection(session)
        entries = connection.execute(
            "SELECT operation, entity, record_uuid, field, old_value, new_value FROM audit_entry WHERE batch = ? "
            "ORDER BY seq DESC", (batch,)).fetchall()
    # (the trail's own acts are not changes to undo: the import's record, entry ``_import``)
    entries = [entry for entry in entries if not (entry[3] or "").startswith("_")]
    if not entries:
        raise PortfolioError(tr("Aucun import ne porte le numéro « {batch} » dans cette base.", batch=batch))
    if any(ERASED in (old, new) for *_rest, old, new in entries):
        raise PortfolioError(tr("L'import « {batch} » ne peut plus être annulé : des valeurs qu'il a écrites ont "
                                "été effacées depuis (RGPD).", batch=batch))
    changes: list[Change] = []
    for operation, entity, record_uuid, field_name, old, new in entries:
        if operation == "update":
            spec = fields.field_spec(entity, field_name)
            changes.append(FieldChange(entity, record_uuid, field_name, fields.from_json(spec, json.loads(new)),
                                       fields.from_json(spec, json.loads(old))))
        elif operation == "create":
            values = _record_values(entity, json.loads(new))
            changes.append(Delete(entity, record_uuid, values, json.loads(new).get("id")))
        else:
            values = _record_values(entity, json.loads(old))
            changes.append(Create(entity, record_uuid, values, json.loads(old).get("id")))
    return changes


def _record_values(entity: str, stored: Mapping[str, Any]) -> dict[str, Any]:
    specs = {s.name: s for s in fields.editable_fields(entity)}
    return {name: fields.from_json(specs[name], value) for name, value in stored.items() if name in specs}


def undo_import(db: Store, batch: str, *, actor: str | None = None) -> ApplyResult:
    """Undoes a past import through the door, as one new batch. Refused (nothing written) when a record it
    created or changed has been changed since (the message names the field and both values), or has been
    given records of its own since (a contact, a payment: the door's message says a record is still used)."""
    with db.read() as session:
        connection = raw_connection(session)
        entry = connection.execute("SELECT 1 FROM audit_entry WHERE batch = ? LIMIT 1", (batch,)).fetchone()
        known = imports(session, [batch])
        undone = batch in _undone(connection)
    if entry is not None and not known:
        raise PortfolioError(tr("Le lot « {batch} » n'est pas un import : seuls les imports s'annulent ici.",
                                batch=batch))
    if undone:
        raise PortfolioError(tr("L'import « {batch} » a déjà été annulé.", batch=batch))
    changes = undo_changes(db, batch)
    return apply_changes(db, changes, source=UNDO_SOURCE_PREFIX + batch, actor=actor)
