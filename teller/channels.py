"""The messengers Teller is configured for, and the workers that serve them.

A channel is on when its token is set (``TELEGRAM_BOT_TOKEN``, ``VIBER_AUTH_TOKEN``,
``TWILIO_WHATSAPP_FROM`` with the Twilio account, ``WHATSAPP_ACCESS_TOKEN``,
``MESSENGER_PAGE_TOKEN``). Its webhook routes are mounted under ``/webhooks``; the
inbound worker turns queued messages into turns and the delivery worker sends the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

import httpx
from fastapi import APIRouter
from httpx_aiohttp import AiohttpTransport
from redis.asyncio import Redis

from bots.channel import AdapterDeps, ChannelAdapter
from bots.pipeline.delivery import DeliveryWorker, LanguageOf
from bots.pipeline.intake import QueueIntake
from bots.pipeline.limits import Limiter, LocalLimiter, RedisLimiter
from bots.pipeline.worker import InboundWorker
from bots.templates import Templates
from flows.ports import Media, MediaStore, Transactions
from flows.service import Conversations
from flows.store.queue import SqlContacts, SqlQueue
from flows.store.sql import SqlMediaStore, SqlOutbox
from teller.conversations import now
from teller.settings import Settings

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def platform_client() -> httpx.AsyncClient:
    """The client every adapter calls its platform with: httpx's interface (timeouts,
    errors, tests' mock transports) over aiohttp's connections, which cost half the CPU a
    call of httpx's own do (decision 0096); three calls answer each button tap."""
    return httpx.AsyncClient(
        transport=AiohttpTransport(trust_env=False),
        timeout=HTTP_TIMEOUT,
        follow_redirects=False,
        trust_env=False,
    )


# Where each platform calls Teller (behind TELLER_PUBLIC_URL).
WEBHOOK_PATHS = {
    "telegram": "/webhooks/telegram",
    "viber": "/webhooks/viber",
    "whatsapp_twilio": "/webhooks/whatsapp/twilio",
    "whatsapp_cloud": "/webhooks/whatsapp/cloud",
    "messenger": "/webhooks/messenger",
}


class PublicMedia:
    """Reply pictures and documents, and the public address platforms fetch them from."""

    def __init__(self, store: MediaStore, base_url: str) -> None:
        self._store = store
        self._base = base_url.rstrip("/")

    async def get(self, media_id: str) -> Media | None:
        return await self._store.get(media_id)

    def public_url(self, media_id: str, filename: str = "") -> str:
        url = f"{self._base}/webchat/media/{media_id}"
        return f"{url}/{quote(filename, safe='')}" if filename else url


def secret(value: object) -> str | None:
    getter = getattr(value, "get_secret_value", None)
    return getter() if getter is not None else None


def build_adapters(settings: Settings, deps: AdapterDeps) -> dict[str, ChannelAdapter]:
    """One adapter per configured channel."""
    adapters: dict[str, ChannelAdapter] = {}
    templates = Templates.load(settings.channel_templates_file)
    token = secret(settings.telegram_bot_token)
    if token:
        from bots.telegram import TelegramAdapter, TelegramConfig

        adapters["telegram"] = TelegramAdapter(
            TelegramConfig(
                token=token,
                webhook_secret=secret(settings.telegram_webhook_secret),
                api_url=settings.telegram_api_url,
                bot_username=settings.telegram_bot_username,
                mode=settings.telegram_mode,
                messages_per_second=settings.telegram_messages_per_second,
            ),
            deps,
        )
    viber = secret(settings.viber_auth_token)
    if viber:
        from bots.viber import ViberAdapter, ViberConfig

        adapters["viber"] = ViberAdapter(
            ViberConfig(
                auth_token=viber,
                api_url=settings.viber_api_url,
                bot_name=settings.viber_bot_name,
                bot_avatar=settings.viber_bot_avatar,
                chat_uri=settings.viber_chat_uri,
            ),
            deps,
        )
    twilio = secret(settings.twilio_auth_token)
    if twilio and settings.twilio_account_sid and settings.twilio_whatsapp_from:
        from bots.whatsapp_twilio import TwilioWhatsAppAdapter, TwilioWhatsAppConfig

        adapters["whatsapp_twilio"] = TwilioWhatsAppAdapter(
            TwilioWhatsAppConfig(
                account_sid=settings.twilio_account_sid,
                auth_token=twilio,
                from_number=settings.twilio_whatsapp_from,
                public_url=settings.base_url,
                api_url=settings.twilio_api_url,
                number=settings.whatsapp_number,
                templates=templates,
            ),
            deps,
        )
    cloud = secret(settings.whatsapp_access_token)
    if cloud and settings.whatsapp_phone_number_id:
        from bots.whatsapp_cloud import CloudWhatsAppAdapter, CloudWhatsAppConfig

        adapters["whatsapp_cloud"] = CloudWhatsAppAdapter(
            CloudWhatsAppConfig(
                access_token=cloud,
                app_secret=secret(settings.whatsapp_app_secret) or "",
                verify_token=secret(settings.whatsapp_verify_token) or "",
                phone_number_id=settings.whatsapp_phone_number_id,
                business_account_id=settings.whatsapp_business_account_id,
                api_url=settings.whatsapp_api_url,
                number=settings.whatsapp_number,
                templates=templates,
            ),
            deps,
        )
    page = secret(settings.messenger_page_token)
    if page:
        from bots.messenger import MessengerAdapter, MessengerConfig

        adapters["messenger"] = MessengerAdapter(
            MessengerConfig(
                page_token=page,
                app_secret=secret(settings.messenger_app_secret) or "",
                verify_token=secret(settings.messenger_verify_token) or "",
                api_url=settings.messenger_api_url,
                page_name=settings.messenger_page_name,
            ),
            deps,
        )
    return adapters


@dataclass
class Channels:
    """The configured messengers, the queue's intake and the wake-up signals."""

    settings: Settings
    db: Transactions
    adapters: Mapping[str, ChannelAdapter]
    http: httpx.AsyncClient
    queue: SqlQueue
    contacts: SqlContacts
    outbox: SqlOutbox
    intake: QueueIntake
    inbound_wake: asyncio.Event = field(default_factory=asyncio.Event)
    delivery_wake: asyncio.Event = field(default_factory=asyncio.Event)
    inbound: InboundWorker | None = None
    delivery: DeliveryWorker | None = None

    def routers(self) -> list[APIRouter]:
        """Each channel's webhook routes, to be mounted under ``/webhooks``."""
        return [adapter.router(self.intake) for adapter in self.adapters.values()]

    def start(
        self, conversations: Conversations, redis: Redis | None, stop: asyncio.Event
    ) -> list[asyncio.Task[None]]:
        """The inbound and delivery workers (and Telegram's long polling) until ``stop``."""
        conversations.queue = self.queue
        # Several processes share PostgreSQL: poll for their messages often. The embedded
        # default is one process, which wakes its own worker at once.
        poll = self.settings.queue_poll_seconds if self.db.backend == "postgresql" else 1.0
        # On PostgreSQL a turn holds one database connection for its lock and takes others
        # while it runs: more turns at once than a third of the pool would wait on each
        # other. On SQLite a turn holds none (its lock is in this process) and uses one at
        # a time, so as many turns as the pool has connections.
        pool = self.settings.database_pool_size
        turns = max(1, min(32, pool // 3 if self.db.backend == "postgresql" else pool))
        self.inbound = InboundWorker(
            conversations, self.adapters, self.inbound_wake, poll=poll, concurrency=turns
        )
        limiter: Limiter = RedisLimiter(redis) if redis is not None else LocalLimiter()
        self.delivery = DeliveryWorker(
            self.outbox,
            self.contacts,
            self.adapters,
            limiter,
            self.delivery_wake,
            language_of=LanguageOf(conversations.store.load),
            max_attempts=self.settings.delivery_max_attempts,
            poll=poll,
        )
        conversations.on_saved = self.delivery_wake.set
        conversations.outbox.on_added = self.delivery_wake.set
        tasks = [
            asyncio.create_task(self.inbound.run(stop)),
            asyncio.create_task(self.delivery.run(stop)),
        ]
        telegram = self.adapters.get("telegram")
        poll_forever = getattr(telegram, "poll_forever", None)
        if self.settings.telegram_mode == "polling" and poll_forever is not None:
            tasks.append(asyncio.create_task(poll_forever(self.intake, stop)))
        return tasks

    async def close(self) -> None:
        await self.http.aclose()


def build_channels(
    settings: Settings, db: Transactions, clock: Callable[[], datetime] = now
) -> Channels:
    http = platform_client()
    media = PublicMedia(SqlMediaStore(db, clock), settings.base_url)
    adapters = build_adapters(settings, AdapterDeps(http, media))
    queue = SqlQueue(db, clock)
    contacts = SqlContacts(db, clock)
    wake = asyncio.Event()
    return Channels(
        settings,
        db,
        adapters,
        http,
        queue,
        contacts,
        SqlOutbox(db, clock),
        QueueIntake(queue, contacts, wake),
        inbound_wake=wake,
    )
