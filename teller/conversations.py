"""Building the conversation side of Teller: flows over the bank, NLU, render, stores."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from redis.asyncio import Redis

from core.actors import Actor, ActorKind
from flows.catalog import Catalog
from flows.context import FlowSettings, Services
from flows.definition import load_all
from flows.engine import Engine
from flows.ports import CodeSender, ConversationStore
from flows.reloading import Reloader
from flows.sealing import Sealer
from flows.secure import SecurePages
from flows.service import Conversations
from flows.store.redis_store import RedisConversationStore
from flows.store.sql import (
    SqlConversationStore,
    SqlCredentialStore,
    SqlIdentityStore,
    SqlMediaStore,
    SqlOutbox,
    SqlSecureLinks,
)
from flows.values import to_minor
from integrations.bank.local import LocalBank
from integrations.messaging.dev_outbox import DevOutbox
from integrations.messaging.routing import ByAddress
from integrations.messaging.smtp_email import SmtpEmail
from integrations.messaging.twilio_sms import TwilioSms
from nlu.engine import NluEngine, NoEngine
from render.service import Renderer
from teller.deeplinks import deep_links
from teller.keys import load_keyring
from teller.settings import ConfigurationError, Settings
from teller.wiring import Container

CHAT_ACTOR = Actor(ActorKind.API_CLIENT, "chat")


def now() -> datetime:
    return datetime.now(UTC)


def flows_key(settings: Settings) -> bytes:
    """Flows' sealing key, derived from the bank's index key (configured in production)."""
    return load_keyring(settings).blind_index("flows-seal-key-v1", context="flows").encode()


def code_sender(settings: Settings) -> CodeSender:
    """Twilio SMS and SMTP e-mail when configured; the development outbox otherwise."""
    if settings.twilio_account_sid and settings.twilio_auth_token and settings.twilio_sms_from:
        sms: CodeSender = TwilioSms(
            settings.twilio_account_sid,
            settings.twilio_auth_token.get_secret_value(),
            settings.twilio_sms_from,
            api_url=settings.twilio_api_url,
        )
        email: CodeSender = sms
        if settings.smtp_host and settings.smtp_from:
            email = SmtpEmail(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_from,
                username=settings.smtp_username,
                password=None
                if settings.smtp_password is None
                else settings.smtp_password.get_secret_value(),
            )
        return ByAddress(sms, email)
    if settings.is_production:
        raise ConfigurationError("production needs TWILIO_* settings to send one-time codes")
    return dev_outbox(settings)


def step_up_amounts(spec: str) -> dict[str, int]:
    """``"EUR:1000,CZK:25000"`` → minor units per currency."""
    out: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        currency, _, amount = part.partition(":")
        try:
            minor = to_minor(Decimal(amount), currency.strip().upper())
        except (InvalidOperation, ValueError):
            minor = None
        if minor is None:
            raise ConfigurationError(f"TELLER_STEP_UP_AMOUNTS: cannot read {part!r}")
        out[currency.strip().upper()] = minor
    return out


def dev_outbox(settings: Settings) -> DevOutbox:
    return DevOutbox(settings.data_dir / "dev-outbox.jsonl")


def build_conversations(
    container: Container,
    nlu: NluEngine,
    *,
    codes: CodeSender | None = None,
    renderer: Renderer | None = None,
    clock: Callable[[], datetime] = now,
    definitions: Path | None = None,
    flow_settings: FlowSettings | None = None,
    redis: Redis | None = None,
) -> Conversations:
    """Flows over the bank; conversations kept in Redis when ``redis`` is given (Teller
    has ``TELLER_REDIS_URL``), else in the database."""
    settings = container.settings
    db = container.db
    sealer = Sealer(flows_key(settings))
    flow_settings = flow_settings or FlowSettings(
        base_url=settings.base_url,
        time_zone=settings.time_zone,
        nlu_threshold=settings.nlu_threshold,
        development=not settings.is_production,
        passcode_idle=timedelta(minutes=settings.passcode_idle_minutes),
        step_up_minor=step_up_amounts(settings.step_up_amounts),
        conversation_ttl=timedelta(hours=settings.conversation_ttl_hours),
        deep_link=deep_links(settings),
    )
    services = Services(
        bank=LocalBank(container.bank, CHAT_ACTOR),
        nlu=nlu,
        catalog=Catalog.load(),
        flows=load_all(definitions) if definitions else load_all(),
        media=SqlMediaStore(db, clock),
        identities=SqlIdentityStore(db, clock),
        credentials=SqlCredentialStore(db, clock, sealer),
        codes=codes or code_sender(settings),
        renderer=renderer or Renderer(),
        secure=SecurePages(sealer, settings.base_url, clock),
        sealer=sealer,
        settings=flow_settings,
        now=clock,
    )
    store: ConversationStore = (
        SqlConversationStore(db, clock)
        if redis is None
        else RedisConversationStore(redis, db, clock)
    )
    engine = Engine(services)
    conversations = Conversations(engine, store, SqlOutbox(db, clock), services, clock)
    if definitions is None:
        reloader = Reloader(engine)
        if not settings.is_production:
            conversations.reloader = reloader  # edits show up at the next message
        else:
            watch_signal(reloader)
    return conversations


def watch_signal(reloader: Reloader) -> None:
    """Production: ``kill -HUP`` reloads flows and texts."""
    try:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGHUP, reloader.reload)
    except (RuntimeError, NotImplementedError, ValueError):
        pass  # not on the main thread's loop (tests, embedded uses): no signal to watch


def nlu_engine(settings: Settings) -> NluEngine:
    """The NLU engine the settings choose; the embedded one trains first when its cached
    model is missing or older than the training data (a minute or two, once)."""
    if settings.nlu_engine == "off":
        return NoEngine()
    if settings.nlu_engine == "rasa":
        from nlu.rasa import RasaEngine

        return RasaEngine(settings.rasa_url, token=settings.rasa_token)
    from nlu.embedded import EmbeddedEngine

    return EmbeddedEngine.open(settings.resolved_nlu_model_dir)


def secure_links(container: Container, clock: Callable[[], datetime] = now) -> SqlSecureLinks:
    return SqlSecureLinks(container.db, clock)
