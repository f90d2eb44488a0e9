"""Twilio's webhooks: ``POST /webhooks/whatsapp/twilio`` (messages) and
``POST /webhooks/whatsapp/twilio/status`` (status callbacks of what Teller sent).

Each request is checked against ``X-Twilio-Signature`` computed over Teller's *public*
URL (the configured base URL + the path and query string as called), then answered at
once with an empty TwiML ``<Response/>`` after the message is handed to the intake.
Either route accepts either kind of request: a sender whose status-callback URL points at
the message URL still works.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import Response

from bots.channel import Intake
from bots.problems import problem
from bots.whatsapp_twilio.config import MESSAGES_PATH, STATUS_PATH, TwilioWhatsAppConfig
from bots.whatsapp_twilio.parse import CHANNEL, is_status, parse_message, parse_status
from bots.whatsapp_twilio.signature import SIGNATURE_HEADER, Form, parse_form, verify

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
MAX_BODY = 64 * 1024  # a WhatsApp message's form is a few kilobytes


def public_url(config: TwilioWhatsAppConfig, request: Request) -> str:
    """The URL Twilio called, as Twilio saw it: public base + path + exact query."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    return config.base_url + request.url.path + (f"?{query}" if query else "")


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


def build_router(config: TwilioWhatsAppConfig, intake: Intake) -> APIRouter:
    router = APIRouter()

    async def receive(request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY:
            return problem(413, "BODY_TOO_LARGE", "The form is larger than Twilio sends.")
        try:
            form = parse_form(body)
        except UnicodeDecodeError:
            return problem(400, "MALFORMED_FORM", "The body is not a UTF-8 form.")
        signature = request.headers.get(SIGNATURE_HEADER)
        if not verify(config.auth_token, public_url(config, request), form, signature):
            return problem(403, "BAD_SIGNATURE", "X-Twilio-Signature is missing or wrong.")
        if is_status(form):
            await _status(intake, form)
            return twiml()
        received = parse_message(form)
        if received is None:
            log.info("twilio webhook without a sender or a message id: ignored")
            return twiml()
        await intake.accept([received])
        return twiml()

    router.add_api_route(MESSAGES_PATH.removeprefix("/webhooks"), receive, methods=["POST"])
    router.add_api_route(STATUS_PATH.removeprefix("/webhooks"), receive, methods=["POST"])
    return router


async def _status(intake: Intake, form: Form) -> None:
    """Only failures matter to Teller (sent, delivered and read need nothing)."""
    status = parse_status(form)
    if status is not None and status.failed:
        await intake.event(CHANNEL, status.user, "failed", status.error_code)
