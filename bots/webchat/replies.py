"""Replies in the web chat API's documented JSON shapes."""

from __future__ import annotations

from typing import Any

from flows.messages import (
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
    reply_from_dict,
)

CAPABILITIES = Capabilities(max_buttons=12, max_button_title=60, max_text=4000)
MEDIA_PATH = "/webchat/media/"


def to_json(reply: Reply) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for part in degrade(reply, CAPABILITIES):
        match part:
            case Text(text=text, secret=secret):
                # "secret": the answer asked for (a passcode) should be typed hidden.
                out.append({"type": "text", "text": text, **({"secret": True} if secret else {})})
            case Buttons(text=text, buttons=buttons):
                out.append(
                    {
                        "type": "buttons",
                        "text": text,
                        "buttons": [{"title": b.title, "payload": b.payload} for b in buttons],
                    }
                )
            case Image(media_id=media_id, caption=caption):
                out.append({"type": "image", "url": MEDIA_PATH + media_id, "caption": caption})
            case Document(media_id=media_id, filename=filename):
                out.append(
                    {"type": "document", "url": MEDIA_PATH + media_id, "filename": filename}
                )
            case SecureLink(url=url, text=text):
                out.append({"type": "link", "url": url, "text": text})
            case RequestContact(text=text):
                out.append({"type": "text", "text": text})
            case HandoffNotice(text=text):
                out.append({"type": "text", "text": text})
    return out


def stored_to_json(stored: dict[str, Any]) -> list[dict[str, Any]]:
    return to_json(reply_from_dict(stored))
