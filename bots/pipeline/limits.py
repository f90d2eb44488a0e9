"""Sending rate limits per channel and per person, shared by every process.

A token bucket per key: ``rate`` tokens a second up to ``burst``. With Redis (the scaled
setup) the buckets live in Redis and one Lua script takes a token atomically, so all
``teller serve`` and ``teller worker`` processes share them; the embedded default is one
process and keeps them in memory.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from redis.asyncio import Redis

from bots.channel import Limits


class Limiter(Protocol):
    async def wait(self, channel: str, user: str, limits: Limits) -> None:
        """Return when one more message to ``user`` on ``channel`` is within the limits."""
        ...


class LocalLimiter:
    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, at)

    def _take(self, key: str, rate: float, burst: float, now: float) -> float:
        """Take a token; 0 when taken, else the seconds until one is there."""
        tokens, at = self._buckets.get(key, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens >= 1:
            self._buckets[key] = (tokens - 1, now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (1 - tokens) / rate

    async def wait(self, channel: str, user: str, limits: Limits) -> None:
        while True:
            now = time.monotonic()
            chat = self._take(
                f"{channel}:{user}", limits.per_chat_per_second, limits.per_chat_burst, now
            )
            if chat:
                await asyncio.sleep(chat)
                continue
            overall = self._take(channel, limits.per_second, max(1.0, limits.per_second), now)
            if overall:
                # Give the chat's token back: only the channel's bucket was empty.
                tokens, at = self._buckets[f"{channel}:{user}"]
                self._buckets[f"{channel}:{user}"] = (tokens + 1, at)
                await asyncio.sleep(overall)
                continue
            return


# KEYS: chat bucket, channel bucket. ARGV: now (s), chat rate, chat burst, rate, burst.
# Both buckets or neither: a message takes a token from each.
_TAKE = """
local function level(key, rate, burst, now)
  local v = redis.call('HMGET', key, 't', 'at')
  local tokens = tonumber(v[1]) or burst
  local at = tonumber(v[2]) or now
  return math.min(burst, tokens + (now - at) * rate)
end
local now = tonumber(ARGV[1])
local chat = level(KEYS[1], tonumber(ARGV[2]), tonumber(ARGV[3]), now)
local all = level(KEYS[2], tonumber(ARGV[4]), tonumber(ARGV[5]), now)
if chat >= 1 and all >= 1 then
  redis.call('HSET', KEYS[1], 't', chat - 1, 'at', now)
  redis.call('EXPIRE', KEYS[1], 3600)
  redis.call('HSET', KEYS[2], 't', all - 1, 'at', now)
  redis.call('EXPIRE', KEYS[2], 3600)
  return '0'
end
local wait_chat = 0
if chat < 1 then wait_chat = (1 - chat) / tonumber(ARGV[2]) end
local wait_all = 0
if all < 1 then wait_all = (1 - all) / tonumber(ARGV[4]) end
return tostring(math.max(wait_chat, wait_all))
"""


class RedisLimiter:
    def __init__(self, redis: Redis, prefix: str = "teller:limits:") -> None:
        self._redis = redis
        self._prefix = prefix
        self._take = redis.register_script(_TAKE)

    async def wait(self, channel: str, user: str, limits: Limits) -> None:
        while True:
            # Redis's clock, not ours: processes on several machines agree on it.
            seconds, micros = await self._redis.time()
            now = seconds + micros / 1_000_000
            keys = [f"{self._prefix}{channel}:{user}", f"{self._prefix}{channel}"]
            args = [
                now,
                limits.per_chat_per_second,
                limits.per_chat_burst,
                limits.per_second,
                max(1.0, limits.per_second),
            ]
            wait = float(await self._take(keys=keys, args=args))
            if wait <= 0:
                return
            await asyncio.sleep(wait)
