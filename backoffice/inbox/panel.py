"""The customer beside the conversation: identity check status, accounts (masked numbers,
balances), recent transactions and cards (last four digits only), read from the core.
Nothing here changes the bank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from core.accounts.service import AccountView
from core.bank import Bank
from core.errors import NotFound
from core.ledger.views import StatementLine
from core.money import Money, format_money

RECENT = 10  # transactions shown
HISTORY = timedelta(days=90)  # how far back recent transactions are looked for
PAGES = 5  # statement pages read per account at most (500 postings each)


def masked(number: str) -> str:
    """An account or card number as staff see it: the last four digits."""
    return "•• " + number[-4:] if number else ""


@dataclass(frozen=True, slots=True)
class AccountLine:
    number: str  # masked
    name: str
    currency: str
    balance: str
    available: str
    status: str


@dataclass(frozen=True, slots=True)
class TransactionLine:
    at: datetime
    account: str  # masked
    description: str
    amount: str
    incoming: bool


@dataclass(frozen=True, slots=True)
class CardLine:
    last4: str
    tier: str
    status: str
    expiry: str


@dataclass(frozen=True, slots=True)
class Panel:
    name: str
    kyc_status: str
    language: str
    accounts: list[AccountLine]
    transactions: list[TransactionLine]
    cards: list[CardLine]


def _expiry(month: int, year: int) -> str:
    return f"{month:02d}/{year % 100:02d}"


def _money(minor: int, currency: str, locale: str) -> str:
    return format_money(Money.of(minor, currency), locale)


async def _recent(
    bank: Bank, account: AccountView, now: datetime, locale: str
) -> list[TransactionLine]:
    lines: list[StatementLine] = []
    after: int | None = None
    for _ in range(PAGES):
        page = await bank.ledger.statement(
            account.id,
            since=now - HISTORY,
            until=now + timedelta(seconds=1),
            after_seq=after,
            limit=500,
        )
        lines.extend(page.lines[-RECENT:])
        if page.next_cursor is None:
            break
        after = page.next_cursor
    return [
        TransactionLine(
            line.at,
            masked(account.number),
            line.description,
            _money(line.amount, account.currency, locale),
            line.amount > 0,
        )
        for line in lines[-RECENT:]
    ]


async def names(bank: Bank, customer_ids: list[str | None]) -> dict[str, str]:
    """Customers' names for the queue, by id; unknown or malformed ids are left out."""
    found: dict[str, str] = {}
    for customer_id in dict.fromkeys(c for c in customer_ids if c):
        try:
            found[customer_id] = (await bank.customers.get(UUID(customer_id))).full_name
        except (ValueError, NotFound):
            continue
    return found


async def panel(bank: Bank, customer_id: str | None, now: datetime, locale: str) -> Panel | None:
    """The customer's panel, or None when the conversation has no (known) customer."""
    if not customer_id:
        return None
    try:
        customer = await bank.customers.get(UUID(customer_id))
    except (ValueError, NotFound):
        return None
    accounts = await bank.accounts.for_customer(customer.id)
    transactions: list[TransactionLine] = []
    for account in accounts:
        transactions += await _recent(bank, account, now, locale)
    transactions.sort(key=lambda t: t.at, reverse=True)
    cards = await bank.cards.for_customer(customer.id)
    return Panel(
        name=customer.full_name,
        kyc_status=customer.kyc_status.value,
        language=customer.language,
        accounts=[
            AccountLine(
                masked(a.number),
                a.name,
                a.currency,
                _money(a.balance, a.currency, locale),
                _money(a.available, a.currency, locale),
                a.status.value,
            )
            for a in accounts
        ],
        transactions=transactions[:RECENT],
        cards=[
            CardLine(c.last4, c.tier.value, c.status.value, _expiry(c.expiry.month, c.expiry.year))
            for c in cards
        ],
    )
