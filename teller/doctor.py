"""``teller doctor`` and ``teller channels setup``: is this Teller healthy, and are its
messengers connected? Each check prints what it found and, when something is wrong, the
fix. ``doctor`` exits 1 when any check fails.
"""

from __future__ import annotations

import time

from sqlalchemy import text

from bots.channel import Check
from core.persistence.database import Database
from flows.store.sql import SqlOutbox
from teller.channels import WEBHOOK_PATHS, build_channels
from teller.conversations import now
from teller.settings import Settings


async def _database(settings: Settings) -> tuple[Check, Database | None]:
    db = Database(settings.resolved_database_url, pool_size=1)
    try:
        async with db.read() as conn:
            await conn.execute(text("SELECT 1"))
    except Exception as exc:  # any failure is the finding
        await db.dispose()
        return (
            Check(
                "database",
                False,
                f"cannot connect: {type(exc).__name__}",
                "check TELLER_DATABASE_URL and that the server runs",
            ),
            None,
        )
    return Check("database", True, f"{db.backend} answers"), db


async def _redis(settings: Settings) -> Check | None:
    if not settings.redis_url:
        return None
    import redis.asyncio as aioredis

    client = aioredis.from_url(settings.redis_url)
    try:
        started = time.perf_counter()
        await client.ping()
        ms = (time.perf_counter() - started) * 1000
        return Check("redis", True, f"answers in {ms:.1f} ms")
    except Exception as exc:
        return Check("redis", False, f"no answer: {type(exc).__name__}", "check TELLER_REDIS_URL")
    finally:
        await client.aclose()


def _public_url(settings: Settings) -> Check:
    url = settings.base_url
    if url.startswith("https://"):
        return Check("public url", True, url)
    ok = not settings.is_production
    return Check(
        "public url",
        ok,
        f"{url} (platforms call webhooks over https only)",
        "set TELLER_PUBLIC_URL to Teller's https address (a tunnel in development)",
    )


async def doctor_checks(settings: Settings) -> list[Check]:
    checks: list[Check] = []
    database, db = await _database(settings)
    checks.append(database)
    redis = await _redis(settings)
    if redis is not None:
        checks.append(redis)
    checks.append(_public_url(settings))
    if db is None:
        return checks
    try:
        channels = build_channels(settings, db)
        try:
            if not channels.adapters:
                checks.append(
                    Check(
                        "channels",
                        True,
                        "no messenger configured (the web chat works without one)",
                        "set TELEGRAM_BOT_TOKEN, VIBER_AUTH_TOKEN, … (README: Messengers)",
                    )
                )
            for name, adapter in channels.adapters.items():
                try:
                    found = await adapter.check()
                except Exception as exc:
                    found = [Check(name, False, f"check failed: {type(exc).__name__}")]
                checks.extend(Check(f"{name}: {c.name}", c.ok, c.detail, c.fix) for c in found)
                checks.append(await _deliveries(SqlOutbox(db, now), name))
        finally:
            await channels.close()
    finally:
        await db.dispose()
    return checks


async def _deliveries(outbox: SqlOutbox, channel: str) -> Check:
    try:
        failures = await outbox.failures(channel, limit=100)
    except Exception:  # the tables do not exist before the first start
        return Check(f"{channel}: deliveries", True, "no deliveries yet")
    if not failures:
        return Check(f"{channel}: deliveries", True, "no failed deliveries")
    last = failures[0]
    return Check(
        f"{channel}: deliveries",
        True,  # reported, not a broken setup: people block bots
        f"{len(failures)} replies not delivered; latest: {last['error']}",
        "see /backoffice/api/deliveries/failed",
    )


def render(checks: list[Check]) -> str:
    lines = []
    for check in checks:
        mark = "ok  " if check.ok else "FAIL"
        line = f"[{mark}] {check.name}: {check.detail}"
        if check.fix and not check.ok:
            line += f"\n       fix: {check.fix}"
        lines.append(line)
    return "\n".join(lines)


async def setup_channels(settings: Settings) -> list[str]:
    """Register each configured channel's webhook at ``TELLER_PUBLIC_URL``."""
    db = Database(settings.resolved_database_url, pool_size=1)
    channels = build_channels(settings, db)
    results = []
    try:
        if not channels.adapters:
            return ["no messenger configured: set its token first (README: Messengers)"]
        for name, adapter in channels.adapters.items():
            url = f"{settings.base_url}{WEBHOOK_PATHS[name]}"
            try:
                results.append(f"{name}: {await adapter.setup(url)}")
            except Exception as exc:
                results.append(f"{name}: failed ({type(exc).__name__})")
    finally:
        await channels.close()
        await db.dispose()
    return results
