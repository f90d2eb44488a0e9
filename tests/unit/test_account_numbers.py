from hypothesis import given
from hypothesis import strategies as st

from core.accounts.numbers import (
    czech_number_valid,
    format_iban,
    iban_check_digits,
    is_valid_iban,
    new_iban,
)


def test_known_ibans_validate() -> None:
    for iban in [
        "CZ65 0800 0000 1920 0014 5399",
        "DE89370400440532013000",
        "GB82 WEST 1234 5698 7654 32",
    ]:
        assert is_valid_iban(iban)
    assert not is_valid_iban("CZ66 0800 0000 1920 0014 5399")
    assert not is_valid_iban("CZ65")


def test_check_digits_match_the_standard_example() -> None:
    assert iban_check_digits("GB", "WEST12345698765432") == "82"


@given(st.sampled_from(["0800", "7777", "2010"]))
def test_new_ibans_are_valid_czech_numbers(bank_code: str) -> None:
    iban = new_iban("CZ", bank_code)
    assert len(iban) == 24
    assert is_valid_iban(iban)
    assert czech_number_valid(iban[-10:])
    assert format_iban(iban).count(" ") == 5
