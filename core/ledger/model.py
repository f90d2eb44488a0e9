"""The ledger's rules as pure values: no database, no clock, no I/O.

Services load rows, ask these values what the change is, and write the answer. Every
rule that keeps money correct — sum zero per currency, no account past its limit, the
hold state machine — lives here and is unit-tested without a database.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from core.ledger.errors import (
    AccountClosed,
    AccountFrozen,
    HoldAmountExceeded,
    HoldExpired,
    HoldNotPending,
    InsufficientFunds,
    SameAccount,
    UnbalancedEntry,
)
from core.money import CurrencyMismatch, NonPositiveAmount


class AccountStatus(StrEnum):
    OPEN = "open"
    FROZEN = "frozen"
    CLOSED = "closed"


class AccountKind(StrEnum):
    CUSTOMER = "customer"
    BANK = "bank"


class BankPurpose(StrEnum):
    """The bank's own accounts, one of each per supported currency."""

    SETTLEMENT = "settlement"  # cash and clearing: the other side of deposits/withdrawals
    FEE_INCOME = "fee_income"
    FX_POSITION = "fx_position"
    REWARDS_EXPENSE = "rewards_expense"
    SUSPENSE = "suspense"  # money whose destination is not known yet


class HoldStatus(StrEnum):
    PENDING = "pending"
    POSTED = "posted"
    VOIDED = "voided"
    EXPIRED = "expired"


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


@dataclass(frozen=True, slots=True)
class AccountState:
    """The money-relevant part of an account row, as locked by the service."""

    id: UUID
    currency: str
    status: AccountStatus
    balance: int
    held: int
    overdraft_limit: int
    allow_negative: bool
    version: int

    @property
    def available(self) -> int:
        """What can still be spent: balance less holds plus the overdraft limit."""
        return self.balance - self.held + self.overdraft_limit

    def ensure_usable(self) -> None:
        """Money may only move on open accounts."""
        if self.status is AccountStatus.FROZEN:
            raise AccountFrozen(account_id=str(self.id))
        if self.status is AccountStatus.CLOSED:
            raise AccountClosed(account_id=str(self.id))

    def ensure_currency(self, currency: str) -> None:
        if self.currency != currency:
            raise CurrencyMismatch(
                account_id=str(self.id), account_currency=self.currency, currency=currency
            )

    def ensure_can_spend(self, amount: int) -> None:
        if not self.allow_negative and amount > self.available:
            raise InsufficientFunds(
                account_id=str(self.id), available=self.available, requested=amount
            )

    def apply(self, delta: int) -> AccountState:
        """The account after one posting of ``delta`` (signed minor units)."""
        return replace(self, balance=self.balance + delta, version=self.version + 1)

    def with_held(self, delta: int) -> AccountState:
        return replace(self, held=self.held + delta)

    def within_limit(self) -> bool:
        return self.allow_negative or (self.held >= 0 and self.available >= 0)


@dataclass(frozen=True, slots=True)
class PostingDraft:
    account_id: UUID
    amount: int  # signed: + credit, - debit
    currency: str


@dataclass(frozen=True, slots=True)
class PostedLeg:
    """A posting as written, with the account's balance and sequence after it."""

    account_id: UUID
    amount: int
    currency: str
    balance_after: int
    account_seq: int


def ensure_positive(amount: int) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise NonPositiveAmount(amount=str(amount))


def ensure_balanced(drafts: Sequence[PostingDraft]) -> None:
    """Double entry: at least two non-zero postings summing to zero in each currency."""
    if len(drafts) < 2 or any(d.amount == 0 for d in drafts):
        raise UnbalancedEntry("an entry needs two or more non-zero postings")
    totals: dict[str, int] = defaultdict(int)
    for draft in drafts:
        totals[draft.currency] += draft.amount
    unbalanced = {cur: total for cur, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntry(totals=unbalanced)


def movement(source: AccountState, destination: AccountState, amount: int) -> list[PostingDraft]:
    """The postings that move ``amount`` from ``source`` to ``destination``.

    Checks every rule for a plain movement: positive amount, two different usable
    accounts in one currency, and enough available money at the source.
    """
    ensure_positive(amount)
    if source.id == destination.id:
        raise SameAccount(account_id=str(source.id))
    source.ensure_usable()
    destination.ensure_usable()
    destination.ensure_currency(source.currency)
    source.ensure_can_spend(amount)
    return [
        PostingDraft(source.id, -amount, source.currency),
        PostingDraft(destination.id, amount, destination.currency),
    ]


def reversal(original: Iterable[PostingDraft]) -> list[PostingDraft]:
    """The postings that undo an entry: each original posting negated."""
    return [PostingDraft(p.account_id, -p.amount, p.currency) for p in original]


def apply_postings(
    states: dict[UUID, AccountState], drafts: Sequence[PostingDraft]
) -> tuple[dict[UUID, AccountState], list[PostedLeg]]:
    """Apply balanced postings to locked account states, checking every limit.

    Returns the new states and the legs with their running balances, in the order of
    ``drafts``. Debits are checked against availability; a posting never leaves an
    account past its limit.
    """
    ensure_balanced(drafts)
    new_states = dict(states)
    legs: list[PostedLeg] = []
    for draft in drafts:
        state = new_states[draft.account_id]
        state.ensure_currency(draft.currency)
        if draft.amount < 0:
            state.ensure_can_spend(-draft.amount)
        state = state.apply(draft.amount)
        new_states[draft.account_id] = state
        legs.append(
            PostedLeg(draft.account_id, draft.amount, draft.currency, state.balance, state.version)
        )
    return new_states, legs


@dataclass(frozen=True, slots=True)
class HoldState:
    """A reservation of money on an account: pending → posted | voided | expired."""

    id: UUID
    account_id: UUID
    counterparty_account_id: UUID
    amount: int
    currency: str
    status: HoldStatus
    expires_at: datetime

    def ensure_pending(self, now: datetime) -> None:
        if self.status is not HoldStatus.PENDING:
            raise HoldNotPending(hold_id=str(self.id), status=self.status.value)
        if now >= self.expires_at:
            raise HoldExpired(hold_id=str(self.id), expires_at=self.expires_at.isoformat())

    def post(self, amount: int, now: datetime) -> HoldState:
        """Capture ``amount`` (at most the held amount); the rest is released."""
        self.ensure_pending(now)
        ensure_positive(amount)
        if amount > self.amount:
            raise HoldAmountExceeded(hold_id=str(self.id), held=self.amount, requested=amount)
        return replace(self, status=HoldStatus.POSTED)

    def void(self, now: datetime) -> HoldState:
        self.ensure_pending(now)
        return replace(self, status=HoldStatus.VOIDED)

    def expire(self, now: datetime) -> HoldState:
        """Only a pending hold past its expiry time expires."""
        if self.status is not HoldStatus.PENDING:
            raise HoldNotPending(hold_id=str(self.id), status=self.status.value)
        if now < self.expires_at:
            raise HoldNotPending(hold_id=str(self.id), status="not_yet_expired")
        return replace(self, status=HoldStatus.EXPIRED)
