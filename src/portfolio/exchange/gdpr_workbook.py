"""Everything the portfolio holds about a person, in a workbook they can be given (GDPR right of access): their
contact records, and every audit entry about them (when, who, from where, which field, old and new value)."""

from __future__ import annotations

from pathlib import Path

from portfolio.domain.i18n import tr
from portfolio.services import fields
from portfolio.services.audit import ERASURE_FIELD
from portfolio.services.files import workbook_writer, write_whole
from portfolio.services.gdpr import PERSONAL, PersonData, readable_value
from portfolio.services.history import OPERATIONS

from .cells import as_text, new_workbook


def write_person_workbook(person: PersonData, destination: Path) -> Path:
    """Writes the person's records and history to ``destination`` (whole or not at all)."""
    from openpyxl.styles import Font  # imported on use: writing workbooks is rare

    book, records = new_workbook()
    records.title = tr("Fiches")
    records.append([tr("N°"), tr("Structure"), *[fields.field_spec("contact", name).label for name in PERSONAL]])
    for contact in person.contacts:
        records.append([contact["id"], contact["organisation"] or "", *[contact[name] or "" for name in PERSONAL]])
    journal = book.create_sheet(tr("Journal"))
    journal.append([tr("N° d'entrée"), tr("Date (UTC)"), tr("Auteur"), tr("Source"), tr("Opération"), tr("Champ"),
                    tr("Ancienne valeur"), tr("Nouvelle valeur")])
    for entry in person.entries:
        name = entry["field"]
        label = _label(name)
        journal.append([entry["seq"], entry["at_utc"], entry["actor"], entry["source"],
                        tr(OPERATIONS.get(entry["operation"], entry["operation"])), label,
                        readable_value("contact", name, entry["old_value"]),
                        readable_value("contact", name, entry["new_value"])])
    for sheet, widths in ((records, (8, 36, 18, 18, 32, 18, 28)), (journal, (10, 30, 18, 30, 14, 14, 40, 40))):
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for column, width in zip("ABCDEFGH", widths, strict=False):
            sheet.column_dimensions[column].width = width
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                as_text(cell)  # a value someone typed stays text, never a formula
    return write_whole(destination, workbook_writer(book), tr("Le classeur"))


def _label(name: str | None) -> str:
    if name == ERASURE_FIELD:
        return tr("Effacement RGPD")
    if not name:
        return ""
    try:
        return fields.field_spec("contact", name).label
    except fields.UnknownField:
        return name
