"""The France 2030 beneficiaries list layout: one row per (project, beneficiary), as the programme's official
list publishes it: a title row, a subtotals row, the header on row 3 from column B, the data from row 4.
Consortium partners without aid are listed without amounts ("les bénéficiaires sans montants sont des
partenaires non financés"). The application's import reads this layout back (profile "france2030").

Each column holds what the portfolio holds, in the list's own words: the typology's wording in the list
("Petites et moyennes entreprises", typology field "Libellé de la liste France 2030"), the action's France 2030
objective and nomenclature, the aid's "acteur émergent" (OUI / NON); a value the portfolio does not hold is left
empty and the export says so, never made up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.i18n import tr
from portfolio.services.files import workbook_writer, write_whole

from .cells import as_text, new_workbook
from .standard_export import StandardExport

HEADERS = ("Date de la DPM", "Opérateur", "Procédure ", "Nom du projet", "Bénéficiaire", "SIREN/SIRET",
           "Typologie normée", "Régions", "Localisation géographique du siège social", "Acteur émergent",
           "Nom Stratégie ou Action", "Numéro objectif/levier", "Nomenclature France 2030",
           "Montant de subvention (en€)", "Montant d'avance remboursable\n(en €)", "Montant de l'aide\n(en €)")

# a project's beneficiaries (their aid) and its partners without aid, lead organisation first
_ROWS = """
SELECT p.decision_on, min(op.code), min(c.label), min(CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END),
       o.name, coalesce(nullif(o.siret, ''), o.siren), min(t.list_label), min(r.name), min(d.code), min(ac.label),
       min(aid.grant_cents), min(aid.advance_cents), min(CAST(aid.emerging_actor AS INTEGER)), min(ac.f2030_objective),
       min(ac.f2030_nomenclature), min(t.label)
FROM project p
JOIN application a ON a.id = p.application_id
JOIN call c ON c.id = a.call_id
JOIN operator op ON op.id = c.operator_id
JOIN action ac ON ac.id = c.action_id
JOIN (SELECT application_id, organisation_id, 0 AS rank FROM application_partner
      UNION SELECT id, lead_organisation_id, -1 FROM application) m ON m.application_id = a.id
JOIN organisation o ON o.id = m.organisation_id
LEFT JOIN typology t ON t.id = o.typology_id
LEFT JOIN region r ON r.id = o.region_id
LEFT JOIN department d ON d.id = o.department_id
LEFT JOIN aid ON aid.project_id = p.id AND aid.organisation_id = o.id
GROUP BY p.id, o.id
ORDER BY p.decision_on NULLS FIRST, p.id, min(m.rank), o.name NULLS FIRST
"""

# the list tells projects apart by call and name only: two projects of one call under one name cannot be read back
_SHARED_NAMES = """
SELECT c.label, CASE WHEN a.acronym <> '' THEN a.acronym ELSE a.title END AS name
FROM project p JOIN application a ON a.id = p.application_id JOIN call c ON c.id = a.call_id
GROUP BY c.id, name HAVING count(*) > 1 ORDER BY c.label, name
"""


def write_france2030(db: Store, destination: Path) -> StandardExport:
    """Writes the list (whole or not at all); returns how many rows, and what the list lacks (said, not filled)."""
    from openpyxl.styles import Alignment, Font

    with db.read() as session:
        rows = raw_connection(session).execute(_ROWS).fetchall()
        shared = raw_connection(session).execute(_SHARED_NAMES).fetchall()
    book, sheet = new_workbook()
    sheet.title = "Liste des projets et bénef"
    today = date.today().strftime("%d/%m/%Y")
    sheet["F1"] = tr("Liste des bénéficiaires France 2030 - Stratégie d'accélération Santé numérique - au {day}",
                     day=today)
    sheet["F1"].font = Font(bold=True)
    sheet["Q1"] = "les bénéficiaires sans montants sont des partenaires non financés"
    for column, header in enumerate(HEADERS, start=2):
        cell = sheet.cell(row=3, column=column, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    result = StandardExport(rows=len(rows))
    unworded: set[str] = set()
    for number, values in enumerate(rows, start=4):
        (decided, operator, call, project, name, company, typology, region, department, action, grant, advance,
         emerging, objective, nomenclature, ours) = values
        funded = grant is not None or advance is not None
        if ours and not typology:
            unworded.add(ours)
        cells = [date.fromisoformat(str(decided)) if decided else None, operator, call, project, name, company,
                 typology or None, region, f"{department:0>3}" if department and department.isdigit() else department,
                 None if emerging is None else ("OUI" if emerging else "NON"), action, objective or None,
                 nomenclature or None, _euros(grant) if funded else None,
                 _euros(advance) if funded and advance else None,
                 _euros((grant or 0) + (advance or 0)) if funded else None]
        for column, value in enumerate(cells, start=2):
            cell = as_text(sheet.cell(row=number, column=column, value=value))
            if column == 2 and value is not None:
                cell.number_format = "DD/MM/YYYY"
            elif column >= 15 and value is not None:
                cell.number_format = '#,##0.00'
            elif column in (7, 10):
                cell.number_format = "@"  # SIREN/SIRET and department codes: text, leading zeros kept
    for letter, width in zip("BCDEFGHIJKLMNOPQ", (12, 10, 36, 18, 36, 16, 22, 20, 12, 10, 28, 12, 20, 16, 16, 16),
                             strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "B4"
    sheet.auto_filter.ref = f"B3:Q{max(len(rows), 1) + 3}"
    write_whole(destination, workbook_writer(book), tr("La liste France 2030"))
    if unworded:
        result.notes.append(tr("Typologie normée laissée vide pour {names} : leur libellé dans la liste France 2030 "
                               "n'est pas renseigné (fiche de la typologie).", names=", ".join(sorted(unworded))))
    if shared:
        result.notes.append(tr("Projets d'un même appel sous un même nom ({pairs}) : la liste ne les distingue pas, "
                               "sa reprise refusera leurs lignes ; donnez-leur des acronymes distincts.",
                               pairs="; ".join(f"{call} : {name}" for call, name in shared[:5])
                               + (tr(" et {count} autres", count=len(shared) - 5) if len(shared) > 5 else "")))
    return result


def _euros(cents: Any) -> Decimal:
    return Decimal(int(cents or 0)) / 100
