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

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
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
