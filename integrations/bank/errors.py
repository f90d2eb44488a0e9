"""The errors ``BankAPI`` raises: the core's stable codes, in classes flows can catch.

Both implementations build their errors with :func:`from_code`, so the same core error
becomes the same class with the same ``code`` whether the bank runs in-process or behind
HTTP. Flows catch the class to choose a path (``InsufficientFunds`` → "top up first") and
read ``code`` to choose the wording. ``data`` holds the core's structured, non-sensitive
details (``available``, ``requested``, ``field`` …); never raw customer input.
"""

from __future__ import annotations

from collections.abc import Mapping

from integrations.errors import IntegrationError

UNAVAILABLE = "BANK_UNAVAILABLE"
"""The code of a :class:`BankUnavailable` that did not come from the core itself."""


class BankError(IntegrationError):
    """A refusal or failure of the bank, with the core's stable ``code`` and its ``data``."""

    retryable: bool = False
    """Whether repeating the same call (with the same idempotency key) may succeed."""

    def __init__(self, code: str, message: str, data: Mapping[str, object] | None = None) -> None:
        """Create the error; ``message`` is for logs and staff, never for customers."""
        super().__init__(message)
        self.code = code
        self.message = message
        self.data: dict[str, object] = dict(data or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class InsufficientFunds(BankError):
    """The source account does not have enough available money."""


class AccountUnavailable(BankError):
    """The account is frozen or closed: money cannot move on it."""


class NotFound(BankError):
    """The customer, account, entry or hold does not exist (or is not visible)."""


class InvalidRequest(BankError):
    """The request breaks a rule: a bad amount, currency, text, period or combination."""


class IdempotencyConflict(BankError):
    """The idempotency key was already used for a different request."""


class Conflict(BankError):
    """The resource is in a state that does not allow this (a posted hold, a reversal…)."""


class AccessDenied(BankError):
    """The bank refused the caller's credentials or roles: a configuration problem."""


class BankUnavailable(BankError):
    """The bank could not be reached or failed; retry later with the same idempotency key.

    ``retry_after`` is the delay (seconds) the bank asked for, when it asked for one.
    """

    retryable = True

    def __init__(
        self,
        code: str,
        message: str,
        data: Mapping[str, object] | None = None,
        *,
        retry_after: float | None = None,
    ) -> None:
        """Create the error, optionally with the delay the bank asked for."""
        super().__init__(code, message, data)
        self.retry_after = retry_after


_CLASSES: dict[str, type[BankError]] = {
    "INSUFFICIENT_FUNDS": InsufficientFunds,
    "ACCOUNT_FROZEN": AccountUnavailable,
    "ACCOUNT_CLOSED": AccountUnavailable,
    **dict.fromkeys(
        ("NOT_FOUND", "ACCOUNT_NOT_FOUND", "CUSTOMER_NOT_FOUND", "ENTRY_NOT_FOUND"), NotFound
    ),
    "HOLD_NOT_FOUND": NotFound,
    **dict.fromkeys(
        (
            "VALIDATION_ERROR",
            "BAD_REQUEST",
            "MALFORMED_JSON",
            "PAYLOAD_TOO_LARGE",
            "IDEMPOTENCY_KEY_REQUIRED",
            "MONEY_ERROR",
            "INVALID_AMOUNT",
            "TOO_MANY_DECIMALS",
            "NON_POSITIVE_AMOUNT",
            "UNKNOWN_CURRENCY",
            "CURRENCY_MISMATCH",
            "SAME_ACCOUNT",
            "HOLD_AMOUNT_EXCEEDED",
        ),
        InvalidRequest,
    ),
    "IDEMPOTENCY_CONFLICT": IdempotencyConflict,
    # KYC file refusals carry 413 and 415, which have no class of their own.
    "KYC_DOCUMENT_TOO_LARGE": InvalidRequest,
    "KYC_DOCUMENT_TYPE_NOT_ALLOWED": InvalidRequest,
    "KYC_UNAVAILABLE": BankUnavailable,
    **dict.fromkeys(
        (
            "HOLD_NOT_PENDING",
            "HOLD_EXPIRED",
            "ALREADY_REVERSED",
            "ACCOUNT_NOT_EMPTY",
            "CUSTOMER_EXISTS",
        ),
        Conflict,
    ),
    **dict.fromkeys(
        ("UNAUTHENTICATED", "INVALID_API_KEY", "INVALID_TOKEN", "TOKEN_EXPIRED", "FORBIDDEN"),
        AccessDenied,
    ),
    # The server failed while handling the request; its transaction rolled back, so the
    # same call with the same idempotency key is safe to try again.
    "INTERNAL_ERROR": BankUnavailable,
    # The acquirer did not answer: the same call with the same key may be tried again.
    "ACQUIRER_UNAVAILABLE": BankUnavailable,
    UNAVAILABLE: BankUnavailable,
}


# Codes not listed above take their class from the HTTP status the core gives them, which
# both paths know: ``CoreError.http_status`` in-process, the response's status over HTTP.
_BY_STATUS: dict[int, type[BankError]] = {
    400: InvalidRequest,
    404: NotFound,
    409: Conflict,
    422: InvalidRequest,
    401: AccessDenied,
    403: AccessDenied,
}


def from_code(
    code: str,
    message: str,
    data: Mapping[str, object] | None = None,
    *,
    status: int | None = None,
) -> BankError:
    """The error for a core error ``code``: its typed subclass; for a code not listed, the
    class of its HTTP ``status``; failing both, plain ``BankError``."""
    cls = _CLASSES.get(code) or _BY_STATUS.get(status or 0, BankError)
    return cls(code, message, data)
