"""Deep links: ``https://t.me/<bot>?start=<code>`` opens the bot and, once the person taps
Start, arrives as the message ``/start <code>``."""

from __future__ import annotations

import re

# Telegram passes a start parameter of at most 64 of these characters; anything else is
# dropped by the client, so a code outside it could never come back.
START_CODE = re.compile(r"[A-Za-z0-9_-]{1,64}")
BOT_USERNAME = re.compile(r"[A-Za-z0-9_]{1,64}")


def deep_link(bot_username: str, code: str) -> str:
    """The link that starts a conversation with ``code`` as its referral."""
    bot = bot_username.removeprefix("@")
    if not BOT_USERNAME.fullmatch(bot):
        raise ValueError("a Telegram bot username is letters, digits and '_'")
    if not START_CODE.fullmatch(code):
        raise ValueError("a Telegram start code is 1–64 of A-Z a-z 0-9 _ -")
    return f"https://t.me/{bot}?start={code}"
