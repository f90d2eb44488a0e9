"""Development-only pages: the outbox of one-time codes (``/dev/outbox``). Not mounted
in production (``teller/app.py``)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from teller.conversations import dev_outbox

router = APIRouter(prefix="/dev")


@router.get("/outbox", response_class=HTMLResponse, include_in_schema=False)
async def outbox(request: Request) -> HTMLResponse:
    messages = dev_outbox(request.app.state.container.settings).recent()
    rows = "".join(
        f"<tr><td>{escape(m['at'][:19])}</td><td>{escape(m['to'])}</td>"
        f"<td>{escape(m['text'])}</td></tr>"
        for m in messages
    )
    body = (
        "<!doctype html><meta charset=utf-8><title>Teller · development outbox</title>"
        "<style>body{font:15px system-ui;margin:2em}td,th{padding:4px 12px;text-align:left}"
        "</style><h1>Development outbox</h1><p>One-time codes Teller would have sent by SMS"
        " or e-mail. This page exists only in development mode.</p>"
        f"<table><tr><th>When</th><th>To</th><th>Message</th></tr>{rows}</table>"
    )
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})
