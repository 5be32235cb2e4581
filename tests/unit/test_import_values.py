"""One spreadsheet cell to a stored value (exchange/values.py): every form seen in real files, exact to the
cent and the day, and the French reasons given for what is refused."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidValue
from portfolio.domain.identifiers import LA_POSTE_SIREN, with_luhn_digit
from portfolio.domain.money import format_eur
from portfolio.domain.referential import DEPARTMENTS, REGIONS
from portfolio.exchange.values import (
    date_to_excel_serial,
    excel_serial_to_date,
    parse_bool,
    parse_company_id,
    parse_day,
    parse_department,
    parse_int,
    parse_money,
    parse_period,
    parse_region,
    parse_siren,
    parse_siret,
    parse_text,
)

NBSP = "\u00a0"
NNBSP = "\u202f"
SIREN = "552100554"
SIRET = with_luhn_digit("5521005540001")  # 55210055400013
SIRET_ZERO = with_luhn_digit("0" + "8901303977" + "00")  # starts with 0: a number cell loses it
LA_POSTE_HEAD_OFFICE = "35600000000048"
LA_POSTE_SUM_ONLY = "35600000049837"  # fails Luhn, valid by the sum of its digits


def refusal(parse: Callable[..., object], value: object, *fragments: str, **kwargs: object) -> str:
    """Asserts that parsing refuses ``value`` with a message holding every fragment; returns the message."""
    with pytest.raises(InvalidValue) as info:
        parse(value, **kwargs)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# --- text ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Société  Générale ", "Société Générale"),
        (f"1{NBSP}rue{NNBSP}de la Paix", "1 rue de la Paix"),
        ("ligne 1\r\nligne 2\n\n  ligne 3", "ligne 1 ligne 2 ligne 3"),
        ("ligne 1_x000D_\nligne 2", "ligne 1 ligne 2"),
        ("ligne 1_x000d_ligne 2", "ligne 1 ligne 2"),
        ("a_x0009_b", "a b"),
        ("_x005F_x000D_", "_x000D_"),  # Excel's escaped underscore: the literal text
        ("\ufeffACME\u200b", "ACME"),
        ("tab\tand\x0bvertical", "tab and vertical"),
        ("", None),
        ("   ", None),
        (f"{NBSP}\n", None),
        ("_x000D_", None),
        (None, None),
        ("-", "-"),  # a dash is text: only the typed parsers read it as empty
        (12.0, "12"),
        (18008901303977.0, "18008901303977"),
        (12.5, "12.5"),
        (3114019.77, "3114019.77"),
        (42, "42"),
        (True, "True"),
        (Decimal("12.50"), "12.50"),
        (date(2023, 1, 16), "2023-01-16"),
        (datetime(2023, 1, 16), "2023-01-16"),
        (datetime(2023, 1, 16, 14, 30), "2023-01-16 14:30:00"),
        (time(14, 30), "14:30:00"),
    ],
)
def test_parse_text(value: object, expected: str | None) -> None:
    assert parse_text(value) == expected  # type: ignore[arg-type]


def test_parse_text_refuses_an_unknown_cell_type() -> None:
    refusal(parse_text, [1, 2], "Type de cellule inattendu", "list")


# --- money ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        ("1 234,56", 123456),
        ("1,234.56", 123456),
        ("1.234,56", 123456),
        (" 1,500 € ", 150000),
        (f"1{NBSP}234{NBSP}567,89", 123456789),
        (f"1{NNBSP}234{NNBSP}567,89{NBSP}€", 123456789),
        ("1 234 567 €", 123456700),
        ("840690.0", 84069000),
        ("626199.99999984", 62620000),
        ("12,5", 1250),
        ("28,26", 2826),
        ("3114019.77", 311401977),
        ("0,05", 5),
        ("0", 0),
        ("12 EUR", 1200),
        ("1'234.50", 123450),
        ("0,125", 13),  # half-up, like Excel's ROUND
        ("0,124", 12),
        ("2,675", 267500),  # three digits after one separator: thousands, see test_ambiguous_thousands
        ("  12,30\n", 1230),
        ("1_x000D_234,56", 123456),  # Excel's escaped line break is a space
    ],
)
def test_parse_money_text(value: str, cents: int) -> None:
    result = parse_money(value)
    assert result == cents
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "cents"),
    [
        (3114019.77, 311401977),
        (626199.99999984, 62620000),
        (840690.0, 84069000),
        (0.1 + 0.2, 30),
        (1234.565, 123457),  # the float's shortest repr is "1234.565": half-up gives ...57
        (-1234.565, -123457),  # half-up is away from zero, symmetric
        (0.005, 1),
        (1e11, 10_000_000_000_000),
        (12, 1200),
        (0, 0),
        (-45, -4500),
        (Decimal("12.345"), 1235),
    ],
)
def test_parse_money_numbers(value: float | int | Decimal, cents: int) -> None:
    result = parse_money(value)
    assert result == cents
    assert type(result) is int


@pytest.mark.parametrize(
    ("value", "cents"),
    [("-1 234,56", -123456), ("(1 234,56)", -123456), ("- 12 €", -1200), ("1 234,56-", -123456), (-0.5, -50)],
)
def test_parse_money_keeps_the_sign(value: str | float, cents: int) -> None:
    assert parse_money(value) == cents


@pytest.mark.parametrize("value", [None, "", "  ", "-", "–", "—", f"{NBSP}-{NBSP}"])
def test_parse_money_empty(value: str | None) -> None:
    assert parse_money(value) is None


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1,234", 123400),
        ("1.234", 123400),
        ("1,234 €", 123400),
        ("1 234", 123400),
        ("12,345", 1234500),
        ("0,500", 50),  # a leading zero cannot start a thousands group: decimal
        ("1,2345", 123),  # four decimals: decimal, rounded
        ("1234,567", 123457),  # four digits before the separator: not grouped, decimal
    ],
)
def test_ambiguous_thousands(text: str, cents: int) -> None:
    """One separator with exactly three digits after one to three digits is a thousands separator, with or
    without a currency sign: euros never have three decimals."""
    assert parse_money(text) == cents


@pytest.mark.parametrize("value", ["abc", "12 %", "1,2,3", "12..5", "1.234.56", "2,43E+13", "1e5", "€", "N/A",
                                   "12 kg", "1,"])
def test_parse_money_refuses_text_that_is_not_an_amount(value: str) -> None:
    refusal(parse_money, value, f"« {value} »", "n'est pas un montant", "un nombre en euros est attendu")


@pytest.mark.parametrize(
    ("value", "shown"),
    [(True, "True"), (date(2023, 1, 16), "16/01/2023"), (datetime(2023, 1, 16), "16/01/2023"),
     (time(12, 0), "12:00:00")],
)
def test_parse_money_refuses_other_cells(value: object, shown: str) -> None:
    refusal(parse_money, value, f"« {shown} »", "n'est pas un montant")


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_parse_money_refuses_non_finite_floats(value: float) -> None:
    refusal(parse_money, value, "n'est pas un nombre fini")


@pytest.mark.parametrize("value", ["#N/A", "#DIV/0!", "#VALEUR!", "#REF!", "#nom?"])
def test_excel_errors_are_named(value: str) -> None:
    for parse in (parse_money, parse_day, parse_int, parse_company_id, parse_region, parse_bool):
        refusal(parse, value, "erreur de formule Excel", f"« {value} »")


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_money_round_trips_through_the_french_format(cents: int) -> None:
    assert parse_money(format_eur(cents)) == cents
    assert parse_money(format_eur(cents, decimals=True)) == cents
    assert parse_money(format_eur(cents, symbol=False)) == cents
    assert parse_money(format_eur(cents).replace(NBSP, NNBSP)) == cents


@given(st.integers(min_value=-10**13, max_value=10**13))
def test_money_round_trips_through_english_text_and_floats(cents: int) -> None:
    euros = Decimal(cents) / 100
    assert parse_money(f"{euros:,.2f}") == cents
    assert parse_money(f"{euros:.2f}") == cents
    assert parse_money(str(euros)) == cents
    assert parse_money(cents / 100) == cents  # the float a spreadsheet holds for that amount


@given(st.decimals(min_value=-10**9, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_money_is_rounded_half_up_to_the_cent(amount: Decimal) -> None:
    expected = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    text = format(amount, "f")  # always six decimals here, so never a thousands-looking "1.234"
    assert parse_money(text) == expected
    assert parse_money(text.replace(".", ",")) == expected


# --- whole numbers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1 234", 1234), (f"1{NBSP}234", 1234), ("12", 12), (12.0, 12), (12, 12), ("12.0", 12), ("12,00", 12),
     ("-3", -3), ("1,234", 1234), ("1.234.567", 1234567), (Decimal("7"), 7), (None, None), ("", None), ("-", None)],
)
def test_parse_int(value: object, expected: int | None) -> None:
    result = parse_int(value)  # type: ignore[arg-type]
    assert result == expected
    assert result is None or type(result) is int


@pytest.mark.parametrize(("value", "shown"), [(12.5, "12,5"), ("12,5", "12,5"), ("1.5", "1.5"), ("12 €", "12 €"),
                                              ("douze", "douze"), (True, "True"), ("0,001", "0,001")])
def test_parse_int_refuses_what_is_not_whole(value: object, shown: str) -> None:
    refusal(parse_int, value, f"« {shown} »", "n'est pas un nombre entier", "sans décimales")


# --- yes / no --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["OUI", "Oui", "oui", "O", "o", "Y", "yes", "YES", "true", "TRUE", "vrai", "VRAI",
                                   "1", "x", "X", " x ", 1, 1.0, True, "1.0"])
def test_parse_bool_true(value: object) -> None:
    assert parse_bool(value) is True  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NON", "Non", "non", "N", "n", "no", "false", "FALSE", "faux", "FAUX", "0", 0,
                                   0.0, False])
def test_parse_bool_false(value: object) -> None:
    assert parse_bool(value) is False  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [None, "", "  ", "-"])
def test_parse_bool_blank_is_unknown(value: str | None) -> None:
    assert parse_bool(value) is None


@pytest.mark.parametrize(("value", "shown"), [("peut-être", "peut-être"), (2, "2"), ("2", "2"), (0.5, "0,5"),
                                              ("oui non", "oui non")])
def test_parse_bool_refuses(value: object, shown: str) -> None:
    refusal(parse_bool, value, f"« {shown} »", "oui/non", "OUI ou NON est attendu")


# --- days ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-01-16", date(2023, 1, 16)),
        ("16/01/2023", date(2023, 1, 16)),
        ("16.01.2023", date(2023, 1, 16)),
        ("16-01-2023", date(2023, 1, 16)),
        ("31.12.2022", date(2022, 12, 31)),
        ("6/1/2023", date(2023, 1, 6)),
        ("2023/01/16", date(2023, 1, 16)),
        ("2023.1.6", date(2023, 1, 6)),
        ("2023-01-16 00:00:00", date(2023, 1, 16)),
        ("2023-01-16T14:30:00", date(2023, 1, 16)),
        ("2023-01-16 14:30:00.123", date(2023, 1, 16)),
        ("2023-01-16T23:59:59Z", date(2023, 1, 16)),
        ("2023-01-16T23:59:59+02:00", date(2023, 1, 16)),  # the day as written, never shifted
        ("16/01/2023 14:30", date(2023, 1, 16)),
        ("16/01/2023 à 14h30", date(2023, 1, 16)),
        ("16/01/23", date(2023, 1, 16)),
        ("16.01.68", date(2068, 1, 16)),
        ("16-01-69", date(1969, 1, 16)),
        ("16 janvier 2023", date(2023, 1, 16)),
        ("1er février 2023", date(2023, 2, 1)),
        ("16 févr. 2023", date(2023, 2, 16)),
        ("lundi 16 janvier 2023", date(2023, 1, 16)),
        ("3 AOÛT 2021", date(2021, 8, 3)),
        ("20230116", date(2023, 1, 16)),
        (20230116, date(2023, 1, 16)),
        (20230116.0, date(2023, 1, 16)),
        (" 16/01/2023\n", date(2023, 1, 16)),
        (date(2023, 1, 16), date(2023, 1, 16)),
        (datetime(2023, 1, 16), date(2023, 1, 16)),
        (datetime(2023, 1, 16, 14, 30), date(2023, 1, 16)),  # a timestamp: its day
        (44927, date(2023, 1, 1)),
        (44927.0, date(2023, 1, 1)),
        (44927.75, date(2023, 1, 1)),  # 18:00 on that day
        ("44927", date(2023, 1, 1)),
        ("44927,5", date(2023, 1, 1)),
        (Decimal("44927"), date(2023, 1, 1)),
        (32874, date(1990, 1, 1)),
        (73415, date(2100, 12, 31)),
        (None, None),
        ("", None),
        ("-", None),
    ],
)
def test_parse_day(value: object, expected: date | None) -> None:
    result = parse_day(value)  # type: ignore[arg-type]
    assert result == expected
    assert result is None or type(result) is date


def test_parse_day_in_the_1904_system() -> None:
    assert parse_day(43465, date1904=True) == date(2023, 1, 1)
    assert parse_day("43465", date1904=True) == date(2023, 1, 1)
    assert parse_day(44927, date1904=True) == date(2027, 1, 2)
    assert parse_day("16/01/2023", date1904=True) == date(2023, 1, 16)  # text does not depend on the system


def test_excel_serials_known_values() -> None:
    assert excel_serial_to_date(1) == date(1900, 1, 1)
    assert excel_serial_to_date(59) == date(1900, 2, 28)
    assert excel_serial_to_date(61) == date(1900, 3, 1)
    assert excel_serial_to_date(44927) == date(2023, 1, 1)
    assert excel_serial_to_date(2958465) == date(9999, 12, 31)
    assert excel_serial_to_date(0, date1904=True) == date(1904, 1, 1)
    assert excel_serial_to_date(43465, date1904=True) == date(2023, 1, 1)
    assert date_to_excel_serial(date(1900, 3, 1)) == 61
    assert date_to_excel_serial(date(1900, 2, 28)) == 59


def test_excel_fictitious_leap_day_and_out_of_range_serials() -> None:
    refusal(excel_serial_to_date, 60, "29/02/1900", "n'a pas existé")
    refusal(excel_serial_to_date, 0, "« 0 »", "numéro de date Excel")
    refusal(excel_serial_to_date, -1, date1904=True)
    refusal(excel_serial_to_date, 10**9)
    refusal(date_to_excel_serial, date(1899, 12, 31), "31/12/1899", "précède")
    refusal(date_to_excel_serial, date(1903, 12, 31), date1904=True)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(9999, 12, 31)))
def test_serials_round_trip_in_the_1900_system(day: date) -> None:
    serial = date_to_excel_serial(day)
    assert serial != 60
    assert excel_serial_to_date(serial) == day


@given(st.dates(min_value=date(1904, 1, 1), max_value=date(9999, 12, 31)))
def test_serials_round_trip_in_the_1904_system(day: date) -> None:
    serial = date_to_excel_serial(day, date1904=True)
    assert excel_serial_to_date(serial, date1904=True) == day
    assert date_to_excel_serial(day) - serial == 1462  # the two systems are four years and a day apart


@given(st.integers(min_value=1, max_value=2958465).filter(lambda n: n != 60))
def test_dates_round_trip_as_serials(serial: int) -> None:
    assert date_to_excel_serial(excel_serial_to_date(serial)) == serial


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 31)), st.booleans(),
       st.floats(min_value=0, max_value=0.999))
def test_parse_day_reads_serials_of_the_window(day: date, date1904: bool, time_of_day: float) -> None:
    serial = date_to_excel_serial(day, date1904=date1904)
    assert parse_day(serial, date1904=date1904) == day
    assert parse_day(float(serial) + time_of_day, date1904=date1904) == day
    assert parse_day(str(serial), date1904=date1904) == day


@pytest.mark.parametrize("value", [60, 2023, 12.5, 32873, 73416, 150000, "2023", "-5", 0, 1_000_000.0])
def test_a_number_outside_the_window_is_not_a_date(value: object) -> None:
    refusal(parse_day, value, "n'est pas une date", "01/01/1990", "31/12/2100", "JJ/MM/AAAA")


def test_window_bounds_in_the_1904_system() -> None:
    low, high = date_to_excel_serial(date(1990, 1, 1), date1904=True), date_to_excel_serial(date(2100, 12, 31),
                                                                                         date1904=True)
    assert parse_day(low, date1904=True) == date(1990, 1, 1)
    assert parse_day(high, date1904=True) == date(2100, 12, 31)
    refusal(parse_day, low - 1, "01/01/1990", date1904=True)
    refusal(parse_day, high + 1, "31/12/2100", date1904=True)


@pytest.mark.parametrize("value", ["31/02/2023", "29/02/2023", "2023-13-01", "29/02/23", "32 janvier 2023",
                                   "20230230", 20231301])
def test_parse_day_refuses_days_that_do_not_exist(value: object) -> None:
    refusal(parse_day, value, f"« {value} »", "n'existe pas")


@pytest.mark.parametrize("value", ["demain", "16 foo 2023", "2023", "16/01", "Q1 2023", "16/01/2023 foo"])
def test_parse_day_refuses_other_text(value: str) -> None:
    refusal(parse_day, value, "JJ/MM/AAAA")


@pytest.mark.parametrize("value", ["2017-12-14_2018-12-14", "14/12/2017 - 14/12/2018"])
def test_parse_day_refuses_a_period(value: str) -> None:
    refusal(parse_day, value, f"« {value} »", "période", "une seule date est attendue")


@pytest.mark.parametrize(("value", "shown"), [(True, "True"), (time(12, 0), "12:00:00"),
                                              (timedelta(days=1), "1 day, 0:00:00")])
def test_parse_day_refuses_cells_that_are_not_days(value: object, shown: str) -> None:
    refusal(parse_day, value, f"« {shown} »", "n'est pas une date")


def test_parse_day_refuses_non_finite_numbers() -> None:
    refusal(parse_day, float("nan"), "n'est pas un nombre fini")


# --- periods ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2017-12-14_2018-12-14", (date(2017, 12, 14), date(2018, 12, 14))),
        ("14/12/2017 - 14/12/2018", (date(2017, 12, 14), date(2018, 12, 14))),
        ("14/12/2017-14/12/2018", (date(2017, 12, 14), date(2018, 12, 14))),
        ("14-12-2017-14-12-2018", (date(2017, 12, 14), date(2018, 12, 14))),
        ("2017-12-14/2018-12-14", (date(2017, 12, 14), date(2018, 12, 14))),
        ("du 14/12/2017 au 14/12/2018", (date(2017, 12, 14), date(2018, 12, 14))),
        ("14/12/2017 → 14/12/2018", (date(2017, 12, 14), date(2018, 12, 14))),
        ("14/12/17 – 14/12/18", (date(2017, 12, 14), date(2018, 12, 14))),
        ("14/12/2017 - 14/12/2017", (date(2017, 12, 14), date(2017, 12, 14))),
        ("14/12/2017", (date(2017, 12, 14), None)),
        ("2017-12-14", (date(2017, 12, 14), None)),
        ("du 14/12/2017", (date(2017, 12, 14), None)),
        ("14 décembre 2017", (date(2017, 12, 14), None)),
        ("14/12/2017 10:00", (date(2017, 12, 14), None)),
        (datetime(2017, 12, 14), (date(2017, 12, 14), None)),
        (43083, (date(2017, 12, 14), None)),
        (None, (None, None)),
        ("", (None, None)),
        ("-", (None, None)),
    ],
)
def test_parse_period(value: object, expected: tuple[date | None, date | None]) -> None:
    assert parse_period(value) == expected  # type: ignore[arg-type]


def test_parse_period_in_the_1904_system() -> None:
    assert parse_period(43465, date1904=True) == (date(2023, 1, 1), None)


def test_parse_period_refuses_an_end_before_its_start() -> None:
    refusal(parse_period, "2018-12-14_2017-12-14", "« 2018-12-14_2017-12-14 »", "finit avant de commencer")


@pytest.mark.parametrize("value", ["14/12/2017 - 14/12/2018 - 14/12/2019", "14/12/2017 puis 14/12/2018"])
def test_parse_period_refuses_other_text(value: str) -> None:
    refusal(parse_period, value, f"« {value} »", "n'est pas une période", "deux dates sont attendues")


def test_parse_period_refuses_a_day_that_does_not_exist() -> None:
    refusal(parse_period, "2017-12-14_2018-02-30", "« 2018-02-30 »", "n'existe pas")


# --- SIREN and SIRET -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (SIREN, (SIREN, None)),
        ("552 100 554", (SIREN, None)),
        ("552.100.554", (SIREN, None)),
        (f"552{NBSP}100{NBSP}554", (SIREN, None)),
        (552100554, (SIREN, None)),
        (552100554.0, (SIREN, None)),
        (SIRET, (SIREN, SIRET)),
        ("552 100 554 00013", (SIREN, SIRET)),
        ("552-100-554-00013", (SIREN, SIRET)),
        (int(SIRET), (SIREN, SIRET)),
        (float(SIRET), (SIREN, SIRET)),
        (SIRET + ".0", (SIREN, SIRET)),
        (Decimal(SIRET), (SIREN, SIRET)),
        (18008901303977.0, ("180089013", "18008901303977")),
        ("1.8008901303977E+13", ("180089013", "18008901303977")),  # every digit still there
        (int(SIRET_ZERO), (SIRET_ZERO[:9], SIRET_ZERO)),  # the lost leading zero comes back
        (str(int(SIRET_ZERO)), (SIRET_ZERO[:9], SIRET_ZERO)),  # as a CSV writes the number
        (float(SIRET_ZERO), (SIRET_ZERO[:9], SIRET_ZERO)),
        (LA_POSTE_HEAD_OFFICE, (LA_POSTE_SIREN, LA_POSTE_HEAD_OFFICE)),
        (LA_POSTE_SUM_ONLY, (LA_POSTE_SIREN, LA_POSTE_SUM_ONLY)),
        (int(LA_POSTE_SUM_ONLY), (LA_POSTE_SIREN, LA_POSTE_SUM_ONLY)),
        (None, (None, None)),
        ("", (None, None)),
        ("-", (None, None)),
    ],
)
def test_parse_company_id(value: object, expected: tuple[str | None, str | None]) -> None:
    assert parse_company_id(value) == expected  # type: ignore[arg-type]


def test_a_siren_that_lost_its_leading_zero() -> None:
    siren = with_luhn_digit("04123456")
    assert parse_company_id(int(siren)) == (siren, None)
    assert parse_siren(int(siren)) == siren


def test_the_real_example_of_a_siret_that_lost_zeros() -> None:
    assert parse_siret(8901303977) == "00008901303977"  # the padded value passes the check


@pytest.mark.parametrize("value", ["2,43E+13", "8.30E+13", "2,43457E+13", "2.43E13", "1E+13", 8.30e13, 24345700000000,
                                   24300000000000.0, "24345700000000", 1.2e12])
def test_scientific_notation_lost_digits(value: object) -> None:
    message = refusal(parse_company_id, value, "notation scientifique", "ne peuvent pas être retrouvés",
                      "format texte")
    assert message.startswith("« ")
    refusal(parse_siret, value, "notation scientifique")


@pytest.mark.parametrize("value", ["55210055400012", 55210055400012, 55210055400012.0])
def test_wrong_siret_check_digit(value: object) -> None:
    refusal(parse_company_id, value, "« 55210055400012 »", "SIRET", "clé de contrôle fausse")


def test_wrong_siren_check_digit() -> None:
    refusal(parse_company_id, "552 100 555", "« 552 100 555 »", "SIREN", "clé de contrôle fausse")


def test_la_poste_sirets_failing_both_rules() -> None:
    refusal(parse_company_id, "35600000049838", "SIRET", "clé de contrôle fausse")


@pytest.mark.parametrize("value", ["FR12552100554", "SIRET", "552100554000130", "5521005540001300", True,
                                   date(2023, 1, 1), -552100554, 552100554.5, "552 100 554 0001"])
def test_not_an_identifier(value: object) -> None:
    refusal(parse_company_id, value, "ni un SIREN", "ni un SIRET")


@pytest.mark.parametrize("value", [1234567890123, "1234567890123", 12345678])
def test_lost_zeros_that_do_not_check(value: object) -> None:
    refusal(parse_company_id, value, f"« {value} »", "zéros de tête")


@given(st.text(alphabet="0123456789", min_size=13, max_size=13), st.sampled_from(["int", "float", "str", "spaced",
                                                                                  "dotted", "point_zero"]))
def test_any_valid_siret_parses_back(prefix: str, form: str) -> None:
    siret = with_luhn_digit(prefix)
    assume(len(siret.strip("0")) > 6)  # only Excel's scientific notation makes that many zeros
    number = int(siret)
    assume(number >= 10**9 or form not in ("int", "float", "point_zero"))  # five lost zeros: read as a SIREN
    cell = {"int": number, "float": float(number), "str": siret, "point_zero": f"{number}.0",
            "spaced": f" {siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]} ",
            "dotted": f"{siret[:3]}.{siret[3:6]}.{siret[6:9]}.{siret[9:]}"}[form]
    assert parse_company_id(cell) == (siret[:9], siret)
    assert parse_siret(cell) == siret


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.booleans())
def test_any_valid_siren_parses_back(prefix: str, as_number: bool) -> None:
    siren = with_luhn_digit(prefix)
    assert parse_siren(int(siren) if as_number else siren) == siren


def test_parse_siret_and_parse_siren_insist_on_the_kind() -> None:
    assert parse_siret(SIRET) == SIRET
    assert parse_siret(None) is None
    assert parse_siren(SIREN) == SIREN
    assert parse_siren("") is None
    refusal(parse_siret, SIREN, f"« {SIREN} »", "doit compter 14 chiffres")
    refusal(parse_siret, 552100554.0, "« 552100554 »", "doit compter 14 chiffres")
    refusal(parse_siren, SIRET, f"« {SIRET} »", "doit compter 9 chiffres")
    refusal(parse_siren, "552 100 555", "clé de contrôle fausse")


# --- regions and departments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("CVL", "24"),
        ("Centre-Val de Loire", "24"),
        ("centre val de loire", "24"),
        ("CENTRE-VAL DE LOIRE", "24"),
        ("Région Centre-Val de Loire", "24"),
        ("Région Centre", "24"),
        ("FR-CVL", "24"),
        ("24", "24"),
        (24, "24"),
        (24.0, "24"),
        ("24 - Centre-Val de Loire", "24"),
        ("ARA", "84"),
        ("Auvergne-Rhône-Alpes", "84"),
        ("BFC", "27"),
        ("HDF", "32"),
        ("IDF", "11"),
        ("Île-de-France", "11"),
        ("ile de france", "11"),
        ("NA", "75"),
        ("PACA", "93"),
        ("Région Sud", "93"),
        ("Provence-Alpes-Côte d'Azur", "93"),
        ("Région PACA", "93"),
        ("Bretagne", "53"),
        ("035", "53"),  # the head office's department, as France 2030 lists write it
        ("35", "53"),
        (35, "53"),
        ("2A", "94"),
        ("971", "01"),
        (971, "01"),
        ("1", "01"),  # a region code first: Guadeloupe, not the Ain
        (1, "01"),
        ("024", "75"),  # three digits: the Dordogne, in Nouvelle-Aquitaine
        ("24 - Dordogne", "75"),
        ("Ille-et-Vilaine", "53"),
        ("La Réunion", "04"),
        (None, None),
        ("", None),
        ("-", None),
    ],
)
def test_parse_region(value: object, code: str | None) -> None:
    assert parse_region(value) == code  # type: ignore[arg-type]


def test_every_region_by_name_code_and_iso() -> None:
    for region in REGIONS:
        for value in (region.name, region.code, region.iso, "Région " + region.name, region.name.upper()):
            assert parse_region(value) == region.code, value


@pytest.mark.parametrize(("value", "shown"), [("Atlantide", "Atlantide"), ("FR-XXX", "FR-XXX"), ("99", "99"),
                                              (24.5, "24,5"), (True, "True"), ("24 - Bretagne", "24 - Bretagne")])
def test_parse_region_refuses(value: object, shown: str) -> None:
    refusal(parse_region, value, f"« {shown} »", "n'est pas une région connue", "code INSEE")


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("35", "35"),
        ("035", "35"),
        (35, "35"),
        (35.0, "35"),
        ("35 - Ille-et-Vilaine", "35"),
        ("35 Ille-et-Vilaine", "35"),
        ("Ille-et-Vilaine (35)", "35"),
        ("Ille-et-Vilaine", "35"),
        ("ILLE ET VILAINE", "35"),
        ("Côtes-d'Armor", "22"),
        ("Cotes d Armor", "22"),
        ("2A", "2A"),
        ("2b", "2B"),
        ("2A - Corse-du-Sud", "2A"),
        ("971", "971"),
        (971, "971"),
        ("974 - La Réunion", "974"),
        ("Réunion", "974"),
        (5, "05"),
        ("5", "05"),
        ("Paris", "75"),
        (None, None),
        ("", None),
        ("-", None),
    ],
)
def test_parse_department(value: object, code: str | None) -> None:
    assert parse_department(value) == code  # type: ignore[arg-type]


def test_every_department_by_code_and_name() -> None:
    for department in DEPARTMENTS:
        for value in (department.code, department.name, f"{department.code} - {department.name}"):
            assert parse_department(value) == department.code, value


@pytest.mark.parametrize(("value", "shown"), [("96", "96"), ("20", "20"), ("Bretagne", "Bretagne"),
                                              ("35 - Morbihan", "35 - Morbihan"), (35.5, "35,5"), ("0350", "0350")])
def test_parse_department_refuses(value: object, shown: str) -> None:
    refusal(parse_department, value, f"« {shown} »", "n'est pas un département connu")
