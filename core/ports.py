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
