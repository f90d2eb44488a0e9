"""The Telegram channel: ``POST /webhooks/telegram`` in, the Bot API out.

Authenticity is the secret token given to setWebhook, which Telegram echoes in
``X-Telegram-Bot-Api-Secret-Token`` (not a signature: compared in constant time). With no
secret configured the webhook refuses everything rather than take unauthenticated updates.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bots.channel import (
    AdapterDeps,
    Check,
    Intake,
    Limits,
    Outgoing,
    PrepareError,
    Received,
)
from bots.problems import problem
from bots.telegram import doctor, polling
from bots.telegram.api import ApiError, BotApi, FileTooLarge
from bots.telegram.config import CHANNEL, MAX_FILE_BYTES, TelegramConfig
from bots.telegram.errors import delivery_error, prepare_error
from bots.telegram.links import deep_link
from bots.telegram.replies import chat_id, deliver
from bots.telegram.updates import Event, parse_update, update_id_of
from flows.messages import Attachment, Capabilities, Inbound

log = logging.getLogger(__name__)

AUTH_HEADER = "x-telegram-bot-api-secret-token"


class TelegramAdapter:
    name = CHANNEL
    # Telegram takes ~100 buttons and 4096 characters; flows offer at most ten choices.
    capabilities = Capabilities(
        max_buttons=10,
        max_button_title=64,
        max_text=4096,
        images=True,
        documents=True,
        request_contact=True,
    )
    # ~30 messages a second per bot (TELEGRAM_MESSAGES_PER_SECOND where the bot may send
    # more), ~1 a second per chat with short bursts tolerated.
    limits = Limits(per_second=30, per_chat_per_second=1, per_chat_burst=3)
    window_hours: int | None = None

    def __init__(self, config: TelegramConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps
        self.api = BotApi(deps.http, config.api_url, config.token)
        if config.messages_per_second != self.limits.per_second:
            self.limits = replace(self.limits, per_second=config.messages_per_second)

    def __repr__(self) -> str:
        return f"TelegramAdapter({self.config!r})"

    # -- inbound --------------------------------------------------------------------------

    def router(self, intake: Intake) -> APIRouter:
        router = APIRouter()

        @router.post("/telegram", include_in_schema=False)
        async def telegram_webhook(request: Request) -> Response:
            return await self._webhook(request, intake)

        return router

    async def _webhook(self, request: Request, intake: Intake) -> Response:
        secret = self.config.webhook_secret
        if secret is None:
            return problem(
                503,
                "WEBHOOK_SECRET_NOT_SET",
                "TELEGRAM_WEBHOOK_SECRET is not set",
                detail="Unauthenticated updates are never accepted.",
            )
        given = request.headers.get(AUTH_HEADER)
        # Starlette decodes header bytes as latin-1; encoding back gives the bytes sent.
        if given is None or not secrets.compare_digest(given.encode("latin-1"), secret.encode()):
            return problem(401, "INVALID_SECRET_TOKEN", "The secret token is wrong or missing.")
        try:
            data = json.loads(await request.body())
        except ValueError:
            return problem(400, "MALFORMED_JSON", "The body is not JSON.")
        if update_id_of(data) is None:
            return problem(400, "NOT_AN_UPDATE", "The body is not a Telegram Update.")
        answer = await self._take([data], intake, answering=True)
        if answer is not None:
            return JSONResponse(answer)
        return Response(status_code=200)

    async def _take(
        self, updates: Sequence[dict[str, Any]], intake: Intake, *, answering: bool = False
    ) -> dict[str, Any] | None:
        """Record what the updates say; the same for the webhook and for polling.

        ``answering`` (a webhook, one update): a button tap is answered in the webhook's
        own response, where Telegram lets a bot make one call, so the spinner stops as
        soon as the tap is recorded and the turn makes one call to Telegram fewer. The
        queued tap notes it (``answered``); the answer to return is given back."""
        received: list[Received] = []
        events: list[Event] = []
        answer: dict[str, Any] | None = None
        for data in updates:
            parsed = parse_update(data)
            if isinstance(parsed, Received):
                callback = parsed.fetch.get("callback_id")
                if answering and callback is not None and len(updates) == 1:
                    parsed = replace(parsed, fetch={**parsed.fetch, "answered": "webhook"})
                    answer = {"method": "answerCallbackQuery", "callback_query_id": callback}
                received.append(parsed)
            elif isinstance(parsed, Event):
                events.append(parsed)
        if received:
            await intake.accept(received)
        for event in events:
            await intake.event(CHANNEL, event.user, event.kind)
        return answer

    async def poll_forever(self, intake: Intake, stop: asyncio.Event) -> None:
        """Development without a public URL (TELEGRAM_MODE=polling): removes the webhook,
        then long-polls getUpdates until ``stop`` is set."""

        async def handle(updates: list[dict[str, Any]]) -> None:
            await self._take(updates, intake)

        await polling.poll_forever(self.api, handle, stop)

    async def prepare(self, received: Received) -> Inbound:
        fetch = received.fetch
        if "callback_id" in fetch:
            await self._settle_callback(fetch)
        if "file_id" in fetch:
            attachment = await self._download(fetch)
            return replace(received.inbound, attachment=attachment)
        return received.inbound

    async def _settle_callback(self, fetch: dict[str, str]) -> None:
        """Stop the tapped button's spinner (unless the webhook's response did) and take
        the keyboard off its message, so an old choice cannot be tapped again. Both are
        courtesy: the turn runs whatever they answer (a query older than a few seconds, a
        message too old to edit)."""
        if "answered" not in fetch:
            try:
                await self.api.call(
                    "answerCallbackQuery", {"callback_query_id": fetch["callback_id"]}
                )
            except ApiError as exc:
                log.info("telegram answerCallbackQuery failed: %s", exc.status)
        target: dict[str, Any]
        if "chat_id" in fetch and "message_id" in fetch:
            target = {"chat_id": int(fetch["chat_id"]), "message_id": int(fetch["message_id"])}
        elif "inline_message_id" in fetch:
            target = {"inline_message_id": fetch["inline_message_id"]}
        else:
            return
        try:
            await self.api.call("editMessageReplyMarkup", target)  # no reply_markup: removed
        except ApiError as exc:
            log.info("telegram editMessageReplyMarkup failed: %s", exc.status)

    async def _download(self, fetch: dict[str, str]) -> Attachment:
        too_large = PrepareError("telegram: the file is larger than 10 MB", permanent=True)
        if int(fetch.get("size") or 0) > MAX_FILE_BYTES:
            raise too_large
        try:
            file: dict[str, Any] = await self.api.call("getFile", {"file_id": fetch["file_id"]})
            path = file.get("file_path")
            if not isinstance(path, str) or not path:
                raise PrepareError("telegram getFile: no file path", permanent=True)
            if int(file.get("file_size") or 0) > MAX_FILE_BYTES:
                raise too_large
            data = await self.api.download(path, MAX_FILE_BYTES)
        except ApiError as exc:
            raise prepare_error(exc) from None
        except FileTooLarge:
            raise too_large from None
        content_type = fetch.get("content_type") or "application/octet-stream"
        return Attachment(data, content_type, fetch.get("filename") or "upload")

    # -- outbound -------------------------------------------------------------------------

    async def send(self, out: Outgoing) -> None:
        try:
            await deliver(
                self.api, self.deps.media, self.capabilities, chat_id(out.user), out.reply
            )
        except ApiError as exc:
            raise delivery_error(exc) from None

    # -- operations -----------------------------------------------------------------------

    async def check(self) -> list[Check]:
        return await doctor.check(self.api, self.config)

    async def setup(self, webhook_url: str) -> str:
        """``webhook_url``: the public address of ``/webhooks/telegram``."""
        return await doctor.setup(self.api, self.config, webhook_url)

    def deep_link(self, code: str) -> str:
        if not self.config.bot_username:
            raise ValueError("TELEGRAM_BOT_USERNAME is not set")
        return deep_link(self.config.bot_username, code)
