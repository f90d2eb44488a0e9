"""Risk review: rules score transfers, held ones wait with their funds on hold, staff
approve (capture, fee included) or reject (void), undecided ones expire; customers are
told through the outbox. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.accounts.service import AccountView
from core.actors import SYSTEM
from core.bank import Bank
from core.errors import CoreError
from core.jobqueue.runner import JobRunner
from core.jobs import Event
from core.ledger.model import BankPurpose, HoldStatus
from core.payments.fees import FeeRule, RuleSource
from core.payments.model import Decision, Operation, PaymentStatus, SwitchScope
from core.payments.repository import PaymentView
from core.payments.risk import DEFAULT_RISK
from tests.fakes import MutableClock
from tests.integration.payments_helpers import (
    STAFF,
    audited,
    available,
    customer_account,
    ledger_balance,
    outbox,
    run_periodic,
    send,
)

LARGE = 250_000  # over the large-amount and new-recipient thresholds: 40 + 30 ≥ 60


async def held_transfer(bank: Bank, fee: int = 0) -> tuple[AccountView, AccountView, PaymentView]:
    if fee:
        rule = FeeRule(Operation.TRANSFER_INTERNAL, "EUR", fixed=fee)
        await bank.payments.fees.set_rule(rule, STAFF)
    payer = await customer_account(bank, "Olga Kovalenko", funded=1_000_000)
    payee = await customer_account(bank, "Ivan Petrov")
    payment = await send(bank, payer, payee, LARGE)
    return payer, payee, payment


async def test_a_large_transfer_to_a_new_recipient_is_held_with_its_funds_on_hold(
    bank: Bank,
) -> None:
    payer, payee, payment = await held_transfer(bank, fee=100)
    assert payment.status is PaymentStatus.PENDING_REVIEW
    assert (payment.risk_score, payment.held) == (70, True)
    assert [r["rule"] for r in payment.risk_reasons] == ["large_amount", "new_recipient"]
    assert payment.hold_id is not None
    assert payment.entry_id is None
    hold = await bank.ledger.hold(payment.hold_id)
    assert (hold.amount, hold.status, hold.account_id) == (
        LARGE + 100,
        HoldStatus.PENDING,
        payer.id,
    )
    assert payment.review_deadline == bank.clock.now() + timedelta(hours=72)
    assert hold.expires_at > payment.review_deadline
    assert await ledger_balance(bank, payer.id) == 1_000_000
    assert await available(bank, payer.id) == 1_000_000 - LARGE - 100
    assert await ledger_balance(bank, payee.id) == 0
    (event,) = await outbox(bank, "transfer.held")
    assert event == {
        "payment_id": str(payment.id),
        "customer_id": str(payer.customer_id),
        "amount": LARGE,
        "fee": 100,
        "currency": "EUR",
    }
    assert await outbox(bank, "transfer.completed") == []
    queue = await bank.payments.transfers.list(status=PaymentStatus.PENDING_REVIEW)
    assert [p.id for p in queue] == [payment.id]


async def test_approval_captures_the_hold_and_posts_the_fee_in_the_same_entry(bank: Bank) -> None:
    payer, payee, payment = await held_transfer(bank, fee=100)
    approved = await bank.payments.reviews.approve(
        payment.id, STAFF, "ok-1", "called the customer"
    )
    assert approved.status is PaymentStatus.COMPLETED
    assert (approved.decision, approved.reviewed_by) == (Decision.APPROVED, str(STAFF))
    assert approved.review_note == "called the customer"
    assert approved.entry_id is not None
    entry = await bank.ledger.entry(approved.entry_id)
    income = await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    assert [(p.account_id, p.amount) for p in entry.postings] == [
        (payer.id, -(LARGE + 100)),
        (payee.id, LARGE),
        (income, 100),
    ]
    assert payment.hold_id is not None
    hold = await bank.ledger.hold(payment.hold_id)
    assert (hold.status, hold.entry_id) == (HoldStatus.POSTED, entry.id)
    assert await available(bank, payer.id) == await ledger_balance(bank, payer.id)
    assert await ledger_balance(bank, payee.id) == LARGE
    (event,) = await outbox(bank, "transfer.completed")
    assert (event["entry_id"], event["customer_id"]) == (str(entry.id), str(payer.customer_id))
    assert await audited(bank, "approve_transfer") == [(str(STAFF), f"payment:{payment.id}", "ok")]
    assert (await bank.verify_ledger()).ok


async def test_rejection_voids_the_hold_and_gives_the_limit_back(bank: Bank) -> None:
    payer, payee, payment = await held_transfer(bank, fee=100)
    assert payer.customer_id is not None
    assert (await bank.payments.limits.status(payer.customer_id, "EUR")).daily_used == LARGE
    rejected = await bank.payments.reviews.reject(payment.id, STAFF, "no-1", "mule account")
    assert (rejected.status, rejected.decision) == (PaymentStatus.REJECTED, Decision.REJECTED)
    assert payment.hold_id is not None
    assert (await bank.ledger.hold(payment.hold_id)).status is HoldStatus.VOIDED
    assert await available(bank, payer.id) == 1_000_000
    assert await ledger_balance(bank, payee.id) == 0
    assert (await bank.payments.limits.status(payer.customer_id, "EUR")).daily_used == 0
    (event,) = await outbox(bank, "transfer.rejected")
    assert (event["payment_id"], event["reason"]) == (str(payment.id), "rejected")
    assert (await bank.verify_ledger()).ok


async def test_a_decision_is_taken_once(bank: Bank) -> None:
    _, payee, payment = await held_transfer(bank)
    reviews = bank.payments.reviews
    first = await reviews.approve(payment.id, STAFF, "decide-1")
    again = await reviews.approve(payment.id, STAFF, "decide-1")
    assert again.entry_id == first.entry_id
    for attempt in (
        reviews.approve(payment.id, STAFF, "decide-2"),
        reviews.reject(payment.id, STAFF, "decide-3", "late"),
    ):
        with pytest.raises(CoreError) as caught:
            await attempt
        assert caught.value.code == "PAYMENT_NOT_PENDING"
        assert caught.value.data["status"] == "completed"
    assert await ledger_balance(bank, payee.id) == LARGE
    outcomes = [a[2] for a in await audited(bank, "approve_transfer")]
    assert outcomes == ["ok", "rejected:PAYMENT_NOT_PENDING"]


async def test_a_rejection_needs_a_reason_and_a_transfer_not_held_cannot_be_decided(
    bank: Bank,
) -> None:
    _, _, held = await held_transfer(bank)
    with pytest.raises(CoreError) as caught:
        await bank.payments.reviews.reject(held.id, STAFF, "r-1", " ")
    assert caught.value.code == "VALIDATION_ERROR"
    payer = await customer_account(bank, funded=5_000)
    payee = await customer_account(bank)
    plain = await send(bank, payer, payee, 100)
    with pytest.raises(CoreError) as caught:
        await bank.payments.reviews.approve(plain.id, STAFF, "r-2")
    assert caught.value.code == "PAYMENT_NOT_PENDING"
    assert (await bank.payments.transfers.get(held.id)).status is PaymentStatus.PENDING_REVIEW


async def test_an_undecided_review_expires_and_the_money_is_released(
    bank: Bank, clock: MutableClock
) -> None:
    payer, _, payment = await held_transfer(bank)
    clock.advance(hours=71)
    await run_periodic(bank, "payments.expire_reviews")
    assert (await bank.payments.transfers.get(payment.id)).status is PaymentStatus.PENDING_REVIEW
    clock.advance(hours=1)
    await run_periodic(bank, "payments.expire_reviews")
    expired = await bank.payments.transfers.get(payment.id)
    assert (expired.status, expired.decision) == (PaymentStatus.REJECTED, Decision.EXPIRED)
    assert expired.reviewed_by == str(SYSTEM)
    assert await available(bank, payer.id) == 1_000_000
    (event,) = await outbox(bank, "transfer.rejected")
    assert event["reason"] == "expired"


async def test_approval_waits_while_transfers_are_switched_off_but_rejection_does_not(
    bank: Bank,
) -> None:
    _, _, first = await held_transfer(bank)
    _, _, second = await held_transfer(bank)
    await bank.payments.switches.disable(SwitchScope.TRANSFERS, "EUR", "Incident", STAFF)
    with pytest.raises(CoreError) as caught:
        await bank.payments.reviews.approve(first.id, STAFF, "sw-1")
    assert caught.value.code == "OPERATION_DISABLED"
    assert (await bank.payments.transfers.get(first.id)).status is PaymentStatus.PENDING_REVIEW
    rejected = await bank.payments.reviews.reject(second.id, STAFF, "sw-2", "incident")
    assert rejected.status is PaymentStatus.REJECTED


async def test_a_capture_the_ledger_refuses_fails_the_payment_and_releases_the_hold(
    bank: Bank,
) -> None:
    payer, payee, payment = await held_transfer(bank)
    await bank.accounts.freeze(payee.id, SYSTEM, "court order")
    failed = await bank.payments.reviews.approve(payment.id, STAFF, "frozen-1")
    assert (failed.status, failed.failure_code) == (PaymentStatus.FAILED, "ACCOUNT_FROZEN")
    assert payment.hold_id is not None
    assert (await bank.ledger.hold(payment.hold_id)).status is HoldStatus.VOIDED
    assert await available(bank, payer.id) == 1_000_000
    assert payer.customer_id is not None
    assert (await bank.payments.limits.status(payer.customer_id, "EUR")).daily_used == 0
    (event,) = await outbox(bank, "transfer.failed")
    assert event["code"] == "ACCOUNT_FROZEN"
    assert (await bank.verify_ledger()).ok


# -- the rules on real payments -------------------------------------------------------------


async def test_a_known_recipient_is_not_new(bank: Bank) -> None:
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    await send(bank, payer, payee, 100)
    large = await send(bank, payer, payee, LARGE)
    assert [r["rule"] for r in large.risk_reasons] == ["large_amount"]
    assert large.status is PaymentStatus.COMPLETED


async def test_many_transfers_in_an_hour_score_velocity(bank: Bank, clock: MutableClock) -> None:
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    for _ in range(5):
        quiet = await send(bank, payer, payee, 1_000)
        assert quiet.risk_reasons == ()
        clock.advance(minutes=5)
    sixth = await send(bank, payer, payee, 1_000)
    assert [r["rule"] for r in sixth.risk_reasons] == ["velocity_count"]
    assert sixth.risk_reasons[0]["detail"] == "6 in 60 min"
    clock.advance(minutes=50)  # the first three leave the window
    assert (await send(bank, payer, payee, 1_000)).risk_reasons == ()


async def test_large_transfers_at_night_in_the_bank_s_time_zone_score(
    bank: Bank, clock: MutableClock
) -> None:
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    await send(bank, payer, payee, 100)  # a known recipient
    clock.current = datetime(2026, 3, 3, 4, 30, tzinfo=UTC)  # 05:30 in Prague
    night = await send(bank, payer, payee, 150_000)
    assert [r["rule"] for r in night.risk_reasons] == ["night"]
    assert night.risk_reasons[0]["detail"] == "at 05:30"
    clock.current = datetime(2026, 3, 3, 5, 30, tzinfo=UTC)  # 06:30 in Prague
    assert (await send(bank, payer, payee, 150_000)).risk_reasons == ()


async def test_the_first_transfer_after_a_contact_change_scores(
    bank: Bank, clock: MutableClock
) -> None:
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    assert payer.customer_id is not None
    await send(bank, payer, payee, 100)
    event = Event(
        1,
        "customer.contact_changed",
        str(payer.customer_id),
        {"customer_id": str(payer.customer_id)},
        clock.now(),
    )
    (subscriber,) = [s for s in bank.jobs().subscribers if s.name.startswith("payments.")]
    assert "customer.contact_changed" in subscriber.types
    await subscriber.handler(event)
    await subscriber.handler(event)  # delivered twice: remembered once
    clock.advance(hours=2)
    first = await send(bank, payer, payee, 100)
    assert [r["rule"] for r in first.risk_reasons] == ["contact_change"]
    assert first.risk_reasons[0]["detail"] == "2 h after"
    assert [r["rule"] for r in (await send(bank, payer, payee, 100)).risk_reasons] == []
    assert len(await audited(bank, "note_contact_change")) == 1


async def test_staff_tune_the_rules_as_data_and_a_bad_config_changes_nothing(
    bank: Bank,
) -> None:
    risk = bank.payments.risk
    assert (await risk.config()) == (DEFAULT_RISK, RuleSource.DEFAULT)
    stricter: dict[str, Any] = {**DEFAULT_RISK.model_dump(mode="json"), "threshold": 40}
    await risk.set_config_data(stricter, STAFF)
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    await send(bank, payer, payee, 100)
    held = await send(bank, payer, payee, 200_000)  # large amount alone now reaches 40
    assert held.status is PaymentStatus.PENDING_REVIEW
    with pytest.raises(CoreError) as caught:
        await risk.set_config_data({**stricter, "threshold": -1}, STAFF)
    assert caught.value.data["field"] == "threshold"
    assert (await risk.config())[0].threshold == 40
    await risk.reset_config(STAFF)
    assert (await risk.config())[1] is RuleSource.DEFAULT
    outcomes = [a[2] for a in await audited(bank, "set_risk_rules")]
    assert outcomes == ["ok", "rejected:VALIDATION_ERROR"]


async def test_other_areas_assess_a_payment_without_a_recipient(bank: Bank) -> None:
    payer = await customer_account(bank)
    assert payer.customer_id is not None
    result = await bank.payments.risk.assess(payer.customer_id, 250_000, "EUR")
    assert [r.rule for r in result.reasons] == ["large_amount"]
    assert not result.held


async def test_an_approval_cut_off_mid_way_is_carried_out_by_its_retry(
    bank: Bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, payee, payment = await held_transfer(bank)
    real = bank.ledger.post_entry

    async def crash(*_: Any, **__: Any) -> Any:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(bank.ledger, "post_entry", crash)
    with pytest.raises(ConnectionResetError):
        await bank.payments.reviews.approve(payment.id, STAFF, "cut")
    stuck = await bank.payments.transfers.get(payment.id)
    assert (stuck.status, stuck.decision) == (PaymentStatus.PROCESSING, Decision.APPROVED)
    monkeypatch.setattr(bank.ledger, "post_entry", real)
    done = await bank.payments.reviews.approve(payment.id, STAFF, "cut")
    assert done.status is PaymentStatus.COMPLETED
    assert await ledger_balance(bank, payee.id) == LARGE
    assert len(await outbox(bank, "transfer.completed")) == 1


async def test_a_real_contact_change_reaches_the_risk_rules_through_the_outbox(
    bank: Bank, clock: MutableClock
) -> None:
    payer = await customer_account(bank, funded=1_000_000)
    payee = await customer_account(bank)
    assert payer.customer_id is not None
    await send(bank, payer, payee, 100)
    await bank.customers.change_contact(payer.customer_id, SYSTEM, email="new@example.cz")
    await JobRunner(bank.db, clock, bank.jobs()).run_until_idle()
    clock.advance(minutes=30)
    first = await send(bank, payer, payee, 100)
    assert [r["rule"] for r in first.risk_reasons] == ["contact_change"]
