"""What a customer controls on a card: lock, block, limits, channels and the PIN."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from core.actors import Actor
from core.cards.base import CardCommands, Change
from core.cards.errors import CardBlocked, PinAlreadySet, PinBlocked, PinNotSet, WrongPin
from core.cards.model import (
    PIN_ATTEMPTS,
    BlockReason,
    CardStatus,
    validate_pin,
    validate_pin_shape,
)
from core.cards.rules import Limits, limit_policy
from core.cards.views import CardView
from core.errors import CoreError, ValidationFailed
from core.persistence.types import AnyRow


def _usable(row: AnyRow) -> None:
    """Every control but reading is refused on a blocked card: blocking is final."""
    if row.status == CardStatus.BLOCKED.value:
        raise CardBlocked(card_id=str(row.id))


def _flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed("true or false", field=field)
    return value


class ControlsMixin(CardCommands):
    """Lock, unlock, block, limits, channel switches, PIN set, change and reset."""

    async def lock(self, card_id: UUID, actor: Actor) -> CardView:
        """Lock the card (every authorization is declined) until the customer unlocks it.
        Locking a locked card changes nothing."""
        return await self._set_status(card_id, actor, CardStatus.LOCKED, "lock_card")

    async def unlock(self, card_id: UUID, actor: Actor) -> CardView:
        """Unlock a locked card; an active card stays as it is."""
        return await self._set_status(card_id, actor, CardStatus.ACTIVE, "unlock_card")

    async def block(self, card_id: UUID, reason: str, actor: Actor) -> CardView:
        """Block the card as ``lost`` or ``stolen``: final (see :meth:`reissue`).

        Blocking again for the same reason changes nothing; for another, ``CARD_BLOCKED``.
        """
        try:
            cause = BlockReason(reason)
        except ValueError:
            cause = None

        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            if cause is None:
                raise ValidationFailed("a card is blocked as lost or stolen", field="reason")
            if row.status == CardStatus.BLOCKED.value:
                if row.block_reason == cause.value:
                    return Change(details={"reason": cause.value, "unchanged": True})
                raise CardBlocked(card_id=str(card_id))
            return Change(
                values={"status": CardStatus.BLOCKED.value, "block_reason": cause.value},
                details={"reason": cause.value},
                event="card.blocked",
                payload={"reason": cause.value},
            )

        return await self._change(card_id, actor, "block_card", mutate)

    async def set_limits(
        self, card_id: UUID, per_transaction: int, daily: int, actor: Actor
    ) -> CardView:
        """Set the per-transaction and daily limits (minor units of the card's currency),
        within the bank's maxima for that currency."""

        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            limits = limit_policy(row.currency).check(Limits(per_transaction, daily), row.currency)
            _usable(row)
            return Change(
                values={
                    "per_transaction_limit": limits.per_transaction,
                    "daily_limit": limits.daily,
                },
                details={
                    "per_transaction_limit": limits.per_transaction,
                    "daily_limit": limits.daily,
                },
            )

        return await self._change(card_id, actor, "set_card_limits", mutate)

    async def set_channels(
        self, card_id: UUID, *, online: bool, atm: bool, actor: Actor
    ) -> CardView:
        """Allow or refuse online (card not present) and ATM authorizations."""

        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            values = {
                "online_enabled": _flag(online, "online_enabled"),
                "atm_enabled": _flag(atm, "atm_enabled"),
            }
            _usable(row)
            return Change(values=values, details=values)

        return await self._change(card_id, actor, "set_card_channels", mutate)

    async def set_pin(self, card_id: UUID, pin: str, actor: Actor) -> CardView:
        """Set the first PIN (``PIN_ALREADY_SET`` once there is one: change it instead).

        ``INVALID_PIN`` unless 4 to 6 digits, ``WEAK_PIN`` for 1111 or 1234 and the like.
        """
        ctx = self._ctx
        try:
            valid = validate_pin(pin)
        except CoreError as exc:
            await self._refuse(card_id, actor, "set_card_pin", exc)
        # Hashed before the card is locked: argon2 takes its time by design.
        hashed = await ctx.pins.hash(ctx.vault.pin_digest(card_id, valid))

        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            _usable(row)
            if row.pin_hash is not None:
                raise PinAlreadySet(card_id=str(card_id))
            return Change(
                values={"pin_hash": hashed, "pin_attempts": 0, "pin_blocked": False},
                event="card.pin_changed",
            )

        return await self._change(card_id, actor, "set_card_pin", mutate)

    async def change_pin(
        self, card_id: UUID, current_pin: str, new_pin: str, actor: Actor
    ) -> CardView:
        """Change the PIN, given the current one.

        A wrong current PIN is ``WRONG_PIN`` (with ``attempts_left``); the third wrong one
        in a row blocks the PIN (``PIN_BLOCKED``) until staff reset it. A right one resets
        the count.
        """
        ctx = self._ctx
        try:
            current = validate_pin_shape(current_pin)
            valid = validate_pin(new_pin)
        except CoreError as exc:
            await self._refuse(card_id, actor, "change_card_pin", exc)
        hashed = await ctx.pins.hash(ctx.vault.pin_digest(card_id, valid))

        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            _usable(row)
            if row.pin_hash is None:
                raise PinNotSet(card_id=str(card_id))
            if row.pin_blocked:
                raise PinBlocked(card_id=str(card_id))
            check = await ctx.pins.check(row.pin_hash, ctx.vault.pin_digest(card_id, current))
            if check.ok:
                return Change(
                    values={"pin_hash": hashed, "pin_attempts": 0}, event="card.pin_changed"
                )
            attempts = int(row.pin_attempts) + 1
            blocked = attempts >= PIN_ATTEMPTS
            error = (
                PinBlocked(card_id=str(card_id))
                if blocked
                else WrongPin(card_id=str(card_id), attempts_left=PIN_ATTEMPTS - attempts)
            )
            return Change(
                values={"pin_attempts": attempts, "pin_blocked": blocked},
                event="card.pin_blocked" if blocked else None,
                error=error,
            )

        return await self._change(card_id, actor, "change_card_pin", mutate)

    async def reset_pin(self, card_id: UUID, actor: Actor) -> CardView:
        """Staff: remove the PIN (a blocked one too) so the customer can set a new one."""

        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            _usable(row)
            return Change(
                values={"pin_hash": None, "pin_attempts": 0, "pin_blocked": False},
                event="card.pin_reset",
            )

        return await self._change(card_id, actor, "reset_card_pin", mutate)

    async def _set_status(
        self, card_id: UUID, actor: Actor, status: CardStatus, action: str
    ) -> CardView:
        async def mutate(_: AsyncConnection, row: AnyRow, __: datetime) -> Change:
            _usable(row)
            if row.status == status.value:
                return Change(details={"unchanged": True})
            event = "card.locked" if status is CardStatus.LOCKED else "card.unlocked"
            return Change(values={"status": status.value}, event=event)

        return await self._change(card_id, actor, action, mutate)
