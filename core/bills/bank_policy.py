"""The bank's own policy for bill payments: the shared fee schedule, the admin switches
and the customer's outgoing limits (the payments area), in the shape bills ask for."""

from __future__ import annotations

import contextlib
from uuid import UUID

from core.bills.policy import BillCharge
from core.bills.transitions import BILLS
from core.payments.errors import LimitExceeded, ReservationNotFound
from core.payments.model import Operation
from core.payments.service import Payments


class BankBillPolicy:
    """:class:`core.bills.policy.BillPolicy` over :class:`core.payments.service.Payments`.

    The fee is the biller's own convenience fee plus the bank's fee for bill payments in
    the currency. The limit is checked when the payment is quoted and recorded, and the
    payment is counted against it (a reservation, atomic with concurrent payments) right
    before its debit; a refused debit or a refund gives the allowance back.
    """

    def __init__(self, payments: Payments) -> None:
        self._payments = payments

    async def fee(self, charge: BillCharge) -> int:
        bank = await self._payments.fees.quote(
            Operation.BILL_PAYMENT, charge.amount, charge.currency
        )
        return charge.biller_fee + bank.fee

    async def check(self, charge: BillCharge, fee: int) -> None:
        await self._payments.switches.ensure_enabled(Operation.BILL_PAYMENT, charge.currency)
        allowance = await self._payments.limits.status(charge.customer_id, charge.currency)
        total = charge.amount + fee
        if total > allowance.remaining:
            daily = allowance.daily_remaining <= allowance.monthly_remaining
            raise LimitExceeded(
                period="daily" if daily else "monthly",
                limit=allowance.daily_limit if daily else allowance.monthly_limit,
                used=allowance.daily_used if daily else allowance.monthly_used,
                remaining=allowance.remaining,
                requested=total,
                currency=allowance.currency,
                kyc_level=allowance.kyc_level.value,
            )

    async def count(self, payment_id: UUID, customer_id: UUID, total: int, currency: str) -> None:
        await self._payments.limits.reserve(
            customer_id,
            Operation.BILL_PAYMENT,
            total,
            currency,
            reference=_reference(payment_id),
            actor=BILLS,
        )

    async def uncount(self, payment_id: UUID) -> None:
        with contextlib.suppress(ReservationNotFound):  # never counted: nothing to give back
            await self._payments.limits.release(_reference(payment_id), BILLS)


def _reference(payment_id: UUID) -> str:
    return f"bill:{payment_id}"
