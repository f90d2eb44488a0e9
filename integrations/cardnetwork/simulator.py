"""A card network in this process: payouts that settle (or fail) after a delay.

It behaves like a push-to-card network: a submission is acknowledged at once with the
network's reference (or refused), the payout settles after ``settle_after``, and Teller
learns the outcome by asking (``status``), as with a transaction query API. Submissions
are idempotent on Teller's reference.

Test cards (any valid card not listed completes):

=====================  ======================================================
4242 4242 4242 4242    completes after ``settle_after``
4000 0000 0000 0002    refused at once: ``CARD_NOT_ELIGIBLE``
4000 0000 0000 0119    accepted, then returned by the card's bank: ``ISSUER_DECLINED``
4000 0000 0000 0259    received, but the answer is lost (``CardNetworkUnavailable``
                       on the first submission; asking again finds it)
=====================  ======================================================

``fail_next`` makes the next calls fail as if the network were down. Only the last four
digits of a card are kept. State lives in memory (a development tool): after a restart
the network no longer knows its payouts, and Teller leaves those pending for staff.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.ports import CardNetworkUnavailable, PayoutAnswer, PayoutOrder, PayoutState

NOT_ELIGIBLE_CARD = "4000000000000002"
RETURNED_CARD = "4000000000000119"
LOST_ANSWER_CARD = "4000000000000259"


@dataclass(frozen=True, slots=True)
class CardNetworkSimulatorSettings:
    settle_after: timedelta = timedelta(seconds=5)
    answer_delay: float = 0.0  # seconds before each answer (network latency)


@dataclass
class SimPayout:
    reference: str
    network_reference: str
    card_last4: str
    amount: int
    currency: str
    settles_at: datetime
    outcome: PayoutState
    reason: str | None = None


class CardNetworkSimulator:
    """The :class:`~core.ports.CardNetwork` port, simulated (see the module docstring)."""

    def __init__(
        self,
        now: Callable[[], datetime],
        settings: CardNetworkSimulatorSettings | None = None,
    ) -> None:
        self.now = now
        self.settings = settings or CardNetworkSimulatorSettings()
        self.payouts: dict[str, SimPayout] = {}
        self.fail_next = 0  # calls that fail as if the network were down
        self.submissions = 0  # submissions received (duplicates included), for tests

    async def submit(self, order: PayoutOrder) -> PayoutAnswer:
        """See :meth:`core.ports.CardNetwork.submit`."""
        await self._reachable()
        self.submissions += 1
        known = self.payouts.get(order.reference)
        if known is not None:
            return self._answer(known)
        payout = SimPayout(
            reference=order.reference,
            network_reference="np_" + secrets.token_hex(10),
            card_last4=order.card_number[-4:],
            amount=order.amount,
            currency=order.currency,
            settles_at=self.now() + self.settings.settle_after,
            outcome=PayoutState.COMPLETED,
        )
        if order.card_number == NOT_ELIGIBLE_CARD:
            payout.outcome, payout.reason = PayoutState.FAILED, "CARD_NOT_ELIGIBLE"
            payout.settles_at = self.now()
        elif order.card_number == RETURNED_CARD:
            payout.outcome, payout.reason = PayoutState.FAILED, "ISSUER_DECLINED"
        self.payouts[order.reference] = payout
        if order.card_number == LOST_ANSWER_CARD:
            # Received and kept, but Teller never hears back: it must ask again.
            raise CardNetworkUnavailable("the answer was lost on the way back")
        return self._answer(payout)

    async def status(self, reference: str) -> PayoutAnswer:
        """See :meth:`core.ports.CardNetwork.status`."""
        await self._reachable()
        payout = self.payouts.get(reference)
        if payout is None:
            return PayoutAnswer(PayoutState.UNKNOWN)
        return self._answer(payout)

    def _answer(self, payout: SimPayout) -> PayoutAnswer:
        if self.now() < payout.settles_at:
            return PayoutAnswer(PayoutState.PENDING, payout.network_reference)
        return PayoutAnswer(payout.outcome, payout.network_reference, payout.reason)

    async def _reachable(self) -> None:
        if self.settings.answer_delay > 0:
            await asyncio.sleep(self.settings.answer_delay)
        if self.fail_next:
            self.fail_next -= 1
            raise CardNetworkUnavailable("the simulated network is down")
