"""The image service as callers use it: every picture drawn off the event loop, once.

Drawing and PNG/PDF encoding are CPU work of tens of milliseconds; on the event loop
they would stall every conversation. ``Renderer`` runs them in an executor (a thread pool
by default: Pillow's drawing and zlib release the GIL for the heavy part, and threads
share the loaded fonts; a process pool can be passed in) and keeps finished pictures in a
content-hash cache.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from render.bank_details import bank_details_image
from render.cache import RenderCache, content_key
from render.card import card_image, card_reveal
from render.documents import BankDetails, CardFace, Receipt, ReferralCard, Statement
from render.output import Rendered, within
from render.receipt import receipt_image
from render.referral import referral_image
from render.statement_pdf import statement_pdf
from render.statement_png import statement_pages

T = TypeVar("T")
# About three phone-screen pages of transactions; more goes out as a PDF document.
LINES_IN_CHAT = 30


class Renderer:
    """Pictures and documents for chat, drawn in ``executor`` and cached."""

    def __init__(self, executor: Executor | None = None, cache: RenderCache | None = None) -> None:
        self._executor = executor or ThreadPoolExecutor(
            max_workers=os.cpu_count() or 2, thread_name_prefix="render"
        )
        self._owned = executor is None
        self.cache = cache or RenderCache()

    async def card(self, face: CardFace, *, max_bytes: int | None = None) -> Rendered:
        """The card with its last four digits."""
        return await self._one("card", face, partial(card_image, face), max_bytes)

    async def card_reveal(self, face: CardFace, number: str) -> Rendered:
        """The card with its full number, for the single-use reveal page: never cached."""
        return await self._run(partial(card_reveal, face, number))

    async def receipt(self, receipt: Receipt, *, max_bytes: int | None = None) -> Rendered:
        return await self._one("receipt", receipt, partial(receipt_image, receipt), max_bytes)

    async def bank_details(
        self, details: BankDetails, *, max_bytes: int | None = None
    ) -> Rendered:
        return await self._one("details", details, partial(bank_details_image, details), max_bytes)

    async def referral(self, card: ReferralCard, *, max_bytes: int | None = None) -> Rendered:
        return await self._one("referral", card, partial(referral_image, card), max_bytes)

    async def statement_pages(self, statement: Statement) -> list[Rendered]:
        """The statement as phone-screen PNG pages."""
        return list(
            await self._cached("statement_png", statement, partial(statement_pages, statement))
        )

    async def statement_pdf(self, statement: Statement) -> Rendered:
        """The statement as a multi-page PDF, for long periods and for keeping."""
        made = await self._cached(
            "statement_pdf", statement, partial(_listed, statement_pdf, statement)
        )
        return made[0]

    async def statement(
        self, statement: Statement, *, lines_in_chat: int = LINES_IN_CHAT
    ) -> list[Rendered]:
        """What chat gets for a statement: pictures of its pages while the period fits a
        few phone screens, else one PDF document (a long period as a stack of pictures
        floods the conversation and some messengers cap how many arrive at once)."""
        if len(statement.lines) <= lines_in_chat:
            return await self.statement_pages(statement)
        return [await self.statement_pdf(statement)]

    async def _one(
        self, kind: str, document: object, draw: Callable[[], Rendered], max_bytes: int | None
    ) -> Rendered:
        fitted = partial(_fitted, draw, max_bytes)
        return (await self._cached(kind, document, fitted, max_bytes=max_bytes))[0]

    async def _cached(
        self,
        kind: str,
        document: object,
        draw: Callable[[], Sequence[Rendered]],
        **options: object,
    ) -> Sequence[Rendered]:
        key = content_key(kind, document, **options)
        found = self.cache.get(key)
        if found is not None:
            return found
        made = await self._run(draw)
        self.cache.put(key, made)
        return made

    async def _run(self, work: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, work)

    def close(self) -> None:
        """Stop the pool this renderer made (one passed in belongs to the caller)."""
        if self._owned:
            self._executor.shutdown(wait=True)


# Module-level, so that a process pool can pickle the work it is handed.
def _fitted(draw: Callable[[], Rendered], max_bytes: int | None) -> list[Rendered]:
    picture = draw()
    return [within(picture, max_bytes) if max_bytes is not None else picture]


def _listed(draw: Callable[[Statement], Rendered], statement: Statement) -> list[Rendered]:
    return [draw(statement)]
