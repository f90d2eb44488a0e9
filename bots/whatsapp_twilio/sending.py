"""Replies as Twilio Messages API calls.

``POST {api}/2010-04-01/Accounts/{sid}/Messages.json`` (form, Basic auth) with ``From``,
``To`` and either ``Body`` (+ ``MediaUrl``) or ``ContentSid`` + ``ContentVariables``, and
``StatusCallback`` so failures come back to ``/webhooks/whatsapp/twilio/status``.

Outside the 24-hour window WhatsApp only delivers approved templates: a reply that reads
as text (text, a handoff notice, a secure link, a contact request) goes as the configured
notification template with the text as ``{{1}}``; buttons, pictures and documents cannot
go at all.
"""

from __future__ import annotations

import json
import logging

import httpx

from bots.channel import DeliveryError, MediaSource, Outgoing
from bots.templates import template_text
from bots.whatsapp_twilio.config import TwilioWhatsAppConfig
from bots.whatsapp_twilio.content import ContentCache, definition, variables
from bots.whatsapp_twilio.errors import delivery_error, transport_error
from bots.whatsapp_twilio.parse import CHANNEL, PREFIX
from flows.messages import (
    Buttons,
    Capabilities,
    Document,
    HandoffNotice,
    Image,
    Reply,
    RequestContact,
    SecureLink,
    Text,
    degrade,
)

log = logging.getLogger(__name__)

MAX_TEXT = 1600  # Twilio's Body limit
# Buttons that fit no interactive type: numbered text, read back by the engine.
NUMBERED = Capabilities(max_text=MAX_TEXT, numbered_choices=True)


def as_text(reply: Reply) -> str | None:
    """The reply as one plain text, or None for buttons, pictures and documents."""
    match reply:
        case Text(text=text) | HandoffNotice(text=text) | RequestContact(text=text):
            return text
        case SecureLink(url=url, text=text):
            return f"{text}\n\n{url}" if text else url
    return None


class Sender:
    def __init__(
        self, config: TwilioWhatsAppConfig, http: httpx.AsyncClient, media: MediaSource
    ) -> None:
        self.config = config
        self.http = http
        self.media = media
        self.auth = (config.account_sid, config.auth_token)
        self.contents = ContentCache(http, config.content_api, self.auth)

    @property
    def messages_url(self) -> str:
        return f"{self.config.api}/2010-04-01/Accounts/{self.config.account_sid}/Messages.json"

    async def send(self, out: Outgoing) -> None:
        if not out.window_open:
            await self._template(out)
            return
        reply = out.reply
        if isinstance(reply, Buttons):
            await self._buttons(out, reply)
        elif isinstance(reply, Image | Document):
            fields = {"MediaUrl": self.media.public_url(reply.media_id, reply.filename)}
            if reply.caption:
                fields["Body"] = reply.caption
            await self._post(out, fields)
        else:
            text = as_text(reply)
            if text is None:
                raise DeliveryError(f"unsupported reply {type(reply).__name__}", permanent=True)
            await self._texts(out, text)

    async def _texts(self, out: Outgoing, text: str) -> None:
        # degrade already cut texts to 1600; a secure link's URL may push one over.
        for part in degrade(Text(text), NUMBERED):
            if isinstance(part, Text):  # always: degrade keeps text as text
                await self._post(out, {"Body": part.text})

    async def _buttons(self, out: Outgoing, reply: Buttons) -> None:
        types = definition(reply, out.language)
        if types is not None:
            try:
                sid = await self.contents.sid(types, out.language)
            except DeliveryError as exc:
                if not exc.permanent:
                    raise
                # Twilio refused the content itself: the choices still reach the
                # customer, as numbered text.
                log.warning("twilio content refused (%s): buttons sent as text", exc.reason)
            else:
                await self._post(out, {"ContentSid": sid, "ContentVariables": variables(reply)})
                return
        for part in degrade(reply, NUMBERED):
            if isinstance(part, Text):  # always: numbered choices are text
                await self._post(out, {"Body": part.text})

    async def _template(self, out: Outgoing) -> None:
        text = as_text(out.reply)
        if text is None:
            raise DeliveryError("24-hour window closed", permanent=True)
        templates = self.config.templates
        template = templates.notification(CHANNEL, out.language) if templates else None
        if template is None or not template.content_sid:
            raise DeliveryError(
                "24-hour window closed and no notification template", permanent=True
            )
        content_variables = json.dumps({"1": template_text(text)}, ensure_ascii=False)
        await self._post(
            out, {"ContentSid": template.content_sid, "ContentVariables": content_variables}
        )

    async def _post(self, out: Outgoing, fields: dict[str, str]) -> None:
        form = {
            "From": self.config.from_number,
            "To": PREFIX + out.user,
            **fields,
            "StatusCallback": self.config.status_url,
        }
        try:
            response = await self.http.post(self.messages_url, data=form, auth=self.auth)
        except httpx.HTTPError as exc:
            raise transport_error(exc) from None
        if response.status_code not in (200, 201):
            raise delivery_error(response)
