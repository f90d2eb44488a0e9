"""The inbox: agents answer conversations whose customers asked for a person.

The queue and the conversation are flows' (``flows.service.Conversations``: claim, assign,
reply, release, each under the conversation's lock, replies through the outbox); this
module adds the pages, the refusals, internal notes, the customer panel and the audit
record of every action.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from backoffice.context import Backoffice, backoffice, conversations
from backoffice.inbox import canned, notes, queue, times, transcript
from backoffice.inbox.panel import names, panel
from backoffice.inbox.queue import Escalated, View
from backoffice.roles import Role
from backoffice.security import Refused, audit, require
from backoffice.sessions import Staff
from backoffice.texts import text
from backoffice.web import is_htmx, render
from flows.service import HandoffError

router = APIRouter(prefix="/backoffice/inbox")
Agent = Annotated[Staff, Depends(require(Role.AGENT))]
MAX_REPLY = 4000
# Why flows handed a conversation over (the ``handoff:`` steps of flows/definitions).
REASONS = frozenset({"customer_asked", "contact_in_use", "no_second_factor"})


def conversation_url(channel: str, user: str) -> str:
    return f"/backoffice/inbox/c/{quote(channel, safe='')}/{quote(user, safe='')}"


def duration(language: str, value: timedelta | None) -> str:
    """A waiting or response time for people: "45 s", "12 min", "3 h 05 min"."""
    if value is None:
        return "—"
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return text(language, "inbox.seconds", n=seconds)
    minutes = seconds // 60
    if minutes < 60:
        return text(language, "inbox.minutes", n=minutes)
    return text(language, "inbox.hours", h=minutes // 60, m=f"{minutes % 60:02d}")


def _helpers(bo: Backoffice, staff: Staff) -> dict[str, Any]:
    now = bo.clock()
    return {
        "now": now,
        "me": staff.username,
        "url": conversation_url,
        "duration": lambda value: duration(staff.language, value),
        "clock": lambda at: _clock(at, now),
        "reason": lambda why: _reason(staff.language, why),
    }


def _reason(language: str, why: str | None) -> str:
    if not why:
        return ""
    return text(language, f"inbox.reason_{why}") if why in REASONS else why


def _clock(at: datetime, now: datetime) -> str:
    return at.strftime("%H:%M") if at.date() == now.date() else at.strftime("%d.%m. %H:%M")


def _target(channel: str, user: str) -> str:
    return f"conversation:{channel}:{user}"[:80]  # the audit log's target column


def _view(value: str) -> View:
    try:
        return View(value)
    except ValueError:
        return View.WAITING


async def _queue_context(bo: Backoffice, staff: Staff, view: View) -> dict[str, Any]:
    items = await queue.queue(bo.db, view, staff.username)
    return {
        "view": view,
        "views": list(View),
        "items": items,
        "names": await names(bo.bank, [item.customer_id for item in items]),
        "counts": await queue.counts(bo.db, staff.username),
        "today": await times.today(bo.db, bo.clock()),
        **_helpers(bo, staff),
    }


@router.get("")
async def inbox(request: Request, staff: Agent, view: str = "waiting") -> Response:
    bo = backoffice(request)
    context = await _queue_context(bo, staff, _view(view))
    return render(request, "inbox/queue.html", staff, **context)


@router.get("/queue")
async def queue_fragment(request: Request, staff: Agent, view: str = "waiting") -> Response:
    bo = backoffice(request)
    context = await _queue_context(bo, staff, _view(view))
    return render(request, "inbox/_queue.html", staff, **context)


async def _found(bo: Backoffice, channel: str, user: str) -> Escalated:
    found = await queue.find(bo.db, channel, user)
    if found is None:
        raise Refused(404, "NOT_FOUND", "No such conversation.")
    return found


async def _live_context(bo: Backoffice, staff: Staff, found: Escalated) -> dict[str, Any]:
    said = await transcript.read(bo.db, found.channel, found.user)
    cycle = said.cycles[-1] if said.cycles else None
    return {
        "c": found,
        "lines": said.lines,
        "last_id": said.last_id,
        "cycle": cycle,
        "flow_before": said.flow_before_handoff,
        **_helpers(bo, staff),
    }


@router.get("/c/{channel}/{user}")
async def conversation(request: Request, staff: Agent, channel: str, user: str) -> Response:
    bo = backoffice(request)
    found = await _found(bo, channel, user)
    agents = [a for a in await bo.accounts.all() if a.active and Role.AGENT in a.roles]
    return render(
        request,
        "inbox/conversation.html",
        staff,
        **await _live_context(bo, staff, found),
        agents=agents,
        canned=canned.for_language(found.language),
        notes=await notes.of(bo.db, channel, user),
        customer=await panel(bo.bank, found.customer_id, bo.clock(), staff.language),
    )


@router.get("/c/{channel}/{user}/live")
async def live(request: Request, staff: Agent, channel: str, user: str) -> Response:
    bo = backoffice(request)
    found = await _found(bo, channel, user)
    return render(request, "inbox/_live.html", staff, **await _live_context(bo, staff, found))


async def _refuse(
    bo: Backoffice, staff: Staff, action: str, target: str, status: int, code: str, title: str
) -> Refused:
    async with bo.db.transaction() as conn:
        await audit(conn, bo, staff, action, target, None, f"rejected:{code}")
    return Refused(status, code, title)


async def _act(
    request: Request,
    staff: Staff,
    channel: str,
    user: str,
    action: str,
    details: dict[str, Any] | None = None,
    *,
    text_: str = "",
    to: str = "",
) -> Response:
    """Claim, assign, reply or release, refused when another agent holds the conversation
    (except claim, which flows refuses), audited either way."""
    bo = backoffice(request)
    found = await _found(bo, channel, user)
    target = _target(channel, user)
    if action != "claim" and found.state == "agent" and found.agent != staff.username:
        raise await _refuse(
            bo, staff, f"inbox.{action}", target, 403, "NOT_YOURS", "Another agent holds it."
        )
    chats = conversations(request)
    try:
        if action == "claim":
            await chats.claim(channel, user, staff.username)
        elif action == "assign":
            await chats.assign(channel, user, staff.username, to)
        elif action == "reply":
            await chats.agent_reply(channel, user, staff.username, text_)
        else:
            await chats.release(channel, user, staff.username)
    except HandoffError as refused:
        status = 404 if refused.code == "CONVERSATION_NOT_FOUND" else 409
        raise await _refuse(
            bo, staff, f"inbox.{action}", target, status, refused.code, str(refused)
        ) from refused
    async with bo.db.transaction() as conn:
        await audit(conn, bo, staff, f"inbox.{action}", target, details)
    if action == "reply" and is_htmx(request):
        return await live(request, staff, channel, user)
    if action == "release":
        return RedirectResponse("/backoffice/inbox", status_code=303)
    return RedirectResponse(conversation_url(channel, user), status_code=303)


@router.post("/c/{channel}/{user}/claim")
async def claim(request: Request, staff: Agent, channel: str, user: str) -> Response:
    return await _act(request, staff, channel, user, "claim")


@router.post("/c/{channel}/{user}/assign")
async def assign(
    request: Request,
    staff: Agent,
    channel: str,
    user: str,
    agent: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    bo = backoffice(request)
    await _found(bo, channel, user)
    chosen = next(
        (a for a in await bo.accounts.all() if a.username == agent.strip().lower()), None
    )
    if chosen is None or not chosen.active or Role.AGENT not in chosen.roles:
        raise await _refuse(
            bo,
            staff,
            "inbox.assign",
            _target(channel, user),
            422,
            "UNKNOWN_AGENT",
            "Choose an agent.",
        )
    return await _act(
        request, staff, channel, user, "assign", {"to": chosen.username}, to=chosen.username
    )


@router.post("/c/{channel}/{user}/reply")
async def reply(
    request: Request,
    staff: Agent,
    channel: str,
    user: str,
    message: Annotated[str, Form(max_length=MAX_REPLY)] = "",
) -> Response:
    said = message.strip()
    if not said:
        bo = backoffice(request)
        await _found(bo, channel, user)
        raise await _refuse(
            bo,
            staff,
            "inbox.reply",
            _target(channel, user),
            422,
            "EMPTY_TEXT",
            "Write the reply first.",
        )
    return await _act(request, staff, channel, user, "reply", {"length": len(said)}, text_=said)


@router.post("/c/{channel}/{user}/release")
async def release(request: Request, staff: Agent, channel: str, user: str) -> Response:
    return await _act(request, staff, channel, user, "release")


@router.post("/c/{channel}/{user}/notes")
async def note(
    request: Request,
    staff: Agent,
    channel: str,
    user: str,
    note: Annotated[str, Form(max_length=notes.MAX_LENGTH)] = "",
) -> Response:
    bo = backoffice(request)
    await _found(bo, channel, user)
    target = _target(channel, user)
    written = note.strip()
    if not written:
        raise await _refuse(bo, staff, "inbox.note", target, 422, "EMPTY_TEXT", "Write it first.")
    async with bo.db.transaction() as conn:
        note_id = await notes.add(conn, channel, user, staff.username, written, bo.clock())
        await audit(conn, bo, staff, "inbox.note", target, {"note": note_id})
    return RedirectResponse(conversation_url(channel, user) + "#notes", status_code=303)
