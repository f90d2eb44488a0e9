"""The referral area as the bank carries it: programs, attribution, rewards, cashback.

``bank.referrals.programs`` is the marketers' side (terms, schedule, pause, promo codes,
statistics); ``bank.referrals.attribution`` the customers' (personal codes, attaching a
code, their referral); ``bank.referrals.rewards`` the subscriber that pays; and
:meth:`ReferralService.cashback_rates` what the cards area reads to add partner cashback.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from core.accounts.service import AccountService
from core.clock import Clock
from core.crypto import Keyring
from core.jobs import Jobs
from core.ledger.service import LedgerService
from core.persistence.database import Database
from core.referrals.attribution import AttributionService
from core.referrals.cashback import rates_for
from core.referrals.funnel import ProgramFunnel, program_funnel
from core.referrals.model import PartnerCashback, ProgramStats
from core.referrals.programs import ProgramService
from core.referrals.rewards import RewardService
from core.referrals.stats import program_stats


class ReferralService:
    """Referral and partner programs over the bank's database, ledger and accounts."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Keyring,
        ledger: LedgerService,
        accounts: AccountService,
    ) -> None:
        self._db = db
        self._clock = clock
        self.programs = ProgramService(db, clock, accounts.currencies)
        self.attribution = AttributionService(db, clock, keyring)
        self.rewards = RewardService(db, clock, ledger, accounts)

    def jobs(self) -> Jobs:
        """The reward subscriber and the sweep of pending rewards."""
        return self.rewards.jobs()

    async def stats(self, program_id: UUID) -> ProgramStats:
        """Invited, verified, rewarded and paid out, for the program and per channel."""
        async with self._db.read() as conn:
            return await program_stats(conn, program_id)

    async def funnel(self, program_id: UUID) -> ProgramFunnel:
        """The program's customers by how far they came: signed up with its code,
        verified, card issued, first top-up, rewarded; for the program and per channel."""
        async with self._db.read() as conn:
            return await program_funnel(conn, program_id)

    async def cashback_rates(
        self, customer_id: UUID, *, at: datetime | None = None, category: str | None = None
    ) -> list[PartnerCashback]:
        """Partner cashback rates for the customer's card purchases at ``at`` (now by
        default), best first; only ``category``'s (an ISO 18245 MCC) when given.

        The cards area takes the first rate for a purchase's merchant category, if any,
        alongside its own tier rates when it accrues cashback.
        """
        async with self._db.read() as conn:
            return await rates_for(conn, customer_id, at or self._clock.now(), category)
