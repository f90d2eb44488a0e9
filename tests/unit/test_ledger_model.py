"""The ledger's rules, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ledger.errors import (
    AccountClosed,
    AccountFrozen,
    HoldAmountExceeded,
    HoldExpired,
    HoldNotPending,
    InsufficientFunds,
    SameAccount,
    UnbalancedEntry,
)
from core.ledger.model import (
    AccountState,
    AccountStatus,
    HoldState,
    HoldStatus,
    PostingDraft,
    apply_postings,
    ensure_balanced,
    movement,
    reversal,
)
from core.money import CurrencyMismatch, NonPositiveAmount

NOW = datetime(2026, 3, 2, 12, tzinfo=UTC)


def account(
    balance: int = 0,
    *,
    currency: str = "EUR",
    held: int = 0,
    overdraft: int = 0,
    status: AccountStatus = AccountStatus.OPEN,
    bank: bool = False,
) -> AccountState:
    return AccountState(uuid4(), currency, status, balance, held, overdraft, bank, 0)


def test_movement_debits_source_and_credits_destination() -> None:
    a, b = account(1000), account()
    drafts = movement(a, b, 300)
    assert [(d.account_id, d.amount) for d in drafts] == [(a.id, -300), (b.id, 300)]


def test_movement_beyond_available_is_refused_with_the_figures() -> None:
    with pytest.raises(InsufficientFunds) as caught:
        movement(account(1000, held=200), account(), 801)
    assert caught.value.data["available"] == 800
    assert caught.value.data["requested"] == 801


def test_overdraft_limit_extends_what_can_be_spent() -> None:
    assert movement(account(100, overdraft=500), account(), 600)
    with pytest.raises(InsufficientFunds):
        movement(account(100, overdraft=500), account(), 601)


def test_bank_accounts_may_go_negative() -> None:
    assert movement(account(0, bank=True), account(), 10**12)


@pytest.mark.parametrize("amount", [0, -1])
def test_non_positive_amounts_are_refused(amount: int) -> None:
    with pytest.raises(NonPositiveAmount):
        movement(account(100), account(), amount)


def test_float_and_bool_amounts_are_refused() -> None:
    with pytest.raises(NonPositiveAmount):
        movement(account(100), account(), 1.5)  # type: ignore[arg-type]
    with pytest.raises(NonPositiveAmount):
        movement(account(100), account(), True)


def test_transfer_to_the_same_account_is_refused() -> None:
    a = account(100)
    with pytest.raises(SameAccount):
        movement(a, a, 10)


@pytest.mark.parametrize(
    ("status", "error"),
    [(AccountStatus.FROZEN, AccountFrozen), (AccountStatus.CLOSED, AccountClosed)],
)
def test_frozen_or_closed_accounts_neither_send_nor_receive(
    status: AccountStatus, error: type[Exception]
) -> None:
    with pytest.raises(error):
        movement(account(100, status=status), account(), 10)
    with pytest.raises(error):
        movement(account(100), account(status=status), 10)


def test_currencies_must_match() -> None:
    with pytest.raises(CurrencyMismatch):
        movement(account(100), account(currency="CZK"), 10)


def test_unbalanced_entries_are_refused() -> None:
    a, b = uuid4(), uuid4()
    with pytest.raises(UnbalancedEntry):
        ensure_balanced([PostingDraft(a, -10, "EUR"), PostingDraft(b, 9, "EUR")])
    with pytest.raises(UnbalancedEntry):
        ensure_balanced([PostingDraft(a, -10, "EUR"), PostingDraft(b, 10, "CZK")])
    with pytest.raises(UnbalancedEntry):
        ensure_balanced([PostingDraft(a, 0, "EUR"), PostingDraft(b, 0, "EUR")])
    with pytest.raises(UnbalancedEntry):
        ensure_balanced([PostingDraft(a, 10, "EUR")])


def test_apply_postings_gives_running_balances_and_sequence() -> None:
    a, b = account(1000), account(5)
    states, legs = apply_postings({a.id: a, b.id: b}, movement(a, b, 400))
    assert [(leg.balance_after, leg.account_seq) for leg in legs] == [(600, 1), (405, 1)]
    assert states[a.id].balance == 600


def test_reversal_negates_every_posting() -> None:
    a, b = account(1000), account()
    drafts = movement(a, b, 250)
    assert [d.amount for d in reversal(drafts)] == [250, -250]


def hold(amount: int = 500, status: HoldStatus = HoldStatus.PENDING) -> HoldState:
    return HoldState(uuid4(), uuid4(), uuid4(), amount, "EUR", status, NOW + timedelta(hours=1))


def test_hold_posts_up_to_its_amount() -> None:
    assert hold().post(500, NOW).status is HoldStatus.POSTED
    assert hold().post(1, NOW).status is HoldStatus.POSTED
    with pytest.raises(HoldAmountExceeded):
        hold().post(501, NOW)


def test_hold_cannot_post_after_expiry_or_twice() -> None:
    with pytest.raises(HoldExpired):
        hold().post(10, NOW + timedelta(hours=1))
    with pytest.raises(HoldNotPending):
        hold(status=HoldStatus.POSTED).post(10, NOW)
    with pytest.raises(HoldNotPending):
        hold(status=HoldStatus.VOIDED).void(NOW)


def test_hold_expires_only_when_pending_and_due() -> None:
    with pytest.raises(HoldNotPending):
        hold().expire(NOW)
    assert hold().expire(NOW + timedelta(hours=2)).status is HoldStatus.EXPIRED
    with pytest.raises(HoldNotPending):
        hold(status=HoldStatus.POSTED).expire(NOW + timedelta(hours=2))


# -- property: random sequences of operations keep every invariant ----------------------

Op = tuple[str, int, int, int]
ops = st.lists(
    st.tuples(
        st.sampled_from(["deposit", "transfer", "hold", "post", "void", "reverse"]),
        st.integers(0, 4),
        st.integers(0, 4),
        st.integers(-5, 5_000),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(ops)
def test_random_operations_keep_every_invariant(sequence: list[Op]) -> None:
    """A pure in-memory ledger driven only by the model's rules never breaks an invariant.

    Invariants: every entry balances; all balances sum to zero; no customer account goes
    past its limit; held equals pending holds; balances equal the sum of postings.
    """
    bank = account(0, bank=True)
    customers = [account(0, overdraft=100 * i) for i in range(5)]
    states: dict[UUID, AccountState] = {s.id: s for s in [bank, *customers]}
    journal: list[list[PostingDraft]] = []
    holds: list[tuple[UUID, int, bool]] = []  # account, amount, pending
    ids = [c.id for c in customers]

    def commit(drafts: list[PostingDraft]) -> None:
        nonlocal states
        states, _ = apply_postings(states, drafts)
        journal.append(drafts)

    for kind, i, j, amount in sequence:
        src, dst = states[ids[i]], states[ids[j]]
        try:
            if kind == "deposit":
                commit(movement(states[bank.id], dst, amount))
            elif kind == "transfer":
                commit(movement(src, dst, amount))
            elif kind == "hold":
                movement(src, dst, amount)
                states[src.id] = src.with_held(amount)
                holds.append((src.id, amount, True))
            elif kind in ("post", "void") and holds:
                index = amount % len(holds)
                held_on, held, pending = holds[index]
                if not pending:
                    continue
                holds[index] = (held_on, held, False)
                states[held_on] = states[held_on].with_held(-held)
                if kind == "post":
                    capture = max(1, held // 2)
                    commit(movement(states[held_on], states[bank.id], capture))
            elif kind == "reverse" and journal:
                commit(reversal(journal[amount % len(journal)]))
        except (InsufficientFunds, SameAccount, NonPositiveAmount):
            continue

    totals: dict[UUID, int] = {}
    for drafts in journal:
        assert sum(d.amount for d in drafts) == 0
        for d in drafts:
            totals[d.account_id] = totals.get(d.account_id, 0) + d.amount
    assert sum(s.balance for s in states.values()) == 0
    for state in states.values():
        assert state.balance == totals.get(state.id, 0)
        assert state.within_limit()
        pending = sum(a for acc, a, p in holds if p and acc == state.id)
        assert state.held == pending
