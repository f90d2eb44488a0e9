"""SQLite on the event loop's thread: a writer that finds the database locked waits with
the loop free, and gets the lock once its holder lets go; other errors come at once."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from core.persistence import sqlite_inline
from core.persistence.database import Database


async def _ticks_while(task: asyncio.Task[object]) -> int:
    """How many times the loop ran another coroutine while ``task`` was pending."""
    ticks = 0
    while not task.done():
        ticks += 1
        await asyncio.sleep(0.005)
    return ticks


async def test_a_locked_database_is_waited_for_without_blocking_the_loop(tmp_path: Path) -> None:
    path = str(tmp_path / "locked.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("CREATE TABLE t (n INTEGER)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")

    waiter = await sqlite_inline.connect(path)
    asyncio.get_running_loop().call_later(0.1, holder.commit)
    started = time.monotonic()
    task = asyncio.create_task(waiter.execute("BEGIN IMMEDIATE"))
    ticks = await _ticks_while(task)
    await task
    await waiter.execute("INSERT INTO t VALUES (2)")
    await waiter.commit()

    assert time.monotonic() - started >= 0.09  # it did wait for the holder
    assert ticks >= 5  # and the loop ran meanwhile
    cursor = await waiter.execute("SELECT n FROM t ORDER BY n")
    assert await cursor.fetchall() == [(1,), (2,)]
    holder.close()
    await waiter.close()


async def test_the_wait_ends_with_sqlites_error_after_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT_S", 0.05)
    path = str(tmp_path / "held.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("BEGIN IMMEDIATE")
    waiter = await sqlite_inline.connect(path)
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        await waiter.execute("BEGIN IMMEDIATE")
    assert 0.05 <= time.monotonic() - started < 1.0
    holder.rollback()
    holder.close()
    await waiter.close()


async def test_other_errors_are_not_retried(tmp_path: Path) -> None:
    waiter = await sqlite_inline.connect(str(tmp_path / "e.db"))
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="syntax"):
        await waiter.execute("SELEC 1")
    assert time.monotonic() - started < 0.05
    await waiter.close()
    with pytest.raises(ValueError, match="no active connection"):
        waiter.cursor()


async def test_a_second_engine_in_the_process_waits_for_the_first_ones_writer(
    tmp_path: Path,
) -> None:
    """Two Database objects on one file (as a migration beside the app would be): the
    second's write transaction waits for the first's, with the loop free for the first to
    finish, instead of failing or freezing the process."""
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first, second = Database(url), Database(url)
    try:
        async with first.transaction() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
        order: list[str] = []
        holding = asyncio.Event()

        async def hold() -> None:
            async with first.transaction() as conn:
                await conn.execute(text("INSERT INTO t VALUES (1)"))
                holding.set()
                await asyncio.sleep(0.1)  # the loop is free: the other writer must wait
                order.append("first")

        async def write() -> None:
            await holding.wait()
            async with second.transaction() as conn:
                await conn.execute(text("INSERT INTO t VALUES (2)"))
                order.append("second")

        await asyncio.gather(hold(), write())
        async with second.read() as conn:
            rows = (await conn.execute(text("SELECT n FROM t ORDER BY n"))).all()
        assert order == ["first", "second"]
        assert [tuple(r) for r in rows] == [(1,), (2,)]
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_memory_database_is_one_connection_the_engine_shares() -> None:
    db = Database("sqlite://")
    try:
        async with db.transaction() as conn:
            await conn.execute(text("CREATE TABLE t (n INTEGER)"))
            await conn.execute(text("INSERT INTO t VALUES (7)"))
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT n FROM t"))).scalar_one() == 7
    finally:
        await db.dispose()
