"""The WhatsApp Cloud API adapter: Meta's own WhatsApp Business Platform, over httpx."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import replace
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bots.channel import (
    AdapterDeps,
    Check,
    DeliveryError,
    Intake,
    Limits,
    Outgoing,
    PrepareError,
    Received,
)
from bots.meta import MAX_MEDIA, download, graph_call, handshake, signed_json, text_of
from bots.whatsapp_cloud.config import WEBHOOK_PATH, CloudWhatsAppConfig
from bots.whatsapp_cloud.send import CAPABILITIES, bodies
from bots.whatsapp_cloud.webhook import CHANNEL, parse
from flows.messages import Attachment, Inbound

# Throughput is ~80 messages/s per business number by default (CHANNELS.md §4, error
# 130429 beyond it). To one person WhatsApp allows about one message every 6 s (the pair
# rate limit, 131056); bursts are tolerated but borrow from the following minutes (up to
# 45 in 6 s per Meta's throughput page as BSPs relay it), so a burst of 10 covers a turn's
# few replies with room to spare.
LIMITS = Limits(per_second=80, per_chat_per_second=1 / 6, per_chat_burst=10)


class CloudWhatsAppAdapter:
    name = CHANNEL
    capabilities = CAPABILITIES
    limits = LIMITS
    window_hours: int | None = 24

    def __init__(self, config: CloudWhatsAppConfig, deps: AdapterDeps) -> None:
        self.config = config
        self.deps = deps

    # -- webhook --------------------------------------------------------------------------------

    def router(self, intake: Intake) -> APIRouter:
        router = APIRouter()
        config = self.config

        @router.get(WEBHOOK_PATH, include_in_schema=False)
        async def verify_webhook(request: Request) -> Response:
            return handshake(request, config.verify_token)

        @router.post(WEBHOOK_PATH, include_in_schema=False)
        async def whatsapp_cloud_webhook(request: Request) -> Response:
            payload = await signed_json(request, config.app_secret)
            if isinstance(payload, Response):
                return payload
            parsed = parse(payload)
            if parsed.received:
                await intake.accept(parsed.received)
            for failure in parsed.failures:
                await intake.event(CHANNEL, failure.user, "failed", failure.code)
            return Response(status_code=200)

        return router

    # -- before the turn --------------------------------------------------------------------------

    async def prepare(self, received: Received) -> Inbound:
        """Download what the customer sent: the webhook gave a media id; Graph gives a
        short-lived URL (≈5 minutes) for it, fetched with the same token."""
        media_id = received.fetch.get("media_id")
        if not media_id:
            return received.inbound
        try:
            info = await graph_call(
                self.deps.http, "GET", f"{self.config.api}/{media_id}", self.config.access_token
            )
        except DeliveryError as exc:
            reason = f"media lookup failed: {exc.reason}"
            raise PrepareError(reason, permanent=exc.permanent) from exc
        size = text_of(info, "file_size")
        if size.isdigit() and int(size) > MAX_MEDIA:
            raise PrepareError("file larger than 10 MB", permanent=True)
        url = text_of(info, "url")
        if not url:
            raise PrepareError("media lookup gave no URL", permanent=True)
        data, served_type = await download(self.deps.http, url, headers=self._media_auth(url))
        expected = text_of(info, "sha256")
        if expected and not _same_digest(data, expected):
            # A cut transfer, most likely: a new lookup and download may well succeed.
            raise PrepareError("media checksum mismatch")
        content_type = text_of(info, "mime_type") or received.fetch.get("mime_type") or served_type
        filename = received.fetch.get("filename") or "upload"
        attachment = Attachment(data, content_type.split(";")[0].strip(), filename)
        return replace(received.inbound, attachment=attachment)

    def _media_auth(self, url: str) -> dict[str, str]:
        """The token goes with the download only over HTTPS, or to the configured Graph host
        itself (a local stand-in), never in clear to somewhere else."""
        target, graph = urlsplit(url), urlsplit(self.config.api)
        if target.scheme == "https" or target.netloc == graph.netloc:
            return {"Authorization": f"Bearer {self.config.access_token}"}
        return {}

    # -- delivery ---------------------------------------------------------------------------------

    async def send(self, out: Outgoing) -> None:
        url = f"{self.config.api}/{self.config.phone_number_id}/messages"
        for body in bodies(out, self.deps.media, self.config.templates):
            await graph_call(self.deps.http, "POST", url, self.config.access_token, body=body)

    # -- doctor and setup -------------------------------------------------------------------------

    async def check(self) -> list[Check]:
        checks = [self._secrets_check()]
        fields = "display_phone_number,verified_name,quality_rating"
        try:
            number = await graph_call(
                self.deps.http,
                "GET",
                f"{self.config.api}/{self.config.phone_number_id}",
                self.config.access_token,
                params={"fields": fields},
            )
        except DeliveryError as exc:
            return [*checks, _token_failed(exc)]
        display = text_of(number, "display_phone_number") or "(no number shown)"
        name = text_of(number, "verified_name")
        checks.append(Check("WhatsApp Cloud access token", True, "accepted by the Graph API"))
        checks.append(
            Check("WhatsApp business number", True, f"{display}" + (f" ({name})" if name else ""))
        )
        quality = text_of(number, "quality_rating").upper()
        if quality:
            checks.append(_quality_check(quality))
        checks.append(await self._subscription_check())
        return checks

    async def _subscription_check(self) -> Check:
        """Whether Meta sends this business account's webhooks to an app at all: without a
        subscription the callback URL is verified but no message ever arrives."""
        name = "WhatsApp webhook subscription"
        account = self.config.business_account_id
        if not account:
            return Check(
                name,
                True,
                "not checked: WHATSAPP_BUSINESS_ACCOUNT_ID is not set",
                "Set WHATSAPP_BUSINESS_ACCOUNT_ID (WhatsApp → API Setup) to have it checked "
                "and registered by `teller channels setup`.",
            )
        try:
            answer = await graph_call(
                self.deps.http,
                "GET",
                f"{self.config.api}/{account}/subscribed_apps",
                self.config.access_token,
            )
        except DeliveryError as exc:
            return Check(
                name,
                False,
                f"could not read the subscriptions: {exc.reason}",
                "Check WHATSAPP_BUSINESS_ACCOUNT_ID and that the token has "
                "whatsapp_business_management.",
            )
        apps = [a for a in answer.get("data", []) if isinstance(a, dict)]
        if not apps:
            return Check(
                name,
                False,
                "no app is subscribed to this business account's webhooks",
                "Run `teller channels setup` (it subscribes the app), or subscribe it in the "
                "Meta app dashboard.",
            )
        names = [
            text_of(a.get("whatsapp_business_api_data", {}), "name") or "an app" for a in apps
        ]
        return Check(name, True, "subscribed: " + ", ".join(names))

    def _secrets_check(self) -> Check:
        missing = [
            setting
            for setting, value in (
                ("WHATSAPP_APP_SECRET", self.config.app_secret),
                ("WHATSAPP_VERIFY_TOKEN", self.config.verify_token),
            )
            if not value
        ]
        if missing:
            return Check(
                "WhatsApp Cloud webhook secrets",
                False,
                f"not set: {', '.join(missing)}",
                "Set WHATSAPP_APP_SECRET to the Meta app's App Secret (App settings → Basic) "
                "and WHATSAPP_VERIFY_TOKEN to a random string you also type into the webhook "
                "settings; until then every webhook is refused.",
            )
        return Check("WhatsApp Cloud webhook secrets", True, "App Secret and verify token set")

    async def setup(self, webhook_url: str) -> str:
        """The callback URL is saved in the Meta app dashboard, not through the API (Meta
        then calls the handshake): what the operator types there. With the business
        account's id, the app is also subscribed to that account's webhooks."""
        subscribed: list[str] = []
        account = self.config.business_account_id
        if account:
            await graph_call(
                self.deps.http,
                "POST",
                f"{self.config.api}/{account}/subscribed_apps",
                self.config.access_token,
            )
            subscribed = [f"Subscribed the app to business account {account}'s webhooks."]
        return "\n".join(
            [
                *subscribed,
                "WhatsApp Cloud API: configure the webhook in the Meta app dashboard",
                "(developers.facebook.com → your app → WhatsApp → Configuration → Webhook):",
                f"  Callback URL: {webhook_url}",
                "  Verify token: the value of WHATSAPP_VERIFY_TOKEN",
                "  Webhook fields: subscribe to 'messages'.",
                "Meta verifies the URL with a GET right away, so Teller must be reachable there.",
                "WHATSAPP_APP_SECRET is the App Secret under App settings → Basic; "
                "WHATSAPP_ACCESS_TOKEN a system user's token with whatsapp_business_messaging.",
                "Notifications outside the 24-hour window use the approved templates in "
                "bots/templates.yaml (whatsapp_cloud.notification).",
            ]
        )


def _same_digest(data: bytes, expected: str) -> bool:
    """Whether ``expected`` is the SHA-256 of ``data``: Meta's examples show it both as hex
    and as base64, so both spellings are accepted."""
    digest = hashlib.sha256(data).digest()
    given = expected.strip().encode()
    spellings = (
        base64.b64encode(digest),
        base64.urlsafe_b64encode(digest),
        digest.hex().encode(),
        digest.hex().upper().encode(),
    )
    return any(hmac.compare_digest(given, spelling) for spelling in spellings)


def _token_failed(exc: DeliveryError) -> Check:
    if "Graph error 190" in exc.reason:
        fix = (
            "The access token is invalid or expired: create a system user token with "
            "whatsapp_business_messaging in Business settings and set WHATSAPP_ACCESS_TOKEN."
        )
    elif exc.permanent:
        fix = (
            "Check WHATSAPP_PHONE_NUMBER_ID (WhatsApp → API setup shows the phone number ID, "
            "not the number) and that the token's system user has access to it."
        )
    else:
        fix = "The Graph API did not answer: check WHATSAPP_API_URL and the network, then retry."
    return Check("WhatsApp Cloud access token", False, exc.reason, fix)


def _quality_check(quality: str) -> Check:
    if quality == "RED":
        return Check(
            "WhatsApp number quality",
            False,
            "RED: customers are blocking or reporting the number",
            "Review recent messages in WhatsApp Manager → Insights; Meta lowers the messaging "
            "limit of numbers that stay red.",
        )
    return Check("WhatsApp number quality", True, quality)
