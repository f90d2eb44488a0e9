"""WAL checkpoints of the embedded database run in a worker thread, never in a commit on
the event loop's thread, and they keep the WAL from growing without bound."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from core.persistence import wal_checkpoints
from core.persistence.database import Database
from core.persistence.wal_checkpoints import WalCheckpoints

_ROW = b"x" * 4000  # about a page of WAL per transaction


async def _write_pages(db: Database, transactions: int) -> None:
    async with db.transaction() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS pages (body BLOB)"))
    for _ in range(transactions):
        async with db.transaction() as conn:
            await conn.execute(text("INSERT INTO pages VALUES (:b)"), {"b": _ROW})
            await conn.execute(text("DELETE FROM pages"))
        await asyncio.sleep(0)  # a server's loop runs other work between commits


def _wal_bytes(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


async def test_commits_on_the_loop_do_not_checkpoint(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'quiet.db'}")
    async with db.read() as conn:
        assert (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar() == 0
    await db.dispose()


async def test_checkpoints_run_in_a_worker_thread_and_bound_the_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal_checkpoints, "INTERVAL_S", 0.0)
    threads: set[int] = set()
    checkpoint = WalCheckpoints.checkpoint

    def recorded(self: WalCheckpoints) -> None:
        threads.add(threading.get_ident())
        checkpoint(self)

    monkeypatch.setattr(WalCheckpoints, "checkpoint", recorded)
    path = tmp_path / "busy.db"
    db = Database(f"sqlite:///{path}")
    await _write_pages(db, 3000)  # 3000+ pages: three times SQLite's own threshold
    await asyncio.sleep(0.2)  # the last checkpoint ends

    assert threads
    assert threading.get_ident() not in threads
    assert _wal_bytes(path) < 8 * 1024 * 1024  # rewound again and again, never 12 MB
    await db.dispose()


async def test_without_the_checkpoints_the_wal_would_grow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The control for the test above: automatic checkpoints off and none run.
    monkeypatch.setattr(WalCheckpoints, "wrote", lambda self: None)
    path = tmp_path / "unchecked.db"
    db = Database(f"sqlite:///{path}")
    await _write_pages(db, 3000)
    assert _wal_bytes(path) > 8 * 1024 * 1024
    await db.dispose()


async def test_the_round_that_restarts_the_wal_also_rewinds_it(tmp_path: Path) -> None:
    # Rewinding writes the WAL's header and syncs it: done by the checkpoint's thread,
    # not left to the next commit, which runs on the event loop's thread.
    path = tmp_path / "rewound.db"
    db = Database(f"sqlite:///{path}")
    checkpoints = db._checkpoints
    assert checkpoints is not None
    checkpoints._interval_s = 3600.0  # this test runs the round itself
    await _write_pages(db, 1200)
    checkpoints.checkpoint()

    observer = sqlite3.connect(path)
    _busy, frames, _copied = observer.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    observer.close()
    assert frames <= 3  # the rewinding commit's own frames, not 1200 old ones
    async with db.read() as conn:  # and the data is as it was
        assert (await conn.execute(text("SELECT count(*) FROM pages"))).scalar() == 0
    await db.dispose()


async def test_at_most_one_checkpoint_per_interval(tmp_path: Path) -> None:
    path = tmp_path / "paced.db"
    db = Database(f"sqlite:///{path}")
    await _write_pages(db, 50)
    await db.dispose()
    checkpoints = db._checkpoints
    assert checkpoints is not None
    assert checkpoints.completed == 1


async def test_the_data_is_all_in_the_database_file_after_dispose(tmp_path: Path) -> None:
    path = tmp_path / "copied.db"
    db = Database(f"sqlite:///{path}")
    async with db.transaction() as conn:
        await conn.execute(text("CREATE TABLE kept (n INTEGER)"))
        await conn.execute(text("INSERT INTO kept VALUES (7)"))
    await db.dispose()

    assert _wal_bytes(path) == 0  # a copy of the file alone (as tests' templates) is whole
    copy = Database(f"sqlite:///{path}")
    async with copy.read() as conn:
        assert (await conn.execute(text("SELECT n FROM kept"))).scalar() == 7
    await copy.dispose()


async def test_memory_databases_have_no_checkpoints() -> None:
    for url in ("sqlite://", "sqlite:///:memory:"):
        db = Database(url)
        assert db._checkpoints is None
        async with db.transaction() as conn:
            await conn.execute(text("SELECT 1"))
        await db.dispose()


def test_a_checkpoint_that_cannot_open_the_file_is_skipped(tmp_path: Path) -> None:
    checkpoints = WalCheckpoints(os.fspath(tmp_path / "missing" / "gone.db"))
    checkpoints.checkpoint()
    assert checkpoints.completed == 0


def test_a_round_left_pending_on_a_closed_loop_does_not_stop_later_ones(tmp_path: Path) -> None:
    checkpoints = WalCheckpoints(os.fspath(tmp_path / "moved.db"), interval_s=0.0)
    old_loop = asyncio.new_event_loop()
    checkpoints._running = old_loop.create_future()  # never to be done: its loop closes
    old_loop.close()

    async def on_a_new_loop() -> None:
        checkpoints.wrote()
        await checkpoints.close()

    asyncio.run(on_a_new_loop())
    assert checkpoints.completed == 1
