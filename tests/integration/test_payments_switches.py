"""Admin switches: operations stopped for a time window with a reason, per currency or all."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from core.bank import Bank
from core.errors import ValidationFailed
from core.money import UnknownCurrency
from core.payments.errors import OperationDisabled, SwitchNotFound
from core.payments.model import Operation, SwitchScope
from tests.fakes import MutableClock
from tests.integration.payments_helpers import STAFF, audited


async def test_a_switch_stops_its_operations_in_its_currency_until_it_ends(
    bank: Bank, clock: MutableClock
) -> None:
    switches = bank.payments.switches
    until = clock.now() + timedelta(hours=2)
    await switches.disable(
        SwitchScope.TRANSFERS, "EUR", "Card network upgrade", STAFF, ends_at=until
    )
    with pytest.raises(OperationDisabled) as caught:
        await switches.ensure_enabled(Operation.TRANSFER_INTERNAL, "eur")
    assert caught.value.code == "OPERATION_DISABLED"
    assert caught.value.http_status == 409
    assert caught.value.data == {
        "operation": "transfer_internal",
        "currency": "EUR",
        "scope": "transfers",
        "until": until.isoformat(),
        "reason": "Card network upgrade",
    }
    with pytest.raises(OperationDisabled):
        await switches.ensure_enabled(Operation.TRANSFER_CARD, "EUR")
    await switches.ensure_enabled(Operation.TRANSFER_INTERNAL, "CZK")
    await switches.ensure_enabled(Operation.EXCHANGE, "EUR")
    await switches.ensure_enabled(Operation.BILL_PAYMENT, "EUR")
    clock.current = until
    await switches.ensure_enabled(Operation.TRANSFER_INTERNAL, "EUR")
    assert await switches.current() == []


async def test_a_scheduled_switch_starts_at_its_time(bank: Bank, clock: MutableClock) -> None:
    switches = bank.payments.switches
    start = clock.now() + timedelta(minutes=30)
    await switches.disable(
        SwitchScope.EXCHANGE,
        None,
        "Rates feed migration",
        STAFF,
        starts_at=start,
        ends_at=start + timedelta(minutes=10),
    )
    await switches.ensure_enabled(Operation.EXCHANGE, "USD")
    assert len(await switches.current()) == 1  # listed before it starts
    clock.current = start
    with pytest.raises(OperationDisabled) as caught:
        await switches.ensure_enabled(Operation.EXCHANGE, "USD")
    assert caught.value.data["scope"] == "exchange"
    clock.advance(minutes=10)
    await switches.ensure_enabled(Operation.EXCHANGE, "USD")


async def test_switching_everything_off_stops_every_operation_until_lifted(
    bank: Bank, clock: MutableClock
) -> None:
    switches = bank.payments.switches
    switch = await switches.disable(SwitchScope.ALL, None, "Incident 42", STAFF)
    for operation in Operation:
        with pytest.raises(OperationDisabled) as caught:
            await switches.ensure_enabled(operation, "JPY")
        assert caught.value.data["until"] is None
    clock.advance(days=30)
    with pytest.raises(OperationDisabled):
        await switches.ensure_enabled(Operation.TOPUP_CARD, "EUR")
    lifted = await switches.lift(switch.id, STAFF)
    assert lifted.lifted_by == str(STAFF)
    await switches.ensure_enabled(Operation.TOPUP_CARD, "EUR")
    again = await switches.lift(switch.id, STAFF)
    assert again.lifted_at == lifted.lifted_at
    assert [a[2] for a in await audited(bank, "disable_operation")] == ["ok"]
    assert [a[2] for a in await audited(bank, "enable_operation")] == ["ok"]


async def test_the_longest_of_two_switches_is_the_one_reported(
    bank: Bank, clock: MutableClock
) -> None:
    switches = bank.payments.switches
    short = clock.now() + timedelta(hours=1)
    long = clock.now() + timedelta(hours=5)
    await switches.disable(SwitchScope.PAYMENTS, "EUR", "Biller outage", STAFF, ends_at=short)
    await switches.disable(SwitchScope.PAYMENTS, None, "Biller migration", STAFF, ends_at=long)
    with pytest.raises(OperationDisabled) as caught:
        await switches.ensure_enabled(Operation.BILL_PAYMENT, "EUR")
    assert (caught.value.data["until"], caught.value.data["reason"]) == (
        long.isoformat(),
        "Biller migration",
    )


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"reason": ""}, ValidationFailed),
        ({"reason": "x" * 201}, ValidationFailed),
        ({"currency": "EURO"}, UnknownCurrency),
        ({"ends_at": "past"}, ValidationFailed),
        ({"ends_at": "before-start"}, ValidationFailed),
        ({"ends_at": "naive"}, ValidationFailed),
    ],
)
async def test_a_bad_switch_is_refused_audited_and_stops_nothing(
    bank: Bank, clock: MutableClock, kwargs: dict[str, object], error: type[Exception]
) -> None:
    now = clock.now()
    ends = {
        "past": now - timedelta(minutes=1),
        "before-start": now + timedelta(hours=1),
        "naive": (now + timedelta(hours=1)).replace(tzinfo=None),
    }
    args: dict[str, object] = {"reason": "maintenance", "currency": "EUR"}
    args.update(kwargs)
    starts_at = now + timedelta(hours=2) if kwargs.get("ends_at") == "before-start" else None
    ends_at = ends.get(str(args.pop("ends_at", "")))
    with pytest.raises(error):
        await bank.payments.switches.disable(
            SwitchScope.TRANSFERS,
            args["currency"],  # type: ignore[arg-type]
            args["reason"],  # type: ignore[arg-type]
            STAFF,
            starts_at=starts_at,
            ends_at=ends_at,
        )
    await bank.payments.switches.ensure_enabled(Operation.TRANSFER_INTERNAL, "EUR")
    assert [a[2][:9] for a in await audited(bank, "disable_operation")] == ["rejected:"]


async def test_lifting_an_unknown_switch_is_not_found(bank: Bank) -> None:
    with pytest.raises(SwitchNotFound):
        await bank.payments.switches.lift(uuid4(), STAFF)
