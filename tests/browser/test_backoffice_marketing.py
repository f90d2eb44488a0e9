"""A marketer in the browser: creates a partner program, sees its Telegram deep link and QR
code; the link is opened and Telegram delivers the ``/start <code>`` it yields to the
running server; the program's funnel then shows the conversation it started."""

from __future__ import annotations

import itertools
import os
import time
from urllib.parse import parse_qs, urlparse

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import TELEGRAM_BOT, Server, screenshot, watch
from tests.browser.staff import sign_in

CHAT_ID = 5_550_001
_update_ids = itertools.count(900_000_001)


def start_update(text: str) -> dict[str, object]:
    """What Telegram posts when someone opens the bot through a deep link and taps Start."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": 1,
            "date": int(time.time()),
            "chat": {"id": CHAT_ID, "type": "private", "first_name": "Alena"},
            "from": {"id": CHAT_ID, "is_bot": False, "first_name": "Alena", "language_code": "cs"},
            "text": text,
        },
    }


def funnel_cell(page: Page, channel: str, stage: str) -> str:
    cell = page.locator(f'tr[data-channel="{channel}"] td[data-stage="{stage}"]')
    return cell.inner_text() if cell.count() else ""


def test_a_marketers_program_link_starts_a_telegram_conversation_attributed_to_it(
    page: Page, server: Server
) -> None:
    assert server.telegram is not None
    code = f"AUTUMN{os.getpid() % 10_000:04d}"
    sign_in(page, server, "marketer")
    page.get_by_role("link", name="Marketing").first.click()
    page.get_by_role("link", name="New program").click()
    page.get_by_label("Name", exact=True).fill(f"Autumn with Rohlík {code}")
    page.get_by_label("Kind").select_option("partner")
    page.get_by_label("Partner", exact=True).fill("Rohlík")
    page.get_by_label("Promo code").fill(code)
    page.get_by_label("Reward for the new customer").fill("5")
    page.get_by_label("Description in English").fill("5 EUR when your account is verified")
    screenshot(page, "backoffice-marketing-new-program")
    page.get_by_role("button", name="Save").click()

    # The program's page: its promo code's tracked links, each with a QR code.
    expect(page.get_by_role("heading", name=code, exact=True)).to_be_visible()
    telegram = page.locator('li.link[data-channel="telegram"]')
    deep_link = f"https://t.me/{TELEGRAM_BOT}?start={code}"
    expect(telegram.get_by_role("link", name=deep_link)).to_be_visible()
    tracked = telegram.locator("input.copy").input_value()
    assert tracked == f"{server.url}/r/{code}/telegram"
    qr = telegram.get_by_role("img", name="QR code of the Telegram link")
    expect(qr).to_be_visible()
    page.wait_for_function(  # the picture arrived and is a picture
        "() => { const i = document.querySelector('li.link[data-channel=telegram] img.qr');"
        " return i !== null && i.complete && i.naturalWidth > 100; }"
    )
    screenshot(page, "backoffice-marketing-program")

    # Someone scans the QR code: the tracked link counts the opening and leads to Telegram.
    opened = httpx.get(tracked, follow_redirects=False, timeout=30)
    assert (opened.status_code, opened.headers["location"]) == (302, deep_link)
    payload = parse_qs(urlparse(opened.headers["location"]).query)["start"][0]
    # … and Telegram sends the bot what the deep link carries.
    server.telegram.reset()
    server.telegram_update(start_update(f"/start {payload}"))
    server.telegram.wait_for(lambda calls: any(c.path.endswith("/sendMessage") for c in calls), 60)

    page.get_by_role("link", name="Funnel").click()
    deadline = time.monotonic() + 30
    while funnel_cell(page, "telegram", "started") != "1" and time.monotonic() < deadline:
        time.sleep(0.5)
        page.reload()
    assert funnel_cell(page, "telegram", "started") == "1"
    assert funnel_cell(page, "telegram", "opened") == "1"
    assert funnel_cell(page, "all", "started") == "1"
    screenshot(page, "backoffice-marketing-funnel")

    page.get_by_role("link", name=f"Autumn with Rohlík {code}").click()
    page.get_by_role("link", name="← Referral and partner programs").click()
    expect(page.get_by_role("link", name=f"Autumn with Rohlík {code}")).to_be_visible()
    screenshot(page, "backoffice-marketing-programs")


def test_a_marketer_is_told_why_a_flow_text_cannot_be_published(
    context: BrowserContext, server: Server
) -> None:
    page = context.new_page()
    # The refusal is a 422 page, which Chromium reports on the console; nothing else may be.
    problems = watch(page)
    sign_in(page, server, "marketer")
    page.goto(f"{server.url}/backoffice/marketing/texts")
    page.get_by_label("A key or words of the English text").fill("received")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="notify.money_received").click()
    screenshot(page, "backoffice-marketing-text")
    czech = page.locator("#lang-cs")
    original = czech.locator("textarea").input_value()
    assert "{amount}" in original
    czech.locator("textarea").fill("Přišly vám peníze")  # the amount is gone
    czech.get_by_role("button", name="Check and publish").click()
    expect(page.locator("#lang-cs .error")).to_contain_text(
        "The placeholders must be the English text's: {amount}"
    )
    screenshot(page, "backoffice-marketing-text-refused")
    page.goto(f"{server.url}/backoffice/marketing/texts/notify.money_received")
    assert page.locator("#lang-cs textarea").input_value() == original
    refused = "the server responded with a status of 422"
    assert [p for p in problems if refused not in p] == []
