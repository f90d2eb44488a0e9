"""Card processing: what a processor (acquirer, network) asks of the issuing bank.

An **authorization** is judged against the card (status, expiry, channel switches, CVV,
PIN, limits) and, when the rules allow it, held on the card's account through the
ledger; a **clearing** posts it (for at most the authorized amount); a **reversal**
voids it. Each is idempotent by the processor's own id for the authorization.

Three steps, because the ledger runs its own transaction (and SQLite allows one writer):

1. With the card locked: find the authorization by the processor's id (a replay returns
   it), else judge it and insert it, ``declined`` or ``pending`` (approved by the rules,
   counting against the daily limit from now on).
2. Place the hold with the key ``card-auth:<authorization id>``: a duplicate request, a
   retry or the sweep of stale ``pending`` ones all reach the same single hold.
3. Move the authorization from ``pending`` to ``approved`` (or ``declined`` when the
   ledger refused: funds, a frozen account) only if it is still pending; a request that
   lost that race and holds a hold the winner did not keep voids it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from uuid import UUID, uuid4

from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cards import repository as repo
from core.cards.base import CardContext
from core.cards.errors import CardNotFound
from core.cards.model import PIN_ATTEMPTS, Expiry, normalize_card_number, validate_pin_shape
from core.cards.rules import (
    AuthorizationStatus,
    Channel,
    DeclineReason,
    Purchase,
    card_decline,
    day_bounds,
    limit_decline,
    validate_mcc,
)
from core.cards.settlement import Settlement
from core.cards.views import AuthorizationView
from core.errors import CoreError, ValidationFailed
from core.ledger.errors import IdempotencyConflict
from core.ledger.model import ensure_positive
from core.money import Currency
from core.persistence.types import AnyRow

_REFERENCE = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_CVV = re.compile(r"[0-9]{3}")


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """An authorization as a processor sends it. ``repr`` hides the card data."""

    reference: str  # the processor's id for this authorization: its idempotency key
    card_number: str = field(repr=False)
    expiry_month: int
    expiry_year: int
    amount: int
    currency: str
    channel: str
    mcc: str
    merchant_name: str
    merchant_id: str | None = None
    cvv: str | None = field(default=None, repr=False)
    pin: str | None = field(default=None, repr=False)


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_reference(reference: str) -> str:
    if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
        raise ValidationFailed(
            "an authorization id is 1 to 64 letters, digits and . _ : -", field="reference"
        )
    return reference


def _check_request(req: AuthorizationRequest) -> tuple[str, Channel, Expiry]:
    """The normalized card number, channel and expiry of a well-formed request."""
    check_reference(req.reference)
    ensure_positive(req.amount)
    Currency.of(req.currency)
    validate_mcc(req.mcc)
    try:
        channel = Channel(req.channel)
    except ValueError:
        raise ValidationFailed("a channel is pos, online or atm", field="channel") from None
    name = req.merchant_name
    if not isinstance(name, str) or not name.strip() or len(name) > 60 or not name.isprintable():
        raise ValidationFailed("a merchant name is 1 to 60 characters", field="merchant_name")
    if req.merchant_id is not None and not _REFERENCE.fullmatch(req.merchant_id):
        raise ValidationFailed("a merchant id is 1 to 64 characters", field="merchant_id")
    month, year = req.expiry_month, req.expiry_year
    if not (_whole(month) and 1 <= month <= 12 and _whole(year) and 2000 <= year <= 2099):
        raise ValidationFailed("an expiry is a month 1-12 and a four-digit year", field="expiry")
    if req.cvv is not None and not (isinstance(req.cvv, str) and _CVV.fullmatch(req.cvv)):
        raise ValidationFailed("a CVV is three digits", field="cvv")
    if req.pin is not None:
        validate_pin_shape(req.pin)
    number = normalize_card_number(req.card_number)
    return number, channel, Expiry(req.expiry_year, req.expiry_month)


class CardProcessing:
    """Authorizations, clearings and reversals from card processors."""

    def __init__(self, ctx: CardContext) -> None:
        self._ctx = ctx
        self._settlement = Settlement(ctx)

    async def authorize(self, req: AuthorizationRequest, actor: Actor) -> AuthorizationView:
        """Approve (money held) or decline (with a reason and ISO 8583 response code).

        The same ``reference`` from the same processor returns the first outcome; with a
        different request it is ``IDEMPOTENCY_CONFLICT``. An unknown card number is
        ``CARD_NOT_FOUND``; a malformed request changes nothing.
        """
        ctx = self._ctx
        now = ctx.clock.now()
        target = "card:unknown"
        try:
            number, channel, expiry = _check_request(req)
            fingerprint = ctx.vault.request_fingerprint(
                {
                    "number": number,
                    "expiry": str(expiry),
                    "amount": req.amount,
                    "currency": req.currency.upper(),
                    "channel": channel.value,
                    "mcc": req.mcc,
                    "merchant_name": req.merchant_name,
                    "merchant_id": req.merchant_id,
                    "cvv": req.cvv,
                    "pin": req.pin,
                }
            )
            async with ctx.db.transaction() as conn:
                card = await repo.find_by_index(conn, ctx.vault.index(number), lock=True)
                if card is None:
                    raise CardNotFound()
                target = f"card:{card.id}"
                row = await repo.find_authorization(conn, str(actor), req.reference)
                if row is not None:
                    if row.fingerprint != fingerprint:
                        raise IdempotencyConflict(
                            "this authorization id was used for a different request"
                        )
                    view = repo.authorization_view(row)
                else:
                    purchase = Purchase(
                        req.amount,
                        req.currency.upper(),
                        channel,
                        expiry,
                        None
                        if req.cvv is None
                        else ctx.vault.cvv_matches(number, expiry, req.cvv),
                    )
                    reason = await self._judge(conn, card, purchase, req.pin)
                    view = await self._record(conn, card, req, channel, fingerprint, reason, actor)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "authorize_card", target, exc)
            raise
        if view.status is AuthorizationStatus.PENDING:
            return await self._settlement.hold(view)
        return view

    async def clear(
        self, reference: str, amount: int, currency: str, actor: Actor
    ) -> AuthorizationView:
        """Post an approved authorization for ``amount`` (at most the authorized amount;
        whatever is left of the hold is released). Clearing it again for the same amount
        returns it; for another, ``IDEMPOTENCY_CONFLICT``."""
        return await self._settlement.clear(reference, amount, currency, actor)

    async def reverse(self, reference: str, actor: Actor) -> AuthorizationView:
        """Void an approved authorization's hold. A declined, reversed or expired one is
        returned as it is (processors reverse when unsure of the outcome); a cleared one
        is ``AUTHORIZATION_CLEARED``."""
        return await self._settlement.reverse(reference, actor)

    async def get(self, reference: str, actor: Actor) -> AuthorizationView:
        """One of this processor's authorizations, by its id."""
        return await self._settlement.find(reference, actor)

    async def for_card(self, card_id: UUID, *, limit: int = 50) -> list[AuthorizationView]:
        """The card's authorizations, newest first: what it bought and what was declined."""
        if not 1 <= limit <= 500:
            raise ValidationFailed("a limit is 1 to 500", field="limit")
        async with self._ctx.db.read() as conn:
            await repo.find_card(conn, card_id)
            rows = await repo.recent_authorizations(conn, card_id, limit)
        return [repo.authorization_view(row) for row in rows]

    async def complete_stale(self, *, batch: int = 100) -> int:
        """The sweep: finish authorizations left ``pending`` by a crash between steps 1
        and 3, and mark as expired those whose hold ran out uncleared. Returns how many
        pending ones it finished."""
        ctx = self._ctx
        now = ctx.clock.now()
        async with ctx.db.read() as conn:
            rows = await repo.stale_pending(conn, now - ctx.config.stale_authorization, batch)
        for row in rows:
            await self._settlement.hold(repo.authorization_view(row))
        async with ctx.db.transaction() as conn:
            await repo.expire_lapsed(conn, now)
        return len(rows)

    # -- step 1 ---------------------------------------------------------------------------

    async def _judge(
        self, conn: AsyncConnection, card: AnyRow, purchase: Purchase, pin: str | None
    ) -> DeclineReason | None:
        """The decline reason, or None; a PIN is checked (and counted) only when the card
        would otherwise allow the purchase."""
        ctx = self._ctx
        rules = repo.card_rules(card)
        reason = card_decline(rules, purchase, ctx.clock.now())
        if reason is None:
            reason = await self._pin_decline(conn, card, purchase.channel, pin)
        if reason is None:
            since, until = day_bounds(ctx.clock.now())
            used = await repo.used_today(conn, card.id, since, until)
            reason = limit_decline(rules, purchase.amount, used)
        return reason

    async def _pin_decline(
        self, conn: AsyncConnection, card: AnyRow, channel: Channel, pin: str | None
    ) -> DeclineReason | None:
        ctx = self._ctx
        if pin is None:
            return DeclineReason.PIN_REQUIRED if channel is Channel.ATM else None
        if card.pin_hash is None:
            return DeclineReason.WRONG_PIN  # nothing to match; nothing to count either
        if card.pin_blocked:
            return DeclineReason.PIN_BLOCKED
        check = await ctx.pins.check(card.pin_hash, ctx.vault.pin_digest(card.id, pin))
        now = ctx.clock.now()
        if check.ok:
            values: dict[str, object] = {}
            if card.pin_attempts:
                values["pin_attempts"] = 0
            if check.rehashed is not None:
                values["pin_hash"] = check.rehashed
            if values:
                await repo.update_card(conn, card.id, now, values)
            return None
        attempts = int(card.pin_attempts) + 1
        blocked = attempts >= PIN_ATTEMPTS
        await repo.update_card(
            conn, card.id, now, {"pin_attempts": attempts, "pin_blocked": blocked}
        )
        if blocked:
            payload = {"card_id": str(card.id), "customer_id": str(card.customer_id)}
            await events.record(conn, "card.pin_blocked", card.id, payload, now)
            return DeclineReason.PIN_BLOCKED
        return DeclineReason.WRONG_PIN

    async def _record(
        self,
        conn: AsyncConnection,
        card: AnyRow,
        req: AuthorizationRequest,
        channel: Channel,
        fingerprint: str,
        reason: DeclineReason | None,
        actor: Actor,
    ) -> AuthorizationView:
        """Insert the judged authorization with its audit record (and event if declined)."""
        now = self._ctx.clock.now()
        authorization_id = uuid4()
        status = AuthorizationStatus.PENDING if reason is None else AuthorizationStatus.DECLINED
        values = {
            "id": authorization_id,
            "processor": str(actor),
            "reference": req.reference,
            "fingerprint": fingerprint,
            "card_id": card.id,
            "account_id": card.account_id,
            "amount": req.amount,
            "currency": req.currency.upper(),
            "channel": channel.value,
            "mcc": req.mcc,
            "merchant_name": req.merchant_name,
            "merchant_id": req.merchant_id,
            "status": status.value,
            "decline_reason": None if reason is None else reason.value,
            "hold_id": None,
            "cleared_amount": None,
            "entry_id": None,
            "created_at": now,
            "updated_at": now,
        }
        await repo.insert_authorization(conn, values)
        details = {
            "authorization_id": str(authorization_id),
            "reference": req.reference,
            "amount": req.amount,
            "currency": values["currency"],
            "channel": channel.value,
            "mcc": req.mcc,
        }
        outcome = "ok" if reason is None else f"declined:{reason.value}"
        await record(conn, now, actor, "authorize_card", f"card:{card.id}", details, outcome)
        if reason is not None:
            await self._settlement.declined_event(conn, card, values, reason)
        return repo.authorization_view(await repo.authorization_by_id(conn, authorization_id))
