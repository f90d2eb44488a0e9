"""A KYC reviewer in Chromium: the queue, refreshed in place as an application arrives,
the application with its document image, an approval — and then the customer gets a
card in the web chat."""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot
from tests.browser.staff import sign_in
from tests.conftest import run_in_thread


async def _apply(server: Server, key: str) -> str:
    """The demo customer ``key`` (not yet verified) applies with a passport photo whose
    machine-readable zone cannot be read: the checks send it to staff. Done through the
    core on the server's own data, as the chat would; returns the application id."""
    from core.actors import Actor, ActorKind
    from core.kyc.model import ApplicationStatus
    from core.kyc.service import PersonalDataInput
    from integrations.bank.local import LocalBank
    from teller.settings import Settings
    from teller.wiring import build
    from tests.kyc_support import document_image, selfie

    customer = server.customer(key)
    customer_id = UUID(customer["customer_id"])
    chat = Actor(ActorKind.API_CLIENT, "browser-tests-chat")
    container = build(Settings(data_dir=server.data_dir, database_url=None))
    await container.start()
    try:
        bank = container.bank
        local = LocalBank(bank, chat)
        if not await local.list_accounts(customer_id):
            await local.open_account(customer_id, "EUR", idempotency_key=f"kyc-test:{key}")
        draft = await bank.kyc.start(customer_id, chat)
        given, surname = str(customer["name"]).split(" ", 1)
        data = PersonalDataInput(
            given_names=given,
            surname=surname,
            date_of_birth=date(1988, 3, 14),
            nationality="CZ",
            document_kind="passport",
            document_number="41234567",
            issuing_country="CZE",
            document_expiry=date(2033, 6, 30),
        )
        await bank.kyc.set_personal_data(draft.id, data, chat)
        await bank.kyc.add_document(draft.id, "passport", document_image(), chat)
        await bank.kyc.add_document(draft.id, "selfie", selfie(), chat)
        await bank.kyc.submit(draft.id, chat)
        await bank.kyc.process(draft.id)  # the server's runner may do it too: idempotent
        assert (await bank.kyc.get(draft.id)).status is ApplicationStatus.MANUAL_REVIEW
        return str(draft.id)
    finally:
        await container.close()


def _say(page: Page, text: str) -> None:
    page.get_by_label("Message").fill(text)
    page.get_by_label("Message").press("Enter")


def test_a_reviewer_approves_and_the_customer_gets_a_card(page: Page, server: Server) -> None:
    petr: dict[str, Any] = server.customer("petr")

    sign_in(page, server, "kyc_reviewer", name="Radka Revizorová")
    page.get_by_role("navigation").get_by_role("link", name="KYC review").click()
    expect(page.get_by_role("heading", name="Identity checks waiting for review")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=petr["name"])
    expect(row).to_have_count(0)

    # Petr applies while the queue is open: it refreshes itself (every 10 s), the page
    # is not reloaded (the mark set on this page survives).
    page.evaluate("window.stillThisPage = true")
    application_id = run_in_thread(lambda: _apply(server, "petr"))
    expect(row).to_contain_text("Machine-readable zone", timeout=20_000)
    assert page.evaluate("window.stillThisPage") is True
    expect(row).to_contain_text(re.compile(r"\d+ min"))
    screenshot(page, "backoffice-kyc-queue")

    row.get_by_role("link", name=petr["name"]).click()
    expect(page).to_have_url(re.compile(f"/backoffice/kyc/applications/{application_id}$"))
    expect(page.get_by_role("heading", name=f"Identity check: {petr['name']}")).to_be_visible()
    expect(page.get_by_text("41234567")).to_be_visible()
    passport = page.get_by_role("img", name="Passport")
    expect(passport).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=passport.element_handle()
    )
    selfie = page.get_by_role("img", name="Selfie")
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=selfie.element_handle()
    )
    screenshot(page, "backoffice-kyc-application")
    passport.scroll_into_view_if_needed()
    screenshot(page, "backoffice-kyc-documents")

    # The image's link was spent when the page loaded it: a second request gets nothing.
    link = str(passport.get_attribute("src"))
    again = page.request.get(f"{server.url}{link}")
    assert again.status == 410
    assert not again.body().startswith(b"\x89PNG")

    page.get_by_role("button", name="Approve the application").click()
    expect(page.get_by_role("status")).to_contain_text("Approved")
    expect(page.get_by_role("row").filter(has_text=petr["name"])).to_have_count(0)
    screenshot(page, "backoffice-kyc-approved")

    # The customer, verified now, gets a card in the web chat.
    page.goto(server.webchat("petr"))
    expect(page.get_by_label("Message")).to_be_visible()
    _say(page, "I want a card")
    card = page.locator(".msg.bot").filter(has=page.locator("img")).last
    expect(card).to_contain_text(re.compile(r"•• \d{4}"))
    screenshot(page, "backoffice-kyc-customer-card")
