"""What every messenger adapter provides, and what the delivery pipeline gives it.

An adapter (``bots/telegram``, ``bots/viber``, ``bots/whatsapp_twilio``,
``bots/whatsapp_cloud``, ``bots/messenger``) does four things and nothing else:

* its webhook routes verify the platform's signature on the raw body and parse the body
  into :class:`Received` messages, which they hand to the :class:`Intake` (record the
  platform's message id, enqueue) before answering 200 — nothing is processed before that;
* :meth:`ChannelAdapter.prepare` runs in a worker, under the conversation's lock, just
  before the turn: it downloads what the customer sent (files are only referenced in the
  webhook) and acknowledges what the platform wants acknowledged (Telegram's callback
  queries);
* :meth:`ChannelAdapter.send` delivers one reply, already fitted to the channel's
  :class:`~flows.messages.Capabilities`, raising :class:`DeliveryError` when it cannot;
* :meth:`ChannelAdapter.check` and :meth:`ChannelAdapter.setup` serve ``teller doctor``
  and ``teller channels setup``.

Raw platform payloads never leave ``bots/``: the queue keeps an :class:`Inbound` and the
adapter's own small notes (``Received.fetch``), such as a file id to download.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx
from fastapi import APIRouter

from flows.messages import Capabilities, Inbound, Reply
from flows.ports import Media


@dataclass(frozen=True, slots=True)
class Received:
    """One customer message from a verified webhook, not processed yet.

    ``inbound.attachment`` is None here: the adapter notes in ``fetch`` what to download
    (``{"file_id": …}``, ``{"url": …}``) and :meth:`ChannelAdapter.prepare` fetches it.
    ``fetch`` is kept as JSON in the queue: strings only, and never a secret or a token.
    """

    inbound: Inbound
    fetch: dict[str, str] = field(default_factory=dict)


class Intake(Protocol):
    """Where webhook routes put what they received (the pipeline implements it)."""

    async def accept(self, received: Sequence[Received]) -> int:
        """Record each message's platform id and enqueue the new ones; a redelivered id is
        ignored. Fast: one short write shared with the webhooks arriving at the same time,
        no processing. Returns how many messages of that write were new (0: all seen)."""
        ...

    async def event(self, channel: str, user: str, kind: str, detail: str = "") -> None:
        """A platform event that is not a message: ``unsubscribed``, ``subscribed``,
        ``delivered``, ``failed`` (a status callback with the platform's error code)."""
        ...


class MediaSource(Protocol):
    """Pictures and documents of replies, by the id a reply carries."""

    async def get(self, media_id: str) -> Media | None: ...

    def public_url(self, media_id: str, filename: str = "") -> str:
        """A URL the platform can fetch the file from (unguessable, expires with it). With
        ``filename`` the URL ends with it: platforms name files and guess picture types
        from the URL."""
        ...


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One reply to deliver to one person."""

    user: str
    reply: Reply  # fits the channel's capabilities (``flows.messages.degrade`` ran)
    outbox_id: int
    window_open: bool = True  # the customer wrote within 24 hours (WhatsApp, Messenger)
    notification: bool = False  # not an answer: the bank's event or a person's reply
    language: str = "en"


class DeliveryError(Exception):
    """A reply that could not be delivered.

    ``permanent``: never retried (the person blocked the bot, the 24-hour window is
    closed, the chat does not exist); recorded and shown to staff. Otherwise retried with
    back-off, or after ``retry_after`` seconds when the platform said so (HTTP 429).
    ``reason`` is shown to staff and logged: never a token, a card number or message text.
    """

    def __init__(
        self, reason: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.retry_after = retry_after


class PrepareError(Exception):
    """``prepare`` could not fetch what the customer sent; ``permanent`` when retrying
    cannot help (the file is gone or too large), so the turn runs without it."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True, slots=True)
class Check:
    """One line of ``teller doctor``: what was checked, whether it is fine, and the fix."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True, slots=True)
class Limits:
    """A platform's sending limits, enforced across processes by the pipeline."""

    per_second: float  # messages per second for the whole channel
    per_chat_per_second: float  # messages per second to one person
    per_chat_burst: int = 3  # a short burst to one person is tolerated


class ChannelAdapter(Protocol):
    name: str  # the channel's name in Inbound.channel and in /webhooks/<name>
    capabilities: Capabilities
    limits: Limits
    window_hours: int | None  # a free-form reply window (24 on WhatsApp and Messenger)

    def router(self, intake: Intake) -> APIRouter:
        """The webhook routes, mounted under ``/webhooks``."""
        ...

    async def prepare(self, received: Received) -> Inbound:
        """The message as the turn sees it: attachment downloaded, callbacks answered.
        Raises :class:`PrepareError`."""
        ...

    async def send(self, out: Outgoing) -> None:
        """Deliver one reply. Raises :class:`DeliveryError`."""
        ...

    async def check(self) -> list[Check]:
        """Token valid, webhook registered and healthy (``teller doctor``)."""
        ...

    async def setup(self, webhook_url: str) -> str:
        """Register the webhook where the platform allows it; what was done, or what the
        operator must do by hand (``teller channels setup``)."""
        ...


@dataclass(frozen=True, slots=True)
class AdapterDeps:
    """What the wiring gives an adapter: one HTTP client (timeouts set) and the media."""

    http: httpx.AsyncClient
    media: MediaSource
