"""The automatic checks: each rule on its own, and the decision they lead to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from core.kyc.checks import Evidence, MrzReading, assess
from core.kyc.model import Decision, DocumentKind, PersonalData
from core.kyc.mrz import parse_td3
from tests.kyc_support import td3

TODAY = date(2026, 3, 2)
DECLARED = PersonalData(
    given_names="Jana",
    surname="Dvořáková",
    date_of_birth=date(1990, 5, 17),
    nationality="CZE",
    document_kind=DocumentKind.PASSPORT,
    document_number="40123456",
    issuing_country="CZE",
    document_expiry=date(2031, 1, 9),
)


def evidence(
    declared: PersonalData = DECLARED,
    *,
    registered: str = "Jana Dvořáková",
    mrz_lines: tuple[str, str] | None = None,
    reading: MrzReading = MrzReading.FOUND,
    in_use: bool = False,
    today: date = TODAY,
) -> Evidence:
    lines = mrz_lines or td3(
        "DVORAKOVA", "JANA", "40123456", born=date(1990, 5, 17), expires=date(2031, 1, 9)
    )
    mrz = parse_td3(*lines, today=today) if reading is MrzReading.FOUND else None
    return Evidence(declared, registered, mrz, reading, in_use, today)


def test_matching_evidence_is_verified_with_full_scores() -> None:
    result = assess(evidence())
    assert result.decision is Decision.VERIFIED
    assert result.reasons == ()
    assert result.scores["overall"] == 100
    assert result.scores["name_registered"] == 100


def test_a_name_two_edits_off_still_matches() -> None:
    result = assess(evidence(registered="Jana Dvorakava"))  # diacritics free, one edit
    assert result.decision is Decision.VERIFIED
    result = assess(evidence(registered="Jena Dvorakava"))  # two edits
    assert result.decision is Decision.VERIFIED
    assert result.scores["name_registered"] < 100


def test_a_name_three_edits_off_goes_to_staff() -> None:
    result = assess(evidence(registered="Jena Dvorokava"))
    assert result.decision is Decision.MANUAL_REVIEW
    assert result.reasons == ("NAME_MISMATCH",)


def test_the_document_name_three_edits_off_goes_to_staff() -> None:
    lines = td3("DVORAKOVA", "JANINKA", "40123456", born=DECLARED.date_of_birth)
    result = assess(evidence(mrz_lines=lines))
    assert result.decision is Decision.MANUAL_REVIEW
    assert result.reasons == ("DOCUMENT_NAME_MISMATCH",)


def test_an_underage_customer_is_rejected() -> None:
    young = replace(DECLARED, date_of_birth=date(2008, 3, 3))  # 18 tomorrow
    lines = td3("DVORAKOVA", "JANA", "40123456", born=young.date_of_birth)
    result = assess(evidence(young, mrz_lines=lines))
    assert result.decision is Decision.REJECTED
    assert result.reasons == ("UNDERAGE",)
    adult = replace(young, date_of_birth=date(2008, 3, 2))  # 18 today
    lines = td3("DVORAKOVA", "JANA", "40123456", born=adult.date_of_birth)
    assert assess(evidence(adult, mrz_lines=lines)).decision is Decision.VERIFIED


def test_an_expired_document_is_rejected_and_one_expiring_today_is_not() -> None:
    expired = replace(DECLARED, document_expiry=date(2026, 3, 1))
    lines = td3("DVORAKOVA", "JANA", "40123456", expires=expired.document_expiry)
    result = assess(evidence(expired, mrz_lines=lines))
    assert result.decision is Decision.REJECTED
    assert "DOCUMENT_EXPIRED" in result.reasons
    today = replace(DECLARED, document_expiry=TODAY)
    lines = td3("DVORAKOVA", "JANA", "40123456", expires=TODAY)
    assert assess(evidence(today, mrz_lines=lines)).decision is Decision.VERIFIED


def test_the_document_expiry_counts_even_when_the_declaration_says_otherwise() -> None:
    lines = td3("DVORAKOVA", "JANA", "40123456", expires=date(2025, 12, 31))
    result = assess(evidence(mrz_lines=lines))
    assert result.decision is Decision.REJECTED
    assert result.reasons[0] == "DOCUMENT_EXPIRED"


def test_a_birth_date_the_document_contradicts_is_rejected() -> None:
    lines = td3("DVORAKOVA", "JANA", "40123456", born=date(1990, 5, 18))
    result = assess(evidence(mrz_lines=lines))
    assert result.decision is Decision.REJECTED
    assert result.reasons == ("DATE_OF_BIRTH_MISMATCH",)


def test_failed_check_digits_go_to_staff_and_their_fields_are_not_trusted() -> None:
    line1, line2 = td3("DVORAKOVA", "JANA", "40123456", born=date(1990, 5, 17))
    tampered = line2[:13] + "910517" + line2[19:]  # birth year changed, digits not
    result = assess(evidence(mrz_lines=(line1, tampered)))
    assert result.decision is Decision.MANUAL_REVIEW
    assert result.reasons == ("MRZ_CHECK_DIGITS",)
    assert result.scores["mrz"] < 100


@pytest.mark.parametrize(
    ("reading", "reason"),
    [(MrzReading.UNREADABLE, "MRZ_UNREADABLE"), (MrzReading.NOT_READ, "MRZ_NOT_READ")],
)
def test_without_a_readable_zone_staff_decide(reading: MrzReading, reason: str) -> None:
    result = assess(evidence(reading=reading))
    assert result.decision is Decision.MANUAL_REVIEW
    assert result.reasons == (reason,)


def test_rules_of_fact_reject_even_without_a_readable_zone() -> None:
    young = replace(DECLARED, date_of_birth=date(2010, 1, 1))
    result = assess(evidence(young, reading=MrzReading.NOT_READ))
    assert result.decision is Decision.REJECTED
    assert result.reasons == ("UNDERAGE", "MRZ_NOT_READ")


def test_other_contradictions_go_to_staff() -> None:
    other_number = td3("DVORAKOVA", "JANA", "99999999", born=DECLARED.date_of_birth)
    assert assess(evidence(mrz_lines=other_number)).reasons == ("DOCUMENT_NUMBER_MISMATCH",)
    slovak = td3("DVORAKOVA", "JANA", "40123456", nationality="SVK")
    assert assess(evidence(mrz_lines=slovak)).reasons == ("NATIONALITY_MISMATCH",)
    id_card = replace(DECLARED, document_kind=DocumentKind.ID_CARD)
    assert assess(evidence(id_card)).reasons == ("DOCUMENT_TYPE_MISMATCH",)
    assert assess(evidence(in_use=True)).reasons == ("DOCUMENT_IN_USE",)
