"""The NLU engine, loaded — or on a fresh machine trained — while Teller already serves.

Training the embedded model takes a minute or two the first time; Teller should answer
health checks, the core API and button taps meanwhile. ``/readyz`` reports ``nlu:
loading`` until the model is in, so a load balancer sends chat traffic elsewhere; a typed
message that arrives anyway waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable

from nlu.engine import NluEngine, fallback
from nlu.result import ParseResult

log = logging.getLogger(__name__)


class LoadingNlu:
    def __init__(self, make: Callable[[], NluEngine]) -> None:
        self._make = make
        self._engine: NluEngine | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failure: str | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._load())

    async def _load(self) -> None:
        # A daemon thread, not the loop's executor: stopping Teller during a first training
        # must not wait for the training to finish.
        loop = asyncio.get_running_loop()
        done: asyncio.Future[NluEngine] = loop.create_future()

        def work() -> None:
            try:
                engine = self._make()
            except Exception as exc:
                loop.call_soon_threadsafe(_settle, done, None, exc)
            else:
                loop.call_soon_threadsafe(_settle, done, engine, None)

        threading.Thread(target=work, name="nlu-load", daemon=True).start()
        try:
            self._engine = await done
            log.info("the NLU model is loaded")
        except Exception as exc:  # reported by /readyz; typed messages get a fallback
            self._failure = type(exc).__name__
            log.exception("the NLU model could not be loaded")
        finally:
            self._ready.set()

    @property
    def status(self) -> str:
        if not self._ready.is_set():
            return "loading"
        return "ok" if self._engine is not None else f"unavailable: {self._failure}"

    async def parse(self, text: str, language: str | None = None) -> ParseResult:
        await self._ready.wait()
        if self._engine is None:
            return fallback(text, language or "en", reason="nlu unavailable")
        return await self._engine.parse(text, language)

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()  # a training thread ends with the process
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._engine is not None:
            await self._engine.close()


def _settle(
    future: asyncio.Future[NluEngine], engine: NluEngine | None, error: BaseException | None
) -> None:
    if future.done():  # cancelled while loading: Teller is stopping
        return
    if error is not None or engine is None:
        future.set_exception(error or RuntimeError("no NLU engine"))
    else:
        future.set_result(engine)
