"""A stand-in for a messenger platform's API on loopback: it records every request Teller
makes and answers as the platform would (each channel's tests and the webhook benchmark
give it the answers). Point ``TELEGRAM_API_URL`` (and likewise for the other channels) at
it to run Teller against no real platform.

It runs its own uvicorn server in a thread, so the test or benchmark that uses it keeps
its event loop and its signal handlers.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


@dataclass(frozen=True, slots=True)
class Call:
    """One request Teller made to the platform."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() when it arrived

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode()))


@dataclass(frozen=True, slots=True)
class Answer:
    status: int = 200
    body: Any = None  # JSON; bytes are sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Responder = Callable[[Call], Answer]


def _ok(call: Call) -> Answer:
    return Answer(200, {"ok": True})


class PlatformDouble:
    """``with PlatformDouble(responder) as double:`` serves on ``double.url``."""

    def __init__(self, responder: Responder = _ok) -> None:
        self.responder = responder
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Call], None]] = []
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._sock: socket.socket | None = None
        self.url = ""

    # -- what was sent ----------------------------------------------------------------------

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()

    def calls_to(self, suffix: str) -> list[Call]:
        """The calls whose path ends with ``suffix`` (a method name: ``/sendMessage``)."""
        with self._lock:
            return [c for c in self.calls if c.path.endswith(suffix)]

    def on_call(self, listener: Callable[[Call], None]) -> None:
        """``listener`` runs in the server's thread for every call (the benchmark's clock)."""
        self._listeners.append(listener)

    def wait_for(self, predicate: Callable[[list[Call]], bool], timeout: float = 10.0) -> None:
        """Block until ``predicate(calls)`` holds; AssertionError with the calls if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                snapshot = list(self.calls)
            if predicate(snapshot):
                return
            time.sleep(0.01)
        raise AssertionError(f"the platform double did not see it; calls: {snapshot!r}")

    # -- serving ---------------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        call = Call(
            request.method,
            request.url.path,
            dict(request.query_params),
            {k.lower(): v for k, v in request.headers.items()},
            await request.body(),
            time.monotonic(),
        )
        with self._lock:
            self.calls.append(call)
        for listener in self._listeners:
            listener(call)
        answer = self.responder(call)
        if isinstance(answer.body, bytes):
            content = answer.body
        else:
            content = json.dumps(answer.body).encode()
        return Response(
            content, answer.status, headers=answer.headers, media_type=answer.content_type
        )

    def app(self) -> Starlette:
        methods = ["GET", "POST", "PUT", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", self._handle, methods=methods)])

    def start(self) -> PlatformDouble:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        # No log_config: uvicorn then leaves the process's logging alone.
        config = uvicorn.Config(
            self.app(),
            log_config=None,
            log_level=None,
            lifespan="off",
            ws="none",
            access_log=False,
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the platform double did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()

    def __enter__(self) -> PlatformDouble:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
