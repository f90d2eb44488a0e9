"""Webhooks straight to their handlers, past the application's middleware and router.

Platforms call a webhook hundreds of times a second and expect 200 within milliseconds;
the handler's own work (verify, record, enqueue) is small, so the layers every other
request goes through (Starlette's error and exception middleware, FastAPI's telemetry and
body limit, matching against every route) would cost as much as the handler. The
dispatcher installed by :func:`install` is the application's outermost layer: a POST to a
webhook path whose handler takes only the request goes to that handler directly, through
the correlation-id and metrics middleware of its own, with its own body limit and its own
answer to a failure; everything else goes to the application as before.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bots.problems import problem

Handler = Callable[[Request], Awaitable[Response]]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Mounted:
    """A webhook route as the application serves it: ``path`` with the prefix, the
    template the metrics label its requests with."""

    path: str


Handlers = dict[str, tuple[Mounted, Handler]]


def direct_handlers(routers: Sequence[APIRouter], prefix: str) -> Handlers:
    """POST routes whose endpoint takes just the request, by their path under ``prefix``."""
    found: Handlers = {}
    routes: list[BaseRoute] = [route for router in routers for route in router.routes]
    for route in routes:
        if not isinstance(route, APIRoute) or "POST" not in (route.methods or set()):
            continue
        if "{" in route.path:
            continue
        parameters = list(inspect.signature(route.endpoint).parameters.values())
        if len(parameters) == 1 and parameters[0].annotation in (Request, "Request"):
            found[prefix + route.path] = (Mounted(prefix + route.path), route.endpoint)
    return found


def install(
    app: FastAPI,
    handlers: Handlers,
    max_body_bytes: int,
    wrap: Callable[[ASGIApp], ASGIApp],
) -> None:
    """Make the webhooks' dispatcher ``app``'s outermost layer. ``wrap`` puts around the
    webhook handlers what the application's own middleware would have done for them (the
    correlation id, the metrics)."""
    endpoints = wrap(WebhookEndpoints(handlers, max_body_bytes))
    build = app.build_middleware_stack

    def build_with_webhooks() -> ASGIApp:
        return WebhookDispatch(app, build(), handlers, endpoints)

    app.build_middleware_stack = build_with_webhooks  # type: ignore[method-assign]


class WebhookDispatch:
    def __init__(
        self,
        owner: FastAPI,
        stack: ASGIApp,
        handlers: Handlers,
        endpoints: ASGIApp,
    ) -> None:
        self.owner = owner
        self.stack = stack
        self.handlers = handlers
        self.endpoints = endpoints

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "POST"
            and scope["path"] in self.handlers
        ):
            scope["app"] = self.owner  # as Starlette would: handlers may read app.state
            await self.endpoints(scope, receive, send)
            return
        await self.stack(scope, receive, send)


class WebhookEndpoints:
    def __init__(self, handlers: Handlers, max_body_bytes: int) -> None:
        self.handlers = handlers
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        route, handler = self.handlers[scope["path"]]
        scope["route"] = route  # the metrics label it by its template
        limit = self.max_body_bytes
        read = 0

        async def receive_within_limit() -> Message:
            # A body sent in chunks, with no length given, is counted as it comes.
            nonlocal read
            message = await receive()
            read += len(message.get("body", b""))
            if read > limit:
                raise _TooLarge
            return message

        request = Request(scope, receive_within_limit)
        length = request.headers.get("content-length")
        response: Response
        if length is not None and (not length.isdigit() or int(length) > limit):
            response = _too_large()
        else:
            try:
                response = await handler(request)
            except _TooLarge:
                response = _too_large()
            except Exception:
                log.exception("webhook handler failed", extra={"path": scope["path"]})
                # Not recorded: the platform delivers the update again.
                response = problem(500, "WEBHOOK_FAILED", "The update was not recorded.")
        await response(scope, receive, send)


class _TooLarge(Exception):
    """The body passed the limit while it was read."""


def _too_large() -> Response:
    # Made when needed: a response built on every webhook would be work on the hot path.
    return problem(413, "BODY_TOO_LARGE", "The request body is too large.")
