"""The SCDL "subventions" 2.1.1 CSV: the French open-data layout for grants (the data every public funder
publishes), one row per beneficiary of a grant, ``;``-separated, UTF-8, `dispositifAide` naming the call.

A project's grant is the total of its subventions (repayable advances are not grants); each beneficiary's row
gives that total (`montant`) and the beneficiary's share of it (`pourcentageSubvention`), as the format asks for
a grant shared between several beneficiaries; the payment period is the first and last payment to the
beneficiary (the project's dates when there is none yet). The funder (`nomAttribuant`) is the call's operator.
Operators have no SIRET in the portfolio yet, so `idAttribuant`, which the format requires, is left empty, as
is `idBeneficiaire` for a beneficiary known by its SIREN only (the format asks for a SIRET).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from portfolio.db.database import Database
from portfolio.db.sqlite_file import raw_connection
from portfolio.domain.i18n import tr
from portfolio.services.files import write_whole

from .cells import csv_text

COLUMNS = ("nomAttribuant", "idAttribuant", "dateConvention", "referenceDecision", "nomBeneficiaire",
           "idBeneficiaire", "objet", "montant", "nature", "conditionsVersement", "datesPeriodeVersement", "idRAE",
           "notificationUE", "pourcentageSubvention", "dispositifAide")

# each aid with its project, application, call, the call's operator and the beneficiary (also the 360Giving's)
AIDS = """
FROM aid
JOIN project p ON p.id = aid.project_id
JOIN application a ON a.id = p.application_id
JOIN call c ON c.id = a.call_id
JOIN operator op ON op.id = c.operator_id
JOIN organisation o ON o.id = aid.organisation_id
"""

_ROWS = """
SELECT op.label, p.agreement_on, p.decision_on, a.reference, o.name, o.siret, a.title, aid.grant_cents,
       (SELECT sum(x.grant_cents) FROM aid x WHERE x.project_id = p.id),
       (SELECT count(*) FROM disbursement d WHERE d.project_id = p.id AND d.organisation_id = o.id),
       (SELECT min(d.paid_on) FROM disbursement d WHERE d.project_id = p.id AND d.organisation_id = o.id),
       (SELECT max(d.paid_on) FROM disbursement d WHERE d.project_id = p.id AND d.organisation_id = o.id),
       p.start_on, p.end_on, c.label
""" + AIDS + """
WHERE aid.grant_cents > 0
ORDER BY p.id, aid.id
"""


def write_scdl(db: Database, destination: Path) -> int:
    """Writes the CSV (whole or not at all); returns how many rows."""
    with db.read() as session:
        rows = [_row(values) for values in raw_connection(session).execute(_ROWS)]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows([[csv_text(value) for value in row] for row in rows])

    def write(path: Path) -> None:
        path.write_text(buffer.getvalue(), encoding="utf-8")

    write_whole(destination, write, tr("Le fichier SCDL"))
    return len(rows)


def _row(values: tuple[Any, ...]) -> list[Any]:
    (operator, agreement_on, decision_on, reference, name, siret, title, cents, project_cents, payments, first_paid,
     last_paid, start_on, end_on, call) = values
    share = Decimal(cents) / Decimal(project_cents) if project_cents else Decimal(1)
    if first_paid and last_paid:
        period = str(first_paid) if first_paid == last_paid else f"{first_paid}/{last_paid}"
    else:
        period = f"{start_on}/{end_on}" if start_on and end_on else str(start_on or agreement_on or decision_on or "")
    return [operator, "", str(agreement_on or decision_on or ""), reference or "", name, siret or "",
            (title or "")[:256], _euros(project_cents or cents), "aide en numéraire",
            "échelonné" if payments > 1 else "unique", period, "", "non", f"{share:.4f}".rstrip("0").rstrip("."),
            call]


def _euros(cents: int) -> str:
    return f"{Decimal(int(cents)) / 100:.2f}"
