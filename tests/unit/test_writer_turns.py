"""SQLite's one writer in a process: writers in order, urgent ones (webhooks) first."""

from __future__ import annotations

import asyncio

from core.persistence.database import WriterTurns


async def test_writers_go_in_order_and_urgent_ones_first() -> None:
    turns = WriterTurns()
    order: list[str] = []
    holding = asyncio.Event()

    async def write(name: str, urgent: bool = False) -> None:
        async with turns.held(urgent):
            order.append(name)
            if name == "first":
                holding.set()
                await asyncio.sleep(0.01)

    first = asyncio.create_task(write("first"))
    await holding.wait()
    waiting = [
        asyncio.create_task(write("turn 1")),
        asyncio.create_task(write("turn 2")),
        asyncio.create_task(write("webhook", urgent=True)),
    ]
    await asyncio.gather(first, *waiting)
    assert order == ["first", "webhook", "turn 1", "turn 2"]


async def test_a_cancelled_waiter_does_not_keep_the_writer() -> None:
    turns = WriterTurns()
    entered = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with turns.held():
            entered.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    gone = asyncio.create_task(hold())
    await asyncio.sleep(0)
    gone.cancel()
    release.set()
    await holder
    await asyncio.gather(gone, return_exceptions=True)
    async with asyncio.timeout(1):
        async with turns.held():
            pass


async def test_a_waiter_cancelled_as_it_is_handed_the_writer_lets_it_go() -> None:
    turns = WriterTurns()
    entered = asyncio.Event()
    release = asyncio.Event()

    async def hold() -> None:
        async with turns.held():
            entered.set()
            await release.wait()

    holder = asyncio.create_task(hold())
    await entered.wait()
    late = asyncio.create_task(hold())
    await asyncio.sleep(0)
    release.set()
    await holder  # hands the writer to ``late``, which has not run yet
    late.cancel()
    await asyncio.gather(late, return_exceptions=True)
    async with asyncio.timeout(1):
        async with turns.held():
            pass
