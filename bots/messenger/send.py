"""Replies as Send API request bodies (``POST /me/messages``), pure.

Limits (CHANNELS.md §5): text 2000 characters; ≤ 13 quick replies with titles ≤ 20 and
payloads ≤ 1000; a button template's text ≤ 640 with a URL button titled ≤ 20.
``messaging_type`` says why the Page writes: RESPONSE to a message, UPDATE for news inside
the 24-hour window, MESSAGE_TAG with ACCOUNT_UPDATE outside it (text only).
"""

from __future__ import annotations

from typing import Any

from bots.channel import DeliveryError, MediaSource, Outgoing
from bots.meta import WINDOW_CLOSED
from flows.messages import (
    Buttons,
    Capabilities,
    Document,
    HandoffNotice,
    Image,
    RequestContact,
    SecureLink,
    Text,
    degrade,
)

MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_TITLE = 20
MAX_PAYLOAD = 1000
MAX_TEMPLATE_TEXT = 640
CAPABILITIES = Capabilities(
    max_buttons=MAX_QUICK_REPLIES,
    max_button_title=MAX_TITLE,
    max_text=MAX_TEXT,
    images=True,
    documents=True,
    request_contact=True,  # the user_phone_number quick reply
)
NUMBERED = Capabilities(max_text=MAX_TEXT, numbered_choices=True)
# Outside the window a Page may only send a tagged message; ACCOUNT_UPDATE covers "a change
# to the person's account or application" — a bank's notifications, never promotions.
TAG = "ACCOUNT_UPDATE"


def bodies(out: Outgoing, media: MediaSource) -> list[dict[str, Any]]:
    """The request bodies that deliver ``out`` (one, or two for a captioned file), or
    :class:`DeliveryError` when it cannot be delivered at all."""
    envelope: dict[str, Any] = {"recipient": {"id": out.user}}
    if not out.window_open:
        if not isinstance(out.reply, Text):
            raise DeliveryError(WINDOW_CLOSED, permanent=True)
        envelope |= {"messaging_type": "MESSAGE_TAG", "tag": TAG}
    elif out.notification:
        envelope["messaging_type"] = "UPDATE"
    else:
        envelope["messaging_type"] = "RESPONSE"
    return [{**envelope, "message": message} for message in _messages(out, media)]


def _messages(out: Outgoing, media: MediaSource) -> list[dict[str, Any]]:
    reply = out.reply
    match reply:
        case Text(text=text) | HandoffNotice(text=text):
            return _texts(text)
        case Buttons():
            return _quick_replies(reply)
        case RequestContact(text=text):
            return [
                {"text": text[:MAX_TEXT], "quick_replies": [{"content_type": "user_phone_number"}]}
            ]
        case Image():
            return _file("image", media.public_url(reply.media_id, reply.filename), reply.caption)
        case Document():
            return _file("file", media.public_url(reply.media_id, reply.filename), reply.caption)
        case SecureLink(url=url, text=text, title=title):
            if url.startswith("https://") and len(text) <= MAX_TEMPLATE_TEXT:
                return [_link_button(text or title, title, url)]
            return _texts(f"{text}\n{url}")
    raise DeliveryError(f"not a reply Messenger can show: {type(reply).__name__}", permanent=True)


def _texts(text: str) -> list[dict[str, Any]]:
    return [
        {"text": part.text} for part in degrade(Text(text), NUMBERED) if isinstance(part, Text)
    ]


def _quick_replies(reply: Buttons) -> list[dict[str, Any]]:
    fits = len(reply.buttons) <= MAX_QUICK_REPLIES and all(
        len(b.title) <= MAX_TITLE and 0 < len(b.payload) <= MAX_PAYLOAD for b in reply.buttons
    )
    if not fits or not reply.text or len(reply.text) > MAX_TEXT:
        # Numbered text: a typed "2" still picks the second choice.
        return [{"text": p.text} for p in degrade(reply, NUMBERED) if isinstance(p, Text)]
    quick_replies = [
        {"content_type": "text", "title": b.title, "payload": b.payload} for b in reply.buttons
    ]
    return [{"text": reply.text, "quick_replies": quick_replies}]


def _file(kind: str, url: str, caption: str) -> list[dict[str, Any]]:
    """By URL (Teller's unguessable, expiring media link); Messenger attachments have no
    caption, so a caption follows as its own text."""
    attachment = {"type": kind, "payload": {"url": url, "is_reusable": False}}
    messages: list[dict[str, Any]] = [{"attachment": attachment}]
    if caption:
        messages.extend(_texts(caption))
    return messages


def _link_button(text: str, title: str, url: str) -> dict[str, Any]:
    label = title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"
    button = {"type": "web_url", "url": url, "title": label}
    payload = {"template_type": "button", "text": text, "buttons": [button]}
    return {"attachment": {"type": "template", "payload": payload}}
