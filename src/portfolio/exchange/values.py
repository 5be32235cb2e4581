"""One spreadsheet cell to a stored value, to the exact cent and day, or a short French reason.

A cell arrives as python-calamine reads it (None, str, int, float, bool, date, datetime, time, timedelta)
or as CSV text. Each ``parse_*`` function returns the stored form (text, cents, a date, a code…), None for
an empty cell, or raises :class:`InvalidValue` saying what was found and what is expected.

Decisions on the ambiguous cases, which the tests pin down:

* Money: "1,234" and "1.234" (one separator, exactly three digits after one to three digits) are
  thousands, with or without a currency sign: euros never have three decimals, and both French and
  English exports group thousands that way ("1,500 €"). A leading zero keeps it decimal ("0,125").
  Extra decimals are rounded half-up (away from zero), like Excel's ROUND; floats go through their
  shortest repr so that 3114019.77 is 311401977 cents and 626199.99999984 is 62620000. Negative
  amounts keep their sign: the caller decides whether a field allows them.
* Days: a datetime (or text) with a time of day is a timestamp; its date is kept. Two-digit years are
  read day first and pivoted like Python's ``%y`` (00-68 -> 2000s, 69-99 -> 1900s). A number is an
  Excel serial only between 1990 and 2100 (both date systems), so that an amount is never taken for
  a date; a fractional serial keeps its day. Eight digits are read as AAAAMMJJ (accounting exports).
* A blank, "-", "–" or "—" is an empty cell (None) for every typed parser; ``parse_bool`` returns None
  for a blank too (unknown): in an "x" column, the caller reads None as False.
* SIREN/SIRET: a number that lost its leading zeros is padded back to 9 or 14 digits only when the
  padded value passes the check; twelve digits or more with at most six significant ones is the mark of
  Excel's scientific notation (2,43457E+13 shows six at most) and is refused as digits lost.
* Regions: a two-digit code is a region code first ("24" is Centre-Val de Loire, "11" Île-de-France); the
  three-digit form "035" and any other department code or name give the department's region.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from itertools import pairwise
from typing import TypeAlias

from portfolio.domain.dates import format_date, parse_date
from portfolio.domain.errors import InvalidValue
from portfolio.domain.i18n import tr
from portfolio.domain.identifiers import (
    FRENCH_SCHEMES,
    is_valid_siren,
    is_valid_siret,
    parse_org_id,
    parse_rna,
    siren_of,
)
from portfolio.domain.money import parse_decimal
from portfolio.domain.referential import find_department, find_region, fold

__all__ = [
    "AidIdentifier",
    "Cell",
    "ForeignCurrency",
    "OrgIdentifier",
    "date_to_excel_serial",
    "excel_serial_to_date",
    "parse_aid_identifier",
    "parse_aid_part",
    "parse_bool",
    "parse_company_id",
    "parse_currency",
    "parse_day",
    "parse_department",
    "parse_int",
    "parse_money",
    "parse_org_identifier",
    "parse_period",
    "parse_project_identifier",
    "parse_region",
    "parse_rna",
    "parse_share",
    "parse_siren",
    "parse_siret",
    "parse_text",
]

Cell: TypeAlias = str | int | float | bool | date | datetime | time | timedelta | Decimal | None
"""What a reader hands over for one cell."""

SERIAL_FIRST_DAY = date(1990, 1, 1)
SERIAL_LAST_DAY = date(2100, 12, 31)

_EMPTY = frozenset({"", "-", "–", "—"})
# Excel's error values, English and French, as a formula cell shows them and as CSV exports write them.
_EXCEL_ERRORS = frozenset({
    "#N/A", "#NA", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
    "#GETTING_DATA", "#VALEUR!", "#NOM?", "#NOMBRE!", "#NUL!", "#PROPAGATION!", "#CALCUL!",
})
_EXCEL_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Invisible characters that only get in the way: non-whitespace controls, soft hyphen, zero-width ones, BOM.
_INVISIBLE = re.compile("[\x00-\x08\x0e-\x1b\x7f\u00ad\u200b-\u200d\u2060\ufeff\ud800-\udfff]")

_EXCEL_1900_EPOCH = date(1899, 12, 30)  # serial 61 is 1900-03-01: Excel counts a 29/02/1900 that never was
_EXCEL_1900_BEFORE_LEAP = date(1899, 12, 31)  # serials 1 to 59, before that fictitious day
_EXCEL_1904_EPOCH = date(1904, 1, 1)
_FICTITIOUS_LEAP_SERIAL = 60

_NUMBER_TEXT = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
_TIME_SUFFIX = re.compile(r"(?:T|\s+)(?:à\s*)?\d{1,2}[:h]\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?$",
                          re.IGNORECASE)
_DMY_SHORT_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2})$")
_YMD = re.compile(r"^(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})$")
_COMPACT = re.compile(r"^\d{8}$")
_WORDY = re.compile(r"^(?:[a-z]+ )?(\d{1,2})(?: ?er)? ([a-z]+) (\d{4})$")  # on folded text
_MONTHS = {
    "janvier": 1, "janv": 1, "jan": 1, "fevrier": 2, "fevr": 2, "fev": 2, "mars": 3, "mar": 3, "avril": 4,
    "avr": 4, "mai": 5, "juin": 6, "juillet": 7, "juil": 7, "aout": 8, "septembre": 9, "sept": 9, "sep": 9,
    "octobre": 10, "oct": 10, "novembre": 11, "nov": 11, "decembre": 12, "dec": 12,
}
_DAY_TOKEN = re.compile(r"(?<!\d)(?:\d{4}[/.\-]\d{1,2}[/.\-]\d{1,2}|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2}))(?!\d)")
_PERIOD_WORDS = frozenset({"du", "de", "au", "a", "et", "entre", "jusqu", "from", "to", "periode"})

_SCIENTIFIC = re.compile(r"^\+?(\d+)(?:[.,](\d*))?E\+?(\d+)$", re.IGNORECASE)
_WHOLE_WITH_ZEROS = re.compile(r"^(\d{7,14})[.,]0+$")  # a number written by a tool: "18008901303977.0"
_SIGNIFICANT_DIGITS_SHOWN = 6  # Excel's General format shows at most six in scientific notation

_TRUE = frozenset({"oui", "o", "y", "yes", "true", "vrai", "1", "x", "1 0"})
_FALSE = frozenset({"non", "n", "no", "false", "faux", "0", "0 0"})
_INTEGER_TEXT = re.compile(r"[\d\s.,'()+\-]+")


# --- shared ------------------------------------------------------------------------------------------


def _decode_excel_escape(match: re.Match[str]) -> str:
    return chr(int(match.group(1), 16))


def _clean(text: str) -> str:
    """Text as a person reads it: Excel's _xHHHH_ escapes decoded, invisible characters dropped, every run of
    spaces, no-break spaces and line breaks made one space, stripped."""
    if "_x" in text:
        # One left-to-right pass is OOXML's own rule: "_x005F_x000D_" is the literal text "_x000D_".
        text = _EXCEL_ESCAPE.sub(_decode_excel_escape, text)
    if not text.isascii() or not text.isprintable():
        text = _INVISIBLE.sub("", text)
    clean = " ".join(text.split())
    # the text itself when it was clean already: the reader shares equal cells' strings, a copy per row would not be
    # (a 100,000-row file's names and cities: tens of MiB)
    return text if clean == text else clean


def _shown(value: Cell) -> str:
    """The cell as quoted back in a message: what the user sees in the spreadsheet, near enough."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, float) and not value.is_integer() and "e" not in repr(value):
        return repr(value).replace(".", ",")  # 12,5 as a French spreadsheet shows it
    if isinstance(value, datetime) and value.time() == time():
        return format_date(value.date())
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value)
    return _render(value)


def _render(value: Cell) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        # 12.0 is the whole number 12 to the reader; repr is the shortest text that gives the float back
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, int | Decimal | date | time | timedelta):
        return str(value)
    raise InvalidValue(tr("Type de cellule inattendu : {kind}.", kind=type(value).__name__))


def _text_or_none(value: str) -> str | None:
    """The cleaned text of a typed cell, None when it means "empty"; refuses an Excel error value."""
    text = _clean(value)
    if text in _EMPTY:
        return None
    if text.upper() in _EXCEL_ERRORS:
        raise InvalidValue(tr("La cellule contient l'erreur de formule Excel « {value} » au lieu d'une valeur.",
                              value=text))
    return text


def _finite(number: float, cell: Cell) -> None:
    """Refuses an infinite or NaN number; ``cell`` is shown in the message (only then: this runs on every
    number of an import)."""
    if not math.isfinite(number):
        raise InvalidValue(tr("« {value} » n'est pas un nombre fini.", value=_shown(cell)))


# --- text ----------------------------------------------------------------------------------------------


def parse_text(value: Cell) -> str | None:
    """The text of a cell: stripped, spaces and line breaks collapsed, Excel's _x000D_ escapes removed.

    A whole float is written without its ".0" (12.0 -> "12", 18008901303977.0 -> "18008901303977"); a date
    is written in ISO. An empty result is None.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return _clean(value) or None
    return _render(value)


# --- money -------------------------------------------------------------------------------------------


def _to_cents(amount: Decimal) -> int:
    return int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _not_an_amount(value: Cell) -> InvalidValue:
    return InvalidValue(tr("« {value} » n'est pas un montant : un nombre en euros est attendu (par exemple 1 234,56).",
                           value=_shown(value)))


def parse_money(value: Cell) -> int | None:
    """An amount in integer cents, from a number or any common written form ("1 234,56", "1,234.56",
    "1.234,56", " 1,500 € ", "840690.0"); half-up to the cent; None for an empty cell or "-".

    The sign is kept: whether a field allows a negative amount is the caller's rule.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        raise _not_an_amount(value)
    if isinstance(value, int):
        return value * 100
    if isinstance(value, float):
        _finite(value, value)
        return _to_cents(Decimal(repr(value)))  # the float's shortest repr is what the spreadsheet showed
    if isinstance(value, Decimal):
        _finite(float(value), value)
        return _to_cents(value)
    if not isinstance(value, str):
        raise _not_an_amount(value)
    text = _text_or_none(value)
    if text is None:
        return None
    currency, number = _currency_in(text)
    try:
        cents = _to_cents(parse_decimal(number))
    except InvalidValue:
        raise _not_an_amount(text) from None
    if currency is not None:
        raise ForeignCurrency(currency, cents, text)
    return cents


class ForeignCurrency(InvalidValue):
    """An amount written in another currency than the euro ("£1,000", "1 000 USD"): its currency and its amount in
    that currency's hundredths, so that a mapping's rate can convert it (never converted without one)."""

    def __init__(self, currency: str, cents: int, shown: str) -> None:
        super().__init__(tr("« {value} » est en {currency} : seuls les euros sont importés tels quels ; donnez le "
                            "taux de change de cette devise dans la correspondance (« rates »).", value=shown,
                            currency=currency))
        self.currency = currency
        self.cents = cents


# currency signs people type beside an amount, and the ISO 4217 codes of the currencies files come in (three
# capitals that are not one, "TTC", "HT", are no currency: such a text is not an amount)
_CURRENCY_SIGNS = {"£": "GBP", "US$": "USD", "$": "USD", "¥": "JPY", "₹": "INR", "₣": "CHF", "€": "EUR"}
_CURRENCY_CODES = frozenset({
    "EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "NZD", "CNY", "HKD", "SGD", "KRW", "INR", "SEK", "NOK", "DKK",
    "ISK", "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "RUB", "UAH", "ILS", "BRL", "MXN", "ARS", "CLP", "COP", "ZAR",
    "MAD", "TND", "DZD", "EGP", "XOF", "XAF", "XPF", "AED", "SAR", "QAR"})
_CURRENCY_CODE = re.compile(r"(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])")


def _currency_in(text: str) -> tuple[str | None, str]:
    """(the currency written in an amount's text other than the euro, or None; the text without it)."""
    for sign, code in _CURRENCY_SIGNS.items():
        if sign in text:
            return (None if code == "EUR" else code), text.replace(sign, "")
    match = _CURRENCY_CODE.search(text)
    if match and match.group(1) in _CURRENCY_CODES:
        code = match.group(1)
        return (None if code == "EUR" else code), text[:match.start()] + text[match.end():]
    return None, text


def parse_currency(value: Cell) -> str | None:
    """A currency's ISO 4217 code ("EUR", "GBP") from its code or sign ("€", "£"), or None for an empty cell."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.strip()
    code = _CURRENCY_SIGNS.get(text, text.upper())
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise InvalidValue(tr("« {value} » n'est pas une devise : un code ISO 4217 est attendu (EUR, GBP…).",
                              value=text))
    return code


def parse_share(value: Cell) -> Decimal | None:
    """A beneficiary's share of a grant, exactly: a fraction between 0 and 1 ("0.45", "0,45", 0.45) or a percentage
    with its sign ("45 %"); SCDL's pourcentageSubvention. None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise InvalidValue(tr("« {value} » n'est pas une part : un nombre entre 0 et 1 est attendu (0,45 pour "
                              "45 %).", value=_shown(value)))
    if isinstance(value, str):
        text = _text_or_none(value)
        if text is None:
            return None
        percent = text.rstrip().endswith("%")
        try:
            share = parse_decimal(text.replace("%", "")) / (100 if percent else 1)
        except InvalidValue:
            raise InvalidValue(tr("« {value} » n'est pas une part : un nombre entre 0 et 1 est attendu (0,45 pour "
                                  "45 %).", value=text)) from None
    else:
        _finite(float(value), value)
        share = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if not 0 < share <= 1:
        raise InvalidValue(tr("« {value} » n'est pas une part entre 0 et 1 (0,45 pour 45 % ; 1 pour un bénéficiaire "
                              "seul).", value=_shown(value)))
    return share


# --- identifiers of organisations, grants and projects in open-data files ----------------------------------


@dataclass(frozen=True)
class OrgIdentifier:
    """What an organisation identifier of a 360Giving file (org-id.guide) says: a French company's SIREN or SIRET,
    an association's RNA number, a register's identifier outside France, or a record of the portfolio that wrote
    the file (its uuid, under the publisher's prefix)."""

    siren: str | None = None
    siret: str | None = None
    rna: str | None = None
    foreign_id: str | None = None
    uuid: str | None = None


_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_OWN_ORG = re.compile(rf"^360G-.+-ORG-({_UUID})$", re.IGNORECASE)
_OWN_RNA = re.compile(r"^360G-.+-RNA-(W\w{9})$", re.IGNORECASE)
_OWN_AID = re.compile(rf"^360G-.+?-({_UUID})(-AR)?$", re.IGNORECASE)
_OWN_PROJECT = re.compile(rf"^360G-.+-PROJET-({_UUID})$", re.IGNORECASE)


def parse_org_identifier(value: Cell) -> OrgIdentifier | None:
    """An organisation's identifier: ``FR-RCS-<SIREN or SIRET>``, another register's (``GB-CHC-1054154``), the
    publisher's own (``360G-…-ORG-<uuid>``, ``360G-…-RNA-<number>``), or bare SIREN/SIRET digits. Another
    publisher's own identifier (``360G-…``) names nothing here: None, the organisation is found by its name."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.strip()
    if match := _OWN_ORG.match(text):
        return OrgIdentifier(uuid=match.group(1).lower())
    if match := _OWN_RNA.match(text):
        return OrgIdentifier(rna=parse_rna(match.group(1)))
    if text.upper().startswith("360G-"):
        return None
    scheme = "-".join(text.split("-", 2)[:2]).upper()
    if scheme in FRENCH_SCHEMES:
        siren, siret = parse_company_id(text.split("-", 2)[2] if text.count("-") >= 2 else "")
        return OrgIdentifier(siren=siren, siret=siret)
    if text.count("-") >= 2:
        return OrgIdentifier(foreign_id=parse_org_id(text))
    siren, siret = parse_company_id(text)
    return OrgIdentifier(siren=siren, siret=siret)


@dataclass(frozen=True)
class AidIdentifier:
    """A grant's identifier in a 360Giving file: an aid of the portfolio that wrote it (its uuid and the part the
    grant is, subvention or advance), or another publisher's identifier (``reference``)."""

    uuid: str | None = None
    part: str | None = None
    reference: str | None = None


def parse_aid_identifier(value: Cell) -> AidIdentifier | None:
    """``360G-…-<aid uuid>`` (its subvention) or ``360G-…-<aid uuid>-AR`` (its advance); anything else is another
    publisher's grant identifier, kept as the grant's reference."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.strip()
    if (match := _OWN_AID.match(text)) and not _OWN_PROJECT.match(text) and not _OWN_ORG.match(text):
        return AidIdentifier(uuid=match.group(1).lower(), part="avance" if match.group(2) else "subvention")
    return AidIdentifier(reference=text)


def parse_project_identifier(value: Cell) -> str | None:
    """A project's identifier ("Related Activity"): the uuid of one of the portfolio's projects under the
    publisher's prefix (``360G-…-PROJET-<uuid>``) as ``uuid:<uuid>``, or the text as the file gives it (grants
    sharing it are one project)."""
    text = parse_text(value)
    if text is None:
        return None
    text = text.split(";")[0].strip()  # an activity's first related identifier
    if match := _OWN_PROJECT.match(text):
        return "uuid:" + match.group(1).lower()
    return text


_AID_PARTS = {"subvention": "subvention", "grant": "subvention", "grants": "subvention",
              "avance remboursable": "avance", "avance": "avance", "repayable advance": "avance",
              "avance-remboursable": "avance"}


def parse_aid_part(value: Cell) -> str | None:
    """Which part of an aid a grant is (360Giving's Funding Type): "subvention" or "avance"."""
    text = parse_text(value)
    if text is None:
        return None
    part = _AID_PARTS.get(text.strip().lower()) or _AID_PARTS.get(fold(text))
    if part is None:
        raise InvalidValue(tr("« {value} » n'est pas une nature d'aide connue : subvention ou avance remboursable.",
                              value=text))
    return part


# --- whole numbers and yes/no ------------------------------------------------------------------------


def _not_an_integer(value: Cell) -> InvalidValue:
    return InvalidValue(tr("« {value} » n'est pas un nombre entier : un nombre sans décimales est attendu.",
                           value=_shown(value)))


def parse_int(value: Cell) -> int | None:
    """A whole number from 12, 12.0, "1 234", "1 234,0"; 12.5 or "12,5" is refused, never rounded."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise _not_an_integer(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        _finite(float(value), value)
        if value != int(value):
            raise _not_an_integer(value)
        return int(value)
    if not isinstance(value, str):
        raise _not_an_integer(value)
    text = _text_or_none(value)
    if text is None:
        return None
    try:
        if not _INTEGER_TEXT.fullmatch(text):  # no currency sign or unit: this is a count, not an amount
            raise _not_an_integer(text)
        number = parse_decimal(text)
    except InvalidValue:
        raise _not_an_integer(text) from None
    if number != number.to_integral_value():
        raise _not_an_integer(text)
    return int(number)


def parse_bool(value: Cell) -> bool | None:
    """Yes or no from OUI/NON, O/N, Y/N, yes/no, true/false, vrai/faux, 1/0, X (yes), a boolean cell.

    A blank cell is None (not known): in a column where "x" marks yes, the caller reads None as no.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    text = _text_or_none(value) if isinstance(value, str) else _shown(value)
    if text is None:
        return None
    key = fold(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise InvalidValue(tr("« {value} » n'est pas une réponse oui/non : OUI ou NON est attendu (ou O/N, VRAI/FAUX, "
                          "1/0, X).", value=text))


# --- days ---------------------------------------------------------------------------------------------


def excel_serial_to_date(serial: int, *, date1904: bool = False) -> date:
    """The day of an Excel serial number, in the 1900 date system (Windows default) or the 1904 one (old Macs).

    In the 1900 system serial 60 is Excel's fictitious 29/02/1900 and raises InvalidValue; 61 is 01/03/1900.
    """
    try:
        if date1904:
            if serial < 0:
                raise OverflowError
            return _EXCEL_1904_EPOCH + timedelta(days=serial)
        if serial < 1:
            raise OverflowError
        if serial == _FICTITIOUS_LEAP_SERIAL:
            raise InvalidValue(tr("Le numéro de date Excel 60 désigne le 29/02/1900, qui n'a pas existé."))
        epoch = _EXCEL_1900_EPOCH if serial > _FICTITIOUS_LEAP_SERIAL else _EXCEL_1900_BEFORE_LEAP
        return epoch + timedelta(days=serial)
    except OverflowError:
        raise InvalidValue(tr("« {value} » n'est pas un numéro de date Excel.", value=serial)) from None


def date_to_excel_serial(day: date, *, date1904: bool = False) -> int:
    """The Excel serial number of a day (the inverse of :func:`excel_serial_to_date`)."""
    if date1904:
        serial = (day - _EXCEL_1904_EPOCH).days
    elif day >= date(1900, 3, 1):
        serial = (day - _EXCEL_1900_EPOCH).days
    else:
        serial = (day - _EXCEL_1900_BEFORE_LEAP).days
    if serial < (0 if date1904 else 1):
        raise InvalidValue(tr("Le {value} précède les dates qu'Excel sait écrire.", value=format_date(day)))
    return serial


_SERIAL_WINDOW = {
    system: (date_to_excel_serial(SERIAL_FIRST_DAY, date1904=system), date_to_excel_serial(SERIAL_LAST_DAY,
                                                                                            date1904=system))
    for system in (False, True)
}


def _day_of_serial(number: Decimal, shown: str, date1904: bool) -> date:
    """The day of a serial read from a number cell or numeric text, within the plausibility window."""
    low, high = _SERIAL_WINDOW[date1904]
    if not low <= number < high + 1:  # a fractional part is a time of day: the day is kept
        raise InvalidValue(tr("« {value} » n'est pas une date : un nombre n'est lu comme une date Excel qu'entre le "
                              "{first} et le {last} ; une date JJ/MM/AAAA est attendue.",
                              value=shown, first=format_date(SERIAL_FIRST_DAY), last=format_date(SERIAL_LAST_DAY)))
    return excel_serial_to_date(int(number), date1904=date1904)


def _compact_day(digits: str, shown: str) -> date | None:
    """AAAAMMJJ ("20230116"), as accounting exports (FEC) write days; None when it is not such a day."""
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:])
    if not 1900 <= year <= 2199:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidValue(tr("La date « {value} » n'existe pas.", value=shown)) from None


def _reparse(day: int, month: int, year: int, shown: str) -> date:
    """Hands a day rewritten as JJ/MM/AAAA to parse_date, quoting the text as the user wrote it."""
    try:
        return parse_date(f"{day:02d}/{month:02d}/{year:04d}")
    except InvalidValue:
        raise InvalidValue(tr("La date « {value} » n'existe pas.", value=shown)) from None


def _day_of_text(text: str) -> date:
    """A day written as text, in any of the forms found in files."""
    bare = _TIME_SUFFIX.sub("", text) if ":" in text or "h" in text.lower() else text
    if match := _DMY_SHORT_YEAR.match(bare):
        short_year = int(match[3])
        year = 2000 + short_year if short_year < 69 else 1900 + short_year  # Python's %y pivot
        return _reparse(int(match[1]), int(match[2]), year, text)
    if match := _YMD.match(bare):
        return _reparse(int(match[3]), int(match[2]), int(match[1]), text)
    if _COMPACT.match(bare) and (day := _compact_day(bare, text)):
        return day
    if (match := _WORDY.match(fold(bare))) and match[2] in _MONTHS:
        return _reparse(int(match[1]), _MONTHS[match[2]], int(match[3]), text)
    if len(_DAY_TOKEN.findall(bare)) == 2:
        raise InvalidValue(tr("« {value} » est une période (deux dates) : une seule date est attendue.", value=text))
    return parse_date(bare)


def parse_day(value: Cell, *, date1904: bool = False) -> date | None:
    """A day from a date cell, a datetime (its time dropped: a timestamp's day), text (16/01/2023, 16.01.2023,
    16-01-2023, 2023-01-16, 16/01/23, 16 janvier 2023, 20230116) or an Excel serial number between 1990 and
    2100 (1900 date system, or 1904 when ``date1904``). None for an empty cell.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool | time | timedelta):
        raise InvalidValue(tr("« {value} » n'est pas une date : une date JJ/MM/AAAA est attendue.",
                              value=_shown(value)))
    if isinstance(value, int | float | Decimal):
        _finite(float(value), value)
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        if number == int(number) and 19000101 <= number <= 21991231:  # far beyond any plausible serial
            return _compact_day(str(int(number)), _shown(value)) or _day_of_serial(number, _shown(value), date1904)
        return _day_of_serial(number, _shown(value), date1904)
    if not isinstance(value, str):
        raise InvalidValue(tr("Type de cellule inattendu : {kind}.", kind=type(value).__name__))
    text = _text_or_none(value)
    if text is None:
        return None
    if _NUMBER_TEXT.fullmatch(text) and not _COMPACT.match(text):
        return _day_of_serial(Decimal(text.replace(",", ".")), text, date1904)
    return _day_of_text(text)


def parse_period(value: Cell, *, date1904: bool = False) -> tuple[date | None, date | None]:
    """(start, end) from "2017-12-14_2018-12-14", "14/12/2017 - 14/12/2018", "du 14/12/2017 au 14/12/2018";
    a single day gives (day, None), an empty cell (None, None). An end before its start is refused.
    """
    if not isinstance(value, str):
        return parse_day(value, date1904=date1904), None
    text = _text_or_none(value)
    if text is None:
        return None, None
    tokens = list(_DAY_TOKEN.finditer(text))
    if not tokens:
        return parse_day(text, date1904=date1904), None
    # what lies around and between the dates may only be connectors: "du … au …", "_", " - ", "→"
    gaps = [text[: tokens[0].start()], *(text[a.end() : b.start()] for a, b in pairwise(tokens)),
            text[tokens[-1].end() :]]
    if len(tokens) > 2 or any(not set(fold(gap).split()) <= _PERIOD_WORDS for gap in gaps):
        if len(tokens) == 1:
            return parse_day(text, date1904=date1904), None  # "16/01/2023 14:30" and the like
        raise InvalidValue(tr("« {value} » n'est pas une période : deux dates sont attendues, par exemple "
                              "14/12/2017 - 14/12/2018.", value=text))
    days = [_day_of_text(token.group()) for token in tokens]
    if len(days) == 1:
        return days[0], None
    start, end = days
    if end < start:
        raise InvalidValue(tr("La période « {value} » finit avant de commencer.", value=text))
    return start, end


# --- SIREN and SIRET -----------------------------------------------------------------------------------


def _digits_lost(shown: str) -> InvalidValue:
    return InvalidValue(tr("« {value} » a perdu des chiffres dans la notation scientifique d'Excel : "
                           "ils ne peuvent pas être retrouvés. Demandez le fichier avec cette colonne au format texte.",
                           value=shown))


def _not_an_identifier(shown: str) -> InvalidValue:
    return InvalidValue(tr("« {value} » n'est ni un SIREN (9 chiffres) ni un SIRET (14 chiffres).", value=shown))


def _identifier_digits(value: Cell) -> tuple[str, str, bool] | None:
    """(digits, text shown in messages, whether lost leading zeros may be restored), or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise _not_an_identifier(_shown(value))
    if not isinstance(value, str):
        shown = _shown(value)
        _finite(float(value), value)
        if value < 0 or value != int(value):
            raise _not_an_identifier(shown)
        return str(int(value)), shown, True
    text = _text_or_none(value)
    if text is None:
        return None
    compact = re.sub(r"\s", "", text)
    if match := _SCIENTIFIC.match(compact):
        whole, fraction, exponent = match[1], match[2] or "", int(match[3])
        if len(fraction) < exponent:  # "2,43E+13": only three of the fourteen digits were kept
            raise _digits_lost(text)
        if fraction[exponent:].strip("0"):
            raise _not_an_identifier(text)
        return str(int(whole + fraction[:exponent])), text, True
    if match := _WHOLE_WITH_ZEROS.match(compact):
        return match[1], text, True
    if text.isascii() and text.isdigit():
        return text, text, True  # a CSV writes a number column as bare digits: its zeros may be lost too
    digits = re.sub(r"[\s.\-]", "", text)
    if not (digits.isascii() and digits.isdigit()):
        raise _not_an_identifier(text)
    return digits, text, False


def _checked(digits: str, shown: str, paddable: bool) -> tuple[str, str | None]:
    """(siren, siret or None) once the length and the check digit are right."""
    if len(digits) >= 12 and len(digits.strip("0")) <= _SIGNIFICANT_DIGITS_SHOWN:
        raise _digits_lost(shown)
    if paddable and 10 <= len(digits) < 14 and is_valid_siret(digits.zfill(14)):
        digits = digits.zfill(14)
    elif paddable and len(digits) < 9 and is_valid_siren(digits.zfill(9)):
        digits = digits.zfill(9)
    if len(digits) == 14:
        if not is_valid_siret(digits):
            raise InvalidValue(tr("Le SIRET « {value} » est invalide (clé de contrôle fausse).", value=shown))
        return siren_of(digits), digits
    if len(digits) == 9:
        if not is_valid_siren(digits):
            raise InvalidValue(tr("Le SIREN « {value} » est invalide (clé de contrôle fausse).", value=shown))
        return digits, None
    if paddable and len(digits) < 14:
        raise InvalidValue(tr("« {value} » compte {count} chiffres : ni un SIREN (9) ni un SIRET (14), même en "
                              "rétablissant les zéros de tête qu'un tableur aurait ôtés.",
                              value=shown, count=len(digits)))
    raise _not_an_identifier(shown)


def parse_company_id(value: Cell) -> tuple[str | None, str | None]:
    """(siren, siret) from a SIREN or SIRET cell: nine digits give (siren, None), fourteen (siren, siret).

    Spaces, dots and dashes inside are removed; a number (18008901303977.0) is read as its digits and gets
    back the leading zeros a spreadsheet dropped when the padded value passes the check. Scientific notation
    that lost digits ("2,43E+13") and wrong check digits are refused (La Poste's SIRETs follow their own rule).
    """
    found = _identifier_digits(value)
    if found is None:
        return None, None
    return _checked(*found)


def parse_siret(value: Cell) -> str | None:
    """A SIRET (fourteen digits, checked) from a cell, as :func:`parse_company_id` reads it; a SIREN is refused."""
    found = _identifier_digits(value)
    if found is None:
        return None
    digits, shown, paddable = found
    if len(digits) <= 9:
        raise InvalidValue(tr("Le SIRET « {value} » doit compter 14 chiffres.", value=shown))
    return _checked(digits, shown, paddable)[1]


def parse_siren(value: Cell) -> str | None:
    """A SIREN (nine digits, checked) from a cell, as :func:`parse_company_id` reads it; a SIRET is refused."""
    found = _identifier_digits(value)
    if found is None:
        return None
    digits, shown, paddable = found
    if len(digits) > 9:
        raise InvalidValue(tr("Le SIREN « {value} » doit compter 9 chiffres.", value=shown))
    return _checked(digits, shown, paddable)[0]


# --- territories -------------------------------------------------------------------------------------


def _code_text(value: Cell) -> str | None:
    """A territorial code or name as text: 24, 24.0 and "24" alike; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        return _text_or_none(value)
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return _shown(value)
    _finite(float(value), value)
    if value != int(value) or value < 0:
        return _shown(value)
    return f"{int(value):02d}"  # 5 is "05", as codes are written


def parse_region(value: Cell) -> str | None:
    """The region's INSEE code ("24") from its name (accents and case ignored), an abbreviation (CVL, PACA,
    Région Sud), its INSEE or ISO code (24, "FR-CVL"), or a department's code or name ("035", "2A", "971").

    A two-digit code is a region code first: "24" is Centre-Val de Loire, "035" the Ille-et-Vilaine's Bretagne.
    """
    text = _code_text(value)
    if text is None:
        return None
    if text.isdigit() and len(text) == 1:
        text = "0" + text  # "1" read like the number 1: region 01
    region = find_region(text)
    if region is None:
        raise InvalidValue(tr("« {value} » n'est pas une région connue : un nom de région, une abréviation (CVL), "
                              "un code INSEE (24) ou ISO (FR-CVL) ou un code de département est attendu.",
                              value=_shown(value)))
    return region.code


def parse_department(value: Cell) -> str | None:
    """The department's code ("35", "2A", "971") from "035", 35, 35.0, "35 - Ille-et-Vilaine" or its name."""
    text = _code_text(value)
    if text is None:
        return None
    department = find_department(text)
    if department is None:
        raise InvalidValue(tr("« {value} » n'est pas un département connu : un code (35, 2A, 971) ou un nom est "
                              "attendu.", value=_shown(value)))
    return department.code
