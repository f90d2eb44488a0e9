"""The ledger's commands and queries: every money movement in Teller goes through here.

Each command is validated, then run by ``core.ledger.runner`` (idempotent, audited, one
transaction) doing the work of ``core.ledger.operations``.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from core import idempotency
from core.actors import Actor
from core.audit.chain import AuditRecord
from core.clock import Clock
from core.errors import ValidationFailed
from core.ledger import operations as ops
from core.ledger import repository as repo
from core.ledger import statements
from core.ledger.commands import (
    Deposit,
    PlaceHold,
    PostEntry,
    PostHold,
    Reverse,
    Transfer,
    VoidHold,
    Withdraw,
    _Command,
)
from core.ledger.model import BankPurpose, EntryKind, HoldStatus, PostingDraft, ensure_positive
from core.ledger.runner import Command, Work, execute, no_check, no_locks
from core.ledger.store import LedgerStore, open_store
from core.ledger.views import BalanceView, EntryView, HoldView, StatementPage
from core.money import Currency, UnknownCurrency
from core.persistence.database import Database

MAX_DESCRIPTION = 200
MAX_HOLD_TTL = timedelta(days=31)
MAX_LEGS = 20
_EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")


def _check_text(value: str, field: str) -> None:
    if not value.strip() or len(value) > MAX_DESCRIPTION or not value.isprintable():
        raise ValidationFailed(
            f"{field} must be 1 to {MAX_DESCRIPTION} printable characters", field=field
        )


def _check_event_type(value: str) -> None:
    if len(value) > 60 or not _EVENT_TYPE.fullmatch(value):
        raise ValidationFailed("an event type is dotted lower-case words", field="event_type")


def _check_money(amount: int, currency: str, description: str) -> None:
    Currency.of(currency)
    ensure_positive(amount)
    _check_text(description, "description")


async def _replay_entry(store: LedgerStore, claim: idempotency.Claim) -> EntryView:
    return await store.find_entry(claim.resource_id)


async def _replay_hold(_: LedgerStore, claim: idempotency.Claim) -> HoldView:
    assert claim.response is not None  # every hold command keeps its response
    return HoldView.from_json(claim.response)


def _entry_details(entry: EntryView) -> dict[str, Any]:
    return {"entry_id": str(entry.id)}


def _hold_details(view: HoldView) -> dict[str, Any]:
    return {"hold_id": str(view.id), "status": view.status.value}


class LedgerService:
    """Deposits, withdrawals, transfers, reversals and holds, plus ledger queries."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._bank_accounts: dict[tuple[BankPurpose, str], UUID] = {}

    # -- commands ---------------------------------------------------------------------

    async def deposit(self, cmd: Deposit, actor: Actor) -> EntryView:
        """Credit an account with money that entered the bank (cash-in via settlement)."""
        return await self._movement(
            "deposit",
            cmd,
            actor,
            EntryKind.DEPOSIT,
            "money.deposited",
            source=None,
            destination=cmd.account_id,
        )

    async def withdraw(self, cmd: Withdraw, actor: Actor) -> EntryView:
        """Debit an account for money leaving the bank (cash-out via settlement)."""
        return await self._movement(
            "withdraw",
            cmd,
            actor,
            EntryKind.WITHDRAWAL,
            "money.withdrawn",
            source=cmd.account_id,
            destination=None,
        )

    async def transfer(self, cmd: Transfer, actor: Actor) -> EntryView:
        """Move money between two accounts of one currency."""
        return await self._movement(
            "transfer",
            cmd,
            actor,
            EntryKind.TRANSFER,
            "money.transferred",
            source=cmd.source_account_id,
            destination=cmd.destination_account_id,
        )

    async def reverse(self, cmd: Reverse, actor: Actor) -> EntryView:
        """Undo an entry with a new entry of opposite postings."""

        async def work(store: LedgerStore, entry_id: UUID, now: datetime) -> EntryView:
            return await ops.reverse(
                store,
                entry_id=entry_id,
                original_id=cmd.entry_id,
                reason=cmd.reason,
                actor=str(actor),
                now=now,
            )

        return await self._entry(
            "reverse",
            cmd,
            f"entry:{cmd.entry_id}",
            work,
            actor,
            lambda: _check_text(cmd.reason, "reason"),
        )

    async def post_entry(self, cmd: PostEntry, actor: Actor) -> EntryView:
        """Post a multi-leg entry (see :class:`~core.ledger.commands.PostEntry`)."""

        def check() -> None:
            if not 2 <= len(cmd.legs) <= MAX_LEGS:
                raise ValidationFailed(f"an entry has 2 to {MAX_LEGS} legs", field="legs")
            for leg in cmd.legs:
                Currency.of(leg.currency)
                if isinstance(leg.amount, bool) or not isinstance(leg.amount, int):
                    raise ValidationFailed("leg amounts are integer minor units", field="legs")
            _check_text(cmd.description, "description")
            _check_event_type(cmd.event_type)

        async def work(store: LedgerStore, entry_id: UUID, now: datetime) -> EntryView:
            return await ops.post_entry(
                store,
                entry_id=entry_id,
                kind=cmd.kind,
                legs=[PostingDraft(leg.account_id, leg.amount, leg.currency) for leg in cmd.legs],
                description=cmd.description,
                actor=str(actor),
                now=now,
                event=cmd.event_type,
                capture_hold=cmd.capture_hold,
            )

        debits = [leg.account_id for leg in cmd.legs if leg.amount < 0]
        target = f"account:{debits[0]}" if debits else "ledger"
        return await self._entry("post_entry", cmd, target, work, actor, check)

    async def place_hold(self, cmd: PlaceHold, actor: Actor) -> HoldView:
        """Reserve money on an account for a later capture to ``counterparty_account_id``."""

        def check() -> None:
            _check_money(cmd.amount, cmd.currency, cmd.description)
            if not 0 < cmd.ttl_seconds <= MAX_HOLD_TTL.total_seconds():
                raise ValidationFailed("a hold lasts 1 second to 31 days", field="ttl_seconds")

        async def work(store: LedgerStore, hold_id: UUID, now: datetime) -> HoldView:
            return await ops.place_hold(
                store,
                hold_id=hold_id,
                account_id=cmd.account_id,
                counterparty_id=cmd.counterparty_account_id,
                amount=cmd.amount,
                currency=cmd.currency,
                description=cmd.description,
                ttl=timedelta(seconds=cmd.ttl_seconds),
                now=now,
            )

        async def locks() -> tuple[UUID, ...]:
            return (cmd.account_id, cmd.counterparty_account_id)

        return await self._hold(
            "place_hold", cmd, f"account:{cmd.account_id}", work, actor, check, locks
        )

    async def post_hold(self, cmd: PostHold, actor: Actor) -> HoldView:
        """Capture a pending hold, fully or partly; whatever is not captured is released."""

        def check() -> None:
            if cmd.amount is not None:
                ensure_positive(cmd.amount)

        async def work(store: LedgerStore, entry_id: UUID, now: datetime) -> HoldView:
            return await ops.post_hold(
                store,
                hold_id=cmd.hold_id,
                amount=cmd.amount,
                entry_id=entry_id,
                actor=str(actor),
                now=now,
            )

        return await self._hold("post_hold", cmd, f"hold:{cmd.hold_id}", work, actor, check)

    async def void_hold(self, cmd: VoidHold, actor: Actor) -> HoldView:
        """Release a pending hold without moving money."""

        async def work(store: LedgerStore, _: UUID, now: datetime) -> HoldView:
            return await ops.release_hold(store, hold_id=cmd.hold_id, now=now, expire=False)

        return await self._hold("void_hold", cmd, f"hold:{cmd.hold_id}", work, actor)

    async def expire_holds(self, actor: Actor, *, batch: int = 500) -> int:
        """Expire pending holds past their time (the hold expiry job). Returns how many."""
        now = self._clock.now()
        async with self._db.read() as conn:
            due = await repo.expired_hold_ids(conn, now, batch)
        expired = 0
        for hold_id in due:
            async with open_store(self._db) as store:
                hold = await store.find_hold(hold_id, lock=True)
                if hold.status is not HoldStatus.PENDING:
                    continue  # voided or posted meanwhile
                view = await ops.release_hold(store, hold_id=hold_id, now=now, expire=True)
                details = {"amount": view.amount, "currency": view.currency}
                await store.append_audit(
                    AuditRecord(now, str(actor), "expire_hold", f"hold:{hold_id}", "ok", details)
                )
                expired += 1
        return expired

    # -- queries ----------------------------------------------------------------------

    async def entry(self, entry_id: UUID) -> EntryView:
        async with self._db.read() as conn:
            return await repo.find_entry(conn, entry_id)

    async def hold(self, hold_id: UUID) -> HoldView:
        async with self._db.read() as conn:
            return await repo.find_hold(conn, hold_id)

    async def balance(self, account_id: UUID) -> BalanceView:
        async with self._db.read() as conn:
            return await statements.balance(conn, account_id)

    async def statement(
        self,
        account_id: UUID,
        *,
        since: datetime,
        until: datetime,
        after_seq: int | None = None,
        limit: int = 100,
    ) -> StatementPage:
        """A page of the account's statement for ``[since, until)``, with running balance."""
        async with self._db.read() as conn:
            return await statements.statement(
                conn, account_id, since=since, until=until, after_seq=after_seq, limit=limit
            )

    async def bank_account(self, purpose: BankPurpose, currency: str) -> UUID:
        return await self._bank_account(purpose, currency)

    # -- helpers ----------------------------------------------------------------------

    async def _movement(
        self,
        name: str,
        cmd: Deposit | Withdraw | Transfer,
        actor: Actor,
        kind: EntryKind,
        event: str,
        *,
        source: UUID | None,
        destination: UUID | None,
    ) -> EntryView:
        """A plain movement; ``None`` on one side means the bank's settlement account."""

        async def accounts() -> tuple[UUID, UUID]:
            if source is not None and destination is not None:
                return source, destination
            settlement = await self._bank_account(BankPurpose.SETTLEMENT, cmd.currency)
            return source or settlement, destination or settlement

        async def work(store: LedgerStore, entry_id: UUID, now: datetime) -> EntryView:
            debit, credit = await accounts()
            return await ops.move(
                store,
                entry_id=entry_id,
                kind=kind,
                source=debit,
                destination=credit,
                amount=cmd.amount,
                currency=cmd.currency,
                description=cmd.description,
                actor=str(actor),
                now=now,
                event=event,
            )

        target = f"account:{source or destination}"
        return await self._entry(
            name,
            cmd,
            target,
            work,
            actor,
            lambda: _check_money(cmd.amount, cmd.currency, cmd.description),
            accounts,
        )

    async def _entry(
        self,
        name: str,
        cmd: _Command,
        target: str,
        work: Work[EntryView],
        actor: Actor,
        check: Callable[[], None],
        locks: Callable[[], Awaitable[tuple[UUID, ...]]] = no_locks,
    ) -> EntryView:
        spec = Command(
            name=name,
            command=cmd,
            target=target,
            work=work,
            replay=_replay_entry,
            describe=_entry_details,
            check=check,
            locks=locks,
        )
        return await execute(self._db, self._clock, spec, actor)

    async def _hold(
        self,
        name: str,
        cmd: _Command,
        target: str,
        work: Work[HoldView],
        actor: Actor,
        check: Callable[[], None] = no_check,
        locks: Callable[[], Awaitable[tuple[UUID, ...]]] = no_locks,
    ) -> HoldView:
        spec = Command(
            name=name,
            command=cmd,
            target=target,
            work=work,
            replay=_replay_hold,
            describe=_hold_details,
            check=check,
            locks=locks,
            keep_response=HoldView.to_json,
        )
        return await execute(self._db, self._clock, spec, actor)

    async def _bank_account(self, purpose: BankPurpose, currency: str) -> UUID:
        """The bank's own account for ``purpose``; cached, since they never change."""
        cached = self._bank_accounts.get((purpose, currency))
        if cached is not None:
            return cached
        async with self._db.read() as conn:
            found = await repo.bank_account(conn, purpose, currency)
        if found is None:
            raise UnknownCurrency(
                "Teller does not keep money in this currency",
                purpose=purpose.value,
                currency=currency,
            )
        self._bank_accounts[(purpose, currency)] = found
        return found
