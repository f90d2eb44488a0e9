"""Builders for the top-up and card payout suites: simulators, banks, signed callbacks,
policies that charge, refuse or ask for a review, and a look at every stored value."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import select

from core.actors import Actor
from core.bank import Bank
from core.cardmoney.config import CardMoneyConfig
from core.cardmoney.policy import Admission, CardCharge, CardMoneyPolicy, FreeOfCharge
from core.crypto import Keyring
from core.errors import CoreError
from core.jobs import JobQueue
from core.persistence.database import Database
from core.persistence.schema import metadata
from core.ports import PaymentNotice, PaymentOutcome
from integrations.acquirer import notices
from integrations.acquirer.signature import HEADER, sign
from integrations.acquirer.simulator import AcquirerSimulator, AcquirerSimulatorSettings
from integrations.cardnetwork.simulator import (
    CardNetworkSimulator,
    CardNetworkSimulatorSettings,
)
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock

SECRET = b"test-acquirer-secret"
CALLBACK_URL = "http://teller.test/api/v1/acquirer/callbacks"
RETURN_URL = "https://t.me/teller_test_bot?start=topup"
SETTLE_AFTER = timedelta(seconds=30)
CONFIG = CardMoneyConfig(callback_url=CALLBACK_URL, poll_interval=timedelta(seconds=5))


def make_acquirer(clock: MutableClock) -> AcquirerSimulator:
    settings = AcquirerSimulatorSettings(
        secret=SECRET, pages_url="http://teller.test/dev/acquirer", callback_retry_delay=0.0
    )
    return AcquirerSimulator(settings, clock.now)


def make_network(clock: MutableClock) -> CardNetworkSimulator:
    return CardNetworkSimulator(clock.now, CardNetworkSimulatorSettings(settle_after=SETTLE_AFTER))


def make_bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    acquirer: AcquirerSimulator | None,
    network: CardNetworkSimulator | None,
    *,
    policy: CardMoneyPolicy | None = None,
    queue: JobQueue | None = None,
) -> Bank:
    return Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        queue=queue,
        acquirer=acquirer,
        card_network=network,
        # These suites are about top-ups and payouts themselves; the bank's own policy
        # (fees, limits, switches, risk) has its own suite.
        cardmoney_policy=policy or FreeOfCharge(),
        cardmoney_config=CONFIG,
    )


def signed(
    notice: PaymentNotice, clock: MutableClock, secret: bytes = SECRET
) -> tuple[bytes, dict[str, str]]:
    """A callback as the acquirer would post it now."""
    at = int(clock.now().timestamp())
    body = notices.encode("evt_test", at, notice)
    return body, {HEADER.lower(): sign(body, secret, at), "content-type": "application/json"}


def notice_for(
    topup_id: UUID,
    session: str,
    total: int,
    outcome: PaymentOutcome = PaymentOutcome.SUCCEEDED,
    currency: str = "EUR",
    reason: str | None = None,
) -> PaymentNotice:
    return PaymentNotice(
        reference=str(topup_id),
        acquirer_reference=session,
        outcome=outcome,
        amount=total,
        currency=currency,
        card_last4="4242",
        card_brand="visa",
        reason=reason,
    )


@dataclass
class ScriptedPolicy:
    """A policy that charges ``fee``, refuses with ``refusal`` or asks for review, and
    remembers what it was asked to count and give back."""

    fee_minor: int = 0
    refusal: CoreError | None = None
    review: bool = False
    admitted: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)

    async def fee(self, charge: CardCharge) -> int:
        return self.fee_minor

    async def admit(self, charge: CardCharge, fee: int, reference: str, actor: Actor) -> Admission:
        if self.refusal is not None:
            raise self.refusal
        self.admitted.append(reference)
        return Admission(review=self.review, reasons=("large amount",) if self.review else ())

    async def release(self, reference: str, actor: Actor) -> None:
        self.released.append(reference)


async def everything_stored(db: Database) -> str:
    """Every value in every table, as one text: where a leaked card number would show."""
    parts: list[Any] = []
    async with db.read() as conn:
        for table in metadata.sorted_tables:
            for row in (await conn.execute(select(table))).all():
                parts.extend(row)
    return " ".join(str(part) for part in parts)
