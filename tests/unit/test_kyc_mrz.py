"""Machine-readable zones: check digits, TD3 and TD1 parsing, OCR repairs (ICAO 9303)."""

from __future__ import annotations

from datetime import date

import pytest

from core.kyc.mrz import check_digit, find_mrz, parse_td1, parse_td3

TODAY = date(2026, 3, 2)
# The specimen of ICAO Doc 9303 part 4 (Anna Maria Eriksson of Utopia).
SPECIMEN = (
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
)
# The TD1 specimen of part 5.
TD1 = (
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


@pytest.mark.parametrize(
    ("text", "digit"),
    [("L898902C3", 6), ("740812", 2), ("120415", 9), ("ZE184226B<<<<<", 1), ("<<<", 0)],
)
def test_check_digits_follow_the_7_3_1_weights(text: str, digit: int) -> None:
    assert check_digit(text) == digit


def test_the_passport_specimen_parses_with_every_check_digit_right() -> None:
    mrz = parse_td3(*SPECIMEN, today=TODAY)
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert (mrz.document_number, mrz.nationality, mrz.sex) == ("L898902C3", "UTO", "F")
    assert mrz.date_of_birth == date(1974, 8, 12)
    assert mrz.expiry == date(2012, 4, 15)
    assert mrz.is_passport
    assert mrz.check_digits_valid
    assert not mrz.names_truncated


@pytest.mark.parametrize(
    ("position", "replacement", "failed"),
    [
        (9, "7", {"document_number", "composite"}),
        (19, "3", {"date_of_birth", "composite"}),
        (27, "0", {"expiry", "composite"}),
        (43, "9", {"composite"}),
        (2, "7", {"document_number", "composite"}),  # a digit of the number itself
    ],
)
def test_a_changed_character_fails_its_check_digits(
    position: int, replacement: str, failed: set[str]
) -> None:
    line2 = SPECIMEN[1][:position] + replacement + SPECIMEN[1][position + 1 :]
    mrz = parse_td3(SPECIMEN[0], line2, today=TODAY)
    assert {name for name, ok in mrz.checks.items() if not ok} == failed
    assert not mrz.check_digits_valid


def test_the_id_card_specimen_parses_with_every_check_digit_right() -> None:
    mrz = parse_td1(*TD1, today=TODAY)
    assert (mrz.format, mrz.document_code, mrz.document_number) == ("TD1", "I", "D23145890")
    assert mrz.check_digits_valid
    assert not mrz.is_passport


def test_malformed_lines_are_refused() -> None:
    with pytest.raises(ValueError, match="TD3"):
        parse_td3(SPECIMEN[0][:40], SPECIMEN[1], today=TODAY)
    with pytest.raises(ValueError, match="TD3"):
        parse_td3(SPECIMEN[0].lower(), SPECIMEN[1], today=TODAY)


def test_ocr_text_is_found_among_other_lines_and_repaired() -> None:
    # Spaces, a guillemet for "<<", an O for a 0 in the birth date, a lower-case line.
    noisy = "\n".join(
        [
            "PASSPORT  PASSEPORT",
            "P<UTOERIKSSON«ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
            "L898902C36UTO74O8122F1204159ZE184226B<<<<< 10",
        ]
    )
    mrz = find_mrz(noisy, today=TODAY)
    assert mrz is not None
    assert mrz.date_of_birth == date(1974, 8, 12)
    assert mrz.check_digits_valid


def test_no_zone_in_text_is_none() -> None:
    assert find_mrz("REPUBLIC OF UTOPIA\nNAME ANNA", today=TODAY) is None
    assert find_mrz("", today=TODAY) is None


def test_birth_dates_take_the_last_century_not_in_the_future() -> None:
    line2 = SPECIMEN[1]
    mrz = parse_td3(SPECIMEN[0], line2, today=date(2075, 1, 1))
    assert mrz.date_of_birth == date(2074, 8, 12)
    assert parse_td3(*SPECIMEN, today=TODAY).date_of_birth == date(1974, 8, 12)


def test_a_full_name_field_is_marked_truncated() -> None:
    long_names = "P<UTO" + "VERYLONGSURNAMEOFSOMEONE<<FIRSTNAMESECONDNAME"[:39]
    mrz = parse_td3(long_names, SPECIMEN[1], today=TODAY)
    assert mrz.names_truncated


def test_filler_that_ocr_dropped_from_the_names_line_is_put_back() -> None:
    text = "P<UTOERIKSSON<<ANNA<MARIA<<<<\n" + SPECIMEN[1]
    mrz = find_mrz(text, today=TODAY)
    assert mrz is not None
    assert (mrz.surname, mrz.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert mrz.check_digits_valid


def test_an_id_card_zone_is_found_in_ocr_text() -> None:
    text = "\n".join([TD1[0].rstrip("<"), TD1[1], TD1[2].rstrip("<")])
    mrz = find_mrz(text, today=TODAY)
    assert mrz is not None
    assert (mrz.format, mrz.surname) == ("TD1", "ERIKSSON")
    assert mrz.check_digits_valid
