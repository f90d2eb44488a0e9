"""A bank for the money flows' conversations: the simulated acquirer (its hosted page at
/dev/acquirer), the simulated biller gateway answering as each test scripts it, the
recorded ECB rates, and the bank's own fees, limits and switches."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from core.cardmoney.config import CardMoneyConfig
from core.crypto import Keyring
from core.persistence.database import Database
from integrations.acquirer.simulator import AcquirerSimulator, AcquirerSimulatorSettings
from integrations.billers.simulator import SimulatorBillerGateway, SimulatorSettings
from integrations.rates import parse_daily
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.flows.harness import Chat

RATES = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"
QUIET = SimulatorSettings(
    reject_rate=0, timeout_rate=0, pending_rate=0, min_delay=0, max_delay=0, hang=0
)
CALLBACKS = "http://teller.test/api/v1/acquirer/callbacks"


@pytest.fixture
def acquirer(clock: MutableClock) -> AcquirerSimulator:
    settings = AcquirerSimulatorSettings(
        secret=b"flows-acquirer-secret",
        pages_url="http://teller.test/dev/acquirer",
        callback_retry_delay=0.0,
    )
    return AcquirerSimulator(settings, clock.now)


@pytest.fixture
def gateway(clock: MutableClock) -> SimulatorBillerGateway:
    return SimulatorBillerGateway(QUIET, clock.now)


@pytest.fixture
async def bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    acquirer: AcquirerSimulator,
    gateway: SimulatorBillerGateway,
) -> AsyncIterator[Bank]:
    """The test bank with every outside system the money flows reach, simulated."""
    built = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        acquirer=acquirer,
        biller_gateway=gateway,
        cardmoney_config=CardMoneyConfig(callback_url=CALLBACKS),
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    await built.fx.store_rates(parse_daily(RATES.read_bytes()), SYSTEM)
    yield built
    ledger, audit = await built.verify_ledger(), await built.verify_audit()
    assert ledger.ok, f"the ledger no longer verifies: {ledger.problems}"
    assert audit.ok, f"the audit log no longer verifies: {audit.problems}"


async def confirm_with_passcode(chat: Chat, passcode: str) -> list[dict[str, Any]]:
    """Tap Confirm and, when asked, type the passcode; the replies of the last message."""
    await chat.tap("Confirm")
    if any("passcode" in t for t in chat.texts()):
        await chat.say(passcode)
    return chat.replies


def last_button_payload(chat: Chat, title: str) -> str:
    return chat.payload(title)


def money_in(text: str) -> list[str]:
    """Amounts as the English catalog shows them (€12.50, CZK 1,200.00)."""
    return re.findall(r"(?:€|CZK|\$|US\$)\s?[\d,]+(?:\.\d+)?", text)
