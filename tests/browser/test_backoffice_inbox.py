"""An agent answers a customer who asked for a person in the web chat: the conversation
appears in the inbox, the agent claims it, answers with a canned response, sees the
customer's next message without reloading, notes something for colleagues and hands the
customer back to the bot; the customer's web chat shows each step."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import LAPTOP, TIMEOUT_MS, Server, screenshot, watch
from tests.browser.staff import sign_in

TEXT = "#text"


def customer_says(chat: Page, text: str) -> None:
    chat.locator(TEXT).fill(text)
    chat.locator(TEXT).press("Enter")


def test_an_agent_claims_an_escalated_web_chat_and_the_customer_gets_the_reply(
    page: Page, browser: Browser, server: Server
) -> None:
    james = server.customer("james")
    user = james["webchat_user_id"]

    # The customer, in their own browser, asks for a person.
    customer = browser.new_context(viewport=LAPTOP, locale="en-GB")
    customer.set_default_timeout(TIMEOUT_MS)
    chat = customer.new_page()
    chat_problems = watch(chat)
    chat.goto(server.webchat("james"))
    expect(chat.locator(".msg.bot").first).to_contain_text("Welcome back")
    chat.wait_for_function("() => window.tellerConnected === true")
    customer_says(chat, "talk to a person")
    expect(chat.locator(".msg.bot").last).to_contain_text(re.compile("quiet|queue"))
    loaded = chat.evaluate("performance.timeOrigin")

    # The agent finds them waiting in the inbox.
    sign_in(page, server, "agent", name="Eva Agentová")
    page.get_by_role("navigation").get_by_role("link", name="Inbox").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    row = page.locator("#queue tr", has_text=user)
    expect(row).to_be_visible()
    expect(row).to_contain_text("Asked for a person")
    screenshot(page, "backoffice-inbox")

    row.get_by_role("link", name="James Walker").click()
    expect(page.get_by_role("heading", name=f"Conversation {user}")).to_be_visible()
    expect(page.locator("#live .line.customer").last).to_contain_text("talk to a person")
    expect(page.locator(".inbox-customer")).to_contain_text("James Walker")
    expect(page.locator(".inbox-customer")).to_contain_text(
        f"•• {james['accounts'][0]['iban'][-4:]}"
    )
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("#live")).to_contain_text("You hold this conversation")
    expect(chat.locator(".msg.bot").last).to_contain_text("A person has joined")

    # A canned response in the customer's language, sent without leaving the page.
    page.get_by_label("Canned responses").select_option(label="Greeting")
    expect(page.get_by_label("Reply", exact=True)).to_have_value(
        re.compile("^Hello, this is the Teller support team")
    )
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#live .line.agent").last).to_contain_text("Teller support team")
    expect(page.get_by_label("Reply", exact=True)).to_have_value("")
    expect(chat.locator(".msg.bot").last).to_contain_text("Hello, this is the Teller support team")
    assert chat.evaluate("performance.timeOrigin") == loaded  # the chat was not reloaded

    # The customer answers; the agent's page shows it without a reload.
    agent_loaded = page.evaluate("performance.timeOrigin")
    customer_says(chat, "My card payment at the bakery failed twice")
    expect(page.locator("#live .line.customer").last).to_contain_text("bakery failed twice")
    assert page.evaluate("performance.timeOrigin") == agent_loaded
    expect(page.locator("#live")).to_contain_text(re.compile(r"First response: \d+ s"))

    page.get_by_label("New note").fill("Card declines at a bakery: check the terminal's MCC.")
    page.get_by_role("button", name="Add note").click()
    expect(page.locator("#notes")).to_contain_text("check the terminal's MCC")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "backoffice-inbox-conversation")

    # Back to the bot: the customer hears it, the inbox no longer lists them as held.
    page.get_by_role("button", name="Release to the bot").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    expect(chat.locator(".msg.bot").last).to_contain_text("I'm back")
    page.get_by_role("link", name=re.compile("All claimed")).click()
    expect(page.locator("#queue tr", has_text=user)).to_have_count(0)
    customer.close()
    assert chat_problems == [], chat_problems
