"""The core assembled: one object holding the bank's services over one database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.accounts.service import AccountService, BankIdentity
from core.actors import SYSTEM
from core.audit.verify import AuditReport, verify_chain
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.policy import CardMoneyPolicy
from core.cardmoney.service import CardMoney
from core.clock import Clock, SystemClock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.jobs import JobQueue, Jobs, MemoryQueue
from core.ledger.service import LedgerService
from core.ledger.verify import LedgerReport, verify_ledger
from core.persistence.database import Database
from core.persistence.migrate import upgrade
from core.ports import Acquirer, CardNetwork


@dataclass
class Bank:
    """Customers, accounts and the ledger, sharing one database, clock and keyring."""

    db: Database
    clock: Clock
    customers: CustomerService
    accounts: AccountService
    ledger: LedgerService
    queue: JobQueue  # where services defer background work (see core.jobs)
    cardmoney: CardMoney  # top-ups from and payouts to cards of other banks

    @classmethod
    def build(
        cls,
        db: Database,
        keyring: Keyring,
        currencies: Iterable[str],
        *,
        clock: Clock | None = None,
        identity: BankIdentity | None = None,
        queue: JobQueue | None = None,
        acquirer: Acquirer | None = None,
        card_network: CardNetwork | None = None,
        cardmoney_policy: CardMoneyPolicy | None = None,
        cardmoney_config: CardMoneyConfig | None = None,
    ) -> Bank:
        clock = clock or SystemClock()
        queue = queue or MemoryQueue(clock.now)
        accounts = AccountService(db, clock, currencies, identity)
        ledger = LedgerService(db, clock)
        return cls(
            db=db,
            clock=clock,
            customers=CustomerService(db, clock, keyring),
            accounts=accounts,
            ledger=ledger,
            queue=queue,
            cardmoney=CardMoney(
                db,
                clock,
                keyring,
                ledger,
                accounts,
                queue,
                acquirer=acquirer,
                network=card_network,
                policy=cardmoney_policy,
                config=cardmoney_config,
            ),
        )

    def jobs(self) -> Jobs:
        """Every background job, periodic job and event subscriber of the bank's parts."""
        return Jobs() + self.cardmoney.jobs()

    async def prepare(self) -> None:
        """Bring the schema up to date and make sure the bank's own accounts exist."""
        await upgrade(self.db)
        await self.accounts.ensure_bank_accounts(SYSTEM)

    async def verify_ledger(self) -> LedgerReport:
        async with self.db.read() as conn:
            return await verify_ledger(conn)

    async def verify_audit(self) -> AuditReport:
        async with self.db.read() as conn:
            return await verify_chain(conn)
