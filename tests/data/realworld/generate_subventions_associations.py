"""Writes subventions_associations_ville_generees.csv: a city's grants to associations, generated.

It stands in for a real city's export (Montpellier's grants to associations, 2018-2019) whose licence is not
stated, so it cannot be copied into the project. It keeps the traits the tests check in that file:

- a comma-separated file, UTF-8 without BOM, LF line ends, whose headers hold line breaks inside quotes
  ("N°\\nDCM", "DCM\\nDate", "Conv°\\nLettre engagement") and spaces around them (" Accordé ");
- amounts as the city wrote them: "1,500 €", " 1,500 € " (spaces around), "125,000 €" (comma for thousands);
- a status column, payment terms as free text with commas inside quotes, a "Nature" column that holds the
  payment terms on some rows (the columns shifted between the two years);
- the same association twice in a year (two projects: one organisation) and in both years (one organisation);
- the same association twice for the same project in one year (the second row is refused: a beneficiary
  cannot be twice in one project);
- two establishments of one association (same SIREN, two SIRETs: imported, flagged);
- SIRETs whose 14-digit key is right but whose SIREN's key is wrong (the city's SIREN errors: refused), and one
  row without SIRET (refused);
- deliberation numbers "V2018-483" and "V2019/12", dates DD/MM/YYYY.

Every name and number is invented (SIRETs pass the Luhn check, but belong to nobody on purpose: drawn at random).
Run `python tests/data/realworld/generate_subventions_associations.py` to write the file again; a test checks that
the committed file is what this script writes.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

FILE = Path(__file__).with_name("subventions_associations_ville_generees.csv")
HEADER = ["Thématique", "N°Asso.", "Nom association", "Nature subv.", "Titre du projet", "N°\nDCM", "DCM\nDate",
          " Accordé ", "Conv°\nLettre engagement", "SIRET", " Nature ", " Modalités de paiement "]
THEMES = ["CULTURE", "JEUNESSE & SPORT / SPORTS", "VIE ASSOCIATIVE", "PARTENARIATS SPORT", "SANTE",
          "CONTRAT DE VILLE COHESION SOCIALE", "REUSSITE EDUCATIVE", "INTERNATIONAL", "SOCIAL / HANDICAP",
          "SOCIAL / AIDE ALIMENTAIRE", "ECOLOGIE URBAINE"]
WORDS = ["LES AMIS DU", "COMPAGNIE", "CERCLE", "UNION SPORTIVE", "COLLECTIF", "MAISON DE", "ATELIER",
         "FOYER RURAL DE", "ECOLE DE MUSIQUE DE", "CLUB", "ENTRAIDE", "RESEAU SANTE"]
PLACES = ["LA GARRIGUE", "CELLENEUVE", "LES AUBES", "PRES D'ARENES", "LA MOSSON", "BOUTONNET", "ANTIGONE",
          "LES BEAUX-ARTS", "PORT MARIANNE", "FIGUEROLLES", "LA PAILLADE", "CROIX D'ARGENT", "HOPITAUX-FACULTES"]
TITLES = ["", "", "", "FESTIVAL D'ETE", "ECOLE OUVERTE", "TOURNOI INTER-QUARTIERS", "ATELIERS D'ECRITURE",
          "PREVENTION SANTE DES JEUNES", "SEJOUR SOLIDAIRE"]
STATUSES = ["En attente réception", "En attente réception", "Pièce paiement reçue", "Reçue", ""]
TERMS = ["Paiement en une seule fois à reception de la lettre d'engagement signée du président et du RIB",
         "70% à réception de la convention signée du Président et du RIB / 30% à réception des pièces "
         "complémentaires mentionnées dans la convention",
         ""]
SHIFTED_TERMS = ["Paiment en une seule fois à reception de la lettre d'engagement",
                 "Paiement en 2 fois: 70% à réception de la convention, 30% à réception des pièces mentionnées "
                 "dans la convention"]
AMOUNTS = [300, 500, 700, 800, 1_000, 1_200, 1_500, 2_300, 2_850, 3_000, 4_000, 5_000, 7_500, 8_000, 12_500,
           57_000, 125_000]


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def with_key(body: str) -> str:
    """`body` followed by the digit that makes the whole pass the Luhn check."""
    return next(body + str(d) for d in range(10) if luhn_ok(body + str(d)))


def siret(rng: random.Random, siren: str | None = None) -> str:
    """A SIRET passing the check, of a SIREN passing it too (or of `siren`)."""
    siren = siren or with_key(str(rng.randint(10_000_000, 99_999_999)))
    return with_key(siren + f"{rng.randint(1, 999):04d}")


def bad_siren_siret(rng: random.Random) -> str:
    """A SIRET whose 14-digit key is right but whose SIREN's key is wrong, as the city's file has some."""
    while True:
        siren = str(rng.randint(100_000_000, 999_999_999))
        if not luhn_ok(siren):
            return with_key(siren + f"{rng.randint(1, 99):04d}")


def amount_text(rng: random.Random, euros: int) -> str:
    text = f"{euros:,} €"
    return f" {text} " if rng.random() < 0.25 else text


def rows(seed: int = 2019) -> list[list[str]]:
    rng = random.Random(seed)
    associations = []
    for number in range(1, 121):
        name = f"{rng.choice(WORDS)} {rng.choice(PLACES)} CA{number}!"
        associations.append((number, name, siret(rng)))
    out: list[list[str]] = []
    deliberation = {2018: 480, 2019: 10}

    def line(year: int, association: tuple[int, str, str], nature: str, title: str, euros: int,
             siret_text: str | None = None) -> None:
        number, name, code = association
        deliberation[year] += rng.randint(0, 2)
        dcm = f"V{year}-{deliberation[year]}" if year == 2018 or rng.random() < 0.9 else f"V{year}/{deliberation[year]}"
        day = "19/12/2018" if year == 2018 else rng.choice(["04/02/2019", "28/03/2019", "27/06/2019"])
        shifted = year == 2019 and rng.random() < 0.4
        out.append([rng.choice(THEMES), str(number), name, nature, title, dcm, day, amount_text(rng, euros),
                    rng.choice(STATUSES), code if siret_text is None else siret_text,
                    rng.choice(SHIFTED_TERMS) if shifted else "Aide financière",
                    "" if shifted else rng.choice(TERMS)])

    # The first rows carry the traits the tests name, in a fixed order.
    first, second = associations[0], associations[1]
    line(2018, first, "Fonctionnement", "", 1_500)
    out[-1][7] = " 1,500 € "
    line(2018, second, "Projet", "LA TETE ET LES JAMBES", 3_000)
    line(2018, second, "Fonctionnement", "", 2_300)  # the same association twice in a year: one organisation
    for year in (2018, 2019):
        for association in associations[2:]:
            if rng.random() < 0.75:
                nature = rng.choice(["Fonctionnement", "Projet"])
                line(year, association, nature, "" if nature == "Fonctionnement" else rng.choice(TITLES),
                     rng.choice(AMOUNTS))
        line(year, associations[2], "Projet", "ATELIER THEATRE", 800)
        out.append(list(out[-1]))  # the same line twice (same project, deliberation and date): refused
        line(year, (900 + year % 10, "ASSOCIATION SANS SIRET CA900!", ""), "Fonctionnement", "", 500)
        for _ in range(3):  # the city's SIREN errors
            line(year, (rng.randint(500, 899), f"{rng.choice(WORDS)} {rng.choice(PLACES)} CA{rng.randint(500, 899)}!",
                        bad_siren_siret(rng)), "Fonctionnement", "", rng.choice(AMOUNTS))
    line(2019, first, "Fonctionnement", "", 1_500)  # the same grant in both years
    out[-1][7] = " 1,500 € "
    other = (associations[3][0], associations[3][1] + " ANTENNE", siret(rng, associations[3][2][:9]))
    line(2019, other, "Projet", "ANTENNE DE QUARTIER", 4_000)  # another establishment of the same association
    return out


def text(seed: int = 2019) -> str:
    """The file's whole text: the header then the rows, quoted where a value needs it, LF line ends."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows(seed))
    return buffer.getvalue()


if __name__ == "__main__":
    FILE.write_bytes(text().encode("utf-8"))
    print(f"wrote {FILE}", file=sys.stderr)
