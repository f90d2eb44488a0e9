"""``BankAPI``: everything flows may ask of the bank, and nothing else.

Flows depend on this Protocol only. ``LocalBank`` serves it in-process over the core;
``HttpBank`` over the core's REST API; a bank with its own core banking system can write
a third. One contract suite (``tests/contract``) holds every implementation to the same
behaviour, down to the error class and code.

Rules every implementation keeps:

* IDs are ``uuid.UUID``; money is :class:`~integrations.bank.types.Amount` in minor units.
* Every money-moving call takes the caller's idempotency key (1–128 printable ASCII
  characters; flows create it when they show the customer the summary). The same key with
  the same request returns the first result and moves money once; the same key with a
  different request raises :class:`~integrations.bank.errors.IdempotencyConflict`.
* Failures raise :class:`~integrations.bank.errors.BankError` subclasses carrying the
  core's stable ``code``; :class:`~integrations.bank.errors.BankUnavailable` means "try
  again later with the same key".
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from integrations.bank.bills import BillsAPI
from integrations.bank.cards.api import CardsAPI
from integrations.bank.fx import FxAPI
from integrations.bank.kyc import KycAPI
from integrations.bank.moneyio import MoneyIoAPI
from integrations.bank.payments import PaymentsAPI
from integrations.bank.receipts import ReceiptsAPI
from integrations.bank.referrals import ReferralsAPI
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


class BankAPI(
    BillsAPI, CardsAPI, FxAPI, KycAPI, MoneyIoAPI, PaymentsAPI, ReceiptsAPI, ReferralsAPI, Protocol
):
    """The bank as flows see it: customers, accounts, balances, statements and money."""

    """The bank as flows see it: customers, accounts, balances, statements and money;
    cards (``CardsAPI``)."""

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
        """Register a customer, unverified until KYC decides.

        ``phone`` is E.164-like (``+420 601 234 567``); a phone or e-mail already in use
        raises ``Conflict`` (``CUSTOMER_EXISTS``); bad input raises ``InvalidRequest``.
        With an ``idempotency_key`` a repeated call returns the customer it first created.
        """
        ...

    async def get_customer(self, customer_id: UUID) -> Customer:
        """The customer, or ``NotFound`` (``CUSTOMER_NOT_FOUND``)."""
        ...

    async def change_contact(
        self, customer_id: UUID, *, phone: str | None = None, email: str | None = None
    ) -> Customer:
        """Replace the customer's phone and/or e-mail, once the caller confirmed it (a
        one-time code). One used by another customer raises ``Conflict``
        (``CUSTOMER_EXISTS``); neither given raises ``InvalidRequest``."""
        ...

    async def set_kyc_status(self, customer_id: UUID, status: KycStatus) -> Customer:
        """Record how far the customer's identity verification got; returns the customer."""
        ...

    # -- accounts ---------------------------------------------------------------------

    async def open_account(
        self,
        customer_id: UUID,
        currency: str,
        *,
        name: str | None = None,
        idempotency_key: str | None = None,
    ) -> Account:
        """Open an account in one of the bank's currencies (``UNKNOWN_CURRENCY`` if not).

        With an ``idempotency_key`` a repeated call returns the account it first opened.
        """
        ...

    async def list_accounts(self, customer_id: UUID) -> list[Account]:
        """The customer's accounts, oldest first; ``NotFound`` for an unknown customer."""
        ...

    async def get_account(self, account_id: UUID) -> Account:
        """The account with its balances, or ``NotFound`` (``ACCOUNT_NOT_FOUND``)."""
        ...

    async def get_balance(self, account_id: UUID) -> Balance:
        """Ledger balance, held amount and what is available to spend now."""
        ...

    async def get_statement(
        self,
        account_id: UUID,
        since: datetime,
        until: datetime,
        cursor: str | None = None,
        limit: int = 50,
    ) -> Statement:
        """A page of the statement for ``[since, until)``, oldest first, running balances.

        ``since`` and ``until`` must be time-zone aware; ``limit`` is 1–500. Pass the
        page's ``next_cursor`` as ``cursor`` to read the next page.
        """
        ...

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
        """Move ``amount`` between two accounts of its currency.

        Raises ``InsufficientFunds``, ``AccountUnavailable`` (frozen or closed),
        ``NotFound``, ``InvalidRequest`` (``CURRENCY_MISMATCH``, ``SAME_ACCOUNT``,
        ``NON_POSITIVE_AMOUNT`` …) or ``IdempotencyConflict``; a refused transfer moves
        nothing and leaves the key unused.
        """
        ...

    async def deposit(
        self, account_id: UUID, amount: Amount, *, description: str, idempotency_key: str
    ) -> Entry:
        """Credit money that entered the bank (cash-in, top-up) to ``account_id``."""
        ...

    async def withdraw(
        self, account_id: UUID, amount: Amount, *, description: str, idempotency_key: str
    ) -> Entry:
        """Debit money that leaves the bank (cash-out) from ``account_id``."""
        ...

    async def get_entry(self, entry_id: UUID) -> Entry:
        """The journal entry with its postings, or ``NotFound`` (``ENTRY_NOT_FOUND``)."""
        ...

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
        """Reserve ``amount`` on ``account_id`` for a later capture to the counterparty.

        The same rules as a transfer apply now (funds, status, currency). The hold expires
        after ``ttl_seconds`` (1 second to 31 days; the bank's default when None).
        """
        ...

    async def get_hold(self, hold_id: UUID) -> Hold:
        """The hold, or ``NotFound`` (``HOLD_NOT_FOUND``)."""
        ...

    async def post_hold(
        self, hold_id: UUID, *, idempotency_key: str, amount: Amount | None = None
    ) -> Hold:
        """Capture a pending hold, fully (``amount`` None) or partly; the rest is released.

        More than the held amount raises ``InvalidRequest`` (``HOLD_AMOUNT_EXCEEDED``); a
        different currency ``InvalidRequest`` (``CURRENCY_MISMATCH``); a hold no longer
        pending ``Conflict`` (``HOLD_NOT_PENDING`` or ``HOLD_EXPIRED``).
        """
        ...

    async def void_hold(self, hold_id: UUID, *, idempotency_key: str) -> Hold:
        """Release a pending hold without moving money."""
        ...
