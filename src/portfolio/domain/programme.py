"""Seed values of the programme's editable reference tables: axes, actions, operators, calls,
organisation typologies, statuses and their lifecycle.

The official wording of the 32 actions is not at hand (domain.md): the labels below are working
labels that officers can edit; nothing in the code depends on them, only on codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from portfolio.domain.i18n import N_

PROGRAMME_CODE = "SASN"
PROGRAMME_LABEL = "Stratégie d'accélération Santé numérique (France 2030)"


@dataclass(frozen=True)
class Axis:
    code: str
    label: str


@dataclass(frozen=True)
class Action:
    code: str
    axis_code: str
    label: str


@dataclass(frozen=True)
class Operator:
    code: str
    label: str
    siret: str | None = None  # the attributing body's SIRET, where a public source gives it (never made up)


@dataclass(frozen=True)
class Call:
    """A funding call as known from public sources (domain.md)."""

    code: str
    label: str
    kind: str  # AAP, AMI or Grand Défi
    action_code: str
    operator_code: str
    wave: str
    stage: str
    opens_on: date
    closes_on: date
    budget_cents: int
    min_aid_cents: int
    max_aid_cents: int
    grant_share: int  # percent of the aid given as grant; the rest is repayable advance


@dataclass(frozen=True)
class Typology:
    code: str
    label: str
    is_company: bool
    list_label: str = ""  # the France 2030 list's "Typologie normée" wording, where the list shows it


@dataclass(frozen=True)
class Status:
    entity: str
    code: str
    label: str
    is_final: bool


AXES: tuple[Axis, ...] = (
    Axis("A1", "Former et développer les compétences en santé numérique"),
    Axis("A2", "Soutenir la recherche et les technologies clés"),
    Axis("A3", "Expérimenter et évaluer les solutions"),
    Axis("A4", "Déployer et accéder au marché"),
    Axis("A5", "Créer un environnement de confiance et animer l'écosystème"),
)

_ACTIONS_TEXT = {
    "A1": [
        "Formations initiales aux métiers du numérique en santé",
        "Formation continue des professionnels de santé",
        "Compétences et métiers d'avenir",
        "Campus et écoles de la santé numérique",
        "Acculturation des usagers et aidants",
        "Formation des ingénieurs et data scientists en santé",
    ],
    "A2": [
        "PEPR Santé numérique",
        "Intelligence artificielle en santé",
        "Jumeaux numériques et modélisation",
        "Données de santé et entrepôts",
        "Cybersécurité des systèmes de santé",
        "Dispositifs médicaux connectés",
        "Robotique et chirurgie assistée",
    ],
    "A3": [
        "Tiers-lieux d'expérimentation",
        "Évaluation des dispositifs médicaux numériques",
        "Grand Défi santé mentale",
        "Grand Défi bien vieillir",
        "Living labs et investigations cliniques",
        "Méthodes d'évaluation médico-économique",
        "Démonstrateurs territoriaux",
    ],
    "A4": [
        "Usage de DMN innovants en établissements",
        "Accès au marché et remboursement",
        "Télésurveillance et télésanté",
        "Industrialisation et passage à l'échelle",
        "Export et internationalisation",
        "Achat public innovant",
        "Interopérabilité et référencement",
    ],
    "A5": [
        "Éthique et confiance numérique",
        "Gouvernance ouverte des données",
        "Cartographie des usages de l'IA",
        "Animation de l'écosystème et G_NIUS",
        "Accompagnement réglementaire",
    ],
}

ACTIONS: tuple[Action, ...] = tuple(
    Action(f"{axis}.{index}", axis, label)
    for axis, labels in _ACTIONS_TEXT.items()
    for index, label in enumerate(labels, start=1)
)

# The operators' SIRETs come from public sources: ANR's legal notice (iris.anr.fr/en/mentions-legales: "SIRET
# No. 130 002 504 000 38"), ADEME's own SCDL publication (idAttribuant 38529030900454, tests/data/realworld), the
# Caisse des Dépôts' 18002002600019 and Bpifrance SA's 32025248901075 as public-administration code lists record
# them. The SGPI's is not known here: it stays empty, and the SCDL export says so rather than making one up.
OPERATORS: tuple[Operator, ...] = (
    Operator("BPI", "Bpifrance", "32025248901075"),
    Operator("ANR", "Agence nationale de la recherche", "13000250400038"),
    Operator("CDC", "Caisse des Dépôts – Banque des Territoires", "18002002600019"),
    Operator("ADEME", "ADEME", "38529030900454"),
    Operator("SGPI", "France 2030 (SGPI)"),
)

# France 2030's objective 7, to which the health strategy's actions belong, worded as the official beneficiaries
# list words it (tests/data/realworld/france2030_liste_beneficiaires_extrait_2023-02.xlsx)
F2030_OBJECTIVE = "Objectif 7"
F2030_NOMENCLATURE = ("Produire en France au moins 20 bio-médicaments, notamment contre les cancers, les maladies "
                      "chroniques et développer et produire des dispositifs médicaux innovants")

_M = 100_000_000  # one million euros in cents
_K = 100_000  # one thousand euros in cents

CALLS: tuple[Call, ...] = (
    Call("CMA-SN-V1", "Compétences et métiers d'avenir (santé numérique) – vague 1", "AAP", "A1.3", "ANR",
         "1", "", date(2021, 12, 1), date(2022, 3, 31), 40 * _M, 500 * _K, 8 * _M, 100),
    Call("CMA-SN-V2", "Compétences et métiers d'avenir (santé numérique) – vague 2", "AAP", "A1.3", "CDC",
         "2", "", date(2022, 10, 3), date(2023, 1, 31), 35 * _M, 500 * _K, 8 * _M, 100),
    Call("PEPR-SN", "PEPR Santé numérique", "AAP", "A2.1", "ANR",
         "1", "", date(2022, 2, 1), date(2022, 6, 30), 60 * _M, 1 * _M, 10 * _M, 100),
    Call("TLE-V1", "Tiers-lieux d'expérimentation – vague 1", "AAP", "A3.1", "CDC",
         "1", "", date(2022, 1, 15), date(2022, 5, 31), 21 * _M, 500 * _K, 3 * _M, 100),
    Call("TLE-V2", "Tiers-lieux d'expérimentation – vague 2", "AAP", "A3.1", "CDC",
         "2", "", date(2023, 1, 16), date(2023, 5, 31), 21 * _M, 500 * _K, 3 * _M, 100),
    Call("TLE-V3", "Tiers-lieux d'expérimentation – vague 3", "AAP", "A3.1", "CDC",
         "3", "", date(2024, 1, 15), date(2024, 5, 31), 21 * _M, 500 * _K, 3 * _M, 100),
    Call("EVAL-DMN-2022", "Évaluation des dispositifs médicaux numériques et de l'IA – 2022", "AAP", "A3.2",
         "BPI", "2022", "", date(2022, 4, 1), date(2022, 12, 15), 20 * _M, 200 * _K, 5 * _M, 70),
    Call("EVAL-DMN-2023", "Évaluation des dispositifs médicaux numériques et de l'IA – 2023", "AAP", "A3.2",
         "BPI", "2023", "", date(2023, 3, 1), date(2023, 12, 15), 20 * _M, 200 * _K, 5 * _M, 70),
    Call("EVAL-DMN-2024", "Évaluation des dispositifs médicaux numériques et de l'IA – 2024", "AAP", "A3.2",
         "BPI", "2024", "", date(2024, 3, 1), date(2024, 12, 15), 20 * _M, 200 * _K, 5 * _M, 70),
    Call("GD-SM-E1", "Grand Défi DMN en santé mentale – étape 1", "Grand Défi", "A3.3", "SGPI",
         "1", "1", date(2023, 5, 2), date(2023, 9, 29), 3 * _M, 100 * _K, 600 * _K, 60),
    Call("GD-SM-E2", "Grand Défi DMN en santé mentale – étape 2", "Grand Défi", "A3.3", "SGPI",
         "1", "2", date(2024, 2, 1), date(2024, 6, 28), 4 * _M, 200 * _K, 1 * _M, 60),
    Call("GD-SM-E3", "Grand Défi DMN en santé mentale – étape 3", "Grand Défi", "A3.3", "SGPI",
         "1", "3", date(2025, 1, 6), date(2025, 4, 30), 3 * _M, 300 * _K, 1 * _M, 60),
    Call("GD-BV", "Grand Défi DMN et bien vieillir", "Grand Défi", "A3.4", "SGPI",
         "1", "", date(2024, 4, 2), date(2024, 9, 30), 8 * _M, 300 * _K, 2 * _M, 60),
    Call("USAGE-DMN-V1", "Usage de DMN innovants en établissements – vague 1", "AAP", "A4.1", "BPI",
         "1", "", date(2022, 9, 1), date(2023, 2, 28), 25 * _M, 300 * _K, 12 * _M // 10, 70),
    Call("USAGE-DMN-V2", "Usage de DMN innovants en établissements – vague 2", "AAP", "A4.1", "BPI",
         "2", "", date(2023, 9, 1), date(2024, 2, 29), 25 * _M, 300 * _K, 12 * _M // 10, 70),
    Call("TELESURV", "Télésurveillance médicale – accélération", "AMI", "A4.3", "BPI",
         "1", "", date(2022, 6, 1), date(2022, 10, 31), 30 * _M, 300 * _K, 4 * _M, 70),
    Call("IA-SANTE", "Intelligence artificielle en santé", "AAP", "A2.2", "BPI",
         "1", "", date(2022, 5, 2), date(2022, 11, 30), 50 * _M, 500 * _K, 6 * _M, 70),
    Call("DATA-SANTE", "Entrepôts de données de santé hospitaliers", "AAP", "A2.4", "BPI",
         "1", "", date(2021, 10, 12), date(2021, 10, 29), 75 * _M, 1 * _M, 6 * _M, 100),
    Call("CYBER-SANTE", "Cybersécurité des établissements de santé", "AAP", "A2.5", "BPI",
         "1", "", date(2023, 2, 1), date(2023, 7, 31), 30 * _M, 300 * _K, 3 * _M, 70),
    Call("INDUS-SN", "Industrialisation des solutions de santé numérique", "AAP", "A4.4", "BPI",
         "1", "", date(2023, 4, 3), date(2023, 10, 31), 70 * _M, 1 * _M, 8 * _M, 60),
    Call("ECOSYS", "Animation de l'écosystème santé numérique", "AMI", "A5.4", "CDC",
         "1", "", date(2022, 11, 2), date(2023, 3, 31), 15 * _M, 200 * _K, 2 * _M, 100),
)

# The list's wording is given where the official list shows it (the same extract); officers complete the others.
TYPOLOGIES: tuple[Typology, ...] = (
    Typology("PME", "PME", True, "Petites et moyennes entreprises"),
    Typology("ETI", "ETI", True),
    Typology("GE", "Grande entreprise", True, "Grandes entreprises"),
    Typology("EPUB", "Établissement public", False, "Établissements publics"),
    Typology("ESR", "Université ou organisme de recherche", False),
    Typology("ES", "Établissement de santé", False),
    Typology("ASSO", "Association", False),
    Typology("FOND", "Fondation", False),
    Typology("COLL", "Collectivité territoriale", False),
    Typology("GIP", "Groupement d'intérêt public", False),
    Typology("AUTRE", "Autre", False),
)

# Lifecycles of domain.md. Entities: application, project, milestone.
STATUSES: tuple[Status, ...] = (
    Status("application", "deposee", N_("Déposée"), False),
    Status("application", "recevable", N_("Recevable"), False),
    Status("application", "irrecevable", N_("Irrecevable"), True),
    Status("application", "instruction", N_("En instruction"), False),
    Status("application", "laureate", N_("Lauréate"), True),
    Status("application", "non_retenue", N_("Non retenue"), True),
    Status("application", "abandonnee", N_("Abandonnée"), True),
    Status("project", "laureat", N_("Lauréat"), False),
    Status("project", "conventionne", N_("Conventionné"), False),
    Status("project", "en_cours", N_("En cours"), False),
    Status("project", "solde", N_("Soldé"), True),
    Status("project", "abandonne", N_("Abandonné"), True),
    Status("milestone", "a_venir", N_("À venir"), False),
    Status("milestone", "atteint", N_("Atteint"), True),
    Status("milestone", "en_retard", N_("En retard"), False),
    Status("milestone", "annule", N_("Annulé"), True),
)

TRANSITIONS: tuple[tuple[str, str, str], ...] = (
    ("application", "deposee", "recevable"),
    ("application", "deposee", "irrecevable"),
    ("application", "deposee", "abandonnee"),
    ("application", "recevable", "instruction"),
    ("application", "recevable", "abandonnee"),
    ("application", "instruction", "laureate"),
    ("application", "instruction", "non_retenue"),
    ("application", "instruction", "abandonnee"),
    ("project", "laureat", "conventionne"),
    ("project", "laureat", "abandonne"),
    ("project", "conventionne", "en_cours"),
    ("project", "conventionne", "abandonne"),
    ("project", "en_cours", "solde"),
    ("project", "en_cours", "abandonne"),
    ("milestone", "a_venir", "atteint"),
    ("milestone", "a_venir", "en_retard"),
    ("milestone", "a_venir", "annule"),
    ("milestone", "en_retard", "atteint"),
    ("milestone", "en_retard", "annule"),
)

# what a tranche pays (disbursement.aid_part): the grant or the repayable advance
AID_PARTS: dict[str, str] = {
    "subvention": "Subvention",
    "avance": "Avance remboursable",
}

PARTNER_ROLES: dict[str, str] = {
    "chef_de_file": "Chef de file",
    "partenaire": "Partenaire",
    "partenaire_non_finance": "Partenaire non financé",
}
