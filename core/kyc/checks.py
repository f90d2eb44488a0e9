"""The automatic checks of an application and the decision they lead to.

Pure: everything the checks need arrives in :class:`Evidence`. Each check passes or fails
with a reason code and a 0–100 score; a failed check either rejects (the facts rule the
customer out: under age, an expired document, a birth date the document contradicts) or
sends the application to staff (the evidence is doubtful or incomplete: names that differ
by more than :data:`NAME_TOLERANCE` edits, an unreadable zone, failed check digits, a
document already used by someone else). See docs/decisions/0022.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from core.kyc.model import MINIMUM_AGE, Decision, DocumentKind, PersonalData, age_on
from core.kyc.mrz import Mrz
from core.kyc.names import levenshtein, mrz_form, name_distance, similarity

NAME_TOLERANCE = 2  # Levenshtein distance at most 2 (issue 3)


class MrzReading(StrEnum):
    FOUND = "found"
    UNREADABLE = "unreadable"  # OCR ran and found no machine-readable zone
    NOT_READ = "not_read"  # no OCR here, or the file was not one it reads


class Outcome(StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    REVIEW = "review"
    REJECT = "reject"


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    outcome: Outcome
    score: int  # 0–100
    reason: str | None = None  # the code when it did not pass


@dataclass(frozen=True, slots=True)
class Evidence:
    declared: PersonalData
    registered_name: str  # the customer's name as registered at onboarding
    mrz: Mrz | None
    mrz_reading: MrzReading
    document_in_use: bool  # the document number is on another customer's application
    today: date


@dataclass(frozen=True, slots=True)
class Assessment:
    decision: Decision
    reasons: tuple[str, ...]  # codes of the failed checks, rejections first
    scores: dict[str, int]  # per check, plus "overall": the weakest
    checks: tuple[CheckResult, ...]


def assess(evidence: Evidence) -> Assessment:
    """Run every check and decide: any rejection rejects, else any doubt goes to staff."""
    results = [
        _age(evidence),
        _expiry(evidence),
        _registered_name(evidence),
        _document_in_use(evidence),
        *_document_checks(evidence),
    ]
    rejects = [r.reason for r in results if r.outcome is Outcome.REJECT and r.reason]
    reviews = [r.reason for r in results if r.outcome is Outcome.REVIEW and r.reason]
    if rejects:
        decision = Decision.REJECTED
    elif reviews:
        decision = Decision.MANUAL_REVIEW
    else:
        decision = Decision.VERIFIED
    scores = {r.name: r.score for r in results}
    scores["overall"] = min(scores.values())
    return Assessment(decision, tuple(rejects + reviews), scores, tuple(results))


def _valid_mrz(evidence: Evidence, field: str) -> Mrz | None:
    mrz = evidence.mrz
    return mrz if mrz is not None and mrz.checks.get(field, False) else None


def _age(evidence: Evidence) -> CheckResult:
    births = [evidence.declared.date_of_birth]
    if (mrz := _valid_mrz(evidence, "date_of_birth")) and mrz.date_of_birth:
        births.append(mrz.date_of_birth)
    if min(age_on(born, evidence.today) for born in births) < MINIMUM_AGE:
        return CheckResult("age", Outcome.REJECT, 0, "UNDERAGE")
    return CheckResult("age", Outcome.PASS, 100)


def _expiry(evidence: Evidence) -> CheckResult:
    expiries = [evidence.declared.document_expiry]
    if (mrz := _valid_mrz(evidence, "expiry")) and mrz.expiry:
        expiries.append(mrz.expiry)
    if min(expiries) < evidence.today:  # valid through its expiry date
        return CheckResult("document_expiry", Outcome.REJECT, 0, "DOCUMENT_EXPIRED")
    return CheckResult("document_expiry", Outcome.PASS, 100)


def _registered_name(evidence: Evidence) -> CheckResult:
    declared = evidence.declared.full_name
    distance = name_distance(declared, evidence.registered_name)
    score = similarity(distance, declared, evidence.registered_name)
    if distance > NAME_TOLERANCE:
        return CheckResult("name_registered", Outcome.REVIEW, score, "NAME_MISMATCH")
    return CheckResult("name_registered", Outcome.PASS, score)


def _document_in_use(evidence: Evidence) -> CheckResult:
    if evidence.document_in_use:
        return CheckResult("document_unique", Outcome.REVIEW, 0, "DOCUMENT_IN_USE")
    return CheckResult("document_unique", Outcome.PASS, 100)


def _document_checks(evidence: Evidence) -> list[CheckResult]:
    """The document's own data against the declaration; a zone not read goes to staff."""
    mrz = evidence.mrz
    if mrz is None:
        reason = "MRZ_UNREADABLE" if evidence.mrz_reading is MrzReading.UNREADABLE else None
        return [CheckResult("mrz", Outcome.REVIEW, 0, reason or "MRZ_NOT_READ")]
    declared = evidence.declared
    passed = sum(mrz.checks.values())
    results = [
        CheckResult("mrz", Outcome.PASS, 100)
        if mrz.check_digits_valid
        else CheckResult(
            "mrz", Outcome.REVIEW, round(100 * passed / len(mrz.checks)), "MRZ_CHECK_DIGITS"
        ),
        _document_name(declared, mrz),
    ]
    if (valid := _valid_mrz(evidence, "date_of_birth")) and valid.date_of_birth:
        same = valid.date_of_birth == declared.date_of_birth
        results.append(
            CheckResult("date_of_birth", Outcome.PASS, 100)
            if same
            else CheckResult("date_of_birth", Outcome.REJECT, 0, "DATE_OF_BIRTH_MISMATCH")
        )
    if (valid := _valid_mrz(evidence, "document_number")) and (
        valid.document_number != declared.document_number
    ):
        results.append(
            CheckResult("document_number", Outcome.REVIEW, 0, "DOCUMENT_NUMBER_MISMATCH")
        )
    if mrz.nationality_alpha3 != declared.nationality:
        results.append(CheckResult("nationality", Outcome.REVIEW, 0, "NATIONALITY_MISMATCH"))
    if mrz.is_passport != (declared.document_kind is DocumentKind.PASSPORT):
        results.append(CheckResult("document_type", Outcome.REVIEW, 0, "DOCUMENT_TYPE_MISMATCH"))
    return results


def _document_name(declared: PersonalData, mrz: Mrz) -> CheckResult:
    """Surname with surname, given names with given names, as the zone writes them."""
    surname, given = mrz_form(declared.surname), mrz_form(declared.given_names)
    if mrz.names_truncated:  # the zone cut a long name at its last character
        given = given[: len(mrz.given_names)]
    distance = levenshtein(surname, mrz.surname) + levenshtein(given, mrz.given_names)
    score = similarity(distance, f"{given} {surname}", mrz.full_name)
    if distance > NAME_TOLERANCE:
        return CheckResult("name_document", Outcome.REVIEW, score, "DOCUMENT_NAME_MISMATCH")
    return CheckResult("name_document", Outcome.PASS, score)
