"""Money: exact euros. Stored as integer cents, handled as Decimal, never as float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidValue
from .i18n import tr

NBSP = "\u00a0"
NNBSP = "\u202f"
CENT = Decimal("0.01")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def to_cents(euros: Decimal | int | str) -> int:
    """Euros (Decimal, int or a plain decimal string such as "12.5") to integer cents, exactly.

    A float is refused: it cannot hold most cent values exactly.
    """
    if isinstance(euros, float):
        raise TypeError("money is never a float; pass a Decimal or a string")
    try:
        value = Decimal(euros) if not isinstance(euros, Decimal) else euros
        if not value.is_finite():
            raise InvalidOperation
        cents = (value * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    except InvalidOperation as exc:
        raise InvalidValue(tr("Le montant « {value} » n'est pas un nombre.", value=euros)) from exc
    if cents != value * 100:
        raise InvalidValue(tr("Le montant {value} a plus de deux décimales.", value=euros))
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents to euros as a Decimal with two places."""
    return (Decimal(cents) / 100).quantize(CENT)


def euros_str(cents: int) -> str:
    """Cents as a plain decimal string in euros ("1234567.89"), the form used in JSON output."""
    return str(from_cents(cents))


def _group_thousands(digits: str, separator: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return separator.join(groups)


def format_int(value: int) -> str:
    """A whole number the French way: 1 234 567 (no-break spaces)."""
    text = _group_thousands(str(abs(value)), NBSP)
    return "-" + text if value < 0 else text


def format_percent(fraction: float, places: int = 1) -> str:
    """A fraction as a French percentage: 0.637 -> "63,7 %"."""
    return f"{fraction * 100:.{places}f}".replace(".", ",") + NBSP + "%"


def format_eur(cents: int, *, decimals: bool | None = None, symbol: bool = True) -> str:
    """French format: 1 234 567,89 € (no-break spaces). ``decimals=None`` drops ",00" on whole euros."""
    negative = cents < 0
    if decimals is False:  # whole euros, rounded half to even like every other rounding of money here
        cents = int((Decimal(cents) / 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)) * 100
        negative = cents < 0
    whole, rest = divmod(abs(cents), 100)
    text = _group_thousands(str(whole), NBSP)
    if decimals or (decimals is None and rest):
        text += f",{rest:02d}"
    if negative:
        text = "-" + text
    return text + (NBSP + "€" if symbol else "")


def format_meur(cents: int, places: int = 1) -> str:
    """Millions of euros in French format: 552,3 M€."""
    value = (Decimal(cents) / Decimal(100_000_000)).quantize(Decimal(1).scaleb(-places))
    if value == 0:
        value = abs(value)  # never "-0,0 M€"
    sign, digits = ("-", str(-value)) if value < 0 else ("", str(value))
    whole, _, frac = digits.partition(".")
    text = sign + _group_thousands(whole, NBSP)
    return text + ("," + frac if frac else "") + NBSP + "M€"


def _not_a_number(raw: str) -> InvalidValue:
    return InvalidValue(tr("Le montant « {value} » n'est pas un nombre.", value=raw))


def _is_grouped(whole: str, sep: str) -> bool:
    """True when ``whole`` is digits grouped by threes with ``sep`` ("1.234.567")."""
    groups = whole.split(sep)
    return 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])


def parse_amount(text: str, *, rounding: str = ROUND_HALF_EVEN) -> int:
    """Parses an amount typed or read in any common form, returning cents.

    Accepts "1 234,56", "1234.56", "1,234.56", "1.234,56", " 1,500 € ", NBSP separators, "840690.0",
    float noise such as "626199.99999984" (rounded to the cent, half to even unless ``rounding`` says
    otherwise). A single separator followed by exactly three digits after one to three digits ("1,500",
    "1.500") is a thousands separator, as both French and English files write it. Raises InvalidValue
    when the text is not an amount.
    """
    return int((parse_decimal(text) * 100).quantize(Decimal(1), rounding=rounding))


def parse_decimal(text: str) -> Decimal:
    """The exact signed number written in ``text``, read with the rules of :func:`parse_amount`, unrounded.

    Raises InvalidValue when the text is not a number.
    """
    raw = text
    value = _SPACES.sub("", text).replace("€", "").replace("EUR", "").replace("eur", "")
    negative = False
    if value.startswith("(") and value.endswith(")"):  # accounting negatives: (45)
        negative, value = True, value[1:-1]
    if value[:1] in ("-", "+"):
        negative, value = negative != (value[0] == "-"), value[1:]
    elif value.endswith("-"):  # some accounting exports put the minus after the number
        negative, value = not negative, value[:-1]
    if not value or not re.fullmatch(r"[0-9][0-9.,]*", value) or not value[-1].isdigit():
        raise _not_a_number(raw)
    last_comma, last_dot = value.rfind(","), value.rfind(".")
    if last_comma >= 0 and last_dot >= 0:
        decimal_sep = "," if last_comma > last_dot else "."
    elif last_comma >= 0 or last_dot >= 0:
        sep = "," if last_comma >= 0 else "."
        whole, _, frac = value.rpartition(sep)
        thousands_like = len(frac) == 3 and _is_grouped(whole + sep + frac, sep) and not whole.startswith("0")
        decimal_sep = "" if value.count(sep) > 1 or thousands_like else sep
    else:
        decimal_sep = ""
    if decimal_sep:
        whole, _, frac = value.rpartition(decimal_sep)
        thousands_sep = "." if decimal_sep == "," else ","
        if decimal_sep in whole or (thousands_sep in whole and not _is_grouped(whole, thousands_sep)):
            raise _not_a_number(raw)
        normalised = whole.replace(thousands_sep, "") + "." + frac
    else:
        sep = "," if "," in value else "."
        if sep in value and not _is_grouped(value, sep):
            raise _not_a_number(raw)
        normalised = value.replace(sep, "")
    try:
        amount = Decimal(normalised)
    except InvalidOperation as exc:  # pragma: no cover - the pattern above already filters
        raise _not_a_number(raw) from exc
    return -amount if negative else amount


# --- a beneficiary's share of a shared grant (SCDL's pourcentageSubvention) ----------------------------------


def share_of(total_cents: int, share: Decimal) -> int:
    """A beneficiary's part of a grant from the grant's total and its share, in cents: total × share rounded to the
    cent, a half cent up (the rounding the SCDL export's shares are written for: they make it exact anyway)."""
    return int((Decimal(total_cents) * share).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def exact_share(part_cents: int, total_cents: int) -> Decimal:
    """The shortest share (two decimals at least) that gives ``part_cents`` back from ``total_cents``: total × share
    is within less than half a cent of the part, so that any rounding to the cent (half up, half even) finds the
    part exactly. 1/3 of 100,00 € is 0.3333 (33,33 €), not 0.33 (33,00 €)."""
    if total_cents <= 0 or not 0 <= part_cents <= total_cents:
        raise ValueError("a share is of a positive total, between nothing and all of it")
    exact = Decimal(part_cents) / Decimal(total_cents)
    for places in range(2, 30):
        share = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
        if abs(Decimal(total_cents) * share - part_cents) < Decimal("0.5"):
            return share
    raise AssertionError("unreachable: 29 places give any cent of a 64-bit total")
