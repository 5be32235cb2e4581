"""The working workbook sent to a regional agency: one sheet per record type, styled for people who live in
spreadsheets, every value with its type, and the export recorded in the database with the exact values sent,
so that the workbook sent back can be merged against them (issue #5).

Each sheet has a hidden, locked first column holding each record's stable uuid, then the record's fields with
French headers; references (region, typology, status…) are shown by name, with a drop-down list where the
choices are few. The first sheet, "À lire", explains how to fill the workbook and carries the export's id.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.db.models import new_uuid
from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.changes import current_actor
from portfolio.services.display import TITLE_SQL
from portfolio.services.files import write_whole
from portfolio.services.gdpr import PERSONAL

from .cells import as_text
from .export_scope import ANCHORS, Scope, from_organisations, from_projects, region_organisations
from .sheet_rows import SheetRows, column_letter, splice

encode = json.JSONEncoder(ensure_ascii=False, default=str, sort_keys=True).encode  # built once: one per record

# what an agency works on, in this order; contacts only when the officer ticks personal data
DEFAULT_ENTITIES = ("organisation", "contact", "application", "application_partner", "project", "aid", "disbursement",
                    "milestone")
# the officer's desk (issue #21): its notes, reminders and the team's officers travel when asked; documents never (a
# workbook's cell does not hold a file: their bytes stay in the portfolio)
ASKED_ENTITIES = ("officer", "note", "reminder")
# every type a workbook may carry, in the order a workbook taken back is read: what is referred to first
EXCHANGED_ENTITIES = ("officer", *DEFAULT_ENTITIES, "note", "reminder")
RECORD_TARGETS = ("organisation", "application", "project")  # records referred to by name, and by a hidden uuid
LISTED = ("region", "department", "typology", "status", "call", "operator")  # references offered as drop-downs
ID_HEADER = "uuid"
EXPORT_ID_CELL = "B3"  # on the "À lire" sheet: where the sync finds the export's id
FINGERPRINT_LABEL = "Empreinte de l'export"  # (in French in every language: the sync finds it by this label)
FORMATS = {"money": '#,##0.00\\ "€"', "date": "DD/MM/YYYY", "int": "0"}
WIDTHS = {"money": 16, "date": 12, "bool": 8, "int": 10, "siren": 12, "siret": 17, "code": 14}
MAX_ROWS = 1_048_575  # a sheet's rows, the header aside


class ExportError(PortfolioError):
    """An export that cannot be written; nothing was recorded."""


@dataclass(frozen=True)
class Selection:
    """What goes into a working workbook."""

    entities: tuple[str, ...] = DEFAULT_ENTITIES
    region: str | None = None  # a region's code: the records of the organisations of that region
    personal: bool = False  # contacts' names, emails and phones (left out unless asked)
    recipient: str = ""
    view: str | None = None  # a saved view of organisations, applications or projects (services.views)
    documents: bool = False  # the package's documents, in a folder beside the workbook (package_documents)

    def as_json(self) -> dict[str, Any]:
        return {"entities": list(self.entities), "region": self.region, "personal": self.personal,
                "view": self.view, "documents": self.documents}


@dataclass
class ExportResult:
    """What an export wrote."""

    export_id: str
    path: Path
    rows: dict[str, int] = field(default_factory=dict)  # entity -> records written
    sha256: str = ""  # of the workbook's bytes
    fingerprint: str = ""  # of the number and what was sent (export_fingerprint)
    documents: list[Path] = field(default_factory=list)  # the documents written beside it, when asked


def sheet_name(entity: str) -> str:
    """A record type's sheet: its French name whatever the application's language, so that a workbook sent
    from one language is taken back in the other."""
    return str(fields.model(entity).__label__)[:31]


def header(spec: fields.FieldSpec) -> str:
    """A field's column header: its French label, for the same reason."""
    return str(fields.table(spec.entity).columns[spec.name].info["label"])


def reference_header(spec: fields.FieldSpec) -> str:
    """The header of the hidden column holding the uuid of the record a field refers to ("uuid Structure"):
    a name can be shared by two records, the uuid cannot, so the workbook imports back exactly."""
    return f"{ID_HEADER} {header(spec)}"


def references(specs: Sequence[fields.FieldSpec]) -> list[fields.FieldSpec]:
    """The fields among ``specs`` that refer to another record of the workbook (not to a list's value)."""
    return [spec for spec in specs if spec.target in RECORD_TARGETS]


def columns(entity: str, personal: bool, entities: Sequence[str] = DEFAULT_ENTITIES) -> list[fields.FieldSpec]:
    """The fields a sheet carries: every editable field, a contact's personal ones only when asked, a reference to
    a type sent only when asked (a project's officer in charge) only when that type is sent (``entities``)."""
    specs = [spec for spec in fields.editable_fields(entity)
             if spec.target not in ASKED_ENTITIES or spec.target in entities]
    if entity == "contact" and not personal:
        return [spec for spec in specs if spec.name not in PERSONAL]
    return specs


def export_working_workbook(db: Store, selection: Selection, destination: Path) -> ExportResult:
    """Writes the workbook (whole or not at all), then records the export and every record's values sent, in
    one transaction: a workbook that could not be written is not recorded."""
    entities = [e for e in selection.entities if e in EXCHANGED_ENTITIES and (e != "contact" or selection.personal)]
    if not entities:
        raise ExportError(tr("Rien à exporter : choisissez au moins un type de fiche (les contacts demandent "
                             "d'inclure les données personnelles)."))
    export_id = new_uuid()
    sent: list[tuple[str, str, str]] = []
    result = ExportResult(export_id, destination)
    with db.read() as session:
        connection = raw_connection(session)
        scope = _scope(session, connection, selection)

        def write(path: Path) -> None:
            _write(connection, path, export_id, selection, entities, scope, sent, result)

        write_whole(destination, write, tr("Le classeur"))
        if selection.documents:
            from .package_documents import write_documents

            result.documents = write_documents(connection, scope, destination, selection.personal)
    with db.write() as session:
        connection = raw_connection(session)
        connection.execute(
            "INSERT INTO export_batch (uuid, created_utc, actor, recipient, selection, file_name, sha256, fingerprint) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (export_id, datetime.now(UTC).isoformat(timespec="microseconds"), current_actor(), selection.recipient,
             json.dumps(selection.as_json(), ensure_ascii=False), destination.name, result.sha256,
             result.fingerprint))
        connection.executemany("INSERT INTO export_row (export_uuid, entity, record_uuid, sent_values) "
                               "VALUES (?, ?, ?, ?)", [(export_id, *row) for row in sent])
    return result


def _scope(session: Any, connection: Any, selection: Selection) -> Scope | None:
    """The package's records: a region's, a saved view's, or both (a view of organisations within a region)."""
    from portfolio.services.listing import query_ids
    from portfolio.services.views import find_view

    if selection.region is None and selection.view is None:
        return None
    try:
        organisations = region_organisations(connection, selection.region) if selection.region else None
        if selection.view is None:
            return from_organisations(connection, organisations or [])
        query = find_view(selection.view, ANCHORS)
    except PortfolioError as error:
        raise ExportError(str(error)) from None
    try:
        ids = query_ids(session, query)
    except Exception as error:  # a view's values the list no longer takes (a file edited by hand)
        raise ExportError(tr("La vue « {name} » ne s'applique plus ({reason}) : appliquez à nouveau vos filtres et "
                             "enregistrez-la.", name=selection.view, reason=error)) from None
    if query.entity == "organisation":
        chosen = ids if organisations is None else sorted(set(ids) & set(organisations))
        return from_organisations(connection, chosen)
    if organisations is not None:
        raise ExportError(tr("Une région et une vue de {label} ne se combinent pas : choisissez l'une ou l'autre "
                             "(une vue des structures, elle, se restreint à la région).",
                             label=fields.entity_label(query.entity)))
    return from_projects(connection, ids if query.entity == "application" else [],
                         ids if query.entity == "project" else [])


def _write(connection: Any, path: Path, export_id: str, selection: Selection, entities: Sequence[str],
           scope: Scope | None, sent: list[tuple[str, str, str]], result: ExportResult) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    rows: dict[Any, SheetRows] = {}  # each record type's sheet -> its data rows, spliced in after the save
    try:
        _sheets(book, connection, export_id, selection, entities, scope, sent, result, rows)
        skeleton = io.BytesIO()
        book.save(skeleton)  # in memory first: a file that cannot be written leaves no half-closed sheet behind
        buffer = io.BytesIO()
        splice(skeleton.getvalue(), {sheet.path.lstrip("/"): part for sheet, part in rows.items()}, buffer)
    except BaseException:
        with contextlib.suppress(Exception):
            book.save(io.BytesIO())  # closes the sheets' streams: nothing is printed when they are collected
        raise
    finally:
        for part in rows.values():
            part.close()
    data = buffer.getvalue()
    result.sha256 = hashlib.sha256(data).hexdigest()  # of the bytes written: the file is not read back
    path.write_bytes(data)


def _sheets(book: Any, connection: Any, export_id: str, selection: Selection, entities: Sequence[str],
            scope: Scope | None, sent: list[tuple[str, str, str]], result: ExportResult,
            rows: dict[Any, SheetRows]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.worksheet.datavalidation import DataValidation

    readme = _readme(book, export_id, selection, entities)
    lists = _lists(connection)
    list_sheet = book.create_sheet("Listes")
    list_sheet.sheet_state = "hidden"
    list_ranges: dict[str, str] = {}
    for index, (target, names) in enumerate(lists.items()):
        letter = column_letter(index + 1)
        list_ranges[target] = f"'Listes'!${letter}$2:${letter}${max(len(names), 1) + 1}"
    for row in _transpose([[t, *n] for t, n in lists.items()]):
        list_sheet.append([as_text(WriteOnlyCell(list_sheet, value=v)) for v in row])  # a label is never a formula
    unlocked, bold = Protection(locked=False), Font(bold=True)
    header_fill = PatternFill("solid", fgColor="DDE5F0")
    for entity in entities:
        specs = columns(entity, selection.personal, selection.entities)
        sheet = book.create_sheet(sheet_name(entity))
        sheet.freeze_panes = "B2"
        sheet.column_dimensions["A"].hidden = True
        for index, spec in enumerate(specs, start=2):
            dimension = sheet.column_dimensions[column_letter(index)]
            dimension.width = WIDTHS.get(spec.kind, 28)
            dimension.protection = unlocked  # the empty cells below too: the agency adds lines there
        linked = references(specs)
        for index in range(len(specs) + 2, len(specs) + len(linked) + 2):
            sheet.column_dimensions[column_letter(index)].hidden = True  # locked, like the uuid column
        titles = []
        for label in [ID_HEADER, *[header(spec) for spec in specs], *[reference_header(spec) for spec in linked]]:
            cell = WriteOnlyCell(sheet, value=label)
            cell.font, cell.fill = bold, header_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            titles.append(cell)
        sheet.append(titles)
        part = rows[sheet] = SheetRows([None, *[_column_style(sheet, spec, unlocked) for spec in specs],
                                        *[None] * len(linked)])
        names = [spec.name for spec in specs]
        count = 0
        for uuid, values in record_values(connection, entity, specs, scope, with_references=True):
            count += 1
            if count > MAX_ROWS:
                raise ExportError(tr("« {label} » dépasse le million de lignes d'une feuille : filtrez l'export "
                                     "(par région).", label=fields.entity_label(entity)))
            shown, linked_uuids = values[:len(specs)], values[len(specs):]
            part.append([uuid, *[_shown(spec, value) for spec, value in zip(specs, shown, strict=True)],
                         *linked_uuids])
            sent.append((entity, uuid, encode(dict(zip(names, shown, strict=True)))))
        result.rows[entity] = count
        last = column_letter(len(specs) + 1)
        sheet.auto_filter.ref = f"A1:{last}{count + 1}"
        for index, spec in enumerate(specs, start=2):
            listed = spec.kind if spec.kind.startswith("status:") else spec.target if spec.target in LISTED else None
            if listed and listed in list_ranges:
                validation = DataValidation(type="list", formula1=f"={list_ranges[listed]}", allow_blank=True,
                                            showErrorMessage=True, errorTitle=tr("Valeur inconnue"),
                                            error=tr("Choisissez une valeur dans la liste."))
                validation.add(f"{column_letter(index)}2:{column_letter(index)}{max(count, 1) + 1000}")
                sheet.data_validations.append(validation)
        sheet.protection.sheet = True  # the uuid column is locked; every other cell is not
        for option in ("autoFilter", "sort", "formatColumns", "formatRows", "insertRows"):
            setattr(sheet.protection, option, False)
    # the number is bound to what was sent: at the return, another export's number is refused (exchange.sync)
    result.fingerprint = export_fingerprint(export_id, selection.recipient, selection.as_json(), sent)
    named = WriteOnlyCell(readme, value=FINGERPRINT_LABEL)
    named.font = bold
    readme.append([])
    readme.append([named, WriteOnlyCell(readme, value=result.fingerprint)])


def _column_style(sheet: Any, spec: fields.FieldSpec, unlocked: Any) -> int:
    """The style index of a column's cells: unlocked (the sheet is protected for its uuid column only), with the
    number format of its kind (a SIRET or a code as text: leading zeros kept, never read as a number)."""
    from openpyxl.cell import WriteOnlyCell

    template = WriteOnlyCell(sheet)
    template.protection = unlocked
    if spec.kind in FORMATS:
        template.number_format = FORMATS[spec.kind]
    elif spec.kind in ("siren", "siret", "code", "phone"):
        template.number_format = "@"
    return int(template.style_id)  # looked up (and added to the workbook's styles) once per column


def export_fingerprint(export_id: str, recipient: str, selection: dict[str, Any],
                       sent: Sequence[tuple[str, str, str]]) -> str:
    """What binds an export's number to what was sent: SHA-256 of the number, the recipient, the selection and
    every record's values sent (issue #18: another export's number pasted into a workbook is refused)."""
    content = json.dumps([export_id, recipient, selection, sorted(sent)], ensure_ascii=False, sort_keys=True,
                         separators=(",", ":"))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _readme(book: Any, export_id: str, selection: Selection, entities: Sequence[str]) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet("À lire")  # (French in every language: the sync finds the export's id there)
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 100
    title = WriteOnlyCell(sheet, value=tr("Classeur de travail du portefeuille SASN"))
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    sheet.append([])
    wrap = Alignment(wrap_text=True, vertical="top")
    rows = [
        (tr("Numéro de l'export"), export_id),  # EXPORT_ID_CELL: B3
        (tr("Date"), datetime.now().strftime("%d/%m/%Y %H:%M")),
        (tr("Destinataire"), selection.recipient or "—"),
        (tr("Contenu"), ", ".join(fields.entity_label(e) for e in entities)
         + (tr(" ; région {code}", code=selection.region) if selection.region else "")),
        (tr("Données personnelles"), tr("incluses") if selection.personal else tr("non incluses")),
        ("", ""),
        (tr("Comment remplir"), tr(
            "Modifiez les valeurs directement dans les feuilles ; ajoutez une fiche sur une nouvelle ligne en bas "
            "de sa feuille. Les montants sont en euros, les dates au format JJ/MM/AAAA. Les colonnes avec une "
            "liste (statut, région, typologie…) n'acceptent que les valeurs proposées.")),
        (tr("À ne pas faire"), tr(
            "Ne supprimez pas de ligne : une ligne absente au retour est signalée au chargé de mission, la fiche "
            "n'est pas supprimée. Ne modifiez ni le nom des feuilles et des colonnes, ni la colonne masquée "
            "« uuid » : elle relie chaque ligne à sa fiche.")),
        (tr("Retour"), tr(
            "Renvoyez le classeur tel quel : à son retour, vos modifications sont comparées, champ par champ, "
            "à ce qui vous a été envoyé et à ce qui a changé depuis dans le portefeuille ; rien n'est écrasé "
            "sans que le chargé de mission ne le voie.")),
    ]
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for label, value in rows:  # (a recipient typed with a control character: the character is left out)
        left = WriteOnlyCell(sheet, value=label)
        right = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
        left.font, right.alignment = Font(bold=True), wrap
        sheet.append([left, as_text(right)])
    return sheet


def _lists(connection: Any) -> dict[str, list[str]]:
    """The names offered in drop-downs, per referenced entity."""
    lists = {}
    for target in LISTED:
        table = fields.table(target).name
        if target == "status":  # one list per record type: a project is offered only a project's statuses
            for (entity,) in connection.execute("SELECT DISTINCT entity FROM status ORDER BY entity").fetchall():
                lists[f"status:{entity}"] = [str(r[0]) for r in connection.execute(
                    "SELECT label FROM status WHERE entity = ? ORDER BY sort_order, label", (entity,))]
            continue
        names = [str(row[0]) for row in connection.execute(
            f"SELECT {TITLE_SQL[target]} FROM {table} ORDER BY {TITLE_SQL[target]}") if row[0] is not None]
        lists[target] = list(dict.fromkeys(names))
    return lists


def record_values(connection: Any, entity: str, specs: Sequence[fields.FieldSpec], scope: Scope | None, *,
                  with_references: bool = False) -> Iterator[tuple[str, list[Any]]]:
    """Each record's uuid and values as stored, references replaced by their titles (in one query);
    ``with_references``: followed by the uuids of the records its ``references`` refer to."""
    table = fields.table(entity).name
    selected = []
    for spec in specs:
        target = spec.target
        if target is None:
            selected.append(f"t.{spec.name}")
        else:
            target_table = fields.table(target).name
            title = TITLE_SQL[target].replace(f"{target_table}.", "r.")
            selected.append(f"(SELECT {title} FROM {target_table} r WHERE r.id = t.{spec.name})")
    for spec in references(specs) if with_references else []:
        selected.append(f"(SELECT uuid FROM {fields.table(str(spec.target)).name} r WHERE r.id = t.{spec.name})")
    where, parameters = scope.where(connection, entity) if scope is not None else ("1 = 1", {})
    sql = f"SELECT t.uuid, {', '.join(selected)} FROM {table} t WHERE {where} ORDER BY t.id"
    for row in connection.execute(sql, parameters):
        yield row[0], list(row[1:])


def _shown(spec: fields.FieldSpec, value: Any) -> Any:
    """A stored value as the cell holds it: euros for cents, a date for an ISO date, Oui/Non for a flag."""
    if value is None:
        return None
    if spec.kind == "money":
        return Decimal(int(value)) / 100
    if spec.kind == "date":
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    if spec.kind == "bool":
        return tr("Oui") if value else tr("Non")
    return value


def _transpose(columns_: list[list[str]]) -> list[list[str | None]]:
    height = max((len(c) for c in columns_), default=0)
    return [[c[i] if i < len(c) else None for c in columns_] for i in range(height)]
