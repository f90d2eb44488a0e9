"""Argument checks both payments implementations run first (see ``checks``)."""

from __future__ import annotations

from typing import Literal

from integrations.bank import checks
from integrations.bank.errors import from_code
from integrations.bank.payments import MoneyRequestRole
from integrations.bank.types import Amount


def check_fee(fee: Amount | None, currency: str | None) -> int | None:
    """The expected fee's minor units: zero or more, in the payment's currency (when known)."""
    if fee is None:
        return None
    checks.check_currency(fee.currency)
    if fee.minor < 0:
        raise from_code("VALIDATION_ERROR", "a fee is zero or more", {"field": "expected_fee"})
    if currency is not None and fee.currency != currency:
        raise from_code(
            "CURRENCY_MISMATCH",
            "The amounts are in different currencies.",
            {"currency": fee.currency, "account_currency": currency},
        )
    return fee.minor


def check_role(role: MoneyRequestRole | None) -> Literal["payer", "requester"] | None:
    """A role of the listing, refused alike on both paths when it is not one."""
    if role is None:
        return None
    if role == MoneyRequestRole.PAYER.value:
        return "payer"
    if role == MoneyRequestRole.REQUESTER.value:
        return "requester"
    raise from_code("VALIDATION_ERROR", "payer or requester", {"field": "role"})
