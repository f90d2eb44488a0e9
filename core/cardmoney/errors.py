"""Errors of top-ups and card payouts: stable codes, the right status, non-sensitive data.

Never in an error: a card number (not even a wrong one), a return URL's query, a
callback's body. Flows already know what the customer typed, and errors end up in logs.
"""

from __future__ import annotations

from core.errors import CoreError, NotFound


class InvalidCardNumber(CoreError):
    """Not a card number: ``reason`` is ``format``, ``length`` or ``check_digit``."""

    code = "INVALID_CARD_NUMBER"
    http_status = 422
    default_message = "This is not a valid card number."


class TopUpNotFound(NotFound):
    code = "TOPUP_NOT_FOUND"
    default_message = "No such top-up."


class PayoutNotFound(NotFound):
    code = "CARD_PAYOUT_NOT_FOUND"
    default_message = "No such transfer to a card."


class AccountNotEligible(CoreError):
    """Money comes in from and goes out to cards only on customers' own accounts."""

    code = "ACCOUNT_NOT_ELIGIBLE"
    http_status = 422
    default_message = "Cards can top up and be paid from customers' accounts only."


class FeeChanged(CoreError):
    """The fee the customer confirmed is no longer the fee: show the new quote again."""

    code = "FEE_CHANGED"
    http_status = 409
    default_message = "The fee changed since it was quoted."


class NotAvailable(CoreError):
    """No acquirer or card network is configured: the operation does not exist here.

    501, not 503: nothing changes by trying again, so clients must not retry.
    """

    code = "NOT_AVAILABLE"
    http_status = 501
    default_message = "This operation is not available at this bank."


class AcquirerDown(CoreError):
    """The acquirer did not answer; the same request (same key) may be repeated."""

    code = "ACQUIRER_UNAVAILABLE"
    http_status = 503
    default_message = "Card payments cannot be taken right now. Try again shortly."


class CallbackSignatureInvalid(CoreError):
    """A callback not provably from the acquirer; ``reason`` says which check failed."""

    code = "CALLBACK_SIGNATURE_INVALID"
    http_status = 401
    default_message = "The callback's signature is not valid."


class CallbackMalformed(CoreError):
    code = "CALLBACK_MALFORMED"
    http_status = 400
    default_message = "The callback is not a payment notice."


class CallbackMismatch(CoreError):
    """A signed notice that does not match its top-up (another amount or session)."""

    code = "CALLBACK_MISMATCH"
    http_status = 422
    default_message = "The callback does not match its top-up."


class PayoutNotInReview(CoreError):
    code = "PAYOUT_NOT_IN_REVIEW"
    http_status = 409
    default_message = "This transfer to a card is not waiting for a review."
