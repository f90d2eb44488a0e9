"""An admin in the browser: exchange switched off for an hour with a reason, which a demo
customer in the web chat is then shown when they try to exchange; the switch lifted; the
rates, fees and limits pages, with a fee rule added and the default restored."""

from __future__ import annotations

import re

from playwright.sync_api import BrowserContext, Page, expect

from core.actors import Actor, ActorKind
from teller.settings import Settings
from teller.wiring import build
from tests.browser.conftest import Server, screenshot, watch
from tests.browser.staff import sign_in
from tests.conftest import run_in_thread

REASON = "Our exchange rates provider is being upgraded"


async def _lift_everything(server: Server) -> None:
    """Whatever a failed test left switched off is lifted: the server is shared."""
    container = build(Settings(data_dir=server.data_dir, database_url=None))
    await container.start()
    try:
        switches = container.bank.payments.switches
        for switch in await switches.current():
            await switches.lift(switch.id, Actor(ActorKind.STAFF, "browser-tests"))
    finally:
        await container.close()


def test_exchange_switched_off_for_an_hour_is_refused_in_the_chat_with_the_reason(
    page: Page, context: BrowserContext, server: Server
) -> None:
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Settings", exact=True).click()
    expect(page.get_by_text("Nothing is switched off.")).to_be_visible()
    page.get_by_label("Operations").select_option("exchange")
    page.get_by_label("Currency").select_option(label="All currencies")
    page.get_by_label("How long").select_option(label="For 1 hour")
    page.get_by_label("Reason shown to customers").fill(REASON)
    screenshot(page, "backoffice-settings-switch-form")
    page.get_by_role("button", name="Switch off").click()
    try:
        expect(page.get_by_role("status")).to_contain_text("Switched off.")
        row = page.locator("table.switches tbody tr")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Currency exchange")
        expect(row).to_contain_text("in force")
        expect(row).to_contain_text(REASON)
        screenshot(page, "backoffice-settings-switches")

        chat = context.new_page()
        problems = watch(chat)
        chat.goto(server.webchat("anna"))  # Anna chats in Czech; the reason is staff's words
        chat.get_by_role("button", name="Směnit měnu").click()
        chat.get_by_role("button", name=re.compile(r"^EUR"), disabled=False).click()
        chat.get_by_role("button", name=re.compile(r"^CZK"), disabled=False).click()
        refusal = chat.locator(".msg.bot").last
        expect(refusal).to_contain_text("Směna měn je pozastavená do")
        expect(refusal).to_contain_text(REASON)
        expect(refusal).to_contain_text("Nic nebylo směněno.")
        screenshot(chat, "backoffice-settings-exchange-refused-in-chat")
        assert problems == [], problems

        page.get_by_role("button", name="Lift now").click()
        expect(page.get_by_role("status")).to_contain_text("The switch is lifted")
        expect(page.get_by_text("Nothing is switched off.")).to_be_visible()
    finally:
        run_in_thread(lambda: _lift_everything(server))


def test_an_admin_adds_a_fee_rule_and_restores_the_default(
    page: Page, context: BrowserContext, server: Server
) -> None:
    sign_in(page, server, "admin")
    page.goto(f"{server.url}/backoffice/settings/fx")
    expect(page.get_by_text("Default spread: 50 basis points")).to_be_visible()
    screenshot(page, "backoffice-settings-fx")

    page.get_by_role("link", name="Fees").click()
    page.get_by_label("Operation").select_option("transfer_internal")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("Fixed").fill("12.5")
    page.get_by_role("button", name="Save the fee rule").click()
    expect(page.get_by_role("status")).to_contain_text("The fee rule is saved")
    row = page.locator("#fee-transfer_internal-EUR")
    expect(row).to_contain_text("12.50")
    expect(row).to_contain_text("Set by staff")
    screenshot(page, "backoffice-settings-fees")
    row.get_by_role("button", name="Restore the default").click()
    expect(page.get_by_role("status")).to_contain_text("the default applies again")
    expect(page.locator("#fee-transfer_internal-EUR")).to_have_count(0)

    page.get_by_role("link", name="Limits").click()
    expect(page.locator("#limit-full-EUR")).to_contain_text("Shipped default")
    # Not the watched ``page``: the refused form comes back as a 422, which the browser
    # logs as an error; nothing else may be logged.
    limits = context.new_page()
    problems = watch(limits)
    limits.goto(f"{server.url}/backoffice/settings/limits")
    limits.get_by_label("Per day").fill("100")
    limits.get_by_label("Per month").fill("50")
    limits.get_by_role("button", name="Save the limit rule").click()
    expect(limits.locator("#e-daily")).to_contain_text("no greater than the monthly limit")
    expect(limits.locator("#daily")).to_have_value("100")
    limits.locator("#daily").scroll_into_view_if_needed()
    screenshot(limits, "backoffice-settings-limits")
    assert [p for p in problems if "status of 422" not in p] == [], problems
