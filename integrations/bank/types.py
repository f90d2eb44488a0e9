"""What ``BankAPI`` takes and returns: the wrapper's own plain, immutable values.

No core type appears here, so a bank can put its own core banking system behind
``BankAPI`` without flows noticing. Money is always integer minor units with an ISO 4217
code; enums are ``StrEnum`` so their values are the API's strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID


@dataclass(frozen=True, slots=True)
class Amount:
    """An amount of money: whole minor units (cents) of an ISO 4217 currency."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        # A float or a bool here is a bug in the caller, never a customer's input.
        if type(self.minor) is not int:
            raise TypeError(f"minor units are an int, not {type(self.minor).__name__}")
        if not isinstance(self.currency, str):
            raise TypeError("a currency is an ISO 4217 code")
        object.__setattr__(self, "currency", self.currency.upper())


class KycStatus(StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class AccountStatus(StrEnum):
    OPEN = "open"
    FROZEN = "frozen"
    CLOSED = "closed"


class EntryKind(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    TRANSFER = "transfer"
    REVERSAL = "reversal"
    HOLD_POST = "hold_post"
    # Products' entries (multi-leg: an operation and its fee are one entry).
    PAYMENT = "payment"  # a bill paid to a biller
    EXCHANGE = "exchange"  # two currencies through the FX position accounts
    CARD_PURCHASE = "card_purchase"  # a cleared card authorization
    TOPUP = "topup"  # money in from a card of another bank
    PAYOUT = "payout"  # money out to a card of another bank
    FEE = "fee"
    CASHBACK = "cashback"
    REWARD = "reward"  # referral and partner programs


class HoldStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Customer:
    id: UUID
    full_name: str
    language: str
    kyc_status: KycStatus
    phone: str | None
    email: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Account:
    """An account and its balances when it was read."""

    id: UUID
    number: str  # the IBAN
    customer_id: UUID | None  # None for the bank's own accounts
    name: str
    currency: str
    status: AccountStatus
    balance_minor: int
    held_minor: int
    available_minor: int
    overdraft_limit_minor: int
    created_at: datetime

    @property
    def available(self) -> Amount:
        return Amount(self.available_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Balance:
    """The ledger balance, the money held by pending holds, and what can be spent now."""

    account_id: UUID
    currency: str
    ledger_minor: int
    held_minor: int
    available_minor: int  # ledger - held + overdraft limit
    overdraft_limit_minor: int

    @property
    def ledger(self) -> Amount:
        return Amount(self.ledger_minor, self.currency)

    @property
    def available(self) -> Amount:
        return Amount(self.available_minor, self.currency)


@dataclass(frozen=True, slots=True)
class Posting:
    """One leg of an entry: signed (+ credit, - debit), with the account's balance after it."""

    account_id: UUID
    amount_minor: int
    currency: str
    balance_after_minor: int


@dataclass(frozen=True, slots=True)
class Entry:
    """A journal entry: what a deposit, withdrawal, transfer or posted hold produced."""

    id: UUID
    kind: EntryKind
    description: str
    created_at: datetime
    postings: tuple[Posting, ...]
    reverses_entry_id: UUID | None = None

    def posting_for(self, account_id: UUID) -> Posting:
        """The posting on ``account_id``; ``KeyError`` when the entry does not touch it."""
        for posting in self.postings:
            if posting.account_id == account_id:
                return posting
        raise KeyError(str(account_id))


@dataclass(frozen=True, slots=True)
class Hold:
    """Money reserved on ``account_id`` for a later capture to ``counterparty_account_id``."""

    id: UUID
    account_id: UUID
    counterparty_account_id: UUID
    amount_minor: int
    currency: str
    status: HoldStatus
    posted_amount_minor: int | None
    entry_id: UUID | None  # the entry that captured it, once posted
    description: str
    expires_at: datetime
    created_at: datetime

    @property
    def amount(self) -> Amount:
        return Amount(self.amount_minor, self.currency)


@dataclass(frozen=True, slots=True)
class StatementLine:
    entry_id: UUID
    kind: EntryKind
    description: str
    at: datetime
    amount_minor: int  # signed: + money in, - money out
    balance_after_minor: int  # the running balance


@dataclass(frozen=True, slots=True)
class Statement:
    """One page of an account's statement for ``[since, until)``.

    Opening and closing balances and the totals cover the whole period, not just this
    page; ``next_cursor`` is an opaque token for the next page, or None on the last one.
    """

    account_id: UUID
    currency: str
    since: datetime
    until: datetime
    opening_balance_minor: int
    closing_balance_minor: int
    total_credits_minor: int
    total_debits_minor: int
    lines: tuple[StatementLine, ...]
    next_cursor: str | None
