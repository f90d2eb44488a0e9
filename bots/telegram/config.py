"""The Telegram adapter's settings and the platform's numbers it is built around."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

CHANNEL = "telegram"

# What setWebhook and getUpdates ask Telegram for: customers' messages and button taps.
# Everything else (edits, reactions, membership changes) is not needed to bank.
ALLOWED_UPDATES = ("message", "callback_query")

MAX_FILE_BYTES = 10 * 1024 * 1024  # what a customer may send us (the brief's cap)
MAX_PHOTO_BYTES = 10 * 1024 * 1024  # sendPhoto's upload limit; bigger goes as a document
MAX_CAPTION = 1024  # sendPhoto / sendDocument caption, in characters
MAX_CALLBACK_DATA = 64  # InlineKeyboardButton.callback_data, in BYTES


@dataclass(frozen=True, slots=True)
class TelegramConfig:
    """``TELEGRAM_*`` settings. ``webhook_secret`` None means the webhook refuses every
    request (503): an unauthenticated webhook is never accepted. ``mode`` only changes what
    ``check`` expects: a webhook in production, none while polling in development."""

    token: str
    webhook_secret: str | None
    api_url: str = "https://api.telegram.org"
    bot_username: str | None = None
    mode: Literal["webhook", "polling"] = "webhook"
    # Telegram's broadcast limit: about 30 messages a second per bot, unless the bot pays
    # for more (paid broadcasts, up to 1000); a local double takes whatever it is sent.
    messages_per_second: float = 30.0

    def __repr__(self) -> str:  # the token and the secret never reach a log line
        return f"TelegramConfig(api_url={self.api_url!r}, bot_username={self.bot_username!r})"
