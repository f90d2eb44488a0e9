"""The Facebook Messenger adapter: a Page's conversations through the Graph API, over httpx
(no maintained Python SDK exists, CHANNELS.md §5)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bots.channel import AdapterDeps, Check, DeliveryError, Intake, Limits, Outgoing, Received
from bots.messenger.config import GET_STARTED, WEBHOOK_PATH, MessengerConfig
from bots.messenger.send import CAPABILITIES, bodies
from bots.messenger.webhook import CHANNEL, parse
from bots.meta import download, graph_call, handshake, items, signed_json, text_of
from flows.messages import Attachment, Inbound

# The Send API allows 300 calls/s per Page for text (10/s for audio and video, which Teller
# does not send), CHANNELS.md §5; 250 leaves room for retries. One person gets about one
# message a second with a short burst for a turn's few replies: Meta throttles a single
# thread that receives too much, without publishing the figure.
LIMITS = Limits(per_second=250, per_chat_per_second=1, per_chat_burst=3)
FIELDS = ("messages", "messaging_postbacks", "messaging_referrals")


class MessengerAdapter:
    name = CHANNEL
    capabilities = CAPABILITIES
    limits = LIMITS
    window_hours: int | None = 24

    def __init__(self, config: MessengerConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps

    # -- webhook --------------------------------------------------------------------------------

    def router(self, intake: Intake) -> APIRouter:
        router = APIRouter()
        config = self.config

        @router.get(WEBHOOK_PATH, include_in_schema=False)
        async def verify_messenger_webhook(request: Request) -> Response:
            return handshake(request, config.verify_token)

        @router.post(WEBHOOK_PATH, include_in_schema=False)
        async def messenger_webhook(request: Request) -> Response:
            payload = await signed_json(request, config.app_secret)
            if isinstance(payload, Response):
                return payload
            received = parse(payload)
            if received:
                await intake.accept(received)
            return Response(status_code=200)

        return router

    # -- before the turn --------------------------------------------------------------------------

    async def prepare(self, received: Received) -> Inbound:
        """Download the attachment: a signed CDN URL that needs no token."""
        url = received.fetch.get("url")
        if not url:
            return received.inbound
        data, content_type = await download(self.deps.http, url)
        default = "image" if content_type.startswith("image/") else "document"
        attachment = Attachment(data, content_type, _filename(url) or default)
        return replace(received.inbound, attachment=attachment)

    # -- delivery ---------------------------------------------------------------------------------

    async def send(self, out: Outgoing) -> None:
        url = f"{self.config.api}/me/messages"
        for body in bodies(out, self.deps.media):
            await graph_call(self.deps.http, "POST", url, self.config.page_token, body=body)

    # -- doctor and setup -------------------------------------------------------------------------

    async def check(self) -> list[Check]:
        checks = [self._secrets_check()]
        try:
            page = await self._graph("GET", "/me", params={"fields": "id,name"})
        except DeliveryError as exc:
            fix = (
                "Generate a Page access token (Meta app → Messenger → Settings → Access "
                "tokens, with pages_messaging) and set MESSENGER_PAGE_TOKEN."
            )
            if not exc.permanent:
                fix = "The Graph API did not answer: check MESSENGER_API_URL and the network."
            return [*checks, Check("Messenger page token", False, exc.reason, fix)]
        name = text_of(page, "name") or text_of(page, "id")
        checks.append(Check("Messenger page token", True, f"sends as the Page {name}"))
        checks.append(await self._subscription_check())
        return checks

    def _secrets_check(self) -> Check:
        missing = [
            setting
            for setting, value in (
                ("MESSENGER_APP_SECRET", self.config.app_secret),
                ("MESSENGER_VERIFY_TOKEN", self.config.verify_token),
            )
            if not value
        ]
        if missing:
            return Check(
                "Messenger webhook secrets",
                False,
                f"not set: {', '.join(missing)}",
                "Set MESSENGER_APP_SECRET to the Meta app's App Secret (App settings → Basic) "
                "and MESSENGER_VERIFY_TOKEN to a random string you also type into the webhook "
                "settings; until then every webhook is refused.",
            )
        return Check("Messenger webhook secrets", True, "App Secret and verify token set")

    async def _subscription_check(self) -> Check:
        """Whether the Page sends this app the events Teller reads."""
        fix = "Run `teller channels setup` (subscribes the Page to the app's webhook)."
        try:
            apps = await self._graph("GET", "/me/subscribed_apps")
        except DeliveryError as exc:
            return Check("Messenger page subscription", False, exc.reason, fix)
        subscribed: set[str] = set()
        for app in items(apps, "data"):
            fields = app.get("subscribed_fields")
            if isinstance(fields, list):
                subscribed.update(f for f in fields if isinstance(f, str))
        missing = [field for field in FIELDS if field not in subscribed]
        if missing:
            return Check(
                "Messenger page subscription", False, f"not subscribed: {', '.join(missing)}", fix
            )
        return Check("Messenger page subscription", True, ", ".join(FIELDS))

    async def setup(self, webhook_url: str) -> str:
        """What the Page token allows is done here: the Page subscribes the app to its
        events and gets a Get Started button (payload ``start``, which opens the
        conversation and carries m.me referrals). The callback URL itself belongs to the
        app and is saved in the dashboard, where Meta calls the handshake."""
        done: list[str] = []
        try:
            await self._graph(
                "POST", "/me/subscribed_apps", params={"subscribed_fields": ",".join(FIELDS)}
            )
            done.append(f"Page subscribed to {', '.join(FIELDS)}.")
        except DeliveryError as exc:
            done.append(f"Could not subscribe the Page ({exc.reason}); check the page token.")
        try:
            profile = {"get_started": {"payload": GET_STARTED}}
            await self._graph("POST", "/me/messenger_profile", body=profile)
            done.append("Get Started button set.")
        except DeliveryError as exc:
            done.append(f"Could not set the Get Started button ({exc.reason}).")
        return "\n".join(
            [
                "Messenger: " + " ".join(done),
                "Configure the webhook in the Meta app dashboard",
                "(developers.facebook.com → your app → Messenger → Settings → Webhooks):",
                f"  Callback URL: {webhook_url}",
                "  Verify token: the value of MESSENGER_VERIFY_TOKEN",
                f"  Fields: {', '.join(FIELDS)}.",
                "MESSENGER_APP_SECRET is the App Secret under App settings → Basic.",
            ]
        )

    async def _graph(
        self,
        method: str,
        path: str,
        *,
        body: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        return await graph_call(
            self.deps.http,
            method,
            self.config.api + path,
            self.config.page_token,
            body=body,
            params=params,
        )


def _filename(url: str) -> str:
    """The file's name as the CDN URL's last path segment shows it, made safe."""
    name = PurePosixPath(urlsplit(url).path).name
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[-100:].lstrip(".")
