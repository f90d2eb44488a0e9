"""What flows need from the outside, as Protocols; ``teller/wiring.py`` plugs them in."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncConnection


class Transactions(Protocol):
    """A database's transactions (core's ``Database`` is one): flows keep their tables in
    the bank's database so the embedded default stays one file."""

    @property
    def backend(self) -> str: ...

    def transaction(self, *, urgent: bool = False) -> AbstractAsyncContextManager[AsyncConnection]:
        """A write transaction; ``urgent`` ones go first where writers queue (SQLite)."""
        ...

    def read(self) -> AbstractAsyncContextManager[AsyncConnection]: ...


class CodeSender(Protocol):
    """Delivers one-time codes: SMS (Twilio), e-mail (SMTP), or the development outbox."""

    async def send_code(self, to: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Media:
    id: str
    content_type: str
    filename: str
    data: bytes

    def __repr__(self) -> str:
        return f"Media({self.id[:6]}…, {self.content_type}, {len(self.data)} bytes)"


class MediaStore(Protocol):
    async def put(self, data: bytes, content_type: str, filename: str) -> str: ...

    async def get(self, media_id: str) -> Media | None: ...

    async def delete(self, media_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Credentials:
    customer_id: UUID
    passcode_hash: str | None
    totp_secret: str | None  # base32, stored encrypted


class CredentialStore(Protocol):
    async def get(self, customer_id: UUID) -> Credentials | None: ...

    async def set_passcode(self, customer_id: UUID, passcode_hash: str) -> None: ...

    async def set_totp(self, customer_id: UUID, secret: str | None) -> None: ...


class IdentityStore(Protocol):
    async def customer_of(self, channel: str, user: str) -> UUID | None: ...

    async def link(self, channel: str, user: str, customer_id: UUID) -> None: ...

    async def identities_of(self, customer_id: UUID) -> list[tuple[str, str]]: ...


@dataclass
class Loaded:
    """A conversation read under its lock."""

    channel: str
    user: str
    state: dict[str, Any]
    version: int
    duplicate: bool  # the message id was handled before
    # Who the person is, when the store read it with the state (``customer_read``); else
    # the turn asks the identity store.
    customer: UUID | None = None
    customer_read: bool = False


@dataclass(frozen=True, slots=True)
class Record:
    """One line of the transcript (also the conversation's audit trail)."""

    direction: str  # in | out | event
    body: dict[str, Any]
    at: datetime


class ConversationStore(Protocol):
    def turn(
        self, channel: str, user: str, message_id: str | None
    ) -> AbstractAsyncContextManager[Loaded]:
        """Lock the conversation, then load it; the lock is held until the block ends."""
        ...

    async def save(
        self,
        loaded: Loaded,
        message_id: str | None,
        replies: list[dict[str, Any]],
        records: list[Record],
        expires_at: datetime,
        *,
        delivered: bool = False,
        done: int | None = None,
    ) -> list[int]:
        """State, outbox replies, transcript and the message id, in one transaction;
        returns the outbox ids of the replies. ``done``: the queued message (``flow_queue``
        id) the turn handled, marked done with the rest where the store can."""
        ...

    async def load(self, channel: str, user: str) -> dict[str, Any] | None: ...

    async def transcript(self, channel: str, user: str, limit: int = 200) -> list[Record]: ...
