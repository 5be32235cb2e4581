"""The territorial référentiel: the 18 regions (INSEE and ISO codes) and the 101 departments.

These are the seed values of editable reference tables; names and abbreviations seen in real files
are kept so that imports can recognise a region however a partner writes it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    """A region of France (2016 map) with the ways files name it."""

    code: str  # INSEE code, two digits
    iso: str  # ISO 3166-2
    name: str
    abbreviations: tuple[str, ...]
    overseas: bool = False


@dataclass(frozen=True)
class Department:
    """A department with its INSEE code ("01", "2A", "974") and its region's INSEE code."""

    code: str
    name: str
    region_code: str


REGIONS: tuple[Region, ...] = (
    Region("84", "FR-ARA", "Auvergne-Rhône-Alpes", ("ARA", "AURA", "Auvergne Rhône Alpes")),
    Region("27", "FR-BFC", "Bourgogne-Franche-Comté", ("BFC",)),
    Region("53", "FR-BRE", "Bretagne", ("BRE", "BZH")),
    Region("24", "FR-CVL", "Centre-Val de Loire", ("CVL", "Centre")),
    Region("94", "FR-20R", "Corse", ("COR", "Corsica")),
    Region("44", "FR-GES", "Grand Est", ("GES", "GE")),
    Region("32", "FR-HDF", "Hauts-de-France", ("HDF",)),
    Region("11", "FR-IDF", "Île-de-France", ("IDF",)),
    Region("28", "FR-NOR", "Normandie", ("NOR",)),
    Region("75", "FR-NAQ", "Nouvelle-Aquitaine", ("NA", "NAQ")),
    Region("76", "FR-OCC", "Occitanie", ("OCC",)),
    Region("52", "FR-PDL", "Pays de la Loire", ("PDL",)),
    Region("93", "FR-PAC", "Provence-Alpes-Côte d'Azur", ("PACA", "PAC", "Région Sud", "Sud")),
    Region("01", "FR-971", "Guadeloupe", ("GUA", "GP"), overseas=True),
    Region("02", "FR-972", "Martinique", ("MQ", "MTQ"), overseas=True),
    Region("03", "FR-973", "Guyane", ("GF", "GUY"), overseas=True),
    Region("04", "FR-974", "La Réunion", ("RE", "REU", "Réunion"), overseas=True),
    Region("06", "FR-976", "Mayotte", ("YT", "MAY"), overseas=True),
)

_DEPARTMENTS_TEXT = """
01 Ain 84|02 Aisne 32|03 Allier 84|04 Alpes-de-Haute-Provence 93|05 Hautes-Alpes 93|06 Alpes-Maritimes 93
07 Ardèche 84|08 Ardennes 44|09 Ariège 76|10 Aube 44|11 Aude 76|12 Aveyron 76|13 Bouches-du-Rhône 93
14 Calvados 28|15 Cantal 84|16 Charente 75|17 Charente-Maritime 75|18 Cher 24|19 Corrèze 75
2A Corse-du-Sud 94|2B Haute-Corse 94|21 Côte-d'Or 27|22 Côtes-d'Armor 53|23 Creuse 75|24 Dordogne 75
25 Doubs 27|26 Drôme 84|27 Eure 28|28 Eure-et-Loir 24|29 Finistère 53|30 Gard 76|31 Haute-Garonne 76
32 Gers 76|33 Gironde 75|34 Hérault 76|35 Ille-et-Vilaine 53|36 Indre 24|37 Indre-et-Loire 24|38 Isère 84
39 Jura 27|40 Landes 75|41 Loir-et-Cher 24|42 Loire 84|43 Haute-Loire 84|44 Loire-Atlantique 52
45 Loiret 24|46 Lot 76|47 Lot-et-Garonne 75|48 Lozère 76|49 Maine-et-Loire 52|50 Manche 28|51 Marne 44
52 Haute-Marne 44|53 Mayenne 52|54 Meurthe-et-Moselle 44|55 Meuse 44|56 Morbihan 53|57 Moselle 44
58 Nièvre 27|59 Nord 32|60 Oise 32|61 Orne 28|62 Pas-de-Calais 32|63 Puy-de-Dôme 84
64 Pyrénées-Atlantiques 75|65 Hautes-Pyrénées 76|66 Pyrénées-Orientales 76|67 Bas-Rhin 44|68 Haut-Rhin 44
69 Rhône 84|70 Haute-Saône 27|71 Saône-et-Loire 27|72 Sarthe 52|73 Savoie 84|74 Haute-Savoie 84|75 Paris 11
76 Seine-Maritime 28|77 Seine-et-Marne 11|78 Yvelines 11|79 Deux-Sèvres 75|80 Somme 32|81 Tarn 76
82 Tarn-et-Garonne 76|83 Var 93|84 Vaucluse 93|85 Vendée 52|86 Vienne 75|87 Haute-Vienne 75|88 Vosges 44
89 Yonne 27|90 Territoire de Belfort 27|91 Essonne 11|92 Hauts-de-Seine 11|93 Seine-Saint-Denis 11
94 Val-de-Marne 11|95 Val-d'Oise 11|971 Guadeloupe 01|972 Martinique 02|973 Guyane 03|974 La Réunion 04
976 Mayotte 06
"""


def _parse_departments(text: str) -> tuple[Department, ...]:
    result = []
    for item in text.replace("\n", "|").split("|"):
        item = item.strip()
        if item:
            code, rest = item.split(" ", 1)
            name, region_code = rest.rsplit(" ", 1)
            result.append(Department(code, name, region_code))
    return tuple(result)


DEPARTMENTS: tuple[Department, ...] = _parse_departments(_DEPARTMENTS_TEXT)
REGIONS_BY_CODE = {r.code: r for r in REGIONS}
DEPARTMENTS_BY_CODE = {d.code: d for d in DEPARTMENTS}


_LIGATURES = {"œ": "oe", "æ": "ae"}  # French writes "cœur" and "coeur" alike; Unicode does not decompose them


class _FoldTable(dict[int, str]):
    """What each character becomes in a folded key, computed on first sight: its compatibility
    decomposition without combining marks, case-folded, the French ligatures spelt out, with anything but
    letters and digits as a space."""

    def __missing__(self, code: int) -> str:
        decomposed = unicodedata.normalize("NFKD", chr(code))
        stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
        folded = "".join(_LIGATURES.get(c, c) if c.isalnum() else " " for c in stripped.casefold())
        self[code] = folded
        return folded


_FOLD_TABLE = _FoldTable()
_NOT_ASCII_ALNUM = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    """Accent-, case- and punctuation-insensitive key: "Île-de-France" -> "ile de france", "Œuvre" -> "oeuvre".

    Character by character (every step of the fold is), through a table filled on first sight: the search
    keys of half a million records are folded at each demo or migration, so it must be quick.
    """
    if text.isascii():
        return _NOT_ASCII_ALNUM.sub(" ", text.lower()).strip()
    return " ".join(text.translate(_FOLD_TABLE).split())


def _region_keys() -> dict[str, Region]:
    keys: dict[str, Region] = {}
    for region in REGIONS:
        for key in (region.code, region.iso, region.name, *region.abbreviations):
            keys[fold(key)] = region
            keys[fold("Région " + key)] = region  # "Région Centre-Val de Loire", "Région PACA"
    return keys


def _department_keys() -> dict[str, Department]:
    keys: dict[str, Department] = {}
    for department in DEPARTMENTS:
        key = fold(department.name)
        keys[key] = department
        if key.startswith("la "):  # "Réunion" as often as "La Réunion"
            keys[key[3:]] = department
    return keys


_REGION_KEYS = _region_keys()
_DEPARTMENT_KEYS = _department_keys()


def _code_and_name(key: str) -> list[tuple[str, str]]:
    """The (code, name) readings of a folded "35 ille et vilaine" or "ille et vilaine 35" (code first or last)."""
    words = key.split()
    if len(words) < 2:
        return []
    return [(words[0], " ".join(words[1:])), (words[-1], " ".join(words[:-1]))]


def find_region(text: str) -> Region | None:
    """The region named by an INSEE code, ISO code, name, abbreviation (with or without "Région"), a code
    followed by its name ("24 - Centre-Val de Loire"), or a department's code or name; else None.

    A two-digit code is read as a region code first ("24" is Centre-Val de Loire, not the Dordogne);
    the three-digit form "024" is always a department code, as France 2030 lists write them.
    """
    key = fold(text)
    if key in _REGION_KEYS:
        return _REGION_KEYS[key]
    for code, name in _code_and_name(key):
        # both halves must name the same region, so that "24 - Dordogne" falls through to the department
        if code in _REGION_KEYS and _REGION_KEYS.get(name) is _REGION_KEYS[code]:
            return _REGION_KEYS[code]
    department = find_department(text)
    return REGIONS_BY_CODE[department.region_code] if department else None


def _department_code(text: str) -> str:
    code = text.strip().upper()
    if len(code) == 3 and code.startswith("0") and (code.isdigit() or code in ("02A", "02B")):
        code = code[1:]  # France 2030 lists write head-office departments as '035' (and Corsica '02A')
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    return code


def find_department(text: str) -> Department | None:
    """The department for a code such as "35", "035", "2A", "974", a name ("Ille-et-Vilaine", accents and
    case ignored) or both ("35 - Ille-et-Vilaine", "Ille-et-Vilaine (35)"); else None.

    When both a code and a name are given they must agree: "35 - Morbihan" is None, not a guess.
    """
    department = DEPARTMENTS_BY_CODE.get(_department_code(text))
    if department is not None:
        return department
    key = fold(text)
    if key in _DEPARTMENT_KEYS:
        return _DEPARTMENT_KEYS[key]
    for code, name in _code_and_name(key):
        department = DEPARTMENTS_BY_CODE.get(_department_code(code))
        if department is not None and _DEPARTMENT_KEYS.get(name) is department:
            return department
    return None
