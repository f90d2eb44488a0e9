"""Ports: what the core needs from systems outside the bank, as Protocols.

The core depends only on these; ``integrations/`` holds the adapters: for each port a
simulator that behaves like the real system (delays, failures, signed callbacks) as the
development default, and, where the real system has a public protocol or format, the
adapter for it. ``teller/wiring.py`` chooses one per port from the settings.

Types crossing a port are plain dataclasses defined next to it; money is integer minor
units with an ISO 4217 code; nothing sensitive (a full card number, a CVV) is ever logged
or put in an exception message by an adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

# -- FX rates ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RatesSnapshot:
    """Reference rates against the euro, as one source published them at one time.

    ``rates`` maps ISO 4217 codes to units of that currency per 1 EUR (``"CZK":
    Decimal("24.312")``), never including EUR itself. ``as_of`` is when the source set
    them (the ECB's publication on its reference date), which is what makes rates stale;
    ``source`` is a short stable name (``"ecb"``, ``"static"``) stored with every rate.
    """

    source: str
    as_of: datetime
    rates: dict[str, Decimal]


class RatesSource(Protocol):
    """Where the bank's exchange rates come from (the ECB's daily reference rates, a
    static table for offline use).

    Adapters raise ``core.fx.errors.RatesSourceFailed`` when the source cannot be
    reached or sends something that is not a rates file; they never return a partial
    snapshot of a file they could not read whole.
    """

    async def fetch(self) -> RatesSnapshot:
        """The newest rates the source has."""
        ...


# -- card network: transfers to cards of other banks ------------------------------------


class PayoutState(StrEnum):
    """Where a payout to a card stands, as the card network tells it."""

    PENDING = "pending"  # the network has it; not settled yet: ask again later
    COMPLETED = "completed"  # paid to the card; final
    FAILED = "failed"  # refused or returned by the card's bank; final, with a reason
    UNKNOWN = "unknown"  # the network never received it (only ``status`` answers this)


@dataclass(frozen=True, slots=True)
class PayoutOrder:
    """One payout to a card of another bank (an original credit transaction).

    ``reference`` is Teller's payout id: the network treats a second submission with the
    same reference as the first (it never pays twice) and answers ``status`` by it.
    ``card_number`` is the full card number: an adapter sends it to the network and
    nowhere else (never logged, never in an exception, never kept).
    """

    reference: str
    card_number: str = field(repr=False)
    amount: int  # minor units
    currency: str


@dataclass(frozen=True, slots=True)
class PayoutAnswer:
    """The network's answer: its own reference once it has the payout, and ``reason`` (a
    stable upper-case code such as ``CARD_NOT_ELIGIBLE``) when the payout failed."""

    state: PayoutState
    network_reference: str | None = None
    reason: str | None = None


class CardNetworkUnavailable(Exception):
    """The network could not be reached or did not answer in time.

    The payout may or may not have arrived: the same order may be submitted again (the
    network deduplicates it by reference) or its status asked.
    """


class CardNetwork(Protocol):
    """Payouts to cards of other banks (Visa Direct, Mastercard Move and the like)."""

    async def submit(self, order: PayoutOrder) -> PayoutAnswer:
        """Hand ``order`` to the network; idempotent on ``order.reference``.

        Answers PENDING (accepted, settles later), COMPLETED (settled at once) or FAILED
        (refused); raises :class:`CardNetworkUnavailable` when it cannot tell.
        """
        ...

    async def status(self, reference: str) -> PayoutAnswer:
        """Where the payout with Teller's ``reference`` stands; UNKNOWN if never received.

        Raises :class:`CardNetworkUnavailable` when the network cannot be asked now.
        """
        ...


# -- acquirer: top-ups from cards of other banks ----------------------------------------


class PaymentOutcome(StrEnum):
    """How a customer's payment on the acquirer's hosted page ended."""

    SUCCEEDED = "succeeded"  # the card was charged; the money is the bank's to credit
    FAILED = "failed"  # declined, not enough money, 3-D Secure not passed


@dataclass(frozen=True, slots=True)
class PaymentSessionRequest:
    """What Teller asks an acquirer for: a hosted payment page charging ``amount``.

    ``reference`` is Teller's top-up id: the acquirer's idempotency key (a second request
    with it returns the first session) and the merchant reference every callback carries.
    The customer is sent back to ``return_url``; the outcome is posted, signed, to
    ``callback_url``. The acquirer accepts no payment after ``expires_at``.
    """

    reference: str
    amount: int  # minor units, what the card is charged
    currency: str
    description: str
    return_url: str
    callback_url: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class PaymentSession:
    """The acquirer's session: its id and the hosted page the customer is sent to."""

    acquirer_reference: str
    payment_url: str


@dataclass(frozen=True, slots=True)
class PaymentNotice:
    """A payment's outcome, from a verified callback or the acquirer's answer to a lookup.

    Of the card only what the acquirer may share: the last four digits and the brand.
    ``reason`` is a stable lower-case code when the payment failed (``card_declined``,
    ``insufficient_funds``, ``authentication_failed``).
    """

    reference: str  # Teller's top-up id
    acquirer_reference: str
    outcome: PaymentOutcome
    amount: int
    currency: str
    card_last4: str | None = None
    card_brand: str | None = None
    reason: str | None = None


class AcquirerUnavailable(Exception):
    """The acquirer could not be reached or failed; the same request may be repeated."""


class CallbackRejected(Exception):
    """A callback that is not provably from the acquirer: no signature, a malformed or
    wrong one, or a timestamp outside the tolerance (a replay). ``reason`` is one of
    ``missing``, ``malformed``, ``mismatch``, ``stale``; nothing else of it is kept."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"callback rejected: {reason}")
        self.reason = reason


class Acquirer(Protocol):
    """Card acceptance for top-ups: hosted payment pages and their signed callbacks
    (modelled on Stripe Checkout; see docs/decisions/0045)."""

    async def create_session(self, request: PaymentSessionRequest) -> PaymentSession:
        """Open a hosted payment page; idempotent on ``request.reference``.

        Raises :class:`AcquirerUnavailable` when the acquirer cannot be reached.
        """
        ...

    def verify_callback(
        self, body: bytes, headers: Mapping[str, str], now: datetime
    ) -> PaymentNotice:
        """Check a callback's signature on its raw ``body`` and parse it.

        ``headers`` are the request's, with lower-case names. Raises
        :class:`CallbackRejected` for anything not provably from the acquirer and
        ``ValueError`` for a signed body that is not a notice.
        """
        ...

    async def lookup(self, acquirer_reference: str) -> PaymentNotice | None:
        """The session's outcome if the customer finished paying; None while it is open or
        once it was abandoned. Raises :class:`AcquirerUnavailable`."""
        ...


# -- biller gateway: bill payments -------------------------------------------------------


class BillOutcome(StrEnum):
    """What a biller says about a payment."""

    ACCEPTED = "accepted"  # paid; final
    REJECTED = "rejected"  # refused, with a reason; final
    PENDING = "pending"  # received, not decided yet: ask again later
    NOT_FOUND = "not_found"  # never received (only ``status`` answers this)


@dataclass(frozen=True, slots=True)
class BillSubmission:
    """One bill payment sent to a biller.

    ``reference`` is Teller's payment id: the gateway treats a second submission with the
    same reference as the first (it never pays twice) and answers ``status`` by it.
    ``fields`` are the normalized values the biller needs; they are personal data, so an
    adapter never logs them nor puts them in an exception.
    """

    reference: str
    biller_id: str
    fields: Mapping[str, str]
    amount: int  # minor units
    currency: str


@dataclass(frozen=True, slots=True)
class BillAnswer:
    """The biller's answer: ``provider_reference`` once accepted, ``reason`` (a stable
    upper-case code such as ``SUBSCRIBER_NOT_FOUND``) when rejected."""

    outcome: BillOutcome
    provider_reference: str | None = None
    reason: str | None = None


class BillerGateway(Protocol):
    """Where bill payments go: a billers' aggregator, or the simulator in development.

    A call that raises (a timeout, a refused connection, a garbled answer) is *no answer*:
    the payment may or may not have arrived. Teller then asks :meth:`status` later, so
    an adapter never retries a submission on its own with a new reference.
    """

    async def pay(self, submission: BillSubmission) -> BillAnswer:
        """Submit a payment; ``ACCEPTED``, ``REJECTED`` or ``PENDING`` (never ``NOT_FOUND``)."""
        ...

    async def status(self, reference: str) -> BillAnswer:
        """What became of the payment submitted under ``reference``."""
        ...


# -- identity documents: storage, virus scanning, MRZ reading (KYC) ----------------------


class DocumentMissing(Exception):
    """The document store holds nothing under the key."""


class DocumentStoreUnavailable(Exception):
    """The document store failed or could not be reached; the operation may be retried."""


class DocumentStore(Protocol):
    """Where identity documents' files live: opaque, already encrypted blobs under keys.

    The core seals every file before ``put`` (see ``core.kyc.sealing``), so a store never
    sees a document in clear. Keys are ``[A-Za-z0-9/_-]`` paths chosen by the core.
    """

    async def put(self, key: str, blob: bytes) -> None:
        """Store ``blob`` under ``key``, replacing what was there; durable on return."""
        ...

    async def get(self, key: str) -> bytes:
        """The blob under ``key``; :class:`DocumentMissing` if there is none."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the blob under ``key``; no error if it is already gone."""
        ...


@dataclass(frozen=True, slots=True)
class ScanVerdict:
    """A malware scan's answer: clean, or the name of what was found."""

    clean: bool
    signature: str | None = None  # e.g. "Eicar-Test-Signature"


class ScannerUnavailable(Exception):
    """The scanner could not give a verdict (down, timed out, refused the size)."""


class VirusScanner(Protocol):
    """Scans a file's bytes for malware before the bank stores it."""

    async def scan(self, content: bytes) -> ScanVerdict:
        """The verdict on ``content``; :class:`ScannerUnavailable` when there is none.

        A bank fails closed: without a verdict the file is not accepted.
        """
        ...


class MrzReader(Protocol):
    """Optical character recognition of an identity document's machine-readable zone."""

    async def read(self, content: bytes, media_type: str) -> str | None:
        """The text read from the document (the core finds the zone in it), or None when
        this reader cannot read files of ``media_type`` or found no text."""
        ...
