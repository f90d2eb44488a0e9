"""An acquirer in this process: payment sessions, test cards, 3-D Secure, signed callbacks.

It behaves like a hosted-checkout acquirer (Stripe Checkout is the model): Teller opens a
session and sends the customer to its page (:mod:`integrations.acquirer.pages`); the
customer types a card there; the acquirer decides, posts a signed callback to Teller and
sends the customer back. Teller never sees the card number: the callback carries the last
four digits and the brand.

Test cards (any future expiry, any 3-digit CVC):

=====================  ======================================================
4242 4242 4242 4242    succeeds (Visa)
5555 5555 5555 4444    succeeds (Mastercard)
4000 0000 0000 0002    declined: ``card_declined``
4000 0000 0000 9995    declined: ``insufficient_funds``
4000 0000 0000 0069    declined: ``expired_card``
4000 0000 0000 3220    3-D Secure: the one-time code (``123456`` by default)
                       succeeds; three wrong codes fail (``authentication_failed``)
any other valid card   succeeds
=====================  ======================================================

What can be made to go wrong (:class:`AcquirerSimulatorSettings` and the counters on
:class:`AcquirerSimulator`): a delay before answering Teller, session creation failing
(``fail_next_creates``), callbacks delayed, lost (``drop_next_callbacks``), duplicated
(``duplicate_callbacks``) or retried while Teller does not answer 2xx.

Sessions live in memory: a development tool, one process. After a restart the acquirer
forgets its sessions and Teller's sweep expires them.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

import httpx
import structlog

from core.cardmoney.cards import brand_of
from core.ports import (
    AcquirerUnavailable,
    PaymentNotice,
    PaymentOutcome,
    PaymentSession,
    PaymentSessionRequest,
)
from integrations.acquirer import notices, signature

log = structlog.get_logger(__name__)

SUCCESS_CARDS = ("4242424242424242", "5555555555554444")
DECLINES = {
    "4000000000000002": "card_declined",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
}
THREE_DS_CARD = "4000000000003220"
MAX_CODE_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class AcquirerSimulatorSettings:
    secret: bytes = field(repr=False)  # shared with Teller: signs the callbacks
    pages_url: str = "http://127.0.0.1:8000/dev/acquirer"  # where its pages are served
    otp_code: str = "123456"  # the 3-D Secure one-time code that passes
    answer_delay: float = 0.0  # seconds before answering Teller's API calls
    callback_delay: float = 0.0  # seconds before the callback (then sent in background)
    callback_attempts: int = 5  # deliveries tried while Teller does not answer 2xx
    callback_retry_delay: float = 1.0  # seconds between them (doubling)
    duplicate_callbacks: int = 0  # extra copies of every callback


class SessionState(StrEnum):
    OPEN = "open"
    AUTHENTICATING = "authenticating"  # waiting for the 3-D Secure code
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the customer left; Teller's sweep will expire it


@dataclass
class SimSession:
    id: str
    request: PaymentSessionRequest
    state: SessionState = SessionState.OPEN
    card_last4: str | None = None
    card_brand: str | None = None
    reason: str | None = None
    code_attempts: int = 0

    def expired(self, now: datetime) -> bool:
        return self.state in (SessionState.OPEN, SessionState.AUTHENTICATING) and (
            now >= self.request.expires_at
        )

    def notice(self) -> PaymentNotice | None:
        if self.state not in (SessionState.SUCCEEDED, SessionState.FAILED):
            return None
        outcome = PaymentOutcome.SUCCEEDED
        if self.state is SessionState.FAILED:
            outcome = PaymentOutcome.FAILED
        return PaymentNotice(
            reference=self.request.reference,
            acquirer_reference=self.id,
            outcome=outcome,
            amount=self.request.amount,
            currency=self.request.currency,
            card_last4=self.card_last4,
            card_brand=self.card_brand,
            reason=self.reason,
        )


class AcquirerSimulator:
    """The :class:`~core.ports.Acquirer` port, simulated (see the module docstring)."""

    def __init__(
        self,
        settings: AcquirerSimulatorSettings,
        now: Callable[[], datetime],
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.now = now
        self.sessions: dict[str, SimSession] = {}
        self._by_reference: dict[str, str] = {}
        self.fail_next_creates = 0
        self.drop_next_callbacks = 0
        self.delivered: list[int] = []  # the HTTP status of each delivery, for tests
        self._transport = transport
        self._background: set[asyncio.Task[None]] = set()

    def deliver_through(self, transport: httpx.AsyncBaseTransport | None) -> None:
        """Send callbacks through ``transport`` (a test's ASGI app) instead of the network."""
        self._transport = transport

    # -- the port -----------------------------------------------------------------------

    async def create_session(self, request: PaymentSessionRequest) -> PaymentSession:
        """See :meth:`core.ports.Acquirer.create_session`."""
        await self._pause()
        if self.fail_next_creates:
            self.fail_next_creates -= 1
            raise AcquirerUnavailable("the simulated acquirer is down")
        session_id = self._by_reference.get(request.reference)
        if session_id is None:
            session_id = "cs_" + secrets.token_hex(12)
            self.sessions[session_id] = SimSession(session_id, request)
            self._by_reference[request.reference] = session_id
        return PaymentSession(session_id, f"{self.settings.pages_url}/pay/{session_id}")

    def verify_callback(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        """See :meth:`core.ports.Acquirer.verify_callback`."""
        signature.verify(body, signature.header_of(headers), [self.settings.secret], now)
        return notices.decode(body)

    async def lookup(self, acquirer_reference: str) -> PaymentNotice | None:
        """See :meth:`core.ports.Acquirer.lookup`."""
        await self._pause()
        session = self.sessions.get(acquirer_reference)
        return None if session is None else session.notice()

    # -- what the hosted page does --------------------------------------------------------

    def session(self, session_id: str) -> SimSession | None:
        return self.sessions.get(session_id)

    def pay(self, session: SimSession, card_number: str) -> SessionState:
        """The customer submitted ``card_number`` (digits only, Luhn-valid): decide.

        Only the last four digits and the brand are kept, as a real acquirer shares them.
        """
        session.card_last4, session.card_brand = card_number[-4:], brand_of(card_number)
        if card_number == THREE_DS_CARD:
            session.state = SessionState.AUTHENTICATING
        elif card_number in DECLINES:
            session.state, session.reason = SessionState.FAILED, DECLINES[card_number]
        else:
            session.state = SessionState.SUCCEEDED
        return session.state

    def authenticate(self, session: SimSession, code: str) -> SessionState:
        """The customer typed the 3-D Secure code."""
        if secrets.compare_digest(code.encode(), self.settings.otp_code.encode()):
            session.state = SessionState.SUCCEEDED
        else:
            session.code_attempts += 1
            if session.code_attempts >= MAX_CODE_ATTEMPTS:
                session.state, session.reason = SessionState.FAILED, "authentication_failed"
        return session.state

    def cancel(self, session: SimSession) -> None:
        session.state = SessionState.CANCELLED

    # -- callbacks ------------------------------------------------------------------------

    async def notify(self, session: SimSession) -> None:
        """Post the session's outcome to Teller, signed: now, or later in the background."""
        notice = session.notice()
        if notice is None:
            return
        if self.drop_next_callbacks:
            self.drop_next_callbacks -= 1
            log.info("simulated acquirer lost a callback", session=session.id)
            return
        created = int(self.now().timestamp())
        body = notices.encode("evt_" + secrets.token_hex(12), created, notice)
        copies = 1 + self.settings.duplicate_callbacks
        if self.settings.callback_delay > 0:
            task = asyncio.create_task(self._deliver(session.request.callback_url, body, copies))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            return
        await self._deliver(session.request.callback_url, body, copies)

    async def _deliver(self, url: str, body: bytes, copies: int) -> None:
        await asyncio.sleep(self.settings.callback_delay)
        async with httpx.AsyncClient(transport=self._transport, timeout=10.0) as client:
            for _ in range(copies):
                await self._post(client, url, body)

    async def _post(self, client: httpx.AsyncClient, url: str, body: bytes) -> None:
        delay = self.settings.callback_retry_delay
        for attempt in range(1, self.settings.callback_attempts + 1):
            # Signed at each attempt, as acquirers do: a retry an hour later is not stale.
            header = signature.sign(body, self.settings.secret, int(self.now().timestamp()))
            headers = {"Content-Type": "application/json", signature.HEADER: header}
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError as exc:
                log.warning("callback not delivered", attempt=attempt, error=type(exc).__name__)
            else:
                self.delivered.append(response.status_code)
                if response.is_success:
                    return
                log.warning("callback refused", attempt=attempt, status=response.status_code)
            if attempt < self.settings.callback_attempts:
                await asyncio.sleep(delay)
                delay *= 2

    async def drain(self) -> None:
        """Wait for callbacks sent in the background (tests, shutdown)."""
        while self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)

    async def _pause(self) -> None:
        if self.settings.answer_delay > 0:
            await asyncio.sleep(self.settings.answer_delay)
