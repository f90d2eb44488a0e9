"""Messenger webhook events → :class:`Received` messages (pure, no I/O).

A notification is batched (CHANNELS.md §5): ``{"object": "page", "entry": [{"messaging":
[…]}]}``. Each event is a message (text, quick-reply tap, attachments), a postback (a
button, Get Started) or a referral (an m.me link opened in an existing thread). Echoes of
the Page's own messages, deliveries, reads and ``standby[]`` (another app holds the thread)
are acknowledged and dropped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bots.channel import Received
from bots.messenger.config import GET_STARTED
from bots.meta import items, text_of
from flows.messages import Inbound, Kind

CHANNEL = "messenger"
OBJECT = "page"
# The number a ``user_phone_number`` quick reply sends back (as its payload and text):
# digits with the usual separators. Teller's own payloads are words ("cmd:menu", "agree"),
# never shaped like this.
_PHONE = re.compile(r"\+?[0-9][0-9 ().-]{5,24}")


def parse(payload: dict[str, Any]) -> list[Received]:
    if payload.get("object") != OBJECT:
        return []  # Instagram or another product on the same app: not this channel
    received: list[Received] = []
    for entry in items(payload, "entry"):
        for event in items(entry, "messaging"):
            received.extend(_event(event))
    return received


def _event(event: dict[str, Any]) -> list[Received]:
    user = text_of(event.get("sender"), "id")
    if not user:
        return []
    timestamp = text_of(event, "timestamp")
    base = Inbound(CHANNEL, user, "", Kind.TEXT, at=_at(timestamp))
    message = event.get("message")
    if isinstance(message, dict):
        return _message(base, message)
    postback = event.get("postback")
    if isinstance(postback, dict):
        return [Received(_postback(base, postback, timestamp))]
    referral = event.get("referral")
    if isinstance(referral, dict):
        # An m.me link opened in an existing thread; Meta gives the event no id of its own.
        ref = text_of(referral, "ref") or None
        message_id = f"ref:{user}:{timestamp}"
        return [Received(replace(base, message_id=message_id, kind=Kind.START, referral=ref))]
    return []  # delivery, read, reaction, optin…: nothing the customer said


def _message(base: Inbound, message: dict[str, Any]) -> list[Received]:
    mid = text_of(message, "mid")
    if not mid or message.get("is_echo"):
        return []  # the Page's own message coming back
    base = replace(base, message_id=mid)
    text = text_of(message, "text")
    quick_reply = message.get("quick_reply")
    if isinstance(quick_reply, dict):
        payload = text_of(quick_reply, "payload")
        if _is_phone(payload):
            # The user_phone_number quick reply: the number on the person's profile, which
            # they may edit before sending. It is the number they claim as their own —
            # like typing it — and onboarding proves it with a code sent there.
            phone = replace(base, kind=Kind.CONTACT, contact_phone=payload.strip())
            return [Received(replace(phone, contact_is_sender=True))]
        if payload:
            return [Received(replace(base, kind=Kind.PAYLOAD, payload=payload, text=text))]
    attachments = items(message, "attachments")
    if attachments:
        return _attachments(base, attachments)
    return [Received(replace(base, text=text))]


def _attachments(base: Inbound, attachments: list[dict[str, Any]]) -> list[Received]:
    """One message per picture or file (a customer may send a document's two sides at
    once); a sticker, voice note or video is an empty text ("I didn't understand")."""
    received: list[Received] = []
    for index, attachment in enumerate(attachments):
        kind = text_of(attachment, "type")
        body = attachment.get("payload")
        url = text_of(body, "url")
        message_id = base.message_id if index == 0 else f"{base.message_id}#{index}"
        if kind in ("image", "file") and url and not text_of(body, "sticker_id"):
            as_kind = Kind.IMAGE if kind == "image" else Kind.DOCUMENT
            inbound = replace(base, message_id=message_id, kind=as_kind, text="")
            received.append(Received(inbound, {"url": url}))
        elif index == 0:
            received.append(Received(replace(base, text="")))
    return received


def _postback(base: Inbound, postback: dict[str, Any], timestamp: str) -> Inbound:
    """A tapped button. Get Started (payload ``start``) opens the conversation; when the
    person came through an m.me link it carries the link's ``ref``."""
    payload = text_of(postback, "payload")
    mid = text_of(postback, "mid") or _stable_id(base.user, timestamp, payload)
    base = replace(base, message_id=mid, text=text_of(postback, "title"))
    referral = postback.get("referral")
    ref = text_of(referral, "ref") if isinstance(referral, dict) else ""
    if ref or payload == GET_STARTED:
        return replace(base, kind=Kind.START, referral=ref or None)
    return replace(base, kind=Kind.PAYLOAD, payload=payload)


def _stable_id(user: str, timestamp: str, payload: str) -> str:
    """A redelivered postback without ``mid`` gets the same id (older API versions)."""
    digest = hashlib.sha256(f"{user}\n{timestamp}\n{payload}".encode()).hexdigest()
    return f"postback:{digest[:32]}"


def _is_phone(payload: str) -> bool:
    digits = sum(c.isdigit() for c in payload)
    return bool(_PHONE.fullmatch(payload.strip())) and 7 <= digits <= 15


def _at(milliseconds: str) -> datetime | None:
    if not milliseconds.isdigit():
        return None
    return datetime.fromtimestamp(int(milliseconds) / 1000, UTC)
