"""The 360Giving workbook (CC BY 4.0 open standard for grants data): one "grants" sheet, a grant per aid (a
beneficiary's share of a project), with the amount awarded (committed) and the amount disbursed, French
organisations identified as ``FR-RCS-<SIREN>``, the call as the grant programme and its operator as the
funding organisation. Column titles are the standard's spreadsheet titles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.db.database import Database
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr
from portfolio.services.files import write_whole

from .cells import as_text
from .scdl import AIDS

PREFIX = "360G-SASN-"  # the publisher's own prefix for the identifiers it makes up
COLUMNS = ("Identifier", "Title", "Description", "Currency", "Amount Awarded", "Amount Disbursed", "Award Date",
           "Planned Dates:Start Date", "Planned Dates:End Date", "Recipient Org:Identifier", "Recipient Org:Name",
           "Recipient Org:City", "Recipient Org:Company Number", "Funding Org:Identifier", "Funding Org:Name",
           "Grant Programme:Title", "Last Modified")

_ROWS = """
SELECT aid.uuid, CASE WHEN a.acronym <> '' THEN a.acronym || ' — ' || a.title ELSE a.title END, a.title,
       aid.grant_cents + aid.advance_cents,
       (SELECT coalesce(sum(d.amount_cents), 0) FROM disbursement d WHERE d.project_id = p.id
        AND d.organisation_id = o.id),
       p.decision_on, p.start_on, p.end_on, o.uuid, o.siren, o.name, o.city, op.code, op.label, c.label
""" + AIDS + """
WHERE aid.grant_cents + aid.advance_cents > 0
ORDER BY p.id, aid.id
"""


def write_360giving(db: Database, destination: Path) -> int:
    """Writes the workbook (whole or not at all); returns how many grants."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    with db.read() as session:
        rows = raw_connection(session).execute(_ROWS).fetchall()
    book = Workbook()
    sheet = book.active
    sheet.title = "grants"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    modified = datetime.now(UTC).replace(microsecond=0).isoformat()
    for values in rows:
        sheet.append(_row(values, modified))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            as_text(cell)
            if isinstance(cell.value, Decimal):
                cell.number_format = "0.00"
            elif isinstance(cell.value, date):
                cell.number_format = "YYYY-MM-DD"
    sheet.freeze_panes = "A2"
    write_whole(destination, book.save, tr("Le classeur 360Giving"))
    return len(rows)


def _row(values: tuple[Any, ...], modified: str) -> list[Any]:
    (uuid, title, description, awarded, disbursed, decided, start_on, end_on, org_uuid, siren, name, city,
     operator_code, operator, call) = values
    recipient = f"FR-RCS-{siren}" if siren else f"{PREFIX}{org_uuid}"
    return [f"{PREFIX}{uuid}", title, description, "EUR", Decimal(int(awarded)) / 100,
            Decimal(int(disbursed)) / 100, _day(decided), _day(start_on), _day(end_on), recipient, name, city or None,
            siren or None, f"{PREFIX}{operator_code}", operator, call, modified]


def _day(value: Any) -> date | None:
    return date.fromisoformat(str(value)[:10]) if value else None
