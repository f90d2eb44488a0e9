"""The core assembled: one object holding the bank's services over one database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from core.accounts.service import AccountService, BankIdentity
from core.actors import SYSTEM
from core.audit.verify import AuditReport, verify_chain
from core.clock import Clock, SystemClock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.fx.model import FxConfig
from core.fx.service import FxService
from core.jobs import JobQueue, Jobs, MemoryQueue
from core.ledger.service import LedgerService
from core.ledger.verify import LedgerReport, verify_ledger
from core.persistence.database import Database
from core.persistence.migrate import upgrade
from core.ports import RatesSource
from core.referrals.service import ReferralService


@dataclass
class Bank:
    """Customers, accounts and the ledger, sharing one database, clock and keyring."""

    db: Database
    clock: Clock
    customers: CustomerService
    accounts: AccountService
    ledger: LedgerService
    queue: JobQueue  # where services defer background work (see core.jobs)
    fx: FxService
    referrals: ReferralService

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
        rates_source: RatesSource | None = None,
        fx_config: FxConfig | None = None,
    ) -> Bank:
        clock = clock or SystemClock()
        ledger = LedgerService(db, clock)
        accounts = AccountService(db, clock, currencies, identity)
        return cls(
            db=db,
            clock=clock,
            customers=CustomerService(db, clock, keyring),
            accounts=accounts,
            ledger=ledger,
            queue=queue or MemoryQueue(clock.now),
            fx=FxService(db, clock, ledger, accounts.currencies, rates_source, fx_config),
            referrals=ReferralService(db, clock, keyring, ledger, accounts),
        )

    def jobs(self) -> Jobs:
        """Every background job, periodic job and event subscriber of the bank's parts."""
        return Jobs() + self.fx.jobs(SYSTEM) + self.referrals.jobs()

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
