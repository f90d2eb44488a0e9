"""SQL for cards and card authorizations, and rows turned into views.

A card row is locked (``FOR UPDATE``) by every command that changes it and by every
authorization on it: that serializes PIN attempts and the daily limit per card. No
transaction holds a card lock while it waits for the ledger (see ``core.cards.processing``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from core.cards.errors import AuthorizationNotFound, CardNotFound
from core.cards.model import BlockReason, CardStatus, CardTier, Expiry
from core.cards.rules import AuthorizationStatus, CardRules, Channel, DeclineReason, Limits
from core.cards.tables import card_authorizations, cards
from core.cards.views import AuthorizationView, CardView
from core.ledger.model import HoldStatus
from core.persistence.tables import holds
from core.persistence.types import AnyRow

# Authorizations that count against the daily limit: approved ones, and those approved by
# the rules whose hold is being placed.
COUNTED = (
    AuthorizationStatus.PENDING.value,
    AuthorizationStatus.APPROVED.value,
    AuthorizationStatus.CLEARED.value,
)


# -- cards --------------------------------------------------------------------------------


async def find_card(conn: AsyncConnection, card_id: UUID, *, lock: bool = False) -> AnyRow:
    query = select(cards).where(cards.c.id == card_id)
    if lock:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    if row is None:
        raise CardNotFound(card_id=str(card_id))
    return row


async def find_by_index(conn: AsyncConnection, index: str, *, lock: bool = False) -> AnyRow | None:
    query = select(cards).where(cards.c.number_index == index)
    if lock:
        query = query.with_for_update()
    return (await conn.execute(query)).one_or_none()


async def insert_card(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert(cards).values(**values))


async def update_card(
    conn: AsyncConnection, card_id: UUID, at: datetime, values: Mapping[str, Any]
) -> None:
    await conn.execute(update(cards).where(cards.c.id == card_id).values(**values, updated_at=at))


async def replacement_of(conn: AsyncConnection, card_id: UUID) -> UUID | None:
    found: UUID | None = (
        await conn.execute(select(cards.c.id).where(cards.c.replaces_card_id == card_id))
    ).scalar_one_or_none()
    return found


def expiry_of(row: AnyRow) -> Expiry:
    return Expiry(int(row.expiry_year), int(row.expiry_month))


def card_view(row: AnyRow) -> CardView:
    return CardView(
        id=row.id,
        customer_id=row.customer_id,
        account_id=row.account_id,
        tier=CardTier(row.tier),
        status=CardStatus(row.status),
        block_reason=None if row.block_reason is None else BlockReason(row.block_reason),
        last4=row.last4,
        expiry=expiry_of(row),
        currency=row.currency,
        per_transaction_limit=int(row.per_transaction_limit),
        daily_limit=int(row.daily_limit),
        online_enabled=bool(row.online_enabled),
        atm_enabled=bool(row.atm_enabled),
        pin_set=row.pin_hash is not None,
        pin_blocked=bool(row.pin_blocked),
        replaces_card_id=row.replaces_card_id,
        created_at=row.created_at,
    )


def card_rules(row: AnyRow) -> CardRules:
    return CardRules(
        status=CardStatus(row.status),
        block_reason=None if row.block_reason is None else BlockReason(row.block_reason),
        expiry=expiry_of(row),
        currency=row.currency,
        online_enabled=bool(row.online_enabled),
        atm_enabled=bool(row.atm_enabled),
        limits=Limits(int(row.per_transaction_limit), int(row.daily_limit)),
    )


# -- authorizations -----------------------------------------------------------------------


async def find_authorization(
    conn: AsyncConnection, processor: str, reference: str
) -> AnyRow | None:
    return (
        await conn.execute(
            select(card_authorizations).where(
                card_authorizations.c.processor == processor,
                card_authorizations.c.reference == reference,
            )
        )
    ).one_or_none()


async def authorization_by_id(conn: AsyncConnection, authorization_id: UUID) -> AnyRow:
    row = (
        await conn.execute(
            select(card_authorizations).where(card_authorizations.c.id == authorization_id)
        )
    ).one_or_none()
    if row is None:
        raise AuthorizationNotFound()
    return row


async def insert_authorization(conn: AsyncConnection, values: Mapping[str, Any]) -> None:
    await conn.execute(insert(card_authorizations).values(**values))


async def move_authorization(
    conn: AsyncConnection,
    authorization_id: UUID,
    *,
    from_status: AuthorizationStatus,
    at: datetime,
    values: Mapping[str, Any],
) -> bool:
    """Change an authorization only if it is still in ``from_status``; whether it was.

    The condition is what makes concurrent duplicates safe: of two requests finishing the
    same authorization, exactly one moves it.
    """
    result = await conn.execute(
        update(card_authorizations)
        .where(
            card_authorizations.c.id == authorization_id,
            card_authorizations.c.status == from_status.value,
        )
        .values(**values, updated_at=at)
    )
    return bool(result.rowcount)


async def used_today(
    conn: AsyncConnection, card_id: UUID, since: datetime, until: datetime
) -> int:
    """What the card's counted authorizations of ``[since, until)`` add up to."""
    total = (
        await conn.execute(
            select(func.coalesce(func.sum(card_authorizations.c.amount), 0)).where(
                card_authorizations.c.card_id == card_id,
                card_authorizations.c.status.in_(COUNTED),
                card_authorizations.c.created_at >= since,
                card_authorizations.c.created_at < until,
            )
        )
    ).scalar_one()
    return int(total)


async def stale_pending(conn: AsyncConnection, before: datetime, limit: int) -> list[AnyRow]:
    rows = await conn.execute(
        select(card_authorizations)
        .where(
            card_authorizations.c.status == AuthorizationStatus.PENDING.value,
            card_authorizations.c.created_at < before,
        )
        .order_by(card_authorizations.c.created_at)
        .limit(limit)
    )
    return list(rows.all())


async def expire_lapsed(conn: AsyncConnection, at: datetime) -> int:
    """Mark approved authorizations whose hold the ledger expired (never cleared nor
    reversed) as expired; returns how many."""
    lapsed = select(holds.c.id).where(holds.c.status == HoldStatus.EXPIRED.value)
    result = await conn.execute(
        update(card_authorizations)
        .where(
            card_authorizations.c.status == AuthorizationStatus.APPROVED.value,
            card_authorizations.c.hold_id.in_(lapsed),
        )
        .values(status=AuthorizationStatus.EXPIRED.value, updated_at=at)
    )
    return int(result.rowcount)


async def recent_authorizations(conn: AsyncConnection, card_id: UUID, limit: int) -> list[AnyRow]:
    rows = await conn.execute(
        select(card_authorizations)
        .where(card_authorizations.c.card_id == card_id)
        .order_by(card_authorizations.c.created_at.desc(), card_authorizations.c.id)
        .limit(limit)
    )
    return list(rows.all())


def authorization_view(row: AnyRow) -> AuthorizationView:
    return AuthorizationView(
        id=row.id,
        reference=row.reference,
        card_id=row.card_id,
        account_id=row.account_id,
        amount=int(row.amount),
        currency=row.currency,
        channel=Channel(row.channel),
        mcc=row.mcc,
        merchant_name=row.merchant_name,
        merchant_id=row.merchant_id,
        status=AuthorizationStatus(row.status),
        decline_reason=None if row.decline_reason is None else DeclineReason(row.decline_reason),
        hold_id=row.hold_id,
        cleared_amount=None if row.cleared_amount is None else int(row.cleared_amount),
        entry_id=row.entry_id,
        created_at=row.created_at,
    )
