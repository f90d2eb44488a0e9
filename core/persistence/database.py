"""The database handle: one async engine, transactions, and the SQLite specifics.

SQLite is the embedded default and PostgreSQL the production database. Services are
written once against :class:`Database`; the differences live here:

* SQLite runs on the event loop's thread (``sqlite_inline``), not aiosqlite's.
* SQLite allows one writer. Write transactions start with ``BEGIN IMMEDIATE`` so that
  two writers never both read and then fail to upgrade their lock, and writers in this
  process queue on an asyncio lock instead of spinning on ``busy_timeout``.
* PostgreSQL runs at READ COMMITTED; services lock the rows they change with
  ``SELECT … FOR UPDATE`` in a consistent order (see ``core.ledger.repository``).
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.util import await_

from core.persistence import sqlite_inline
from core.persistence.wal_checkpoints import WalCheckpoints

_READ_ONLY = "teller_read_only"


def async_url(url: str) -> str:
    """Return ``url`` with the async driver Teller uses for its backend."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database backend: {backend}")


class Database:
    """An async engine plus the transaction discipline every service uses."""

    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False) -> None:
        self.url = async_url(url)
        self.backend = make_url(self.url).get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        self._checkpoints: WalCheckpoints | None = None
        if self.backend == "postgresql":
            kwargs.update(pool_size=pool_size, max_overflow=pool_size)
        else:
            url_parts = make_url(self.url)
            kwargs.update(
                pool_reset_on_return=None,  # see _install_sqlite_hooks
                async_creator=partial(_sqlite_connect, url_parts),
            )
            if url_parts.database not in (None, "", ":memory:"):
                # A file (a memory database has one connection, SQLAlchemy's StaticPool).
                # Connections are cheap but not free (three pragmas each): enough stay
                # open for the worker's concurrent turns that none is made per turn.
                kwargs.update(pool_size=2 * pool_size, max_overflow=2 * pool_size)
                self._checkpoints = WalCheckpoints(
                    url_parts.database or "", uri=_is_uri(url_parts)
                )
        self.engine: AsyncEngine = create_async_engine(self.url, **kwargs)
        self._write_lock = WriterTurns() if self.backend == "sqlite" else None
        self._pool_size = pool_size
        self._driver_pool: Any = None  # asyncpg.Pool, opened on first use
        self._driver_pool_opening = asyncio.Lock()
        if self.backend == "sqlite":
            _install_sqlite_hooks(self.engine, checkpoints_off_loop=self._checkpoints is not None)

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"

    @asynccontextmanager
    async def transaction(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """A write transaction: committed when the block ends, rolled back on any error.

        ``urgent``: on SQLite, go before the writers already waiting that are not (a
        webhook's short group commit, whose platform waits for the answer, before the
        turns and deliveries queued for the one writer)."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        async with self._write_lock.held(urgent), self.engine.begin() as conn:
            yield conn
        if self._checkpoints is not None:
            self._checkpoints.wrote()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only transaction (a deferred one on SQLite, so it never blocks writers)."""
        async with self.engine.connect() as conn:
            await conn.execution_options(**{_READ_ONLY: True})
            async with conn.begin():
                yield conn

    @asynccontextmanager
    async def driver_transaction(self) -> AsyncIterator[Any]:
        """PostgreSQL only: an asyncpg connection of its own pool, in a transaction.

        For the ledger's hot path, which issues its statements directly. Its pool is
        asyncpg's rather than SQLAlchemy's: checking a connection out of SQLAlchemy's
        async pool and back costs more Python than the transfer's own statements.
        """
        if not self.is_postgres:
            raise RuntimeError("driver transactions are for PostgreSQL")
        pool = self._driver_pool or await self._open_driver_pool()
        async with pool.acquire() as driver, driver.transaction():
            yield driver

    async def _open_driver_pool(self) -> Any:
        import asyncpg

        async with self._driver_pool_opening:
            if self._driver_pool is None:
                dsn = make_url(self.url).set(drivername="postgresql")
                self._driver_pool = await asyncpg.create_pool(
                    dsn.render_as_string(hide_password=False),
                    min_size=0,
                    max_size=self._pool_size,
                    init=_json_codecs,
                    reset=_keep_session,
                )
        return self._driver_pool

    async def dispose(self) -> None:
        if self._driver_pool is not None:
            pool, self._driver_pool = self._driver_pool, None
            await pool.close()
        await self.engine.dispose()
        if self._checkpoints is not None:
            await self._checkpoints.close()


class WriterTurns:
    """SQLite's one writer in this process: writers take turns in the order they came,
    except that urgent ones go before those that are not."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._others: deque[asyncio.Future[None]] = deque()

    @asynccontextmanager
    async def held(self, urgent: bool = False) -> AsyncIterator[None]:
        if self._held or self._urgent or self._others:
            turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            waiting = self._urgent if urgent else self._others
            waiting.append(turn)
            try:
                await turn
            except asyncio.CancelledError:
                if turn.done() and not turn.cancelled():
                    self._next()  # it was handed over just as the waiter was cancelled
                elif turn in waiting:
                    waiting.remove(turn)
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._next()

    def _next(self) -> None:
        """Hand the writer to the next waiter (it stays held), or let it go."""
        for waiting in (self._urgent, self._others):
            while waiting:
                turn = waiting.popleft()
                if not turn.done():
                    turn.set_result(None)
                    return
        self._held = False


def _is_uri(url: URL) -> bool:
    return str(url.query.get("uri", "")).lower() in ("true", "1")


async def _sqlite_connect(url: URL) -> sqlite_inline.InlineConnection:
    database = url.database or ":memory:"
    return await sqlite_inline.connect(database, uri=_is_uri(url))


async def _json_codecs(connection: Any) -> None:
    """As SQLAlchemy sets up its connections: JSON goes in as text, comes out decoded."""
    await connection.set_type_codec(
        "json", encoder=_as_text, decoder=json.loads, schema="pg_catalog"
    )


def _as_text(value: str) -> str:
    return value


async def _keep_session(_connection: Any) -> None:
    """Nothing to undo when a hot-path connection goes back to the pool.

    asyncpg still rolls back a transaction left open; its default reset would also run
    ``RESET ALL``, ``UNLISTEN *`` and friends, one more round trip per transfer, for
    session state the ledger never sets.
    """


def _install_sqlite_hooks(engine: AsyncEngine, *, checkpoints_off_loop: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # SQLAlchemy, not the sqlite3 module, decides when transactions begin: the
        # connection is made in autocommit mode (sqlite_inline.connect), and waits for the
        # write lock are the driver's, on the event loop, not SQLite's busy timeout.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if checkpoints_off_loop:
            # A commit would otherwise checkpoint, and fsync, on the event loop's thread;
            # the Database's WalCheckpoints do it in a worker thread (wal_checkpoints).
            cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.close()

    # SQLAlchemy makes three driver calls for each statement (cursor, execute, close);
    # the two statements every transaction has besides its own are made cheaper here.

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        begin = "BEGIN" if conn.get_execution_options().get(_READ_ONLY) else "BEGIN IMMEDIATE"
        # Straight to the driver: one call.
        await_(conn.connection.driver_connection.execute(begin))

    @event.listens_for(sync_engine, "reset")
    def _on_reset(dbapi_connection: Any, record: Any, state: Any) -> None:
        # A connection comes back to the pool with its transaction ended (committed or
        # rolled back by its block, or by SQLAlchemy when it closes); the pool's usual
        # rollback-on-return (off: ``pool_reset_on_return=None``) would be one more trip
        # for nothing. It rolls back only what is still open, which costs no trip to ask.
        if not state.asyncio_safe or state.terminate_only:
            return
        driver = record.driver_connection
        if driver is not None and driver.in_transaction:
            dbapi_connection.rollback()
