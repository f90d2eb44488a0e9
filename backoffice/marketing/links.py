"""Program links: per channel, the deep link that starts a chat with a code, and the
tracked address ``/r/<code>/<channel>`` that counts an opening and redirects to it.

The tracked address is what marketers hand out (and what the QR codes carry): it is
public, needs no sign-in and lives outside ``/backoffice``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import insert

from backoffice.context import Backoffice, backoffice
from backoffice.store import link_opens
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
    async with bo.db.transaction() as conn:
        await conn.execute(
            insert(link_opens).values(
                program_id=found.program.id, code=found.code, channel=channel, at=bo.clock()
            )
        )
    return RedirectResponse(destination, status_code=302, headers={"Cache-Control": "no-store"})
