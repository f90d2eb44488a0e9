"""``teller doctor`` for WhatsApp through Twilio: credentials, sender, webhook, template."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from bots.channel import Check
from bots.whatsapp_twilio.config import TwilioWhatsAppConfig
from bots.whatsapp_twilio.parse import CHANNEL, PREFIX

CREDENTIALS_FIX = (
    "Set TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to the account's "
    "(Twilio console → Account info)."
)
LANGUAGES = ("en", "cs", "ru", "uk")


async def account_check(http: httpx.AsyncClient, config: TwilioWhatsAppConfig) -> Check:
    """The credentials work and the account is active (``GET /Accounts/{sid}.json``)."""
    name = f"{CHANNEL}: account"
    url = f"{config.api}/2010-04-01/Accounts/{config.account_sid}.json"
    try:
        response = await http.get(url, auth=(config.account_sid, config.auth_token))
    except httpx.HTTPError as exc:
        return Check(
            name,
            False,
            f"Twilio unreachable ({type(exc).__name__})",
            "Check the network and TWILIO_API_URL.",
        )
    if response.status_code in (401, 403, 404):
        return Check(
            name, False, f"credentials refused (HTTP {response.status_code})", CREDENTIALS_FIX
        )
    if response.status_code != 200:
        return Check(
            name,
            False,
            f"Twilio answered HTTP {response.status_code}",
            "Try again; if it persists, see status.twilio.com.",
        )
    try:
        status = str(response.json().get("status", ""))
    except (ValueError, AttributeError):
        status = ""
    if status != "active":
        return Check(
            name,
            False,
            f"account {config.account_sid} is {status or 'unknown'}",
            "Reactivate the account in the Twilio console (billing, suspension).",
        )
    return Check(name, True, f"account {config.account_sid} is active")


def sender_check(config: TwilioWhatsAppConfig) -> Check:
    name = f"{CHANNEL}: sender"
    number = config.from_number
    if number.startswith(PREFIX + "+") and number[len(PREFIX) + 1 :].isdigit():
        return Check(name, True, f"sending as {number}")
    return Check(
        name,
        False,
        f"TWILIO_WHATSAPP_FROM is {number!r}",
        "Set TWILIO_WHATSAPP_FROM to the WhatsApp sender, e.g. whatsapp:+14155238886.",
    )


def webhook_check(config: TwilioWhatsAppConfig) -> Check:
    """Twilio keeps the incoming-message URL in the console, where Teller cannot read it
    portably: this says which URL must be there."""
    name = f"{CHANNEL}: webhook"
    parts = urlsplit(config.public_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return Check(
            name,
            False,
            f"TELLER_PUBLIC_URL is {config.public_url!r}",
            "Set TELLER_PUBLIC_URL to the https base URL Twilio reaches Teller at.",
        )
    fix = (
        f"In the Twilio console, set the WhatsApp sender's 'Webhook URL for incoming "
        f"messages' to {config.messages_url} (HTTP POST)."
    )
    if parts.scheme != "https":
        return Check(name, False, f"{config.messages_url} is not https", fix)
    return Check(name, True, f"Twilio must call {config.messages_url} (set in the console)", fix)


async def template_check(http: httpx.AsyncClient, config: TwilioWhatsAppConfig) -> Check:
    """The notification template (for the closed 24-hour window) exists and WhatsApp
    approved it (``GET /v1/Content/{sid}/ApprovalRequests``)."""
    name = f"{CHANNEL}: notification template"
    fix = (
        "Create a twilio/text content with body {{1}} per language, submit it for "
        "WhatsApp approval (category UTILITY), and put its HX… SID under whatsapp_twilio "
        "in the channel templates file."
    )
    if config.templates is None:
        return Check(name, False, "no templates configured", fix)
    sids = []
    for language in LANGUAGES:
        template = config.templates.notification(CHANNEL, language)
        if template is not None and template.content_sid and template.content_sid not in sids:
            sids.append(template.content_sid)
    if not sids:
        return Check(name, False, "no whatsapp_twilio notification template", fix)
    problems = []
    for sid in sids:
        url = f"{config.content_api}/v1/Content/{sid}/ApprovalRequests"
        try:
            response = await http.get(url, auth=(config.account_sid, config.auth_token))
        except httpx.HTTPError as exc:
            return Check(name, False, f"Content API unreachable ({type(exc).__name__})", fix)
        if response.status_code == 404:
            problems.append(f"{sid} does not exist")
            continue
        if response.status_code != 200:
            problems.append(f"{sid}: HTTP {response.status_code}")
            continue
        try:
            whatsapp = response.json().get("whatsapp") or {}
            status = str(whatsapp.get("status", ""))
        except (ValueError, AttributeError):
            status = ""
        if status != "approved":
            problems.append(f"{sid} is {status or 'not submitted'} on WhatsApp")
    if problems:
        return Check(name, False, "; ".join(problems), fix)
    return Check(name, True, f"{len(sids)} approved: {', '.join(sids)}")
