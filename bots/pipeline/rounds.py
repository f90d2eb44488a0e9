"""What the inbound and delivery workers share: rounds until stopped, woken at once by their
own process or by a poll, with at most one task per conversation and a bounded number at
once."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)

Key = tuple[str, str]  # (channel, user)


class Rounds:
    def __init__(self, wake: asyncio.Event, poll: float, concurrency: int) -> None:
        self._wake = wake
        self._poll = poll
        self._slots = asyncio.Semaphore(concurrency)
        self._active: dict[Key, asyncio.Task[None]] = {}

    async def round(self) -> int:
        """Start the tasks that are due; returns how many started."""
        raise NotImplementedError

    async def housekeeping(self) -> None:
        """Work between rounds (none by default)."""

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self._wake.clear()
            try:
                await self.round()
                await self.housekeeping()
            except Exception:
                log.exception("a worker's round failed: %s", type(self).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wait(stop), self._poll)
        for task in list(self._active.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def drain(self) -> None:
        """Rounds until nothing is due (tests and benchmarks)."""
        while await self.round() or self._active:
            await asyncio.gather(*list(self._active.values()), return_exceptions=True)

    def busy(self, key: Key) -> bool:
        return key in self._active

    def start(self, key: Key, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` for the conversation ``key`` within the concurrency bound."""
        task = asyncio.create_task(self._bounded(work))
        self._active[key] = task
        task.add_done_callback(functools.partial(self._forget, key))

    async def _bounded(self, work: Coroutine[Any, Any, None]) -> None:
        async with self._slots:
            await work
        # Work queued meanwhile for this conversation is picked up by the next round.
        self._wake.set()

    def _forget(self, key: Key, _task: asyncio.Task[None]) -> None:
        self._active.pop(key, None)

    async def _wait(self, stop: asyncio.Event) -> None:
        waits = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()
