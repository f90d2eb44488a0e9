"""The payments area's errors: each a stable code, the right status and non-sensitive data.

Data never holds what a customer typed to name a recipient (a phone number, an account or
card number): flows already know it, and errors end up in logs.
"""

from __future__ import annotations

from core.errors import CoreError, NotFound


class OperationDisabled(CoreError):
    """An admin switch stops this operation (in this currency) for now.

    409 rather than 503: the refusal is deliberate and stands until ``until`` (or until
    staff lift it), so a client must not retry it automatically.
    """

    code = "OPERATION_DISABLED"
    http_status = 409
    default_message = "This operation is switched off for now."


class LimitExceeded(CoreError):
    """The customer's daily or monthly outgoing limit does not fit the amount."""

    code = "LIMIT_EXCEEDED"
    http_status = 422
    default_message = "The amount is over the customer's limit."


class FeeChanged(CoreError):
    """The fee the customer confirmed is no longer the fee: show the new quote again."""

    code = "FEE_CHANGED"
    http_status = 409
    default_message = "The fee changed since it was quoted."


class RecipientNotFound(NotFound):
    code = "RECIPIENT_NOT_FOUND"
    default_message = "No Teller customer can be found for this recipient."


class RecipientHasNoAccount(CoreError):
    code = "RECIPIENT_NO_ACCOUNT"
    http_status = 422
    default_message = "The recipient has no open account in this currency."


class RecipientIsPayer(CoreError):
    code = "RECIPIENT_IS_PAYER"
    http_status = 422
    default_message = "A transfer to another customer cannot go to the payer's own account."


class SourceNotAllowed(CoreError):
    """The account to pay from is not one this customer may pay from."""

    code = "SOURCE_ACCOUNT_NOT_ALLOWED"
    http_status = 422
    default_message = "Payments are made from the payer's own customer account."


class PaymentNotFound(NotFound):
    code = "PAYMENT_NOT_FOUND"
    default_message = "No such payment."


class PaymentNotPending(CoreError):
    code = "PAYMENT_NOT_PENDING"
    http_status = 409
    default_message = "The payment is not waiting for a review decision."


class RuleNotFound(NotFound):
    code = "RULE_NOT_FOUND"
    default_message = "No such configured rule."


class SwitchNotFound(NotFound):
    code = "SWITCH_NOT_FOUND"
    default_message = "No such switch."


class MoneyRequestNotFound(NotFound):
    code = "MONEY_REQUEST_NOT_FOUND"
    default_message = "No such money request."


class MoneyRequestNotPending(CoreError):
    code = "MONEY_REQUEST_NOT_PENDING"
    http_status = 409
    default_message = "The money request is no longer open."


class ReservationNotFound(NotFound):
    code = "RESERVATION_NOT_FOUND"
    default_message = "No such limit reservation."
