"""Liveness and readiness endpoints."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from core.persistence.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process is up (it answers); says nothing about its dependencies."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """Ready to serve: the database answers at the newest schema, Redis (if set) answers."""
    container = request.app.state.container
    checks: dict[str, str] = {}
    try:
        async with container.db.read() as conn:
            await conn.execute(text("SELECT 1"))
            revision = await current_revision(conn)
        checks["database"] = "ok" if revision == head_revision() else "migrations pending"
    except Exception as exc:  # any failure means not ready; the reason is reported
        checks["database"] = f"unavailable: {type(exc).__name__}"
    redis = request.app.state.redis
    if redis is not None:
        try:
            await redis.ping()
            checks["redis"] = "ok"
        except Exception as exc:
            checks["redis"] = f"unavailable: {type(exc).__name__}"
    nlu = getattr(request.app.state, "nlu", None)
    if nlu is not None:
        checks["nlu"] = nlu.status  # "loading" while a fresh machine trains the model
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )
