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
from dataclasses import dataclass
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


# -- acquirer: top-ups from cards of other banks ----------------------------------------


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
