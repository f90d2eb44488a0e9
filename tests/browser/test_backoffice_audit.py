"""An auditor searches the audit log in Chromium and verifies the hash chains."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Server, screenshot
from tests.browser.staff import sign_in


def test_an_auditor_searches_the_log_and_sees_the_chain_verified(
    page: Page, server: Server
) -> None:
    auditor = sign_in(page, server, "auditor", name="Alžběta Auditorová")
    page.get_by_role("navigation").get_by_role("link", name="Audit").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text("Not checked yet on this page.")).to_be_visible()
    screenshot(page, "backoffice-audit-log")

    page.get_by_label("Actor").fill(f"staff:{auditor.username}")
    page.get_by_label("Action starts with").fill("backoffice.sign")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.audit-log tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("backoffice.sign_in")
    expect(rows.first).to_contain_text("password+totp")
    expect(page.get_by_label("Actor")).to_have_value(f"staff:{auditor.username}")

    page.get_by_role("button", name="Verify the chains now").click()
    status = page.get_by_role("status")
    expect(status).to_contain_text("Verified:")
    expect(status).to_contain_text("every hash and link intact")
    # The search stays as it was: the check answered in place.
    expect(rows).to_have_count(1)
    screenshot(page, "backoffice-audit-verified")
