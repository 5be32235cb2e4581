"""Dates in the French way (28/11/2026) and the date forms found in files."""

from __future__ import annotations

import re
from datetime import date, datetime

from .errors import InvalidValue
from .i18n import tr

_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ]00:00(?::00(?:\.0+)?)?)?$")


def format_date(value: date | None) -> str:
    """28/11/2026; an empty string for no date."""
    return value.strftime("%d/%m/%Y") if value else ""


def format_datetime(value: datetime, seconds: bool = False) -> str:
    """28/11/2026 20:31 (20:31:07 with ``seconds``), in local time (a moment stored in UTC is shown as the
    officer's clock read it)."""
    return (value.astimezone() if value.tzinfo else value).strftime("%d/%m/%Y %H:%M" + (":%S" if seconds else ""))


def parse_date(text: str) -> date:
    """Reads 28/11/2026, 28.11.2026, 28-11-2026, 2026-11-28 (and a midnight time), or raises InvalidValue."""
    value = text.strip()
    try:
        if match := _DMY.match(value):
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        if match := _ISO.match(value):
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    except ValueError as exc:
        raise InvalidValue(tr("La date « {value} » n'existe pas.", value=text)) from exc
    raise InvalidValue(tr("La date « {value} » n'est pas au format JJ/MM/AAAA.", value=text))


def as_date(value: date | datetime | str) -> date:
    """A date from a date, a datetime at midnight or text; anything else raises InvalidValue."""
    if isinstance(value, datetime):
        if value.time() != datetime.min.time():
            raise InvalidValue(tr("« {value} » porte une heure : une date est attendue.", value=value))
        return value.date()
    if isinstance(value, date):
        return value
    return parse_date(value)


def stored_date(value: date | str | None) -> date | None:
    """A date as a database returns it: a date from a server, ISO text from a file (None stays None)."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])
