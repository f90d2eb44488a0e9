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

# -- FX rates ---------------------------------------------------------------------------


# -- card network: transfers to cards of other banks ------------------------------------


# -- acquirer: top-ups from cards of other banks ----------------------------------------


# -- biller gateway: bill payments -------------------------------------------------------


# -- identity documents: storage, virus scanning, MRZ reading (KYC) ----------------------
