"""The ledger's errors: each carries a stable code and the data a client needs."""

from __future__ import annotations

from core.errors import CoreError


class AccountNotFound(CoreError):
    code = "ACCOUNT_NOT_FOUND"
    http_status = 404


class AccountFrozen(CoreError):
    code = "ACCOUNT_FROZEN"
    http_status = 409


class AccountClosed(CoreError):
    code = "ACCOUNT_CLOSED"
    http_status = 409


class AccountNotEmpty(CoreError):
    code = "ACCOUNT_NOT_EMPTY"
    http_status = 409


class InsufficientFunds(CoreError):
    code = "INSUFFICIENT_FUNDS"
    http_status = 422


class SameAccount(CoreError):
    code = "SAME_ACCOUNT"
    http_status = 422


class EntryNotFound(CoreError):
    code = "ENTRY_NOT_FOUND"
    http_status = 404


class AlreadyReversed(CoreError):
    code = "ALREADY_REVERSED"
    http_status = 409


class HoldNotFound(CoreError):
    code = "HOLD_NOT_FOUND"
    http_status = 404


class HoldNotPending(CoreError):
    code = "HOLD_NOT_PENDING"
    http_status = 409


class HoldExpired(CoreError):
    code = "HOLD_EXPIRED"
    http_status = 409


class HoldAmountExceeded(CoreError):
    code = "HOLD_AMOUNT_EXCEEDED"
    http_status = 422


class UnbalancedEntry(CoreError):
    """A programming error: an entry whose postings do not sum to zero per currency."""

    code = "UNBALANCED_ENTRY"
    http_status = 500


class IdempotencyConflict(CoreError):
    code = "IDEMPOTENCY_CONFLICT"
    http_status = 409
