"""How the bank issues and runs its cards: the settings the cards area reads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from core.cards.model import validate_bin

TEST_BIN = "424242"  # the prefix of the card networks' well-known test numbers


@dataclass(frozen=True, slots=True)
class CardConfig:
    """The cards area's settings (``TELLER_CARD_*`` and the bank's BIC and name)."""

    bin: str = TEST_BIN
    validity_years: int = 3
    reveal_ttl: timedelta = timedelta(minutes=5)
    max_cards_per_customer: int = 5
    # How long an authorization's hold lasts if it is never cleared or reversed: the
    # card networks' usual clearing window for most merchants.
    authorization_ttl: timedelta = timedelta(days=7)
    # Authorizations whose hold was not placed (a crash between two transactions) are
    # finished by a sweep once they are this old.
    stale_authorization: timedelta = timedelta(seconds=30)
    bic: str = "TELLCZPP"
    bank_name: str = "Teller"

    def __post_init__(self) -> None:
        validate_bin(self.bin)
        if not 1 <= self.validity_years <= 10:
            raise ValueError("card validity is 1 to 10 years")
        if not timedelta(seconds=30) <= self.reveal_ttl <= timedelta(hours=1):
            raise ValueError("a reveal token lasts 30 seconds to an hour")
        if self.max_cards_per_customer < 1:
            raise ValueError("a customer may hold at least one card")
        if not timedelta(hours=1) <= self.authorization_ttl <= timedelta(days=31):
            raise ValueError("an authorization's hold lasts an hour to 31 days")
