"""The KPI tables as a workbook (`portfolio kpi --xlsx`, the dashboard's export): the key figures, then one sheet
per breakdown, in French, money as numbers in euros (exact to the cent) with the euro format."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.domain.i18n import N_, tr
from portfolio.services.files import workbook_writer, write_whole
from portfolio.services.kpi import Group, Kpis, describe_filters

from .cells import new_workbook

EUROS = '#,##0.00\\ "€"'
PERCENT = "0.0%"
SHEETS = {"axis": N_("Par axe"), "action": N_("Par action"), "call": N_("Par appel"), "wave": N_("Par vague"),
          "operator": N_("Par opérateur"), "region": N_("Par région"), "department": N_("Par département"),
          "typology": N_("Par typologie"), "year": N_("Par année")}


def _euros(cents: int) -> Decimal:
    return Decimal(cents) / 100


def write_kpi_workbook(kpis: Kpis, destination: Path) -> Path:
    """Writes the workbook (through a temporary file: an existing one is replaced whole or not at all)."""
    from openpyxl.styles import Font  # imported on use: writing workbooks is rare

    book, sheet = new_workbook()
    sheet.title = tr("Indicateurs")[:31]
    filters = describe_filters(kpis.filters) or tr("aucun")
    median = kpis.median_decision_to_agreement
    rows: list[tuple[str, Any, str | None]] = [
        (tr("Portefeuille au {day}", day=kpis.today.strftime("%d/%m/%Y")), None, None),
        (tr("Filtres : {filters}", filters=filters), None, None),
        (tr("Porteurs (candidats)"), kpis.applicants, None),
        (tr("Candidatures"), kpis.applications, None),
        (tr("Lauréats"), kpis.laureates, None),
        (tr("Taux de succès"), kpis.success_rate, PERCENT),
        (tr("Aide engagée"), _euros(kpis.committed_cents), EUROS),
        (tr("  dont subventions"), _euros(kpis.committed_grant_cents), EUROS),
        (tr("  dont avances remboursables"), _euros(kpis.committed_advance_cents), EUROS),
        (tr("Aide décaissée"), _euros(kpis.disbursed_cents), EUROS),
        (tr("Part décaissée"), kpis.disbursed_share, PERCENT),
        (tr("Bénéficiaires"), kpis.beneficiaries, None),
        (tr("Décision → convention (médiane)"), median, None),
        (tr("Jalons en retard"), kpis.overdue_milestones, None),
    ]
    for label, value, number_format in rows:
        sheet.append([label, value])
        if number_format:
            sheet.cell(sheet.max_row, 2).number_format = number_format
    sheet["A1"].font = Font(bold=True)
    sheet.column_dimensions["A"].width = 42
    sheet.column_dimensions["B"].width = 20
    headers = [tr("Code"), tr("Libellé"), tr("Porteurs"), tr("Candidatures"), tr("Lauréats"), tr("Taux de succès"),
               tr("Bénéficiaires"), tr("Part des bénéficiaires"), tr("Aide engagée"), tr("dont subventions"),
               tr("dont avances"), tr("Part de l'aide"), tr("Aide décaissée")]
    formats = [None, None, None, None, None, PERCENT, None, PERCENT, EUROS, EUROS, EUROS, PERCENT, EUROS]
    for name, groups in kpis.breakdowns.items():
        page = book.create_sheet(tr(SHEETS.get(name, name))[:31])
        page.append(headers)
        for cell in page[1]:
            cell.font = Font(bold=True)
        for group in groups:
            page.append(_line(group, kpis))
            for column, number_format in enumerate(formats, start=1):
                if number_format:
                    page.cell(page.max_row, column).number_format = number_format
        page.freeze_panes = "C2"
        page.column_dimensions["B"].width = 48
        for letter in "CDEFGHIJKLM":
            page.column_dimensions[letter].width = 16
    return write_whole(destination, workbook_writer(book), tr("Le classeur"))


def _line(group: Group, kpis: Kpis) -> list[Any]:
    def share(part: int, whole: int) -> float:
        return part / whole if whole else 0.0

    return [group.code or "", group.label, group.applicants, group.applications, group.laureates,
            group.success_rate if group.applications else None, group.beneficiaries,
            share(group.beneficiaries, kpis.beneficiaries), _euros(group.committed_cents),
            _euros(group.committed_grant_cents), _euros(group.committed_advance_cents),
            share(group.committed_cents, kpis.committed_cents), _euros(group.disbursed_cents)]
