"""An admin manages staff accounts in Chromium: the list, a new account whose TOTP QR code
is shown once (and works), the account's page without it."""

from __future__ import annotations

import re

import pyotp
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Server, screenshot
from tests.browser.staff import sign_in


def test_an_admin_creates_a_staff_account_and_sees_its_qr_once(
    page: Page, server: Server, browser: Browser
) -> None:
    admin = sign_in(page, server, "admin", name="Adam Adminský")
    page.get_by_role("navigation").get_by_role("link", name="Staff").click()
    expect(page.get_by_role("heading", name="Staff accounts")).to_be_visible()
    expect(page.get_by_role("link", name=admin.username)).to_be_visible()
    screenshot(page, "backoffice-staff-list")

    page.get_by_role("link", name="New staff account").click()
    username = f"kate.{admin.username[-6:]}".replace("-", "")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Full name").fill("Kateřina Kontrolorová")
    page.get_by_label("KYC reviewer").check()
    page.get_by_label("Password", exact=True).fill("stamps and ledgers at dawn")
    page.get_by_label("Password again").fill("stamps and ledgers at dawn")
    screenshot(page, "backoffice-staff-new")
    page.get_by_role("button", name="Create the account").click()

    expect(page.get_by_role("heading", name="Account created")).to_be_visible()
    qr = page.get_by_role("img", name="QR code for the authenticator app")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(page.get_by_text("This code is shown only now.")).to_be_visible()
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    screenshot(page, "backoffice-staff-created")

    page.get_by_role("link", name="The code is scanned").click()
    expect(page.get_by_role("heading", name=re.compile("Kateřina Kontrolorová"))).to_be_visible()
    expect(page.get_by_role("img", name="QR code for the authenticator app")).to_have_count(0)
    expect(page.get_by_label("KYC reviewer")).to_be_checked()
    screenshot(page, "backoffice-staff-account")

    # The new member enrols with the secret and signs in in their own browser.
    other = browser.new_context(locale="en-GB")
    try:
        theirs = other.new_page()
        theirs.goto(f"{server.url}/backoffice/login")
        theirs.get_by_label("Username").fill(username)
        theirs.get_by_label("Password").fill("stamps and ledgers at dawn")
        theirs.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(secret).now())
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("heading", name="Hello, Kateřina Kontrolorová")).to_be_visible()
        nav = theirs.get_by_role("navigation")
        expect(nav.get_by_role("link", name="KYC review")).to_be_visible()
        expect(nav.get_by_role("link", name="Staff")).to_have_count(0)
    finally:
        other.close()

    # The admin deactivates the account; the list shows it.
    page.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("status")).to_have_text(
        "The account is deactivated and signed out everywhere."
    )
    page.get_by_role("link", name="All staff accounts").click()
    expect(page.locator("tr.inactive", has_text=username)).to_be_visible()
