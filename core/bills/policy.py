"""The bank's say over a bill payment before it is made: its fee, and whether it may go.

Bills ask a :class:`BillPolicy` twice with the same question: for the quote a customer
confirms, and again just before the payment is recorded (the answer may have changed in
between: a limit reached, payments switched off). The fee it answers is posted as the
FEE_INCOME leg of the payment's one ledger entry.

:class:`CatalogueFees` is the default: the biller's own convenience fee from the
catalogue, and no refusals. The bank's shared fee schedule, limits and admin switches
plug in here by implementing the same Protocol (see docs/decisions/0039).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID


@dataclass(frozen=True, slots=True)
class BillCharge:
    """A bill payment as the policy sees it: who pays whom, how much, and the biller's fee."""

    customer_id: UUID
    account_id: UUID
    biller_id: str
    category: str  # mobile | utilities | tv | internet | transport
    country: str
    amount: int  # minor units
    currency: str
    biller_fee: int  # the catalogue's fee for this biller


class BillPolicy(Protocol):
    """Fees and permission for bill payments."""

    async def fee(self, charge: BillCharge) -> int:
        """The fee the customer pays on top of the amount, in minor units (zero or more)."""
        ...

    async def check(self, charge: BillCharge, fee: int) -> None:
        """Raise a ``CoreError`` (a limit, a switch) if the payment may not be made now."""
        ...

    async def count(self, payment_id: UUID, customer_id: UUID, total: int, currency: str) -> None:
        """Count the payment's ``total`` against the customer's limits just before its
        debit, or raise a ``CoreError`` (then nothing is debited). Idempotent per payment."""
        ...

    async def uncount(self, payment_id: UUID) -> None:
        """Give back what :meth:`count` took: the debit was refused, or the money came
        back. Idempotent; a payment never counted is no error."""
        ...


class CatalogueFees:
    """The biller's fee from the catalogue; every payment allowed."""

    async def fee(self, charge: BillCharge) -> int:
        return charge.biller_fee

    async def check(self, charge: BillCharge, fee: int) -> None:
        return None

    async def count(self, payment_id: UUID, customer_id: UUID, total: int, currency: str) -> None:
        return None

    async def uncount(self, payment_id: UUID) -> None:
        return None
