"""A small HTTP/1.1 load generator on raw asyncio streams, for the webhook benchmark.

A general-purpose client spends more time per request than the endpoints measured here;
this one writes prepared bytes on keep-alive connections and reads just the status line
and the body, so the server, not the client, is what runs out of time.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

RequestMaker = Callable[[int], bytes]  # request number → the whole request's bytes
ANSWER_TIMEOUT = 30.0  # seconds: a request not answered by then counts as failed


@dataclass
class LoadResult:
    completed: int = 0
    failed: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # milliseconds
    elapsed: float = 0.0

    @property
    def rps(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0


def post(path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One keep-alive POST request's bytes."""
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        reader, writer = await asyncio.open_connection(host, port)
        return cls(reader, writer)

    async def exchange(self, request: bytes) -> int:
        """Send one request and read its response; returns the status code."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
                break
        if length:
            await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        self.writer.close()


async def closed_loop(
    host: str, port: int, make: RequestMaker, *, connections: int, seconds: float
) -> LoadResult:
    """``connections`` clients, each sending its next request as soon as the last one is
    answered, for ``seconds``: the server's throughput at that concurrency."""
    result = LoadResult()
    counter = iter(range(10**12))
    pool = [await Connection.open(host, port) for _ in range(connections)]
    deadline = time.perf_counter() + seconds

    async def client(conn: Connection) -> None:
        while time.perf_counter() < deadline:
            request = make(next(counter))
            started = time.perf_counter()
            try:
                status = await conn.exchange(request)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                result.failed += 1
                return
            result.latencies.append((time.perf_counter() - started) * 1000)
            result.statuses[status] = result.statuses.get(status, 0) + 1
            if 200 <= status < 300:
                result.completed += 1
            else:
                result.failed += 1

    started = time.perf_counter()
    try:
        await asyncio.gather(*(client(conn) for conn in pool))
    finally:
        result.elapsed = time.perf_counter() - started
        for conn in pool:
            conn.close()
    return result


async def open_loop(
    host: str,
    port: int,
    make: RequestMaker,
    *,
    rate: float,
    seconds: float,
    connections: int,
    sent: Callable[[int, float], None],
) -> LoadResult:
    """Requests on a fixed schedule (``rate`` a second), whatever the answers' pace: the
    n-th is due at ``n / rate``; ``sent(n, due)`` records when it was due (time.monotonic),
    so a slow server's delay counts in the latency that follows."""
    result = LoadResult()
    idle: asyncio.Queue[Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await Connection.open(host, port))
    total = int(rate * seconds)
    start = time.monotonic() + 0.05
    tasks: list[asyncio.Task[None]] = []

    async def one(n: int, due: float) -> None:
        conn = await idle.get()
        try:
            status = await asyncio.wait_for(conn.exchange(make(n)), ANSWER_TIMEOUT)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError):
            result.failed += 1
            conn.close()  # a fresh connection takes its place
            with contextlib.suppress(OSError):
                idle.put_nowait(await Connection.open(host, port))
            return
        result.latencies.append((time.monotonic() - due) * 1000)
        result.statuses[status] = result.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            result.completed += 1
        else:
            result.failed += 1
        idle.put_nowait(conn)

    for n in range(total):
        due = start + n / rate
        pause = due - time.monotonic()
        if pause > 0:
            await asyncio.sleep(pause)
        sent(n, due)
        tasks.append(asyncio.create_task(one(n, due)))
    await asyncio.gather(*tasks)
    result.elapsed = time.monotonic() - start
    while not idle.empty():
        idle.get_nowait().close()
    return result
