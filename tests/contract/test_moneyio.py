"""The contract of ``MoneyIoAPI`` for every ``BankAPI``: ``LocalBank`` and ``HttpBank``
return the same values and raise the same error classes and codes for top-ups from and
transfers to cards of other banks, each on SQLite and PostgreSQL."""

from __future__ import annotations

from uuid import UUID, uuid4

import httpx
import pytest
from fastapi import FastAPI

from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.persistence.database import Database
from integrations.acquirer.simulator import AcquirerSimulator
from integrations.bank import (
    Account,
    AccountUnavailable,
    Amount,
    BankAPI,
    BankUnavailable,
    CardPayoutStatus,
    CardQuote,
    Conflict,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidRequest,
    NotFound,
    TopUpStatus,
)
from integrations.cardnetwork.simulator import CardNetworkSimulator
from tests.fakes import MutableClock, run_jobs
from tests.integration.moneyio_support import RETURN_URL, make_acquirer, make_bank, make_network

PAN = "4242 4242 4242 4242"


@pytest.fixture
def acquirer(clock: MutableClock) -> AcquirerSimulator:
    return make_acquirer(clock)


@pytest.fixture
def network(clock: MutableClock) -> CardNetworkSimulator:
    return make_network(clock)


@pytest.fixture
async def bank(
    database: Database,
    keyring: Keyring,
    clock: MutableClock,
    acquirer: AcquirerSimulator,
    network: CardNetworkSimulator,
) -> Bank:
    built = make_bank(database, keyring, clock, acquirer, network)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


@pytest.fixture(autouse=True)
def _callbacks_reach_the_app(app: FastAPI, acquirer: AcquirerSimulator) -> None:
    acquirer.deliver_through(httpx.ASGITransport(app=app))


def key() -> str:
    return f"contract-{uuid4()}"


def eur(minor: int) -> Amount:
    return Amount(minor, "EUR")


async def account(api: BankAPI, funded: int = 0, currency: str = "EUR") -> Account:
    customer = await api.register_customer("Jana Dvořáková", "cs")
    opened = await api.open_account(customer.id, currency)
    if funded:
        await api.deposit(
            opened.id, Amount(funded, currency), description="Cash", idempotency_key=key()
        )
    return opened


# -- top-ups ------------------------------------------------------------------------------


async def test_a_top_up_is_quoted_opened_paid_and_credited(
    bank_api: BankAPI, acquirer: AcquirerSimulator
) -> None:
    target = await account(bank_api)
    assert await bank_api.quote_topup(target.id, eur(2_500)) == CardQuote(2_500, 0, 2_500, "EUR")
    topup = await bank_api.start_topup(
        target.id, eur(2_500), return_url=RETURN_URL, idempotency_key="t-1"
    )
    assert topup.status is TopUpStatus.AWAITING_PAYMENT
    assert topup.payment_url is not None
    assert (topup.amount_minor, topup.total_minor, topup.currency) == (2_500, 2_500, "EUR")
    again = await bank_api.start_topup(
        target.id, eur(2_500), return_url=RETURN_URL, idempotency_key="t-1"
    )
    assert again == topup
    session = acquirer.session(topup.payment_url.rsplit("/", 1)[1])
    assert session is not None
    acquirer.pay(session, "4242424242424242")
    await acquirer.notify(session)
    done = await bank_api.get_topup(topup.id)
    assert done.status is TopUpStatus.COMPLETED
    assert (done.card_last4, done.card_brand) == ("4242", "visa")
    assert done.entry_id is not None
    assert (await bank_api.get_balance(target.id)).ledger_minor == 2_500


async def test_a_top_up_refuses_what_it_cannot_do(
    bank_api: BankAPI, bank: Bank, acquirer: AcquirerSimulator
) -> None:
    target = await account(bank_api)
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.start_topup(
            target.id, eur(100), return_url="javascript:alert(1)", idempotency_key=key()
        )
    assert (caught.value.code, caught.value.data) == ("VALIDATION_ERROR", {"field": "return_url"})
    await bank_api.start_topup(target.id, eur(1), return_url=RETURN_URL, idempotency_key="x")
    with pytest.raises(IdempotencyConflict):
        await bank_api.start_topup(target.id, eur(2), return_url=RETURN_URL, idempotency_key="x")
    with pytest.raises(Conflict) as caught:
        await bank_api.start_topup(
            target.id, eur(100), return_url=RETURN_URL, idempotency_key=key(), expected_fee_minor=5
        )
    assert (caught.value.code, caught.value.data) == ("FEE_CHANGED", {"expected": 5, "fee": 0})
    with pytest.raises(NotFound) as caught:
        await bank_api.start_topup(uuid4(), eur(100), return_url=RETURN_URL, idempotency_key=key())
    assert caught.value.code == "ACCOUNT_NOT_FOUND"
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.start_topup(
            target.id, Amount(100, "CZK"), return_url=RETURN_URL, idempotency_key=key()
        )
    assert caught.value.code == "CURRENCY_MISMATCH"
    await bank.accounts.freeze(target.id, SYSTEM, "checks")
    with pytest.raises(AccountUnavailable):
        await bank_api.start_topup(
            target.id, eur(100), return_url=RETURN_URL, idempotency_key=key()
        )
    with pytest.raises(NotFound) as caught:
        await bank_api.get_topup(uuid4())
    assert caught.value.code == "TOPUP_NOT_FOUND"


async def test_an_unreachable_acquirer_is_unavailable_and_retryable(
    bank_api: BankAPI, acquirer: AcquirerSimulator
) -> None:
    target = await account(bank_api)
    acquirer.fail_next_creates = 100
    with pytest.raises(BankUnavailable) as caught:
        await bank_api.start_topup(target.id, eur(100), return_url=RETURN_URL, idempotency_key="u")
    assert caught.value.retryable
    acquirer.fail_next_creates = 0
    opened = await bank_api.start_topup(
        target.id, eur(100), return_url=RETURN_URL, idempotency_key="u"
    )
    assert opened.status is TopUpStatus.AWAITING_PAYMENT


# -- transfers to cards -------------------------------------------------------------------


async def test_a_transfer_to_a_card_is_pending_then_completed(
    bank_api: BankAPI, bank: Bank, clock: MutableClock
) -> None:
    source = await account(bank_api, 50_000)
    assert await bank_api.quote_card_payout(source.id, eur(10_000)) == CardQuote(
        10_000, 0, 10_000, "EUR"
    )
    payout = await bank_api.send_to_card(
        source.id, PAN, eur(10_000), idempotency_key="p-1", description="For Mum"
    )
    assert payout.status is CardPayoutStatus.PENDING
    assert (payout.card_last4, payout.card_brand, payout.description) == (
        "4242",
        "visa",
        "For Mum",
    )
    again = await bank_api.send_to_card(
        source.id, PAN, eur(10_000), idempotency_key="p-1", description="For Mum"
    )
    assert again == payout
    assert (await bank_api.get_balance(source.id)).ledger_minor == 40_000
    await run_jobs(bank)
    clock.advance(seconds=31)
    await bank.cardmoney.payouts.sweep(clock.now())
    await run_jobs(bank)
    done = await bank_api.get_card_payout(payout.id)
    assert done.status is CardPayoutStatus.COMPLETED
    assert (await bank_api.get_balance(source.id)).ledger_minor == 40_000


async def test_a_refused_card_gives_the_money_back(bank_api: BankAPI, bank: Bank) -> None:
    source = await account(bank_api, 50_000)
    payout = await bank_api.send_to_card(
        source.id, "4000 0000 0000 0002", eur(10_000), idempotency_key=key()
    )
    await run_jobs(bank)
    failed = await bank_api.get_card_payout(payout.id)
    assert (failed.status, failed.failure_reason) == (CardPayoutStatus.FAILED, "CARD_NOT_ELIGIBLE")
    assert (await bank_api.get_balance(source.id)).ledger_minor == 50_000


@pytest.mark.parametrize(
    ("card", "reason"),
    [
        ("4242 4242 4242 4241", "check_digit"),
        ("4242 4242", "length"),
        ("4242-abcd-4242-4242", "format"),
        ("4" * 60, "format"),
    ],
)
async def test_a_wrong_card_number_is_refused_alike(
    bank_api: BankAPI, card: str, reason: str
) -> None:
    source = await account(bank_api, 50_000)
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.send_to_card(source.id, card, eur(100), idempotency_key=key())
    assert (caught.value.code, caught.value.data) == ("INVALID_CARD_NUMBER", {"reason": reason})
    assert card not in str(caught.value)


async def test_a_transfer_to_a_card_refuses_what_it_cannot_do(bank_api: BankAPI) -> None:
    source = await account(bank_api, 5_000)
    with pytest.raises(InsufficientFunds):
        await bank_api.send_to_card(source.id, PAN, eur(10_000), idempotency_key="k")
    sent = await bank_api.send_to_card(source.id, PAN, eur(1_000), idempotency_key="k")
    assert sent.status is CardPayoutStatus.PENDING  # the refused attempt left the key free
    with pytest.raises(IdempotencyConflict):
        await bank_api.send_to_card(source.id, PAN, eur(2_000), idempotency_key="k")
    with pytest.raises(Conflict) as caught:
        await bank_api.send_to_card(
            source.id, PAN, eur(100), idempotency_key=key(), expected_fee_minor=1
        )
    assert caught.value.code == "FEE_CHANGED"
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.send_to_card(source.id, PAN, eur(0), idempotency_key=key())
    assert caught.value.code == "NON_POSITIVE_AMOUNT"
    with pytest.raises(NotFound) as caught:
        await bank_api.get_card_payout(uuid4())
    assert caught.value.code == "CARD_PAYOUT_NOT_FOUND"
    assert isinstance(sent.id, UUID)
