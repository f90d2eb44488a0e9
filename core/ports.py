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
from enum import StrEnum
from typing import Protocol

# -- FX rates ---------------------------------------------------------------------------


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
