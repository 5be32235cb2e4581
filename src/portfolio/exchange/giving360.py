"""The 360Giving workbook (CC BY 4.0 open standard for grants data, version 1.4), as the standard's spreadsheet
layout and its Data Quality Tool read it (flatten-tool with the standard's column titles).

- Sheet "grants": one grant per part of an aid: the subvention (``<prefix>-<aid uuid>``) and the repayable advance
  (``<prefix>-<aid uuid>-AR``) are two grants told apart by their "Funding Type" (never summed into one figure).
  Amount Awarded is that part's amount committed; Amount Disbursed what has been paid of it, the sum of its
  transactions (tranches with a payment date only).
- Sheet "transactions": each paid tranche as a disbursement transaction of the grant it pays (its date, its amount,
  its identifier ``<prefix>-<tranche uuid>``). A tranche of an aid with both parts whose part is not entered cannot
  be put under either: the aid's Amount Disbursed and transactions are left out, and the export says so.
- Identifiers: recipients and funders by their org-id.guide identifier: ``FR-RCS-<SIREN>`` for a French company or
  public body, the organisation's own identifier for one outside France (GB-CHC-…); without one, an identifier
  under the publisher's prefix (``<prefix>-RNA-<number>`` for an association known by its RNA number,
  ``<prefix>-ORG-<uuid>`` otherwise), as the standard asks. "Company Number" is the UK register's: never filled.
- "Related Activity" names the project (``<prefix>-PROJET-<uuid>``) the grants of its beneficiaries belong to, so
  that the file taken back finds every record again.

The publisher's prefix is ``360G-SASN`` unless another is given: a publisher registered with 360Giving uses the
prefix it was given.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.i18n import tr
from portfolio.services.files import workbook_writer, write_whole

from .cells import as_text, new_workbook
from .standard_export import AIDS, StandardExport, Withheld, record_name

PREFIX = "360G-SASN"
ADVANCE_SUFFIX = "-AR"  # the advance's grant: the aid's identifier followed by this
FUNDING_TYPES = {"subvention": ("subvention", "Subvention"), "avance": ("avance-remboursable", "Avance remboursable")}
FUNDING_VOCABULARY = "SASN-nature-aide"
COLUMNS = ("Identifier", "Title", "Description", "Currency", "Amount Awarded", "Amount Disbursed", "Award Date",
           "Planned Dates:Start Date", "Planned Dates:End Date", "Recipient Org:Identifier", "Recipient Org:Name",
           "Recipient Org:City", "Funding Org:Identifier", "Funding Org:Name", "Grant Programme:Code",
           "Grant Programme:Title", "Funding Type:Vocabulary", "Funding Type:Code", "Funding Type:Title",
           "Related Activity", "Last Modified")
# the transactions sheet: the grant's identifier, then the fields of one disbursement transaction (the schema gives
# them no spreadsheet title: flatten-tool reads their paths)
TRANSACTION_COLUMNS = ("Identifier", "disbursementTransaction/0/id", "disbursementTransaction/0/transactionDate",
                       "disbursementTransaction/0/value", "disbursementTransaction/0/currency")

_ROWS = """
SELECT aid.id, aid.uuid, aid.grant_cents, aid.advance_cents, a.acronym, a.title, p.uuid, p.decision_on, p.start_on,
       p.end_on, o.uuid, o.siren, o.rna, o.foreign_id, o.name, o.city, op.code, op.label, op.siret, c.code, c.label,
       aid.project_id, aid.organisation_id
""" + AIDS + """
WHERE aid.grant_cents + aid.advance_cents > 0{operator}
ORDER BY p.id, aid.id
"""
_PAID = """
SELECT project_id, organisation_id, uuid, paid_on, amount_cents, aid_part FROM disbursement
WHERE paid_on IS NOT NULL AND organisation_id IS NOT NULL ORDER BY paid_on, id
"""


def recipient_id(prefix: str, uuid: str, siren: str | None, rna: str | None, foreign_id: str | None) -> str:
    """An organisation's identifier in 360Giving: its register's (org-id.guide) where it has one."""
    if siren:
        return f"FR-RCS-{siren}"
    if foreign_id:
        return foreign_id
    if rna:
        return f"{prefix}-RNA-{rna}"
    return f"{prefix}-ORG-{uuid}"


def write_360giving(db: Store, destination: Path, *, prefix: str = PREFIX, incomplete: bool = False,
                    operator: str | None = None) -> StandardExport:
    """Writes the workbook (whole or not at all); returns how many grants and what was left out, with why.
    ``operator``: one operator's grants only (360Giving expects one funder per file: its Data Quality Tool notes a
    file listing several)."""
    from openpyxl.styles import Font

    with db.read() as session:
        connection = raw_connection(session)
        query = _ROWS.format(operator=" AND op.code = :operator" if operator else "")
        aids = connection.execute(query, {"operator": operator} if operator else {}).fetchall()
        paid: dict[tuple[int, int], list[tuple[Any, ...]]] = defaultdict(list)
        for project, organisation, *tranche in connection.execute(_PAID):
            paid[(project, organisation)].append(tuple(tranche))
    result = StandardExport(incomplete=incomplete)
    modified = datetime.now(UTC).replace(microsecond=0).isoformat()
    grants: list[list[Any]] = []
    transactions: list[list[Any]] = []
    for values in aids:
        (_id, uuid, grant, advance, acronym, title, project_uuid, decided, start_on, end_on, org_uuid, siren, rna,
         foreign_id, name, city, operator_code, operator, operator_siret, call_code, call, project,
         organisation) = values
        label = record_name(acronym, title, name)
        if not decided:
            result.withheld.append(Withheld(label, uuid, tr("pas de date de décision (la date d'attribution est "
                                                             "obligatoire)")))
            if not incomplete:
                continue
        tranches = paid.get((project, organisation), [])
        by_part = _paid_by_part(tranches, grant, advance)
        if by_part is None:
            result.withheld.append(Withheld(label, uuid, tr(
                "des versements de cette aide (subvention et avance) ne disent pas quelle part ils paient : montant "
                "versé non publié (champ « Part de l'aide versée » des versements)")))
        funder = f"FR-RCS-{operator_siret[:9]}" if operator_siret else f"{prefix}-OPERATEUR-{operator_code}"
        for part, amount in (("subvention", grant), ("avance", advance)):
            if not amount:
                continue
            identifier = f"{prefix}-{uuid}" + (ADVANCE_SUFFIX if part == "avance" else "")
            mine = by_part.get(part, []) if by_part is not None else []
            code, funding_title = FUNDING_TYPES[part]
            grants.append([
                identifier, f"{acronym} — {title}" if acronym else title, title if acronym else None, "EUR",
                _euros(amount), _euros(sum(t[2] for t in mine)) if by_part is not None else None, _day(decided),
                _day(start_on), _day(end_on), recipient_id(prefix, org_uuid, siren, rna, foreign_id), name,
                city or None, funder, operator, call_code, call, FUNDING_VOCABULARY, code, funding_title,
                f"{prefix}-PROJET-{project_uuid}", modified])
            transactions += [[identifier, f"{prefix}-{tranche_uuid}", _day(day), _euros(cents), "EUR"]
                             for tranche_uuid, day, cents, _part in mine]
    if any(not row[12].startswith("FR-RCS-") for row in grants):
        result.notes.append(tr("Un opérateur sans SIRET est identifié sous le préfixe de l'éditeur ({prefix}-"
                               "OPERATEUR-…) : renseignez son SIRET pour l'identifiant du registre.", prefix=prefix))
    book, first = new_workbook()
    for sheet, columns, rows in ((first, COLUMNS, grants), (book.create_sheet(), TRANSACTION_COLUMNS,
                                                            transactions)):
        sheet.title = "grants" if columns is COLUMNS else "transactions"
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                as_text(cell)
                if isinstance(cell.value, Decimal):
                    cell.number_format = "0.00"
        sheet.freeze_panes = "A2"
    write_whole(destination, workbook_writer(book), tr("Le classeur 360Giving"))
    result.rows = len(grants)
    return result


def _paid_by_part(tranches: list[tuple[Any, ...]], grant: int, advance: int) -> dict[str, list[Any]] | None:
    """The paid tranches (uuid, day, cents, part) of an aid by the part they pay, or None when a tranche of an aid
    with both parts does not say which it pays."""
    parts: dict[str, list[Any]] = defaultdict(list)
    only = "subvention" if not advance else "avance" if not grant else None
    for tranche in tranches:
        part = tranche[3] or only
        if part is None:
            return None
        parts[part].append(tranche)
    return parts


def _euros(cents: int) -> Decimal:
    return Decimal(int(cents)) / 100


def _day(value: Any) -> str | None:
    """A date as the standard writes it (YYYY-MM-DD), as text: a date cell would carry a time of day."""
    return date.fromisoformat(str(value)[:10]).isoformat() if value else None
