"""Replies as Bot API calls.

* No ``parse_mode`` anywhere: a customer's name or a payee's reference can hold ``*`` or
  ``<``, and nothing Teller says is meant as markup.
* Link previews are off: Telegram's servers would fetch any URL in a message, and a secure
  link is single-use.
* Plain text carries ``remove_keyboard``: the only reply keyboard Teller shows is the
  share-phone button, which is always the last reply of its turn, so whatever text comes
  next (thanks for the number, or the next question after a typed one) takes it away.
  Removing a keyboard that is not there does nothing. An inline-keyboard message cannot
  carry it as well; the share-phone keyboard is one-time, so the client hides it anyway.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bots.channel import DeliveryError, MediaSource
from bots.telegram.api import BotApi
from bots.telegram.config import MAX_CALLBACK_DATA, MAX_CAPTION, MAX_PHOTO_BYTES
from flows.messages import (
    Button,
    Buttons,
    Capabilities,
    Document,
    HandoffNotice,
    Image,
    Reply,
    RequestContact,
    SecureLink,
    Text,
    degrade,
)

ChatId = int | str
SHORT_TITLE = 15  # titles this short sit two to a row (Confirm | Cancel)
NO_PREVIEW = {"is_disabled": True}
REMOVE_KEYBOARD = {"remove_keyboard": True}


def chat_id(user: str) -> ChatId:
    """A private chat's id is the person's id (an integer on Telegram)."""
    return int(user) if user.lstrip("-").isdigit() else user


def text_message(chat: ChatId, text: str) -> dict[str, Any]:
    return {
        "chat_id": chat,
        "text": text,
        "link_preview_options": NO_PREVIEW,
        "reply_markup": REMOVE_KEYBOARD,
    }


def inline_keyboard(buttons: tuple[Button, ...]) -> dict[str, Any]:
    keys = [{"text": b.title, "callback_data": b.payload} for b in buttons]
    per_row = 2 if all(len(b.title) <= SHORT_TITLE for b in buttons) else 1
    return {"inline_keyboard": [keys[i : i + per_row] for i in range(0, len(keys), per_row)]}


def buttons_fit(reply: Buttons) -> bool:
    """callback_data is 1–64 bytes; ``degrade`` counts characters of titles only."""
    return all(0 < len(b.payload.encode()) <= MAX_CALLBACK_DATA for b in reply.buttons)


def contact_request(chat: ChatId, reply: RequestContact) -> dict[str, Any]:
    keyboard = {
        "keyboard": [[{"text": reply.button, "request_contact": True}]],
        "one_time_keyboard": True,
        "resize_keyboard": True,
    }
    return {"chat_id": chat, "text": reply.text, "reply_markup": keyboard}


def link_message(chat: ChatId, reply: SecureLink) -> dict[str, Any]:
    # URL buttons must be https (Telegram refuses http://127.0.0.1 and the like), so a
    # development link goes as text.
    if reply.url.startswith("https://"):
        keyboard = {"inline_keyboard": [[{"text": reply.title, "url": reply.url}]]}
        return {
            "chat_id": chat,
            "text": reply.text,
            "link_preview_options": NO_PREVIEW,
            "reply_markup": keyboard,
        }
    return text_message(chat, f"{reply.text}\n{reply.url}")


async def deliver(
    api: BotApi, media: MediaSource, caps: Capabilities, chat: ChatId, reply: Reply
) -> None:
    """Send ``reply`` (already fitted to ``caps``); :class:`ApiError` from the API."""
    match reply:
        case Text(text=text) | HandoffNotice(text=text):
            await api.call("sendMessage", text_message(chat, text))
        case Buttons() if buttons_fit(reply):
            params = {
                "chat_id": chat,
                "text": reply.text,
                "link_preview_options": NO_PREVIEW,
                "reply_markup": inline_keyboard(reply.buttons),
            }
            await api.call("sendMessage", params)
        case Buttons():
            # The engine reads a typed "2" as the second choice: numbered text loses nothing.
            for part in degrade(reply, replace(caps, numbered_choices=True)):
                await deliver(api, media, caps, chat, part)
        case Image() | Document():
            await _send_file(api, media, caps, chat, reply)
        case RequestContact():
            await api.call("sendMessage", contact_request(chat, reply))
        case SecureLink():
            await api.call("sendMessage", link_message(chat, reply))


async def _send_file(
    api: BotApi, media: MediaSource, caps: Capabilities, chat: ChatId, reply: Image | Document
) -> None:
    stored = await media.get(reply.media_id)
    if stored is None:
        raise DeliveryError("telegram: the file is no longer in the media store", permanent=True)
    upload = (reply.filename, stored.data, reply.content_type)
    caption = reply.caption if len(reply.caption) <= MAX_CAPTION else ""
    params: dict[str, Any] = {"chat_id": chat}
    if caption:
        params["caption"] = caption
    if isinstance(reply, Image) and len(stored.data) <= MAX_PHOTO_BYTES:
        await api.call("sendPhoto", params, files={"photo": upload})
    else:
        await api.call("sendDocument", params, files={"document": upload})
    if reply.caption and not caption:  # too long to sit under the file: it follows it
        for part in degrade(Text(reply.caption), caps):
            await deliver(api, media, caps, chat, part)
