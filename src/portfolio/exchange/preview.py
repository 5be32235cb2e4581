"""What the import wizard shows, computed without Qt: the file read and its table found (``prepare_file``, or
``read_whole_workbook`` for a working workbook), a plan's records named for people (``make_preview``), the
texts its pages show (cell samples, the mapping's confidence, the summaries and details of a plan) and the
choices made on its mapping page (a column's field, the default call, the calls the file names). The window
(ui.import_wizard) only puts these on screen; the reading and the planning run off its UI thread.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portfolio.db.store import Store
from portfolio.domain.dates import format_date
from portfolio.domain.errors import PortfolioError
from portfolio.domain.i18n import N_, tr
from portfolio.domain.money import format_int
from portfolio.domain.referential import fold
from portfolio.services import fields
from portfolio.services.display import display, record_title

from . import imports
from .mapping import BUILT_IN, FIELDS, ColumnMapping
from .plan import ORDER, ImportPlan, Rejection
from .reading import Workbook
from .table import Table, column_name, is_blank
from .values import parse_text
from .working_import import plan_working_import

Progress = Callable[[float, str], None]
Cancelled = Callable[[], bool]

SAMPLES = 3  # example values shown per column on the mapping page
PREVIEW_ROWS = 10  # rows of the file shown on the first page
MAX_SHOWN = 2000  # rows of each detail table of the preview (the rest is counted, and saved with the rejects)
SAMPLE_WIDTH = 40


# --- cells and the mapping, as the pages show them -------------------------------------------------------


def sample_text(value: Any) -> str:
    """A cell value as the wizard shows it: dates and numbers the French way, long text shortened."""
    if isinstance(value, datetime):
        shown = format_date(value.date()) if value.time() == datetime.min.time() else \
            value.strftime("%d/%m/%Y %H:%M")
    elif isinstance(value, date):
        shown = format_date(value)
    elif isinstance(value, bool):
        shown = tr("Oui") if value else tr("Non")
    elif isinstance(value, int):
        shown = str(value)  # no grouping: SIRET and other identifiers are often stored as numbers
    elif isinstance(value, float):
        shown = _french_float(value)
    else:
        shown = " ".join(str(value).split())
    return shown if len(shown) <= SAMPLE_WIDTH else shown[:SAMPLE_WIDTH - 1] + "…"


def _french_float(value: float) -> str:
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return f"{value:.15g}".replace(".", ",")


def confidence_mark(confidence: float | None, manual: bool = False) -> tuple[str, str, str]:
    """(marks, words, colour key) of a column's mapping: ●●● sûre, ●●○ probable, ●○○ à vérifier."""
    if manual:
        return "✎", tr("choisie"), "manual"
    if confidence is None:
        return "", "", ""
    if confidence >= 0.9:
        return "●●●", tr("sûre"), "high"
    if confidence >= 0.6:
        return "●●○", tr("probable"), "medium"
    return "●○○", tr("à vérifier"), "low"


def profile_text(profile: str | None) -> str:
    """How the mapping was found, for people."""
    if profile in BUILT_IN:
        return tr("Format reconnu : {label}", label=tr(BUILT_IN[profile].label))
    if profile:
        return tr("Correspondance enregistrée pour « {name} »", name=profile)
    return tr("Format non reconnu : correspondance devinée d'après les noms des colonnes, à vérifier")


def table_text(prepared: imports.Prepared) -> str:
    """Where the table was found in the sheet, and its size."""
    table = prepared.table
    return tr("En-têtes trouvés ligne {row}, colonne {letter} — colonnes : {columns} (dont reconnues : {mapped}) ; "
              "lignes de données : {rows}.", row=format_int(table.header_row),
              letter=column_name(table.first_column), columns=format_int(len(table.headers)),
              rows=format_int(len(table.rows)), mapped=format_int(len(prepared.mapping.columns)))


def whole_table_text(plan: ImportPlan) -> str:
    """The record sheets of a working workbook read whole, and their lines."""
    return tr("Feuilles de fiches : {sheets} — lignes : {rows}.", sheets=plan.sheet, rows=format_int(plan.rows_read))


def first_rows(table: Table) -> tuple[list[str], list[tuple[str, ...]]]:
    """(their row numbers, their values as shown) of the table's first rows."""
    rows = table.rows[:PREVIEW_ROWS]
    return ([str(number) for number, _values in rows],
            [tuple(sample_text(v) if not is_blank(v) else "" for v in values) for _number, values in rows])


def column_samples(table: Table, column: int) -> list[str]:
    """A few of a column's values, as shown, for the user to see what it holds."""
    return [sample_text(values[column]) for _n, values in table.rows
            if column < len(values) and not is_blank(values[column])][:SAMPLES]


def map_column(mapping: ColumnMapping, column: int, key: str | None) -> list[int]:
    """Maps a column to a field (None: ignored), as the user chose: a field is filled by one column, so the other
    columns mapped to it are ignored from now on. Returns those columns."""
    if key is None:
        mapping.columns.pop(column, None)
        mapping.confidence.pop(column, None)
        return []
    ignored = []
    for other, mapped in list(mapping.columns.items()):
        if mapped == key and other != column:
            del mapping.columns[other]
            mapping.confidence.pop(other, None)
            ignored.append(other)
    mapping.columns[column] = key
    mapping.confidence[column] = 1.0
    return ignored


def ignored_text(headers: list[str], ignored: int, column: int, key: str) -> str:
    """Why a column is ignored now: another one fills its field."""
    return tr("La colonne « {header} » est maintenant ignorée : « {field} » est rempli par « {chosen} ».",
              header=headers[ignored], field=tr(FIELDS[key]), chosen=headers[column])


# --- the calls a file names ------------------------------------------------------------------------------


def set_default_call(mapping: ColumnMapping, code: str | None) -> None:
    """The call (its code) of the rows whose file gives none; None: no default call."""
    if code:
        mapping.defaults["call"] = code
    else:
        mapping.defaults.pop("call", None)


def set_call_choices(mapping: ColumnMapping, choices: Mapping[str, str]) -> None:
    """The portfolio's call (code) of each call named in the file that the user associated."""
    if choices:
        mapping.defaults["calls"] = dict(choices)
    else:
        mapping.defaults.pop("calls", None)


def file_calls(prepared: imports.Prepared) -> list[tuple[str, int]]:
    """The calls the file names (in the column mapped to the call), with their number of rows."""
    column = prepared.mapping.column_of("project.call")
    if column is None:
        return []
    counts: dict[str, int] = {}
    for _number, values in prepared.table.rows:
        value = values[column] if column < len(values) else None
        name = None if is_blank(value) else parse_text(value)
        if name:
            counts[name] = counts.get(name, 0) + 1
    return sorted(counts.items(), key=lambda item: fold(item[0]))


def recognised_call(name: str, calls: list[tuple[str, str]]) -> str | None:
    """The call among ``calls`` ((code, label)) a file's call name designates by itself (its code, its label, or
    the start of one label), as the import matches it."""
    folded = fold(name)
    for code, label in calls:
        if folded in (fold(code), fold(label)):
            return code
    starts = [code for code, label in calls if fold(label).startswith(folded)]
    return starts[0] if len(starts) == 1 else None


def calls_text(names: list[tuple[str, int]], chosen: Mapping[str, str], recognised: Callable[[str], str | None],
               default: str | None) -> tuple[str, bool]:
    """(what becomes of the calls the file names, whether rows will be rejected for an unknown call)."""
    found = sum(1 for name, _n in names if name not in chosen and recognised(name))
    associated = sum(1 for name, _n in names if name in chosen)
    unknown = len(names) - found - associated
    template = (N_("distincts : {n} — reconnus : {recognised} ; associés : {associated} ; rattachés à l'appel "
                   "par défaut : {unknown}") if default else
                N_("distincts : {n} — reconnus : {recognised} ; associés : {associated} ; inconnus, leurs lignes "
                   "seront rejetées : {unknown}"))
    text = tr(template, n=format_int(len(names)), recognised=format_int(found),
              associated=format_int(associated), unknown=format_int(unknown))
    return text, bool(unknown and not default)


# --- the preview, computed off the UI thread ------------------------------------------------------------


@dataclass
class Preview:
    """A plan and its rows as shown (record names and values in French), computed in the background."""

    plan: ImportPlan
    creates: list[tuple[str, str, str]] = field(default_factory=list)  # type, row, name
    updates: list[tuple[str, str, str, str]] = field(default_factory=list)  # record, field, old, new


NAME_FIELDS = ("name", "acronym", "title", "label")
REFERENCE_FIELDS = (("organisation_id", "organisation"), ("application_id", "application"),
                    ("project_id", "project"))


def make_preview(db: Store, plan: ImportPlan) -> Preview:
    """The plan's created and updated records named for people (references resolved, values formatted)."""
    preview = Preview(plan)
    created = {record.uuid: record for record in plan.creates}
    names: dict[Any, str] = {}
    with db.read() as session:

        def resolve(entity: str, value: Any) -> str:
            uuid = getattr(value, "uuid", None)
            key = uuid if uuid is not None else (entity, value)
            if key not in names:
                if uuid is not None:
                    record = created.get(uuid)
                    names[key] = name_of(record.entity, record.values) if record is not None else ""
                elif isinstance(value, int):
                    names[key] = record_title(session, entity, value)
                else:
                    names[key] = "" if value is None else str(value)
            return names[key]

        def name_of(entity: str, values: dict[str, Any]) -> str:
            own = next((str(values[k]) for k in NAME_FIELDS if values.get(k)), "")
            others = [resolve(target, values[key]) for key, target in REFERENCE_FIELDS if values.get(key) is not None]
            if own and entity != "disbursement":
                return own
            return " — ".join(p for p in [own, *others] if p)

        def shown(spec: fields.FieldSpec | None, value: Any) -> str:
            if spec is None:
                return sample_text(value) if value is not None else ""
            if spec.target and value is not None:
                return resolve(spec.target, value)
            try:
                return display(spec.kind, value)
            except (TypeError, ValueError):
                return str(value)

        for record in plan.creates[:MAX_SHOWN]:
            preview.creates.append((fields.entity_label(record.entity), format_int(record.source_row),
                                    name_of(record.entity, record.values)))
        for update in plan.updates[:MAX_SHOWN]:
            try:
                spec: fields.FieldSpec | None = fields.field_spec(update.entity, update.field)
            except PortfolioError:
                spec = None
            label = spec.label if spec is not None else update.field
            preview.updates.append((f"{fields.entity_label(update.entity)} — {update.record}", label,
                                    shown(spec, update.old), shown(spec, update.new)))
    return preview


@dataclass
class NoTable:
    """A file read, but no table found in the sheet read: the other sheets can still be chosen."""

    workbook: Workbook
    sheet: str | None
    error: PortfolioError


@dataclass
class WholeWorkbook:
    """A working workbook of the portfolio, read whole and planned: no mapping to choose, every record type's
    sheet imported with its uuids (exchange.working_import)."""

    workbook: Workbook
    preview: Preview


def read_whole_workbook(db: Store, path: Path, progress: Progress | None = None,
                        cancelled: Cancelled | None = None) -> WholeWorkbook:
    """Reads every sheet of a working workbook and plans its import (off the UI thread)."""
    workbook = imports.read_file(path, untrusted=True, progress=progress, cancelled=cancelled, all_sheets=True)
    return WholeWorkbook(workbook, make_preview(db, plan_working_import(db, workbook)))


def prepare_file(path: Path, sheet: str | None, progress: Progress | None = None,
                 cancelled: Cancelled | None = None) -> imports.Prepared | NoTable:
    """``imports.prepare`` in two steps, so that a sheet without a table keeps the workbook's list of sheets."""
    workbook = imports.read_file(path, sheet=sheet, untrusted=True, progress=progress, cancelled=cancelled)
    try:
        return imports.with_table(workbook)
    except PortfolioError as exc:
        return NoTable(workbook, workbook.sheets[0].name if workbook.sheets else sheet, exc)


# --- a plan, as the preview and the last step say it -----------------------------------------------------


def counts(plan: ImportPlan) -> tuple[list[tuple[str, int, int]], int, int]:
    """(type of record, created, updated) of each type the plan creates or updates, then the totals."""
    created, updated = plan.created_counts(), plan.updated_counts()
    rows = [(fields.entity_label(e), created.get(e, 0), updated.get(e, 0)) for e in ORDER
            if created.get(e) or updated.get(e)]
    return rows, sum(created.values()), sum(updated.values())


def preview_text(plan: ImportPlan) -> str:
    """The file and the records the import would create and change."""
    created, updated = sum(plan.created_counts().values()), sum(plan.updated_counts().values())
    if not plan.entity_sheets:
        return tr("<b>{file}</b>, feuille « {sheet} » — fiches à créer : {created} ; fiches à modifier : {updated}.",
                  file=plan.file_name, sheet=plan.sheet, created=format_int(created), updated=format_int(updated))
    return tr("<b>{file}</b>, classeur de travail — fiches à créer : {created} ; fiches à modifier : {updated}.",
              file=plan.file_name, created=format_int(created), updated=format_int(updated))


def rows_text(plan: ImportPlan) -> str:
    """What became of the file's rows: read, unchanged, rejected, imported with a remark."""
    return tr("Lignes lues : <b>{read}</b><br>Lignes sans changement : <b>{unchanged}</b><br>Lignes rejetées : "
              "<b>{rejected}</b><br>Remarques sur des lignes importées : <b>{flagged}</b>",
              read=format_int(plan.rows_read), unchanged=format_int(plan.unchanged),
              rejected=format_int(len(plan.rejected)), flagged=format_int(len(plan.flagged)))


def where(plan: ImportPlan, rejection: Rejection) -> str:
    """The column at fault; with its sheet, for a working workbook's several sheets."""
    if plan.entity_sheets:
        return f"{rejection.sheet} : {rejection.column}" if rejection.column else rejection.sheet
    return rejection.column or ""


def rejected_shown(plan: ImportPlan) -> list[tuple[str, str, str]]:
    """The rejected rows shown: row, column (and sheet), reason."""
    return [(format_int(r.row), where(plan, r), r.reason) for r in plan.rejected[:MAX_SHOWN]]


def flagged_shown(plan: ImportPlan) -> list[tuple[str, str, str]]:
    """The remarks on rows imported shown: row, column, remark."""
    return [(format_int(r.row), r.column or "", r.reason) for r in plan.flagged[:MAX_SHOWN]]


def detail_tabs(plan: ImportPlan) -> list[tuple[str, str]]:
    """(title, tooltip) of the preview's details: creations, changes, rejected rows, remarks."""
    tabs = []
    for title, total in ((N_("Créations ({n})"), len(plan.creates)), (N_("Modifications ({n})"), len(plan.updates)),
                         (N_("Lignes rejetées ({n})"), len(plan.rejected)), (N_("Remarques ({n})"), len(plan.flagged))):
        tabs.append((tr(title, n=format_int(total)),
                     tr("{shown} premières lignes affichées sur {total}", shown=format_int(MAX_SHOWN),
                        total=format_int(total)) if total > MAX_SHOWN else ""))
    return tabs


def first_detail(plan: ImportPlan) -> int:
    """The detail shown first (an index of ``detail_tabs``): the rejected rows, else the changes, else the
    creations."""
    first = next((i for i, n in enumerate((plan.rejected, plan.updates, plan.creates)) if n), 0)
    return (2, 1, 0)[first]


def apply_text(plan: ImportPlan) -> str:
    """What the import will write (or that it has nothing to write)."""
    if plan.is_empty:
        return tr("<b>Rien à importer</b> : les lignes de « {file} » sont déjà dans le portefeuille, ou rejetées "
                  "({rejected}).", file=plan.file_name, rejected=format_int(len(plan.rejected)))
    created, updated = sum(plan.created_counts().values()), sum(plan.updated_counts().values())
    return tr("<b>Prêt à importer « {file} »</b> — fiches à créer : {created} ; fiches à modifier : {updated} ; "
              "lignes rejetées, qui ne seront pas importées : {rejected}.", file=plan.file_name,
              created=format_int(created), updated=format_int(updated), rejected=format_int(len(plan.rejected)))


def done_text(plan: ImportPlan) -> str:
    """What the import wrote."""
    created, updated = sum(plan.created_counts().values()), sum(plan.updated_counts().values())
    return tr("<b>Import terminé</b> — fiches créées : {created} ; fiches modifiées : {updated} ; lignes rejetées, "
              "non importées : {rejected}. Les listes sont à jour.", created=format_int(created),
              updated=format_int(updated), rejected=format_int(len(plan.rejected)))
