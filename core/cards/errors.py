"""The cards area's errors: stable codes, the right HTTP status, never a card number.

A card is named in ``data`` by its id (the token) only; card numbers, CVVs, PINs and
reveal tokens never appear in a message or in ``data`` (see ``core.errors``).
"""

from __future__ import annotations

from core.errors import CoreError, NotFound


class CardNotFound(NotFound):
    code = "CARD_NOT_FOUND"
    default_message = "No such card."


class KycRequired(CoreError):
    """Cards are issued only to customers whose identity is verified (``KycLevel.FULL``)."""

    code = "KYC_REQUIRED"
    http_status = 409
    default_message = "The customer's identity must be verified before a card is issued."


class AccountNotOwned(CoreError):
    code = "ACCOUNT_NOT_OWNED"
    http_status = 422
    default_message = "The account does not belong to this customer."


class CardLimitReached(CoreError):
    code = "CARD_LIMIT_REACHED"
    http_status = 409
    default_message = "The customer already has as many cards as the bank allows."


class CardBlocked(CoreError):
    """The card is blocked (lost or stolen): final, only a reissue helps."""

    code = "CARD_BLOCKED"
    http_status = 409
    default_message = "The card is blocked."


class CardNotBlocked(CoreError):
    code = "CARD_NOT_BLOCKED"
    http_status = 409
    default_message = "Only a card blocked as lost or stolen is reissued."


class CardAlreadyReissued(CoreError):
    code = "CARD_ALREADY_REISSUED"
    http_status = 409
    default_message = "This card was already replaced by a new one."


class InvalidCardNumber(CoreError):
    code = "INVALID_CARD_NUMBER"
    http_status = 422
    default_message = "This is not a valid card number."


class InvalidPin(CoreError):
    code = "INVALID_PIN"
    http_status = 422
    default_message = "A PIN is 4 to 6 digits."


class WeakPin(CoreError):
    code = "WEAK_PIN"
    http_status = 422
    default_message = "This PIN is too easy to guess (repeated or consecutive digits)."


class PinAlreadySet(CoreError):
    code = "PIN_ALREADY_SET"
    http_status = 409
    default_message = "The card has a PIN: change it with the current one."


class PinNotSet(CoreError):
    code = "PIN_NOT_SET"
    http_status = 409
    default_message = "The card has no PIN yet."


class WrongPin(CoreError):
    code = "WRONG_PIN"
    http_status = 422
    default_message = "The PIN is not correct."


class PinBlocked(CoreError):
    code = "PIN_BLOCKED"
    http_status = 409
    default_message = "The PIN is blocked after too many wrong attempts."


class RevealTokenNotFound(NotFound):
    code = "REVEAL_TOKEN_NOT_FOUND"
    default_message = "This link to the card's details is not valid."


class RevealTokenUsed(CoreError):
    code = "REVEAL_TOKEN_USED"
    http_status = 409
    default_message = "This link to the card's details was already used."


class RevealTokenExpired(CoreError):
    code = "REVEAL_TOKEN_EXPIRED"
    http_status = 409
    default_message = "This link to the card's details has expired."


class AuthorizationNotFound(NotFound):
    code = "AUTHORIZATION_NOT_FOUND"
    default_message = "No such card authorization."


class AuthorizationNotApproved(CoreError):
    code = "AUTHORIZATION_NOT_APPROVED"
    http_status = 409
    default_message = "Only an approved authorization can be cleared."


class AuthorizationCleared(CoreError):
    code = "AUTHORIZATION_CLEARED"
    http_status = 409
    default_message = "The authorization is cleared: it can no longer be reversed."


class AuthorizationExpired(CoreError):
    code = "AUTHORIZATION_EXPIRED"
    http_status = 409
    default_message = "The authorization's hold has expired."


class ClearingAmountExceeded(CoreError):
    code = "CLEARING_AMOUNT_EXCEEDED"
    http_status = 422
    default_message = "A clearing cannot exceed the authorized amount."


class CashbackRateNotFound(NotFound):
    code = "CASHBACK_RATE_NOT_FOUND"
    default_message = "No such cashback rate."
