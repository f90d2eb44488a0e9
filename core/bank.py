"""The core assembled: one object holding the bank's services over one database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from core.accounts.service import AccountService, BankIdentity
from core.actors import SYSTEM
from core.audit.verify import AuditReport, verify_chain
from core.bills import catalogue as bill_catalogue
from core.bills.bank_policy import BankBillPolicy
from core.bills.config import BillsConfig
from core.bills.policy import BillPolicy
from core.bills.service import BillsService
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.payments_policy import PaymentsCardPolicy
from core.cardmoney.policy import CardMoneyPolicy
from core.cardmoney.service import CardMoney
from core.cards.config import CardConfig
from core.cards.recipients import CardNumberResolver
from core.cards.service import CardService
from core.clock import Clock, SystemClock
from core.crypto import Keyring
from core.customers.service import CustomerService
from core.fx.model import FxConfig
from core.fx.service import FxService
from core.jobs import JobQueue, Jobs, MemoryQueue
from core.kyc.documents import KycPorts
from core.kyc.service import KycService
from core.ledger.service import LedgerService
from core.ledger.verify import LedgerReport, verify_ledger
from core.payments.config import PaymentsConfig
from core.payments.model import Operation
from core.payments.service import Payments
from core.persistence.database import Database
from core.persistence.migrate import upgrade
from core.ports import Acquirer, BillerGateway, CardNetwork, RatesSource
from core.receipts import ReceiptSeal
from core.referrals.cashback import rates_for as partner_rates_for
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
    kyc: KycService
    payments: Payments  # fees, limits, switches, risk review, transfers, money requests
    bills: BillsService  # bill payments
    cards: CardService
    cardmoney: CardMoney  # top-ups from and payouts to cards of other banks
    receipts: ReceiptSeal  # seals the codes receipts' QR codes carry, and checks them

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
        kyc: KycPorts | None = None,
        payments: PaymentsConfig | None = None,
        biller_gateway: BillerGateway | None = None,
        bill_policy: BillPolicy | None = None,
        bills_config: BillsConfig | None = None,
        cards: CardConfig | None = None,
        acquirer: Acquirer | None = None,
        card_network: CardNetwork | None = None,
        cardmoney_policy: CardMoneyPolicy | None = None,
        cardmoney_config: CardMoneyConfig | None = None,
    ) -> Bank:
        """The bank's parts over ``db``; outside systems come in through their ports.

        Bill payments, top-ups and card payouts follow the bank's own fees, limits,
        switches and risk rules unless another policy is given; transfers find
        recipients by card number too.
        """
        clock = clock or SystemClock()
        queue = queue or MemoryQueue(clock.now)
        customers = CustomerService(db, clock, keyring)
        ledger = LedgerService(db, clock)
        accounts = AccountService(db, clock, currencies, identity)
        referrals = ReferralService(db, clock, keyring, ledger, accounts)
        payments_ = Payments(db, clock, keyring, ledger, accounts, customers, payments)

        async def partner_cashback(
            conn: AsyncConnection, customer_id: UUID, at: datetime, mcc: str
        ) -> int | None:
            # Inside the clearing's transaction: the programs as that transaction sees them.
            offers = await partner_rates_for(conn, customer_id, at, mcc)
            return offers[0].rate_bp if offers else None

        cards_ = CardService(
            db,
            clock,
            keyring,
            customers=customers,
            accounts=accounts,
            ledger=ledger,
            queue=queue,
            config=cards,
            program_rates=partner_cashback,
        )
        payments_.recipients.register(CardNumberResolver(cards_, accounts, customers))

        async def exchange_gate(sell: str, buy: str) -> None:
            for currency in (sell, buy):
                await payments_.switches.ensure_enabled(Operation.EXCHANGE, currency)

        return cls(
            db=db,
            clock=clock,
            customers=customers,
            accounts=accounts,
            ledger=ledger,
            queue=queue,
            fx=FxService(
                db, clock, ledger, accounts.currencies, rates_source, fx_config, exchange_gate
            ),
            referrals=referrals,
            # Without ports (scanner, document store) KYC accepts no files: fail closed.
            kyc=KycService(
                db,
                clock,
                keyring,
                customers,
                queue,
                kyc,
                document_seen=referrals.attribution.record_document,
            ),
            payments=payments_,
            bills=BillsService(
                db,
                clock,
                keyring,
                ledger,
                accounts,
                queue,
                catalogue=bill_catalogue.default(),
                gateway=biller_gateway,
                policy=bill_policy or BankBillPolicy(payments_),
                config=bills_config,
            ),
            cards=cards_,
            cardmoney=CardMoney(
                db,
                clock,
                keyring,
                ledger,
                accounts,
                queue,
                acquirer=acquirer,
                network=card_network,
                policy=cardmoney_policy or PaymentsCardPolicy(payments_),
                config=cardmoney_config,
            ),
            receipts=ReceiptSeal(keyring),
        )

    def jobs(self) -> Jobs:
        """Every background job, periodic job and event subscriber of the bank's parts."""
        return (
            Jobs()
            + self.bills.jobs()
            + self.cardmoney.jobs()
            + self.cards.jobs()
            + self.fx.jobs(SYSTEM)
            + self.kyc.jobs()
            + self.payments.jobs()
            + self.referrals.jobs()
        )

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
