"""Money requests: asked by phone or account, paid through the transfer path (fees,
limits, risk), declined, cancelled or expired; both sides told. SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest

from core.accounts.service import AccountView
from core.actors import SYSTEM
from core.bank import Bank
from core.errors import CoreError
from core.ledger.commands import Deposit
from core.ledger.errors import InsufficientFunds
from core.ledger.model import BankPurpose
from core.payments.fees import FeeRule
from core.payments.model import MoneyRequestStatus, Operation, PaymentStatus
from core.payments.recipients import RecipientRef
from core.payments.requests import MoneyRequestView
from tests.fakes import MutableClock
from tests.integration.payments_helpers import (
    CLIENT,
    STAFF,
    audited,
    customer_account,
    ledger_balance,
    outbox,
    run_periodic,
    to_account,
    to_phone,
)

PAYER_PHONE = "+420 605 111 222"


async def ask(
    bank: Bank, amount: int = 2_000, *, payer_funds: int = 10_000, note: str | None = "Pizza"
) -> tuple[AccountView, AccountView, MoneyRequestView]:
    requester = await customer_account(bank, "Ivan Petrov")
    payer = await customer_account(bank, "Olga Kovalenko", funded=payer_funds, phone=PAYER_PHONE)
    request = await bank.payments.requests.create(
        requester.id, to_phone(PAYER_PHONE), amount, "EUR", note, CLIENT
    )
    return requester, payer, request


async def test_a_request_by_phone_is_paid_through_the_transfer_path(bank: Bank) -> None:
    await bank.payments.fees.set_rule(FeeRule(Operation.TRANSFER_INTERNAL, "EUR", fixed=15), STAFF)
    requester, payer, request = await ask(bank)
    assert (request.status, request.amount, request.note) == (
        MoneyRequestStatus.PENDING,
        2_000,
        "Pizza",
    )
    assert (request.requester_name, request.payer_name) == ("Ivan P.", "Olga K.")
    assert request.payer_customer_id == payer.customer_id
    (created,) = await outbox(bank, "money_request.created")
    assert created == {
        "request_id": str(request.id),
        "requester_customer_id": str(requester.customer_id),
        "payer_customer_id": str(payer.customer_id),
        "amount": 2_000,
        "currency": "EUR",
    }
    payment = await bank.payments.requests.accept(
        request.id, payer.id, CLIENT, "pay-1", expected_fee=15
    )
    assert (payment.status, payment.fee, payment.money_request_id) == (
        PaymentStatus.COMPLETED,
        15,
        request.id,
    )
    assert payment.destination_account_id == requester.id
    assert await ledger_balance(bank, requester.id) == 2_000
    assert await ledger_balance(bank, payer.id) == 10_000 - 2_015
    fee_income = await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    assert await ledger_balance(bank, fee_income) == 15
    paid = await bank.payments.requests.get(request.id)
    assert (paid.status, paid.payment_id) == (MoneyRequestStatus.PAID, payment.id)
    (event,) = await outbox(bank, "money_request.paid")
    assert (event["payment_id"], event["requester_customer_id"]) == (
        str(payment.id),
        str(requester.customer_id),
    )
    assert len(await outbox(bank, "transfer.completed")) == 1
    # The same tap again: the same payment; another attempt: the request is closed.
    again = await bank.payments.requests.accept(
        request.id, payer.id, CLIENT, "pay-1", expected_fee=15
    )
    assert again.id == payment.id
    with pytest.raises(CoreError) as caught:
        await bank.payments.requests.accept(request.id, payer.id, CLIENT, "pay-2")
    assert (caught.value.code, caught.value.data["status"]) == (
        "MONEY_REQUEST_NOT_PENDING",
        "paid",
    )
    assert await ledger_balance(bank, requester.id) == 2_000
    assert (await bank.verify_ledger()).ok


async def test_a_request_by_account_number_works_the_same(bank: Bank) -> None:
    requester = await customer_account(bank)
    payer = await customer_account(bank, funded=5_000)
    request = await bank.payments.requests.create(
        requester.id, to_account(payer), 700, "EUR", None, CLIENT
    )
    assert request.note is None
    await bank.payments.requests.accept(request.id, payer.id, CLIENT, "k")
    assert await ledger_balance(bank, requester.id) == 700


async def test_the_payer_declines_and_the_requester_cancels(bank: Bank) -> None:
    requester, payer, first = await ask(bank)
    assert payer.customer_id is not None
    assert requester.customer_id is not None
    requests = bank.payments.requests
    with pytest.raises(CoreError) as caught:  # only the payer may decline
        await requests.decline(first.id, requester.customer_id, CLIENT)
    assert caught.value.code == "MONEY_REQUEST_NOT_FOUND"
    declined = await requests.decline(first.id, payer.customer_id, CLIENT)
    assert declined.status is MoneyRequestStatus.DECLINED
    with pytest.raises(CoreError) as caught:
        await requests.accept(first.id, payer.id, CLIENT, "late")
    assert caught.value.code == "MONEY_REQUEST_NOT_PENDING"
    second = await requests.create(requester.id, to_phone(PAYER_PHONE), 100, "EUR", None, CLIENT)
    with pytest.raises(CoreError):
        await requests.cancel(second.id, payer.customer_id, CLIENT)
    cancelled = await requests.cancel(second.id, requester.customer_id, CLIENT)
    assert cancelled.status is MoneyRequestStatus.CANCELLED
    with pytest.raises(CoreError) as caught:
        await requests.cancel(second.id, requester.customer_id, CLIENT)
    assert caught.value.code == "MONEY_REQUEST_NOT_PENDING"
    for kind in ("declined", "cancelled"):
        (event,) = await outbox(bank, f"money_request.{kind}")
        assert event["payer_customer_id"] == str(payer.customer_id)
    assert await ledger_balance(bank, requester.id) == 0
    outcomes = [a[2] for a in await audited(bank, "decline_money_request")]
    assert outcomes == ["rejected:MONEY_REQUEST_NOT_FOUND", "ok"]


async def test_an_unanswered_request_expires(bank: Bank, clock: MutableClock) -> None:
    _, payer, request = await ask(bank)
    clock.advance(days=7)
    with pytest.raises(CoreError) as caught:  # expired even before the sweep runs
        await bank.payments.requests.accept(request.id, payer.id, CLIENT, "slow")
    assert caught.value.data["status"] == "expired"
    await run_periodic(bank, "payments.expire_money_requests")
    assert (await bank.payments.requests.get(request.id)).status is MoneyRequestStatus.EXPIRED
    assert len(await outbox(bank, "money_request.expired")) == 1
    await run_periodic(bank, "payments.expire_money_requests")
    assert len(await outbox(bank, "money_request.expired")) == 1


async def test_a_payment_that_fails_leaves_the_request_open(bank: Bank) -> None:
    requester, payer, request = await ask(bank, 2_000, payer_funds=500)
    with pytest.raises(InsufficientFunds):
        await bank.payments.requests.accept(request.id, payer.id, CLIENT, "pay")
    still = await bank.payments.requests.get(request.id)
    assert (still.status, still.payment_id) == (MoneyRequestStatus.PENDING, None)
    await bank.ledger.deposit(Deposit(uuid4().hex, payer.id, 5_000, "EUR"), SYSTEM)
    paid = await bank.payments.requests.accept(request.id, payer.id, CLIENT, "pay")
    assert paid.status is PaymentStatus.COMPLETED
    assert await ledger_balance(bank, requester.id) == 2_000


async def test_a_held_payment_pays_the_request_once_approved_or_reopens_it(bank: Bank) -> None:
    _, payer, request = await ask(bank, 250_000, payer_funds=1_000_000)
    held = await bank.payments.requests.accept(request.id, payer.id, CLIENT, "big")
    assert held.status is PaymentStatus.PENDING_REVIEW
    assert (await bank.payments.requests.get(request.id)).status is MoneyRequestStatus.ACCEPTED
    await bank.payments.reviews.reject(held.id, STAFF, "r", "unusual")
    reopened = await bank.payments.requests.get(request.id)
    assert (reopened.status, reopened.payment_id) == (MoneyRequestStatus.PENDING, None)
    again = await bank.payments.requests.accept(request.id, payer.id, CLIENT, "big-2")
    await bank.payments.reviews.approve(again.id, STAFF, "a", "confirmed by phone")
    assert (await bank.payments.requests.get(request.id)).status is MoneyRequestStatus.PAID


async def test_requests_are_listed_for_each_side(bank: Bank, clock: MutableClock) -> None:
    requester, payer, first = await ask(bank)
    clock.advance(seconds=1)
    second = await bank.payments.requests.create(
        requester.id, to_phone(PAYER_PHONE), 300, "EUR", None, CLIENT
    )
    requests = bank.payments.requests
    assert payer.customer_id is not None
    assert requester.customer_id is not None
    asked_of = await requests.for_customer(payer.customer_id, role="payer")
    assert [r.id for r in asked_of] == [second.id, first.id]
    assert await requests.for_customer(payer.customer_id, role="requester") == []
    assert len(await requests.for_customer(requester.customer_id)) == 2
    await requests.decline(first.id, payer.customer_id, CLIENT)
    pending = await requests.for_customer(payer.customer_id, status=MoneyRequestStatus.PENDING)
    assert [r.id for r in pending] == [second.id]


async def test_a_key_creates_a_request_once(bank: Bank) -> None:
    requester = await customer_account(bank)
    await customer_account(bank, phone=PAYER_PHONE)
    create = bank.payments.requests.create
    first = await create(
        requester.id, to_phone(PAYER_PHONE), 100, "EUR", "a", CLIENT, idempotency_key="r1"
    )
    again = await create(
        requester.id, to_phone(PAYER_PHONE), 100, "EUR", "a", CLIENT, idempotency_key="r1"
    )
    assert again.id == first.id
    with pytest.raises(CoreError) as caught:
        await create(
            requester.id, to_phone(PAYER_PHONE), 101, "EUR", "a", CLIENT, idempotency_key="r1"
        )
    assert caught.value.code == "IDEMPOTENCY_CONFLICT"
    assert len(await outbox(bank, "money_request.created")) == 1


async def _bank_requester(bank: Bank, _: AccountView, __: AccountView) -> dict[str, Any]:
    return {"account": await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")}


async def _self(_: Bank, requester: AccountView, __: AccountView) -> dict[str, Any]:
    return {"payer": to_account(requester)}


def _with(**fields: Any) -> Any:
    async def build(_: Bank, __: AccountView, ___: AccountView) -> dict[str, Any]:
        return fields

    return build


BAD_REQUESTS = {
    "unknown requester account": (_with(account=uuid4()), "RECIPIENT_NOT_FOUND"),
    "bank account": (_bank_requester, "RECIPIENT_NOT_FOUND"),
    "asking oneself": (_self, "RECIPIENT_IS_PAYER"),
    "unknown payer": (_with(payer=to_phone("+420 699 000 000")), "RECIPIENT_NOT_FOUND"),
    "unknown kind": (_with(payer=RecipientRef("pigeon", "x")), "VALIDATION_ERROR"),
    "zero": (_with(amount=0), "VALIDATION_ERROR"),
    "other currency": (_with(currency="CZK"), "CURRENCY_MISMATCH"),
    "long note": (_with(note="x" * 141), "VALIDATION_ERROR"),
    "empty note": (_with(note="  "), "VALIDATION_ERROR"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
async def test_a_bad_request_is_refused_and_changes_nothing(bank: Bank, case: str) -> None:
    requester = await customer_account(bank)
    payer = await customer_account(bank, phone=PAYER_PHONE)
    build, code = BAD_REQUESTS[case]
    args: dict[str, Any] = {
        "account": requester.id,
        "payer": to_phone(PAYER_PHONE),
        "amount": 100,
        "currency": "EUR",
        "note": None,
        **await build(bank, requester, payer),
    }
    with pytest.raises(CoreError) as caught:
        await bank.payments.requests.create(
            args["account"], args["payer"], args["amount"], args["currency"], args["note"], CLIENT
        )
    assert caught.value.code == code
    assert await outbox(bank, "money_request.created") == []
    assert (await audited(bank, "request_money"))[-1][2] == f"rejected:{code}"


async def test_only_the_payer_s_own_account_pays(bank: Bank) -> None:
    requester, _, request = await ask(bank)
    stranger = await customer_account(bank, funded=10_000)
    with pytest.raises(CoreError) as caught:
        await bank.payments.requests.accept(request.id, stranger.id, CLIENT, "x")
    assert caught.value.code == "SOURCE_ACCOUNT_NOT_ALLOWED"
    with pytest.raises(CoreError) as caught:
        await bank.payments.requests.accept(uuid4(), stranger.id, CLIENT, "y")
    assert caught.value.code == "MONEY_REQUEST_NOT_FOUND"
    assert (await bank.payments.requests.get(request.id)).status is MoneyRequestStatus.PENDING
    assert await ledger_balance(bank, requester.id) == 0


async def test_key_rotation_reencrypts_payees_and_notes(bank: Bank, clock: MutableClock) -> None:
    import base64

    from sqlalchemy import select

    from core.crypto import Keyring
    from core.payments.tables import money_requests, payments
    from tests.conftest import CURRENCIES, INDEX_KEY, KEY_SPEC

    requester, payer, request = await ask(bank, note="Concert tickets")
    paid = await bank.payments.requests.accept(request.id, payer.id, CLIENT, "rot")
    new_spec = "test2:" + base64.b64encode(b"n" * 32).decode() + "," + KEY_SPEC
    rotated = Bank.build(bank.db, Keyring.parse_spec(new_spec, INDEX_KEY), CURRENCIES, clock=clock)
    assert await rotated.payments.rotate_encryption(SYSTEM) == 2
    assert await rotated.payments.rotate_encryption(SYSTEM) == 0
    async with bank.db.read() as conn:
        label = (await conn.execute(select(payments.c.recipient_label_enc))).scalar_one()
        note = (await conn.execute(select(money_requests.c.note_enc))).scalar_one()
    assert label.startswith("v1.test2.")
    assert note.startswith("v1.test2.")
    assert (await rotated.payments.requests.get(request.id)).note == "Concert tickets"
    reread = await rotated.payments.transfers.get(paid.id)
    assert (reread.recipient_name, reread.recipient_account_last4) == (
        "Ivan P.",
        requester.number[-4:],
    )
