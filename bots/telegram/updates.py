"""Telegram ``Update`` JSON → the message model.

The shapes are aiogram's pydantic types. Telegram's own sample updates (and anything
written to the Bot API of a few years ago) lack fields the API later made required —
``from.is_bot``, ``callback_query.chat_instance``, ``document.file_unique_id`` — and fail
validation; those fields are never read here, so such an update is validated again with
neutral values put only where pydantic reported exactly those fields missing. Anything else
that does not validate is acknowledged and ignored: Telegram would otherwise redeliver it.

Only private chats with a person are conversations; groups, channels, edits, reactions and
the rest are acknowledged and ignored. A sticker, a voice note or another thing a customer
sends that Teller cannot read becomes empty text, so the bot says it did not understand.
"""

from __future__ import annotations

import copy
import logging
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from aiogram.enums import ContentType
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update, User
from pydantic import ValidationError

from bots.channel import Received
from bots.telegram.config import CHANNEL
from bots.telegram.links import START_CODE
from flows.messages import Inbound, Kind

log = logging.getLogger(__name__)

# Required by today's Bot API, absent from older samples, never read by this module.
_UNREAD_REQUIRED: dict[str, Any] = {"is_bot": False, "chat_instance": "", "file_unique_id": ""}

# "/start", "/start@TellerBot", "/start CODE": the deep link's code follows a space.
_START = re.compile(r"^/start(?:@[A-Za-z0-9_]+)?(?:\s+(?P<rest>.*))?$", re.DOTALL)

# What a person sends that Teller cannot read: answered politely, as empty text.
_UNREADABLE = frozenset(
    {
        ContentType.ANIMATION,
        ContentType.AUDIO,
        ContentType.CHECKLIST,
        ContentType.DICE,
        ContentType.GAME,
        ContentType.LIVE_PHOTO,
        ContentType.PAID_MEDIA,
        ContentType.POLL,
        ContentType.STICKER,
        ContentType.STORY,
        ContentType.VIDEO,
        ContentType.VIDEO_NOTE,
        ContentType.VOICE,
    }
)

PHOTO_TYPE = "image/jpeg"  # Telegram re-encodes every photo as JPEG
MAX_FILENAME = 128


@dataclass(frozen=True, slots=True)
class Event:
    """Not a message: the person blocked (``unsubscribed``) or restarted the bot."""

    user: str
    kind: str


def update_id_of(data: Any) -> int | None:
    """The update's id, or None when ``data`` is not an Update at all."""
    if not isinstance(data, dict):
        return None
    value = data.get("update_id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def parse_update(data: dict[str, Any]) -> Received | Event | None:
    """What one update means to Teller; None when it is acknowledged and ignored."""
    update = validate(data)
    if update is None:
        log.warning("telegram update %s not understood; acknowledged", data.get("update_id"))
        return None
    message_id = str(update.update_id)
    if update.message is not None:
        return _from_message(update.message, message_id)
    if update.callback_query is not None:
        return _from_callback(update.callback_query, message_id)
    if update.my_chat_member is not None:
        return _membership(update.my_chat_member)
    return None  # edits, channel posts, reactions, inline queries, polls …


def validate(data: dict[str, Any]) -> Update | None:
    try:
        return Update.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
    patched = copy.deepcopy(data)
    filled = False
    for error in errors:
        loc = error["loc"]
        name = loc[-1] if loc else None
        if error["type"] == "missing" and isinstance(name, str) and name in _UNREAD_REQUIRED:
            parent = _walk(patched, loc[:-1])
            if parent is not None:
                parent[name] = _UNREAD_REQUIRED[name]
                filled = True
    if not filled:
        return None
    try:
        return Update.model_validate(patched)
    except ValidationError:
        return None


def _walk(node: Any, path: tuple[int | str, ...]) -> dict[str, Any] | None:
    """The object at pydantic's error location. Locations inside a union name the member
    tried (``"Message"``); Telegram's keys are snake_case, so such a step is skipped."""
    for step in path:
        if isinstance(node, dict) and isinstance(step, str):
            if step in node:
                node = node[step]
            elif not step[:1].isupper():
                return None
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            node = node[step]
        else:
            return None
    return node if isinstance(node, dict) else None


def _inbound(sender: User, message_id: str, kind: Kind, **fields: Any) -> Inbound:
    return Inbound(
        CHANNEL,
        str(sender.id),
        message_id,
        kind,
        locale=sender.language_code,
        display_name=sender.first_name or None,
        **fields,
    )


def _from_message(msg: Message, message_id: str) -> Received | None:
    sender = msg.from_user
    if msg.chat.type != "private" or sender is None:
        return None
    at = msg.date
    content = msg.content_type
    if content == ContentType.TEXT and msg.text is not None:
        start = _START.match(msg.text)
        if start is None:
            return Received(_inbound(sender, message_id, Kind.TEXT, text=msg.text, at=at))
        code = (start.group("rest") or "").strip()
        referral = code if START_CODE.fullmatch(code) else None
        inbound = _inbound(sender, message_id, Kind.START, text=msg.text, referral=referral, at=at)
        return Received(inbound)
    if content == ContentType.CONTACT and msg.contact is not None:
        contact = msg.contact
        # A contact card can be anyone's: only one whose user_id is the sender's is theirs.
        own = contact.user_id is not None and contact.user_id == sender.id
        inbound = _inbound(
            sender,
            message_id,
            Kind.CONTACT,
            contact_phone=contact.phone_number,
            contact_is_sender=own,
            at=at,
        )
        return Received(inbound)
    if content == ContentType.PHOTO and msg.photo:
        largest = max(msg.photo, key=lambda p: (p.width * p.height, p.file_size or 0))
        fetch = {"file_id": largest.file_id, "filename": "photo.jpg", "content_type": PHOTO_TYPE}
        if largest.file_size is not None:
            fetch["size"] = str(largest.file_size)
        inbound = _inbound(sender, message_id, Kind.IMAGE, text=msg.caption or "", at=at)
        return Received(inbound, fetch)
    if content == ContentType.DOCUMENT and msg.document is not None:
        doc = msg.document
        fetch = {
            "file_id": doc.file_id,
            "filename": _filename(doc.file_name),
            "content_type": doc.mime_type or "application/octet-stream",
        }
        if doc.file_size is not None:
            fetch["size"] = str(doc.file_size)
        inbound = _inbound(sender, message_id, Kind.DOCUMENT, text=msg.caption or "", at=at)
        return Received(inbound, fetch)
    if content in (ContentType.LOCATION, ContentType.VENUE):
        return Received(_inbound(sender, message_id, Kind.LOCATION, at=at))
    if content in _UNREADABLE:
        return Received(_inbound(sender, message_id, Kind.TEXT, text="", at=at))
    return None  # service messages: pinned, auto-delete timer, payments, web app data …


def _from_callback(query: CallbackQuery, message_id: str) -> Received | None:
    msg = query.message
    if msg is not None and msg.chat.type != "private":
        return None
    if query.data is None:
        return None  # a game's button: Teller sends none
    fetch = {"callback_id": query.id}
    if msg is not None:
        fetch |= {"chat_id": str(msg.chat.id), "message_id": str(msg.message_id)}
    elif query.inline_message_id is not None:
        fetch["inline_message_id"] = query.inline_message_id
    inbound = _inbound(query.from_user, message_id, Kind.PAYLOAD, payload=query.data)
    return Received(inbound, fetch)


def _membership(change: ChatMemberUpdated) -> Event | None:
    if change.chat.type != "private":
        return None
    status = change.new_chat_member.status
    if status == "kicked":
        return Event(str(change.from_user.id), "unsubscribed")
    if status == "member":
        return Event(str(change.from_user.id), "subscribed")
    return None


def _filename(name: str | None) -> str:
    """The customer's file name without any directory part, and not too long."""
    base = PurePosixPath((name or "").replace("\\", "/")).name.strip()
    return base[-MAX_FILENAME:] if base else "document"
