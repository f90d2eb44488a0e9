"""``teller doctor`` and ``teller channels setup`` for Telegram: getMe, getWebhookInfo and
setWebhook, each answer turned into what the operator should do."""

from __future__ import annotations

import re
import time
from typing import Any

from bots.channel import Check
from bots.telegram.api import ApiError, BotApi
from bots.telegram.config import ALLOWED_UPDATES, TelegramConfig

WEBHOOK_PATH = "/webhooks/telegram"
# setWebhook's secret_token: 1–256 of these characters, echoed back in every request.
SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
RECENT_ERROR_SECONDS = 3600  # an older delivery error has healed since
MANY_PENDING = 100

_FIX_BOTFATHER = "Copy the bot's token from @BotFather into TELEGRAM_BOT_TOKEN."
_FIX_WEBHOOK_KEY = (
    "Set TELEGRAM_WEBHOOK_SECRET to 1–256 random characters of A-Z a-z 0-9 _ - "
    "(for example `openssl rand -hex 32`), then run `teller channels setup`."
)


def _unreachable(exc: ApiError, api_url: str) -> Check:
    if exc.status in (401, 404):
        return Check("telegram token", False, "Telegram refused the bot token", _FIX_BOTFATHER)
    return Check(
        "telegram api",
        False,
        f"no answer from {api_url} ({exc.status or exc.description})",
        "Check this machine reaches TELEGRAM_API_URL, or try again later.",
    )


async def check(api: BotApi, config: TelegramConfig) -> list[Check]:
    try:
        me: dict[str, Any] = await api.call("getMe")
    except ApiError as exc:
        return [_unreachable(exc, config.api_url)]
    username = str(me.get("username") or "")
    checks = [Check("telegram token", True, f"the token belongs to @{username}")]
    configured = (config.bot_username or "").removeprefix("@")
    if not configured:
        checks.append(
            Check(
                "telegram bot username",
                False,
                "TELEGRAM_BOT_USERNAME is not set: invitation links cannot be made",
                f"Set TELEGRAM_BOT_USERNAME={username}.",
            )
        )
    elif configured.casefold() != username.casefold():
        checks.append(
            Check(
                "telegram bot username",
                False,
                f"TELEGRAM_BOT_USERNAME is {configured} but the token is @{username}'s",
                f"Set TELEGRAM_BOT_USERNAME={username}.",
            )
        )
    try:
        info: dict[str, Any] = await api.call("getWebhookInfo")
    except ApiError as exc:
        return [*checks, _unreachable(exc, config.api_url)]
    if config.mode == "polling":
        return [*checks, _polling(info)]
    return [*checks, *_webhook(info, config)]


def _polling(info: dict[str, Any]) -> Check:
    url = str(info.get("url") or "")
    if url:
        return Check(
            "telegram webhook",
            False,
            f"a webhook is set ({url}) while TELEGRAM_MODE=polling",
            "Polling removes it when it starts; or set TELEGRAM_MODE=webhook.",
        )
    return Check("telegram webhook", True, "no webhook: updates are polled (development)")


def _webhook(info: dict[str, Any], config: TelegramConfig) -> list[Check]:
    checks: list[Check] = []
    secret = config.webhook_secret
    if secret is None or not SECRET_TOKEN.fullmatch(secret):
        state = "not set" if secret is None else "not 1–256 of A-Z a-z 0-9 _ -"
        detail = f"TELEGRAM_WEBHOOK_SECRET is {state}: the webhook refuses every update"
        checks.append(Check("telegram webhook secret", False, detail, _FIX_WEBHOOK_KEY))
    url = str(info.get("url") or "")
    if not url:
        checks.append(
            Check(
                "telegram webhook",
                False,
                "no webhook is registered: Telegram keeps the updates",
                "Run `teller channels setup` with TELLER_PUBLIC_URL set to Teller's public "
                "https address, or set TELEGRAM_MODE=polling on a development machine.",
            )
        )
        return checks
    if not url.rstrip("/").endswith(WEBHOOK_PATH):
        checks.append(
            Check(
                "telegram webhook",
                False,
                f"the webhook is {url}, not Teller's {WEBHOOK_PATH}",
                "Run `teller channels setup` to point it at Teller.",
            )
        )
    else:
        checks.append(Check("telegram webhook", True, f"registered at {url}"))
    allowed = info.get("allowed_updates")
    if isinstance(allowed, list) and allowed and not set(ALLOWED_UPDATES) <= set(allowed):
        checks.append(
            Check(
                "telegram updates",
                False,
                f"Telegram sends only {', '.join(map(str, allowed))}",
                "Run `teller channels setup` so button taps and messages both arrive.",
            )
        )
    pending = int(info.get("pending_update_count") or 0)
    error = str(info.get("last_error_message") or "")
    error_at = int(info.get("last_error_date") or 0)
    if error and time.time() - error_at < RECENT_ERROR_SECONDS:
        checks.append(
            Check(
                "telegram delivery",
                False,
                f"Telegram's last delivery failed: {error} ({pending} updates waiting)",
                "Check that the webhook URL is reachable from the internet over https with "
                "a valid certificate, and that TELEGRAM_WEBHOOK_SECRET is the secret it "
                "was registered with (run `teller channels setup` again after changing it).",
            )
        )
    elif pending >= MANY_PENDING:
        checks.append(
            Check(
                "telegram delivery",
                False,
                f"{pending} updates are waiting to be delivered",
                "Check that Teller's workers are running and the webhook answers quickly.",
            )
        )
    else:
        checks.append(Check("telegram delivery", True, f"{pending} updates waiting"))
    return checks


async def setup(api: BotApi, config: TelegramConfig, webhook_url: str) -> str:
    """Register ``webhook_url`` (the full address of ``/webhooks/telegram``)."""
    secret = config.webhook_secret
    if secret is None or not SECRET_TOKEN.fullmatch(secret):
        return "Telegram: webhook not set. " + _FIX_WEBHOOK_KEY
    params = {
        "url": webhook_url,
        "secret_token": secret,
        "allowed_updates": list(ALLOWED_UPDATES),
        "drop_pending_updates": False,
    }
    try:
        await api.call("setWebhook", params)
    except ApiError as exc:
        if exc.status in (401, 404):
            return "Telegram: webhook not set, the bot token was refused. " + _FIX_BOTFATHER
        reason = exc.description or str(exc.status or "no answer")
        return f"Telegram: webhook not set: {reason}."
    return f"Telegram: webhook set to {webhook_url} (updates: {', '.join(ALLOWED_UPDATES)})."
