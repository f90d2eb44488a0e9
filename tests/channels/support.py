"""What the channel tests share: a recording intake, a media source with no files, the
joined text of what a customer saw, and a demo customer's card number and balance."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol
from uuid import UUID

from bots.channel import Received
from flows.ports import Media
from tests.channels.harness import RunningTeller


class RecordingIntake:
    """Keeps what a webhook accepted and the events it reported. ``fail`` makes both raise
    (the database is down); ``events_expected=False`` makes an event a test failure."""

    def __init__(self, *, fail: bool = False, events_expected: bool = True) -> None:
        self.received: list[Received] = []
        self.events: list[tuple[str, str, str, str]] = []
        self.fail = fail
        self.events_expected = events_expected

    async def accept(self, received: Sequence[Received]) -> int:
        if self.fail:
            raise RuntimeError("database is down")
        self.received.extend(received)
        return len(received)

    async def event(self, channel: str, user: str, kind: str, detail: str = "") -> None:
        if self.fail:
            raise RuntimeError("database is down")
        if not self.events_expected:
            raise AssertionError(f"no events expected, got {kind} for {channel}:{user}")
        self.events.append((channel, user, kind, detail))

    @property
    def untouched(self) -> bool:
        return not self.received and not self.events


class NoMedia:
    """No stored files; public URLs under ``base`` (none when it is empty)."""

    def __init__(self, base: str = "") -> None:
        self.base = base

    async def get(self, media_id: str) -> Media | None:
        return None

    def public_url(self, media_id: str, filename: str = "") -> str:
        return f"{self.base}/{media_id}" if self.base else ""


class HasText(Protocol):
    @property
    def text(self) -> str: ...


def joined(sent: Iterable[HasText]) -> str:
    """Everything the customer saw, with the narrow spaces of formatted amounts plain."""
    return "\n".join(s.text for s in sent).replace("\u00a0", " ").replace("\u202f", " ")


async def card_number(teller: RunningTeller, key: str) -> str:
    """The full number of a demo customer's first card (to pay it by card number)."""
    bank = teller.conversations.services.bank
    cards = await bank.list_cards(UUID(teller.customer(key)["customer_id"]))
    token = await bank.create_card_reveal(cards[0].id)
    return (await bank.reveal_card(token.token)).number


async def balance_of(teller: RunningTeller, key: str) -> int:
    """A demo customer's euro balance in cents (to show a payment made exactly once)."""
    customer = UUID(teller.customer(key)["customer_id"])
    [euros] = [a for a in await teller.bank.accounts.for_customer(customer) if a.currency == "EUR"]
    return euros.balance
