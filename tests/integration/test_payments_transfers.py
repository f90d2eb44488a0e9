"""Transfers to another Teller customer: preview, send, fees in the same entry, recipients,
idempotency, refusals; on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from uuid import UUID, uuid4

import pytest
from sqlalchemy import func, select

from core.accounts.service import AccountView
from core.actors import SYSTEM
from core.bank import Bank
from core.errors import CoreError
from core.ledger.errors import IdempotencyConflict, InsufficientFunds
from core.ledger.model import BankPurpose
from core.payments.errors import FeeChanged
from core.payments.fees import FeeRule
from core.payments.model import Operation, PaymentStatus, RecipientKind, SwitchScope
from core.payments.recipients import Recipient, RecipientRef
from core.payments.tables import payments
from tests.fakes import MutableClock
from tests.integration.payments_helpers import (
    CLIENT,
    STAFF,
    audited,
    available,
    customer_account,
    ledger_balance,
    outbox,
    request,
    run_periodic,
    send,
    to_account,
    to_phone,
)


async def with_fee(bank: Bank, **rule: Any) -> None:
    await bank.payments.fees.set_rule(FeeRule(Operation.TRANSFER_INTERNAL, "EUR", **rule), STAFF)


async def fee_income(bank: Bank) -> int:
    return await ledger_balance(
        bank, await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    )


async def payment_count(bank: Bank) -> int:
    async with bank.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(payments))).scalar_one())


# -- preview ------------------------------------------------------------------------------


async def test_the_preview_shows_amount_fee_total_and_a_masked_recipient(bank: Bank) -> None:
    await with_fee(bank, fixed=20, percent_bp=50)
    payer = await customer_account(bank, "Olga Kovalenko", funded=50_000)
    payee = await customer_account(bank, "Ivan Petrov", phone="+420 601 555 111")
    for ref in (to_account(payee), to_phone("+420601555111")):
        preview = await bank.payments.transfers.preview(request(payer, ref, 10_000))
        assert (preview.quote.amount, preview.quote.fee, preview.quote.total) == (
            10_000,
            70,
            10_070,
        )
        assert preview.recipient.display_name == "Ivan P."
        assert preview.recipient.account_last4 == payee.number[-4:]
        assert preview.recipient.kind == ref.kind
        assert preview.limits.remaining == 500_000
    assert await payment_count(bank) == 0
    assert await available(bank, payer.id) == 50_000


# -- sending ------------------------------------------------------------------------------


async def test_a_transfer_posts_the_amount_and_its_fee_in_one_entry(bank: Bank) -> None:
    await with_fee(bank, fixed=30)
    payer = await customer_account(bank, "Olga Kovalenko", funded=10_000)
    payee = await customer_account(bank, "Ivan Petrov")
    payment = await send(bank, payer, payee, 2_500, description="Rent share", expected_fee=30)
    assert payment.status is PaymentStatus.COMPLETED
    assert (payment.amount, payment.fee, payment.total) == (2_500, 30, 2_530)
    assert (payment.recipient_name, payment.recipient_account_last4) == (
        "Ivan P.",
        payee.number[-4:],
    )
    assert payment.entry_id is not None
    entry = await bank.ledger.entry(payment.entry_id)
    income = await bank.ledger.bank_account(BankPurpose.FEE_INCOME, "EUR")
    assert [(p.account_id, p.amount) for p in entry.postings] == [
        (payer.id, -2_530),
        (payee.id, 2_500),
        (income, 30),
    ]
    assert entry.description == "Rent share"
    assert await ledger_balance(bank, payer.id) == 7_470
    assert await ledger_balance(bank, payee.id) == 2_500
    assert await fee_income(bank) == 30
    (event,) = await outbox(bank, "transfer.completed")
    assert event["entry_id"] == str(entry.id)
    assert event["customer_id"] == str(payer.customer_id)
    assert (event["amount"], event["currency"], event["fee"]) == (2_500, "EUR", 30)
    assert event["recipient_customer_id"] == str(payee.customer_id)
    assert await audited(bank, "create_transfer") == [(str(CLIENT), f"payment:{payment.id}", "ok")]
    assert (await bank.verify_ledger()).ok


async def test_a_free_transfer_has_no_fee_leg(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    payment = await send(bank, payer, payee, 1_000)
    assert payment.fee == 0
    assert payment.entry_id is not None
    assert len((await bank.ledger.entry(payment.entry_id)).postings) == 2


async def test_by_phone_the_money_reaches_the_recipient_s_account_in_its_currency(
    bank: Bank,
) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee_czk = await customer_account(bank, "Petra Malá", currency="CZK", phone="+420777000111")
    assert payee_czk.customer_id is not None
    payee_eur = await bank.accounts.open(payee_czk.customer_id, "EUR", SYSTEM)
    ref = to_phone("+420 777 000 111")
    payment = await bank.payments.transfers.send(request(payer, ref, 700), CLIENT, "k1")
    assert payment.destination_account_id == payee_eur.id
    assert payment.recipient_kind == "phone"
    assert await ledger_balance(bank, payee_eur.id) == 700


async def test_the_same_key_sends_once_and_another_request_with_it_conflicts(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    first = await send(bank, payer, payee, 1_000, key="tap-1")
    again = await send(bank, payer, payee, 1_000, key="tap-1")
    assert again.id == first.id
    assert again.entry_id == first.entry_id
    assert await ledger_balance(bank, payee.id) == 1_000
    with pytest.raises(IdempotencyConflict):
        await send(bank, payer, payee, 1_001, key="tap-1")
    assert await payment_count(bank) == 1
    assert len(await outbox(bank, "transfer.completed")) == 1


async def test_a_refused_transfer_fails_releases_its_limit_and_frees_the_key(bank: Bank) -> None:
    payer = await customer_account(bank, funded=1_000)
    payee = await customer_account(bank)
    with pytest.raises(InsufficientFunds):
        await send(bank, payer, payee, 5_000, key="try")
    (failed,) = await bank.payments.transfers.list(customer_id=payer.customer_id)
    assert (failed.status, failed.failure_code) == (PaymentStatus.FAILED, "INSUFFICIENT_FUNDS")
    (event,) = await outbox(bank, "transfer.failed")
    assert event["code"] == "INSUFFICIENT_FUNDS"
    assert payer.customer_id is not None
    assert (await bank.payments.limits.status(payer.customer_id, "EUR")).daily_used == 0
    # After a top-up the same key sends the same request.
    await customer_topup(bank, payer, 10_000)
    done = await send(bank, payer, payee, 5_000, key="try")
    assert done.status is PaymentStatus.COMPLETED
    assert done.id != failed.id
    assert await ledger_balance(bank, payee.id) == 5_000
    assert (await bank.verify_ledger()).ok


async def customer_topup(bank: Bank, account: AccountView, amount: int) -> None:
    from core.ledger.commands import Deposit

    await bank.ledger.deposit(Deposit(uuid4().hex, account.id, amount, "EUR"), SYSTEM)


async def test_a_changed_fee_is_refused_until_the_payer_sees_the_new_quote(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    await with_fee(bank, fixed=10)
    with pytest.raises(FeeChanged) as caught:
        await send(bank, payer, payee, 1_000, expected_fee=0)
    assert caught.value.data == {"expected": 0, "fee": 10, "currency": "EUR"}
    assert await payment_count(bank) == 0


async def test_a_switch_stops_transfers_in_its_currency(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    await bank.payments.switches.disable(SwitchScope.TRANSFERS, "EUR", "Maintenance", STAFF)
    with pytest.raises(CoreError) as caught:
        await bank.payments.transfers.preview(request(payer, to_account(payee), 100))
    assert caught.value.code == "OPERATION_DISABLED"
    with pytest.raises(CoreError) as caught:
        await send(bank, payer, payee, 100)
    assert caught.value.code == "OPERATION_DISABLED"
    assert await payment_count(bank) == 0
    assert [a[2] for a in await audited(bank, "create_transfer")] == [
        "rejected:OPERATION_DISABLED"
    ]


async def test_the_limit_refuses_a_transfer_that_does_not_fit(bank: Bank) -> None:
    payer = await customer_account(bank, funded=50_000, verified=False)
    payee = await customer_account(bank)
    await send(bank, payer, payee, 8_000)
    with pytest.raises(CoreError) as caught:
        await send(bank, payer, payee, 2_001)
    assert caught.value.code == "LIMIT_EXCEEDED"
    assert caught.value.data["remaining"] == 2_000
    await send(bank, payer, payee, 2_000)
    assert await ledger_balance(bank, payee.id) == 10_000
    assert await payment_count(bank) == 2


# -- bad input changes nothing ------------------------------------------------------------

Case = Callable[[Bank, AccountView, AccountView], Awaitable[Any]]


async def _frozen_recipient(bank: Bank, payer: AccountView, payee: AccountView) -> Any:
    await bank.accounts.freeze(payee.id, SYSTEM, "investigation")
    return request(payer, to_account(payee), 100)


async def _czk_recipient(bank: Bank, payer: AccountView, _: AccountView) -> Any:
    other = await customer_account(bank, currency="CZK")
    return request(payer, to_account(other), 100)


async def _bank_source(bank: Bank, _: AccountView, payee: AccountView) -> Any:
    settlement = await bank.ledger.bank_account(BankPurpose.SETTLEMENT, "EUR")
    account = await bank.accounts.get(settlement)
    return request(account, to_account(payee), 100)


async def _own_account(bank: Bank, payer: AccountView, _: AccountView) -> Any:
    assert payer.customer_id is not None
    mine = await bank.accounts.open(payer.customer_id, "EUR", SYSTEM)
    return request(payer, to_account(mine), 100)


async def _no_eur_account(bank: Bank, payer: AccountView, _: AccountView) -> Any:
    await customer_account(bank, currency="CZK", phone="+420600999888")
    return request(payer, to_phone("+420600999888"), 100)


def _plain(**changes: Any) -> Case:
    async def build(bank: Bank, payer: AccountView, payee: AccountView) -> Any:
        fields = {"recipient": to_account(payee), "amount": 100, **changes}
        return request(payer, fields.pop("recipient"), fields.pop("amount"), **fields)

    return build


BAD: dict[str, tuple[Case, str]] = {
    "unknown kind": (_plain(recipient=RecipientRef("email", "x@example.com")), "VALIDATION_ERROR"),
    "bad IBAN": (_plain(recipient=RecipientRef("account", "CZ00 1234")), "VALIDATION_ERROR"),
    "unknown IBAN": (
        _plain(recipient=RecipientRef("account", "CZ6508000000192000145399")),
        "RECIPIENT_NOT_FOUND",
    ),
    "empty recipient": (_plain(recipient=RecipientRef("phone", " ")), "VALIDATION_ERROR"),
    "bad phone": (_plain(recipient=to_phone("12")), "VALIDATION_ERROR"),
    "unknown phone": (_plain(recipient=to_phone("+420 602 000 000")), "RECIPIENT_NOT_FOUND"),
    "no account in currency": (_no_eur_account, "RECIPIENT_NO_ACCOUNT"),
    "to oneself": (_own_account, "RECIPIENT_IS_PAYER"),
    "from a bank account": (_bank_source, "SOURCE_ACCOUNT_NOT_ALLOWED"),
    "source currency": (_plain(currency="CZK"), "CURRENCY_MISMATCH"),
    "recipient currency": (_czk_recipient, "CURRENCY_MISMATCH"),
    "frozen recipient": (_frozen_recipient, "ACCOUNT_FROZEN"),
    "zero": (_plain(amount=0), "VALIDATION_ERROR"),
    "negative": (_plain(amount=-5), "VALIDATION_ERROR"),
    "empty description": (_plain(description="  "), "VALIDATION_ERROR"),
    "unknown currency": (_plain(currency="ABC"), "UNKNOWN_CURRENCY"),
    "negative expected fee": (_plain(expected_fee=-1), "VALIDATION_ERROR"),
}


@pytest.mark.parametrize("case", list(BAD))
async def test_bad_input_is_refused_with_its_code_and_changes_nothing(
    bank: Bank, case: str
) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    build, code = BAD[case]
    req = await build(bank, payer, payee)
    with pytest.raises(CoreError) as caught:
        await bank.payments.transfers.send(req, CLIENT, "bad-1")
    assert caught.value.code == code
    assert "+420" not in repr(caught.value.data)  # what the payer typed never comes back
    assert await payment_count(bank) == 0
    assert await ledger_balance(bank, payer.id) == 10_000
    assert (await audited(bank, "create_transfer"))[-1][2] == f"rejected:{code}"


async def test_a_bad_idempotency_key_is_refused(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    with pytest.raises(CoreError) as caught:
        await send(bank, payer, payee, 100, key=" padded ")
    assert caught.value.code == "VALIDATION_ERROR"


# -- recipients plug in; crashes are recovered ------------------------------------------


class FakeCardResolver:
    """Stands in for the cards area's resolver: a card number names an account."""

    kind = RecipientKind.CARD.value

    def __init__(self, cards: dict[str, Recipient]) -> None:
        self.cards = cards

    async def resolve(self, value: str, currency: str) -> Recipient:
        from core.payments.errors import RecipientNotFound

        found = self.cards.get(value)
        if found is None or found.currency != currency:
            raise RecipientNotFound()
        return found


async def test_a_third_resolver_plugs_in_for_card_numbers(bank: Bank) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank, "Ivan Petrov")
    assert payee.customer_id is not None
    card = Recipient("card", payee.customer_id, payee.id, "EUR", "Ivan P.", "4242")
    bank.payments.recipients.register(FakeCardResolver({"4111111111114242": card}))
    ref = RecipientRef("card", "4111111111114242")
    preview = await bank.payments.transfers.preview(request(payer, ref, 500))
    assert (preview.recipient.display_name, preview.recipient.account_last4) == ("Ivan P.", "4242")
    payment = await bank.payments.transfers.send(request(payer, ref, 500), CLIENT, "card-1")
    assert (payment.recipient_kind, payment.recipient_account_last4) == ("card", "4242")
    assert await ledger_balance(bank, payee.id) == 500
    assert "4111" not in repr(ref)


async def test_a_transfer_cut_off_mid_way_is_finished_by_a_retry_or_the_sweep(
    bank: Bank, clock: MutableClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    real = bank.ledger.post_entry

    async def crash(*_: Any, **__: Any) -> Any:
        raise ConnectionResetError("the database went away")

    monkeypatch.setattr(bank.ledger, "post_entry", crash)
    for key in ("cut-1", "cut-2"):
        with pytest.raises(ConnectionResetError):
            await send(bank, payer, payee, 1_000, key=key)
    stuck = await bank.payments.transfers.list(status=PaymentStatus.PROCESSING)
    assert len(stuck) == 2
    monkeypatch.setattr(bank.ledger, "post_entry", real)
    # The client retries the first with its key; the sweep finds the second.
    retried = await send(bank, payer, payee, 1_000, key="cut-1")
    assert retried.status is PaymentStatus.COMPLETED
    clock.advance(minutes=2)
    await run_periodic(bank, "payments.recover")
    swept = await bank.payments.transfers.get(
        stuck[0].id if stuck[0].id != retried.id else stuck[1].id
    )
    assert swept.status is PaymentStatus.COMPLETED
    assert await ledger_balance(bank, payee.id) == 2_000
    assert len(await outbox(bank, "transfer.completed")) == 2
    assert (await bank.verify_ledger()).ok


async def test_payments_are_listed_newest_first_by_payer_and_status(
    bank: Bank, clock: MutableClock
) -> None:
    payer = await customer_account(bank, funded=10_000)
    payee = await customer_account(bank)
    first = await send(bank, payer, payee, 100)
    clock.advance(seconds=1)
    second = await send(bank, payer, payee, 200)
    listed = await bank.payments.transfers.list(customer_id=payer.customer_id)
    assert [p.id for p in listed] == [second.id, first.id]
    assert await bank.payments.transfers.list(status=PaymentStatus.PENDING_REVIEW) == []
    assert await bank.payments.transfers.list(customer_id=payee.customer_id) == []
    with pytest.raises(CoreError) as caught:
        await bank.payments.transfers.get(UUID(int=0))
    assert caught.value.code == "PAYMENT_NOT_FOUND"
