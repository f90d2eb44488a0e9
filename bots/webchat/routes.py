"""The web chat's HTTP API (stable; other tools rely on it) and its WebSocket.

* ``POST /webchat/api/messages`` with ``{"user_id", "text"}`` or ``{"user_id", "payload"}``
  (and optionally ``"message_id"``, which makes a resent message a no-op) answers
  ``{"replies": [...]}``: the replies that message produced.
* ``POST /webchat/api/uploads`` (multipart ``user_id``, ``file``): a document or photo.
* ``GET /webchat/media/{id}``: pictures and documents of replies (unguessable ids).
* ``WS /webchat/ws?user_id=…``: replies that come later — notifications, a person's
  answers — pushed as ``{"replies": [...]}``.

A web chat ``user_id`` is the visitor's bearer secret: the page makes a random one and
keeps it in the browser. Replies handed back in a response are marked delivered in the
outbox; the WebSocket delivers the rest, in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, Field

from bots.problems import problem
from bots.webchat.page import page
from bots.webchat.replies import stored_to_json, to_json
from flows.messages import Attachment, Inbound, Kind
from flows.service import Conversations

CHANNEL = "webchat"
USER_ID = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
MAX_TEXT = 10_000
MAX_UPLOAD = 10 * 1024 * 1024
PUSH_INTERVAL = 0.5

router = APIRouter(prefix="/webchat")


class MessageIn(BaseModel):
    user_id: str = Field(max_length=128)
    text: str | None = Field(default=None, max_length=MAX_TEXT)
    payload: str | None = Field(default=None, max_length=256)
    message_id: str | None = Field(default=None, max_length=128)
    locale: str | None = Field(default=None, max_length=16)
    referral: str | None = Field(default=None, max_length=64)


def _conversations(request: Request) -> Conversations:
    conversations: Conversations = request.app.state.conversations
    return conversations


@router.get("", response_class=HTMLResponse, include_in_schema=False)
async def webchat_page() -> HTMLResponse:
    return HTMLResponse(page(), headers={"Cache-Control": "no-store"})


@router.post("/api/messages")
async def post_message(body: MessageIn, request: Request) -> Response:
    if not USER_ID.match(body.user_id):
        return problem(422, "INVALID_USER_ID", "user_id is 8–128 letters, digits, '-' or '_'.")
    if (body.text is None) == (body.payload is None):
        return problem(422, "TEXT_OR_PAYLOAD", "Send either text or a button's payload.")
    if body.payload is not None:
        kind = Kind.PAYLOAD
    elif body.payload is None and body.text == "/start":
        kind = Kind.START
    else:
        kind = Kind.TEXT
    msg = Inbound(
        CHANNEL,
        body.user_id,
        body.message_id or uuid.uuid4().hex,
        kind,
        text=_clean(body.text or ""),
        payload=body.payload or "",
        locale=body.locale,
        referral=body.referral,
    )
    return await _handle(request, msg)


@router.post("/api/uploads")
async def upload(request: Request, user_id: Annotated[str, Form()], file: UploadFile) -> Response:
    if not USER_ID.match(user_id):
        return problem(422, "INVALID_USER_ID", "user_id is 8–128 letters, digits, '-' or '_'.")
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        return problem(413, "FILE_TOO_LARGE", "Files are up to 10 MB.")
    if not data:
        return problem(422, "EMPTY_FILE", "The file is empty.")
    content_type = file.content_type or "application/octet-stream"
    kind = Kind.IMAGE if content_type.startswith("image/") else Kind.DOCUMENT
    name = (file.filename or "upload")[-100:]
    msg = Inbound(
        CHANNEL,
        user_id,
        uuid.uuid4().hex,
        kind,
        attachment=Attachment(data, content_type, name),
    )
    return await _handle(request, msg)


async def _handle(request: Request, msg: Inbound) -> Response:
    conversations = _conversations(request)
    handled = await conversations.receive(msg, inline=True)
    if handled is None:  # a resent message: already answered once
        return JSONResponse({"replies": [], "duplicate": True})
    replies = [part for reply in handled.replies for part in to_json(reply)]
    return JSONResponse({"replies": replies})


@router.get("/media/{media_id}")
@router.get("/media/{media_id}/{filename}")  # the name platforms show and guess types from
async def media(media_id: str, request: Request) -> Response:
    found = await _conversations(request).services.media.get(media_id)
    if found is None:
        return problem(404, "MEDIA_NOT_FOUND", "No such file, or it has expired.")
    disposition = "inline" if found.content_type.startswith("image/") else "attachment"
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'{disposition}; filename="{_safe(found.filename)}"',
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.websocket("/ws")
async def push(websocket: WebSocket) -> None:
    user_id = websocket.query_params.get("user_id", "")
    if not USER_ID.match(user_id):
        await websocket.close(code=4401)
        return
    await websocket.accept()
    conversations: Conversations = websocket.app.state.conversations
    receiver = asyncio.create_task(_drain(websocket))
    try:
        while not receiver.done():
            pending = await conversations.outbox.pending(CHANNEL, user_id)
            if pending:
                replies: list[dict[str, Any]] = []
                for _, _, stored in pending:
                    replies.extend(stored_to_json(stored))
                await websocket.send_json({"replies": replies})
                await conversations.outbox.mark_sent([outbox_id for outbox_id, _, _ in pending])
            await asyncio.sleep(PUSH_INTERVAL)
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        receiver.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await receiver


async def _drain(websocket: WebSocket) -> None:
    """Read until the browser goes away (the page only listens)."""
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            await websocket.receive_text()


def _clean(text: str) -> str:
    """Control characters out (newlines and tabs stay); the engine sees printable text."""
    return "".join(c for c in text if c in "\n\t" or (ord(c) >= 32 and ord(c) != 127))


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:100]
