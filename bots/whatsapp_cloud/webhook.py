"""WhatsApp Cloud API notifications → :class:`Received` messages (pure, no I/O).

A notification is batched (CHANNELS.md §4): ``entry[].changes[].value`` holds
``contacts[]`` (who wrote) and ``messages[]``, or ``statuses[]`` for what Teller sent.
Anything not understood is skipped; a customer's sticker or voice note becomes an empty
text so the bot can say it did not understand.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from bots.channel import Received
from bots.meta import items, text_of
from bots.whatsapp_cloud.links import code_from_text
from flows.messages import Inbound, Kind

CHANNEL = "whatsapp_cloud"
OBJECT = "whatsapp_business_account"
# Not the customer speaking: reactions to a message, and WhatsApp's own system notices
# (the customer changed number). Acknowledged and dropped.
IGNORED = frozenset({"reaction", "system", "ephemeral", "edit", "revoke"})


@dataclass(frozen=True, slots=True)
class Failure:
    """A status callback saying a message Teller sent was not delivered."""

    user: str
    code: str


@dataclass(slots=True)
class Parsed:
    received: list[Received] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def parse(payload: dict[str, Any]) -> Parsed:
    parsed = Parsed()
    if payload.get("object") != OBJECT:
        return parsed
    for entry in items(payload, "entry"):
        for change in items(entry, "changes"):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue
            contacts = items(value, "contacts")
            for message in items(value, "messages"):
                received = _message(message, contacts)
                if received is not None:
                    parsed.received.append(received)
            for status in items(value, "statuses"):
                failure = _failure(status)
                if failure is not None:
                    parsed.failures.append(failure)
    return parsed


def user_of(message: dict[str, Any], contacts: list[dict[str, Any]]) -> tuple[str, str | None]:
    """``(user key, profile name)`` of a message's sender.

    The key is the business-scoped user id (BSUID) when Meta sends one, else the phone
    number (``wa_id``/``from``): usernames let people hide their number, and the BSUID is
    the one id every message carries (decision 0074). Never assume a phone number."""
    phone = text_of(message, "from")
    bsuid = text_of(message, "from_user_id")
    contact = _contact_for(phone, bsuid, contacts)
    name = text_of(contact.get("profile"), "name") or None
    user = bsuid or text_of(contact, "user_id") or phone or text_of(contact, "wa_id")
    return user, name


def _contact_for(phone: str, bsuid: str, contacts: list[dict[str, Any]]) -> dict[str, Any]:
    for contact in contacts:
        if (phone and text_of(contact, "wa_id") == phone) or (
            bsuid and text_of(contact, "user_id") == bsuid
        ):
            return contact
    # One sender per notification is the usual case: its contact even without a match.
    return contacts[0] if len(contacts) == 1 else {}


def _message(message: dict[str, Any], contacts: list[dict[str, Any]]) -> Received | None:
    message_id = text_of(message, "id")
    kind = text_of(message, "type")
    user, name = user_of(message, contacts)
    if not message_id or not user or kind in IGNORED:
        return None
    # Every message starts as an empty text from its sender; each type fills in its part.
    base = Inbound(CHANNEL, user, message_id, Kind.TEXT, display_name=name, at=_at(message))
    body = message.get(kind)
    if kind == "text":
        text = text_of(body, "body")
        return Received(replace(base, text=text, referral=code_from_text(text)))
    if kind == "interactive":
        return Received(_interactive(base, body))
    if kind == "button":  # a template's quick-reply button
        payload = text_of(body, "payload")
        if payload:
            return Received(
                replace(base, kind=Kind.PAYLOAD, payload=payload, text=text_of(body, "text"))
            )
    if kind in ("image", "document") and text_of(body, "id"):
        fetch = {
            "media_id": text_of(body, "id"),
            "mime_type": text_of(body, "mime_type"),
            "filename": text_of(body, "filename") or kind,
        }
        as_kind = Kind.IMAGE if kind == "image" else Kind.DOCUMENT
        return Received(replace(base, kind=as_kind, text=text_of(body, "caption")), fetch)
    if kind == "location":
        # Inbound has no coordinates and no flow asks for a place; numbers in the text would
        # be read as amounts, so the kind alone says what arrived.
        return Received(replace(base, kind=Kind.LOCATION))
    if kind == "contacts":
        return Received(_shared_contact(base, message))
    if kind == "request_welcome":  # the customer opened the chat for the first time
        return Received(replace(base, kind=Kind.START))
    return Received(base)  # a sticker, a voice note, something new: "I didn't understand"


def _interactive(base: Inbound, body: Any) -> Inbound:
    """A tapped reply button or list row: its id is the payload Teller gave it."""
    reply_type = text_of(body, "type")
    if reply_type in ("button_reply", "list_reply"):
        reply = body.get(reply_type)
        payload = text_of(reply, "id")
        if payload:
            return replace(base, kind=Kind.PAYLOAD, payload=payload, text=text_of(reply, "title"))
    return base


def _shared_contact(base: Inbound, message: dict[str, Any]) -> Inbound:
    """A contact card the customer chose to share: anyone's card, so never taken as the
    sender's own number (``contact_is_sender`` False) — a recipient, perhaps."""
    for card in items(message, "contacts"):
        for phone in items(card, "phones"):
            number = text_of(phone, "phone") or text_of(phone, "wa_id")
            if number:
                return replace(
                    base, kind=Kind.CONTACT, contact_phone=number, contact_is_sender=False
                )
    return base


def _failure(status: dict[str, Any]) -> Failure | None:
    if text_of(status, "status") != "failed":
        return None  # sent, delivered, read: nothing to do
    user = text_of(status, "recipient_user_id") or text_of(status, "recipient_id")
    errors = items(status, "errors")
    code = text_of(errors[0], "code") if errors else ""
    return Failure(user, code or "unknown") if user else None


def _at(message: dict[str, Any]) -> datetime | None:
    seconds = text_of(message, "timestamp")
    if not seconds.isdigit():
        return None
    return datetime.fromtimestamp(int(seconds), UTC)
