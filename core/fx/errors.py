"""FX errors: each carries a stable code and the data a client needs (never raw input)."""

from __future__ import annotations

from core.errors import CoreError


class SameCurrency(CoreError):
    code = "SAME_CURRENCY"
    http_status = 422
    default_message = "An exchange needs two different currencies."


class RateUnavailable(CoreError):
    """No rate is known for a currency the bank keeps (none fetched, no override)."""

    code = "RATE_UNAVAILABLE"
    http_status = 409
    default_message = "There is no exchange rate for this currency yet."


class RatesStale(CoreError):
    """The newest rates are older than the bank accepts for quoting."""

    code = "RATES_STALE"
    http_status = 409
    default_message = "The exchange rates are out of date; exchange is paused until they refresh."


class RatesSourceFailed(CoreError):
    """The rates source could not be reached or sent something that is not a rates file."""

    code = "RATES_SOURCE_FAILED"
    http_status = 502
    default_message = "The exchange rates could not be fetched."


class AmountTooSmall(CoreError):
    """The amount would exchange into less than one minor unit of the other currency."""

    code = "AMOUNT_TOO_SMALL"
    http_status = 422
    default_message = "The amount is too small to exchange."


class QuoteNotFound(CoreError):
    code = "QUOTE_NOT_FOUND"
    http_status = 404
    default_message = "The quote was not found."


class QuoteExpired(CoreError):
    code = "QUOTE_EXPIRED"
    http_status = 409
    default_message = "The quote has expired; ask for a new one."


class QuoteAlreadyUsed(CoreError):
    code = "QUOTE_ALREADY_USED"
    http_status = 409
    default_message = "The quote was already used for an exchange."


class ExchangeNotFound(CoreError):
    code = "EXCHANGE_NOT_FOUND"
    http_status = 404
    default_message = "The exchange was not found."


class AccountOwnerMismatch(CoreError):
    """An exchange is between two accounts of one customer, never anyone else's."""

    code = "ACCOUNT_OWNER_MISMATCH"
    http_status = 422
    default_message = "Both accounts of an exchange must belong to the same customer."


class RateOverrideNotFound(CoreError):
    code = "RATE_OVERRIDE_NOT_FOUND"
    http_status = 404
    default_message = "The rate override was not found."


class RateOverrideEnded(CoreError):
    code = "RATE_OVERRIDE_ENDED"
    http_status = 409
    default_message = "The rate override was already cancelled or has ended."


class SpreadNotFound(CoreError):
    """Staff set no spread for this pair (or no default): there is nothing to remove."""

    code = "SPREAD_NOT_FOUND"
    http_status = 404
    default_message = "Staff set no spread here; the deployment's settings apply."
