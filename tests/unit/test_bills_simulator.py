"""The biller gateway simulator behaves like an aggregator: delays, rejections, silences,
de-duplication by reference — by chance with a seed, or scripted."""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from core.ports import BillOutcome, BillSubmission
from integrations.billers.simulator import (
    Behaviour,
    Scripted,
    SimulatorBillerGateway,
    SimulatorSettings,
    provider_reference,
)
from teller.settings import Settings
from teller.wiring import biller_gateway
from tests.fakes import MutableClock

INSTANT = SimulatorSettings(reject_rate=0, timeout_rate=0, min_delay=0, max_delay=0, hang=0)


def submission(reference: str = "p-1", number: str = "3982597918") -> BillSubmission:
    return BillSubmission(reference, "cz-praha-power", {"customer_number": number}, 20_000, "CZK")


async def outcomes(gateway: SimulatorBillerGateway, n: int) -> list[str]:
    seen = []
    for i in range(n):
        try:
            seen.append((await gateway.pay(submission(f"p-{i}"))).outcome.value)
        except TimeoutError:
            seen.append("timeout")
    return seen


async def test_the_same_seed_gives_the_same_run_and_the_rates_hold() -> None:
    settings = SimulatorSettings(
        reject_rate=0.2, timeout_rate=0.1, min_delay=0, max_delay=0, hang=0, seed=42
    )
    clock = MutableClock()
    first = await outcomes(SimulatorBillerGateway(settings, clock.now), 400)
    second = await outcomes(SimulatorBillerGateway(settings, clock.now), 400)
    assert first == second
    counts = Counter(first)
    assert 50 <= counts["rejected"] <= 110
    assert 20 <= counts["timeout"] <= 60
    assert counts["accepted"] == 400 - counts["rejected"] - counts["timeout"]


async def test_an_accepted_payment_gets_the_providers_reference() -> None:
    gateway = SimulatorBillerGateway(INSTANT, MutableClock().now)
    answer = await gateway.pay(submission())
    assert answer.outcome is BillOutcome.ACCEPTED
    assert answer.provider_reference == provider_reference("p-1")
    assert await gateway.status("p-1") == answer


async def test_a_repeated_submission_gets_the_first_answer_and_pays_once() -> None:
    gateway = SimulatorBillerGateway(INSTANT, MutableClock().now)
    gateway.script(
        Scripted(Behaviour.REJECT, reason="CONTRACT_TERMINATED"), Scripted(Behaviour.ACCEPT)
    )
    first = await gateway.pay(submission())
    again = await gateway.pay(submission())
    assert first == again
    assert (first.outcome, first.reason) == (BillOutcome.REJECTED, "CONTRACT_TERMINATED")
    assert (await gateway.pay(submission("p-2"))).outcome is BillOutcome.ACCEPTED


async def test_a_timed_out_payment_arrived_and_is_decided_later() -> None:
    clock = MutableClock()
    gateway = SimulatorBillerGateway(INSTANT, clock.now)
    gateway.script(
        Scripted(Behaviour.TIMEOUT, then=Behaviour.REJECT, decided_after=timedelta(seconds=30))
    )
    with pytest.raises(TimeoutError):
        await gateway.pay(submission())
    assert (await gateway.status("p-1")).outcome is BillOutcome.PENDING
    clock.advance(seconds=30)
    assert (await gateway.status("p-1")).outcome is BillOutcome.REJECTED


async def test_a_lost_or_refused_payment_never_arrived() -> None:
    gateway = SimulatorBillerGateway(INSTANT, MutableClock().now)
    gateway.script(Scripted(Behaviour.LOST), Scripted(Behaviour.DOWN))
    with pytest.raises(TimeoutError):
        await gateway.pay(submission("p-1"))
    with pytest.raises(ConnectionRefusedError):
        await gateway.pay(submission("p-2"))
    assert (await gateway.status("p-1")).outcome is BillOutcome.NOT_FOUND
    assert (await gateway.status("p-2")).outcome is BillOutcome.NOT_FOUND
    gateway.down = True
    with pytest.raises(ConnectionRefusedError):
        await gateway.status("p-1")


async def test_an_unknown_subscriber_is_rejected_whatever_the_script() -> None:
    gateway = SimulatorBillerGateway(INSTANT, MutableClock().now, [Scripted(Behaviour.ACCEPT)])
    answer = await gateway.pay(submission(number="10004000"))
    assert (answer.outcome, answer.reason) == (BillOutcome.REJECTED, "SUBSCRIBER_NOT_FOUND")


async def test_answers_take_the_configured_delay() -> None:
    settings = SimulatorSettings(
        reject_rate=0, timeout_rate=0, min_delay=0.02, max_delay=0.03, hang=0, seed=1
    )
    gateway = SimulatorBillerGateway(settings, MutableClock().now)
    started = time.monotonic()
    await gateway.pay(submission())
    assert time.monotonic() - started >= 0.02


def test_impossible_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="rates"):
        SimulatorSettings(reject_rate=0.7, timeout_rate=0.5)
    with pytest.raises(ValueError, match="delays"):
        SimulatorSettings(min_delay=2, max_delay=1)


async def test_the_wiring_builds_the_simulator_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path,
        biller_sim_reject_rate=1.0,
        biller_sim_timeout_rate=0.0,
        biller_sim_min_delay_ms=0,
        biller_sim_max_delay_ms=0,
    )
    gateway = biller_gateway(settings, MutableClock())
    assert isinstance(gateway, SimulatorBillerGateway)
    assert (await gateway.pay(submission())).outcome is BillOutcome.REJECTED
