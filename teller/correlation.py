"""A correlation id per request: taken from the caller or made here, logged and echoed.

Pure ASGI (no `BaseHTTPMiddleware`), so streaming responses, websockets and background
tasks all run inside the same context and every log line they write carries the id.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

import structlog
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CorrelationIdMiddleware", "current_correlation_id"]

# What we accept from outside: short and harmless in logs, headers and URLs.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Messages that open a response to the client and may carry headers.
_RESPONSE_STARTS = frozenset(
    {"http.response.start", "websocket.accept", "websocket.http.response.start"}
)

_current: ContextVar[str | None] = ContextVar("teller_correlation_id", default=None)


def current_correlation_id() -> str | None:
    """The correlation id of the request being handled, or None outside a request."""
    return _current.get()


class CorrelationIdMiddleware:
    def __init__(self, app: ASGIApp, header: str = "X-Request-ID") -> None:
        self.app = app
        self.header = header
        self._header_key = header.lower().encode("latin-1")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return

        correlation_id = self._incoming(scope) or uuid.uuid4().hex

        async def send_with_header(message: Message) -> None:
            if message["type"] in _RESPONSE_STARTS:
                message = {**message, "headers": list(message.get("headers", []))}
                MutableHeaders(scope=message)[self.header] = correlation_id
            await send(message)

        token = _current.set(correlation_id)
        bound = structlog.contextvars.bind_contextvars(correlation_id=correlation_id)
        try:
            await self.app(scope, receive, send_with_header)
        finally:
            # Restore what was bound before rather than clearing everything an outer
            # layer may have bound.
            structlog.contextvars.reset_contextvars(**bound)
            _current.reset(token)

    def _incoming(self, scope: Scope) -> str | None:
        for name, value in scope.get("headers", ()):
            if name.lower() == self._header_key:
                text = value.decode("latin-1")
                return text if _SANE_ID.fullmatch(text) else None
        return None
