"""Check digits against the verified examples of credit-domain §2 and their invariants."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from schemas import (
    USCC_CHARSET,
    USCC_PLACEHOLDER,
    id_check_char,
    is_valid_org_code,
    is_valid_resident_id,
    is_valid_uscc,
    mask_id_number,
    org_code_check_char,
    uscc_check_char,
    uscc_embedded_org_code_ok,
    uscc_registration_type_known,
)

VERIFIED_USCC = [
    "11420000MB15291767",
    "914403001922038216",
    "91330000755918469E",
    "91320105780688132K",
    "91230500MA1B3N1N2M",
    "11230500001755309F",
    "914201007713589677",
    "914201007071167872",
    "91440300708461136T",
    "91330100799655058B",
    "91110108551385082Q",
    "91110000100011743X",
]


@pytest.mark.parametrize("code", VERIFIED_USCC)
def test_verified_codes_pass_both_checks(code: str) -> None:
    assert is_valid_uscc(code)
    assert uscc_embedded_org_code_ok(code)
    assert uscc_registration_type_known(code)


@pytest.mark.parametrize("code", ["92420300MA49KUFW0H", "91310000MA1FL0XL2B"])
def test_fabricated_codes_fail_the_check_character(code: str) -> None:
    assert not is_valid_uscc(code)


def test_worked_example_sum() -> None:
    assert uscc_check_char("11420000MB1529176") == "7"
    assert org_code_check_char("MB152917") == "6"


def test_org_code_check_uses_gb11714_letter_values_not_the_uscc_index() -> None:
    # M is 22 in GB 11714 but 21 in the USCC charset; only the former passes this real code.
    assert is_valid_org_code("MB1529176")


def test_embedded_org_code_catches_what_the_uscc_check_misses() -> None:
    assert is_valid_uscc("91420100MA4KL8QH5N")
    assert not uscc_embedded_org_code_ok("91420100MA4KL8QH5N")


def test_placeholder_fails_the_checksum_by_design() -> None:
    assert not is_valid_uscc(USCC_PLACEHOLDER)
    assert uscc_check_char("0" * 17) == "0"


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "11420000MB1529176",
        "11420000MB152917677",
        "1142000OMB15291767",
        "11420000mb15291767",
        "１1420000MB15291767",
    ],
)
def test_malformed_codes_are_invalid(bad: str) -> None:
    assert not is_valid_uscc(bad)


body17 = st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17)


@given(body17)
def test_appending_the_check_char_always_gives_a_valid_code(body: str) -> None:
    assert is_valid_uscc(body + uscc_check_char(body))


@given(body17, st.integers(min_value=0, max_value=16), st.sampled_from(USCC_CHARSET))
def test_any_single_substitution_is_detected(body: str, pos: int, char: str) -> None:
    code = body + uscc_check_char(body)
    mutated = code[:pos] + char + code[pos + 1 :]
    assert is_valid_uscc(mutated) == (mutated == code)


@given(body17, st.sampled_from(USCC_CHARSET))
def test_a_wrong_check_char_is_rejected(body: str, char: str) -> None:
    assert is_valid_uscc(body + char) == (char == uscc_check_char(body))


@pytest.mark.parametrize("number", ["11010519491231002X", "440524188001010014"])
def test_standard_examples_of_gb11643(number: str) -> None:
    assert is_valid_resident_id(number)


@pytest.mark.parametrize(
    "number",
    ["110105199001011234", "11010519490231002X", "1101051949123100", "11010530001231002X", ""],
)
def test_bad_resident_ids(number: str) -> None:
    assert not is_valid_resident_id(number)


@given(
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
    st.sampled_from(["420102", "420111", "110105", "440524"]),
)
def test_generated_ids_with_real_birth_dates_pass(born: dt.date, seq: int, area: str) -> None:
    body = f"{area}{born:%Y%m%d}{seq:03d}"
    number = body + id_check_char(body)
    assert is_valid_resident_id(number)
    wrong = next(c for c in "0123456789X" if c != number[-1])
    assert not is_valid_resident_id(body + wrong)


def test_mask_keeps_six_and_four() -> None:
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("12345") == "*****"
