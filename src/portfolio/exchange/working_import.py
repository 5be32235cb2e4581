"""A working workbook imported as a whole (issue #5): the application's own export, read back into a portfolio
that did not send it. Into an empty portfolio it restores the same records, with the same uuids, so that a
later workbook of either side still matches them.

Every record type's sheet is read, in the order records refer to each other. Each line keeps the uuid of its
column A: a uuid already in the portfolio updates that record (the fields that differ), a new one creates it.
A reference to another record is found by the name the sheet shows, the record's uuid in the hidden column
beside it settling two records of the same name; a name that is neither in the portfolio nor on an earlier
line rejects the line, with its sheet, row and column. The plan is the import's (``plan.ImportPlan``), so it is
previewed, applied in one transaction as one batch, and undone like any import.

A workbook exported from this very portfolio is refused: taking it back is the sync's work (``exchange.sync``),
which compares each field with what was sent rather than overwrite what changed here since.
"""

from __future__ import annotations

import uuid as uuids
import zipfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import InvalidValue, PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.audit import ERASURE_FIELD, last_seq
from portfolio.services.display import TITLE_SQL

from .merge import cell_value, stored_value
from .plan import ImportPlan, NewRecord, Ref, Rejection, Update
from .reading.base import Workbook
from .reading.ooxml import sheet_parts
from .record_keys import KeyGuard
from .sync import export_id_of
from .working_workbook import (
    DEFAULT_ENTITIES,
    EXCHANGED_ENTITIES,
    ID_HEADER,
    RECORD_TARGETS,
    columns,
    header,
    reference_header,
    references,
    sheet_name,
)

README_SHEET = "À lire"


class WorkingImportRefused(PortfolioError):
    """A working workbook that must not be imported here (nothing was written)."""


def looks_like_working_workbook(path: Path) -> bool:
    """True for an .xlsx with the "À lire" sheet and at least one record type's sheet (read from the sheet
    names alone: a damaged or foreign file answers False and is left to the ordinary import's checks)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(sheet_parts(archive, path.name))
    except Exception:
        return False
    ours = sum(sheet_name(entity) in names for entity in DEFAULT_ENTITIES)
    return (README_SHEET in names and ours >= 1) or ours >= 2  # ("À lire" may have been deleted)


def plan_working_import(db: Store, workbook: Workbook) -> ImportPlan:
    """The plan of importing every record type's sheet of ``workbook`` (read with all its sheets)."""
    sheets = {sheet.name: sheet for sheet in workbook.sheets}
    export_id = export_id_of({name: sheet.rows for name, sheet in sheets.items()})
    plan = ImportPlan(workbook.path.name, workbook.sha256, "", None, 0, [])
    with db.read() as session:
        connection = raw_connection(session)
        if export_id and connection.execute("SELECT 1 FROM export_batch WHERE uuid = ?",
                                             (str(export_id),)).fetchone():
            raise WorkingImportRefused(tr(
                "« {file} » est un classeur de travail exporté de cette base (export n° {id}) : reprenez-le par "
                "Fichier > Reprendre le classeur d'une agence… (ou « portfolio sync »), qui compare chaque champ à ce "
                "qui a été envoyé au lieu d'écraser ce qui a changé ici depuis.", file=workbook.path.name,
                id=export_id))
        plan.base_seq = last_seq(connection)
        names = _Names(connection)
        # the people erased here (GDPR) stay erased, whatever an older workbook holds
        erased = {u for (u,) in connection.execute("SELECT DISTINCT record_uuid FROM audit_entry WHERE field = ?",
                                                   (ERASURE_FIELD,))}
        seen: dict[str, str] = {}  # uuid -> the sheet of the line that has it: one record per uuid, all sheets
        for entity in EXCHANGED_ENTITIES:
            sheet = sheets.get(sheet_name(entity))
            if sheet is not None and sheet.rows:
                _plan_sheet(connection, plan, names, entity, sheet.name, sheet.rows, sheet.formula_cells, seen,
                            erased)
    if not plan.entity_sheets:
        raise WorkingImportRefused(tr("« {file} » n'a aucune feuille de fiches avec sa colonne « uuid » en A : "
                                      "importez-en une feuille comme un classeur ordinaire.", file=workbook.path.name))
    plan.sheet = ", ".join(plan.entity_sheets.values())
    return plan


def _plan_sheet(connection: Any, plan: ImportPlan, names: _Names, entity: str, label: str, rows: list[list[Any]],
                formulas: set[tuple[int, int]], seen: dict[str, str], erased: set[str]) -> None:
    headers = [str(h).strip() if h is not None else "" for h in rows[0]]
    if not headers or headers[0] != ID_HEADER:
        plan.rejected.append(Rejection(label, 1, "A", tr("la colonne A n'est plus « uuid » : la feuille n'a pas été "
                                                         "importée.")))
        return
    plan.entity_sheets[entity] = label
    specs = columns(entity, personal=True)
    positions = {spec.name: headers.index(header(spec)) for spec in specs if header(spec) in headers}
    hints = {spec.name: headers.index(reference_header(spec)) for spec in references(specs)
             if reference_header(spec) in headers}
    stored = _stored_records(connection, entity, [spec for spec in specs if spec.name in positions])
    keys = KeyGuard(connection, entity)
    for number, row in enumerate(rows[1:], start=2):
        if not any(value is not None for value in row):
            continue
        plan.rows_read += 1
        try:
            record_uuid = _uuid(row[0] if row else None, seen, erased)
            values = _values(connection, names, entity, specs, positions, hints, row, number, formulas)
            whole = {**stored.get(record_uuid, {}), **values}  # the record as it would be (an update keeps the rest)
            clash = keys.clash(whole, record_uuid)
            if clash:
                raise _RowRejected(None, clash)
        except _RowRejected as rejected:
            plan.rejected.append(Rejection(label, number, rejected.column, rejected.reason))
            continue
        seen[record_uuid] = label
        keys.add(whole)
        current = stored.get(record_uuid)
        if current is None:
            refs = tuple(name for name, value in values.items() if type(value) is Ref)
            plan.creates.append(NewRecord(entity, record_uuid, values, number, refs))
            names.add(entity, record_uuid, values, Ref(entity, record_uuid))
            continue
        names.add(entity, record_uuid, values, current["id"])
        changed = [name for name, value in values.items() if value != current[name]]
        for name in changed:
            plan.updates.append(Update(entity, record_uuid, names.title(entity, values) or record_uuid, name,
                                       current[name], values[name]))
        if changed:
            plan.update_rows.setdefault((entity, record_uuid), number)
        else:
            plan.unchanged += 1


class _RowRejected(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column, self.reason = column, reason


def _uuid(cell: Any, seen: dict[str, str], erased: set[str]) -> str:
    """The line's uuid: kept as written (a new one for a line added without one); refused when malformed,
    already given to an earlier line (of any sheet), or a person's the portfolio erased (GDPR)."""
    text = str(cell).strip() if cell is not None else ""
    if not text:
        from portfolio.db.models import new_uuid

        return new_uuid()
    try:
        canonical = str(uuids.UUID(text))
    except ValueError:
        raise _RowRejected("uuid", tr("« {value} » n'est pas un identifiant (uuid) : laissez la colonne A telle "
                                      "qu'exportée, ou vide pour une fiche nouvelle.", value=text)) from None
    if canonical in seen:
        raise _RowRejected("uuid", tr("l'identifiant {uuid} est déjà celui d'une ligne plus haut (feuille « {sheet} ») "
                                      ": une ligne copiée doit avoir sa colonne A vide.", uuid=canonical,
                                      sheet=seen[canonical]))
    if canonical in erased:
        raise _RowRejected("uuid", tr("cette fiche a été effacée de la base (RGPD) : elle n'est pas importée à "
                                      "nouveau."))
    return canonical


def _values(connection: Any, names: _Names, entity: str, specs: list[fields.FieldSpec], positions: dict[str, int],
            hints: dict[str, int], row: list[Any], number: int, formulas: set[tuple[int, int]]) -> dict[str, Any]:
    """The line's values in their stored form (a record created by an earlier line as its Ref)."""
    values: dict[str, Any] = {}
    for spec in specs:
        column = header(spec)
        position = positions.get(spec.name)
        if position is None:
            if spec.required:
                raise _RowRejected(column, tr("la colonne « {column} » manque, et elle est obligatoire.",
                                              column=column))
            continue
        if (number - 1, position) in formulas:
            raise _RowRejected(column, tr("une formule n'est pas une valeur : tapez la valeur elle-même."))
        cell = row[position] if position < len(row) else None
        try:
            value = cell_value(spec, cell)
            if spec.target in RECORD_TARGETS:
                hint = hints.get(spec.name)
                hinted = row[hint] if hint is not None and hint < len(row) else None
                values[spec.name] = fields.normalise(spec, None) if value is None else \
                    names.find(str(spec.target), value, str(hinted).strip() if hinted else None)
            else:
                values[spec.name] = stored_value(connection, spec, value, entity)
        except (InvalidValue, PortfolioError) as error:
            raise _RowRejected(column, str(error)) from None
    return values


def _stored_records(connection: Any, entity: str, specs: list[fields.FieldSpec]) -> dict[str, dict[str, Any]]:
    """The records of ``entity`` already in the portfolio: uuid -> id and the sheet's fields, stored form."""
    table = fields.table(entity).name
    selected = "".join(f", {spec.name}" for spec in specs)
    records = {}
    for row in connection.execute(f"SELECT uuid, id{selected} FROM {table}"):
        values: dict[str, Any] = {"id": row[1]}
        for spec, value in zip(specs, row[2:], strict=True):
            values[spec.name] = fields.normalise(spec, value) if value is not None else None
        records[row[0]] = values
    return records


class _Names:
    """The records a reference can name: those of the portfolio, and those of the workbook's earlier lines
    (which take precedence: a record renamed by the workbook answers to its new name)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.in_file: dict[str, dict[str, list[tuple[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        self.file_uuids: dict[str, set[str]] = defaultdict(set)
        self.short: dict[Any, str] = {}  # an application (id or Ref) -> its acronym, or its title: a project's name
        self.stored: dict[str, dict[str, list[tuple[str, int]]]] = {}  # entity -> title -> (uuid, id), read once

    def title(self, entity: str, values: dict[str, Any]) -> str | None:
        """The name the export shows for a record of ``entity`` with these values (services.display.TITLE_SQL)."""
        if entity == "organisation":
            return values.get("name")
        if entity == "application":
            acronym, title = values.get("acronym") or "", values.get("title") or ""
            return f"{acronym} — {title}" if acronym else title
        if entity == "project":
            application = values.get("application_id")
            return self.short.get(application) or self._db_short(application)
        return None

    def add(self, entity: str, record_uuid: str, values: dict[str, Any], key: Any) -> None:
        """Records a line of the workbook: ``key`` is the record's id, or its Ref when the plan creates it."""
        if entity == "application":
            self.short[key] = values.get("acronym") or values.get("title") or ""
        title = self.title(entity, values)
        if title is not None:
            self.in_file[entity][title].append((record_uuid, key))
            self.file_uuids[entity].add(record_uuid)

    def find(self, entity: str, title: Any, hinted: str | None) -> Any:
        """The id (or Ref) of the one record of ``entity`` named ``title``; ``hinted``: the uuid the hidden
        column gives, which settles two records of the same name."""
        title = str(title)
        stored = self._titles(entity).get(title, [])
        candidates = list(self.in_file[entity].get(title, []))
        # the hinted record under its name here too: a line still showing a name the workbook changed elsewhere
        chosen = [key for record_uuid, key in candidates + stored if record_uuid == hinted][:1]
        if not chosen:  # by the name alone; a record the workbook renamed answers to its new name only
            chosen = [key for _u, key in candidates + [(u, i) for u, i in stored if u not in self.file_uuids[entity]]]
        if len(chosen) == 1:
            return chosen[0]
        label = fields.entity_label(entity)
        if not chosen:
            raise PortfolioError(tr("aucune fiche « {label} » ne s'appelle « {title} », ni dans la base ni plus haut "
                                    "dans le classeur.", label=label, title=title))
        raise PortfolioError(tr("{n} fiches « {label} » s'appellent « {title} » : gardez l'identifiant de la colonne "
                                "masquée « uuid » voisine pour dire laquelle.", n=len(chosen), label=label,
                                title=title))

    def _titles(self, entity: str) -> dict[str, list[tuple[str, int]]]:
        """Every record of ``entity`` in the portfolio by the name the export shows (one query, not one per
        reference: a workbook names the same organisations thousands of times)."""
        if entity not in self.stored:
            table = fields.table(entity).name
            titles: dict[str, list[tuple[str, int]]] = defaultdict(list)
            for title, record_uuid, record_id in self.connection.execute(
                    f"SELECT {TITLE_SQL[entity]}, uuid, id FROM {table}"):
                titles[str(title)].append((record_uuid, record_id))
            self.stored[entity] = dict(titles)
        return self.stored[entity]

    def _db_short(self, application: Any) -> str | None:
        if not isinstance(application, int):
            return None
        row = self.connection.execute("SELECT CASE WHEN acronym <> '' THEN acronym ELSE title END FROM application "
                                      "WHERE id = ?", (application,)).fetchone()
        return None if row is None else str(row[0])
