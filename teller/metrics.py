"""``/metrics``: Prometheus metrics of the HTTP surface and the bank's background work.

Request counts and latencies are labelled by route *template* (``/api/v1/accounts/{id}``),
never by raw path, so account ids and tokens stay out of the metrics and the series stay
few. Queue depths and pending holds are read from the database at scrape time.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import func, select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.jobqueue.tables import event_deliveries, jobs
from core.persistence.tables import holds

router = APIRouter(tags=["metrics"])


class Metrics:
    """The metrics of one Teller application (its own registry: apps never share series)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "teller_http_requests",
            "HTTP requests answered",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "teller_http_request_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.jobs = Gauge(
            "teller_jobs", "Background jobs by status", ["status"], registry=self.registry
        )
        self.dead_deliveries = Gauge(
            "teller_event_deliveries_dead",
            "Outbox events a subscriber failed to handle on every attempt",
            registry=self.registry,
        )
        self.pending_holds = Gauge(
            "teller_holds_pending", "Holds waiting to be posted or voided", registry=self.registry
        )


class MetricsMiddleware:
    """Counts and times every HTTP request by its route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = _template(scope)
            method = scope["method"]
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)


def _template(scope: Scope) -> str:
    """The matched route's template, with the mount prefix; "unmatched" otherwise."""
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    if path is None:
        return "unmatched"
    return str(scope.get("root_path", "")) + str(path)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text format; with ``TELLER_METRICS_TOKEN`` set, only for its bearer."""
    container = request.app.state.container
    token = container.settings.metrics_token
    if token is not None:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not secrets.compare_digest(given.encode(), token.get_secret_value().encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    collected: Metrics = request.app.state.metrics
    async with container.db.read() as conn:
        by_status = dict(
            (row.status, row.n)
            for row in await conn.execute(
                select(jobs.c.status, func.count().label("n")).group_by(jobs.c.status)
            )
        )
        dead = (
            await conn.execute(select(func.count()).where(event_deliveries.c.status == "dead"))
        ).scalar_one()
        pending = (
            await conn.execute(select(func.count()).where(holds.c.status == "pending"))
        ).scalar_one()
    for status in ("queued", "running", "done", "dead"):
        collected.jobs.labels(status).set(by_status.get(status, 0))
    collected.dead_deliveries.set(dead)
    collected.pending_holds.set(pending)
    return Response(generate_latest(collected.registry), media_type=CONTENT_TYPE_LATEST)
