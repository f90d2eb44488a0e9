"""The FX page's spreads: what is in force and where it came from, an admin's spread for a
pair or the default that prices the next quote, "restore" that brings back what was
underneath; refusals at their field in the admin's language; other roles, missing CSRF
tokens and unknown pairs refused. Both databases, each effect checked on the bank."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from backoffice.roles import Role
from core.actors import SYSTEM
from core.bank import Bank
from core.fx.commands import RequestQuote
from core.fx.spreads import SpreadSource
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.settings_support import staff_records, with_rates

OTHER_ROLES = [Role.AGENT, Role.KYC_REVIEWER, Role.MARKETER, Role.RISK_OFFICER, Role.AUDITOR]
SPREAD = {"pair": "CZK/EUR", "bps": "100", "reason": "Thin CZK market"}
FX = "/backoffice/settings/fx"


async def staff_spreads(bank: Bank) -> list[tuple[str, int]]:
    return [(v.key, v.bps) for v in await bank.fx.spreads() if v.source is SpreadSource.STAFF]


async def test_a_pair_spread_prices_the_next_quote_and_restore_brings_back_the_settings(
    bank: Bank, staff_client: StaffFactory
) -> None:
    await with_rates(bank)
    admin = await staff_client(Role.ADMIN)
    page = await admin.get(FX)
    assert "Default spread: 50 basis points (0.50 %)" in page.text
    assert "deployment settings" in page.text
    assert "/backoffice/settings/fx/spreads/default/restore" not in page.text
    before = await bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    assert (before.spread_bps, before.rate) == (50, Decimal("24.175515"))

    answer = await admin.post(f"{FX}/spreads", SPREAD)
    assert answer.headers["location"] == f"{FX}?done=spread_set"
    after = await bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    assert (after.spread_bps, after.rate) == (100, Decimal("24.05403"))
    back = await bank.fx.quote(RequestQuote("CZK", "EUR", 1000_00), SYSTEM)
    assert back.spread_bps == 100  # both directions
    assert (await bank.fx.quote(RequestQuote("EUR", "USD", 100_00), SYSTEM)).spread_bps == 50
    assert await staff_spreads(bank) == [("CZK/EUR", 100)]
    assert await staff_records(bank, "set_spread") == [
        (f"staff:{admin.username}", "fx_spread:CZK/EUR", "ok")
    ]

    page = await admin.get(f"{FX}?done=spread_set")
    assert "The spread is saved and prices the next quote." in page.text
    row = re.search(r'<tr id="spread-CZK-EUR">.*?</tr>', page.text, re.S)
    assert row is not None
    assert "100 basis points (1.00 %)" in row.group(0)
    assert admin.username in row.group(0)
    assert "Thin CZK market" in row.group(0)

    done = await admin.post(f"{FX}/spreads/CZK-EUR/restore", {})
    assert done.headers["location"] == f"{FX}?done=spread_restored"
    assert await staff_spreads(bank) == []
    assert (await bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)).spread_bps == 50
    assert await staff_records(bank, "remove_spread") == [
        (f"staff:{admin.username}", "fx_spread:CZK/EUR", "ok")
    ]
    again = await admin.post(f"{FX}/spreads/CZK-EUR/restore", {})
    assert again.status_code == 404


async def test_a_default_spread_prices_every_pair_without_its_own(
    bank: Bank, staff_client: StaffFactory
) -> None:
    await with_rates(bank)
    admin = await staff_client(Role.ADMIN)
    await admin.post(f"{FX}/spreads", {"pair": "default", "bps": "0", "reason": "Launch week"})
    await admin.post(f"{FX}/spreads", {"pair": "EUR/USD", "bps": "30", "reason": "Busy pair"})
    assert await staff_spreads(bank) == [("*", 0), ("EUR/USD", 30)]
    quote = await bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)
    assert (quote.spread_bps, quote.rate) == (0, Decimal("24.297"))
    assert (await bank.fx.quote(RequestQuote("USD", "EUR", 100_00), SYSTEM)).spread_bps == 30
    page = await admin.get(FX)
    assert "Default spread: 0 basis points (0.00 %)" in page.text
    await admin.post(f"{FX}/spreads/default/restore", {})
    assert await staff_spreads(bank) == [("EUR/USD", 30)]
    assert (await bank.fx.quote(RequestQuote("EUR", "CZK", 100_00), SYSTEM)).spread_bps == 50


@pytest.mark.parametrize(
    ("change", "field", "shown"),
    [
        ({"bps": "abc"}, "spread_bps", "Enter a whole number of basis points"),
        ({"bps": "2001"}, "spread_bps", "Enter a whole number of basis points"),
        ({"bps": "-5"}, "spread_bps", "Enter a whole number of basis points"),
        ({"bps": "12.5"}, "spread_bps", "Enter a whole number of basis points"),
        ({"pair": "EUR/EUR"}, "spread_pair", "Choose the default or a pair"),
        ({"pair": "EUR/UAH"}, "spread_pair", "Choose the default or a pair"),
        ({"pair": "EUR"}, "spread_pair", "Choose the default or a pair"),
        ({"reason": "  "}, "spread_reason", "Write a reason of 1 to 200 characters"),
    ],
)
async def test_a_bad_spread_is_shown_at_its_field_and_nothing_is_saved(
    bank: Bank, staff_client: StaffFactory, change: dict[str, str], field: str, shown: str
) -> None:
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post(f"{FX}/spreads", {**SPREAD, **change})
    assert answer.status_code == 422
    assert shown in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', answer.text)
    assert await staff_spreads(bank) == []


async def test_a_refused_spread_is_in_the_admins_language(
    bank: Bank, staff_client: StaffFactory
) -> None:
    admin = await staff_client(Role.ADMIN)
    await admin.post("/backoffice/language", {"language": "uk", "back": FX})
    answer = await admin.post(f"{FX}/spreads", {**SPREAD, "bps": "5000"})
    assert answer.status_code == 422
    assert "Введіть ціле число базисних пунктів від 0 до 2000." in answer.text
    assert 'value="5000"' in answer.text  # what was typed comes back
    assert await staff_spreads(bank) == []


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_other_roles_may_neither_set_nor_restore_a_spread(
    bank: Bank, staff_client: StaffFactory, role: Role
) -> None:
    await bank.fx.set_spread(("EUR", "CZK"), 70, "Set by an admin", SYSTEM)
    other = await staff_client(role)
    assert (await other.get(FX)).status_code == 403
    assert (await other.post(f"{FX}/spreads", SPREAD)).status_code == 403
    assert (await other.post(f"{FX}/spreads/CZK-EUR/restore", {})).status_code == 403
    assert await staff_spreads(bank) == [("CZK/EUR", 70)]


async def test_spread_posts_without_the_csrf_token_are_refused_and_change_nothing(
    bank: Bank, staff_client: StaffFactory
) -> None:
    admin = await staff_client(Role.ADMIN)
    await admin.post(f"{FX}/spreads", {**SPREAD, "bps": "70"})
    for url, data in [(f"{FX}/spreads", SPREAD), (f"{FX}/spreads/CZK-EUR/restore", {})]:
        answer = await admin.http.post(url, data=data)
        assert answer.status_code == 403, url
    assert await staff_spreads(bank) == [("CZK/EUR", 70)]


@pytest.mark.parametrize("slug", ["EUR-UAH", "EUR-EUR", "XYZ", "EUR-USD", "default"])
async def test_restoring_an_unknown_pair_or_one_staff_never_set_is_not_found(
    bank: Bank, staff_client: StaffFactory, slug: str
) -> None:
    await bank.fx.set_spread(("EUR", "CZK"), 70, "Set by an admin", SYSTEM)
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post(f"{FX}/spreads/{slug}/restore", {})
    assert answer.status_code == 404
    assert await staff_spreads(bank) == [("CZK/EUR", 70)]
