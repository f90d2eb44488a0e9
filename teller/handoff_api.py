"""Handoff for staff tools: the queue of conversations waiting for a person, and claim,
reply and release (``/backoffice/api/conversations``). Callers authenticate like the core
API (an API key or a bearer token) and need the ``bank.support`` role. The back-office
screens build on these."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from bots.problems import problem
from core.api.auth import Authenticator, Principal
from core.api.problems import ApiProblem
from flows.service import Conversations, HandoffError
from flows.store.schema import conversations as conversations_table

ROLE = "bank.support"
router = APIRouter(prefix="/backoffice/api/conversations")


class AgentText(BaseModel):
    text: str = Field(min_length=1, max_length=4000)


async def _principal(request: Request) -> Principal | Response:
    authenticator: Authenticator = request.app.state.container.authenticator
    try:
        principal = await authenticator.principal(request)
    except ApiProblem as refused:
        return problem(refused.status, refused.code, refused.title)
    if ROLE not in principal.roles and "bank.admin" not in principal.roles:
        return problem(403, "FORBIDDEN", f"This operation needs the role {ROLE}.")
    return principal


def _conversations(request: Request) -> Conversations:
    found: Conversations = request.app.state.conversations
    return found


@router.get("")
async def queue(request: Request, state: str = "waiting") -> Response:
    who = await _principal(request)
    if isinstance(who, Response):
        return who
    if state not in ("waiting", "agent"):
        return problem(422, "INVALID_STATE", "state is waiting or agent.")
    db = request.app.state.container.db
    table = conversations_table
    async with db.read() as conn:
        rows = (
            await conn.execute(
                select(
                    table.c.channel, table.c.user_ref, table.c.customer_id, table.c.handoff_since
                )
                .where(table.c.handoff == state)
                .order_by(table.c.handoff_since)
                .limit(200)
            )
        ).all()
    items = [
        {
            "channel": r.channel,
            "user": r.user_ref,
            "customer_id": r.customer_id,
            "since": r.handoff_since.isoformat() if r.handoff_since else None,
        }
        for r in rows
    ]
    return JSONResponse({"conversations": items})


@router.get("/{channel}/{user}")
async def conversation(channel: str, user: str, request: Request) -> Response:
    who = await _principal(request)
    if isinstance(who, Response):
        return who
    chats = _conversations(request)
    state = await chats.store.load(channel, user)
    if state is None:
        return problem(404, "CONVERSATION_NOT_FOUND", "No such conversation.")
    records = await chats.transcript(channel, user)
    return JSONResponse(
        {
            "channel": channel,
            "user": user,
            "customer_id": state.get("customer_id"),
            "language": state.get("language"),
            "handoff": state.get("handoff", {"state": "bot"}),
            "flows": [
                {"flow": f["flow"], "step": f["step"], "waiting": f.get("waiting", False)}
                for f in state.get("stack", [])
            ],
            "transcript": [
                {"direction": r.direction, "at": r.at.isoformat(), **r.body} for r in records
            ],
        }
    )


async def _act(request: Request, channel: str, user: str, action: str, text: str = "") -> Response:
    who = await _principal(request)
    if isinstance(who, Response):
        return who
    chats = _conversations(request)
    agent = str(who.actor)
    try:
        result: dict[str, Any]
        if action == "claim":
            result = await chats.claim(channel, user, agent)
        elif action == "reply":
            result = await chats.agent_reply(channel, user, agent, text)
        else:
            result = await chats.release(channel, user, agent)
    except HandoffError as refused:
        status = 404 if refused.code == "CONVERSATION_NOT_FOUND" else 409
        return problem(status, refused.code, str(refused))
    return JSONResponse({"handoff": result})


@router.post("/{channel}/{user}/claim")
async def claim(channel: str, user: str, request: Request) -> Response:
    return await _act(request, channel, user, "claim")


@router.post("/{channel}/{user}/reply")
async def reply(channel: str, user: str, body: AgentText, request: Request) -> Response:
    return await _act(request, channel, user, "reply", body.text)


@router.post("/{channel}/{user}/release")
async def release(channel: str, user: str, request: Request) -> Response:
    return await _act(request, channel, user, "release")


deliveries = APIRouter(prefix="/backoffice/api/deliveries")


@deliveries.get("/failed")
async def failed_deliveries(request: Request, channel: str | None = None) -> Response:
    """Replies that could not be delivered (bot blocked, window closed, given up after
    retries), newest first, with the reason: staff reach these customers another way."""
    who = await _principal(request)
    if isinstance(who, Response):
        return who
    failures = await _conversations(request).outbox.failures(channel, limit=200)
    return JSONResponse({"failed": failures})
