"""The payments part of ``BankAPI``: ``LocalBank`` and ``HttpBank`` give the same values
and the same errors (class and code), on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from core.actors import Actor, ActorKind
from core.bank import Bank
from core.payments.fees import FeeRule
from core.payments.model import Operation as CoreOperation
from core.payments.model import SwitchScope
from integrations.bank import (
    Account,
    Amount,
    BankAPI,
    Conflict,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidRequest,
    KycStatus,
    MoneyRequestRole,
    MoneyRequestStatus,
    NotFound,
    Operation,
    Recipient,
    RecipientKind,
    TransferStatus,
)
from tests.fakes import MutableClock

STAFF = Actor(ActorKind.STAFF, "contract-staff")
_phones = itertools.count(602_100_001)


def eur(minor: int) -> Amount:
    return Amount(minor, "EUR")


def key() -> str:
    return f"pay-{uuid4()}"


async def verified(api: BankAPI, name: str, *, funded: int = 0) -> tuple[str, Account]:
    """A verified customer's phone and EUR account holding ``funded``."""
    phone = f"+420{next(_phones)}"
    customer = await api.register_customer(name, "en", phone)
    await api.set_kyc_status(customer.id, KycStatus.VERIFIED)
    account = await api.open_account(customer.id, "EUR")
    if funded:
        await api.deposit(account.id, eur(funded), description="Top-up", idempotency_key=key())
    return phone, account


def by_phone(phone: str) -> Recipient:
    return Recipient(RecipientKind.PHONE, phone)


def by_account(account: Account) -> Recipient:
    return Recipient(RecipientKind.ACCOUNT, account.number)


async def test_fees_are_quoted_before_confirmation(bank_api: BankAPI, bank: Bank) -> None:
    quote = await bank_api.quote_fee(Operation.TRANSFER_CARD, eur(50_000))
    assert (quote.fee_minor, quote.total_minor, quote.fee) == (500, 50_500, eur(500))
    rule = FeeRule(CoreOperation.TRANSFER_INTERNAL, "EUR", fixed=20, percent_bp=100)
    await bank.payments.fees.set_rule(rule, STAFF)
    quote = await bank_api.quote_fee(Operation.TRANSFER_INTERNAL, eur(1_000))
    assert (quote.operation, quote.fee_minor, quote.total) == (
        Operation.TRANSFER_INTERNAL,
        30,
        eur(1_030),
    )
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.quote_fee(Operation.EXCHANGE, eur(0))
    assert caught.value.code == "NON_POSITIVE_AMOUNT"


async def test_a_transfer_by_phone_is_previewed_then_sent_once(
    bank_api: BankAPI, bank: Bank
) -> None:
    await bank.payments.fees.set_rule(
        FeeRule(CoreOperation.TRANSFER_INTERNAL, "EUR", fixed=25), STAFF
    )
    _, source = await verified(bank_api, "Olga Kovalenko", funded=10_000)
    phone, payee = await verified(bank_api, "Ivan Petrov")
    preview = await bank_api.preview_transfer(source.id, by_phone(phone), eur(2_000))
    assert (preview.amount_minor, preview.fee_minor, preview.total_minor) == (2_000, 25, 2_025)
    assert (preview.recipient.display_name, preview.recipient.account_last4) == (
        "Ivan P.",
        payee.number[-4:],
    )
    assert preview.limits.remaining_minor == 500_000
    k = key()
    sent = await bank_api.send_transfer(
        source.id,
        by_phone(phone),
        eur(2_000),
        description="Dinner",
        idempotency_key=k,
        expected_fee=preview.fee,
    )
    assert sent.status is TransferStatus.COMPLETED
    assert (sent.destination_account_id, sent.fee_minor, sent.total_minor) == (payee.id, 25, 2_025)
    assert sent.recipient.display_name == "Ivan P."
    again = await bank_api.send_transfer(
        source.id,
        by_phone(phone),
        eur(2_000),
        description="Dinner",
        idempotency_key=k,
        expected_fee=preview.fee,
    )
    assert again == sent
    assert await bank_api.get_transfer(sent.id) == sent
    assert (await bank_api.get_balance(payee.id)).ledger_minor == 2_000
    assert sent.entry_id is not None
    entry = await bank_api.get_entry(sent.entry_id)
    assert entry.posting_for(source.id).amount_minor == -2_025
    with pytest.raises(IdempotencyConflict):
        await bank_api.send_transfer(
            source.id, by_phone(phone), eur(2_001), description="Dinner", idempotency_key=k
        )
    assert (await bank.verify_ledger()).ok


async def test_refusals_have_the_same_class_and_code(bank_api: BankAPI, bank: Bank) -> None:
    _, source = await verified(bank_api, "Olga Kovalenko", funded=1_000)
    phone, payee = await verified(bank_api, "Ivan Petrov")
    cases: list[tuple[Recipient, Amount, type[Exception], str, dict[str, object]]] = [
        (by_phone("+420 699 999 999"), eur(100), NotFound, "RECIPIENT_NOT_FOUND", {}),
        (
            Recipient(RecipientKind.ACCOUNT, "CZ00"),
            eur(100),
            InvalidRequest,
            "VALIDATION_ERROR",
            {},
        ),
        (by_account(source), eur(100), InvalidRequest, "RECIPIENT_IS_PAYER", {}),
        (by_phone(phone), Amount(100, "CZK"), InvalidRequest, "CURRENCY_MISMATCH", {}),
        (by_phone(phone), eur(5_000), InsufficientFunds, "INSUFFICIENT_FUNDS", {}),
        (by_phone(phone), eur(100), Conflict, "FEE_CHANGED", {"expected_fee": eur(7)}),
        (
            by_phone(phone),
            eur(100),
            InvalidRequest,
            "CURRENCY_MISMATCH",
            {"expected_fee": Amount(0, "CZK")},
        ),
        (by_phone(phone), eur(-1), InvalidRequest, "NON_POSITIVE_AMOUNT", {}),
    ]
    for recipient, amount, error, code, extra in cases:
        with pytest.raises(error) as caught:
            await bank_api.send_transfer(
                source.id,
                recipient,
                amount,
                description="x",
                idempotency_key=key(),
                **extra,  # type: ignore[arg-type]
            )
        assert caught.value.code == code, (code, caught.value)  # type: ignore[attr-defined]
    with pytest.raises(InvalidRequest) as bad:
        await bank_api.send_transfer(
            source.id, by_phone(phone), eur(1), description=" ", idempotency_key=key()
        )
    assert bad.value.code == "VALIDATION_ERROR"
    with pytest.raises(InvalidRequest) as long_value:
        await bank_api.preview_transfer(
            source.id, Recipient(RecipientKind.PHONE, "9" * 65), eur(1)
        )
    assert long_value.value.code == "VALIDATION_ERROR"
    with pytest.raises(NotFound) as unknown:
        await bank_api.get_transfer(UUID(int=7))
    assert unknown.value.code == "PAYMENT_NOT_FOUND"
    assert (await bank_api.get_balance(payee.id)).ledger_minor == 0


async def test_limits_and_switches_answer_alike(
    bank_api: BankAPI, bank: Bank, clock: MutableClock
) -> None:
    phone, source = await verified(bank_api, "Olga Kovalenko", funded=600_000)
    payee_phone, _ = await verified(bank_api, "Ivan Petrov")
    assert source.customer_id is not None
    limits = await bank_api.get_limits(source.customer_id, "eur")
    assert (limits.kyc_level, limits.daily_limit_minor, limits.monthly_limit_minor) == (
        "full",
        500_000,
        2_000_000,
    )
    await bank_api.send_transfer(
        source.id, by_phone(payee_phone), eur(1_000), description="a", idempotency_key=key()
    )
    with pytest.raises(InvalidRequest) as over:
        await bank_api.send_transfer(
            source.id, by_phone(payee_phone), eur(499_001), description="b", idempotency_key=key()
        )
    assert (over.value.code, over.value.data["remaining"], over.value.data["period"]) == (
        "LIMIT_EXCEEDED",
        499_000,
        "daily",
    )
    assert (await bank_api.get_limits(source.customer_id, "EUR")).daily_used_minor == 1_000
    status = await bank_api.operation_status(Operation.TRANSFER_INTERNAL, "EUR")
    assert (status.enabled, status.until, status.reason) == (True, None, None)
    until = clock.now() + timedelta(hours=1)
    await bank.payments.switches.disable(
        SwitchScope.TRANSFERS, "EUR", "Maintenance", STAFF, ends_at=until
    )
    status = await bank_api.operation_status(Operation.TRANSFER_INTERNAL, "EUR")
    assert (status.enabled, status.until, status.reason) == (False, until, "Maintenance")
    with pytest.raises(Conflict) as off:
        await bank_api.send_transfer(
            source.id, by_phone(payee_phone), eur(10), description="c", idempotency_key=key()
        )
    assert off.value.code == "OPERATION_DISABLED"
    assert off.value.data == {
        "operation": "transfer_internal",
        "currency": "EUR",
        "scope": "transfers",
        "until": until.isoformat(),
        "reason": "Maintenance",
    }
    with pytest.raises(InvalidRequest) as bad_currency:
        await bank_api.operation_status(Operation.EXCHANGE, "EURO")
    assert bad_currency.value.code == "UNKNOWN_CURRENCY"
    assert phone


async def test_a_held_transfer_comes_back_pending_review_and_completes_when_approved(
    bank_api: BankAPI, bank: Bank
) -> None:
    _, source = await verified(bank_api, "Olga Kovalenko", funded=1_000_000)
    phone, payee = await verified(bank_api, "Ivan Petrov")
    held = await bank_api.send_transfer(
        source.id, by_phone(phone), eur(250_000), description="Car", idempotency_key=key()
    )
    assert (held.status, held.entry_id) == (TransferStatus.PENDING_REVIEW, None)
    assert held.hold_id is not None
    assert (await bank_api.get_balance(source.id)).available_minor == 750_000
    await bank.payments.reviews.approve(held.id, STAFF, key())
    done = await bank_api.get_transfer(held.id)
    assert (done.status, done.hold_id) == (TransferStatus.COMPLETED, held.hold_id)
    assert (await bank_api.get_balance(payee.id)).ledger_minor == 250_000


async def test_money_requests_are_made_paid_declined_and_cancelled_alike(
    bank_api: BankAPI,
) -> None:
    _, requester = await verified(bank_api, "Ivan Petrov")
    phone, payer = await verified(bank_api, "Olga Kovalenko", funded=10_000)
    assert requester.customer_id is not None
    assert payer.customer_id is not None
    k = key()
    asked = await bank_api.request_money(
        requester.id, by_phone(phone), eur(1_250), note="Cinema", idempotency_key=k
    )
    assert (asked.status, asked.requester_name, asked.payer_name, asked.note) == (
        MoneyRequestStatus.PENDING,
        "Ivan P.",
        "Olga K.",
        "Cinema",
    )
    assert (
        await bank_api.request_money(
            requester.id, by_phone(phone), eur(1_250), note="Cinema", idempotency_key=k
        )
    ).id == asked.id
    listed = await bank_api.list_money_requests(payer.customer_id, role=MoneyRequestRole.PAYER)
    assert [r.id for r in listed] == [asked.id]
    assert (
        await bank_api.list_money_requests(payer.customer_id, role=MoneyRequestRole.REQUESTER)
        == []
    )
    paid = await bank_api.accept_money_request(
        asked.id, payer.id, idempotency_key=key(), expected_fee=eur(0)
    )
    assert (paid.status, paid.money_request_id) == (TransferStatus.COMPLETED, asked.id)
    closed = await bank_api.get_money_request(asked.id)
    assert (closed.status, closed.payment_id) == (MoneyRequestStatus.PAID, paid.id)
    with pytest.raises(Conflict) as again:
        await bank_api.accept_money_request(asked.id, payer.id, idempotency_key=key())
    assert again.value.code == "MONEY_REQUEST_NOT_PENDING"
    second = await bank_api.request_money(requester.id, by_account(payer), eur(100))
    with pytest.raises(NotFound):
        await bank_api.decline_money_request(second.id, requester.customer_id)
    declined = await bank_api.decline_money_request(second.id, payer.customer_id)
    assert declined.status is MoneyRequestStatus.DECLINED
    third = await bank_api.request_money(requester.id, by_account(payer), eur(100))
    cancelled = await bank_api.cancel_money_request(third.id, requester.customer_id)
    assert cancelled.status is MoneyRequestStatus.CANCELLED
    pending = await bank_api.list_money_requests(
        requester.customer_id, status=MoneyRequestStatus.PENDING
    )
    assert pending == []
    with pytest.raises(InvalidRequest) as long_note:
        await bank_api.request_money(requester.id, by_phone(phone), eur(1), note="x" * 141)
    assert long_note.value.code == "VALIDATION_ERROR"
    with pytest.raises(NotFound) as unknown:
        await bank_api.get_money_request(UUID(int=3))
    assert unknown.value.code == "MONEY_REQUEST_NOT_FOUND"
