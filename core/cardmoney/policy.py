"""The bank's say over a top-up or a card payout before it is made: its fee, and whether
(and how) it may go.

Both operations ask a :class:`CardMoneyPolicy` the same questions: the fee, for the quote
the customer confirms and again when the operation is recorded (refused with
``FEE_CHANGED`` if it moved); then :meth:`~CardMoneyPolicy.admit` just before anything is
submitted, which refuses by raising a ``CoreError`` (an admin switch, a limit) or asks for
a staff review. The fee becomes the FEE_INCOME leg of the operation's one ledger entry.

:class:`FreeOfCharge` is the default: no fee, everything admitted. The payments area's fee
schedule, limits, switches and risk rules plug in by implementing this Protocol (see
docs/decisions/0049 for the adapter the lead connects).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol
from uuid import UUID

from core.actors import Actor


class Direction(StrEnum):
    TOPUP = "topup"  # money in from a card of another bank
    PAYOUT = "payout"  # money out to a card of another bank


@dataclass(frozen=True, slots=True)
class CardCharge:
    """The operation as the policy sees it."""

    direction: Direction
    customer_id: UUID
    account_id: UUID
    amount: int  # minor units: credited (top-up) or paid to the card (payout)
    currency: str
    # A payout's destination as its keyed blind index (for "new recipient" rules); the
    # card number itself never reaches a policy. None for top-ups.
    card_index: str | None = None


@dataclass(frozen=True, slots=True)
class Admission:
    """The policy's yes: at once, or after a staff review (``reasons`` say why)."""

    review: bool = False
    reasons: tuple[str, ...] = ()


class CardMoneyPolicy(Protocol):
    """Fees, limits, switches and risk for top-ups and card payouts."""

    async def fee(self, charge: CardCharge) -> int:
        """The fee on top of the amount, in minor units (zero or more)."""
        ...

    async def admit(self, charge: CardCharge, fee: int, reference: str, actor: Actor) -> Admission:
        """Let the operation ``reference`` (``topup:<id>``, ``payout:<id>``) go, or raise a
        ``CoreError``. Whatever it counts (a limit) it counts under ``reference``, once
        however often it is asked; :meth:`release` gives it back."""
        ...

    async def release(self, reference: str, actor: Actor) -> None:
        """The operation's money did not go (or came back): undo what :meth:`admit`
        counted. Called at most once per admitted operation that does not complete."""
        ...


class FreeOfCharge:
    """No fee; every operation admitted; nothing counted."""

    async def fee(self, charge: CardCharge) -> int:
        return 0

    async def admit(self, charge: CardCharge, fee: int, reference: str, actor: Actor) -> Admission:
        return Admission()

    async def release(self, reference: str, actor: Actor) -> None:
        return None
