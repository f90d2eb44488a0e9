"""The risk pages: the review queue (held transfers and card payouts) with approve and
reject, and the risk rules' thresholds; refusals for other roles, missing CSRF tokens and
ids the page never showed. Each effect is checked on the bank itself, on both databases."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta
from uuid import uuid4

import pytest

from backoffice.risk.rules_form import fields_of
from backoffice.roles import Role
from core.actors import SYSTEM
from core.bank import Bank
from core.cardmoney.model import PayoutStage, PayoutStatus
from core.crypto import Keyring
from core.payments.fees import RuleSource
from core.payments.model import Decision, PaymentStatus
from core.payments.risk import DEFAULT_RISK
from core.persistence.database import Database
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.risk_support import (
    LARGE,
    audited,
    decision_key,
    held_payout,
    held_transfer,
)
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock
from tests.integration.moneyio_support import CONFIG, make_network
from tests.integration.payments_helpers import available, customer_account, ledger_balance, send

OTHER_ROLES = [Role.AGENT, Role.KYC_REVIEWER, Role.MARKETER, Role.ADMIN, Role.AUDITOR]


@pytest.fixture
async def bank(database: Database, keyring: Keyring, clock: MutableClock) -> AsyncIterator[Bank]:
    """The test bank with a card network, so that card payouts can be held for review."""
    built = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        card_network=make_network(clock),
        cardmoney_config=CONFIG,
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    yield built
    assert (await built.verify_ledger()).ok
    assert (await built.verify_audit()).ok


# -- the queue ----------------------------------------------------------------------------


async def test_the_queue_shows_held_transfers_and_payouts_masked_with_reasons_and_age(
    bank: Bank, staff_client: StaffFactory, clock: MutableClock
) -> None:
    payer, payee, payment = await held_transfer(bank)
    card_account, payout = await held_payout(bank)
    clock.current += timedelta(minutes=90)
    officer = await staff_client(Role.RISK_OFFICER)
    page = await officer.get("/backoffice/risk")
    assert page.status_code == 200
    html = page.text
    assert f'id="held-{payment.id}"' in html
    assert f'id="held-{payout.id}"' in html
    assert "2,500.00 EUR" in html
    assert f"Olga K. •• {payer.number[-4:]}" in html
    assert f"Ivan P. •• {payee.number[-4:]}" in html
    assert f"Petra N. •• {card_account.number[-4:]}" in html
    assert "•• 4242" in html
    for reason in ("Large amount", "First payment to this recipient", "score 70"):
        assert reason in html
    assert "1 h 30 min" in html  # waiting, from risk.age.hours
    # Nothing a reviewer does not need: no full names, account or card numbers.
    for secret in ("Kovalenko", "Petrov", payer.number, payee.number, "4242 4242", "42424242"):
        assert secret not in html
    assert 'href="/backoffice/static/risk.css"' in html


async def test_an_empty_queue_says_so(staff_client: StaffFactory) -> None:
    officer = await staff_client(Role.RISK_OFFICER)
    page = await officer.get("/backoffice/risk")
    assert page.status_code == 200
    assert "Nothing is waiting for review." in page.text


async def test_approving_a_held_transfer_completes_it_once_even_when_clicked_twice(
    bank: Bank, staff_client: StaffFactory
) -> None:
    payer, payee, payment = await held_transfer(bank)
    officer = await staff_client(Role.RISK_OFFICER)
    key = decision_key((await officer.get("/backoffice/risk")).text, payment.id)
    url = f"/backoffice/risk/transfers/{payment.id}/approve"
    for _ in range(2):  # a double click sends the same form twice
        answer = await officer.post(url, {"key": key, "reason": "called the customer"})
        assert answer.status_code == 303
        assert answer.headers["location"] == "/backoffice/risk?done=approved"
    done = await bank.payments.transfers.get(payment.id)
    assert (done.status, done.decision) == (PaymentStatus.COMPLETED, Decision.APPROVED)
    assert (done.reviewed_by, done.review_note) == (
        f"staff:{officer.username}",
        "called the customer",
    )
    assert await ledger_balance(bank, payee.id) == LARGE
    assert await ledger_balance(bank, payer.id) == 1_000_000 - LARGE
    assert await audited(bank, "approve_transfer") == [
        (f"staff:{officer.username}", f"payment:{payment.id}", "ok")
    ]
    page = await officer.get("/backoffice/risk?done=approved")
    assert f'id="held-{payment.id}"' not in page.text
    assert "Approved." in page.text


async def test_a_second_decision_with_another_form_changes_nothing(
    bank: Bank, staff_client: StaffFactory
) -> None:
    _, payee, payment = await held_transfer(bank)
    officer = await staff_client(Role.RISK_OFFICER)
    base = f"/backoffice/risk/transfers/{payment.id}"
    first = await officer.post(f"{base}/approve", {"key": uuid4().hex})
    assert first.headers["location"].endswith("done=approved")
    late = await officer.post(f"{base}/reject", {"key": uuid4().hex, "reason": "too late"})
    assert late.headers["location"] == "/backoffice/risk?done=already"
    assert (await bank.payments.transfers.get(payment.id)).status is PaymentStatus.COMPLETED
    assert await ledger_balance(bank, payee.id) == LARGE


async def test_rejecting_a_held_transfer_releases_the_money(
    bank: Bank, staff_client: StaffFactory
) -> None:
    payer, payee, payment = await held_transfer(bank)
    assert await available(bank, payer.id) == 1_000_000 - LARGE
    officer = await staff_client(Role.RISK_OFFICER)
    answer = await officer.post(
        f"/backoffice/risk/transfers/{payment.id}/reject",
        {"key": uuid4().hex, "reason": "mule account"},
    )
    assert answer.headers["location"] == "/backoffice/risk?done=rejected"
    done = await bank.payments.transfers.get(payment.id)
    assert (done.status, done.review_note) == (PaymentStatus.REJECTED, "mule account")
    assert await available(bank, payer.id) == 1_000_000
    assert await ledger_balance(bank, payee.id) == 0
    assert await audited(bank, "reject_transfer") == [
        (f"staff:{officer.username}", f"payment:{payment.id}", "ok")
    ]


async def test_a_rejection_without_a_reason_is_shown_in_the_form_and_changes_nothing(
    bank: Bank, staff_client: StaffFactory
) -> None:
    _, _, payment = await held_transfer(bank)
    officer = await staff_client(Role.RISK_OFFICER)
    answer = await officer.post(
        f"/backoffice/risk/transfers/{payment.id}/reject", {"key": uuid4().hex, "reason": " "}
    )
    assert answer.status_code == 422
    assert "Write why you reject it" in answer.text
    assert (await bank.payments.transfers.get(payment.id)).status is PaymentStatus.PENDING_REVIEW


async def test_approving_a_held_payout_sends_it_on_and_a_second_click_changes_nothing(
    bank: Bank, staff_client: StaffFactory
) -> None:
    _, payout = await held_payout(bank)
    assert payout.stage is PayoutStage.REVIEW
    officer = await staff_client(Role.RISK_OFFICER)
    url = f"/backoffice/risk/payouts/{payout.id}/approve"
    first = await officer.post(url, {"reason": "known customer"})
    assert first.headers["location"] == "/backoffice/risk?done=approved"
    second = await officer.post(url, {"reason": "known customer"})
    assert second.headers["location"] == "/backoffice/risk?done=already"
    assert (await bank.cardmoney.payouts.get(payout.id)).stage is PayoutStage.DEBITED
    assert await audited(bank, "approve_payout") == [
        (f"staff:{officer.username}", f"payout:{payout.id}", "ok")
    ]


async def test_rejecting_a_held_payout_gives_the_money_back(
    bank: Bank, staff_client: StaffFactory
) -> None:
    account, payout = await held_payout(bank)
    officer = await staff_client(Role.RISK_OFFICER)
    missing = await officer.post(f"/backoffice/risk/payouts/{payout.id}/reject", {"reason": ""})
    assert missing.status_code == 422
    assert "Write the reason for your decision" in missing.text
    answer = await officer.post(
        f"/backoffice/risk/payouts/{payout.id}/reject", {"reason": "mule account"}
    )
    assert answer.headers["location"] == "/backoffice/risk?done=rejected"
    done = await bank.cardmoney.payouts.get(payout.id)
    assert (done.status, done.failure_reason) == (PayoutStatus.FAILED, "REJECTED_IN_REVIEW")
    assert await ledger_balance(bank, account.id) == 1_000_000


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_other_roles_may_neither_see_nor_decide(
    bank: Bank, staff_client: StaffFactory, role: Role
) -> None:
    _, _, payment = await held_transfer(bank)
    other = await staff_client(role)
    for url in ("/backoffice/risk", "/backoffice/risk/rules"):
        assert (await other.get(url)).status_code == 403
    approve = await other.post(
        f"/backoffice/risk/transfers/{payment.id}/approve", {"key": uuid4().hex}
    )
    assert approve.status_code == 403
    rules = await other.post("/backoffice/risk/rules", fields_of(DEFAULT_RISK))
    assert rules.status_code == 403
    assert (await other.post("/backoffice/risk/rules/reset")).status_code == 403
    assert (await bank.payments.transfers.get(payment.id)).status is PaymentStatus.PENDING_REVIEW
    assert (await bank.payments.risk.config())[1] is RuleSource.DEFAULT


async def test_a_post_without_the_csrf_token_is_refused_and_changes_nothing(
    bank: Bank, staff_client: StaffFactory
) -> None:
    _, _, payment = await held_transfer(bank)
    _, payout = await held_payout(bank)  # sets the rules: threshold 40
    officer = await staff_client(Role.RISK_OFFICER)
    posts = [
        (f"/backoffice/risk/transfers/{payment.id}/approve", {"key": uuid4().hex}),
        (f"/backoffice/risk/payouts/{payout.id}/reject", {"reason": "no"}),
        ("/backoffice/risk/rules", fields_of(DEFAULT_RISK)),
        ("/backoffice/risk/rules/reset", {}),
    ]
    for url, data in posts:
        answer = await officer.http.post(url, data=data)
        assert answer.status_code == 403, url
    assert (await bank.payments.transfers.get(payment.id)).status is PaymentStatus.PENDING_REVIEW
    assert (await bank.cardmoney.payouts.get(payout.id)).stage is PayoutStage.REVIEW
    config, source = await bank.payments.risk.config()
    assert (config.threshold, source) == (40, RuleSource.CONFIGURED)


async def test_ids_the_queue_never_showed_are_not_found(
    bank: Bank, staff_client: StaffFactory
) -> None:
    payer = await customer_account(bank, "Anna Horak", funded=100_000)
    payee = await customer_account(bank, "Jan Horak")
    plain = await send(bank, payer, payee, 1_000)  # small: never held
    assert plain.status is PaymentStatus.COMPLETED
    officer = await staff_client(Role.RISK_OFFICER)
    for url in (
        f"/backoffice/risk/transfers/{uuid4()}/approve",
        f"/backoffice/risk/transfers/{plain.id}/reject",
        f"/backoffice/risk/payouts/{uuid4()}/approve",
    ):
        answer = await officer.post(url, {"key": uuid4().hex, "reason": "looks fine"})
        assert answer.status_code == 404, url
    assert (await bank.payments.transfers.get(plain.id)).decision is None


# -- the rules ----------------------------------------------------------------------------


async def test_the_rules_page_shows_the_rules_in_force_and_the_defaults(
    staff_client: StaffFactory,
) -> None:
    officer = await staff_client(Role.RISK_OFFICER)
    page = await officer.get("/backoffice/risk/rules")
    assert page.status_code == 200
    assert "These are the shipped defaults." in page.text
    assert 'name="threshold" type="number" min="1" max="1000" step="1" required value="60"' in (
        page.text
    )
    assert 'name="large_amount.amounts.EUR" inputmode="decimal" value="2000.00"' in page.text
    assert 'name="large_amount.amounts.JPY" inputmode="decimal" value="320000"' in page.text


async def test_raised_thresholds_let_a_large_transfer_through_and_reset_restores_them(
    bank: Bank, staff_client: StaffFactory
) -> None:
    officer = await staff_client(Role.RISK_OFFICER)
    form = fields_of(DEFAULT_RISK)
    form["threshold"] = "200"
    form["large_amount.amounts.EUR"] = "3000.50"
    del form["night.enabled"]  # unchecked
    saved = await officer.post("/backoffice/risk/rules", form)
    assert saved.headers["location"] == "/backoffice/risk/rules?done=rules_saved"
    config, source = await bank.payments.risk.config()
    assert source is RuleSource.CONFIGURED
    assert (config.threshold, config.large_amount.amounts["EUR"]) == (200, 300_050)
    assert config.night.enabled is False
    assert await audited(bank, "set_risk_rules") == [(f"staff:{officer.username}", "risk", "ok")]
    _, _, payment = await held_transfer(bank)
    assert payment.status is PaymentStatus.COMPLETED  # 70 < 200: not held any more
    page = await officer.get("/backoffice/risk/rules?done=rules_saved")
    assert "These rules were set by staff." in page.text
    reset = await officer.post("/backoffice/risk/rules/reset")
    assert reset.headers["location"] == "/backoffice/risk/rules?done=rules_reset"
    assert await bank.payments.risk.config() == (DEFAULT_RISK, RuleSource.DEFAULT)
    assert await audited(bank, "reset_risk_rules") == [(f"staff:{officer.username}", "risk", "ok")]


@pytest.mark.parametrize(
    ("field", "value", "shown"),
    [
        ("velocity.max_count", "5000", "Enter a whole number from 1 to 1000."),
        ("threshold", "many", "Enter a whole number from 1 to 1000."),
        ("night.amounts.EUR", "10.001", "no more decimals than the currency has"),
        ("large_amount.score", "-1", "Enter a whole number from 0 to 100."),
    ],
)
async def test_a_bad_value_is_shown_at_its_field_and_nothing_is_saved(
    bank: Bank, staff_client: StaffFactory, field: str, value: str, shown: str
) -> None:
    officer = await staff_client(Role.RISK_OFFICER)
    form = {**fields_of(DEFAULT_RISK), field: value}
    answer = await officer.post("/backoffice/risk/rules", form)
    assert answer.status_code == 422
    assert shown in answer.text
    assert re.search(rf'id="f-{re.escape(field)}"[^>]*aria-invalid="true"', answer.text)
    assert f'value="{value}"' in answer.text  # what was typed stays for correcting
    assert await bank.payments.risk.config() == (DEFAULT_RISK, RuleSource.DEFAULT)


async def test_errors_are_in_the_staff_members_language(
    bank: Bank, staff_client: StaffFactory
) -> None:
    officer = await staff_client(Role.RISK_OFFICER)
    await officer.post("/backoffice/language", {"language": "uk", "back": "/backoffice/risk"})
    answer = await officer.post(
        "/backoffice/risk/rules", {**fields_of(DEFAULT_RISK), "threshold": "0"}
    )
    assert answer.status_code == 422
    assert "Введіть ціле число від 1 до 1000." in answer.text


async def test_a_form_without_its_key_still_decides_only_once(
    bank: Bank, staff_client: StaffFactory
) -> None:
    _, payee, payment = await held_transfer(bank)
    officer = await staff_client(Role.RISK_OFFICER)
    url = f"/backoffice/risk/transfers/{payment.id}/approve"
    first, second = await officer.post(url), await officer.post(url)
    assert first.headers["location"] == "/backoffice/risk?done=approved"
    assert second.headers["location"] == "/backoffice/risk?done=already"
    assert await ledger_balance(bank, payee.id) == LARGE
    who, target = f"staff:{officer.username}", f"payment:{payment.id}"
    assert await audited(bank, "approve_transfer") == [
        (who, target, "ok"),
        (who, target, "rejected:PAYMENT_NOT_PENDING"),  # the second click, refused by core
    ]
