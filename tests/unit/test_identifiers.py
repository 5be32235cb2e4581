"""SIREN and SIRET: Luhn, the La Poste exception, cleaning and French error messages."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portfolio.domain.errors import InvalidValue
from portfolio.domain.identifiers import (
    LA_POSTE_SIREN,
    clean_identifier,
    is_valid_siren,
    is_valid_siret,
    luhn_ok,
    parse_siren,
    parse_siret,
    siren_of,
    with_luhn_digit,
)


def reference_luhn(digits: str) -> bool:
    """An independent Luhn: double every second digit from the right, sum the digits, multiple of 10."""
    doubled = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2*d with its two digits summed
    reversed_digits = [int(c) for c in reversed(digits)]
    total = sum(reversed_digits[0::2]) + sum(doubled[d] for d in reversed_digits[1::2])
    return total % 10 == 0


def digit_sum(digits: str) -> int:
    return sum(int(c) for c in digits)


@pytest.fixture(scope="module")
def la_poste_sirets() -> dict[str, list[str]]:
    """Every SIRET of La Poste's SIREN, split by brute force into the two rules and neither."""
    groups: dict[str, list[str]] = {"luhn": [], "sum_only": [], "neither": []}
    for suffix in range(100_000):
        siret = f"{LA_POSTE_SIREN}{suffix:05d}"
        if reference_luhn(siret):
            groups["luhn"].append(siret)
        elif digit_sum(siret) % 5 == 0:
            groups["sum_only"].append(siret)
        else:
            groups["neither"].append(siret)
    return groups


# --- SIREN ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("siren", ["552100554", "732829320", "356000000", "443061841"])
def test_known_valid_sirens(siren: str) -> None:
    assert reference_luhn(siren)
    assert is_valid_siren(siren)
    assert parse_siren(siren) == siren


@pytest.mark.parametrize("siren", ["552100555", "732829321", "123456789", "000000001"])
def test_sirens_failing_luhn_are_invalid(siren: str) -> None:
    assert not reference_luhn(siren)
    assert not is_valid_siren(siren)
    with pytest.raises(InvalidValue) as info:
        parse_siren(siren)
    message = str(info.value)
    assert f"« {siren} »" in message
    assert "invalide" in message
    assert "clé de contrôle" in message


@pytest.mark.parametrize("text", ["12345678", "5521005540", "55210055A", "", "SIREN", "552 100 55"])
def test_siren_with_wrong_length_or_letters_is_refused_in_french(text: str) -> None:
    assert not is_valid_siren(text)
    with pytest.raises(InvalidValue) as info:
        parse_siren(text)
    assert f"« {text} »" in str(info.value)
    assert "doit compter 9 chiffres" in str(info.value)


@pytest.mark.parametrize("text", ["５５２１００５５４", "٥٥٢١٠٠٥٥٤"])
def test_non_ascii_digits_are_refused(text: str) -> None:
    assert text.isdigit()  # Python calls them digits; SIREN does not
    assert not is_valid_siren(text)
    with pytest.raises(InvalidValue):
        parse_siren(text)


@pytest.mark.parametrize(
    "typed",
    ["552 100 554", "552.100.554", "552-100-554", " 552100554 ", "552\u00a0100\u00a0554", "552\u202f100\u202f554",
     "552\t100 554"],
)
def test_siren_separators_are_cleaned(typed: str) -> None:
    assert clean_identifier(typed) == "552100554"
    assert parse_siren(typed) == "552100554"


def test_is_valid_functions_do_not_clean() -> None:
    assert not is_valid_siren("552 100 554")
    assert not is_valid_siret("552 100 554 00001")


def test_error_message_quotes_the_value_as_typed() -> None:
    with pytest.raises(InvalidValue) as info:
        parse_siren("552 100 555")
    assert "« 552 100 555 »" in str(info.value)


# --- SIRET ------------------------------------------------------------------------------------------


def test_valid_and_invalid_siret() -> None:
    siret = with_luhn_digit("5521005540001")
    assert len(siret) == 14
    assert reference_luhn(siret)
    assert is_valid_siret(siret)
    assert parse_siret(siret) == siret
    assert siren_of(siret) == "552100554"
    wrong = siret[:-1] + str((int(siret[-1]) + 1) % 10)
    assert not is_valid_siret(wrong)
    with pytest.raises(InvalidValue) as info:
        parse_siret(wrong)
    assert f"« {wrong} »" in str(info.value)
    assert "SIRET" in str(info.value)
    assert "invalide" in str(info.value)


@pytest.mark.parametrize("text", ["5521005540001", "552100554000100", "abc", "", "55210055400O17"])
def test_siret_with_wrong_length_is_refused_in_french(text: str) -> None:
    assert not is_valid_siret(text)
    with pytest.raises(InvalidValue) as info:
        parse_siret(text)
    assert f"« {text} »" in str(info.value)
    assert "doit compter 14 chiffres" in str(info.value)


def test_siret_separators_are_cleaned() -> None:
    siret = with_luhn_digit("5521005540001")
    spaced = f"{siret[:3]} {siret[3:6]}.{siret[6:9]}\u00a0{siret[9:]}"
    assert parse_siret(spaced) == siret
    assert parse_siret(f"{siret[:9]}-{siret[9:]}") == siret


def test_la_poste_head_office(la_poste_sirets: dict[str, list[str]]) -> None:
    head_office = "35600000000048"
    assert siren_of(head_office) == LA_POSTE_SIREN
    assert is_valid_siren(LA_POSTE_SIREN)
    assert is_valid_siret(head_office)
    assert parse_siret("356 000 000 00048") == head_office
    # it is valid under one of the two rules
    assert head_office in la_poste_sirets["luhn"] + la_poste_sirets["sum_only"]


def test_la_poste_establishments_valid_by_digit_sum(la_poste_sirets: dict[str, list[str]]) -> None:
    sum_only = la_poste_sirets["sum_only"]
    assert "35600000049837" in sum_only  # fails Luhn, digits sum to a multiple of 5
    assert not reference_luhn("35600000049837")
    assert len(sum_only) > 10_000
    for siret in sum_only[::97] + sum_only[-3:]:
        assert not luhn_ok(siret)
        assert is_valid_siret(siret), siret
        assert parse_siret(siret) == siret


def test_la_poste_establishments_failing_both_rules_are_invalid(la_poste_sirets: dict[str, list[str]]) -> None:
    neither = la_poste_sirets["neither"]
    assert neither
    for siret in neither[::97] + neither[-3:]:
        assert not is_valid_siret(siret), siret
        with pytest.raises(InvalidValue):
            parse_siret(siret)


def test_la_poste_rule_matches_brute_force_on_every_suffix(la_poste_sirets: dict[str, list[str]]) -> None:
    valid = {s for s in la_poste_sirets["luhn"] + la_poste_sirets["sum_only"]}
    for suffix in range(0, 100_000, 7):
        siret = f"{LA_POSTE_SIREN}{suffix:05d}"
        assert is_valid_siret(siret) == (siret in valid), siret


def test_digit_sum_exception_is_only_for_la_poste() -> None:
    found = 0
    for suffix in range(1000):
        siret = f"552100554{suffix:05d}"
        if not reference_luhn(siret) and digit_sum(siret) % 5 == 0:
            assert not is_valid_siret(siret), siret
            found += 1
    assert found > 100


# --- properties -------------------------------------------------------------------------------------


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_with_luhn_digit_always_yields_a_valid_siren(prefix: str) -> None:
    siren = with_luhn_digit(prefix)
    assert siren.startswith(prefix)
    assert len(siren) == 9
    assert is_valid_siren(siren)
    assert parse_siren(siren) == siren
    assert reference_luhn(siren)


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_with_luhn_digit_always_yields_a_valid_siret(prefix: str) -> None:
    siret = with_luhn_digit(prefix)
    assert is_valid_siret(siret)
    assert parse_siret(siret) == siret


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 8), st.integers(1, 9))
def test_any_single_digit_error_is_caught(prefix: str, position: int, delta: int) -> None:
    siren = with_luhn_digit(prefix)
    digits = list(siren)
    digits[position] = str((int(digits[position]) + delta) % 10)
    assert not is_valid_siren("".join(digits))


@given(st.text(alphabet="0123456789", min_size=1, max_size=20))
def test_luhn_agrees_with_reference(digits: str) -> None:
    assert luhn_ok(digits) == reference_luhn(digits)
