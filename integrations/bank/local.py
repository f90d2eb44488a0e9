"""``LocalBank``: ``BankAPI`` in-process, over the core's services (the embedded default).

Core views become the wrapper's types and ``CoreError`` becomes ``BankError`` through
:func:`~integrations.bank.errors.from_code`, exactly as ``HttpBank`` turns the API's
problem responses into errors, so flows cannot tell the two apart.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import InterfaceError, OperationalError

from core.actors import Actor
from core.bank import Bank
from core.customers.model import KycStatus as CoreKycStatus
from core.customers.service import NewCustomer
from core.errors import CoreError
from core.ledger.commands import (
    DEFAULT_HOLD_TTL,
    Deposit,
    PlaceHold,
    PostHold,
    Transfer,
    VoidHold,
    Withdraw,
)
from integrations.bank import checks
from integrations.bank.api import BankAPI
from integrations.bank.bills_local import LocalBills
from integrations.bank.cards.local import LocalCards
from integrations.bank.errors import UNAVAILABLE, BankUnavailable, from_code
from integrations.bank.from_core import (
    account_of,
    balance_of,
    customer_of,
    entry_of,
    hold_of,
    statement_of,
)
from integrations.bank.fx.local import LocalFx
from integrations.bank.kyc_local import LocalKyc
from integrations.bank.moneyio_local import LocalMoneyIo
from integrations.bank.payments_local import LocalPayments
from integrations.bank.receipts_local import LocalReceipts
from integrations.bank.referrals_local import LocalReferrals
from integrations.bank.types import (
    Account,
    Amount,
    Balance,
    Customer,
    Entry,
    Hold,
    KycStatus,
    Statement,
)

log = logging.getLogger(__name__)


@contextmanager
def _translated() -> Iterator[None]:
    """Turn the core's errors into ``BankError``; a lost database into ``BankUnavailable``."""
    try:
        yield
    except CoreError as exc:
        raise from_code(
            exc.code, exc.message, _jsonable(exc.data), status=exc.http_status
        ) from exc
    except (OperationalError, InterfaceError, OSError) as exc:
        # What HttpBank sees as a 500 from the server: the transaction rolled back, so the
        # same call with the same idempotency key may be tried again.
        log.warning("the bank's database failed: %s", type(exc).__name__)
        raise BankUnavailable(UNAVAILABLE, "The bank's database is not available.") from exc


def _jsonable(data: dict[str, object]) -> dict[str, object]:
    # The same flattening the REST API applies, so ``data`` is equal on both paths.
    return {k: v if isinstance(v, int | str | bool | None) else str(v) for k, v in data.items()}


class LocalBank(
    LocalBills,
    LocalCards,
    LocalFx,
    LocalKyc,
    LocalMoneyIo,
    LocalPayments,
    LocalReceipts,
    LocalReferrals,
):
    """``BankAPI`` over a :class:`core.bank.Bank` in this process, acting as ``actor``.

    ``actor`` is recorded in the audit log and scopes idempotency keys, like an API client.
    """

    def __init__(self, bank: Bank, actor: Actor) -> None:
        """Serve ``BankAPI`` from ``bank``'s services; the caller owns the bank."""
        self._bank = bank
        self._actor = actor

    def __repr__(self) -> str:
        return f"LocalBank(actor={self._actor})"

    # -- customers --------------------------------------------------------------------

    async def register_customer(
        self,
        full_name: str,
        language: str,
        phone: str | None = None,
        email: str | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> Customer:
        """See :meth:`BankAPI.register_customer`."""
        with _translated():
            new = NewCustomer(full_name, language, phone, email)
            created = await self._bank.customers.create(
                new, self._actor, idempotency_key=idempotency_key
            )
            return customer_of(created)

    async def get_customer(self, customer_id: UUID) -> Customer:
        """See :meth:`BankAPI.get_customer`."""
        with _translated():
            return customer_of(await self._bank.customers.get(customer_id))

    async def change_contact(
        self, customer_id: UUID, *, phone: str | None = None, email: str | None = None
    ) -> Customer:
        """See :meth:`BankAPI.change_contact`."""
        with _translated():
            view = await self._bank.customers.change_contact(
                customer_id, self._actor, phone=phone, email=email
            )
            return customer_of(view)

    async def set_kyc_status(self, customer_id: UUID, status: KycStatus) -> Customer:
        """See :meth:`BankAPI.set_kyc_status`."""
        with _translated():
            view = await self._bank.customers.set_kyc_status(
                customer_id, CoreKycStatus(status.value), self._actor
            )
            return customer_of(view)

    # -- accounts ---------------------------------------------------------------------

    async def open_account(
        self,
        customer_id: UUID,
        currency: str,
        *,
        name: str | None = None,
        idempotency_key: str | None = None,
    ) -> Account:
        """See :meth:`BankAPI.open_account`."""
        code = checks.check_currency(currency)
        with _translated():
            view = await self._bank.accounts.open(
                customer_id, code, self._actor, name=name, idempotency_key=idempotency_key
            )
            return account_of(view)

    async def list_accounts(self, customer_id: UUID) -> list[Account]:
        """See :meth:`BankAPI.list_accounts`."""
        with _translated():
            views = await self._bank.accounts.for_customer(customer_id)
            if not views:
                await self._bank.customers.get(customer_id)  # NotFound, not an empty list
            return [account_of(v) for v in views]

    async def get_account(self, account_id: UUID) -> Account:
        """See :meth:`BankAPI.get_account`."""
        with _translated():
            return account_of(await self._bank.accounts.get(account_id))

    async def get_balance(self, account_id: UUID) -> Balance:
        """See :meth:`BankAPI.get_balance`."""
        with _translated():
            return balance_of(await self._bank.ledger.balance(account_id))

    async def get_statement(
        self,
        account_id: UUID,
        since: datetime,
        until: datetime,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Statement:
        """See :meth:`BankAPI.get_statement`."""
        checks.check_period(since, until)
        after_seq = checks.parse_cursor(cursor)
        with _translated():
            page = await self._bank.ledger.statement(
                account_id, since=since, until=until, after_seq=after_seq, limit=limit
            )
            return statement_of(page)

    # -- money ------------------------------------------------------------------------

    async def transfer(
        self,
        source_account_id: UUID,
        destination_account_id: UUID,
        amount: Amount,
        *,
        description: str,
        idempotency_key: str,
    ) -> Entry:
        """See :meth:`BankAPI.transfer`."""
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        cmd = Transfer(
            key,
            source_account_id,
            destination_account_id,
            amount.minor,
            amount.currency,
            description,
        )
        with _translated():
            return entry_of(await self._bank.ledger.transfer(cmd, self._actor))

    async def deposit(
        self, account_id: UUID, amount: Amount, *, description: str, idempotency_key: str
    ) -> Entry:
        """See :meth:`BankAPI.deposit`."""
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        cmd = Deposit(key, account_id, amount.minor, amount.currency, description)
        with _translated():
            return entry_of(await self._bank.ledger.deposit(cmd, self._actor))

    async def withdraw(
        self, account_id: UUID, amount: Amount, *, description: str, idempotency_key: str
    ) -> Entry:
        """See :meth:`BankAPI.withdraw`."""
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        cmd = Withdraw(key, account_id, amount.minor, amount.currency, description)
        with _translated():
            return entry_of(await self._bank.ledger.withdraw(cmd, self._actor))

    async def get_entry(self, entry_id: UUID) -> Entry:
        """See :meth:`BankAPI.get_entry`."""
        with _translated():
            return entry_of(await self._bank.ledger.entry(entry_id))

    # -- holds ------------------------------------------------------------------------

    async def place_hold(
        self,
        account_id: UUID,
        counterparty_account_id: UUID,
        amount: Amount,
        *,
        description: str,
        idempotency_key: str,
        ttl_seconds: int | None = None,
    ) -> Hold:
        """See :meth:`BankAPI.place_hold`."""
        key, amount = checks.check_key(idempotency_key), checks.check_amount(amount)
        # None means the bank's default, as an API request without ``ttl_seconds`` does.
        ttl = int(DEFAULT_HOLD_TTL.total_seconds()) if ttl_seconds is None else ttl_seconds
        cmd = PlaceHold(
            key,
            account_id,
            counterparty_account_id,
            amount.minor,
            amount.currency,
            description,
            ttl,
        )
        with _translated():
            return hold_of(await self._bank.ledger.place_hold(cmd, self._actor))

    async def get_hold(self, hold_id: UUID) -> Hold:
        """See :meth:`BankAPI.get_hold`."""
        with _translated():
            return hold_of(await self._bank.ledger.hold(hold_id))

    async def post_hold(
        self, hold_id: UUID, *, idempotency_key: str, amount: Amount | None = None
    ) -> Hold:
        """See :meth:`BankAPI.post_hold`."""
        key = checks.check_key(idempotency_key)
        if amount is not None:
            checks.check_amount(amount)
            checks.check_hold_currency(await self.get_hold(hold_id), amount)
        cmd = PostHold(key, hold_id, None if amount is None else amount.minor)
        with _translated():
            return hold_of(await self._bank.ledger.post_hold(cmd, self._actor))

    async def void_hold(self, hold_id: UUID, *, idempotency_key: str) -> Hold:
        """See :meth:`BankAPI.void_hold`."""
        cmd = VoidHold(checks.check_key(idempotency_key), hold_id)
        with _translated():
            return hold_of(await self._bank.ledger.void_hold(cmd, self._actor))


def _conforms(bank: LocalBank) -> BankAPI:
    return bank  # mypy proves LocalBank satisfies the Protocol
