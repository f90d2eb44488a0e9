"""The simulated acquirer's hosted payment page: card form, 3-D Secure step, redirect.

A small Starlette application Teller mounts at ``/dev/acquirer`` in development only.
The card number typed here is read from the form, checked (digits, length, Luhn),
reduced to its last four digits and brand, and dropped: it is never logged, stored or
sent anywhere (not even in the page it returns after an error). Forms post, so numbers
never appear in a URL, and every page says ``Cache-Control: no-store``.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from core.cardmoney.cards import CardNumber
from core.cardmoney.errors import InvalidCardNumber
from core.money import Money
from integrations.acquirer.simulator import (
    DECLINES,
    THREE_DS_CARD,
    AcquirerSimulator,
    SessionState,
    SimSession,
)

MAX_FORM = 4096
_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    # The form's redirect goes on to the merchant's return URL: form-action allows it.
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:"
    ),
    "X-Frame-Options": "DENY",
}
_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}"
    "label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;font-size:1rem}"
    "button{margin-top:1rem;padding:.6rem 1.2rem;font-size:1rem}.error{color:#b00020}"
    ".hint{color:#555;font-size:.85rem}"
)


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<meta name='viewport' content='width=device-width,initial-scale=1'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><p class='hint'>Simulated acquirer — development only</p>"
        f"<h1>{escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status, headers=_HEADERS)


def _amount(session: SimSession) -> str:
    money = Money.of(session.request.amount, session.request.currency)
    return f"{money.to_decimal()} {money.currency}"


def _grouped(number: str) -> str:
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def _card_form(session: SimSession, error: str | None = None) -> HTMLResponse:
    sid = escape(session.id)
    message = f"<p class='error'>{escape(error)}</p>" if error else ""
    cards = ", ".join(
        [
            "4242 4242 4242 4242 (succeeds)",
            *[f"{_grouped(n)} ({reason})" for n, reason in DECLINES.items()],
            f"{_grouped(THREE_DS_CARD)} (3-D Secure)",
        ]
    )
    body = (
        f"<p>{escape(session.request.description)}: "
        f"<strong>{escape(_amount(session))}</strong></p>"
        f"{message}<form method='post' action='{sid}' autocomplete='off'>"
        "<label for='card_number'>Card number</label>"
        "<input id='card_number' name='card_number' inputmode='numeric'"
        " autocomplete='cc-number' required>"
        "<label for='expiry'>Expiry (MM/YY)</label><input id='expiry' name='expiry' required>"
        "<label for='cvc'>CVC</label><input id='cvc' name='cvc' inputmode='numeric' required>"
        "<button type='submit'>Pay</button></form>"
        f"<form method='post' action='{sid}/cancel'><button type='submit'>Cancel</button></form>"
        f"<p class='hint'>Test cards: {escape(cards)}.</p>"
    )
    return _page("Pay by card", body, 400 if error else 200)


def _code_form(session: SimSession, wrong: bool = False) -> HTMLResponse:
    message = "<p class='error'>That code is not right.</p>" if wrong else ""
    body = (
        f"<p>Your bank asks you to confirm a payment of {escape(_amount(session))} "
        f"with the card ending {escape(session.card_last4 or '')}.</p>{message}"
        "<form method='post' action='3ds' autocomplete='off'>"
        "<label for='code'>One-time code</label>"
        "<input id='code' name='code' inputmode='numeric' autocomplete='one-time-code' required>"
        "<button type='submit'>Confirm</button></form>"
        "<p class='hint'>Simulator: the code that passes is set by the acquirer's settings "
        "(123456 unless changed).</p>"
    )
    return _page("Confirm the payment", body, 400 if wrong else 200)


def _back(session: SimSession, status: str) -> RedirectResponse:
    """Back to the merchant's return URL, saying which top-up and how it went."""
    parts = urlsplit(session.request.return_url)
    query = parse_qs(parts.query, keep_blank_values=True)
    query.update({"reference": [session.request.reference], "status": [status]})
    url = urlunsplit(parts._replace(query=urlencode(query, doseq=True)))
    return RedirectResponse(url, status_code=303, headers=_HEADERS)


def _expiry_ok(text: str) -> bool:
    month, _, year = text.strip().partition("/")
    return month.isdigit() and year.isdigit() and 1 <= int(month) <= 12 and len(year) in (2, 4)


async def _form(request: Request) -> dict[str, str]:
    """The posted form's fields; nothing when the body is larger than a card form can be."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM:
            return {}
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[0] for name, values in fields.items() if values}


def create_pages(simulator: AcquirerSimulator) -> Starlette:
    """The hosted pages of ``simulator``, as an ASGI application."""

    def found(request: Request) -> SimSession | Response:
        session = simulator.session(request.path_params["session_id"])
        if session is None:
            return _page("Payment not found", "<p>This payment page does not exist.</p>", 404)
        if session.expired(simulator.now()):
            return _page("Payment expired", "<p>This payment page has expired.</p>", 410)
        return session

    def finished(session: SimSession) -> Response | None:
        if session.state in (SessionState.SUCCEEDED, SessionState.FAILED):
            return _back(session, session.state.value)
        if session.state is SessionState.CANCELLED:
            return _back(session, "cancelled")
        return None

    async def show(request: Request) -> Response:
        session = found(request)
        if isinstance(session, Response):
            return session
        if session.state is SessionState.AUTHENTICATING:
            return RedirectResponse(f"{session.id}/3ds", status_code=303, headers=_HEADERS)
        return finished(session) or _card_form(session)

    async def submit(request: Request) -> Response:
        session = found(request)
        if isinstance(session, Response):
            return session
        done = finished(session)
        if done is not None or session.state is not SessionState.OPEN:
            return done or RedirectResponse(f"{session.id}/3ds", status_code=303, headers=_HEADERS)
        form = await _form(request)
        try:
            card = CardNumber.parse(form.get("card_number", ""))
        except InvalidCardNumber:
            return _card_form(session, "This card number is not valid.")
        cvc = form.get("cvc", "")
        if not _expiry_ok(form.get("expiry", "")) or not (cvc.isdigit() and 3 <= len(cvc) <= 4):
            return _card_form(session, "Check the expiry date and the CVC.")
        state = simulator.pay(session, card.digits)
        if state is SessionState.AUTHENTICATING:
            return RedirectResponse(f"{session.id}/3ds", status_code=303, headers=_HEADERS)
        await simulator.notify(session)
        return _back(session, state.value)

    async def show_code(request: Request) -> Response:
        session = found(request)
        if isinstance(session, Response):
            return session
        if session.state is not SessionState.AUTHENTICATING:
            return finished(session) or _card_form(session)
        return _code_form(session)

    async def submit_code(request: Request) -> Response:
        session = found(request)
        if isinstance(session, Response):
            return session
        if session.state is not SessionState.AUTHENTICATING:
            return finished(session) or _card_form(session)
        state = simulator.authenticate(session, (await _form(request)).get("code", ""))
        if state is SessionState.AUTHENTICATING:
            return _code_form(session, wrong=True)
        await simulator.notify(session)
        return _back(session, state.value)

    async def cancel(request: Request) -> Response:
        session = found(request)
        if isinstance(session, Response):
            return session
        if session.state in (SessionState.OPEN, SessionState.AUTHENTICATING):
            simulator.cancel(session)
        return finished(session) or _card_form(session)

    return Starlette(
        routes=[
            Route("/pay/{session_id}", show, methods=["GET"]),
            Route("/pay/{session_id}", submit, methods=["POST"]),
            Route("/pay/{session_id}/3ds", show_code, methods=["GET"]),
            Route("/pay/{session_id}/3ds", submit_code, methods=["POST"]),
            Route("/pay/{session_id}/cancel", cancel, methods=["POST"]),
        ]
    )
