"""The payments area assembled: fees, limits, switches, risk review, transfers between
customers and money requests, with their background jobs.

Other areas use its parts through ``bank.payments``:

* ``fees.quote(Operation.X, amount, currency)`` → ``FeeQuote`` (``fee``, ``total``), and
  ``fees.fee_legs(quote)`` → the fee-income leg to add to their ``PostEntry``;
* ``limits.reserve(customer_id, Operation.X, amount, currency, reference, actor)`` before
  money leaves, ``limits.release(reference, actor)`` if it then does not;
* ``switches.ensure_enabled(Operation.X, currency)`` before anything moves;
* ``risk.assess(customer_id, amount, currency)`` → ``RiskResult`` (``held``, ``reasons``).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.accounts.service import AccountService
from core.actors import Actor
from core.clock import Clock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.jobs import Jobs, Periodic, Subscriber
from core.ledger.service import LedgerService
from core.payments.config import PaymentsConfig
from core.payments.fee_schedule import FeeSchedule
from core.payments.limit_service import LimitService
from core.payments.model import time_zone
from core.payments.recipients import AccountNumberResolver, PhoneResolver, Recipients
from core.payments.requests import MoneyRequestService
from core.payments.review import ReviewService
from core.payments.risk_service import CONTACT_CHANGED, RiskService
from core.payments.rotation import rotate_encryption
from core.payments.settlement import Settlement
from core.payments.switches import SwitchService
from core.payments.transfers import TransferService
from core.persistence.database import Database


class Payments:
    """Everything the payments area offers, sharing the bank's database and clock."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keys: Keyring,
        ledger: LedgerService,
        accounts: AccountService,
        customers: CustomerService,
        config: PaymentsConfig | None = None,
    ) -> None:
        self.config = config or PaymentsConfig()
        zone = time_zone(self.config.time_zone)
        self.fees = FeeSchedule(db, clock, ledger)
        self.limits = LimitService(db, clock, customers, zone)
        self.switches = SwitchService(db, clock)
        self.risk = RiskService(db, clock, self.limits, zone)
        self.recipients = Recipients(
            AccountNumberResolver(db, accounts, customers), PhoneResolver(accounts, customers)
        )
        settlement = Settlement(db, clock, keys, ledger, self.limits, self.config)
        self.transfers = TransferService(
            db,
            clock,
            keys,
            accounts,
            customers,
            self.fees,
            self.limits,
            self.switches,
            self.risk,
            self.recipients,
            settlement,
        )
        self.reviews = ReviewService(db, clock, keys, self.switches, settlement, self.config)
        self.requests = MoneyRequestService(
            db, clock, keys, accounts, customers, self.recipients, self.transfers, self.config
        )
        self._db, self._clock, self._keys = db, clock, keys

    async def rotate_encryption(self, actor: Actor, *, batch: int = 500) -> int:
        """Re-encrypt the area's personal data under the active key (payees' masked names,
        money request notes); returns the rows changed. Run with ``teller keys rotate``."""
        return await rotate_encryption(self._db, self._clock, self._keys, actor, batch=batch)

    def jobs(self) -> Jobs:
        """The sweeps that keep payments moving, and the contact-change subscriber."""

        async def recover(due: datetime) -> None:
            await self.reviews.recover(due)

        async def expire_reviews(due: datetime) -> None:
            await self.reviews.expire_reviews(due)

        async def expire_requests(due: datetime) -> None:
            await self.requests.expire_due(due)

        return Jobs(
            periodic=[
                Periodic("payments.recover", timedelta(minutes=1), recover),
                Periodic("payments.expire_reviews", timedelta(minutes=5), expire_reviews),
                Periodic("payments.expire_money_requests", timedelta(minutes=5), expire_requests),
            ],
            subscribers=[
                Subscriber(
                    "payments.contact_changes",
                    frozenset({CONTACT_CHANGED}),
                    self.risk.on_contact_changed,
                )
            ],
        )
