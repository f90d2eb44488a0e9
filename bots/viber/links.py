"""Invite links that open the bot in Viber with a code (``context`` of conversation_started)."""

from __future__ import annotations

import re
from urllib.parse import quote

# What Teller accepts as a deep-link code on every channel (Telegram's start payload rule).
CODE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def valid_code(value: object) -> str | None:
    """``value`` when it is a code Teller would have made, else None."""
    if isinstance(value, str) and CODE.match(value):
        return value
    return None


def deep_link(chat_uri: str, code: str) -> str:
    """``viber://pa?chatURI=<uri>&context=<code>``; Viber hands ``context`` back in the
    conversation_started event only (developers.viber.com deep links)."""
    if not chat_uri:
        raise ValueError("the bot's chat URI is not set (VIBER_CHAT_URI)")
    if valid_code(code) is None:
        raise ValueError("a deep-link code is 1-64 letters, digits, '_' or '-'")
    return f"viber://pa?chatURI={quote(chat_uri, safe='')}&context={code}"
