"""The ASGI application: health, the core API at ``/api/v1``, and the jobs of serve."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

import redis.asyncio as aioredis
import structlog
from fastapi import FastAPI

from backoffice.app import mount_backoffice
from bots.webchat import routes as webchat
from core.api.app import create_api
from flows import secure_pages
from flows.ports import CodeSender
from flows.store.redis_store import RedisConversationStore
from flows.text_overrides import apply_overrides, keep_overrides_fresh
from integrations.acquirer.pages import create_pages
from integrations.acquirer.simulator import AcquirerSimulator
from nlu.engine import NluEngine, NoEngine
from teller import dev_pages, fastpath, handoff_api, health, metrics
from teller.backoffice import backoffice_config, backoffice_of
from teller.channels import build_channels
from teller.conversations import build_conversations, nlu_engine, now
from teller.correlation import CorrelationIdMiddleware
from teller.fastpath import direct_handlers
from teller.heap import frozen_startup_heap
from teller.jobs import background_jobs
from teller.logs import configure_logging
from teller.metrics import Metrics, MetricsMiddleware
from teller.nlu_loading import LoadingNlu
from teller.settings import Settings
from teller.wiring import Container, build

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    run_jobs: bool = True,
    container: Container | None = None,
    nlu: NluEngine | None = None,
    codes: CodeSender | None = None,
    flows_clock: Callable[[], datetime] | None = None,
) -> FastAPI:
    """Teller's web application; ``uvicorn --factory teller.app:create_app`` serves it."""
    settings = settings or Settings()
    configure_logging(json=settings.json_logs, level=settings.log_level)
    container = container or build(settings)
    channels = build_channels(settings, container.db, flows_clock or now)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await container.start()
        engine: NluEngine
        if nlu is not None:
            engine = nlu
        elif settings.nlu_engine == "off":
            engine = NoEngine()
        else:
            loading = LoadingNlu(lambda: nlu_engine(settings))
            loading.start()
            app.state.nlu = engine = loading
        app.state.redis = aioredis.from_url(settings.redis_url) if settings.redis_url else None
        conversations = build_conversations(
            container, engine, codes=codes, clock=flows_clock or now, redis=app.state.redis
        )
        await apply_overrides(container.db, conversations.services.catalog)
        app.state.conversations = conversations
        app.state.backoffice = backoffice_of(settings, container, flows_clock or now)
        stop = asyncio.Event()
        jobs = []
        if run_jobs and settings.run_jobs:
            jobs = background_jobs(container, settings.hold_expiry_interval_seconds, stop)
            jobs += channels.start(conversations, app.state.redis, stop)
        jobs.append(
            asyncio.create_task(
                keep_overrides_fresh(container.db, conversations.services.catalog, stop)
            )
        )
        if isinstance(conversations.store, RedisConversationStore):
            jobs.append(asyncio.create_task(conversations.store.relay_forever(stop)))
        log.info("teller is ready", database=container.db.backend, env=settings.env.value)
        heap = frozen_startup_heap()
        try:
            yield
        finally:
            heap.close()
            stop.set()
            await asyncio.gather(*jobs, return_exceptions=True)
            if app.state.redis is not None:
                await app.state.redis.aclose()
            if nlu is None:
                await engine.close()
            app.state.conversations.services.renderer.close()
            await channels.close()
            await container.close()

    app = FastAPI(
        title="Teller",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.container = container
    app.state.channels = channels
    app.state.redis = None
    app.state.nlu = None  # a LoadingNlu while the model loads in the background
    app.state.metrics = Metrics()
    app.include_router(health.router)
    app.include_router(webchat.router)
    app.include_router(secure_pages.router)
    app.include_router(handoff_api.router)
    app.include_router(handoff_api.deliveries)
    app.include_router(metrics.router)
    mount_backoffice(app, backoffice_config(settings))
    app.mount(
        "/api/v1",
        create_api(
            container.bank, container.authenticator, max_body_bytes=settings.max_body_bytes
        ),
    )
    webhooks = channels.routers()
    for router in webhooks:
        app.include_router(router, prefix="/webhooks", include_in_schema=False)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    fastpath.install(
        app,
        direct_handlers(webhooks, prefix="/webhooks"),
        max_body_bytes=max(settings.max_body_bytes, 1024 * 1024),  # batched Meta deliveries
        wrap=lambda endpoints: CorrelationIdMiddleware(
            MetricsMiddleware(endpoints, app.state.metrics)
        ),
    )
    acquirer = container.bank.cardmoney.topups.acquirer
    if isinstance(acquirer, AcquirerSimulator) and not settings.is_production:
        # The simulated acquirer's hosted payment page: development only.
        app.mount("/dev/acquirer", create_pages(acquirer))
    if not settings.is_production:
        app.include_router(dev_pages.router)
    app.add_middleware(CorrelationIdMiddleware)
    return app
