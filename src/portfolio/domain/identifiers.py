"""Organisations' identifiers, kept as text and checked: SIREN and SIRET (French companies and public bodies,
Luhn), RNA (French associations) and org-id.guide identifiers (organisations outside France).

La Poste is the known exception: its SIREN is 356 000 000 and its establishments' SIRETs do not pass
Luhn; INSEE validates them instead by the sum of their digits being a multiple of 5.
"""

from __future__ import annotations

import re

from .errors import InvalidValue
from .i18n import tr

LA_POSTE_SIREN = "356000000"
_SEPARATORS = re.compile(r"[\s\u00a0\u202f.\-]")


_DIGIT = {str(d): d for d in range(10)}
_DOUBLED = {str(d): 2 * d - 9 if d > 4 else 2 * d for d in range(10)}  # a digit doubled, its digits summed


def luhn_ok(digits: str) -> bool:
    """True when the string of digits passes the Luhn checksum (False for anything but ASCII digits)."""
    # from the right: the digits in odd places as they are, those in even places doubled; two table sums
    # rather than a loop, for an import checks a SIRET and a SIREN on each of its rows
    backwards = digits[::-1]
    try:
        total = sum(map(_DIGIT.__getitem__, backwards[0::2])) + sum(map(_DOUBLED.__getitem__, backwards[1::2]))
    except KeyError:
        return False
    return total % 10 == 0


def clean_identifier(text: str) -> str:
    """Removes the spaces, dots and dashes people type inside identifiers ("552 100 554" -> "552100554")."""
    return _SEPARATORS.sub("", text.strip())


def is_valid_siren(text: str) -> bool:
    """True for nine digits passing Luhn (La Poste's SIREN passes too)."""
    return len(text) == 9 and text.isascii() and text.isdigit() and luhn_ok(text)


def is_valid_siret(text: str) -> bool:
    """True for fourteen digits passing Luhn, or a La Poste SIRET whose digits sum to a multiple of 5."""
    if not (len(text) == 14 and text.isascii() and text.isdigit()):
        return False
    if text.startswith(LA_POSTE_SIREN):
        return luhn_ok(text) or sum(int(c) for c in text) % 5 == 0
    return luhn_ok(text)


def parse_siren(text: str) -> str:
    """Returns the SIREN as nine-digit text, or raises InvalidValue saying what is wrong."""
    value = clean_identifier(text)
    if not (value.isascii() and value.isdigit()) or len(value) != 9:
        raise InvalidValue(tr("Le SIREN « {value} » doit compter 9 chiffres.", value=text))
    if not luhn_ok(value):
        raise InvalidValue(tr("Le SIREN « {value} » est invalide (clé de contrôle fausse).", value=text))
    return value


def parse_siret(text: str) -> str:
    """Returns the SIRET as fourteen-digit text, or raises InvalidValue saying what is wrong."""
    value = clean_identifier(text)
    if not (value.isascii() and value.isdigit()) or len(value) != 14:
        raise InvalidValue(tr("Le SIRET « {value} » doit compter 14 chiffres.", value=text))
    if not is_valid_siret(value):
        raise InvalidValue(tr("Le SIRET « {value} » est invalide (clé de contrôle fausse).", value=text))
    return value


def siren_of(siret: str) -> str:
    """The SIREN (first nine digits) of a SIRET."""
    return siret[:9]


def with_luhn_digit(prefix: str) -> str:
    """Appends the digit that makes ``prefix`` + digit pass Luhn (used to build valid test identifiers)."""
    for digit in "0123456789":
        if luhn_ok(prefix + digit):
            return prefix + digit
    raise AssertionError("unreachable: one digit always completes a Luhn number")


_RNA = re.compile(r"^W(?:\d{2}|2A|2B)\d{7}$")
_ORG_ID = re.compile(r"^[A-Z]{2}-[A-Z0-9_]{2,16}-\S+$")
FRENCH_SCHEMES = ("FR-RCS", "FR-INSEE", "FR-SIREN", "FR-SIRET")  # a French company: its SIREN or SIRET instead


def parse_rna(text: str) -> str:
    """An association's number in the Répertoire national des associations: W, the department (2 digits, 2A or
    2B) and 7 digits ("W751234567"), or InvalidValue. The RNA has no check digit: its shape is what is checked."""
    value = clean_identifier(text).upper()
    if not _RNA.match(value):
        raise InvalidValue(tr("Le numéro RNA « {value} » doit être un W suivi de 9 chiffres (W751234567).",
                              value=text))
    return value


def parse_org_id(text: str) -> str:
    """An organisation identifier of org-id.guide: the scheme (a country or XI/XM, then the register) and the number
    in that register, joined by dashes ("GB-CHC-1054154", "DE-HRB-123456"), or InvalidValue. The scheme is written in
    capitals, the number as given. A French company's scheme is refused: it is identified by its SIREN or SIRET."""
    parts = text.strip().split("-", 2)
    if len(parts) == 3:
        country, register, number = parts[0].upper(), parts[1].upper(), parts[2]
        if _ORG_ID.match(f"{country}-{register}-{number}"):
            if f"{country}-{register}" in FRENCH_SCHEMES:
                raise InvalidValue(tr("« {value} » désigne une structure française : renseignez son SIREN ou son "
                                      "SIRET.", value=text))
            return f"{country}-{register}-{number}"
    raise InvalidValue(tr("« {value} » n'est pas un identifiant org-id.guide : le registre puis le numéro, séparés "
                          "par des tirets (GB-CHC-1054154).", value=text))
