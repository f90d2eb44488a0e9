"""One contract for every ``BankAPI``: ``LocalBank`` and ``HttpBank``, each on SQLite and
PostgreSQL. An implementation passes only if it returns the same values and raises the
same error class with the same code as the others.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from core.actors import SYSTEM
from core.bank import Bank
from integrations.bank import (
    Account,
    AccountStatus,
    AccountUnavailable,
    Amount,
    BankAPI,
    Conflict,
    Customer,
    EntryKind,
    HoldStatus,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidRequest,
    KycStatus,
    NotFound,
)
from tests.fakes import MutableClock


def new_key() -> str:
    return f"contract-{uuid4()}"


def eur(minor: int) -> Amount:
    return Amount(minor, "EUR")


async def customer_with_accounts(
    api: BankAPI, *currencies: str, funded: int = 0
) -> tuple[Customer, list[Account]]:
    """A customer with one account per currency; the first gets ``funded`` minor units."""
    customer = await api.register_customer("Jana Dvořáková", "cs")
    accounts = [await api.open_account(customer.id, c) for c in currencies or ("EUR", "EUR")]
    if funded:
        first = accounts[0]
        await api.deposit(
            first.id,
            Amount(funded, first.currency),
            description="Top-up",
            idempotency_key=new_key(),
        )
    return customer, accounts


async def available(api: BankAPI, account_id: UUID) -> int:
    return (await api.get_balance(account_id)).available_minor


# -- customers and accounts ---------------------------------------------------------------


async def test_registration_and_opening_with_a_key_happen_once(bank_api: BankAPI) -> None:
    first = await bank_api.register_customer("Olena Kovalenko", "uk", idempotency_key="reg-1")
    again = await bank_api.register_customer("Olena Kovalenko", "uk", idempotency_key="reg-1")
    assert again.id == first.id
    with pytest.raises(IdempotencyConflict):
        await bank_api.register_customer("Someone Else", "uk", idempotency_key="reg-1")
    account = await bank_api.open_account(first.id, "EUR", idempotency_key="acc-1")
    same = await bank_api.open_account(first.id, "EUR", idempotency_key="acc-1")
    assert same.id == account.id
    assert len(await bank_api.list_accounts(first.id)) == 1


async def test_registered_customer_opens_accounts_and_lists_them(
    bank_api: BankAPI, clock: MutableClock
) -> None:
    customer = await bank_api.register_customer(
        "Jan Novák", "cs", phone="+420 601 234 567", email="Jan@Example.com"
    )
    assert (customer.full_name, customer.language) == ("Jan Novák", "cs")
    assert (customer.phone, customer.email) == ("+420601234567", "jan@example.com")
    assert customer.kyc_status is KycStatus.UNVERIFIED
    assert await bank_api.get_customer(customer.id) == customer

    verified = await bank_api.set_kyc_status(customer.id, KycStatus.VERIFIED)
    assert verified.kyc_status is KycStatus.VERIFIED

    eur_account = await bank_api.open_account(customer.id, "eur")
    clock.advance(seconds=1)  # oldest first: accounts opened in one instant have no order
    czk_account = await bank_api.open_account(customer.id, "CZK", name="Savings")
    listed = await bank_api.list_accounts(customer.id)
    assert [a.id for a in listed] == [eur_account.id, czk_account.id]
    assert [(a.currency, a.name) for a in listed] == [("EUR", "EUR account"), ("CZK", "Savings")]
    for account in listed:
        assert account.customer_id == customer.id
        assert account.status is AccountStatus.OPEN
        assert account.number.startswith("CZ")
        assert (account.balance_minor, account.held_minor, account.available_minor) == (0, 0, 0)
    assert await bank_api.get_account(eur_account.id) == listed[0]


async def test_a_taken_phone_number_is_a_conflict(bank_api: BankAPI) -> None:
    await bank_api.register_customer("Jan Novák", "cs", phone="+420601234567")
    with pytest.raises(Conflict) as caught:
        await bank_api.register_customer("Jan Nový", "en", phone="+420 601 234 567")
    assert caught.value.code == "CUSTOMER_EXISTS"


@pytest.mark.parametrize(
    ("full_name", "language", "phone"),
    [("Jan Novák", "xx", None), ("   ", "en", None), ("Jan Novák", "en", "601 234")],
)
async def test_invalid_customer_details_are_refused(
    bank_api: BankAPI, full_name: str, language: str, phone: str | None
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.register_customer(full_name, language, phone=phone)
    assert caught.value.code == "VALIDATION_ERROR"


@pytest.mark.parametrize("currency", ["GBP", "EURO", "E1R", "XXX"])
async def test_accounts_open_only_in_the_banks_currencies(
    bank_api: BankAPI, currency: str
) -> None:
    customer = await bank_api.register_customer("Jan Novák", "cs")
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.open_account(customer.id, currency)
    assert caught.value.code == "UNKNOWN_CURRENCY"
    assert await bank_api.list_accounts(customer.id) == []


async def test_unknown_ids_are_not_found(bank_api: BankAPI) -> None:
    unknown = uuid4()
    _, (account, _) = await customer_with_accounts(bank_api, funded=1000)
    api = bank_api
    calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("CUSTOMER_NOT_FOUND", lambda: api.get_customer(unknown)),
        ("CUSTOMER_NOT_FOUND", lambda: api.list_accounts(unknown)),
        ("CUSTOMER_NOT_FOUND", lambda: api.set_kyc_status(unknown, KycStatus.PENDING)),
        ("CUSTOMER_NOT_FOUND", lambda: api.open_account(unknown, "EUR")),
        ("ACCOUNT_NOT_FOUND", lambda: api.get_account(unknown)),
        ("ACCOUNT_NOT_FOUND", lambda: api.get_balance(unknown)),
        (
            "ACCOUNT_NOT_FOUND",
            lambda: api.transfer(
                account.id, unknown, eur(100), description="x", idempotency_key=new_key()
            ),
        ),
        (
            "ACCOUNT_NOT_FOUND",
            lambda: api.deposit(unknown, eur(100), description="x", idempotency_key=new_key()),
        ),
        ("ENTRY_NOT_FOUND", lambda: api.get_entry(unknown)),
        ("HOLD_NOT_FOUND", lambda: api.get_hold(unknown)),
        ("HOLD_NOT_FOUND", lambda: api.void_hold(unknown, idempotency_key=new_key())),
        ("HOLD_NOT_FOUND", lambda: api.post_hold(unknown, idempotency_key=new_key())),
    ]
    for code, call in calls:
        with pytest.raises(NotFound) as caught:
            await call()
        assert caught.value.code == code
    assert await available(bank_api, account.id) == 1000


# -- moving money ----------------------------------------------------------------------


async def test_deposit_shows_in_the_balance(bank_api: BankAPI) -> None:
    _, (account, _) = await customer_with_accounts(bank_api)
    entry = await bank_api.deposit(
        account.id, eur(10_000), description="Cash in", idempotency_key=new_key()
    )
    assert (entry.kind, entry.description) == (EntryKind.DEPOSIT, "Cash in")
    posting = entry.posting_for(account.id)
    assert (posting.amount_minor, posting.currency, posting.balance_after_minor) == (
        10_000,
        "EUR",
        10_000,
    )
    assert sum(p.amount_minor for p in entry.postings) == 0
    balance = await bank_api.get_balance(account.id)
    assert (balance.ledger_minor, balance.held_minor, balance.available_minor) == (
        10_000,
        0,
        10_000,
    )
    assert balance.available == eur(10_000)
    assert await bank_api.get_entry(entry.id) == entry


async def test_transfer_moves_the_exact_amount(bank_api: BankAPI) -> None:
    _, (source, destination) = await customer_with_accounts(bank_api, funded=10_000)
    entry = await bank_api.transfer(
        source.id, destination.id, eur(2550), description="Rent", idempotency_key=new_key()
    )
    assert (entry.kind, entry.description) == (EntryKind.TRANSFER, "Rent")
    assert entry.posting_for(source.id).amount_minor == -2550
    assert entry.posting_for(source.id).balance_after_minor == 7450
    assert entry.posting_for(destination.id).amount_minor == 2550
    assert entry.posting_for(destination.id).balance_after_minor == 2550
    assert await available(bank_api, source.id) == 7450
    assert await available(bank_api, destination.id) == 2550
    assert await bank_api.get_entry(entry.id) == entry
    assert (await bank_api.get_account(source.id)).balance_minor == 7450


async def test_withdrawal_takes_money_out(bank_api: BankAPI) -> None:
    _, (account, _) = await customer_with_accounts(bank_api, funded=5000)
    entry = await bank_api.withdraw(
        account.id, eur(1200), description="ATM", idempotency_key=new_key()
    )
    assert entry.kind is EntryKind.WITHDRAWAL
    assert entry.posting_for(account.id).balance_after_minor == 3800
    assert await available(bank_api, account.id) == 3800


async def test_the_same_key_and_request_moves_money_once(bank_api: BankAPI) -> None:
    _, (source, destination) = await customer_with_accounts(bank_api, funded=10_000)
    key = new_key()
    first = await bank_api.transfer(
        source.id, destination.id, eur(1000), description="Lunch", idempotency_key=key
    )
    again = await bank_api.transfer(
        source.id, destination.id, eur(1000), description="Lunch", idempotency_key=key
    )
    assert again.id == first.id
    assert again == first
    assert await available(bank_api, source.id) == 9000
    assert await available(bank_api, destination.id) == 1000


async def test_the_same_key_for_a_different_request_is_a_conflict(bank_api: BankAPI) -> None:
    _, (source, destination) = await customer_with_accounts(bank_api, funded=10_000)
    key = new_key()
    await bank_api.transfer(
        source.id, destination.id, eur(1000), description="Lunch", idempotency_key=key
    )
    with pytest.raises(IdempotencyConflict) as caught:
        await bank_api.transfer(
            source.id, destination.id, eur(1001), description="Lunch", idempotency_key=key
        )
    assert caught.value.code == "IDEMPOTENCY_CONFLICT"
    with pytest.raises(IdempotencyConflict):
        await bank_api.deposit(source.id, eur(1000), description="Lunch", idempotency_key=key)
    assert await available(bank_api, source.id) == 9000
    assert await available(bank_api, destination.id) == 1000


async def test_insufficient_funds_changes_nothing(bank_api: BankAPI) -> None:
    _, (source, destination) = await customer_with_accounts(bank_api, funded=1000)
    key = new_key()
    with pytest.raises(InsufficientFunds) as caught:
        await bank_api.transfer(
            source.id, destination.id, eur(1500), description="Too much", idempotency_key=key
        )
    error = caught.value
    assert error.code == "INSUFFICIENT_FUNDS"
    assert (error.data["available"], error.data["requested"]) == (1000, 1500)
    assert error.data["account_id"] == str(source.id)
    assert await available(bank_api, source.id) == 1000
    assert await available(bank_api, destination.id) == 0

    # A refused request leaves its key unused: after a top-up the same key goes through.
    await bank_api.deposit(source.id, eur(500), description="Top-up", idempotency_key=new_key())
    await bank_api.transfer(
        source.id, destination.id, eur(1500), description="Too much", idempotency_key=key
    )
    assert await available(bank_api, destination.id) == 1500


async def test_a_frozen_account_neither_sends_nor_receives(bank_api: BankAPI, bank: Bank) -> None:
    _, (frozen, other) = await customer_with_accounts(bank_api, funded=5000)
    await bank_api.deposit(other.id, eur(5000), description="Top-up", idempotency_key=new_key())
    await bank.accounts.freeze(frozen.id, SYSTEM, "suspected fraud")
    assert (await bank_api.get_account(frozen.id)).status is AccountStatus.FROZEN

    for source, destination in ((frozen, other), (other, frozen)):
        with pytest.raises(AccountUnavailable) as caught:
            await bank_api.transfer(
                source.id, destination.id, eur(100), description="x", idempotency_key=new_key()
            )
        assert caught.value.code == "ACCOUNT_FROZEN"
        assert caught.value.data["account_id"] == str(frozen.id)
    assert await available(bank_api, frozen.id) == 5000
    assert await available(bank_api, other.id) == 5000


async def test_a_closed_account_is_unavailable(bank_api: BankAPI, bank: Bank) -> None:
    _, (source, closed) = await customer_with_accounts(bank_api, funded=5000)
    await bank.accounts.close(closed.id, SYSTEM, "customer asked")
    with pytest.raises(AccountUnavailable) as caught:
        await bank_api.deposit(closed.id, eur(100), description="x", idempotency_key=new_key())
    assert caught.value.code == "ACCOUNT_CLOSED"
    with pytest.raises(AccountUnavailable):
        await bank_api.transfer(
            source.id, closed.id, eur(100), description="x", idempotency_key=new_key()
        )
    assert await available(bank_api, source.id) == 5000


async def test_currencies_must_match(bank_api: BankAPI) -> None:
    _, (euros, crowns) = await customer_with_accounts(bank_api, "EUR", "CZK", funded=5000)
    for source, destination, amount in (
        (euros, crowns, eur(100)),
        (euros, crowns, Amount(100, "CZK")),
        (crowns, euros, Amount(100, "EUR")),
    ):
        with pytest.raises(InvalidRequest) as caught:
            await bank_api.transfer(
                source.id, destination.id, amount, description="x", idempotency_key=new_key()
            )
        assert caught.value.code == "CURRENCY_MISMATCH"
    assert await available(bank_api, euros.id) == 5000


async def test_money_cannot_move_to_the_same_account(bank_api: BankAPI) -> None:
    _, (account, _) = await customer_with_accounts(bank_api, funded=5000)
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.transfer(
            account.id, account.id, eur(100), description="x", idempotency_key=new_key()
        )
    assert caught.value.code == "SAME_ACCOUNT"


@pytest.mark.parametrize(
    ("amount", "description", "key", "code"),
    [
        (eur(0), "x", "k-1", "NON_POSITIVE_AMOUNT"),
        (eur(-100), "x", "k-1", "NON_POSITIVE_AMOUNT"),
        (Amount(100, "GBP"), "x", "k-1", "CURRENCY_MISMATCH"),
        (Amount(100, "ABC"), "x", "k-1", "UNKNOWN_CURRENCY"),
        (Amount(100, "EURO"), "x", "k-1", "UNKNOWN_CURRENCY"),
        (eur(100), "", "k-1", "VALIDATION_ERROR"),
        (eur(100), "   ", "k-1", "VALIDATION_ERROR"),
        (eur(100), "x" * 201, "k-1", "VALIDATION_ERROR"),
        (eur(100), "x", "", "VALIDATION_ERROR"),
        (eur(100), "x", " k-1", "VALIDATION_ERROR"),
        (eur(100), "x", "k" * 129, "VALIDATION_ERROR"),
        (eur(100), "x", "klíč", "VALIDATION_ERROR"),
    ],
)
async def test_malformed_transfers_are_invalid_requests(
    bank_api: BankAPI, amount: Amount, description: str, key: str, code: str
) -> None:
    _, (source, destination) = await customer_with_accounts(bank_api, funded=5000)
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.transfer(
            source.id, destination.id, amount, description=description, idempotency_key=key
        )
    assert caught.value.code == code
    assert await available(bank_api, source.id) == 5000


# -- statements -------------------------------------------------------------------------


async def test_statement_pages_carry_running_balances(
    bank_api: BankAPI, clock: MutableClock
) -> None:
    _, (account, other) = await customer_with_accounts(bank_api, funded=1000)
    clock.advance(hours=1)
    since = clock.now()
    for minor in (200, 300, 400):
        await bank_api.deposit(
            account.id, eur(minor), description=f"In {minor}", idempotency_key=new_key()
        )
        clock.advance(minutes=1)
    await bank_api.transfer(
        account.id, other.id, eur(700), description="Out", idempotency_key=new_key()
    )
    clock.advance(minutes=1)
    until = clock.now()
    await bank_api.deposit(account.id, eur(5), description="Later", idempotency_key=new_key())

    pages = [await bank_api.get_statement(account.id, since, until, limit=2)]
    while pages[-1].next_cursor is not None:
        pages.append(
            await bank_api.get_statement(
                account.id, since, until, cursor=pages[-1].next_cursor, limit=2
            )
        )
    assert [len(p.lines) for p in pages] == [2, 2]
    for page in pages:
        assert (page.opening_balance_minor, page.closing_balance_minor) == (1000, 1200)
        assert (page.total_credits_minor, page.total_debits_minor) == (900, -700)
        assert page.currency == "EUR"
    lines = [line for page in pages for line in page.lines]
    assert [(ln.kind, ln.amount_minor, ln.balance_after_minor) for ln in lines] == [
        (EntryKind.DEPOSIT, 200, 1200),
        (EntryKind.DEPOSIT, 300, 1500),
        (EntryKind.DEPOSIT, 400, 1900),
        (EntryKind.TRANSFER, -700, 1200),
    ]
    assert [ln.description for ln in lines] == ["In 200", "In 300", "In 400", "Out"]
    assert all(since <= ln.at < until for ln in lines)
    transfer_line = lines[-1]
    assert (await bank_api.get_entry(transfer_line.entry_id)).kind is EntryKind.TRANSFER


async def test_an_empty_period_has_equal_opening_and_closing(
    bank_api: BankAPI, clock: MutableClock
) -> None:
    _, (account, _) = await customer_with_accounts(bank_api, funded=1000)
    clock.advance(days=1)
    page = await bank_api.get_statement(account.id, clock.now(), clock.now() + timedelta(days=1))
    assert (page.opening_balance_minor, page.closing_balance_minor) == (1000, 1000)
    assert (page.lines, page.next_cursor) == ((), None)


async def test_statement_arguments_are_checked(bank_api: BankAPI, clock: MutableClock) -> None:
    _, (account, _) = await customer_with_accounts(bank_api)
    now = clock.now()
    naive = now.replace(tzinfo=None)
    day = timedelta(days=1)
    for since, until, options in (
        (naive, now, {}),
        (now, naive + day, {}),
        (now, now - day, {}),
        (now, now + day, {"cursor": "next"}),
        (now, now + day, {"limit": 0}),
        (now, now + day, {"limit": 501}),
    ):
        with pytest.raises(InvalidRequest) as caught:
            await bank_api.get_statement(account.id, since, until, **options)
        assert caught.value.code == "VALIDATION_ERROR"
    with pytest.raises(NotFound):
        await bank_api.get_statement(uuid4(), now, now + timedelta(days=1))


# -- holds ---------------------------------------------------------------------------


async def test_a_hold_posted_in_part_releases_the_rest(bank_api: BankAPI) -> None:
    _, (account, merchant) = await customer_with_accounts(bank_api, funded=10_000)
    hold = await bank_api.place_hold(
        account.id, merchant.id, eur(3000), description="Hotel", idempotency_key=new_key()
    )
    assert (hold.status, hold.amount, hold.entry_id) == (HoldStatus.PENDING, eur(3000), None)
    assert hold.expires_at - hold.created_at == timedelta(days=7)
    balance = await bank_api.get_balance(account.id)
    assert (balance.ledger_minor, balance.held_minor, balance.available_minor) == (
        10_000,
        3000,
        7000,
    )
    assert await bank_api.get_hold(hold.id) == hold

    posted = await bank_api.post_hold(hold.id, amount=eur(2000), idempotency_key=new_key())
    assert (posted.id, posted.status, posted.posted_amount_minor) == (
        hold.id,
        HoldStatus.POSTED,
        2000,
    )
    assert posted.entry_id is not None
    entry = await bank_api.get_entry(posted.entry_id)
    assert (entry.kind, entry.description) == (EntryKind.HOLD_POST, "Hotel")
    assert entry.posting_for(account.id).amount_minor == -2000
    assert entry.posting_for(merchant.id).balance_after_minor == 2000
    balance = await bank_api.get_balance(account.id)
    assert (balance.ledger_minor, balance.held_minor, balance.available_minor) == (
        8000,
        0,
        8000,
    )
    assert await available(bank_api, merchant.id) == 2000


async def test_a_voided_hold_moves_nothing(bank_api: BankAPI) -> None:
    _, (account, merchant) = await customer_with_accounts(bank_api, funded=10_000)
    hold = await bank_api.place_hold(
        account.id,
        merchant.id,
        eur(3000),
        description="Car rental",
        idempotency_key=new_key(),
        ttl_seconds=3600,
    )
    assert hold.expires_at - hold.created_at == timedelta(hours=1)
    key = new_key()
    voided = await bank_api.void_hold(hold.id, idempotency_key=key)
    assert (voided.status, voided.entry_id) == (HoldStatus.VOIDED, None)
    assert await bank_api.void_hold(hold.id, idempotency_key=key) == voided  # a replay
    balance = await bank_api.get_balance(account.id)
    assert (balance.ledger_minor, balance.held_minor) == (10_000, 0)
    with pytest.raises(Conflict) as caught:
        await bank_api.post_hold(hold.id, idempotency_key=new_key())
    assert caught.value.code == "HOLD_NOT_PENDING"


async def test_placing_a_hold_twice_with_one_key_holds_once(bank_api: BankAPI) -> None:
    _, (account, merchant) = await customer_with_accounts(bank_api, funded=10_000)
    key = new_key()
    first = await bank_api.place_hold(
        account.id, merchant.id, eur(1000), description="Fuel", idempotency_key=key
    )
    again = await bank_api.place_hold(
        account.id, merchant.id, eur(1000), description="Fuel", idempotency_key=key
    )
    assert again == first
    assert (await bank_api.get_balance(account.id)).held_minor == 1000


async def test_hold_refusals(bank_api: BankAPI, clock: MutableClock) -> None:
    _, (account, merchant) = await customer_with_accounts(bank_api, funded=5000)
    with pytest.raises(InsufficientFunds):
        await bank_api.place_hold(
            account.id, merchant.id, eur(6000), description="x", idempotency_key=new_key()
        )
    hold = await bank_api.place_hold(
        account.id,
        merchant.id,
        eur(1000),
        description="x",
        idempotency_key=new_key(),
        ttl_seconds=60,
    )
    for amount, code in ((eur(1001), "HOLD_AMOUNT_EXCEEDED"), (Amount(500, "CZK"), None)):
        with pytest.raises(InvalidRequest) as caught:
            await bank_api.post_hold(hold.id, amount=amount, idempotency_key=new_key())
        assert caught.value.code == (code or "CURRENCY_MISMATCH")
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.post_hold(hold.id, amount=eur(0), idempotency_key=new_key())
    assert caught.value.code == "NON_POSITIVE_AMOUNT"
    with pytest.raises(InvalidRequest) as caught:
        await bank_api.place_hold(
            account.id,
            merchant.id,
            eur(10),
            description="x",
            idempotency_key=new_key(),
            ttl_seconds=0,
        )
    assert caught.value.code == "VALIDATION_ERROR"

    clock.advance(minutes=2)
    with pytest.raises(Conflict) as expired:
        await bank_api.post_hold(hold.id, idempotency_key=new_key())
    assert expired.value.code == "HOLD_EXPIRED"
    assert await available(bank_api, merchant.id) == 0


# -- contact changes -------------------------------------------------------------------------


async def test_a_contact_change_replaces_the_phone_and_email(bank_api: BankAPI) -> None:
    customer = await bank_api.register_customer("Petr Novák", "cs", phone="+420 601 111 222")
    changed = await bank_api.change_contact(
        customer.id, phone="+420 602 333 444", email="petr@example.cz"
    )
    assert (changed.phone, changed.email) == ("+420602333444", "petr@example.cz")
    assert await bank_api.get_customer(customer.id) == changed


async def test_a_contact_in_use_or_missing_is_refused(bank_api: BankAPI) -> None:
    await bank_api.register_customer("Jan Malý", "cs", phone="+420 603 000 111")
    customer = await bank_api.register_customer("Eva Malá", "cs", phone="+420 603 000 222")
    with pytest.raises(Conflict) as taken:
        await bank_api.change_contact(customer.id, phone="+420603000111")
    assert taken.value.code == "CUSTOMER_EXISTS"
    with pytest.raises(InvalidRequest) as empty:
        await bank_api.change_contact(customer.id)
    assert empty.value.code == "VALIDATION_ERROR"
    assert (await bank_api.get_customer(customer.id)).phone == "+420603000222"
