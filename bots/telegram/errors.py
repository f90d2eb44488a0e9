"""Bot API failures as the pipeline's errors: what is retried, after how long, and what
never will be. Reasons name the method and Telegram's description — never the token
(it is not in an :class:`ApiError`) and never message text (Telegram does not echo it)."""

from __future__ import annotations

from bots.channel import DeliveryError, PrepareError
from bots.telegram.api import ApiError

# The token itself was refused: every call fails the same way until the operator fixes
# TELEGRAM_BOT_TOKEN, after which the waiting replies should still go out — so retried.
_BAD_TOKEN = (401, 404)


def delivery_error(exc: ApiError) -> DeliveryError:
    where = f"telegram {exc.method}"
    if exc.status is None:
        return DeliveryError(f"{where}: {exc.description}")
    if exc.status == 429:
        return DeliveryError(f"{where}: too many requests", retry_after=exc.retry_after)
    if exc.status in _BAD_TOKEN:
        return DeliveryError(f"{where}: the bot token was refused ({exc.status})")
    if exc.status >= 500:
        return DeliveryError(f"{where}: Telegram answered {exc.status}")
    if exc.status == 403:
        # "bot was blocked by the user", "user is deactivated": nothing will reach them.
        return DeliveryError(f"{where}: 403 {exc.description}".rstrip(), permanent=True)
    if "chat not found" in exc.description.lower():
        return DeliveryError(f"{where}: chat not found", permanent=True)
    return DeliveryError(f"{where}: {exc.status} {exc.description}".rstrip(), permanent=True)


def prepare_error(exc: ApiError) -> PrepareError:
    where = f"telegram {exc.method}"
    if exc.status is None or exc.status == 429 or exc.status >= 500:
        return PrepareError(f"{where}: {exc.status or exc.description}")
    if exc.status in _BAD_TOKEN and exc.method != "download":
        return PrepareError(f"{where}: the bot token was refused ({exc.status})")
    # "file is too big" (over the cloud API's 20 MB), a file that is gone: retrying won't help.
    return PrepareError(f"{where}: {exc.status} {exc.description}".rstrip(), permanent=True)
