"""The ledger's work inside a transaction: moving money, reversing, holding.

Each function locks what it changes (accounts in id order, a hold before its accounts),
asks ``core.ledger.model`` whether and how, and writes the result together with its
domain event through a :class:`~core.ledger.store.LedgerStore`. Callers own the
transaction (see ``core.ledger.runner``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from core.errors import ValidationFailed
from core.ledger.errors import AlreadyReversed, HoldAmountExceeded
from core.ledger.model import (
    EntryKind,
    HoldState,
    HoldStatus,
    PostingDraft,
    apply_postings,
    movement,
    reversal,
)
from core.ledger.store import LedgerStore, NewEntry
from core.ledger.views import EntryView, HoldView


async def move(
    store: LedgerStore,
    *,
    entry_id: UUID,
    kind: EntryKind,
    source: UUID,
    destination: UUID,
    amount: int,
    currency: str,
    description: str,
    actor: str,
    now: datetime,
    event: str,
) -> EntryView:
    """Move ``amount`` from ``source`` to ``destination`` as one journal entry."""
    states = await store.lock_accounts((source, destination))
    states[source].ensure_currency(currency)
    drafts = movement(states[source], states[destination], amount)
    new_states, legs = apply_postings(states, drafts)
    payload = {
        "entry_id": str(entry_id),
        "from": str(source),
        "to": str(destination),
        "amount": amount,
        "currency": currency,
    }
    return await store.write_entry(
        NewEntry(
            entry_id=entry_id,
            kind=kind,
            description=description,
            actor=actor,
            legs=legs,
            states=list(new_states.values()),
            event_type=event,
            event_payload=payload,
        ),
        now,
    )


async def reverse(
    store: LedgerStore,
    *,
    entry_id: UUID,
    original_id: UUID,
    reason: str,
    actor: str,
    now: datetime,
) -> EntryView:
    """Undo ``original_id`` with a new entry of opposite postings (postings never change)."""
    original = await store.find_entry(original_id)
    if original.reverses_entry_id is not None:
        raise AlreadyReversed("a reversal cannot itself be reversed", entry_id=str(original_id))
    drafts = reversal(PostingDraft(p.account_id, p.amount, p.currency) for p in original.postings)
    states = await store.lock_accounts(d.account_id for d in drafts)
    # Checked under the accounts' locks: two reversals of one entry serialize there.
    if await store.reversal_of(original_id) is not None:
        raise AlreadyReversed(entry_id=str(original_id))
    for state in states.values():
        state.ensure_usable()
    new_states, legs = apply_postings(states, drafts)
    return await store.write_entry(
        NewEntry(
            entry_id=entry_id,
            kind=EntryKind.REVERSAL,
            description=f"Reversal: {reason}",
            actor=actor,
            legs=legs,
            states=list(new_states.values()),
            event_type="entry.reversed",
            event_payload={"entry_id": str(entry_id), "reverses": str(original_id)},
            reverses=original_id,
        ),
        now,
    )


async def post_entry(
    store: LedgerStore,
    *,
    entry_id: UUID,
    kind: EntryKind,
    legs: Sequence[PostingDraft],
    description: str,
    actor: str,
    now: datetime,
    event: str,
    capture_hold: UUID | None = None,
) -> EntryView:
    """Write an entry of balanced ``legs``, settling ``capture_hold`` if given.

    Every account must be usable and every debit within its account's limits. A captured
    hold is released whole first; what the entry debits from the hold's account is the
    captured amount (at most the held one), recorded on the hold.
    """
    hold = None
    if capture_hold is not None:
        hold = await store.find_hold(capture_hold, lock=True)  # holds before accounts
        hold_state(hold).ensure_pending(now)
    touched = {leg.account_id for leg in legs} | ({hold.account_id} if hold else set())
    states = await store.lock_accounts(touched)
    for state in states.values():
        state.ensure_usable()
    captured = 0
    if hold is not None:
        captured = -sum(leg.amount for leg in legs if leg.account_id == hold.account_id)
        if captured <= 0:
            raise ValidationFailed(
                "an entry that captures a hold must debit the hold's account", field="legs"
            )
        if captured > hold.amount:
            raise HoldAmountExceeded(hold_id=str(hold.id), held=hold.amount, requested=captured)
        states[hold.account_id] = states[hold.account_id].with_held(-hold.amount)
    new_states, posted = apply_postings(states, legs)
    view = await store.write_entry(
        NewEntry(
            entry_id=entry_id,
            kind=kind,
            description=description,
            actor=actor,
            legs=posted,
            states=list(new_states.values()),
            event_type=event,
            event_payload={
                "entry_id": str(entry_id),
                "kind": kind.value,
                "legs": [
                    {
                        "account_id": str(leg.account_id),
                        "amount": leg.amount,
                        "currency": leg.currency,
                    }
                    for leg in posted
                ],
            },
        ),
        now,
    )
    if hold is not None:
        await store.finish_hold(
            hold.id, status=HoldStatus.POSTED, at=now, posted_amount=captured, entry_id=entry_id
        )
    return view


async def place_hold(
    store: LedgerStore,
    *,
    hold_id: UUID,
    account_id: UUID,
    counterparty_id: UUID,
    amount: int,
    currency: str,
    description: str,
    ttl: timedelta,
    now: datetime,
) -> HoldView:
    """Reserve ``amount``: the same rules as moving it now, but only ``held`` changes."""
    states = await store.lock_accounts((account_id, counterparty_id))
    source = states[account_id]
    source.ensure_currency(currency)
    movement(source, states[counterparty_id], amount)
    await store.write_states([source.with_held(amount)], now)
    view = HoldView(
        id=hold_id,
        account_id=account_id,
        counterparty_account_id=counterparty_id,
        amount=amount,
        currency=currency,
        status=HoldStatus.PENDING,
        posted_amount=None,
        entry_id=None,
        description=description,
        expires_at=now + ttl,
        created_at=now,
    )
    await store.insert_hold(view)
    await store.record_event("hold.placed", hold_id, hold_payload(view), now)
    return view


async def post_hold(
    store: LedgerStore,
    *,
    hold_id: UUID,
    amount: int | None,
    entry_id: UUID,
    actor: str,
    now: datetime,
) -> HoldView:
    """Capture a pending hold, fully or partly; whatever is not captured is released."""
    hold = await store.find_hold(hold_id, lock=True)
    captured = hold.amount if amount is None else amount
    if captured > hold.amount:
        raise HoldAmountExceeded(hold_id=str(hold.id), held=hold.amount, requested=captured)
    hold_state(hold).post(captured, now)
    states = await store.lock_accounts((hold.account_id, hold.counterparty_account_id))
    for state in states.values():
        state.ensure_usable()
    # Release the whole reservation first; the capture is then spent from it.
    states[hold.account_id] = states[hold.account_id].with_held(-hold.amount)
    drafts = [
        PostingDraft(hold.account_id, -captured, hold.currency),
        PostingDraft(hold.counterparty_account_id, captured, hold.currency),
    ]
    new_states, legs = apply_postings(states, drafts)
    await store.write_entry(
        NewEntry(
            entry_id=entry_id,
            kind=EntryKind.HOLD_POST,
            description=hold.description,
            actor=actor,
            legs=legs,
            states=list(new_states.values()),
            event_type="hold.posted",
            event_payload={
                "hold_id": str(hold.id),
                "entry_id": str(entry_id),
                "amount": captured,
                "currency": hold.currency,
            },
        ),
        now,
    )
    return await store.finish_hold(
        hold.id, status=HoldStatus.POSTED, at=now, posted_amount=captured, entry_id=entry_id
    )


async def release_hold(
    store: LedgerStore, *, hold_id: UUID, now: datetime, expire: bool
) -> HoldView:
    """Void a pending hold, or expire one past its time; no money moves."""
    hold = await store.find_hold(hold_id, lock=True)
    state = hold_state(hold)
    status = state.expire(now).status if expire else state.void(now).status
    states = await store.lock_accounts((hold.account_id,))
    await store.write_states([states[hold.account_id].with_held(-hold.amount)], now)
    view = await store.finish_hold(hold_id, status=status, at=now)
    await store.record_event(f"hold.{status.value}", hold_id, hold_payload(view), now)
    return view


def hold_state(view: HoldView) -> HoldState:
    return HoldState(
        id=view.id,
        account_id=view.account_id,
        counterparty_account_id=view.counterparty_account_id,
        amount=view.amount,
        currency=view.currency,
        status=view.status,
        expires_at=view.expires_at,
    )


def hold_payload(view: HoldView) -> dict[str, Any]:
    return {
        "hold_id": str(view.id),
        "account_id": str(view.account_id),
        "amount": view.amount,
        "currency": view.currency,
        "status": view.status.value,
        "posted_amount": view.posted_amount,
    }
