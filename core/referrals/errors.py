"""The referral area's errors: each with a stable code, its HTTP status and safe data.

Codes reach customers through flows (``REFERRAL_CODE_NOT_FOUND`` → "this code does not
exist"), so each refusal a customer can meet has its own code.
"""

from __future__ import annotations

from core.errors import CoreError, NotFound


class ProgramNotFound(NotFound):
    code = "PROGRAM_NOT_FOUND"
    default_message = "No such referral or partner program."


class ProgramExists(CoreError):
    code = "PROGRAM_EXISTS"
    http_status = 409
    default_message = "A program with this name exists."


class ProgramStarted(CoreError):
    """The program's terms (rewards, event, codes) are fixed once it has started."""

    code = "PROGRAM_STARTED"
    http_status = 409
    default_message = "The program has started: its terms can no longer change."


class ProgramNotStarted(CoreError):
    code = "PROGRAM_NOT_STARTED"
    http_status = 409
    default_message = "The program has not started yet."


class ProgramEnded(CoreError):
    code = "PROGRAM_ENDED"
    http_status = 409
    default_message = "The program has ended."


class ProgramPaused(CoreError):
    code = "PROGRAM_PAUSED"
    http_status = 409
    default_message = "The program is paused."


class WrongProgramKind(CoreError):
    """A personal code asked of a partner program, a promo code of a referral program."""

    code = "WRONG_PROGRAM_KIND"
    http_status = 422
    default_message = "This program does not offer that kind of code."


class CodeNotFound(NotFound):
    code = "REFERRAL_CODE_NOT_FOUND"
    default_message = "No such referral or promo code."


class CodeExists(CoreError):
    code = "REFERRAL_CODE_EXISTS"
    http_status = 409
    default_message = "This promo code is already in use."


class ReferrerNotVerified(CoreError):
    """Personal codes go to verified customers only: an unverified account inviting
    others is how reward farms start."""

    code = "REFERRER_NOT_VERIFIED"
    http_status = 409
    default_message = "Only a verified customer can invite others."


class ReferralNotFound(NotFound):
    code = "REFERRAL_NOT_FOUND"
    default_message = "The customer was not referred."


class AlreadyReferred(CoreError):
    code = "ALREADY_REFERRED"
    http_status = 409
    default_message = "A referral or promo code is already attached to this customer."


class AlreadyQualified(CoreError):
    """A code belongs to the first contact: not to a customer already verified."""

    code = "ALREADY_QUALIFIED"
    http_status = 409
    default_message = "The customer is already verified: a code can no longer be attached."


class SelfReferral(CoreError):
    code = "SELF_REFERRAL"
    http_status = 422
    default_message = "A customer cannot use their own referral code."


class RepeatedPhone(CoreError):
    code = "REPEATED_PHONE"
    http_status = 409
    default_message = "This phone number already received a referral reward."
