"""The ledger side of card processing: holding, clearing and voiding authorizations.

Every ledger command here runs as ``CARD_SYSTEM`` with a key derived from the
authorization (``card-auth:``, ``card-clear:``, ``card-reverse:`` + its id), so a retry, a
duplicate and the sweep all reach the one effect. The authorization row then moves only
from the status the step expects (see ``repository.move_authorization``).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection

from core import events
from core.actors import Actor
from core.audit.log import record, record_rejection
from core.cards import cashback
from core.cards import repository as repo
from core.cards.base import CARD_SYSTEM, CardContext
from core.cards.errors import (
    AuthorizationCleared,
    AuthorizationExpired,
    AuthorizationNotApproved,
    AuthorizationNotFound,
    ClearingAmountExceeded,
)
from core.cards.rules import AuthorizationStatus, DeclineReason
from core.cards.views import AuthorizationView
from core.errors import CoreError
from core.ledger.commands import Leg, PlaceHold, PostEntry, VoidHold
from core.ledger.errors import (
    AccountClosed,
    AccountFrozen,
    HoldExpired,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
)
from core.ledger.model import BankPurpose, EntryKind, HoldStatus, ensure_positive
from core.money import Currency, CurrencyMismatch
from core.persistence.types import AnyRow

_PENDING = AuthorizationStatus.PENDING
_APPROVED = AuthorizationStatus.APPROVED


class Settlement:
    """Steps 2 and 3 of an authorization, clearings and reversals."""

    def __init__(self, ctx: CardContext) -> None:
        self._ctx = ctx

    async def find(self, reference: str, actor: Actor) -> AuthorizationView:
        async with self._ctx.db.read() as conn:
            row = await repo.find_authorization(conn, str(actor), reference)
        if row is None:
            raise AuthorizationNotFound()
        return repo.authorization_view(row)

    async def hold(self, view: AuthorizationView) -> AuthorizationView:
        """Place the hold of a pending authorization and settle its status."""
        ctx = self._ctx
        settlement = await ctx.ledger.bank_account(BankPurpose.SETTLEMENT, view.currency)
        command = PlaceHold(
            f"card-auth:{view.id}",
            view.account_id,
            settlement,
            view.amount,
            view.currency,
            view.merchant_name,
            int(ctx.config.authorization_ttl.total_seconds()),
        )
        hold_id: UUID | None = None
        reason: DeclineReason | None = None
        try:
            hold_id = (await ctx.ledger.place_hold(command, CARD_SYSTEM)).id
        except InsufficientFunds:
            reason = DeclineReason.INSUFFICIENT_FUNDS
        except (AccountFrozen, AccountClosed):
            reason = DeclineReason.ACCOUNT_UNAVAILABLE
        now = ctx.clock.now()
        async with ctx.db.transaction() as conn:
            if reason is None:
                values: dict[str, Any] = {"status": _APPROVED.value, "hold_id": hold_id}
            else:
                values = {
                    "status": AuthorizationStatus.DECLINED.value,
                    "decline_reason": reason.value,
                }
            moved = await repo.move_authorization(
                conn, view.id, from_status=_PENDING, at=now, values=values
            )
            row = await repo.authorization_by_id(conn, view.id)
            if moved:
                card = await repo.find_card(conn, view.card_id)
                outcome = "ok" if reason is None else f"declined:{reason.value}"
                details = {"authorization_id": str(view.id), "hold_id": str(hold_id)}
                target = f"card:{view.card_id}"
                await record(
                    conn, now, CARD_SYSTEM, "hold_authorization", target, details, outcome
                )
                if reason is None:
                    await self._event(conn, "card.authorized", card, row)
                else:
                    await self.declined_event(conn, card, row._asdict(), reason)
        if hold_id is not None and row.hold_id != hold_id:
            # Declined by a concurrent request whose ledger call failed first: this hold
            # is nobody's, so it goes.
            await ctx.ledger.void_hold(VoidHold(f"card-auth-void:{view.id}", hold_id), CARD_SYSTEM)
        return repo.authorization_view(row)

    async def clear(
        self, reference: str, amount: int, currency: str, actor: Actor
    ) -> AuthorizationView:
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"card_authorization:{reference}"
        try:
            ensure_positive(amount)
            code = Currency.of(currency).code
            view = await self._settled(await self.find(reference, actor))
            if view.status is AuthorizationStatus.CLEARED:
                if view.cleared_amount == amount and view.currency == code:
                    return view
                raise IdempotencyConflict("this authorization was cleared for another amount")
            self._check_clearing(view, amount, code)
            entry_id = await self._post(view, amount)
            async with ctx.db.transaction() as conn:
                card = await repo.find_card(conn, view.card_id, lock=True)
                moved = await repo.move_authorization(
                    conn,
                    view.id,
                    from_status=_APPROVED,
                    at=now,
                    values={
                        "status": AuthorizationStatus.CLEARED.value,
                        "cleared_amount": amount,
                        "entry_id": entry_id,
                    },
                )
                row = await repo.authorization_by_id(conn, view.id)
                if moved:
                    view_ = repo.authorization_view(row)
                    await cashback.accrue(conn, card, view_, now, ctx.program_rates)
                    details = {"amount": amount, "entry_id": str(entry_id)}
                    await record(
                        conn, now, actor, "clear_authorization", f"card:{view.card_id}", details
                    )
                    await self._event(conn, "card.cleared", card, row)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "clear_authorization", target, exc)
            raise
        return repo.authorization_view(row)

    async def reverse(self, reference: str, actor: Actor) -> AuthorizationView:
        ctx = self._ctx
        now = ctx.clock.now()
        target = f"card_authorization:{reference}"
        try:
            view = await self._settled(await self.find(reference, actor))
            if view.status is AuthorizationStatus.CLEARED:
                raise AuthorizationCleared(authorization_id=str(view.id))
            if view.status is not _APPROVED:
                return view  # declined, reversed or expired: nothing is held
            assert view.hold_id is not None
            try:
                await ctx.ledger.void_hold(
                    VoidHold(f"card-reverse:{view.id}", view.hold_id), CARD_SYSTEM
                )
            except (HoldNotPending, HoldExpired):
                hold = await ctx.ledger.hold(view.hold_id)
                if hold.status is HoldStatus.POSTED:  # a clearing got there first
                    raise AuthorizationCleared(authorization_id=str(view.id)) from None
                # Expired (or past its time, which the expiry job releases): nothing held.
            async with ctx.db.transaction() as conn:
                moved = await repo.move_authorization(
                    conn,
                    view.id,
                    from_status=_APPROVED,
                    at=now,
                    values={"status": AuthorizationStatus.REVERSED.value},
                )
                row = await repo.authorization_by_id(conn, view.id)
                if moved:
                    card = await repo.find_card(conn, view.card_id)
                    details = {"authorization_id": str(view.id)}
                    await record(
                        conn, now, actor, "reverse_authorization", f"card:{view.card_id}", details
                    )
                    await self._event(conn, "card.reversed", card, row)
        except CoreError as exc:
            await record_rejection(ctx.db, now, actor, "reverse_authorization", target, exc)
            raise
        return repo.authorization_view(row)

    async def declined_event(
        self,
        conn: AsyncConnection,
        card: AnyRow,
        values: dict[str, Any],
        reason: DeclineReason,
    ) -> None:
        """``card.declined``, so the customer hears why (flows word the reason)."""
        payload = {
            "card_id": str(card.id),
            "customer_id": str(card.customer_id),
            "authorization_id": str(values["id"]),
            "reason": reason.value,
            "amount": int(values["amount"]),
            "currency": str(values["currency"]),
            "merchant_name": str(values["merchant_name"]),
        }
        await events.record(conn, "card.declined", card.id, payload, self._ctx.clock.now())

    # -- helpers ----------------------------------------------------------------------

    async def _settled(self, view: AuthorizationView) -> AuthorizationView:
        """The authorization with its hold step finished, if a crash left it pending."""
        if view.status is _PENDING:
            return await self.hold(view)
        return view

    @staticmethod
    def _check_clearing(view: AuthorizationView, amount: int, currency: str) -> None:
        if view.status is AuthorizationStatus.EXPIRED:
            raise AuthorizationExpired(authorization_id=str(view.id))
        if view.status is not _APPROVED:
            raise AuthorizationNotApproved(authorization_id=str(view.id), status=view.status.value)
        if currency != view.currency:
            raise CurrencyMismatch(currency=currency, authorization_currency=view.currency)
        if amount > view.amount:
            raise ClearingAmountExceeded(
                authorization_id=str(view.id), authorized=view.amount, requested=amount
            )

    async def _post(self, view: AuthorizationView, amount: int) -> UUID:
        """The purchase's ledger entry, capturing the hold; an expired hold expires the
        authorization (a late presentment is a dispute, not a clearing)."""
        ctx = self._ctx
        assert view.hold_id is not None
        settlement = await ctx.ledger.bank_account(BankPurpose.SETTLEMENT, view.currency)
        command = PostEntry(
            f"card-clear:{view.id}",
            kind=EntryKind.CARD_PURCHASE,
            legs=(
                Leg(view.account_id, -amount, view.currency),
                Leg(settlement, amount, view.currency),
            ),
            description=view.merchant_name,
            capture_hold=view.hold_id,
        )
        try:
            return (await ctx.ledger.post_entry(command, CARD_SYSTEM)).id
        except (HoldExpired, HoldNotPending):
            hold = await ctx.ledger.hold(view.hold_id)
            if hold.status is HoldStatus.VOIDED:  # a reversal got there first
                raise AuthorizationNotApproved(
                    authorization_id=str(view.id), status=AuthorizationStatus.REVERSED.value
                ) from None
            async with ctx.db.transaction() as conn:
                await repo.move_authorization(
                    conn,
                    view.id,
                    from_status=_APPROVED,
                    at=ctx.clock.now(),
                    values={"status": AuthorizationStatus.EXPIRED.value},
                )
            raise AuthorizationExpired(authorization_id=str(view.id)) from None

    async def _event(self, conn: AsyncConnection, type_: str, card: AnyRow, row: AnyRow) -> None:
        amount = row.amount if row.cleared_amount is None else row.cleared_amount
        payload = {
            "card_id": str(card.id),
            "customer_id": str(card.customer_id),
            "authorization_id": str(row.id),
            "amount": int(amount),
            "currency": row.currency,
            "merchant_name": row.merchant_name,
        }
        await events.record(conn, type_, card.id, payload, self._ctx.clock.now())
