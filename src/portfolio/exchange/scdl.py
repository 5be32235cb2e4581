"""The SCDL "subventions" 2.1.1 CSV: the French open-data layout for grants, as its schema (OpenDataFrance's Table
Schema, validated by Validata) and the Etalab format it comes from define it.

- Comma-separated, UTF-8 without BOM, the decimal point, CRLF line ends, every column of 2.1.1 in its order
  (``COLUMNS``); values are published as typed, without any added character (the open-data portals read them as
  data; see the README for opening the file in a spreadsheet program safely).
- One row per beneficiary of a grant: the subventions only (a repayable advance is not a grant), of projects whose
  agreement is signed (``dateConvention`` is required: a grant is published once its agreement is).
- ``montant`` is the project's whole grant, before it is split between its beneficiaries, repeated on each of their
  rows; ``pourcentageSubvention`` the beneficiary's share, written with the digits it takes for montant ×
  share to give the beneficiary's grant to the cent (``domain.money.exact_share``).
- ``idAttribuant`` is the SIRET of the call's operator, ``nomAttribuant`` its name; ``idBeneficiaire`` the
  beneficiary's SIRET, ``rnaBeneficiaire`` an association's RNA number; ``dispositifAide`` the call's identifier
  in data.gouv.fr's schema of aid schemes when the call has one (empty otherwise: a call's name is not one);
  ``notificationUE`` the call's "aide notifiée à la Commission européenne".
- ``conditionsVersement`` and ``datesPeriodeVersement`` come from the beneficiary's tranches of the grant (a
  tranche's payment date, or its planned date while unpaid): "unique" and its date for one tranche, "échelonné" and
  the period from the first to the last for several. Never the project's dates.

A row whose required value the portfolio does not hold (the operator's SIRET, the agreement's date, a SIRET or an
RNA number, whether the aid was notified, a tranche's date), or whose share is under the 1 % the schema accepts,
is not written but listed with its reason (``StandardExport.withheld``); ``incomplete=True`` writes those rows
too, with the cells empty.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.db.sqlite_file import raw_connection
from portfolio.db.store import Store
from portfolio.domain.i18n import tr
from portfolio.domain.money import exact_share
from portfolio.services.files import write_whole

from .standard_export import AIDS, StandardExport, Withheld, record_name

# SCDL subventions 2.1.1, its fields in the schema's order (tests/unit/test_standards.py checks it)
COLUMNS = ("nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
           "idBeneficiaire", "rnaBeneficiaire", "objet", "montant", "nature", "conditionsVersement",
           "datesPeriodeVersement", "idRAE", "notificationUE", "pourcentageSubvention", "dispositifAide")
MAX_OBJECT = 256  # the schema's maxLength of objet
MIN_SHARE = Decimal("0.01")  # the schema's minimum of pourcentageSubvention

_ROWS = """
SELECT aid.id, aid.uuid, p.id, op.label, op.siret, p.agreement_on, a.reference, o.name, o.siret, o.rna, a.title,
       a.acronym, aid.grant_cents, c.eu_notified, c.aid_scheme_id
""" + AIDS + """
WHERE aid.grant_cents > 0
ORDER BY p.id, aid.id
"""
# the tranches that pay a beneficiary's grant: those marked as grant, and those of an aid without advance (an aid
# of one kind: its tranches can only pay that kind)
_TRANCHES = """
SELECT d.project_id, d.organisation_id, coalesce(d.paid_on, d.planned_on)
FROM disbursement d
JOIN aid ON aid.project_id = d.project_id AND aid.organisation_id = d.organisation_id
WHERE d.aid_part = 'subvention' OR (d.aid_part IS NULL AND aid.advance_cents = 0)
"""


def write_scdl(db: Store, destination: Path, *, incomplete: bool = False) -> StandardExport:
    """Writes the CSV (whole or not at all); returns how many rows and the grants not published, with why."""
    with db.read() as session:
        connection = raw_connection(session)
        aids = connection.execute(_ROWS).fetchall()
        totals: dict[int, int] = defaultdict(int)
        for row in aids:
            totals[row[2]] += row[12]
        ids = dict(connection.execute("SELECT id, organisation_id FROM aid").fetchall())
        tranches: dict[tuple[int, int], list[str | None]] = defaultdict(list)
        for project, organisation, day in connection.execute(_TRANCHES):
            tranches[(project, organisation)].append(str(day)[:10] if day else None)
    result = StandardExport(incomplete=incomplete)
    rows = []
    for values in aids:
        organisation = ids[values[0]]
        row, missing = _row(values, totals[values[2]], tranches.get((values[2], organisation), []))
        if missing:
            result.withheld.append(Withheld(record_name(values[11], values[10], values[7]), values[1], missing))
            if not incomplete:
                continue
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=",", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)

    def write(path: Path) -> None:
        path.write_bytes(buffer.getvalue().encode("utf-8"))

    write_whole(destination, write, tr("Le fichier SCDL"))
    result.rows = len(rows)
    return result


def _row(values: tuple[Any, ...], project_cents: int, days: list[str | None]) -> tuple[list[str], str]:
    """The row of one beneficiary's grant, and the reason it cannot be published ("" when it can)."""
    (_id, _uuid, _project, operator, operator_siret, agreement_on, reference, name, siret, rna, title, _acronym,
     cents, eu_notified, scheme) = values
    missing = []
    if not operator_siret:
        missing.append(tr("l'opérateur « {operator} » n'a pas de SIRET (fiche de l'opérateur)", operator=operator))
    if not agreement_on:
        missing.append(tr("pas de date de convention"))
    if not siret and not rna:
        missing.append(tr("le bénéficiaire n'a ni SIRET ni numéro RNA"))
    if eu_notified is None:
        missing.append(tr("l'appel ne dit pas si l'aide est notifiée à la Commission européenne (fiche de l'appel)"))
    if len(title or "") > MAX_OBJECT:
        missing.append(tr("l'intitulé dépasse les {n} caractères du format", n=MAX_OBJECT))
    share = exact_share(cents, project_cents)
    if share < MIN_SHARE:
        missing.append(tr("la part du bénéficiaire ({share} %) est sous le minimum de 1 % du format",
                          share=format(share * 100, "f").rstrip("0").rstrip(".").replace(".", ",")))
    dated = sorted(day for day in days if day)
    if not days or len(dated) < len(days):
        missing.append(tr("une tranche de la subvention n'a pas de date") if days
                       else tr("aucune tranche de la subvention n'est prévue"))
        terms = period = ""
    elif len(days) == 1:
        terms, period = "unique", dated[0]
    else:
        terms, period = "échelonné", f"{dated[0]}/{dated[-1]}"
    row = [operator, operator_siret or "", str(agreement_on or "")[:10], reference or "", name, siret or "",
           rna or "", (title or "") if len(title or "") <= MAX_OBJECT else "", _euros(project_cents),
           "aide en numéraire", terms, period, "", "" if eu_notified is None else ("oui" if eu_notified else "non"),
           _share(share), scheme or ""]
    return row, " ; ".join(missing)


def _euros(cents: int) -> str:
    return f"{Decimal(int(cents)) / 100:.2f}"


def _share(share: Decimal) -> str:
    """A share as the format writes it: the decimal point, two decimals at least ("1.00", "0.45", "0.4532")."""
    text = format(share, "f")
    whole, _, decimals = text.partition(".")
    return f"{whole}.{decimals.ljust(2, '0')}"
