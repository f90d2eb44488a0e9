"""Replies as Cloud API message bodies (``POST /<PHONE_NUMBER_ID>/messages``), pure.

Limits are WhatsApp's (CHANNELS.md §4): text 4096; reply buttons ≤ 3 with titles ≤ 20 and
a body ≤ 1024; lists ≤ 10 rows with titles ≤ 24, a menu label ≤ 20, row ids ≤ 200;
captions ≤ 1024; a call-to-action URL button's label ≤ 20. What does not fit one form
takes the next (buttons → list → numbered text), so no choice is lost.
"""

from __future__ import annotations

import re
from typing import Any

from bots.channel import DeliveryError, MediaSource, Outgoing
from bots.meta import WINDOW_CLOSED
from bots.templates import Templates, template_text
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

MAX_TEXT = 4096
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_BUTTON_BODY = 1024
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_ID = 200
MAX_CAPTION = 1024
MAX_LABEL = 20
CAPABILITIES = Capabilities(
    max_buttons=MAX_ROWS,
    max_button_title=MAX_ROW_TITLE,
    max_text=MAX_TEXT,
    images=True,
    documents=True,
    request_contact=False,  # WhatsApp has no share-phone button (the number is the sender)
)
NUMBERED = Capabilities(max_text=MAX_TEXT, numbered_choices=True)
# The label of the button that opens a list, in the languages Teller speaks.
LIST_LABEL = {"en": "Choose", "cs": "Vybrat", "ru": "Выбрать", "uk": "Обрати"}


def addressee(user: str) -> dict[str, str]:
    """Who a message goes to. A phone number (digits) goes in ``to``; a business-scoped
    user id ("US.1349…", decision 0074) in ``recipient``, which Meta added for people
    whose number it does not share."""
    return {"to": user} if user.isdigit() else {"recipient": user}


def bodies(out: Outgoing, media: MediaSource, templates: Templates | None) -> list[dict[str, Any]]:
    """The request bodies that deliver ``out`` (usually one), or :class:`DeliveryError`
    when it cannot be delivered at all."""
    if not out.window_open:
        return [_template(out, templates)]
    return [_envelope(out.user, content) for content in _contents(out, media)]


def _envelope(user: str, content: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        **addressee(user),
        **content,
    }


def _contents(out: Outgoing, media: MediaSource) -> list[dict[str, Any]]:
    reply = out.reply
    match reply:
        case Text(text=text) | HandoffNotice(text=text) | RequestContact(text=text):
            return [_text(part) for part in _parts(text)]
        case Buttons():
            return _buttons(reply, out.language)
        case Image():
            return [
                _media("image", media.public_url(reply.media_id, reply.filename), reply.caption)
            ]
        case Document():
            link = media.public_url(reply.media_id, reply.filename)
            return [_media("document", link, reply.caption, reply.filename)]
        case SecureLink(url=url, text=text, title=title):
            if url.startswith("https://"):
                return [_link_button(text, title, url)]
            return [_text(part) for part in _parts(f"{text}\n{url}")]
    raise DeliveryError(f"not a reply WhatsApp can show: {type(reply).__name__}", permanent=True)


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": {"body": text, "preview_url": False}}


def _parts(text: str) -> list[str]:
    return [part.text for part in degrade(Text(text), NUMBERED) if isinstance(part, Text)]


def _buttons(reply: Buttons, language: str) -> list[dict[str, Any]]:
    choices = reply.buttons
    body = reply.text or "…"  # an interactive message needs a body
    if _fits(reply, MAX_BUTTONS, MAX_BUTTON_TITLE, MAX_BUTTON_ID) and len(body) <= MAX_BUTTON_BODY:
        buttons = [
            {"type": "reply", "reply": {"id": c.payload, "title": c.title}} for c in choices
        ]
        action: dict[str, Any] = {"buttons": buttons}
        return [_interactive({"type": "button", "body": {"text": body}, "action": action})]
    if _fits(reply, MAX_ROWS, MAX_ROW_TITLE, MAX_ROW_ID) and len(body) <= MAX_TEXT:
        rows = [{"id": b.payload, "title": b.title} for b in choices]
        label = LIST_LABEL.get(language.split("-")[0].lower(), LIST_LABEL["en"])
        action = {"button": label, "sections": [{"rows": rows}]}
        return [_interactive({"type": "list", "body": {"text": body}, "action": action})]
    # Too many choices, or ids too long: numbered text (a typed "2" still picks the second).
    return [_text(part.text) for part in degrade(reply, NUMBERED) if isinstance(part, Text)]


def _fits(reply: Buttons, count: int, title: int, payload: int) -> bool:
    return len(reply.buttons) <= count and all(
        len(b.title) <= title and len(b.payload) <= payload for b in reply.buttons
    )


def _interactive(interactive: dict[str, Any]) -> dict[str, Any]:
    return {"type": "interactive", "interactive": interactive}


def _media(kind: str, link: str, caption: str, filename: str = "") -> dict[str, Any]:
    # By link: WhatsApp fetches the file from Teller's media URL (unguessable, expiring),
    # which saves an upload per message.
    content: dict[str, Any] = {"link": link}
    if caption:
        content["caption"] = caption[:MAX_CAPTION]
    if filename:
        content["filename"] = filename
    return {"type": kind, kind: content}


def _link_button(text: str, title: str, url: str) -> dict[str, Any]:
    label = title if len(title) <= MAX_LABEL else title[: MAX_LABEL - 1] + "…"
    action = {"name": "cta_url", "parameters": {"display_text": label, "url": url}}
    return _interactive({"type": "cta_url", "body": {"text": text or title}, "action": action})


def _template(out: Outgoing, templates: Templates | None) -> dict[str, Any]:
    """Outside the 24-hour window only an approved template is delivered: a notification's
    text goes into the notification template's one variable; anything else cannot go."""
    if not isinstance(out.reply, Text):
        raise DeliveryError(WINDOW_CLOSED, permanent=True)
    template = templates.notification("whatsapp_cloud", out.language) if templates else None
    if template is None or not template.name:
        raise DeliveryError(f"{WINDOW_CLOSED} (no notification template)", permanent=True)
    parameter = {"type": "text", "text": template_text(_one_line(out.reply.text))}
    content = {
        "type": "template",
        "template": {
            "name": template.name,
            "language": {"code": template.language},
            "components": [{"type": "body", "parameters": [parameter]}],
        },
    }
    return _envelope(out.user, content)


def _one_line(text: str) -> str:
    """Template variables may not hold new lines, tabs or more than four spaces in a row
    (Graph error 132018), so paragraphs are joined."""
    return re.sub(r"[ \t]{4,}", "   ", re.sub(r"\s*\n\s*", " · ", text.strip()).replace("\t", " "))
