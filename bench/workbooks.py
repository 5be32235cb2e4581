"""Generated beneficiaries workbooks (the France 2030 list's layout) for the import benchmark and tests."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from portfolio.domain.identifiers import with_luhn_digit
from portfolio.domain.programme import CALLS
from portfolio.domain.referential import DEPARTMENTS

HEADERS = ["Date de la DPM", "Opérateur", "Procédure", "Nom du projet", "Bénéficiaire", "SIREN/SIRET",
           "Typologie normée", "Régions", "Localisation géographique du siège social",
           "Montant de subvention (en€)", "Montant d'avance remboursable (en €)", "Montant de l'aide (en €)"]
TYPOLOGIES = ["Petites et moyennes entreprises", "Établissements publics", "Grandes entreprises", "Associations",
              "Entreprises de taille intermédiaire"]


def beneficiary_rows(count: int, seed: int = 7) -> list[list[object]]:
    """``count`` rows: projects of 1 to 4 beneficiaries, organisations recurring across projects (about one
    organisation for two rows), valid SIRETs, amounts in cents exactly representable, dates as dates."""
    rng = random.Random(seed)
    organisations = []
    for index in range(max(count // 2, 1)):
        siren = with_luhn_digit(f"{rng.randrange(10**7, 10**8)}")
        department = rng.choice(DEPARTMENTS)
        organisations.append((f"Structure {index:06d} {rng.choice(['SAS', 'SA', 'SARL', 'Association'])}",
                              with_luhn_digit(siren + f"{rng.randrange(1, 9999):04d}"), rng.choice(TYPOLOGIES),
                              department.code.zfill(3)))
    rows: list[list[object]] = []
    project = 0
    while len(rows) < count:
        project += 1
        call = rng.choice(CALLS)
        decided = date(2021, 1, 1) + timedelta(days=rng.randrange(0, 1400))
        size = min(rng.randint(1, 4), count - len(rows), len(organisations))
        for name, siret, typology, department in rng.sample(organisations, size):  # distinct beneficiaries
            grant = rng.randrange(0, 500_000_00)
            advance = rng.randrange(0, 200_000_00) if rng.random() < 0.2 else 0
            rows.append([decided, call.operator_code, call.label, f"PRJ{project:06d}", name, siret, typology, "",
                         department, grant / 100 if grant else None, advance / 100 if advance else None,
                         (grant + advance) / 100])
    return rows


def write_beneficiaries(path: Path, count: int, seed: int = 7) -> Path:
    """An .xlsx with a title row, the header on row 3 and ``count`` beneficiary rows from column B."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Liste des projets et bénef")
    sheet.append([None, "Liste des bénéficiaires (générée pour les tests)"])
    sheet.append([])
    sheet.append([None, *HEADERS])
    for values in beneficiary_rows(count, seed):
        sheet.append([None, *values])
    book.save(path)
    return path
