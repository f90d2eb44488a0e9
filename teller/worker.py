"""``teller worker``: everything ``teller serve`` does in the background, without HTTP.

Run several beside ``teller serve`` replicas on PostgreSQL (and Redis): they share the
job queue, the messengers' queue (per-conversation order is kept by the conversations'
locks) and the outbox (claimed per conversation), and with Redis the sending limits.
"""

from __future__ import annotations

import asyncio
import signal

import redis.asyncio as aioredis

from flows.text_overrides import apply_overrides, keep_overrides_fresh
from teller.channels import build_channels
from teller.conversations import build_conversations, nlu_engine
from teller.heap import frozen_startup_heap
from teller.jobs import background_jobs
from teller.nlu_loading import LoadingNlu
from teller.settings import Settings
from teller.wiring import build


async def run_worker(settings: Settings) -> None:
    # Asked to stop while starting (an orchestrator's SIGTERM during the schema's
    # preparation), the worker finishes starting and then stops cleanly, instead of dying
    # half-way by the signal's default action.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    container = build(settings)
    await container.start()
    nlu = LoadingNlu(lambda: nlu_engine(settings))
    nlu.start()
    redis = aioredis.from_url(settings.redis_url) if settings.redis_url else None
    conversations = build_conversations(container, nlu, redis=redis)
    channels = build_channels(settings, container.db)
    tasks = background_jobs(container, settings.hold_expiry_interval_seconds, stop)
    tasks += channels.start(conversations, redis, stop)
    catalog = conversations.services.catalog
    await apply_overrides(container.db, catalog)
    tasks.append(asyncio.create_task(keep_overrides_fresh(container.db, catalog, stop)))
    heap = frozen_startup_heap()  # as `teller serve` does (decision 0098)
    try:
        await asyncio.gather(*tasks)
    finally:
        heap.close()
        await channels.close()
        await nlu.close()
        conversations.services.renderer.close()
        if redis is not None:
            await redis.aclose()
        await container.close()
