"""Twilio's webhook form as Teller's message model.

Twilio sends one message (or one status callback) per request, form-encoded. Fields used
(twilio.com/docs/messaging/guides/webhook-request and the WhatsApp pages):
``MessageSid`` (de-duplication), ``From`` ``whatsapp:+E164`` (the person), ``ProfileName``,
``Body``, ``NumMedia`` with ``MediaUrl0``/``MediaContentType0``, ``Latitude``/``Longitude``,
``ButtonPayload`` (a quick-reply tap: the id Teller gave the button) and ``ListId`` (a
list-picker pick). The last two names are read leniently: both mean "a tapped choice".
Status callbacks carry ``MessageStatus`` (and ``ErrorCode`` when a message failed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bots.channel import Received
from bots.whatsapp_twilio.links import code_from_text
from bots.whatsapp_twilio.signature import Form
from flows.messages import Inbound, Kind

CHANNEL = "whatsapp_twilio"
PREFIX = "whatsapp:"
FAILED = frozenset({"failed", "undelivered"})
# A sticker is a WebP picture and a shared contact card a vCard: neither is a photo or a
# document the bank could use, so they are answered like voice notes and videos.
NOT_DOCUMENTS = ("audio/", "video/", "image/webp", "text/vcard", "text/x-vcard")


@dataclass(frozen=True, slots=True)
class Status:
    """A status callback: what became of a message Teller sent."""

    message_sid: str
    user: str  # the recipient
    status: str  # queued | sent | delivered | read | failed | undelivered | …
    error_code: str

    @property
    def failed(self) -> bool:
        return self.status in FAILED


def is_status(form: Form) -> bool:
    """A status callback rather than a customer's message (inbound messages say
    ``SmsStatus=received`` and carry no ``MessageStatus``)."""
    status = form.first("MessageStatus")
    return bool(status) and status != "received"


def address(value: str) -> str:
    """``whatsapp:+31612345678`` → ``+31612345678`` (the person's stable id here)."""
    value = value.strip()
    return value[len(PREFIX) :] if value.startswith(PREFIX) else value


def parse_status(form: Form) -> Status | None:
    sid = form.first("MessageSid") or form.first("SmsSid")
    user = address(form.first("To"))
    if not sid or not user:
        return None
    return Status(sid, user, form.first("MessageStatus"), form.first("ErrorCode"))


def parse_message(form: Form, at: datetime | None = None) -> Received | None:
    """The customer's message, or None when the form is not one (no sender, no id)."""
    message_id = form.first("MessageSid") or form.first("SmsMessageSid")
    user = address(form.first("From"))
    if not user and form.first("WaId"):
        user = "+" + form.first("WaId").lstrip("+")
    if not message_id or not user:
        return None
    when = at or datetime.now(UTC)
    name = form.first("ProfileName") or None
    body = form.first("Body")

    def inbound(kind: Kind, text: str, payload: str = "", referral: str | None = None) -> Inbound:
        return Inbound(
            CHANNEL,
            user,
            message_id,
            kind,
            text=text,
            payload=payload,
            referral=referral,
            display_name=name,
            at=when,
        )

    payload = form.first("ButtonPayload") or form.first("ListId")
    if payload:
        text = form.first("ButtonText") or form.first("ListTitle") or body
        return Received(inbound(Kind.PAYLOAD, text, payload=payload))
    if _count(form.first("NumMedia")) > 0:
        url = form.first("MediaUrl0")
        content_type = form.first("MediaContentType0").lower()
        if url and content_type and not content_type.startswith(NOT_DOCUMENTS):
            kind = Kind.IMAGE if content_type.startswith("image/") else Kind.DOCUMENT
            return Received(inbound(kind, body), {"url": url, "content_type": content_type})
        return Received(inbound(Kind.TEXT, ""))
    latitude, longitude = form.first("Latitude"), form.first("Longitude")
    if latitude and longitude:
        return Received(inbound(Kind.LOCATION, f"{latitude},{longitude}"))
    code = code_from_text(body)
    if code is not None:
        # The wa.me invitation's greeting: the first contact through a deep link, like
        # Telegram's "/start CODE". The text stays as the customer sent it.
        return Received(inbound(Kind.START, body, referral=code))
    return Received(inbound(Kind.TEXT, body))


def _count(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return 0
