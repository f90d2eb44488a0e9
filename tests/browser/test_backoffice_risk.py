"""A risk officer in the browser: the review queue with a transfer the risk rules held,
approved with a note, and the risk rules' page."""

from __future__ import annotations

from uuid import UUID

from playwright.sync_api import BrowserContext, Page, expect

from core.payments.model import PaymentStatus
from teller.settings import Settings
from teller.wiring import build
from tests.browser.conftest import Server, screenshot, watch
from tests.browser.staff import sign_in
from tests.conftest import run_in_thread
from tests.integration.payments_helpers import customer_account, send

LARGE = 250_000  # 2,500 EUR to someone never paid before: held (40 + 30 ≥ 60)


async def _held_transfer(server: Server) -> UUID:
    """A transfer the running server's risk rules hold, made on its own database."""
    container = build(Settings(data_dir=server.data_dir, database_url=None))
    await container.start()
    try:
        bank = container.bank
        payer = await customer_account(bank, "Marta Dvořáková", funded=1_000_000)
        payee = await customer_account(bank, "Tomáš Beneš")
        payment = await send(bank, payer, payee, LARGE)
        assert payment.status is PaymentStatus.PENDING_REVIEW
        return payment.id
    finally:
        await container.close()


async def _status(server: Server, payment_id: UUID) -> PaymentStatus:
    container = build(Settings(data_dir=server.data_dir, database_url=None))
    await container.start()
    try:
        return (await container.bank.payments.transfers.get(payment_id)).status
    finally:
        await container.close()


def test_a_risk_officer_approves_a_held_transfer(page: Page, server: Server) -> None:
    payment_id = run_in_thread(lambda: _held_transfer(server))
    sign_in(page, server, "risk_officer")
    page.get_by_role("link", name="Risk", exact=True).click()
    row = page.locator(f"#held-{payment_id}")
    expect(row).to_contain_text("2,500.00 EUR")
    expect(row).to_contain_text("Marta D. ••")
    expect(row).to_contain_text("Tomáš B. ••")
    expect(row).to_contain_text("Large amount")
    expect(row).to_contain_text("First payment to this recipient")
    expect(row).not_to_contain_text("Dvořáková")
    screenshot(page, "backoffice-risk-queue")

    row.get_by_label("Note (required to reject)").fill("Called the customer: a car deposit")
    row.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status")).to_contain_text("Approved. The money is on its way.")
    expect(page.locator(f"#held-{payment_id}")).to_have_count(0)
    screenshot(page, "backoffice-risk-approved")
    assert run_in_thread(lambda: _status(server, payment_id)) is PaymentStatus.COMPLETED


def test_a_risk_officer_reads_the_rules_and_a_bad_value_is_explained(
    page: Page, context: BrowserContext, server: Server
) -> None:
    sign_in(page, server, "risk_officer")
    page.goto(f"{server.url}/backoffice/risk/rules")
    expect(page.get_by_role("heading", name="Risk rules")).to_be_visible()
    expect(page.locator("#f-threshold")).to_have_value("60")
    screenshot(page, "backoffice-risk-rules")
    # Not the watched ``page``: the refused form comes back as a 422, which the browser
    # logs as an error; nothing else may be logged.
    rules = context.new_page()
    problems = watch(rules)
    rules.goto(f"{server.url}/backoffice/risk/rules")
    night_eur = rules.locator("#f-night\\.amounts\\.EUR")
    night_eur.fill("10.001")
    rules.get_by_role("button", name="Save the rules").click()
    expect(rules.get_by_role("alert").first).to_contain_text("Nothing was saved.")
    expect(night_eur).to_have_attribute("aria-invalid", "true")
    expect(night_eur).to_have_value("10.001")
    night_eur.scroll_into_view_if_needed()
    screenshot(rules, "backoffice-risk-rules-invalid")
    assert [p for p in problems if "status of 422" not in p] == [], problems
