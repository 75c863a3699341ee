"""NIP, REGON and KRS: accepted with spaces or dashes, stored as digits only."""

import pytest

from registry.domain import normalize_digits, validate_krs, validate_nip, validate_regon
from wspolpraca.errors import DomainError


def refusal(call, raw) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(raw)
    assert caught.value.status == 422
    return caught.value


# --- the digits ---


def test_spaces_and_dashes_are_removed():
    assert normalize_digits(" 526-025 02-74 ") == "5260250274"


def test_a_letter_is_refused_as_part_of_a_number():
    error = refusal(normalize_digits, "526O250274")
    assert error.code == "invalid_identifier"


def test_digits_of_other_scripts_are_not_digits_here():
    refusal(normalize_digits, "52602502\u06674")


def test_an_empty_number_is_refused():
    refusal(normalize_digits, " - ")


# --- NIP ---


@pytest.mark.parametrize("nip", ["5260250274", "1234563218"])
def test_a_nip_with_the_right_check_digit_is_accepted(nip):
    assert validate_nip(nip) == nip


@pytest.mark.parametrize("nip", ["526-025-02-74", "526 025 02 74", "526-02-50-274", " 5260250274 "])
def test_a_nip_written_with_dashes_or_spaces_is_stored_as_digits(nip):
    assert validate_nip(nip) == "5260250274"


@pytest.mark.parametrize("nip", ["5260250275", "1234563219"])
def test_a_nip_with_a_wrong_check_digit_is_refused(nip):
    error = refusal(validate_nip, nip)
    assert error.code == "invalid_nip"
    assert error.field == "nip"
    assert error.fields == {"nip": [error.message]}


@pytest.mark.parametrize("nip", ["1234567890", "9000000000", "9000000009"])
def test_a_nip_whose_weighted_sum_leaves_remainder_ten_is_never_valid(nip):
    # 1234567890: 230 mod 11 = 10; 900000000x: 54 mod 11 = 10, whatever the last digit.
    assert refusal(validate_nip, nip).code == "invalid_nip"


@pytest.mark.parametrize("nip", ["526025027", "52602502741", ""])
def test_a_nip_must_have_ten_digits(nip):
    assert refusal(validate_nip, nip).code == "invalid_nip"


def test_a_nip_with_other_characters_is_refused():
    error = refusal(validate_nip, "PL5260250274")
    assert (error.code, error.field) == ("invalid_nip", "nip")


def test_a_nip_of_zeros_is_refused_although_its_sum_checks():
    refusal(validate_nip, "0000000000")


def test_a_nip_given_as_a_number_is_refused():
    refusal(validate_nip, 5260250274)


# --- REGON ---


def test_a_nine_digit_regon_with_the_right_check_digit_is_accepted():
    assert validate_regon("123456785") == "123456785"


def test_a_fourteen_digit_regon_with_the_right_check_digits_is_accepted():
    assert validate_regon("12345678500010") == "12345678500010"


def test_a_regon_written_with_spaces_or_dashes_is_stored_as_digits():
    assert validate_regon("123-456-785") == "123456785"
    assert validate_regon("123456785 00010") == "12345678500010"


@pytest.mark.parametrize("regon", ["123456784", "12345678500011"])
def test_a_regon_with_a_wrong_check_digit_is_refused(regon):
    error = refusal(validate_regon, regon)
    assert (error.code, error.field) == ("invalid_regon", "regon")


def test_a_fourteen_digit_regon_needs_a_valid_nine_digit_regon_first():
    # Last digit chosen so that the 14-digit sum alone would check.
    head = "123456784"
    body = head + "0001"
    weights = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
    check = sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11 % 10
    error = refusal(validate_regon, body + str(check))
    assert "9 cyfr" in error.message


def test_a_remainder_of_ten_counts_as_a_check_digit_of_zero():
    # 8*0 + 9*0 + 2*5 + 0... = 10, and 10 mod 11 = 10, so the check digit is 0.
    assert validate_regon("005000000") == "005000000"


@pytest.mark.parametrize("regon", ["12345678", "1234567850", "1234567850001", "123456785000100"])
def test_a_regon_must_have_nine_or_fourteen_digits(regon):
    assert refusal(validate_regon, regon).code == "invalid_regon"


# --- KRS ---


def test_a_krs_number_of_ten_digits_is_kept():
    assert validate_krs("0000123456") == "0000123456"


def test_a_shorter_krs_number_is_padded_with_zeros():
    assert validate_krs("123456") == "0000123456"
    assert validate_krs("123 456") == "0000123456"


def test_a_krs_number_has_no_check_digit():
    assert validate_krs("9999999999") == "9999999999"


@pytest.mark.parametrize("krs", ["12345678901", "KRS0000123456", "", "0000000000"])
def test_a_bad_krs_number_is_refused(krs):
    error = refusal(validate_krs, krs)
    assert (error.code, error.field) == ("invalid_krs", "krs")
