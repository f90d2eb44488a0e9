"""Core views → the wrapper's types, for ``LocalBank``. Core types stop here."""

from __future__ import annotations

from core.accounts.service import AccountView
from core.customers.model import CustomerView
from core.ledger.views import BalanceView, EntryView, HoldView, StatementPage
from integrations.bank.checks import format_cursor
from integrations.bank.types import (
    Account,
    AccountStatus,
    Balance,
    Customer,
    Entry,
    EntryKind,
    Hold,
    HoldStatus,
    KycStatus,
    Posting,
    Statement,
    StatementLine,
)


def customer_of(v: CustomerView) -> Customer:
    return Customer(
        id=v.id,
        full_name=v.full_name,
        language=v.language,
        kyc_status=KycStatus(v.kyc_status.value),
        phone=v.phone,
        email=v.email,
        created_at=v.created_at,
    )


def account_of(v: AccountView) -> Account:
    return Account(
        id=v.id,
        number=v.number,
        customer_id=v.customer_id,
        name=v.name,
        currency=v.currency,
        status=AccountStatus(v.status.value),
        balance_minor=v.balance,
        held_minor=v.held,
        available_minor=v.available,
        overdraft_limit_minor=v.overdraft_limit,
        created_at=v.created_at,
    )


def balance_of(v: BalanceView) -> Balance:
    return Balance(
        account_id=v.account_id,
        currency=v.currency,
        ledger_minor=v.ledger,
        held_minor=v.held,
        available_minor=v.available,
        overdraft_limit_minor=v.overdraft_limit,
    )


def entry_of(v: EntryView) -> Entry:
    return Entry(
        id=v.id,
        kind=EntryKind(v.kind.value),
        description=v.description,
        created_at=v.created_at,
        postings=tuple(
            Posting(p.account_id, p.amount, p.currency, p.balance_after) for p in v.postings
        ),
        reverses_entry_id=v.reverses_entry_id,
    )


def hold_of(v: HoldView) -> Hold:
    return Hold(
        id=v.id,
        account_id=v.account_id,
        counterparty_account_id=v.counterparty_account_id,
        amount_minor=v.amount,
        currency=v.currency,
        status=HoldStatus(v.status.value),
        posted_amount_minor=v.posted_amount,
        entry_id=v.entry_id,
        description=v.description,
        expires_at=v.expires_at,
        created_at=v.created_at,
    )


def statement_of(v: StatementPage) -> Statement:
    return Statement(
        account_id=v.account_id,
        currency=v.currency,
        since=v.since,
        until=v.until,
        opening_balance_minor=v.opening_balance,
        closing_balance_minor=v.closing_balance,
        total_credits_minor=v.total_credits,
        total_debits_minor=v.total_debits,
        lines=tuple(
            StatementLine(
                entry_id=ln.entry_id,
                kind=EntryKind(ln.kind.value),
                description=ln.description,
                at=ln.at,
                amount_minor=ln.amount,
                balance_after_minor=ln.balance_after,
            )
            for ln in v.lines
        ),
        next_cursor=format_cursor(v.next_cursor),
    )
