"""Long polling for development machines that Telegram cannot reach: getUpdates in a loop,
each update handled exactly like a webhook's. Not for production (one poller per bot)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from bots.telegram.api import ApiError, BotApi
from bots.telegram.config import ALLOWED_UPDATES

log = logging.getLogger(__name__)
T = TypeVar("T")

POLL_SECONDS = 25  # Telegram holds the request this long when there is nothing new
FIRST_BACKOFF = 1.0
MAX_BACKOFF = 60.0

# Takes one batch of updates; returns once they are safely recorded (or raises).
Handle = Callable[[list[dict[str, Any]]], Awaitable[None]]


async def poll_forever(api: BotApi, handle: Handle, stop: asyncio.Event) -> None:
    backoff = FIRST_BACKOFF
    # getUpdates answers 409 while a webhook is set; keeping pending updates loses nothing.
    while not stop.is_set():
        try:
            await _until_stopped(api.call("deleteWebhook", {"drop_pending_updates": False}), stop)
            break
        except ApiError as exc:
            log.warning("telegram deleteWebhook failed (%s); retrying", exc.status)
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
    offset: int | None = None
    backoff = FIRST_BACKOFF
    while not stop.is_set():
        params: dict[str, Any] = {
            "timeout": POLL_SECONDS,
            "allowed_updates": list(ALLOWED_UPDATES),
        }
        if offset is not None:
            params["offset"] = offset
        try:
            batch = await _until_stopped(
                api.call("getUpdates", params, seconds=POLL_SECONDS + 10), stop
            )
        except ApiError as exc:
            # 409: another poller or a webhook; 401: a bad token; 5xx, timeouts: Telegram.
            # All heal from outside, so wait and ask again.
            log.warning("telegram getUpdates failed (%s); backing off", exc.status)
            await _sleep(stop, exc.retry_after or backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        if batch is None:
            return  # stopped while waiting
        updates = [u for u in batch if isinstance(u, dict)] if isinstance(batch, list) else []
        if not updates:
            backoff = FIRST_BACKOFF
            continue
        try:
            await handle(updates)
        except Exception:
            # Not confirmed to Telegram (offset unchanged): the same batch comes again, and
            # the intake drops what it already recorded.
            log.exception("telegram updates could not be recorded; retrying")
            await _sleep(stop, backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = FIRST_BACKOFF
        ids = [u["update_id"] for u in updates if isinstance(u.get("update_id"), int)]
        if ids:
            offset = max(ids) + 1  # confirms everything up to it


async def _until_stopped(call: Awaitable[T], stop: asyncio.Event) -> T | None:
    """``call``'s result, or None (the call cancelled) once ``stop`` is set."""
    task = asyncio.ensure_future(call)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not task.done():  # stopped, or this coroutine itself was cancelled
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    return None if task.cancelled() else task.result()


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
