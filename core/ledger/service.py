"""The ledger's commands and queries: every money movement in Teller goes through here.

Each command runs in one transaction that claims its idempotency key, locks the accounts
it touches, applies the pure rules of ``core.ledger.model``, writes the entry, its
postings and the new balances, records a domain event and appends to the audit log, then
commits. A rejected command changes nothing and leaves one audit record of the rejection.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID, uuid4

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events, idempotency
from core.actors import Actor
from core.audit.chain import AuditRecord
from core.audit.log import append as audit_append
from core.clock import Clock
from core.errors import CoreError, ValidationFailed
from core.ledger import repository as repo
from core.ledger import statements
from core.ledger.commands import (
    Deposit,
    PlaceHold,
    PostHold,
    Reverse,
    Transfer,
    VoidHold,
    Withdraw,
    _Command,
)
from core.ledger.errors import AccountNotFound, AlreadyReversed, HoldAmountExceeded
from core.ledger.model import (
    BankPurpose,
    EntryKind,
    HoldStatus,
    PostingDraft,
    apply_postings,
    ensure_positive,
    movement,
    reversal,
)
from core.ledger.views import BalanceView, EntryView, HoldView, StatementPage
from core.money import Currency
from core.persistence.database import Database
from core.persistence.tables import accounts

T = TypeVar("T")
MAX_DESCRIPTION = 200
MAX_HOLD_TTL = timedelta(days=31)


def _check_text(value: str, field: str) -> str:
    if not value.strip() or len(value) > MAX_DESCRIPTION or not value.isprintable():
        raise ValidationFailed(
            f"{field} must be 1 to {MAX_DESCRIPTION} printable characters", field=field
        )
    return value


def _check_amount(amount: int, currency: str) -> None:
    Currency.of(currency)
    ensure_positive(amount)


class LedgerService:
    """Deposits, withdrawals, transfers, reversals and holds, plus ledger queries."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._bank_accounts: dict[tuple[BankPurpose, str], UUID] = {}

    # -- commands ---------------------------------------------------------------------

    async def deposit(self, cmd: Deposit, actor: Actor) -> EntryView:
        """Credit a customer's account with money that entered the bank (cash-in)."""
        _check_amount(cmd.amount, cmd.currency)
        _check_text(cmd.description, "description")

        async def run(conn: AsyncConnection, entry_id: UUID, now: datetime) -> EntryView:
            settlement = await self._bank_account(conn, BankPurpose.SETTLEMENT, cmd.currency)
            return await self._move(
                conn,
                entry_id,
                now,
                actor,
                EntryKind.DEPOSIT,
                settlement,
                cmd.account_id,
                cmd.amount,
                cmd.currency,
                cmd.description,
                "money.deposited",
            )

        return await self._entry_command("deposit", cmd, actor, f"account:{cmd.account_id}", run)

    async def withdraw(self, cmd: Withdraw, actor: Actor) -> EntryView:
        """Debit a customer's account for money leaving the bank (cash-out)."""
        _check_amount(cmd.amount, cmd.currency)
        _check_text(cmd.description, "description")

        async def run(conn: AsyncConnection, entry_id: UUID, now: datetime) -> EntryView:
            settlement = await self._bank_account(conn, BankPurpose.SETTLEMENT, cmd.currency)
            return await self._move(
                conn,
                entry_id,
                now,
                actor,
                EntryKind.WITHDRAWAL,
                cmd.account_id,
                settlement,
                cmd.amount,
                cmd.currency,
                cmd.description,
                "money.withdrawn",
            )

        return await self._entry_command("withdraw", cmd, actor, f"account:{cmd.account_id}", run)

    async def transfer(self, cmd: Transfer, actor: Actor) -> EntryView:
        """Move money between two accounts of one currency."""
        _check_amount(cmd.amount, cmd.currency)
        _check_text(cmd.description, "description")

        async def run(conn: AsyncConnection, entry_id: UUID, now: datetime) -> EntryView:
            return await self._move(
                conn,
                entry_id,
                now,
                actor,
                EntryKind.TRANSFER,
                cmd.source_account_id,
                cmd.destination_account_id,
                cmd.amount,
                cmd.currency,
                cmd.description,
                "money.transferred",
            )

        target = f"account:{cmd.source_account_id}"
        return await self._entry_command("transfer", cmd, actor, target, run)

    async def reverse(self, cmd: Reverse, actor: Actor) -> EntryView:
        """Undo an entry with a new entry of opposite postings (postings never change)."""
        _check_text(cmd.reason, "reason")

        async def run(conn: AsyncConnection, entry_id: UUID, now: datetime) -> EntryView:
            original = await repo.find_entry(conn, cmd.entry_id)
            if original.reverses_entry_id is not None:
                raise AlreadyReversed(
                    "a reversal cannot itself be reversed", entry_id=str(cmd.entry_id)
                )
            drafts = reversal(repo.drafts_of(original))
            states = await repo.lock_accounts(conn, (d.account_id for d in drafts))
            # Checked after the lock: two reversals of one entry serialize on its accounts.
            if await repo.reversal_of(conn, cmd.entry_id) is not None:
                raise AlreadyReversed(entry_id=str(cmd.entry_id))
            for state in states.values():
                state.ensure_usable()
            new_states, legs = apply_postings(states, drafts)
            await repo.write_states(conn, list(new_states.values()), now)
            entry = await repo.insert_entry(
                conn,
                entry_id=entry_id,
                kind=EntryKind.REVERSAL,
                description=f"Reversal: {cmd.reason}",
                actor=str(actor),
                legs=legs,
                at=now,
                reverses=cmd.entry_id,
            )
            await events.record(
                conn,
                "entry.reversed",
                entry_id,
                {"entry_id": str(entry_id), "reverses": str(cmd.entry_id)},
                now,
            )
            return entry

        return await self._entry_command("reverse", cmd, actor, f"entry:{cmd.entry_id}", run)

    async def place_hold(self, cmd: PlaceHold, actor: Actor) -> HoldView:
        """Reserve money on an account for a later capture to ``counterparty_account_id``."""
        _check_amount(cmd.amount, cmd.currency)
        _check_text(cmd.description, "description")
        if not 0 < cmd.ttl_seconds <= MAX_HOLD_TTL.total_seconds():
            raise ValidationFailed("a hold lasts from 1 second to 31 days", field="ttl_seconds")

        async def run(conn: AsyncConnection, hold_id: UUID, now: datetime) -> HoldView:
            states = await repo.lock_accounts(conn, (cmd.account_id, cmd.counterparty_account_id))
            source, counterparty = states[cmd.account_id], states[cmd.counterparty_account_id]
            movement(source, counterparty, cmd.amount)  # the same rules as moving it now
            source.ensure_currency(cmd.currency)
            await repo.write_states(conn, [source.with_held(cmd.amount)], now)
            view = HoldView(
                id=hold_id,
                account_id=cmd.account_id,
                counterparty_account_id=cmd.counterparty_account_id,
                amount=cmd.amount,
                currency=cmd.currency,
                status=HoldStatus.PENDING,
                posted_amount=None,
                entry_id=None,
                description=cmd.description,
                expires_at=now + timedelta(seconds=cmd.ttl_seconds),
                created_at=now,
            )
            await repo.insert_hold(conn, view)
            await events.record(conn, "hold.placed", hold_id, _hold_payload(view), now)
            return view

        return await self._hold_command("place_hold", cmd, actor, run)

    async def post_hold(self, cmd: PostHold, actor: Actor) -> HoldView:
        """Capture a pending hold, fully or partly; whatever is not captured is released."""
        if cmd.amount is not None:
            ensure_positive(cmd.amount)

        async def run(conn: AsyncConnection, entry_id: UUID, now: datetime) -> HoldView:
            hold = await repo.find_hold(conn, cmd.hold_id, lock=True)
            amount = hold.amount if cmd.amount is None else cmd.amount
            if amount > hold.amount:
                raise HoldAmountExceeded(hold_id=str(hold.id), held=hold.amount, requested=amount)
            repo.hold_state(hold).post(amount, now)
            states = await repo.lock_accounts(
                conn, (hold.account_id, hold.counterparty_account_id)
            )
            for state in states.values():
                state.ensure_usable()
            # Release the reservation first: the captured amount is then spent from it.
            states[hold.account_id] = states[hold.account_id].with_held(-hold.amount)
            drafts = movement_drafts(hold, amount)
            new_states, legs = apply_postings(states, drafts)
            await repo.write_states(conn, list(new_states.values()), now)
            await repo.insert_entry(
                conn,
                entry_id=entry_id,
                kind=EntryKind.HOLD_POST,
                description=hold.description,
                actor=str(actor),
                legs=legs,
                at=now,
            )
            view = await repo.finish_hold(
                conn,
                hold.id,
                status=HoldStatus.POSTED,
                at=now,
                posted_amount=amount,
                entry_id=entry_id,
            )
            await events.record(conn, "hold.posted", hold.id, _hold_payload(view), now)
            return view

        return await self._hold_command("post_hold", cmd, actor, run)

    async def void_hold(self, cmd: VoidHold, actor: Actor) -> HoldView:
        """Release a pending hold without moving money."""

        async def run(conn: AsyncConnection, _: UUID, now: datetime) -> HoldView:
            return await self._release(conn, cmd.hold_id, now, expire=False)

        return await self._hold_command("void_hold", cmd, actor, run)

    async def expire_holds(self, actor: Actor, *, batch: int = 500) -> int:
        """Expire pending holds past their time; run by the job scheduler. Returns count."""
        now = self._clock.now()
        async with self._db.read() as conn:
            due = await repo.expired_hold_ids(conn, now, batch)
        expired = 0
        for hold_id in due:
            async with self._db.transaction() as conn:
                hold = await repo.find_hold(conn, hold_id, lock=True)
                if hold.status is not HoldStatus.PENDING:
                    continue  # voided or posted meanwhile
                view = await self._release(conn, hold_id, now, expire=True)
                await audit_append(
                    conn,
                    AuditRecord(
                        now,
                        str(actor),
                        "expire_hold",
                        f"hold:{hold_id}",
                        "ok",
                        {"amount": view.amount, "currency": view.currency},
                    ),
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
        async with self._db.read() as conn:
            return await self._bank_account(conn, purpose, currency)

    # -- machinery --------------------------------------------------------------------

    async def _move(
        self,
        conn: AsyncConnection,
        entry_id: UUID,
        now: datetime,
        actor: Actor,
        kind: EntryKind,
        source_id: UUID,
        destination_id: UUID,
        amount: int,
        currency: str,
        description: str,
        event_type: str,
    ) -> EntryView:
        states = await repo.lock_accounts(conn, (source_id, destination_id))
        source, destination = states[source_id], states[destination_id]
        source.ensure_currency(currency)
        drafts = movement(source, destination, amount)
        new_states, legs = apply_postings(states, drafts)
        await repo.write_states(conn, list(new_states.values()), now)
        entry = await repo.insert_entry(
            conn,
            entry_id=entry_id,
            kind=kind,
            description=description,
            actor=str(actor),
            legs=legs,
            at=now,
        )
        await events.record(
            conn,
            event_type,
            entry_id,
            {
                "entry_id": str(entry_id),
                "from": str(source_id),
                "to": str(destination_id),
                "amount": amount,
                "currency": currency,
            },
            now,
        )
        return entry

    async def _release(
        self, conn: AsyncConnection, hold_id: UUID, now: datetime, *, expire: bool
    ) -> HoldView:
        hold = await repo.find_hold(conn, hold_id, lock=True)
        state = repo.hold_state(hold)
        status = state.expire(now).status if expire else state.void(now).status
        states = await repo.lock_accounts(conn, (hold.account_id,))
        await repo.write_states(conn, [states[hold.account_id].with_held(-hold.amount)], now)
        view = await repo.finish_hold(conn, hold_id, status=status, at=now)
        await events.record(conn, f"hold.{status.value}", hold_id, _hold_payload(view), now)
        return view

    async def _bank_account(
        self, conn: AsyncConnection, purpose: BankPurpose, currency: str
    ) -> UUID:
        cached = self._bank_accounts.get((purpose, currency))
        if cached is not None:
            return cached
        found = (
            await conn.execute(
                select(accounts.c.id).where(
                    accounts.c.purpose == purpose.value, accounts.c.currency == currency
                )
            )
        ).scalar_one_or_none()
        if found is None:
            raise AccountNotFound(
                "the bank has no account for this currency",
                purpose=purpose.value,
                currency=currency,
            )
        account_id: UUID = found
        self._bank_accounts[(purpose, currency)] = account_id
        return account_id

    async def _entry_command(
        self,
        name: str,
        cmd: _Command,
        actor: Actor,
        target: str,
        run: Callable[[AsyncConnection, UUID, datetime], Awaitable[EntryView]],
    ) -> EntryView:
        async def replay(conn: AsyncConnection, claim: idempotency.Claim) -> EntryView:
            return await repo.find_entry(conn, claim.resource_id)

        def details(entry: EntryView) -> dict[str, Any]:
            return {"entry_id": str(entry.id), **_jsonable(cmd.fingerprint_fields())}

        return await self._execute(name, cmd, actor, target, run, replay, details, store=None)

    async def _hold_command(
        self,
        name: str,
        cmd: _Command,
        actor: Actor,
        run: Callable[[AsyncConnection, UUID, datetime], Awaitable[HoldView]],
    ) -> HoldView:
        async def replay(conn: AsyncConnection, claim: idempotency.Claim) -> HoldView:
            assert claim.response is not None
            return _hold_from_json(claim.response)

        def details(view: HoldView) -> dict[str, Any]:
            return {"hold_id": str(view.id), **_jsonable(cmd.fingerprint_fields())}

        target = f"hold:{getattr(cmd, 'hold_id', None) or getattr(cmd, 'account_id', '')}"
        return await self._execute(
            name, cmd, actor, target, run, replay, details, store=_hold_to_json
        )

    async def _execute(
        self,
        name: str,
        cmd: _Command,
        actor: Actor,
        target: str,
        run: Callable[[AsyncConnection, UUID, datetime], Awaitable[T]],
        replay: Callable[[AsyncConnection, idempotency.Claim], Awaitable[T]],
        details: Callable[[T], dict[str, Any]],
        store: Callable[[T], dict[str, Any]] | None,
    ) -> T:
        scope = str(actor)
        fingerprint = idempotency.fingerprint(name, cmd.fingerprint_fields())
        try:
            async with self._db.transaction() as conn:
                now = self._clock.now()
                claim = await idempotency.claim(
                    conn,
                    scope=scope,
                    key=cmd.idempotency_key,
                    command=name,
                    fingerprint_=fingerprint,
                    resource_id=uuid4(),
                    at=now,
                )
                if not claim.is_new:
                    return await replay(conn, claim)
                result = await run(conn, claim.resource_id, now)
                if store is not None:
                    await idempotency.store_response(
                        conn, scope=scope, key=cmd.idempotency_key, response=store(result)
                    )
                await audit_append(
                    conn, AuditRecord(now, scope, name, target, "ok", details(result))
                )
                return result
        except CoreError as exc:
            await self._audit_rejection(name, actor, target, exc)
            raise

    async def _audit_rejection(self, name: str, actor: Actor, target: str, exc: CoreError) -> None:
        async with self._db.transaction() as conn:
            await audit_append(
                conn,
                AuditRecord(
                    self._clock.now(),
                    str(actor),
                    name,
                    target,
                    f"rejected:{exc.code}",
                    _jsonable(exc.data),
                ),
            )


def movement_drafts(hold: HoldView, amount: int) -> list[PostingDraft]:
    return [
        PostingDraft(hold.account_id, -amount, hold.currency),
        PostingDraft(hold.counterparty_account_id, amount, hold.currency),
    ]


def _jsonable(fields: dict[str, Any]) -> dict[str, Any]:
    return {
        k: v if isinstance(v, (int, str, bool, type(None))) else str(v) for k, v in fields.items()
    }


def _hold_payload(view: HoldView) -> dict[str, Any]:
    return {
        "hold_id": str(view.id),
        "account_id": str(view.account_id),
        "amount": view.amount,
        "currency": view.currency,
        "status": view.status.value,
        "posted_amount": view.posted_amount,
    }


def _hold_to_json(view: HoldView) -> dict[str, Any]:
    return {
        "id": str(view.id),
        "account_id": str(view.account_id),
        "counterparty_account_id": str(view.counterparty_account_id),
        "amount": view.amount,
        "currency": view.currency,
        "status": view.status.value,
        "posted_amount": view.posted_amount,
        "entry_id": None if view.entry_id is None else str(view.entry_id),
        "description": view.description,
        "expires_at": view.expires_at.isoformat(),
        "created_at": view.created_at.isoformat(),
    }


def _hold_from_json(data: dict[str, Any]) -> HoldView:
    return replace(
        HoldView(
            id=UUID(data["id"]),
            account_id=UUID(data["account_id"]),
            counterparty_account_id=UUID(data["counterparty_account_id"]),
            amount=int(data["amount"]),
            currency=data["currency"],
            status=HoldStatus(data["status"]),
            posted_amount=data["posted_amount"],
            entry_id=None if data["entry_id"] is None else UUID(data["entry_id"]),
            description=data["description"],
            expires_at=datetime.fromisoformat(data["expires_at"]),
            created_at=datetime.fromisoformat(data["created_at"]),
        )
    )
