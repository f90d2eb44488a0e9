"""The one message model: what channels hand to conversations and what flows answer.

Channels (``bots/``) turn a platform's payload into an :class:`Inbound`; flows answer with
a list of replies from the closed set below and never send anything themselves. Each
channel declares its :class:`Capabilities`, and :func:`degrade` makes any reply fit them
(buttons that do not fit become numbered text, long text is split), so a flow is written
once for every messenger.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    TEXT = "text"  # something typed
    PAYLOAD = "payload"  # a tapped button
    CONTACT = "contact"  # a shared phone number
    IMAGE = "image"
    DOCUMENT = "document"
    LOCATION = "location"
    START = "start"  # the first contact: /start, conversation_started, a referral open


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file the customer sent, already downloaded by the channel."""

    data: bytes
    content_type: str
    filename: str = "upload"

    def __repr__(self) -> str:  # bytes never reach a log line
        return f"Attachment({self.content_type!r}, {len(self.data)} bytes)"


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a customer, whatever the messenger."""

    channel: str  # telegram | viber | whatsapp | messenger | webchat | console
    user: str  # the platform's id of the person, stable per channel
    message_id: str  # the platform's id of this message: de-duplication
    kind: Kind
    text: str = ""
    payload: str = ""
    attachment: Attachment | None = None
    contact_phone: str | None = None
    contact_is_sender: bool = False  # the shared contact is the sender's own
    referral: str | None = None  # a deep link's code
    locale: str | None = None  # the platform's language hint ("uk", "en-GB")
    display_name: str | None = None
    at: datetime | None = None

    def __repr__(self) -> str:  # text may hold a card number until flows redact it
        return f"Inbound({self.channel}:{self.user} {self.kind.value} #{self.message_id})"


# -- replies ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True, slots=True)
class Text:
    text: str
    secret: bool = False  # the answer it asks for is secret (a passcode): never shown back


@dataclass(frozen=True, slots=True)
class Buttons:
    text: str
    buttons: tuple[Button, ...]


@dataclass(frozen=True, slots=True)
class Image:
    """A picture kept in the media store; channels fetch it by ``media_id``."""

    media_id: str
    caption: str = ""
    filename: str = "image.png"
    content_type: str = "image/png"


@dataclass(frozen=True, slots=True)
class Document:
    media_id: str
    filename: str
    content_type: str = "application/pdf"
    caption: str = ""


@dataclass(frozen=True, slots=True)
class RequestContact:
    """Ask the customer to share their phone number (a contact button where supported)."""

    text: str
    button: str


@dataclass(frozen=True, slots=True)
class SecureLink:
    """A single-use page for what must never be typed in chat (PIN, card details)."""

    url: str
    text: str
    title: str


@dataclass(frozen=True, slots=True)
class HandoffNotice:
    """The conversation passes between the bot and a person."""

    text: str
    state: str  # waiting | agent | bot


Reply = Text | Buttons | Image | Document | RequestContact | SecureLink | HandoffNotice


def reply_to_dict(reply: Reply) -> dict[str, Any]:
    """The outbox's JSON form of a reply."""
    match reply:
        case Text(text=text, secret=secret):
            return {"type": "text", "text": text, **({"secret": True} if secret else {})}
        case Buttons(text=text, buttons=buttons):
            return {
                "type": "buttons",
                "text": text,
                "buttons": [{"title": b.title, "payload": b.payload} for b in buttons],
            }
        case Image():
            return {
                "type": "image",
                "media_id": reply.media_id,
                "caption": reply.caption,
                "filename": reply.filename,
                "content_type": reply.content_type,
            }
        case Document():
            return {
                "type": "document",
                "media_id": reply.media_id,
                "filename": reply.filename,
                "content_type": reply.content_type,
                "caption": reply.caption,
            }
        case RequestContact(text=text, button=button):
            return {"type": "request_contact", "text": text, "button": button}
        case SecureLink(url=url, text=text, title=title):
            return {"type": "link", "url": url, "text": text, "title": title}
        case HandoffNotice(text=text, state=state):
            return {"type": "handoff", "text": text, "state": state}
    raise TypeError(f"not a reply: {reply!r}")


# Marks a stored reply that no customer message asked for (a notification, a person's
# message): Messenger sends those as UPDATE rather than RESPONSE.
UNPROMPTED = "unprompted"


def is_unprompted(data: dict[str, Any]) -> bool:
    return bool(data.get(UNPROMPTED, False))


# The language the turn spoke in, stored with its replies, so that delivery labels what
# the platform shows around them ("Choose") and picks templates without reading the
# conversation's state again.
LANGUAGE = "language"


def language_of_reply(data: dict[str, Any]) -> str | None:
    language = data.get(LANGUAGE)
    return language if isinstance(language, str) else None


def reply_from_dict(data: dict[str, Any]) -> Reply:
    kind = data["type"]
    if kind == "text":
        return Text(data["text"], bool(data.get("secret", False)))
    if kind == "buttons":
        buttons = tuple(Button(b["title"], b["payload"]) for b in data["buttons"])
        return Buttons(data["text"], buttons)
    if kind == "image":
        return Image(data["media_id"], data["caption"], data["filename"], data["content_type"])
    if kind == "document":
        return Document(data["media_id"], data["filename"], data["content_type"], data["caption"])
    if kind == "request_contact":
        return RequestContact(data["text"], data["button"])
    if kind == "link":
        return SecureLink(data["url"], data["text"], data["title"])
    if kind == "handoff":
        return HandoffNotice(data["text"], data["state"])
    raise ValueError(f"unknown reply type {kind!r}")


# -- fitting replies to a channel -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a channel can show. Limits are the platform's documented ones."""

    max_buttons: int = 10
    max_button_title: int = 40
    max_text: int = 4096
    images: bool = True
    documents: bool = True
    request_contact: bool = False
    numbered_choices: bool = field(default=False)  # no buttons at all: choices as "1. …"


def degrade(reply: Reply, caps: Capabilities) -> list[Reply]:
    """``reply`` as one or more replies the channel can show, keeping every choice."""
    if isinstance(reply, Buttons):
        fits = (
            not caps.numbered_choices
            and len(reply.buttons) <= caps.max_buttons
            and all(len(b.title) <= caps.max_button_title for b in reply.buttons)
        )
        if fits:
            return [Buttons(part, reply.buttons) for part in _split(reply.text, caps.max_text)]
        # The engine reads a typed "2" as the second choice of the last buttons shown,
        # so numbered text loses nothing.
        lines = [f"{n}. {b.title}" for n, b in enumerate(reply.buttons, 1)]
        return [Text(part) for part in _split("\n".join([reply.text, "", *lines]), caps.max_text)]
    if isinstance(reply, Text):
        return [Text(part, reply.secret) for part in _split(reply.text, caps.max_text)]
    if isinstance(reply, RequestContact) and not caps.request_contact:
        return [Text(reply.text)]
    return [reply]


def _split(text: str, limit: int) -> list[str]:
    """Parts of at most ``limit`` characters, cut at paragraph, line or word breaks."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = max(rest.rfind("\n\n", 0, limit), rest.rfind("\n", 0, limit))
        if cut <= 0:
            cut = rest.rfind(" ", 0, limit)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


# -- the queue's JSON form of an inbound message ----------------------------------------------


def inbound_to_dict(msg: Inbound) -> dict[str, Any]:
    """An inbound message as JSON for the queue; the attachment is never queued (the
    channel downloads it just before the turn)."""
    return {
        "channel": msg.channel,
        "user": msg.user,
        "message_id": msg.message_id,
        "kind": msg.kind.value,
        "text": msg.text,
        "payload": msg.payload,
        "contact_phone": msg.contact_phone,
        "contact_is_sender": msg.contact_is_sender,
        "referral": msg.referral,
        "locale": msg.locale,
        "display_name": msg.display_name,
        "at": msg.at.isoformat() if msg.at is not None else None,
    }


def inbound_from_dict(data: dict[str, Any]) -> Inbound:
    at = data.get("at")
    return Inbound(
        channel=data["channel"],
        user=data["user"],
        message_id=data["message_id"],
        kind=Kind(data["kind"]),
        text=data.get("text", ""),
        payload=data.get("payload", ""),
        contact_phone=data.get("contact_phone"),
        contact_is_sender=bool(data.get("contact_is_sender", False)),
        referral=data.get("referral"),
        locale=data.get("locale"),
        display_name=data.get("display_name"),
        at=datetime.fromisoformat(at) if at else None,
    )
