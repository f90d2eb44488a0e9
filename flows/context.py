"""What a turn carries and what actions may use."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from flows.catalog import Catalog
from flows.definition import Flow
from flows.messages import Button, Buttons, Document, Image, Inbound, Reply, SecureLink, Text
from flows.ports import CodeSender, CredentialStore, IdentityStore, MediaStore, Record
from integrations.bank.api import BankAPI
from nlu.engine import NluEngine
from render.service import Renderer

if TYPE_CHECKING:
    from flows.sealing import Sealer
    from flows.secure import SecurePages


@dataclass(frozen=True, slots=True)
class FlowSettings:
    base_url: str = "http://127.0.0.1:8000"
    time_zone: str = "Europe/Prague"
    passcode_idle: timedelta = timedelta(minutes=15)
    # Money actions above these amounts (minor units per currency) ask for a second factor.
    step_up_minor: dict[str, int] = field(
        default_factory=lambda: {"EUR": 100_000, "USD": 100_000, "GBP": 100_000, "CZK": 2_500_000}
    )
    max_auth_failures: int = 5
    conversation_ttl: timedelta = timedelta(hours=24)
    nlu_threshold: float = 0.5
    interrupt_threshold: float = 0.7
    code_ttl: timedelta = timedelta(minutes=10)
    development: bool = True
    # A referral code's link for a channel (``t.me/<bot>?start=CODE`` …), None where that
    # messenger is not configured: the web chat's link is used instead.
    deep_link: Callable[[str, str], str | None] | None = None


@dataclass
class Services:
    """Everything the engine and actions work with, built once by the composition root."""

    bank: BankAPI
    nlu: NluEngine
    catalog: Catalog
    flows: dict[str, Flow]
    media: MediaStore
    identities: IdentityStore
    credentials: CredentialStore
    codes: CodeSender
    renderer: Renderer
    secure: SecurePages
    sealer: Sealer
    settings: FlowSettings
    now: Callable[[], datetime]


@dataclass
class Turn:
    """One inbound message being handled: state in, replies and records out."""

    msg: Inbound
    state: dict[str, Any]
    replies: list[Reply] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    aborted: bool = False

    @property
    def language(self) -> str:
        return str(self.state.get("language", "en"))

    @property
    def customer_id(self) -> UUID | None:
        raw = self.state.get("customer_id")
        return UUID(raw) if raw else None


class ActionContext:
    """An action's view of the conversation."""

    def __init__(self, services: Services, turn: Turn, frame: dict[str, Any]) -> None:
        self.services = services
        self.turn = turn
        self.frame = frame

    @property
    def bank(self) -> BankAPI:
        return self.services.bank

    @property
    def language(self) -> str:
        return self.turn.language

    @property
    def slots(self) -> dict[str, Any]:
        slots: dict[str, Any] = self.frame["slots"]
        return slots

    @property
    def state(self) -> dict[str, Any]:
        return self.turn.state

    @property
    def customer_id(self) -> UUID:
        customer = self.turn.customer_id
        if customer is None:
            raise LookupError("this action needs a customer")
        return customer

    def now(self) -> datetime:
        return self.services.now()

    def idempotency_key(self, purpose: str = "") -> str:
        """The key made when the customer was shown the summary they confirmed, so a
        retried or repeated confirmation moves money once."""
        key = self.frame.get("idem")
        if not key:
            key = self.frame["idem"] = uuid.uuid4().hex
        return f"{key}:{purpose}" if purpose else str(key)

    def text(self, key: str, **values: Any) -> str:
        return self.services.catalog.text(self.language, key, **values)

    def say(self, key: str, **values: Any) -> None:
        self.turn.replies.append(Text(self.text(key, **values)))

    def buttons(self, key: str, buttons: list[tuple[str, str]], **values: Any) -> None:
        self.turn.replies.append(
            Buttons(self.text(key, **values), tuple(Button(t, p) for t, p in buttons))
        )
        self.turn.state["buttons"] = [[t, p] for t, p in buttons]  # "2" picks the second

    def reply(self, reply: Reply) -> None:
        self.turn.replies.append(reply)

    async def image(
        self,
        data: bytes,
        caption: str = "",
        filename: str = "image.png",
        content_type: str = "image/png",
    ) -> None:
        media_id = await self.services.media.put(data, content_type, filename)
        self.turn.replies.append(Image(media_id, caption, filename, content_type))

    async def document(
        self, data: bytes, filename: str, content_type: str = "application/pdf", caption: str = ""
    ) -> None:
        media_id = await self.services.media.put(data, content_type, filename)
        self.turn.replies.append(Document(media_id, filename, content_type, caption))

    def link(self, url: str, key: str, title_key: str, **values: Any) -> None:
        self.turn.replies.append(
            SecureLink(url, self.text(key, **values), self.text(title_key, **values))
        )

    def abort(self) -> None:
        """End every flow in progress after this step (a lock-out, a cancelled sign-in)."""
        self.turn.aborted = True

    def record(self, event: str, **details: Any) -> None:
        """An audit line in the transcript (never a secret in ``details``)."""
        self.turn.records.append(Record("event", {"event": event, **details}, self.now()))

    def link_customer(self, customer_id: UUID) -> None:
        self.turn.state["customer_id"] = str(customer_id)
