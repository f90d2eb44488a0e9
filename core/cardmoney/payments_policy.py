"""Top-ups and card payouts under the bank's own policy: the payments area's fee schedule,
admin switches, outgoing limits and risk review (see docs/decisions/0049)."""

from __future__ import annotations

import contextlib

from core.actors import Actor
from core.cardmoney.policy import Admission, CardCharge, Direction
from core.payments.errors import ReservationNotFound
from core.payments.model import Operation
from core.payments.service import Payments


class PaymentsCardPolicy:
    """:class:`core.cardmoney.policy.CardMoneyPolicy` over :class:`Payments`.

    Money coming in (a top-up) pays its fee and obeys the switches; money going out (a
    payout) also counts against the customer's limits, fee included, and may be held for
    review by the risk rules.
    """

    def __init__(self, payments: Payments) -> None:
        self._payments = payments

    @staticmethod
    def _operation(charge: CardCharge) -> Operation:
        if charge.direction is Direction.TOPUP:
            return Operation.TOPUP_CARD
        return Operation.TRANSFER_CARD

    async def fee(self, charge: CardCharge) -> int:
        quote = await self._payments.fees.quote(
            self._operation(charge), charge.amount, charge.currency
        )
        return quote.fee

    async def admit(self, charge: CardCharge, fee: int, reference: str, actor: Actor) -> Admission:
        operation = self._operation(charge)
        await self._payments.switches.ensure_enabled(operation, charge.currency)
        if charge.direction is Direction.TOPUP:
            return Admission()  # money in counts against no outgoing limit
        await self._payments.limits.reserve(
            charge.customer_id,
            operation,
            charge.amount + fee,
            charge.currency,
            reference=reference,
            actor=actor,
        )
        risk = await self._payments.risk.assess(charge.customer_id, charge.amount, charge.currency)
        return Admission(review=risk.held, reasons=tuple(r.rule for r in risk.reasons))

    async def release(self, reference: str, actor: Actor) -> None:
        # A top-up reserved nothing; a payout refused before reserving neither.
        with contextlib.suppress(ReservationNotFound):
            await self._payments.limits.release(reference, actor)
