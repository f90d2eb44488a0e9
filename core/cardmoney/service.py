"""Money in from, and out to, cards of other banks, assembled: top-ups through an
acquirer, payouts through a card network, and their background work.

Other parts reach it as ``bank.cardmoney``: ``topups`` (quote, start, get, the acquirer's
callback) and ``payouts`` (quote, send, get, staff review).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from core.accounts.service import AccountService
from core.actors import Actor
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.payout_steps import ADVANCE, CARD_CONTEXT
from core.cardmoney.payouts import PayoutService
from core.cardmoney.policy import CardMoneyPolicy, FreeOfCharge
from core.cardmoney.tables import cardmoney_payouts
from core.cardmoney.topups import TopUpService
from core.clock import Clock
from core.crypto import Keyring
from core.jobs import Backoff, JobQueue, Jobs, Periodic, Task
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.ports import Acquirer, CardNetwork
from core.rotation import rotate_columns

# A network that is down is asked again after 5 s, 10 s, … up to 5 minutes; the sweep
# defers the payout again after the last attempt, until its submit window closes.
NETWORK_BACKOFF = Backoff(attempts=8, first=timedelta(seconds=5), cap=timedelta(minutes=5))


class CardMoney:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        ledger: LedgerService,
        accounts: AccountService,
        queue: JobQueue,
        *,
        acquirer: Acquirer | None = None,
        network: CardNetwork | None = None,
        policy: CardMoneyPolicy | None = None,
        config: CardMoneyConfig | None = None,
    ) -> None:
        self._db, self._clock, self._keys = db, clock, keys
        self.config = config or CardMoneyConfig()
        self.policy: CardMoneyPolicy = policy or FreeOfCharge()
        self.topups = TopUpService(db, clock, ledger, accounts, self.policy, acquirer, self.config)
        self.payouts = PayoutService(
            db, clock, keys, ledger, accounts, queue, self.policy, network, self.config
        )

    async def rotate_encryption(self, actor: Actor, *, batch: int = 500) -> int:
        """Re-encrypt payout card numbers (kept until the network acknowledges them) still
        under an older key; returns rows changed (``teller keys rotate``)."""
        columns = ((cardmoney_payouts, "card_enc", CARD_CONTEXT),)
        return await rotate_columns(
            self._db, self._clock, self._keys, actor, columns, target="cardmoney", batch=batch
        )

    def jobs(self) -> Jobs:
        """The payout job, and the sweeps that expire sessions and carry payouts on."""

        async def advance(payload: Mapping[str, Any]) -> None:
            await self.payouts.steps.advance(UUID(str(payload["payout_id"])))

        async def sweep_topups(due: datetime) -> None:
            await self.topups.sweep(due)

        async def sweep_payouts(due: datetime) -> None:
            await self.payouts.sweep(due)

        return Jobs(
            tasks=[Task(ADVANCE, advance, NETWORK_BACKOFF)],
            periodic=[
                Periodic("cardmoney.topups.sweep", self.config.sweep_every, sweep_topups),
                Periodic("cardmoney.payouts.sweep", self.config.payout_sweep_every, sweep_payouts),
            ],
        )
