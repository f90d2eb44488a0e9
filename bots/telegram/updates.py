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
from datetime import UTC, datetime
from enum import Enum
from pathlib import PurePosixPath
from typing import Any, Final

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
    """What one update means to Teller; None when it is acknowledged and ignored.

    The commonest updates — a person's plain text, a tap on a button under a message — are
    read directly when every field they have is of the exact type the Bot API gives it
    (see :func:`lean_update`); the rest go through aiogram's full validation."""
    lean = lean_update(data)
    if lean is not NOT_LEAN:
        return lean
    return parse_validated(data)


def parse_validated(data: dict[str, Any]) -> Received | Event | None:
    """:func:`parse_update` through aiogram's validation, whatever the update's shape."""
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


# -- the lean path -------------------------------------------------------------------------------
#
# aiogram validates an update into pydantic models of the whole Bot API, which costs more
# than the rest of the webhook's work together. The two shapes a bank's chat mostly gets
# are read here instead, and only when nothing in them could make validation fail or read
# differently: every key is one this path knows, of exactly the type the Bot API sends
# (no coercion to think about), and the keys pydantic requires are there (or are the ones
# ``validate`` fills in). Anything else — other content, entities, extra keys, a string
# where a number belongs — is NOT_LEAN and goes the validated way, so both ways give the
# same result for every update the lean one takes (tests/channels check it on each
# fixture and sample).


class _Lean(Enum):
    NOT_LEAN = "not lean"


NOT_LEAN: Final = _Lean.NOT_LEAN

_OPTIONAL_STR = (str,)
# key -> (required, types)
_USER: dict[str, tuple[bool, tuple[type, ...]]] = {
    "id": (True, (int,)),
    "is_bot": (False, (bool,)),  # required by the API, filled in by ``validate`` if absent
    "first_name": (True, (str,)),
    "last_name": (False, _OPTIONAL_STR),
    "username": (False, _OPTIONAL_STR),
    "language_code": (False, _OPTIONAL_STR),
    "is_premium": (False, (bool,)),
}
_CHAT: dict[str, tuple[bool, tuple[type, ...]]] = {
    "id": (True, (int,)),
    "type": (True, (str,)),
    "first_name": (False, _OPTIONAL_STR),
    "last_name": (False, _OPTIONAL_STR),
    "username": (False, _OPTIONAL_STR),
    "title": (False, _OPTIONAL_STR),
}
_MAX_SECONDS = 20_000_000_000  # pydantic reads larger numbers as milliseconds


def _exact(value: Any, types: tuple[type, ...]) -> bool:
    return type(value) in types  # bool is not an int here, nor an int a float


def _plain(obj: Any, fields: dict[str, tuple[bool, tuple[type, ...]]]) -> bool:
    """``obj`` is a dict of only ``fields``, each of its exact type, none required missing."""
    if type(obj) is not dict:
        return False
    for key, value in obj.items():
        spec = fields.get(key)
        if spec is None or not _exact(value, spec[1]):
            return False
    return all(key in obj for key, (required, _) in fields.items() if required)


def _date(value: Any) -> datetime | None:
    if type(value) is not int or not 0 <= value <= _MAX_SECONDS:
        return None
    return datetime.fromtimestamp(value, tz=UTC)


def _button_row(row: Any) -> bool:
    return type(row) is list and all(
        type(b) is dict
        and set(b) == {"text", "callback_data"}
        and type(b["text"]) is str
        and type(b["callback_data"]) is str
        for b in row
    )


def _plain_markup(markup: Any) -> bool:
    """An inline keyboard of callback buttons (what Teller itself sends)."""
    if type(markup) is not dict or set(markup) != {"inline_keyboard"}:
        return False
    rows = markup["inline_keyboard"]
    return type(rows) is list and all(_button_row(row) for row in rows)


def lean_update(data: dict[str, Any]) -> Received | _Lean | None:
    """A plain text message or a button tap read without validation; NOT_LEAN for any
    other update, or one this path cannot vouch for."""
    if type(data) is not dict or len(data) != 2 or type(data.get("update_id")) is not int:
        return NOT_LEAN
    message_id = str(data["update_id"])
    if "message" in data:
        return _lean_text(data["message"], message_id)
    if "callback_query" in data:
        return _lean_tap(data["callback_query"], message_id)
    return NOT_LEAN


_TEXT_KEYS = frozenset({"message_id", "date", "chat", "from", "text"})


def _lean_text(msg: Any, message_id: str) -> Received | _Lean | None:
    if type(msg) is not dict or not _TEXT_KEYS.issuperset(msg) or len(msg) != len(_TEXT_KEYS):
        return NOT_LEAN
    at = _date(msg["date"])
    sender, text = msg["from"], msg["text"]
    if (
        at is None
        or type(msg["message_id"]) is not int
        or type(text) is not str
        or not text  # aiogram reads an empty text as no content at all
        or not _plain(msg["chat"], _CHAT)
        or not _plain(sender, _USER)
    ):
        return NOT_LEAN
    if msg["chat"]["type"] != "private":
        return None
    return _text(sender, message_id, text, at)


_TAP_KEYS = frozenset({"id", "from", "chat_instance", "data", "message"})
_TAPPED_KEYS = frozenset({"message_id", "date", "chat", "from", "text", "reply_markup"})


def _lean_tap(query: Any, message_id: str) -> Received | _Lean | None:
    if type(query) is not dict or not _TAP_KEYS.issuperset(query):
        return NOT_LEAN
    if not {"id", "from", "data", "message"}.issubset(query):
        return NOT_LEAN  # no data (a game), or an inline message: the validated way
    sender, msg = query["from"], query["message"]
    if (
        type(query["id"]) is not str
        or type(query["data"]) is not str
        or type(query.get("chat_instance", "")) is not str
        or not _plain(sender, _USER)
        or type(msg) is not dict
        or not _TAPPED_KEYS.issuperset(msg)
        or not {"message_id", "date", "chat"}.issubset(msg)
        or type(msg["message_id"]) is not int
        or _date(msg["date"]) is None
        or not _plain(msg["chat"], _CHAT)
        or ("from" in msg and not _plain(msg["from"], _USER))
        or ("text" in msg and type(msg["text"]) is not str)
        or ("reply_markup" in msg and not _plain_markup(msg["reply_markup"]))
    ):
        return NOT_LEAN
    chat = msg["chat"]
    if chat["type"] != "private":
        return None
    fetch = {"callback_id": query["id"], "chat_id": str(chat["id"])}
    fetch["message_id"] = str(msg["message_id"])
    inbound = Inbound(
        CHANNEL,
        str(sender["id"]),
        message_id,
        Kind.PAYLOAD,
        payload=query["data"],
        locale=sender.get("language_code"),
        display_name=sender["first_name"] or None,
    )
    return Received(inbound, fetch)


def _text(sender: dict[str, Any], message_id: str, text: str, at: datetime) -> Received:
    """The same as ``_from_message`` for a text message, from plain values."""
    locale = sender.get("language_code")
    name = sender["first_name"] or None
    user = str(sender["id"])
    start = _START.match(text)
    if start is None:
        inbound = Inbound(
            CHANNEL,
            user,
            message_id,
            Kind.TEXT,
            text=text,
            at=at,
            locale=locale,
            display_name=name,
        )
        return Received(inbound)
    code = (start.group("rest") or "").strip()
    referral = code if START_CODE.fullmatch(code) else None
    inbound = Inbound(
        CHANNEL,
        user,
        message_id,
        Kind.START,
        text=text,
        referral=referral,
        at=at,
        locale=locale,
        display_name=name,
    )
    return Received(inbound)


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
