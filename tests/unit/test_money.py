"""Money: parsing amounts in every common form, exact cents, French formatting."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidValue
from portfolio.domain.money import euros_str, format_eur, format_meur, from_cents, parse_amount, to_cents

NBSP = "\u00a0"
NNBSP = "\u202f"


# --- parse_amount -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1 234,56", 123456),
        ("1,234.56", 123456),
        ("1.234,56", 123456),
        (" 1,500 € ", 150000),
        ("1.500", 150000),
        (f"1{NBSP}234{NBSP}567,89", 123456789),
        (f"1{NNBSP}234{NNBSP}567,89", 123456789),
        (f"1{NBSP}234,56{NBSP}€", 123456),
        ("1'234.56", 123456),
        ("840690.0", 84069000),
        ("626199.99999984", 62620000),
        ("1234.56", 123456),
        ("1234,5", 123450),
        ("1,5", 150),
        ("0,05", 5),
        ("0,500", 50),
        ("1,234,567", 123456700),
        ("1.234.567,8", 123456780),
        ("12 EUR", 1200),
        ("0", 0),
        ("42", 4200),
    ],
)
def test_parse_amount(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize(
    ("text", "cents"),
    [("-1 234,56", -123456), ("-1,234.56", -123456), ("(1 234,56)", -123456), ("-0,05", -5), ("- 12 €", -1200)],
)
def test_parse_negative_amounts(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1.2.3", "", "   ", "€", "1,23,45", "12..5", "1.234.56", "1,234,56.7",
                                  "12a", "1e5", "--", "1,"])
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(InvalidValue) as info:
        parse_amount(text)
    assert f"« {text} »" in str(info.value)
    assert "n'est pas un nombre" in str(info.value)


@pytest.mark.parametrize("text", ["5-", "1 234,56-"])
def test_parse_amount_never_drops_a_trailing_minus(text: str) -> None:
    """Accounting exports write negatives with a trailing minus; reading them as positive would be wrong."""
    try:
        cents = parse_amount(text)
    except InvalidValue:
        return
    assert cents < 0, f"{text!r} was read as {cents} cents: its sign was dropped"


# --- to_cents and friends ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("euros", "cents"),
    [(Decimal("12.34"), 1234), ("12.5", 1250), (12, 1200), ("0.01", 1), (Decimal("-3.10"), -310), ("1234567.89",
                                                                                                   123456789)],
)
def test_to_cents(euros: Decimal | int | str, cents: int) -> None:
    result = to_cents(euros)
    assert result == cents
    assert type(result) is int


@pytest.mark.parametrize("euros", [1.5, 0.1, 12.0])
def test_to_cents_refuses_float(euros: float) -> None:
    with pytest.raises(TypeError):
        to_cents(euros)  # type: ignore[arg-type]


@pytest.mark.parametrize("euros", [Decimal("1.234"), "0.001", "12.345"])
def test_to_cents_refuses_more_than_two_decimals(euros: Decimal | str) -> None:
    with pytest.raises(InvalidValue) as info:
        to_cents(euros)
    assert "plus de deux décimales" in str(info.value)


@pytest.mark.parametrize("euros", ["abc", "1,5", pytest.param(Decimal("Infinity"), id="Infinity")])
def test_to_cents_reports_non_numbers_as_invalid_value(euros: Decimal | str) -> None:
    """Every refusal of a domain value is an InvalidValue with a French message, not a decimal trap."""
    with pytest.raises(InvalidValue):
        to_cents(euros)


def test_from_cents_and_euros_str() -> None:
    assert from_cents(123456789) == Decimal("1234567.89")
    assert str(from_cents(100)) == "1.00"
    assert euros_str(5) == "0.05"
    assert euros_str(-150) == "-1.50"


# --- formatting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (123456789, f"1{NBSP}234{NBSP}567,89{NBSP}€"),
        (100, f"1{NBSP}€"),
        (123400, f"1{NBSP}234{NBSP}€"),
        (123450, f"1{NBSP}234,50{NBSP}€"),
        (5, f"0,05{NBSP}€"),
        (0, f"0{NBSP}€"),
        (-123456, f"-1{NBSP}234,56{NBSP}€"),
        (100_000_000_000, f"1{NBSP}000{NBSP}000{NBSP}000{NBSP}€"),
    ],
)
def test_format_eur(cents: int, text: str) -> None:
    assert format_eur(cents) == text


def test_format_eur_options() -> None:
    assert format_eur(100, decimals=True) == f"1,00{NBSP}€"
    # whole euros are rounded (half to even), never truncated
    assert format_eur(123456, decimals=False) == f"1{NBSP}235{NBSP}€"
    assert format_eur(12399, decimals=False) == f"124{NBSP}€"
    assert format_eur(250, decimals=False) == f"2{NBSP}€"
    assert format_eur(123456789, symbol=False) == f"1{NBSP}234{NBSP}567,89"
    assert " " not in format_eur(123456789)  # only no-break spaces, so the amount never wraps


@pytest.mark.parametrize(
    ("cents", "places", "text"),
    [
        (55_230_000_000, 1, f"552,3{NBSP}M€"),
        (55_230_000_000, 0, f"552{NBSP}M€"),
        (123_456_789, 2, f"1,23{NBSP}M€"),
        (123_456_700_000_000, 1, f"1{NBSP}234{NBSP}567,0{NBSP}M€"),
        (-150_000_000, 1, f"-1,5{NBSP}M€"),
        (0, 1, f"0,0{NBSP}M€"),
    ],
)
def test_format_meur(cents: int, places: int, text: str) -> None:
    assert format_meur(cents, places) == text


def test_format_meur_never_shows_negative_zero() -> None:
    # -10 € is 0,0 M€ once rounded: "-0,0 M€" is not a French amount
    assert format_meur(-1000) == f"0,0{NBSP}M€"


# --- properties -------------------------------------------------------------------------------------


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_format_eur_round_trips_through_parse_amount(cents: int) -> None:
    assert parse_amount(format_eur(cents, symbol=False)) == cents
    assert parse_amount(format_eur(cents)) == cents


@given(st.integers(min_value=-10**15, max_value=10**15))
def test_to_cents_of_from_cents_is_identity(cents: int) -> None:
    assert to_cents(from_cents(cents)) == cents
    assert parse_amount(euros_str(cents)) == cents
