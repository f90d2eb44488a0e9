"""SQLite on the event loop's own thread: the driver connection behind Teller's SQLite engine.

SQLAlchemy's aiosqlite dialect expects aiosqlite's interface, where every call is a trip
to a thread of the connection's own and back. For the embedded default those trips cost
more than SQLite itself: each is a queue, a future, a wake-up of the event loop through
its self-pipe, and a wait for the GIL, which under load the loop's thread holds for up to
the switch interval (5 ms). A turn of the bot makes about fifty of them.

The statements themselves take microseconds on a local file in WAL mode, so this module
runs them where they are asked for: the same coroutine interface, with no thread. What a
thread bought, not blocking the loop while SQLite waits for a lock, is kept another way:
the connection's busy timeout is zero and a statement refused with ``SQLITE_BUSY`` is
retried after an ``asyncio.sleep``, with back-off, until the timeout has passed. Other
coroutines (the one holding the lock among them) run meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

BUSY_TIMEOUT_S = 10.0
# SQLITE_BUSY and the extended codes worth waiting on. SQLITE_BUSY_SNAPSHOT (517) is left
# out: a read transaction that must become a writer on an old snapshot never succeeds by
# waiting; SQLite says so at once and so does this driver.
_BUSY_CODES = frozenset({5, 261, 773})


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", None) in _BUSY_CODES


async def _patiently(call: Callable[[], T]) -> T:
    """``call()``, retried while SQLite reports the database busy, sleeping between tries."""
    try:
        return call()
    except sqlite3.OperationalError as error:
        if not _is_busy(error):
            raise
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    pause = 0.001
    while True:
        await asyncio.sleep(pause)
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _is_busy(error) or time.monotonic() >= deadline:
                raise
        pause = min(pause * 2, 0.05)


class InlineCursor:
    """aiosqlite's ``Cursor`` interface over a ``sqlite3.Cursor``, with no thread."""

    __slots__ = ("_cursor",)

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> InlineCursor:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        self._cursor.close()

    async def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
    ) -> InlineCursor:
        cursor = self._cursor
        await _patiently(lambda: cursor.execute(sql, parameters))
        return self

    async def executemany(
        self, sql: str, seq_of_parameters: Iterable[Sequence[Any] | dict[str, Any]]
    ) -> InlineCursor:
        rows = list(seq_of_parameters)  # a retry must see every row again
        cursor = self._cursor
        await _patiently(lambda: cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        if size is None:
            return self._cursor.fetchmany()
        return self._cursor.fetchmany(size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """aiosqlite's ``Connection`` interface, as far as SQLAlchemy and Teller use it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        # The name SQLAlchemy's adapter looks at to tell whether the connection is open.
        self._connection: sqlite3.Connection | None = connection

    @property
    def _open(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    def cursor(self) -> InlineCursor:
        return InlineCursor(self._open.cursor())

    async def execute(
        self, sql: str, parameters: Sequence[Any] | dict[str, Any] = ()
    ) -> InlineCursor:
        return await self.cursor().execute(sql, parameters)

    async def commit(self) -> None:
        connection = self._open
        await _patiently(connection.commit)

    async def rollback(self) -> None:
        self._open.rollback()

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's forced termination; nothing here needs waiting for)."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()

    async def create_function(
        self, name: str, num_params: int, func: Callable[..., Any], deterministic: bool = False
    ) -> None:
        self._open.create_function(name, num_params, func, deterministic=deterministic)

    @property
    def isolation_level(self) -> str | None:
        return self._open.isolation_level

    @property
    def in_transaction(self) -> bool:
        return self._connection is not None and self._connection.in_transaction


async def connect(database: str, *, uri: bool = False) -> InlineConnection:
    """A connection in autocommit mode (SQLAlchemy and Teller issue ``BEGIN`` themselves)
    whose waits for locks are :func:`_patiently`'s, not SQLite's."""
    connection = sqlite3.connect(
        database,
        timeout=0,
        isolation_level=None,
        # The pool may close a connection from the garbage collector's thread.
        check_same_thread=False,
        uri=uri,
    )
    return InlineConnection(connection)
