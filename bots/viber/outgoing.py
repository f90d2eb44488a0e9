"""Teller's replies as Viber ``send_message`` requests (creators.viber.com message data
model and keyboards). One reply may take more than one request: a caption that does not fit
a picture or a file follows as text, and a text whose JSON would pass 30 KB is cut."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from bots.channel import DeliveryError, MediaSource
from bots.viber.actions import SHARE_PHONE, link_marker, payload_body
from bots.viber.client import fits
from bots.viber.config import ViberConfig
from flows.messages import (
    Buttons,
    Document,
    HandoffNotice,
    Image,
    Reply,
    RequestContact,
    SecureLink,
    Text,
)

MAX_SENDER_NAME = 28  # sender.name: "Max 28 characters"
MAX_BUTTONS = 24  # 12 rows of two half-width buttons (the FAQ's portrait maximum)
# A keyboard button's Text may hold 250 characters of text and HTML, but a full-width
# button shows about 30 before Viber crops it with "…"; longer titles become numbered text.
MAX_BUTTON_TITLE = 30
MAX_TEXT = 7000  # text: "Max 7000 characters"
# picture text: the REST reference caps the description at 120 characters in the version
# we could read (newer pages mention more); a longer caption follows as its own text.
MAX_PICTURE_TEXT = 120
MAX_FILE_NAME = 256
MAX_FILE_BYTES = 50 * 1024 * 1024  # file: "Max size 50 MB"
SHARE_PHONE_API = 3  # share-phone buttons need API level 3 (Viber 7.6+)
FULL_WIDTH, HALF_WIDTH = 6, 3  # the keyboard grid has six columns

Payload = dict[str, Any]


class Composer:
    """Builds the requests for one recipient's replies."""

    def __init__(self, config: ViberConfig, media: MediaSource) -> None:
        self._config = config
        self._media = media

    def sender(self) -> dict[str, str]:
        sender = {"name": self._config.bot_name[:MAX_SENDER_NAME]}
        if self._config.bot_avatar:
            sender["avatar"] = self._config.bot_avatar
        return sender

    async def compose(self, user: str, reply: Reply) -> list[Payload]:
        match reply:
            case Text(text=text) | HandoffNotice(text=text):
                return self._texts(user, text)
            case Buttons(text=text, buttons=buttons):
                if len(buttons) > MAX_BUTTONS:
                    raise DeliveryError("viber: more buttons than a keyboard", permanent=True)
                width = FULL_WIDTH if len(buttons) <= FULL_WIDTH else HALF_WIDTH
                keys = [_reply_button(b.title, payload_body(b.payload), width) for b in buttons]
                return self._texts(user, text, extra={"keyboard": _keyboard(keys)})
            case RequestContact(text=text, button=button):
                key = {
                    "Columns": FULL_WIDTH,
                    "Rows": 1,
                    "ActionType": "share-phone",
                    # Viber: share-phone "requires adding any text in the ActionBody".
                    "ActionBody": SHARE_PHONE,
                    "Text": escape(button, quote=False),
                }
                extra = {
                    "min_api_version": SHARE_PHONE_API,
                    "tracking_data": SHARE_PHONE,
                    "keyboard": _keyboard([key]),
                }
                return self._texts(user, text, extra=extra)
            case SecureLink(url=url, text=text, title=title):
                key = {
                    "Columns": FULL_WIDTH,
                    "Rows": 1,
                    "ActionType": "open-url",
                    "ActionBody": url,
                    "OpenURLType": "external",
                    "Silent": True,
                    "Text": escape(title, quote=False),
                }
                # The address is in the text too: Viber shows only the last keyboard sent,
                # so the button is gone once another message follows.
                extra = {"tracking_data": link_marker(url), "keyboard": _keyboard([key])}
                return self._texts(user, f"{text}\n{url}" if text else url, extra=extra)
            case Image(media_id=media_id, caption=caption, filename=picture_name):
                short = caption if len(caption) <= MAX_PICTURE_TEXT else ""
                picture = self._base(user, "picture") | {
                    "text": short,
                    "media": self._media.public_url(media_id, picture_name),
                }
                rest = self._texts(user, caption) if caption and not short else []
                return [picture, *rest]
            case Document(media_id=media_id, filename=filename, caption=caption):
                stored = await self._media.get(media_id)
                if stored is None:
                    raise DeliveryError("viber: the document is no longer stored", permanent=True)
                if len(stored.data) > MAX_FILE_BYTES:
                    raise DeliveryError("viber: the document is over 50 MB", permanent=True)
                file = self._base(user, "file") | {
                    "media": self._media.public_url(media_id, filename or stored.filename),
                    "size": len(stored.data),
                    "file_name": _file_name(filename or stored.filename),
                }
                return [file, *(self._texts(user, caption) if caption else [])]
        raise DeliveryError(f"viber: cannot send {type(reply).__name__}", permanent=True)

    # -- pieces ---------------------------------------------------------------------------------

    def _base(self, user: str, kind: str) -> Payload:
        return {"receiver": user, "sender": self.sender(), "type": kind}

    def _texts(self, user: str, text: str, extra: Payload | None = None) -> list[Payload]:
        """Text messages for ``text``; ``extra`` (a keyboard, tracking data) goes on the
        last one, where the person acts on it."""

        def build(part: str, last: bool) -> Payload:
            payload = self._base(user, "text") | {"text": part}
            return payload | (extra or {}) if last else payload

        parts = _cut(text or " ", lambda part: build(part, True))
        return [build(part, n == len(parts) - 1) for n, part in enumerate(parts)]


def _cut(text: str, build: Callable[[str], Payload]) -> list[str]:
    """``text`` in parts of ≤ 7000 characters whose request stays within 30 KB (a
    7000-character text of four-byte characters would not)."""
    if len(text) <= MAX_TEXT and fits(build(text)):
        return [text]
    if len(text) < 2:
        raise DeliveryError("viber: the message does not fit in a request", permanent=True)
    middle = len(text) // 2
    cut = max(text.rfind("\n", 0, middle), text.rfind(" ", 0, middle))
    if cut <= len(text) // 4:
        cut = middle
    head, tail = text[:cut].rstrip() or text[:cut], text[cut:].lstrip() or text[cut:]
    return [*_cut(head, build), *_cut(tail, build)]


def _reply_button(title: str, body: str, width: int) -> Payload:
    return {
        "Columns": width,
        "Rows": 1,
        "ActionType": "reply",
        "ActionBody": body,
        # Button text may hold HTML tags; a title is plain text.
        "Text": escape(title, quote=False),
        # The body ("btn:…") is for Teller, not for the chat history.
        "Silent": True,
    }


def _keyboard(buttons: list[Payload]) -> Payload:
    return {"Type": "keyboard", "DefaultHeight": False, "Buttons": buttons}


def _file_name(name: str) -> str:
    if len(name) <= MAX_FILE_NAME:
        return name
    stem, dot, ext = name.rpartition(".")
    if dot and len(ext) < 16:
        return stem[: MAX_FILE_NAME - len(ext) - 1] + "." + ext
    return name[:MAX_FILE_NAME]
