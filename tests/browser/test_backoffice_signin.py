"""Staff sign in to the back office in Chromium and see only their roles' sections."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import Server, screenshot
from tests.browser.staff import create_staff, sign_in


def test_a_staff_member_signs_in_with_password_and_code(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/backoffice")
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()
    screenshot(page, "backoffice-login")
    sign_in(page, server, "agent", "auditor", name="Alena Agentová")
    expect(page.get_by_role("heading", name="Hello, Alena Agentová")).to_be_visible()
    nav = page.get_by_role("navigation")
    expect(nav.get_by_role("link", name="Inbox")).to_be_visible()
    expect(nav.get_by_role("link", name="Audit")).to_be_visible()
    expect(nav.get_by_role("link", name="KYC review")).to_have_count(0)
    screenshot(page, "backoffice-home")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Staff sign-in")).to_be_visible()


def test_a_wrong_code_is_refused(context: BrowserContext, server: Server) -> None:
    # Not the watched ``page``: the refusal is a 401, which the browser logs as an error.
    page = context.new_page()
    login = create_staff(server, "marketer")
    page.goto(f"{server.url}/backoffice/login")
    page.get_by_label("Username").fill(login.username)
    page.get_by_label("Password").fill(login.password)
    page.get_by_label("Code from your authenticator app").fill("123456")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("The username, password or code is wrong.")
