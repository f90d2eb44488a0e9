"""Opening, listing and changing the status and limits of accounts."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events, idempotency
from core.accounts.numbers import new_iban
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.customers.service import CustomerNotFound
from core.errors import CoreError, ValidationFailed
from core.ledger.errors import AccountNotEmpty, AccountNotFound, InsufficientFunds
from core.ledger.model import AccountKind, AccountStatus, BankPurpose
from core.ledger.repository import lock_accounts
from core.money import Currency, UnknownCurrency
from core.persistence.database import Database
from core.persistence.tables import accounts, customers
from core.persistence.types import AnyRow

_NUMBER_ATTEMPTS = 5
_BANK_ACCOUNTS_LOCK = 0x7E11E6  # serializes creating the bank's own accounts


# Read on every turn that shows a customer's money; built once (building costs more than
# running it).
_OF_CUSTOMER = (
    select(accounts)
    .where(accounts.c.customer_id == bindparam("customer_id"))
    .order_by(accounts.c.created_at, accounts.c.id)
)


@dataclass(frozen=True, slots=True)
class AccountView:
    id: UUID
    number: str
    customer_id: UUID | None
    kind: AccountKind
    purpose: BankPurpose | None
    name: str
    currency: str
    status: AccountStatus
    balance: int
    held: int
    overdraft_limit: int
    created_at: datetime

    @property
    def available(self) -> int:
        return self.balance - self.held + self.overdraft_limit


@dataclass(frozen=True, slots=True)
class BankIdentity:
    """Where Teller's IBANs come from: the country and the bank's national code."""

    country: str = "CZ"
    bank_code: str = "7777"


class AccountService:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        currencies: Iterable[str],
        identity: BankIdentity | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self.currencies = tuple(Currency.of(c).code for c in currencies)
        self._identity = identity or BankIdentity()

    async def ensure_bank_accounts(self, actor: Actor) -> int:
        """Create the bank's own accounts for every supported currency; returns how many."""
        created = 0
        async with self._db.transaction() as conn:
            if self._db.is_postgres:
                # Replicas starting together: one creates, the others then find them all.
                await conn.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": _BANK_ACCOUNTS_LOCK}
                )
            existing = {
                (r.purpose, r.currency)
                for r in await conn.execute(
                    select(accounts.c.purpose, accounts.c.currency).where(
                        accounts.c.kind == AccountKind.BANK.value
                    )
                )
            }
            for currency in self.currencies:
                for purpose in BankPurpose:
                    if (purpose.value, currency) in existing:
                        continue
                    await self._insert(
                        conn,
                        account_id=uuid4(),
                        customer_id=None,
                        kind=AccountKind.BANK,
                        purpose=purpose,
                        currency=currency,
                        name=f"Teller {purpose.value} {currency}",
                        overdraft_limit=0,
                        allow_negative=True,
                    )
                    created += 1
            if created:
                await record(
                    conn,
                    self._clock.now(),
                    actor,
                    "ensure_bank_accounts",
                    "bank",
                    {"created": created},
                )
        return created

    async def open(
        self,
        customer_id: UUID,
        currency: str,
        actor: Actor,
        *,
        name: str | None = None,
        overdraft_limit: int = 0,
        idempotency_key: str | None = None,
    ) -> AccountView:
        """Open a customer account in one of the bank's currencies.

        With an idempotency key, a repeated request returns the account it first opened.
        """
        now = self._clock.now()
        target = f"customer:{customer_id}"
        try:
            code = self._supported(currency)
            if isinstance(overdraft_limit, bool) or overdraft_limit < 0:
                raise ValidationFailed(
                    "the overdraft limit is zero or more", field="overdraft_limit"
                )
            label = (name or f"{code} account").strip()
            if not label or len(label) > 120 or not label.isprintable():
                raise ValidationFailed("an account name of 1 to 120 characters", field="name")
            account_id = uuid4()
            async with self._db.transaction() as conn:
                if idempotency_key is not None:
                    request = {
                        "customer_id": str(customer_id),
                        "currency": code,
                        "name": label,
                        "overdraft_limit": overdraft_limit,
                    }
                    claim = await idempotency.claim(
                        conn,
                        scope=str(actor),
                        key=idempotency_key,
                        command="open_account",
                        fingerprint_=idempotency.fingerprint("open_account", request),
                        resource_id=account_id,
                        at=now,
                    )
                    if not claim.is_new:
                        return await self._find(conn, claim.resource_id)
                if (
                    await conn.execute(select(customers.c.id).where(customers.c.id == customer_id))
                ).first() is None:
                    raise CustomerNotFound(customer_id=str(customer_id))
                view = await self._insert(
                    conn,
                    account_id=account_id,
                    customer_id=customer_id,
                    kind=AccountKind.CUSTOMER,
                    purpose=None,
                    currency=code,
                    name=label,
                    overdraft_limit=overdraft_limit,
                    allow_negative=False,
                )
                await events.record(
                    conn,
                    "account.opened",
                    view.id,
                    {
                        "account_id": str(view.id),
                        "customer_id": str(customer_id),
                        "currency": code,
                    },
                    now,
                )
                await record(
                    conn,
                    now,
                    actor,
                    "open_account",
                    f"account:{view.id}",
                    {"currency": code, "customer_id": str(customer_id)},
                )
                return view
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "open_account", target, exc)
            raise

    async def get(self, account_id: UUID) -> AccountView:
        async with self._db.read() as conn:
            return await self._find(conn, account_id)

    async def _find(self, conn: AsyncConnection, account_id: UUID) -> AccountView:
        row = (
            await conn.execute(select(accounts).where(accounts.c.id == account_id))
        ).one_or_none()
        if row is None:
            raise AccountNotFound(account_id=str(account_id))
        return _view(row)

    async def for_customer(self, customer_id: UUID) -> list[AccountView]:
        async with self._db.read() as conn:
            rows = (await conn.execute(_OF_CUSTOMER, {"customer_id": customer_id})).all()
        return [_view(r) for r in rows]

    async def freeze(self, account_id: UUID, actor: Actor, reason: str) -> AccountView:
        return await self._set_status(account_id, AccountStatus.FROZEN, actor, reason)

    async def unfreeze(self, account_id: UUID, actor: Actor, reason: str) -> AccountView:
        return await self._set_status(account_id, AccountStatus.OPEN, actor, reason)

    async def close(self, account_id: UUID, actor: Actor, reason: str) -> AccountView:
        return await self._set_status(account_id, AccountStatus.CLOSED, actor, reason)

    async def set_overdraft_limit(self, account_id: UUID, limit: int, actor: Actor) -> AccountView:
        now = self._clock.now()
        target = f"account:{account_id}"
        try:
            if isinstance(limit, bool) or limit < 0:
                raise ValidationFailed(
                    "the overdraft limit is zero or more", field="overdraft_limit"
                )
            async with self._db.transaction() as conn:
                state = (await lock_accounts(conn, [account_id]))[account_id]
                state.ensure_usable()
                if state.balance - state.held + limit < 0:
                    raise InsufficientFunds(
                        "the balance already uses more than this limit",
                        account_id=str(account_id),
                        available=state.available - state.overdraft_limit,
                    )
                await conn.execute(
                    update(accounts)
                    .where(accounts.c.id == account_id)
                    .values(overdraft_limit=limit, updated_at=now)
                )
                await record(conn, now, actor, "set_overdraft_limit", target, {"limit": limit})
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "set_overdraft_limit", target, exc)
            raise
        return await self.get(account_id)

    # -- helpers ----------------------------------------------------------------------

    async def _set_status(
        self, account_id: UUID, status: AccountStatus, actor: Actor, reason: str
    ) -> AccountView:
        now = self._clock.now()
        action = {
            AccountStatus.FROZEN: "freeze_account",
            AccountStatus.OPEN: "unfreeze_account",
            AccountStatus.CLOSED: "close_account",
        }[status]
        target = f"account:{account_id}"
        try:
            if not reason.strip() or len(reason) > 200:
                raise ValidationFailed("a reason of 1 to 200 characters", field="reason")
            async with self._db.transaction() as conn:
                state = (await lock_accounts(conn, [account_id]))[account_id]
                if state.allow_negative:
                    raise ValidationFailed(
                        "the bank's own accounts cannot change status", field="account_id"
                    )
                if state.status is AccountStatus.CLOSED:
                    state.ensure_usable()  # closed is final
                if status is AccountStatus.CLOSED and (state.balance or state.held):
                    raise AccountNotEmpty(
                        account_id=str(account_id), balance=state.balance, held=state.held
                    )
                await conn.execute(
                    update(accounts)
                    .where(accounts.c.id == account_id)
                    .values(status=status.value, updated_at=now)
                )
                await events.record(
                    conn,
                    f"account.{status.value}",
                    account_id,
                    {"account_id": str(account_id), "reason": reason},
                    now,
                )
                await record(conn, now, actor, action, target, {"reason": reason})
        except CoreError as exc:
            await record_rejection(self._db, now, actor, action, target, exc)
            raise
        return await self.get(account_id)

    def _supported(self, currency: str) -> str:
        code = Currency.of(currency).code
        if code not in self.currencies:
            raise UnknownCurrency(
                "Teller does not keep accounts in this currency",
                currency=code,
                supported=",".join(self.currencies),
            )
        return code

    async def _insert(
        self,
        conn: AsyncConnection,
        *,
        account_id: UUID,
        customer_id: UUID | None,
        kind: AccountKind,
        purpose: BankPurpose | None,
        currency: str,
        name: str,
        overdraft_limit: int,
        allow_negative: bool,
    ) -> AccountView:
        now = self._clock.now()
        for _ in range(_NUMBER_ATTEMPTS):
            number = new_iban(self._identity.country, self._identity.bank_code)
            values = dict(
                id=account_id,
                number=number,
                customer_id=customer_id,
                kind=kind.value,
                purpose=None if purpose is None else purpose.value,
                name=name,
                currency=currency,
                status=AccountStatus.OPEN.value,
                balance=0,
                held=0,
                overdraft_limit=overdraft_limit,
                allow_negative=allow_negative,
                version=0,
                created_at=now,
                updated_at=now,
            )
            try:
                async with conn.begin_nested():
                    await conn.execute(insert(accounts).values(**values))
            except IntegrityError:  # a number collision: one in a billion, try another
                continue
            return AccountView(
                account_id,
                number,
                customer_id,
                kind,
                purpose,
                name,
                currency,
                AccountStatus.OPEN,
                0,
                0,
                overdraft_limit,
                now,
            )
        raise RuntimeError("could not find a free account number")


def _view(row: AnyRow) -> AccountView:
    return AccountView(
        id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        kind=AccountKind(row.kind),
        purpose=None if row.purpose is None else BankPurpose(row.purpose),
        name=row.name,
        currency=row.currency,
        status=AccountStatus(row.status),
        balance=int(row.balance),
        held=int(row.held),
        overdraft_limit=int(row.overdraft_limit),
        created_at=row.created_at,
    )
