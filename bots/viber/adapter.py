"""The Viber channel: ``POST /webhooks/viber``, delivery over ``/pa/send_message``, and
``teller doctor`` / ``teller channels setup`` over ``get_account_info`` / ``set_webhook``."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bots.channel import AdapterDeps, Check, Intake, Limits, Outgoing, PrepareError, Received
from bots.problems import problem
from bots.viber import events
from bots.viber.client import INVALID_AUTH_TOKEN, ViberApiError, ViberClient
from bots.viber.config import ViberConfig
from bots.viber.links import deep_link
from bots.viber.media import MAX_BYTES, download
from bots.viber.outgoing import MAX_BUTTON_TITLE, MAX_BUTTONS, MAX_TEXT, Composer
from bots.viber.signature import verify
from bots.viber.welcome import welcome_message
from flows.messages import Capabilities, Inbound, Kind

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Viber-Content-Signature"
MAX_BODY = 1024 * 1024  # a Viber event is a few hundred bytes; anything this big is not one
# set_webhook's event_types: message and webhook always arrive; these are the optional ones.
EVENT_TYPES = ["delivered", "seen", "failed", "subscribed", "unsubscribed", "conversation_started"]


class ViberAdapter:
    name = "viber"
    capabilities = Capabilities(
        max_buttons=MAX_BUTTONS,
        max_button_title=MAX_BUTTON_TITLE,
        max_text=MAX_TEXT,
        images=True,
        documents=True,
        request_contact=True,
    )
    # Viber publishes no per-second figure (CHANNELS.md §2: status 12 tooManyRequests is the
    # only signal). 20/s overall and about one a second per person, with Telegram-like
    # bursts, stays well inside what bots are seen to manage; status 12 backs off anyway.
    limits = Limits(per_second=20, per_chat_per_second=1, per_chat_burst=3)
    window_hours: int | None = None  # no reply window: subscribed is what counts

    def __init__(self, config: ViberConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps
        self._client = ViberClient(deps.http, config)
        self._composer = Composer(config, deps.media)

    # -- inbound ---------------------------------------------------------------------------------

    def router(self, intake: Intake) -> APIRouter:
        router = APIRouter()

        @router.post("/viber", include_in_schema=False)
        async def viber_webhook(request: Request) -> Response:
            return await self._webhook(request, intake)

        return router

    async def _webhook(self, request: Request, intake: Intake) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return problem(413, "BODY_TOO_LARGE", "A Viber event is never this large.")
        # The Node SDK also takes the signature from ?sig= (lib/middleware.js).
        signature = request.headers.get(SIGNATURE_HEADER) or request.query_params.get("sig")
        if not verify(body, signature, self.config.auth_token):
            return problem(401, "BAD_SIGNATURE", "X-Viber-Content-Signature does not match.")
        try:
            outcome = events.parse(body)
        except events.BadEvent as exc:
            return problem(400, "MALFORMED_EVENT", exc.reason)
        try:
            match outcome:
                case events.Enqueue(received=received):
                    await intake.accept([received])
                case events.Report(user=user, kind=kind, detail=detail):
                    await intake.event(self.name, user, kind, detail)
                case events.Welcome(locale=locale, code=code):
                    message = welcome_message(self._composer.sender(), locale, code)
                    return JSONResponse(message)
                case events.Ignore():
                    pass
        except Exception:
            # Viber redelivers for up to an hour when it does not get a 200.
            log.exception("viber: the intake failed; Viber will deliver the event again")
            return problem(503, "INTAKE_UNAVAILABLE", "Try again later.")
        return Response(status_code=200)

    async def prepare(self, received: Received) -> Inbound:
        inbound = received.inbound
        url = received.fetch.get("url")
        if inbound.kind not in (Kind.IMAGE, Kind.DOCUMENT) or not url:
            return inbound
        image = inbound.kind is Kind.IMAGE
        fallback = "image/jpeg" if image else "application/octet-stream"
        filename = received.fetch.get("filename") or ("photo.jpg" if image else "document")
        size = received.fetch.get("size", "")
        if size.isdigit() and int(size) > MAX_BYTES:
            # Viber said how big it is: no need to start downloading.
            raise PrepareError("viber media: over 10 MB", permanent=True)
        attachment = await download(self.deps.http, url, filename, fallback)
        return replace(inbound, attachment=attachment)

    # -- outbound --------------------------------------------------------------------------------

    async def send(self, out: Outgoing) -> None:
        for payload in await self._composer.compose(out.user, out.reply):
            await self._client.call("send_message", payload)

    # -- operations ------------------------------------------------------------------------------

    async def check(self) -> list[Check]:
        try:
            info = await self._client.call("get_account_info", {})
        except ViberApiError as exc:
            if exc.status == INVALID_AUTH_TOKEN:
                fix = "Set VIBER_AUTH_TOKEN to the bot's token (Viber: Edit info → Your app key)."
            elif exc.status is None:
                fix = f"Check that {self.config.api_url} is reachable (VIBER_API_URL)."
            else:
                fix = "See the status in Viber's API documentation; contact Viber if it persists."
            return [Check("viber token", False, exc.reason, fix)]
        checks = [Check("viber token", True, f"bot {_text(info.get('name'))!r}")]
        checks.append(self._webhook_check(info))
        checks.append(self._uri_check(info))
        return checks

    def _webhook_check(self, info: dict[str, Any]) -> Check:
        url = _text(info.get("webhook"))
        setup = "Run `teller channels setup` with Teller's public HTTPS URL."
        if not url:
            return Check("viber webhook", False, "no webhook is set", setup)
        subscribed = info.get("event_types")
        missing = [e for e in EVENT_TYPES if isinstance(subscribed, list) and e not in subscribed]
        if missing:
            return Check("viber webhook", False, f"{url} misses {', '.join(missing)}", setup)
        return Check("viber webhook", True, url)

    def _uri_check(self, info: dict[str, Any]) -> Check:
        uri = _text(info.get("uri"))
        if not self.config.chat_uri:
            fix = f"Set VIBER_CHAT_URI={uri}" if uri else "Set VIBER_CHAT_URI to the bot's URI."
            return Check("viber chat URI", False, "not set: no invite links", fix)
        if uri and uri != self.config.chat_uri:
            detail = f"VIBER_CHAT_URI is {self.config.chat_uri!r}, the bot's URI is {uri!r}"
            return Check("viber chat URI", False, detail, f"Set VIBER_CHAT_URI={uri}")
        return Check("viber chat URI", True, self.config.chat_uri)

    async def setup(self, webhook_url: str) -> str:
        payload = {"url": webhook_url, "event_types": EVENT_TYPES, "send_name": True}
        try:
            await self._client.call("set_webhook", payload)
        except ViberApiError as exc:
            return (
                f"Viber did not set the webhook ({exc.reason}). Viber calls {webhook_url} at "
                "once and needs a 200 over HTTPS with a CA-signed certificate."
            )
        return f"Viber webhook set to {webhook_url} ({', '.join(EVENT_TYPES)})."

    def deep_link(self, code: str) -> str:
        return deep_link(self.config.chat_uri or "", code)


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
