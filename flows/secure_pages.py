"""The secure pages behind single-use links (decision 0059): set or change a card's PIN,
see a card's number, expiry and CVV. Small server-rendered pages with no third-party
assets, never cached, never referred, under a strict Content-Security-Policy.

Opening a link (GET) changes nothing, so a messenger's link preview cannot spend it; the
customer acts with a POST carrying the same token. A PIN form that the bank refuses (a
weak PIN, a wrong current PIN) stays usable until the link expires; success spends it. A
card reveal spends the link before anything is shown. PINs are read from the form, handed
to the bank and dropped: never logged, never echoed, never in an error.
"""

from __future__ import annotations

import base64
import html
import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from flows.context import Services
from flows.messages import Text, reply_to_dict
from flows.secure import BadLink, LinkClaims
from flows.store import schema
from flows.store.sql import SqlSecureLinks
from integrations.bank.errors import BankError
from render.documents import CardFace

log = logging.getLogger(__name__)

router = APIRouter(prefix="/secure")
PIN_ERRORS = ("WEAK_PIN", "INVALID_PIN", "WRONG_PIN", "PIN_ALREADY_SET", "PIN_NOT_SET")
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem;"
    "color:#1b1f24}h1{font-size:1.4rem}label{display:block;margin:.8rem 0 .2rem}"
    "input{font-size:1.3rem;padding:.4rem;width:10rem;letter-spacing:.3rem}"
    "button{margin-top:1rem;font-size:1.1rem;padding:.5rem 1.2rem}"
    ".error{color:#b00020}dt{font-weight:600;margin-top:.6rem}dd{margin:0;font-size:1.3rem;"
    "font-family:monospace}img{max-width:100%;margin:1rem 0}"
)


def _services(request: Request) -> Services:
    services: Services = request.app.state.conversations.services
    return services


def _links(request: Request) -> SqlSecureLinks:
    # The links' table lives in flows' database, next to the conversations.
    return SqlSecureLinks(request.app.state.container.db, _services(request).now)


async def _used(request: Request, link_id: str) -> bool:
    async with request.app.state.container.db.read() as conn:
        found = await conn.execute(
            select(schema.secure_links.c.id).where(schema.secure_links.c.id == link_id)
        )
        return found.first() is not None


def _claims(request: Request, token: str) -> LinkClaims | None:
    try:
        return _services(request).secure.read(token)
    except BadLink:
        return None


@router.get("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def open_page(token: str, request: Request) -> HTMLResponse:
    services = _services(request)
    claims = _claims(request, token)
    if claims is None:
        return _notice(services, "en", "secure.invalid", status=404)
    lang = claims.language
    if await _used(request, claims.id):
        return _notice(services, lang, "secure.used", status=410)
    card = await _card(services, claims)
    if card is None:
        return _notice(services, lang, "secure.unavailable", status=409)
    return _form(services, claims, token, card.last4)


@router.post("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def use_page(
    token: str,
    request: Request,
    pin: Annotated[str, Form()] = "",
    pin_again: Annotated[str, Form()] = "",
    current_pin: Annotated[str, Form()] = "",
) -> HTMLResponse:
    # No length rule on the fields: a framework validation error would echo the input.
    services = _services(request)
    claims = _claims(request, token)
    if claims is None:
        return _notice(services, "en", "secure.invalid", status=404)
    lang = claims.language
    if await _used(request, claims.id):
        return _notice(services, lang, "secure.used", status=410)
    card = await _card(services, claims)
    if card is None:
        return _notice(services, lang, "secure.unavailable", status=409)
    if claims.purpose == "card_show":
        return await _reveal(request, services, claims, card)
    return await _pin(request, services, claims, token, card, (current_pin, pin, pin_again))


async def _card(services: Services, claims: LinkClaims) -> Any:
    try:
        card = await services.bank.get_card(claims.card_id)
    except BankError:
        return None
    if card.customer_id != claims.customer_id or card.status.value == "blocked":
        return None
    return card


async def _pin(
    request: Request,
    services: Services,
    claims: LinkClaims,
    token: str,
    card: Any,
    pins: tuple[str, str, str],
) -> HTMLResponse:
    current, new, again = pins
    lang = claims.language
    changing = claims.purpose == "pin_change"
    if not (4 <= len(new) <= 6 and new.isascii() and new.isdigit()) or len(current) > 6:
        return _form(services, claims, token, card.last4, error="secure.pin_format")
    if new != again:
        return _form(services, claims, token, card.last4, error="secure.pin_mismatch")
    try:
        if changing:
            await services.bank.change_card_pin(card.id, current, new)
        else:
            await services.bank.set_card_pin(card.id, new)
    except BankError as error:
        if error.code in PIN_ERRORS:
            return _form(services, claims, token, card.last4, error=f"errors.{error.code}")
        if error.code == "PIN_BLOCKED":
            await _links(request).use(claims.id)
            return _notice(services, lang, "errors.PIN_BLOCKED", status=409)
        log.warning("a secure PIN page failed", extra={"code": error.code})
        return _notice(services, lang, "secure.failed", status=502)
    await _links(request).use(claims.id)
    key = "cards.pin_changed_chat" if changing else "cards.pin_set_chat"
    text = services.catalog.text(lang, key, last4=card.last4)
    await request.app.state.conversations.outbox.add(
        claims.channel, claims.user, [reply_to_dict(Text(text))]
    )
    done = "secure.done_pin_change" if changing else "secure.done_pin_set"
    return _notice(services, lang, done)


async def _reveal(
    request: Request, services: Services, claims: LinkClaims, card: Any
) -> HTMLResponse:
    lang = claims.language
    if not await _links(request).use(claims.id):
        return _notice(services, lang, "secure.used", status=410)
    try:
        reveal = await services.bank.create_card_reveal(card.id)
        details = await services.bank.reveal_card(reveal.token)
        face = CardFace(
            card.tier.value,
            details.holder_name,
            card.last4,
            details.expiry_month,
            details.expiry_year,
            lang,
        )
        picture = await services.renderer.card_reveal(face, details.number)
    except BankError as error:
        log.warning("a card reveal failed", extra={"code": error.code})
        return _notice(services, lang, "secure.failed", status=502)
    number = " ".join(details.number[i : i + 4] for i in range(0, len(details.number), 4))
    image = base64.b64encode(picture.content).decode()
    t = services.catalog.text
    rows = [
        (t(lang, "secure.number"), number),
        (t(lang, "secure.expiry"), f"{details.expiry_month:02d}/{details.expiry_year % 100:02d}"),
        (t(lang, "secure.cvv"), details.cvv),
        (t(lang, "secure.holder"), details.holder_name),
    ]
    body = (
        f'<img alt="" src="data:{picture.media_type};base64,{image}">'
        + "<dl>"
        + "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in rows)
        + "</dl>"
        + f"<p>{_e(t(lang, 'secure.shown_once'))}</p>"
    )
    return _page(lang, t(lang, "secure.title_card_show"), body)


def _form(
    services: Services, claims: LinkClaims, token: str, last4: str, *, error: str | None = None
) -> HTMLResponse:
    lang = claims.language
    t = services.catalog.text
    purpose = claims.purpose
    parts = [f"<p>{_e(t(lang, f'secure.intro_{purpose}', last4=last4))}</p>"]
    if error:
        parts.append(f'<p class="error" role="alert">{_e(t(lang, error))}</p>')
    parts.append(f'<form method="post" action="/secure/{_e(token)}" autocomplete="off">')
    if purpose == "card_show":
        parts.append(f'<button type="submit">{_e(t(lang, "secure.show_button"))}</button>')
    else:
        fields = [("pin", "secure.pin_new"), ("pin_again", "secure.pin_again")]
        if purpose == "pin_change":
            fields.insert(0, ("current_pin", "secure.pin_current"))
        for name, label in fields:
            parts.append(
                f'<label for="{name}">{_e(t(lang, label))}</label>'
                f'<input id="{name}" name="{name}" type="password" inputmode="numeric" '
                'pattern="[0-9]{4,6}" minlength="4" maxlength="6" required '
                'autocomplete="off">'
            )
        parts.append(f'<button type="submit">{_e(t(lang, "secure.submit_pin"))}</button>')
    parts.append("</form>")
    status = 422 if error else 200
    return _page(lang, t(lang, f"secure.title_{purpose}"), "".join(parts), status=status)


def _notice(services: Services, lang: str, key: str, *, status: int = 200) -> HTMLResponse:
    text = services.catalog.text(lang, key)
    return _page(lang, "Teller", f"<p>{_e(text)}</p>", status=status)


def _page(lang: str, title: str, body: str, *, status: int = 200) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    document = (
        f'<!doctype html><html lang="{_e(lang)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        f'<title>{_e(title)}</title><style nonce="{nonce}">{_STYLE}</style></head>'
        f"<body><h1>{_e(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(document, status_code=status, headers=_headers(nonce))


def _headers(nonce: str) -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Pragma": "no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Content-Security-Policy": (
            "default-src 'none'; img-src data:; "
            f"style-src 'nonce-{nonce}'; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        ),
    }


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
