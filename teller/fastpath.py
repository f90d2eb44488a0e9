"""Webhooks straight to their handlers, past the application's router.

Platforms call a webhook hundreds of times a second and expect 200 within milliseconds;
the handler's own work (verify, record, enqueue) is small, so the cost of matching the
request against every route of the app would dominate it. This ASGI middleware sits just
before the router: a POST to a webhook path whose handler takes only the request goes to
that handler directly; everything else passes through untouched. The outer middlewares
(correlation ids, metrics) still see every request.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence

from fastapi import APIRouter
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from bots.problems import problem

Handler = Callable[[Request], Awaitable[Response]]


def direct_handlers(
    routers: Sequence[APIRouter], prefix: str
) -> dict[str, tuple[APIRoute, Handler]]:
    """POST routes whose endpoint takes just the request, by their path under ``prefix``."""
    found: dict[str, tuple[APIRoute, Handler]] = {}
    routes: list[BaseRoute] = [route for router in routers for route in router.routes]
    for route in routes:
        if not isinstance(route, APIRoute) or "POST" not in (route.methods or set()):
            continue
        if "{" in route.path:
            continue
        parameters = list(inspect.signature(route.endpoint).parameters.values())
        if len(parameters) == 1 and parameters[0].annotation in (Request, "Request"):
            found[prefix + route.path] = (route, route.endpoint)
    return found


class WebhookFastPath:
    def __init__(
        self,
        app: ASGIApp,
        handlers: dict[str, tuple[APIRoute, Handler]],
        max_body_bytes: int,
    ) -> None:
        self.app = app
        self.handlers = handlers
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = None
        if scope["type"] == "http" and scope["method"] == "POST":
            found = self.handlers.get(scope["path"])
        if found is None:
            await self.app(scope, receive, send)
            return
        route, handler = found
        scope["route"] = route  # the metrics label it by its template, like the router
        request = Request(scope, receive)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            response: Response = problem(413, "BODY_TOO_LARGE", "The request body is too large.")
        else:
            response = await handler(request)
        await response(scope, receive, send)
