"""Dates the French way (28/11/2026) and the date forms found in files."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.dates import as_date, format_date, parse_date
from portfolio.domain.errors import InvalidValue


def test_format_date() -> None:
    assert format_date(date(2026, 11, 28)) == "28/11/2026"
    assert format_date(date(2026, 1, 5)) == "05/01/2026"
    assert format_date(None) == ""


@pytest.mark.parametrize(
    "text",
    ["28/11/2026", "28.11.2026", "28-11-2026", "2026-11-28", "2026-11-28 00:00:00", "2026-11-28T00:00:00",
     "2026-11-28 00:00", "2026-11-28 00:00:00.000", " 28/11/2026 "],
)
def test_parse_date_forms(text: str) -> None:
    assert parse_date(text) == date(2026, 11, 28)


def test_parse_date_single_digit_day_and_month() -> None:
    assert parse_date("1/2/2026") == date(2026, 2, 1)  # day first, the French way


@pytest.mark.parametrize("text", ["31/02/2026", "29/02/2025", "2026-13-01", "00/01/2026", "2026-02-30"])
def test_parse_date_rejects_days_that_do_not_exist(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_date(text)
    assert f"« {text} »" in str(info.value)
    assert "n'existe pas" in str(info.value)


@pytest.mark.parametrize("text", ["demain", "", "28/11/26", "2026-11-28 10:30:00", "28 novembre 2026", "2026/11/28"])
def test_parse_date_rejects_other_text_in_french(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_date(text)
    assert f"« {text} »" in str(info.value)
    assert "JJ/MM/AAAA" in str(info.value)


def test_leap_day() -> None:
    assert parse_date("29/02/2028") == date(2028, 2, 29)


def test_as_date() -> None:
    assert as_date(date(2026, 11, 28)) == date(2026, 11, 28)
    result = as_date(datetime(2026, 11, 28, 0, 0))
    assert result == date(2026, 11, 28)
    assert type(result) is date
    assert as_date("28/11/2026") == date(2026, 11, 28)


@pytest.mark.parametrize("moment", [datetime(2026, 11, 28, 10, 30), datetime(2026, 11, 28, 0, 0, 0, 1),
                                    datetime(2026, 11, 28, 23, 59, 59)])
def test_as_date_rejects_a_time_of_day(moment: datetime) -> None:
    with pytest.raises(InvalidValue) as info:
        as_date(moment)
    assert "heure" in str(info.value)
    assert "date est attendue" in str(info.value)


def test_as_date_rejects_bad_text() -> None:
    with pytest.raises(InvalidValue):
        as_date("demain")


@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_format_then_parse_round_trips(value: date) -> None:
    assert parse_date(format_date(value)) == value
    assert parse_date(value.isoformat()) == value
