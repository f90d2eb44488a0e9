"""Buttons as WhatsApp interactive messages through Twilio's Content API.

Twilio sends WhatsApp quick replies and lists only as Content API content
(``ContentSid`` + ``ContentVariables``); in the 24-hour session neither needs WhatsApp's
approval, so Teller creates them itself (decision 0073):

* ``twilio/quick-reply`` for up to 3 buttons with titles of at most 20 characters (the
  in-session limit without approval);
* ``twilio/list-picker`` for up to 10 choices with titles of at most 24 characters.

The message body is the content's variable ``{{1}}``, so one content serves every
message that offers the same choices, and nothing the customer was told is stored in a
Content resource; titles and payloads are literal. Each content is created once per
process (an in-memory cache keyed by a hash of its definition). Buttons that fit neither
go out as numbered text, which the conversation engine reads back ("2" is the second).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

import httpx

from bots.channel import DeliveryError
from bots.whatsapp_twilio.errors import delivery_error, transport_error
from flows.messages import Buttons

QUICK_REPLY = "twilio/quick-reply"
LIST_PICKER = "twilio/list-picker"
QUICK_REPLY_MAX = 3  # in session, without approval
QUICK_REPLY_TITLE = 20
LIST_MAX = 10
LIST_TITLE = 24
BODY_MAX = 1024  # both types' body
ID_MAX = 200  # a button's or an item's id: Teller's payload
LIST_BUTTON_MAX = 20
# The list's opening button. Teller speaks these languages; others get English.
LIST_BUTTON = {"en": "Choose", "cs": "Vybrat", "ru": "Выбрать", "uk": "Вибрати"}
CACHE_SIZE = 2048


def definition(reply: Buttons, language: str) -> dict[str, Any] | None:
    """The Content API ``types`` for ``reply``; None when it must be numbered text."""
    buttons = reply.buttons
    if (
        not buttons
        or len(reply.text) > BODY_MAX
        or not reply.text.strip()
        or any(not b.payload or len(b.payload) > ID_MAX for b in buttons)
        or len({b.payload for b in buttons}) != len(buttons)  # ids must be unique
    ):
        return None
    if len(buttons) <= QUICK_REPLY_MAX and all(len(b.title) <= QUICK_REPLY_TITLE for b in buttons):
        actions = [{"title": b.title, "id": b.payload} for b in buttons]
        return {QUICK_REPLY: {"body": "{{1}}", "actions": actions}}
    if len(buttons) <= LIST_MAX and all(len(b.title) <= LIST_TITLE for b in buttons):
        # Twilio lists an item's description as required; the choice's number is what the
        # customer could also type, so it is the least surprising one.
        items = [
            {"item": b.title, "id": b.payload, "description": str(n)}
            for n, b in enumerate(buttons, 1)
        ]
        label = LIST_BUTTON.get(language, LIST_BUTTON["en"])[:LIST_BUTTON_MAX]
        return {LIST_PICKER: {"body": "{{1}}", "button": label, "items": items}}
    return None


def variables(reply: Buttons) -> str:
    """``ContentVariables`` for a message made from :func:`definition`."""
    return json.dumps({"1": reply.text}, ensure_ascii=False)


class ContentCache:
    """Content SIDs by definition, created on first use."""

    def __init__(self, http: httpx.AsyncClient, api: str, auth: tuple[str, str]) -> None:
        self._http = http
        self._api = api
        self._auth = auth
        self._sids: OrderedDict[str, str] = OrderedDict()

    async def sid(self, types: dict[str, Any], language: str) -> str:
        """The content's SID. Raises :class:`DeliveryError` when Twilio refuses it."""
        canonical = json.dumps([language, types], sort_keys=True, ensure_ascii=False)
        key = hashlib.sha256(canonical.encode()).hexdigest()
        found = self._sids.get(key)
        if found is not None:
            self._sids.move_to_end(key)
            return found
        request = {
            "friendly_name": f"teller_{key[:24]}",
            "language": language,
            "variables": {"1": "Choose"},  # the sample Twilio requires; always replaced
            "types": types,
        }
        try:
            response = await self._http.post(
                f"{self._api}/v1/Content", json=request, auth=self._auth
            )
        except httpx.HTTPError as exc:
            raise transport_error(exc, "content") from None
        if response.status_code not in (200, 201):
            raise delivery_error(response, "content")
        sid = _sid_of(response)
        if sid is None:
            raise DeliveryError("twilio content: no sid in the answer")
        self._sids[key] = sid
        if len(self._sids) > CACHE_SIZE:
            self._sids.popitem(last=False)
        return sid

    def __len__(self) -> int:
        return len(self._sids)


def _sid_of(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    sid = body.get("sid") if isinstance(body, dict) else None
    return sid if isinstance(sid, str) and sid else None
