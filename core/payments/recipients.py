"""Finding the Teller customer a payer means: by account number, by phone, and (plugged in
by the cards area) by card number.

A resolver turns what the payer typed into an account of another customer in the
transfer's currency, with what the confirmation may show of them: a masked name ("Ivan
P.") and the last digits of the account. What the payer typed is never kept, logged or
put in an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from sqlalchemy import select

from core.accounts.numbers import is_valid_iban
from core.accounts.service import AccountService, AccountView
from core.customers.service import CustomerNotFound, CustomerService
from core.errors import ValidationFailed
from core.ledger.errors import AccountFrozen, AccountNotFound
from core.ledger.model import AccountKind, AccountStatus
from core.money import CurrencyMismatch
from core.payments.errors import RecipientHasNoAccount, RecipientNotFound
from core.payments.model import RecipientKind, last_digits, mask_name
from core.persistence.database import Database
from core.persistence.tables import accounts


@dataclass(frozen=True, slots=True)
class RecipientRef:
    """How a payer names a recipient: a kind (``account``, ``phone``, ``card``) and the
    text they typed. Kept only in memory while the recipient is resolved."""

    kind: str
    value: str

    def __repr__(self) -> str:  # the value is personal data: never in a log line
        return f"RecipientRef(kind={self.kind!r})"


@dataclass(frozen=True, slots=True)
class Recipient:
    """A resolved recipient: their account and what a payer may be shown."""

    kind: str
    customer_id: UUID
    account_id: UUID
    currency: str
    display_name: str  # "Ivan P."
    account_last4: str  # "4242"


class RecipientResolver(Protocol):
    """Resolves one kind of recipient reference (see :class:`Recipients`)."""

    kind: str

    async def resolve(self, value: str, currency: str) -> Recipient:
        """The customer account ``value`` names, able to receive ``currency``.

        Raise ``RecipientNotFound`` when nobody matches, ``RecipientHasNoAccount`` when
        the customer has no open account in ``currency``, ``ValidationFailed`` for a value
        of the wrong shape; never put ``value`` in an error.
        """
        ...


async def recipient_of(
    customers: CustomerService, account: AccountView, currency: str, kind: str
) -> Recipient:
    """The :class:`Recipient` for a customer account, checked able to receive ``currency``."""
    if account.customer_id is None or account.status is AccountStatus.CLOSED:
        raise RecipientNotFound()
    if account.currency != currency:
        raise CurrencyMismatch(account_currency=account.currency, currency=currency)
    if account.status is AccountStatus.FROZEN:
        raise AccountFrozen("the recipient's account cannot receive money now")
    customer = await customers.get(account.customer_id)
    return Recipient(
        kind,
        customer.id,
        account.id,
        currency,
        mask_name(customer.full_name),
        last_digits(account.number),
    )


class AccountNumberResolver:
    """By the IBAN of a Teller customer's account."""

    kind = RecipientKind.ACCOUNT.value

    def __init__(self, db: Database, accounts_: AccountService, customers: CustomerService):
        self._db = db
        self._accounts = accounts_
        self._customers = customers

    async def resolve(self, value: str, currency: str) -> Recipient:
        iban = value.replace(" ", "").upper()
        if not is_valid_iban(iban):
            raise ValidationFailed("an IBAN with valid check digits", field="recipient.value")
        async with self._db.read() as conn:
            found = (
                await conn.execute(
                    select(accounts.c.id).where(
                        accounts.c.number == iban, accounts.c.kind == AccountKind.CUSTOMER.value
                    )
                )
            ).scalar_one_or_none()
        if found is None:
            raise RecipientNotFound()
        return await recipient_of(
            self._customers, await self._accounts.get(found), currency, self.kind
        )


class PhoneResolver:
    """By the phone number of a registered customer: their oldest open account in the
    transfer's currency receives it."""

    kind = RecipientKind.PHONE.value

    def __init__(self, accounts_: AccountService, customers: CustomerService) -> None:
        self._accounts = accounts_
        self._customers = customers

    async def resolve(self, value: str, currency: str) -> Recipient:
        try:
            customer = await self._customers.find_by_phone(value)
        except CustomerNotFound:
            raise RecipientNotFound() from None
        for account in await self._accounts.for_customer(customer.id):
            if account.currency == currency and account.status is AccountStatus.OPEN:
                return await recipient_of(self._customers, account, currency, self.kind)
        raise RecipientHasNoAccount(currency=currency)


class Recipients:
    """The resolvers by kind. ``register`` plugs in another (the cards area's, by card
    number: ``kind = "card"``, finding the card through the vault's keyed hash)."""

    def __init__(self, *resolvers: RecipientResolver) -> None:
        self._resolvers: dict[str, RecipientResolver] = {}
        for resolver in resolvers:
            self.register(resolver)

    def register(self, resolver: RecipientResolver) -> None:
        """Add (or replace) the resolver for ``resolver.kind``."""
        self._resolvers[resolver.kind] = resolver

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(sorted(self._resolvers))

    async def resolve(self, ref: RecipientRef, currency: str) -> Recipient:
        resolver = self._resolvers.get(ref.kind)
        if resolver is None:
            raise ValidationFailed(f"one of {', '.join(self.kinds)}", field="recipient.kind")
        if not ref.value.strip() or len(ref.value) > 64:
            raise ValidationFailed("a recipient of 1 to 64 characters", field="recipient.value")
        return await resolver.resolve(ref.value, currency)


async def account_recipient(
    accounts_: AccountService, customers: CustomerService, account_id: UUID, currency: str
) -> Recipient:
    """A recipient named by account id (a money request's requester): never a bank account."""
    try:
        account = await accounts_.get(account_id)
    except AccountNotFound:
        raise RecipientNotFound() from None
    return await recipient_of(customers, account, currency, RecipientKind.ACCOUNT.value)
