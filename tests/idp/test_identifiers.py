"""Validation and normalisation of KvK, RSIN, BSN, branch numbers, mobile numbers, e-mail."""

from __future__ import annotations

import pytest

from idp.db import identifiers
from idp.db.identifiers import InvalidIdentifier


@pytest.mark.parametrize("value", ["123456782", "111222333", "999999990", "001234560"])
def test_numbers_passing_the_eleven_test_are_accepted_as_bsn_and_rsin(value: str) -> None:
    assert identifiers.bsn(value) == value
    assert identifiers.rsin(value) == value


@pytest.mark.parametrize("value", ["123456789", "111222334", "999999999"])
def test_numbers_failing_the_eleven_test_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier, match="11-test"):
        identifiers.bsn(value)
    with pytest.raises(InvalidIdentifier, match="11-test"):
        identifiers.rsin(value)


def test_all_zeros_is_not_a_bsn_although_its_sum_is_zero() -> None:
    with pytest.raises(InvalidIdentifier):
        identifiers.bsn("000000000")


def test_the_eleven_test_weights_the_last_digit_minus_one() -> None:
    # 9*1 + 8*2 + 7*3 + 6*4 + 5*5 + 4*6 + 3*7 + 2*8 = 156; 156 - 2 = 154 = 14 * 11.
    assert identifiers.passes_eleven_test("123456782")
    # With +1 for the last digit the sum would be 158, not a multiple of 11; -1 makes it 154.
    assert not identifiers.passes_eleven_test("123456784")


@pytest.mark.parametrize(
    ("value", "message"),
    [("12345678", "exactly 9 digits"), ("1234567820", "exactly 9 digits"), ("12345678a", "only")],
)
def test_bsn_of_the_wrong_shape_is_refused_with_a_clear_message(value: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message) as caught:
        identifiers.bsn(value)
    assert value not in caught.value.public  # personal data never in messages


def test_kvk_number_is_eight_digits_and_separators_are_removed() -> None:
    assert identifiers.kvk_number("9000 0001") == "90000001"
    assert identifiers.kvk_number("90000001") == "90000001"
    with pytest.raises(InvalidIdentifier, match="exactly 8 digits"):
        identifiers.kvk_number("9000001")
    with pytest.raises(InvalidIdentifier, match="only digits"):
        identifiers.kvk_number("9000000X")


def test_vestigingsnummer_is_twelve_digits() -> None:
    assert identifiers.vestigingsnummer("000012345678") == "000012345678"
    with pytest.raises(InvalidIdentifier, match="exactly 12 digits"):
        identifiers.vestigingsnummer("0000123456789")


@pytest.mark.parametrize(
    "value",
    [
        "0612345678",
        "06 12 34 56 78",
        "06-12345678",
        "+31612345678",
        "+31 6 1234 5678",
        "+31 (0)6 12345678",
        "0031612345678",
        "00 31 6 12345678",
    ],
)
def test_dutch_mobile_numbers_are_normalised_to_e164(value: str) -> None:
    assert identifiers.dutch_mobile_e164(value) == "+31612345678"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0201234567", "not a Dutch mobile number"),
        ("+31201234567", "not a Dutch mobile number"),
        ("+32470123456", "Dutch mobile number starting with 06"),
        ("0049151234567", "Dutch mobile number starting with 06"),
        ("061234567", "10 digits"),
        ("06123456789", "10 digits"),
        ("06-1234567a", "only digits"),
        ("", "Dutch mobile number starting with 06"),
    ],
)
def test_other_numbers_are_refused_with_a_clear_message(value: str, message: str) -> None:
    with pytest.raises(InvalidIdentifier, match=message):
        identifiers.dutch_mobile_e164(value)


def test_email_addresses_are_trimmed_and_lower_cased() -> None:
    assert identifiers.email_address("  Jan.Jansen@Example.NL ") == "jan.jansen@example.nl"
    assert identifiers.email_address("info@bäckerei.de") == "info@xn--bckerei-5wa.de"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "jan",
        "jan@",
        "@example.nl",
        "jan@localhost",
        "jan jansen@example.nl",
        "jan..j@example.nl",
        ".jan@example.nl",
        "jan@-example.nl",
        "jan@exa_mple.nl",
        "x" * 250 + "@example.nl",
    ],
)
def test_malformed_email_addresses_are_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        identifiers.email_address(value)
