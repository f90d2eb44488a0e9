"""The cards part of ``BankAPI``: the ``CardsAPI`` Protocol, its types, and ``HttpCards``.

``LocalCards`` lives in ``integrations.bank.cards.local`` and is not imported here, so
that importing the Protocol never pulls in the core.
"""

from __future__ import annotations

from integrations.bank.cards.api import CardsAPI
from integrations.bank.cards.http import HttpCards
from integrations.bank.cards.types import (
    BankDetails,
    BlockReason,
    Card,
    CardAuthorization,
    CardDetails,
    CardRecipient,
    CardRevealToken,
    CardStatus,
    CardTier,
    CashbackSummary,
)

__all__ = [
    "BankDetails",
    "BlockReason",
    "Card",
    "CardAuthorization",
    "CardDetails",
    "CardRecipient",
    "CardRevealToken",
    "CardStatus",
    "CardTier",
    "CardsAPI",
    "CashbackSummary",
    "HttpCards",
]
