"""The bill payments' errors: stable codes, non-sensitive data (never a field's value)."""

from __future__ import annotations

from core.errors import CoreError, NotFound


class BillerNotFound(NotFound):
    code = "BILLER_NOT_FOUND"
    default_message = "No such biller."


class BillFieldsInvalid(CoreError):
    """``data["errors"]`` lists ``field:CODE`` pairs joined by ``;`` (codes only)."""

    code = "BILL_FIELDS_INVALID"
    http_status = 422
    default_message = "Some of the payment's details are not valid."


class BillPaymentNotFound(NotFound):
    code = "BILL_PAYMENT_NOT_FOUND"
    default_message = "No such bill payment."


class ReceiptNotReady(CoreError):
    """Only a completed payment has a receipt; ``data["status"]`` says where it stands."""

    code = "BILL_RECEIPT_NOT_READY"
    http_status = 409
    default_message = "The payment is not completed, so it has no receipt yet."


class PayeeNotFound(NotFound):
    code = "BILL_PAYEE_NOT_FOUND"
    default_message = "No such saved payee."


class PayeeExists(CoreError):
    """The customer already saved this biller with these details (``data["payee_id"]``)."""

    code = "BILL_PAYEE_EXISTS"
    http_status = 409
    default_message = "These payment details are already saved."


class NoPreviousPayment(NotFound):
    code = "NO_PREVIOUS_BILL_PAYMENT"
    default_message = "There is no completed payment to repeat."


class AccountNotPayable(CoreError):
    """Bills are paid from customer accounts only (not from the bank's own)."""

    code = "ACCOUNT_NOT_PAYABLE"
    http_status = 422
    default_message = "Bills are paid from a customer's account."


class BillsUnavailable(CoreError):
    """No biller gateway is configured: nothing can be paid, and nothing was taken."""

    code = "BILLS_UNAVAILABLE"
    http_status = 503
    default_message = "Bill payments are not available right now."
