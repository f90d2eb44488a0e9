"""Issuing virtual cards, and reissuing one blocked as lost or stolen."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from core import events, idempotency
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cards import repository as repo
from core.cards.base import CardCommands
from core.cards.errors import (
    AccountNotOwned,
    CardAlreadyReissued,
    CardLimitReached,
    CardNotBlocked,
    KycRequired,
)
from core.cards.model import CardStatus, CardTier, Expiry, new_card_number
from core.cards.rules import Limits, limit_policy
from core.cards.tables import cards
from core.cards.views import CardView
from core.customers.model import KycLevel, KycStatus, kyc_level
from core.customers.service import CustomerNotFound
from core.errors import CoreError, ValidationFailed
from core.ledger.errors import AccountClosed, AccountFrozen, AccountNotFound
from core.ledger.model import AccountKind, AccountStatus
from core.persistence.tables import accounts, customers
from core.persistence.types import AnyRow

_NUMBER_ATTEMPTS = 5


def card_tier(value: str) -> CardTier:
    try:
        return CardTier(value)
    except ValueError:
        tiers = ", ".join(t.value for t in CardTier)
        raise ValidationFailed(f"a card tier is one of {tiers}", field="tier") from None


class IssuingMixin(CardCommands):
    """Issue and reissue."""

    async def issue(
        self,
        customer_id: UUID,
        account_id: UUID,
        tier: str,
        actor: Actor,
        *,
        idempotency_key: str | None = None,
    ) -> CardView:
        """Issue a virtual debit card on one of a verified customer's accounts.

        Refused with ``KYC_REQUIRED`` below ``KycLevel.FULL``, ``ACCOUNT_NOT_OWNED`` for
        someone else's account, ``ACCOUNT_FROZEN``/``ACCOUNT_CLOSED``, and
        ``CARD_LIMIT_REACHED`` past the bank's cards per customer. With an idempotency key
        a repeated request returns the card it first issued.
        """
        ctx = self._ctx
        now = ctx.clock.now()
        try:
            card_type = card_tier(tier)
            card_id = uuid4()
            async with ctx.db.transaction() as conn:
                if idempotency_key is not None:
                    request = {
                        "customer_id": str(customer_id),
                        "account_id": str(account_id),
                        "tier": card_type.value,
                    }
                    replay = await self._claim(
                        conn, actor, idempotency_key, "issue_card", request, card_id, now
                    )
                    if replay is not None:
                        return replay
                account = await self._eligible(conn, customer_id, account_id)
                policy = limit_policy(account.currency).defaults(account.currency)
                card = await self._insert(
                    conn, card_id, account, card_type, policy, now, online=True, atm=True
                )
                payload = {
                    "card_id": str(card_id),
                    "customer_id": str(customer_id),
                    "account_id": str(account_id),
                    "tier": card_type.value,
                }
                await events.record(conn, "card.issued", card_id, payload, now)
                details = {**payload, "last4": card.last4}
                await record(conn, now, actor, "issue_card", f"card:{card_id}", details)
        except CoreError as exc:
            target = f"customer:{customer_id}"
            await record_rejection(ctx.db, now, actor, "issue_card", target, exc)
            raise
        return card

    async def reissue(
        self, card_id: UUID, actor: Actor, *, idempotency_key: str | None = None
    ) -> CardView:
        """A new card (new number and expiry, no PIN yet) for one blocked as lost or
        stolen: same customer, account, tier, limits and channel settings. The old card
        stays blocked. Once per blocked card (``CARD_ALREADY_REISSUED``)."""
        ctx = self._ctx
        now = ctx.clock.now()
        new_id = uuid4()
        try:
            async with ctx.db.transaction() as conn:
                if idempotency_key is not None:
                    request = {"card_id": str(card_id)}
                    replay = await self._claim(
                        conn, actor, idempotency_key, "reissue_card", request, new_id, now
                    )
                    if replay is not None:
                        return replay
                old = await repo.find_card(conn, card_id, lock=True)
                if old.status != CardStatus.BLOCKED.value:
                    raise CardNotBlocked(card_id=str(card_id), status=old.status)
                replacement = await repo.replacement_of(conn, card_id)
                if replacement is not None:
                    raise CardAlreadyReissued(card_id=str(card_id), replacement=str(replacement))
                account = await self._eligible(conn, old.customer_id, old.account_id)
                limits = Limits(int(old.per_transaction_limit), int(old.daily_limit))
                card = await self._insert(
                    conn,
                    new_id,
                    account,
                    CardTier(old.tier),
                    limits,
                    now,
                    online=bool(old.online_enabled),
                    atm=bool(old.atm_enabled),
                    replaces=card_id,
                )
                payload = {
                    "card_id": str(new_id),
                    "replaces_card_id": str(card_id),
                    "customer_id": str(old.customer_id),
                    "account_id": str(old.account_id),
                    "tier": old.tier,
                }
                await events.record(conn, "card.reissued", new_id, payload, now)
                details = {**payload, "last4": card.last4}
                await record(conn, now, actor, "reissue_card", f"card:{card_id}", details)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "reissue_card", f"card:{card_id}", exc)
            raise
        return card

    # -- helpers ----------------------------------------------------------------------

    async def _claim(
        self,
        conn: AsyncConnection,
        actor: Actor,
        key: str,
        command: str,
        request: dict[str, Any],
        resource_id: UUID,
        now: datetime,
    ) -> CardView | None:
        """Claim the idempotency key; the card it first produced, if it was used before."""
        claim = await idempotency.claim(
            conn,
            scope=str(actor),
            key=key,
            command=command,
            fingerprint_=idempotency.fingerprint(command, request),
            resource_id=resource_id,
            at=now,
        )
        if claim.is_new:
            return None
        return repo.card_view(await repo.find_card(conn, claim.resource_id))

    async def _eligible(
        self, conn: AsyncConnection, customer_id: UUID, account_id: UUID
    ) -> AnyRow:
        """The account a new card may be linked to, after every issuing rule.

        The customer row is locked, so concurrent issues for one customer queue and the
        per-customer maximum holds; the cards in use are counted after the lock (a count in
        the locking statement would see the snapshot from before the wait).
        """
        row = (
            await conn.execute(
                select(
                    customers.c.kyc_status,
                    accounts.c.id,
                    accounts.c.customer_id,
                    accounts.c.kind,
                    accounts.c.status,
                    accounts.c.currency,
                )
                .select_from(customers.outerjoin(accounts, accounts.c.id == account_id))
                .where(customers.c.id == customer_id)
                .with_for_update(of=customers)
            )
        ).one_or_none()
        if row is None:
            raise CustomerNotFound(customer_id=str(customer_id))
        if kyc_level(KycStatus(row.kyc_status)) is not KycLevel.FULL:
            raise KycRequired(customer_id=str(customer_id), kyc_status=row.kyc_status)
        if row.id is None:
            raise AccountNotFound(account_id=str(account_id))
        if row.kind != AccountKind.CUSTOMER.value or row.customer_id != customer_id:
            raise AccountNotOwned(account_id=str(account_id), customer_id=str(customer_id))
        if row.status == AccountStatus.FROZEN.value:
            raise AccountFrozen(account_id=str(account_id))
        if row.status == AccountStatus.CLOSED.value:
            raise AccountClosed(account_id=str(account_id))
        in_use = (
            await conn.execute(
                select(func.count())
                .select_from(cards)
                .where(
                    cards.c.customer_id == customer_id,
                    cards.c.status != CardStatus.BLOCKED.value,
                )
            )
        ).scalar_one()
        maximum = self._ctx.config.max_cards_per_customer
        if in_use >= maximum:
            raise CardLimitReached(customer_id=str(customer_id), maximum=maximum)
        return row

    async def _insert(
        self,
        conn: AsyncConnection,
        card_id: UUID,
        account: AnyRow,
        tier: CardTier,
        limits: Limits,
        now: datetime,
        *,
        online: bool,
        atm: bool,
        replaces: UUID | None = None,
    ) -> CardView:
        """Insert the card under a fresh number; a number already taken (one chance in a
        billion per card) is skipped without aborting the transaction."""
        ctx = self._ctx
        expiry = Expiry.after(now, ctx.config.validity_years)
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        for _ in range(_NUMBER_ATTEMPTS):
            sealed = ctx.vault.seal(new_card_number(ctx.config.bin))
            values = {
                "id": card_id,
                "customer_id": account.customer_id,
                "account_id": account.id,
                "currency": account.currency,
                "tier": tier.value,
                "status": CardStatus.ACTIVE.value,
                "block_reason": None,
                "number_enc": sealed.token,
                "number_index": sealed.index,
                "last4": sealed.last4,
                "expiry_year": expiry.year,
                "expiry_month": expiry.month,
                "pin_hash": None,
                "pin_attempts": 0,
                "pin_blocked": False,
                "per_transaction_limit": limits.per_transaction,
                "daily_limit": limits.daily,
                "online_enabled": online,
                "atm_enabled": atm,
                "replaces_card_id": replaces,
                "created_at": now,
                "updated_at": now,
            }
            inserted = (
                await conn.execute(
                    dialect.insert(cards)
                    .values(**values)
                    .on_conflict_do_nothing(index_elements=[cards.c.number_index])
                    .returning(cards.c.id)
                )
            ).first()
            if inserted is not None:
                return CardView(
                    id=card_id,
                    customer_id=account.customer_id,
                    account_id=account.id,
                    tier=tier,
                    status=CardStatus.ACTIVE,
                    block_reason=None,
                    last4=sealed.last4,
                    expiry=expiry,
                    currency=account.currency,
                    per_transaction_limit=limits.per_transaction,
                    daily_limit=limits.daily,
                    online_enabled=online,
                    atm_enabled=atm,
                    pin_set=False,
                    pin_blocked=False,
                    replaces_card_id=replaces,
                    created_at=now,
                )
        raise RuntimeError("could not find a free card number")
