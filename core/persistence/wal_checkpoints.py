"""WAL checkpoints for the embedded SQLite database, run off the event loop.

In WAL mode a commit appends pages to the ``-wal`` file, and a *checkpoint* copies them
back into the database file and ``fsync``\\s it. SQLite's default is to checkpoint
automatically inside the commit that takes the WAL past 1000 pages. Teller's SQLite runs
on the event loop's thread (``sqlite_inline``), so that commit, and every coroutine of
the process behind it, would wait for the disk's ``fsync``: tens to hundreds of
milliseconds on a slow disk, which is the tail of every message in flight.

So Teller's connections turn the automatic checkpoint off (``PRAGMA
wal_autocheckpoint=0``) and :class:`WalCheckpoints` checkpoints on a connection of its
own in a worker thread, at most once per interval and only after writes. A ``PASSIVE``
checkpoint never waits for locks and never blocks readers or the writer, which go on
while it copies; once the WAL is long a short ``RESTART`` one follows (see
``RESTART_FRAMES``). With ``synchronous=NORMAL`` commits in WAL mode do not ``fsync`` at
all, so the loop's thread no longer touches the disk's slow path.

No task runs forever: the checkpoint is started by a write, from the loop, and ends by
itself. That keeps a :class:`~core.persistence.database.Database` that is never
disposed (a test's, a script's) from leaving a pending task behind.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time

log = logging.getLogger(__name__)

# About what SQLite's automatic checkpoint allows (1000 pages of 4 KiB) at the write
# rates Teller sees; a second of the heaviest load (the webhook group commits) is a few
# megabytes of WAL.
INTERVAL_S = 1.0
# SQLite's own threshold (1000 pages). A passive checkpoint copies the WAL but cannot
# rewind it while commits keep coming: only a writer that starts when every frame has
# been copied rewinds it, and under steady load one always commits first. Past this
# many frames a RESTART checkpoint follows the passive one: it holds the write lock while
# it copies the few frames committed since (the passive one did the bulk) and makes the
# next writer rewind the WAL (this thread's, see _rewind). Writers meanwhile wait on the
# loop (sqlite_inline), which runs on.
RESTART_FRAMES = 1000
RESTART_WAIT_S = 0.5


class WalCheckpoints:
    """Passive checkpoints of one SQLite file, each in a worker thread, after writes."""

    def __init__(self, database: str, *, uri: bool = False, interval_s: float | None = None):
        self._database = database
        self._uri = uri
        self._interval_s = INTERVAL_S if interval_s is None else interval_s
        self._last_started = float("-inf")
        self._running: asyncio.Future[None] | None = None
        self._connection: sqlite3.Connection | None = None
        # A checkpoint thread and close() never use the connection at once; the lock
        # keeps it so when close() comes from another event loop than the checkpoint's.
        self._connection_lock = threading.Lock()
        self.completed = 0  # checkpoints that ran, for tests and diagnostics

    def wrote(self) -> None:
        """Called on the event loop after each committed write transaction.

        Starts a checkpoint when none is running and the last one started at least an
        interval ago. Costs a clock read otherwise."""
        now = time.monotonic()
        if now - self._last_started < self._interval_s:
            return
        running = self._running
        if running is not None and not running.done() and not running.get_loop().is_closed():
            return  # one round at a time (one whose loop has closed never reports done)
        self._last_started = now
        self._running = asyncio.ensure_future(asyncio.to_thread(self.checkpoint))

    def checkpoint(self) -> None:
        """One round of checkpointing, on the calling thread (a worker's, not the loop's)."""
        with self._connection_lock:
            try:
                connection = self._connection
                if connection is None:
                    connection = self._connection = sqlite3.connect(
                        self._database,
                        # Only the RESTART below waits for locks, and in this thread.
                        timeout=RESTART_WAIT_S,
                        isolation_level=None,
                        check_same_thread=False,  # each round may get another thread
                        uri=self._uri,
                    )
                _busy, frames, _copied = connection.execute(
                    "PRAGMA wal_checkpoint(PASSIVE)"
                ).fetchone()
                if frames >= RESTART_FRAMES:
                    busy, _frames, _copied = connection.execute(
                        "PRAGMA wal_checkpoint(RESTART)"
                    ).fetchone()
                    if not busy:
                        _rewind(connection)
            except sqlite3.Error as error:
                # The file has gone (a test's temporary folder) or is not a database:
                # the next write tries again.
                log.debug("wal checkpoint skipped", extra={"error": str(error)})
                return
            self.completed += 1

    async def close(self) -> None:
        """Wait for a running checkpoint, then close the checkpoint's connection.

        Closed in a thread: if it is the database's last connection, SQLite checkpoints
        the whole WAL as it closes."""
        running, self._running = self._running, None
        # A checkpoint started on another loop (a closed one) is not awaited here.
        if (
            running is not None
            and not running.done()
            and running.get_loop() is asyncio.get_running_loop()
        ):
            await asyncio.shield(running)
        await asyncio.to_thread(self._close_connection)

    def _close_connection(self) -> None:
        with self._connection_lock:
            connection, self._connection = self._connection, None
            if connection is not None:
                connection.close()


def _rewind(connection: sqlite3.Connection) -> None:
    """Be the first writer after a RESTART checkpoint, so that the rewind is done here.

    The writer that rewinds the WAL writes its header anew and ``fsync``\\s it; left to
    the next commit that would be a sync on the event loop's thread. Rewriting the
    header's ``user_version`` with its own value (Teller does not use it) is a write of
    one page that changes nothing. If a commit of the loop's got in first, it rewound the
    WAL itself and this is an ordinary one-page commit.
    """
    try:
        connection.execute("BEGIN IMMEDIATE")
        (version,) = connection.execute("PRAGMA user_version").fetchone()
        connection.execute(f"PRAGMA user_version = {int(version)}")
        connection.execute("COMMIT")
    finally:
        # Whatever failed, no transaction stays open: it would pin the WAL for good.
        if connection.in_transaction:
            connection.execute("ROLLBACK")
