"""Request and response bodies of the core API (``XCreate`` in, ``XOut`` out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from core.accounts.service import AccountView
from core.customers.model import CustomerView
from core.ledger.views import EntryView, HoldView, StatementPage
from core.money import MAX_INTEGER_DIGITS, Currency, InvalidAmount, Money

Currency3 = Annotated[str, Field(min_length=3, max_length=3, examples=["EUR"])]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
# Far above any real limit and far below the 64-bit columns that hold limits and balances
# (PostgreSQL BIGINT, SQLite INTEGER): a larger value is an error, not a database crash.
MAX_LIMIT_MINOR = 10**17


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AmountIn(_In):
    """An amount as integer minor units (``amount_minor``) or a decimal string (``amount``)."""

    amount_minor: StrictInt | None = Field(default=None, examples=[1250])
    amount: str | None = Field(default=None, max_length=32, examples=["12.50"])
    currency: Currency3

    @model_validator(mode="after")
    def _one_amount(self) -> AmountIn:
        if (self.amount_minor is None) == (self.amount is None):
            raise ValueError("give exactly one of amount_minor and amount")
        return self

    def minor(self) -> int:
        """Minor units, refusing too many decimals for the currency (a stable code).

        ``amount`` goes to ``Money.from_decimal`` as text, so that only plain decimals
        pass ("1e3", "1_000", " 5", ".5" are what ``Decimal()`` accepts but people do not
        mean). ``amount_minor`` gets the same ceiling as the decimal form: fifteen
        integer digits in major units.
        """
        currency = Currency.of(self.currency)
        if self.amount_minor is None:
            return Money.from_decimal(str(self.amount), currency.code).minor
        if abs(self.amount_minor) >= 10 ** (MAX_INTEGER_DIGITS + currency.exponent):
            raise InvalidAmount("The amount is too large.", field="amount_minor")
        return self.amount_minor


class CustomerCreate(_In):
    full_name: Annotated[str, Field(min_length=1, max_length=120)]
    language: str = "en"
    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)


class ContactChange(_In):
    """A new phone number and/or e-mail, already confirmed by the caller (a one-time code)."""

    phone: str | None = Field(default=None, max_length=32)
    email: str | None = Field(default=None, max_length=254)


class KycUpdate(_In):
    status: Annotated[str, Field(pattern="^(unverified|pending|verified|rejected)$")]


class CustomerOut(BaseModel):
    id: UUID
    full_name: str
    phone: str | None
    email: str | None
    language: str
    kyc_status: str
    created_at: datetime

    @classmethod
    def of(cls, v: CustomerView) -> CustomerOut:
        return cls(
            id=v.id,
            full_name=v.full_name,
            phone=v.phone,
            email=v.email,
            language=v.language,
            kyc_status=v.kyc_status.value,
            created_at=v.created_at,
        )


class AccountCreate(_In):
    currency: Currency3
    name: str | None = Field(default=None, max_length=120)
    overdraft_limit_minor: StrictInt = Field(default=0, ge=0, le=MAX_LIMIT_MINOR)


class StatusChange(_In):
    reason: Text200


class OverdraftChange(_In):
    overdraft_limit_minor: StrictInt = Field(ge=0, le=MAX_LIMIT_MINOR)


class AccountOut(BaseModel):
    id: UUID
    number: str
    customer_id: UUID | None
    kind: str
    purpose: str | None
    name: str
    currency: str
    status: str
    balance_minor: int
    held_minor: int
    available_minor: int
    overdraft_limit_minor: int
    created_at: datetime

    @classmethod
    def of(cls, v: AccountView) -> AccountOut:
        return cls(
            id=v.id,
            number=v.number,
            customer_id=v.customer_id,
            kind=v.kind.value,
            purpose=None if v.purpose is None else v.purpose.value,
            name=v.name,
            currency=v.currency,
            status=v.status.value,
            balance_minor=v.balance,
            held_minor=v.held,
            available_minor=v.available,
            overdraft_limit_minor=v.overdraft_limit,
            created_at=v.created_at,
        )


class BalanceOut(BaseModel):
    account_id: UUID
    currency: str
    ledger_minor: int
    held_minor: int
    available_minor: int
    overdraft_limit_minor: int


class DepositCreate(AmountIn):
    account_id: UUID
    description: Text200 = "Deposit"


class WithdrawalCreate(AmountIn):
    account_id: UUID
    description: Text200 = "Withdrawal"


class TransferCreate(AmountIn):
    source_account_id: UUID
    destination_account_id: UUID
    description: Text200 = "Transfer"


class ReversalCreate(_In):
    reason: Text200


class HoldCreate(AmountIn):
    account_id: UUID
    counterparty_account_id: UUID
    description: Text200 = "Hold"
    ttl_seconds: StrictInt = Field(default=7 * 24 * 3600, gt=0, le=31 * 24 * 3600)


class HoldPost(_In):
    amount_minor: StrictInt | None = Field(default=None, gt=0)


class PostingOut(BaseModel):
    account_id: UUID
    amount_minor: int
    currency: str
    balance_after_minor: int


class EntryOut(BaseModel):
    id: UUID
    kind: str
    description: str
    created_at: datetime
    reverses_entry_id: UUID | None
    postings: list[PostingOut]

    @classmethod
    def of(cls, v: EntryView) -> EntryOut:
        return cls(
            id=v.id,
            kind=v.kind.value,
            description=v.description,
            created_at=v.created_at,
            reverses_entry_id=v.reverses_entry_id,
            postings=[
                PostingOut(
                    account_id=p.account_id,
                    amount_minor=p.amount,
                    currency=p.currency,
                    balance_after_minor=p.balance_after,
                )
                for p in v.postings
            ],
        )


class HoldOut(BaseModel):
    id: UUID
    account_id: UUID
    counterparty_account_id: UUID
    amount_minor: int
    currency: str
    status: str
    posted_amount_minor: int | None
    entry_id: UUID | None
    description: str
    expires_at: datetime
    created_at: datetime

    @classmethod
    def of(cls, v: HoldView) -> HoldOut:
        return cls(
            id=v.id,
            account_id=v.account_id,
            counterparty_account_id=v.counterparty_account_id,
            amount_minor=v.amount,
            currency=v.currency,
            status=v.status.value,
            posted_amount_minor=v.posted_amount,
            entry_id=v.entry_id,
            description=v.description,
            expires_at=v.expires_at,
            created_at=v.created_at,
        )


class StatementLineOut(BaseModel):
    entry_id: UUID
    seq: int
    kind: str
    description: str
    at: datetime
    amount_minor: int
    balance_after_minor: int


class StatementOut(BaseModel):
    account_id: UUID
    currency: str
    since: datetime
    until: datetime
    opening_balance_minor: int
    closing_balance_minor: int
    total_credits_minor: int
    total_debits_minor: int
    lines: list[StatementLineOut]
    next_cursor: int | None

    @classmethod
    def of(cls, v: StatementPage) -> StatementOut:
        return cls(
            account_id=v.account_id,
            currency=v.currency,
            since=v.since,
            until=v.until,
            opening_balance_minor=v.opening_balance,
            closing_balance_minor=v.closing_balance,
            total_credits_minor=v.total_credits,
            total_debits_minor=v.total_debits,
            lines=[
                StatementLineOut(
                    entry_id=ln.entry_id,
                    seq=ln.seq,
                    kind=ln.kind.value,
                    description=ln.description,
                    at=ln.at,
                    amount_minor=ln.amount,
                    balance_after_minor=ln.balance_after,
                )
                for ln in v.lines
            ],
            next_cursor=v.next_cursor,
        )
