"""Program links: per channel, the deep link that starts a chat with a code, and the
tracked address ``/r/<code>/<channel>`` that counts an opening and redirects to it.

The tracked address is what marketers hand out (and what the QR codes carry): it is
public, needs no sign-in and lives outside ``/backoffice``. Being public, it counts an
opening once per visitor (a keyed hash of address and browser) and link within
``link_open_window``: reloads, a QR code scanned twice or a script calling the address
in a loop neither inflate the funnel nor grow the table. The redirect is never refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import delete, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from backoffice.context import Backoffice, backoffice
from backoffice.store import link_opens, link_visitors
from core.errors import NotFound

# The bots' channels, in the order the pages list them.
CHANNELS = ("telegram", "viber", "messenger", "whatsapp_cloud", "whatsapp_twilio", "webchat")
# The funnel's channel for each (both WhatsApp adapters are one channel to referrals).
FUNNEL_CHANNEL = {
    "telegram": "telegram",
    "viber": "viber",
    "messenger": "messenger",
    "whatsapp_cloud": "whatsapp",
    "whatsapp_twilio": "whatsapp",
    "webchat": "webchat",
}

public = APIRouter()


@dataclass(frozen=True, slots=True)
class ProgramLink:
    channel: str
    code: str
    tracked: str  # what is handed out: counts the opening, then redirects
    target: str  # the deep link itself


def base_url(bo: Backoffice, request: Request) -> str:
    return (bo.config.public_url or str(request.base_url)).rstrip("/")


def target(bo: Backoffice, base: str, channel: str, code: str) -> str | None:
    """Where a code's link on ``channel`` leads; None where the channel is not set up."""
    if channel == "webchat":
        # The web chat passes ``ref`` on as the referral of the chat it starts (0063).
        return f"{base}/webchat?ref={quote(code, safe='')}"
    if channel not in CHANNELS:
        return None
    return bo.deep_link(channel, code)


def links_for(bo: Backoffice, base: str, code: str) -> list[ProgramLink]:
    out = []
    for channel in CHANNELS:
        found = target(bo, base, channel, code)
        if found is not None:
            tracked = f"{base}/r/{quote(code, safe='')}/{channel}"
            out.append(ProgramLink(channel, code, tracked, found))
    return out


@public.get("/r/{code}/{channel}", include_in_schema=False)
async def open_link(
    code: str, channel: str, request: Request, bo: Annotated[Backoffice, Depends(backoffice)]
) -> RedirectResponse:
    """Count the opening (program, channel, time) and send the browser to the deep link."""
    try:
        found = await bo.bank.referrals.attribution.lookup(code)
    except NotFound:
        raise HTTPException(404) from None
    destination = target(bo, base_url(bo, request), channel, found.code)
    if destination is None:
        raise HTTPException(404)
    address = request.client.host if request.client else ""
    browser = request.headers.get("user-agent", "")
    visitor = bo.keyring.blind_index(f"{address}\n{browser}", context="marketing.link-visitor")
    now = bo.clock()
    async with bo.db.transaction() as conn:
        if await _first_in_window(conn, found.code, channel, visitor, now, bo):
            await conn.execute(
                insert(link_opens).values(
                    program_id=found.program.id, code=found.code, channel=channel, at=now
                )
            )
    return RedirectResponse(destination, status_code=302, headers={"Cache-Control": "no-store"})


async def _first_in_window(
    conn: AsyncConnection, code: str, channel: str, visitor: str, now: datetime, bo: Backoffice
) -> bool:
    """Whether this opening is the visitor's first of this link within the window; if so
    it is noted as counted now, and notes older than the window are let go.

    One statement: on PostgreSQL two concurrent openings by one visitor both reach the
    row, the second after the first commits, and only one of them counts."""
    since = now - bo.config.link_open_window
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    noted = (
        dialect.insert(link_visitors)
        .values(code=code, channel=channel, visitor=visitor, counted_at=now)
        .on_conflict_do_update(
            index_elements=[
                link_visitors.c.code,
                link_visitors.c.channel,
                link_visitors.c.visitor,
            ],
            set_={"counted_at": now},
            where=link_visitors.c.counted_at <= since,
        )
        .returning(link_visitors.c.counted_at)
    )
    if (await conn.execute(noted)).first() is None:
        return False
    await conn.execute(delete(link_visitors).where(link_visitors.c.counted_at <= since))
    return True
