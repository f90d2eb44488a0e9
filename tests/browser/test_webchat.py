"""The web chat page as people use it, in Chromium: choose a language, check a balance,
send money with the passcode and see the receipt, send a file, and hear from a person
without reloading."""

from __future__ import annotations

import re
from decimal import Decimal

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot

TEXT = "#text"


def bot(page: Page) -> str:
    return "\n".join(page.locator(".msg.bot").all_inner_texts())


def say(page: Page, text: str) -> None:
    """Type into the message box and press Enter, as a person does."""
    page.locator(TEXT).fill(text)
    page.locator(TEXT).press("Enter")


def euros(page: Page, account_last4: str) -> Decimal:
    """The balance the last balance message shows for an account."""
    shown = re.findall(rf"•• {account_last4}: €([\d,]+\.\d\d)", bot(page))
    assert shown, bot(page)
    return Decimal(shown[-1].replace(",", ""))


def test_a_new_visitor_chooses_a_language_and_is_welcomed(page: Page, server: Server) -> None:
    page.goto(server.webchat())
    english = page.get_by_role("button", name="English")
    expect(english).to_be_visible()
    for language in ("Čeština", "Русский", "Українська"):
        expect(page.get_by_role("button", name=language)).to_be_visible()
    # The message box is labelled and has the focus, ready for typing.
    expect(page.get_by_label("Message")).to_be_focused()
    expect(page.get_by_role("button", name="Send a photo or document")).to_be_visible()
    screenshot(page, "01-new-visitor-languages")

    # Keyboard only: Tab moves from the message box to Send; a choice answers to Enter.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    expect(page.get_by_role("button", name="Send a photo or document")).to_be_focused()
    english.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".msg.me").last).to_have_text(re.compile("English"))
    expect(page.locator(".msg.bot").last).to_contain_text("Welcome to Teller")
    expect(page.get_by_role("button", name="Open an account")).to_be_visible()
    # One tap per row: the language buttons are spent.
    expect(english).to_be_disabled()
    expect(page.get_by_label("Message")).to_be_focused()
    screenshot(page, "02-new-visitor-welcome")


def test_a_customer_taps_balance_on_a_phone(phone: Page, server: Server) -> None:
    james = server.customer("james")
    last4 = james["accounts"][0]["iban"][-4:]
    phone.goto(server.webchat("james"))
    expect(phone.locator(".msg.bot").first).to_contain_text("Welcome back")
    phone.get_by_role("button", name="Balance", exact=True).click()
    expect(phone.locator(".msg.bot").last).to_contain_text(f"•• {last4}: €")
    assert euros(phone, last4) > 0
    # Nothing is wider than the phone: no sideways scrolling.
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, width
    expect(phone.locator(TEXT)).to_be_in_viewport()
    # A tap does not pop the on-screen keyboard up over the answer.
    expect(phone.locator(TEXT)).not_to_be_focused()
    screenshot(phone, "03-phone-balance-390x844")


def test_a_customer_sends_money_by_typing_and_sees_the_receipt(page: Page, server: Server) -> None:
    james = server.customer("james")
    last4 = james["accounts"][0]["iban"][-4:]
    anna_eur = next(a for a in server.customer("anna")["accounts"] if a["currency"] == "EUR")
    page.goto(server.webchat("james"))
    page.get_by_role("button", name="Balance", exact=True).click()
    expect(page.locator(".msg.bot").last).to_contain_text(f"•• {last4}: €")
    before = euros(page, last4)

    say(page, "send money")
    expect(page.locator(".msg.bot").last).to_contain_text("Who are you sending money to?")
    say(page, anna_eur["iban"])
    expect(page.locator(".msg.bot").last).to_contain_text("How much?")
    say(page, "5")
    expect(page.locator(".msg.bot").last).to_contain_text("Total: €5.00")
    screenshot(page, "04-transfer-summary")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator(".msg.bot").last).to_contain_text("passcode")
    say(page, james["passcode"])
    # What was typed for the passcode is not shown back on the screen.
    expect(page.locator(".msg.me").last).to_have_text(re.compile("••••••"))
    expect(page.locator(".msg.bot").last).to_contain_text("Sent €5.00")

    receipt = page.locator(".msg.bot img").last
    expect(receipt).to_be_visible()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=receipt.element_handle())
    assert receipt.evaluate("img => img.naturalWidth") > 200
    assert james["passcode"] not in page.locator("#log").inner_text()
    screenshot(page, "05-transfer-receipt")

    page.get_by_role("button", name="Balance", exact=True).last.click()
    expect(page.locator(".msg.bot").last).to_contain_text(f"•• {last4}: €")
    assert euros(page, last4) == before - Decimal("5.00")


def test_a_file_goes_through_the_paperclip(page: Page, server: Server) -> None:
    page.goto(server.webchat("james"))
    expect(page.get_by_role("button", name="Balance", exact=True)).to_be_visible()
    answers = page.locator(".msg.bot").count()
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Send a photo or document").click()
    chooser.value.set_files(
        {"name": "note.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}
    )
    expect(page.locator(".msg.me").last).to_have_text(re.compile("note.pdf"))
    page.wait_for_function("n => document.querySelectorAll('.msg.bot').length > n", arg=answers)
    expect(page.locator(".msg.bot").last).not_to_be_empty()
    expect(page.locator(".typing")).to_have_count(0)
    screenshot(page, "06-file-sent")


def test_a_person_answers_through_the_websocket_without_a_reload(
    page: Page, server: Server
) -> None:
    page.goto(server.webchat())
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Talk to a person").click()
    expect(page.locator(".msg.bot").last).to_contain_text(re.compile("quiet|queue"))
    page.wait_for_function("() => window.tellerConnected === true")
    user = page.evaluate("window.tellerUserId")
    loaded = page.evaluate("performance.timeOrigin")

    server.agent(user, "claim")
    server.agent(user, "reply", text="Hello, this is Eva from Teller. How can I help?")
    expect(page.locator(".msg.bot").last).to_contain_text("this is Eva from Teller")
    assert page.evaluate("performance.timeOrigin") == loaded  # the same page, not reloaded
    screenshot(page, "07-agent-reply-pushed")

    answers = page.locator(".msg.bot").count()
    server.agent(user, "release")
    expect(page.locator(".msg.bot")).to_have_count(answers + 1)
