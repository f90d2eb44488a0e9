"""The settings pages: switches (and their effect on exchange, transfers and the rest),
FX spreads and rate overrides, fees and limits; validation shown in the form in the staff
member's language; refusals for other roles, missing CSRF tokens and unknown ids. On both
databases, each effect checked on the bank itself."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from backoffice.roles import Role
from core.bank import Bank
from core.customers.model import KycLevel
from core.payments.errors import OperationDisabled
from core.payments.fees import RuleSource
from core.payments.model import Operation, SwitchScope
from tests.backoffice.conftest import StaffFactory
from tests.backoffice.settings_support import exchange, staff_records, wallet, with_rates
from tests.fakes import MutableClock

OTHER_ROLES = [Role.AGENT, Role.KYC_REVIEWER, Role.MARKETER, Role.RISK_OFFICER, Role.AUDITOR]
PAGES = [
    "/backoffice/settings",
    "/backoffice/settings/fx",
    "/backoffice/settings/fees",
    "/backoffice/settings/limits",
]
SWITCH = {"scope": "exchange", "currency": "", "duration": "60", "reason": "Rates feed upgrade"}
OVERRIDE = {
    "base": "EUR",
    "quote": "CZK",
    "rate": "25.5",
    "valid_until": "2026-03-03T10:30",
    "reason": "Central bank intervention",
}
FEE = {"operation": "transfer_internal", "currency": "EUR", "fixed": "1.50", "percent": ""}
LIMIT = {"kyc_level": "full", "currency": "EUR", "daily": "100", "monthly": "1000"}


def posts(switch_id: str = "", override_id: str = "") -> list[tuple[str, dict[str, str]]]:
    return [
        ("/backoffice/settings/switches", SWITCH),
        (f"/backoffice/settings/switches/{switch_id or uuid4()}/lift", {}),
        ("/backoffice/settings/fx/overrides", OVERRIDE),
        (f"/backoffice/settings/fx/overrides/{override_id or uuid4()}/cancel", {"reason": "x"}),
        ("/backoffice/settings/fees", FEE),
        ("/backoffice/settings/fees/reset", {"operation": "exchange", "currency": "*"}),
        ("/backoffice/settings/limits", LIMIT),
        ("/backoffice/settings/limits/reset", {"kyc_level": "full", "currency": "EUR"}),
    ]


async def test_every_settings_page_opens_for_an_admin(staff_client: StaffFactory) -> None:
    admin = await staff_client(Role.ADMIN)
    for url in PAGES:
        page = await admin.get(url)
        assert page.status_code == 200, url
        assert 'href="/backoffice/static/settings.css"' in page.text
    assert "Nothing is switched off." in (await admin.get(PAGES[0])).text


# -- switches -----------------------------------------------------------------------------


async def test_exchange_switched_off_for_an_hour_refuses_with_the_reason_then_works_again(
    bank: Bank, staff_client: StaffFactory, clock: MutableClock
) -> None:
    await with_rates(bank)
    eur, czk = await wallet(bank)
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post("/backoffice/settings/switches", SWITCH)
    assert answer.headers["location"] == "/backoffice/settings?done=disabled"
    (switch,) = await bank.payments.switches.current()
    assert (switch.scope, switch.currency, switch.reason) == (
        SwitchScope.EXCHANGE,
        None,
        "Rates feed upgrade",
    )
    assert switch.ends_at == clock.now() + timedelta(hours=1)
    assert switch.created_by == f"staff:{admin.username}"
    with pytest.raises(OperationDisabled) as refused:
        await exchange(bank, eur, czk)
    assert refused.value.data["reason"] == "Rates feed upgrade"
    # Transfers are another scope: untouched.
    await bank.payments.switches.ensure_enabled(Operation.TRANSFER_INTERNAL, "EUR")
    page = await admin.get("/backoffice/settings?done=disabled")
    assert "Rates feed upgrade" in page.text
    assert "2026-03-02 10:30" in page.text  # starts now, shown in Prague time
    assert "2026-03-02 11:30" in page.text
    assert await staff_records(bank, "disable_operation") == [
        (f"staff:{admin.username}", f"switch:{switch.id}", "ok")
    ]
    clock.current += timedelta(minutes=61)  # the hour is over
    done = await exchange(bank, eur, czk)
    assert done.sell_amount == 10_00


async def test_lifting_a_switch_early_lets_the_operations_through(
    bank: Bank, staff_client: StaffFactory
) -> None:
    await with_rates(bank)
    eur, czk = await wallet(bank)
    admin = await staff_client(Role.ADMIN)
    await admin.post(
        "/backoffice/settings/switches", {**SWITCH, "scope": "all", "duration": "open"}
    )
    (switch,) = await bank.payments.switches.current()
    assert switch.ends_at is None
    with pytest.raises(OperationDisabled):
        await bank.payments.switches.ensure_enabled(Operation.BILL_PAYMENT, "CZK")
    lifted = await admin.post(f"/backoffice/settings/switches/{switch.id}/lift")
    assert lifted.headers["location"] == "/backoffice/settings?done=lifted"
    assert await bank.payments.switches.current() == []
    await exchange(bank, eur, czk)
    assert await staff_records(bank, "enable_operation") == [
        (f"staff:{admin.username}", f"switch:{switch.id}", "ok")
    ]
    again = await admin.post(f"/backoffice/settings/switches/{switch.id}/lift")
    assert again.status_code == 303  # lifting again changes nothing
    assert len(await staff_records(bank, "enable_operation")) == 1


async def test_a_switch_for_one_currency_from_a_later_start_until_a_chosen_end(
    bank: Bank, staff_client: StaffFactory, clock: MutableClock
) -> None:
    admin = await staff_client(Role.ADMIN)
    form = {
        **SWITCH,
        "scope": "transfers",
        "currency": "CZK",
        "duration": "custom",
        "starts_at": "2026-03-02T12:00",
        "ends_at": "2026-03-02T14:00",
    }
    assert (await admin.post("/backoffice/settings/switches", form)).status_code == 303
    (switch,) = await bank.payments.switches.current()
    assert (switch.starts_at, switch.ends_at) == (
        datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
        datetime(2026, 3, 2, 13, 0, tzinfo=UTC),
    )
    await bank.payments.switches.ensure_enabled(Operation.TRANSFER_INTERNAL, "CZK")  # not yet
    assert "scheduled" in (await admin.get("/backoffice/settings")).text
    clock.current = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    with pytest.raises(OperationDisabled):
        await bank.payments.switches.ensure_enabled(Operation.TRANSFER_CARD, "CZK")
    await bank.payments.switches.ensure_enabled(Operation.TRANSFER_CARD, "EUR")


@pytest.mark.parametrize(
    ("change", "field", "shown"),
    [
        ({"reason": "  "}, "reason", "Write a reason of 1 to 200 characters"),
        ({"duration": "custom"}, "ends_at", "Enter an end in the future, after the start."),
        (
            {"duration": "custom", "ends_at": "2026-03-02T09:00"},
            "ends_at",
            "Enter an end in the future, after the start.",
        ),
        ({"currency": "XYZ"}, "currency", "Choose one of the bank"),
        ({"starts_at": "tomorrow"}, "starts_at", "Enter a valid start time."),
    ],
)
async def test_a_bad_switch_is_shown_at_its_field_and_nothing_is_switched_off(
    bank: Bank, staff_client: StaffFactory, change: dict[str, str], field: str, shown: str
) -> None:
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post("/backoffice/settings/switches", {**SWITCH, **change})
    assert answer.status_code == 422
    assert shown in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', answer.text)
    assert await bank.payments.switches.current() == []


async def test_a_refusal_is_in_the_admins_language(bank: Bank, staff_client: StaffFactory) -> None:
    admin = await staff_client(Role.ADMIN)
    await admin.post("/backoffice/language", {"language": "cs", "back": "/backoffice/settings"})
    answer = await admin.post("/backoffice/settings/switches", {**SWITCH, "reason": ""})
    assert answer.status_code == 422
    assert "Napište důvod o 1 až 200 znacích; klienti ho uvidí." in answer.text


# -- FX -----------------------------------------------------------------------------------


async def test_a_rate_override_prices_the_pair_until_it_is_cancelled(
    bank: Bank, staff_client: StaffFactory
) -> None:
    await with_rates(bank)
    admin = await staff_client(Role.ADMIN)
    page = await admin.get("/backoffice/settings/fx")
    assert "Default spread: 50 basis points (0.50 %)" in page.text
    answer = await admin.post("/backoffice/settings/fx/overrides", OVERRIDE)
    assert answer.headers["location"] == "/backoffice/settings/fx?done=override_set"
    (override,) = await bank.fx.rate_overrides(active_only=True)
    assert (override.rate, override.valid_until) == (
        Decimal("25.5"),
        datetime(2026, 3, 3, 9, 30, tzinfo=UTC),
    )
    assert (await bank.fx.exchange_rate("EUR", "CZK")).mid_rate == Decimal("25.5")
    page = await admin.get("/backoffice/settings/fx")
    assert "1 EUR = 25.5 CZK" in page.text
    assert "Central bank intervention" in page.text
    assert await staff_records(bank, "set_rate_override") == [
        (f"staff:{admin.username}", f"fx_override:{override.id}", "ok")
    ]
    cancel = f"/backoffice/settings/fx/overrides/{override.id}/cancel"
    done = await admin.post(cancel, {"reason": "intervention over"})
    assert done.headers["location"] == "/backoffice/settings/fx?done=override_cancelled"
    assert await bank.fx.rate_overrides(active_only=True) == []
    assert (await bank.fx.exchange_rate("EUR", "CZK")).mid_rate == Decimal("24.297")
    late = await admin.post(cancel, {"reason": "again"})
    assert late.headers["location"] == "/backoffice/settings/fx?done=override_over"


@pytest.mark.parametrize(
    ("change", "field", "shown"),
    [
        ({"rate": "abc"}, "rate", "Enter a positive rate"),
        ({"rate": "-2"}, "rate", "Enter a positive rate"),
        ({"quote": "EUR"}, "quote", "Choose two different currencies."),
        ({"valid_until": "2026-03-01T10:00"}, "valid_until", "Enter an end in the future"),
        ({"valid_until": "2026-07-01T10:00"}, "valid_until", "at most 92 days later"),
        ({"reason": ""}, "reason", "Write a reason"),
    ],
)
async def test_a_bad_override_is_shown_at_its_field_and_nothing_is_saved(
    bank: Bank, staff_client: StaffFactory, change: dict[str, str], field: str, shown: str
) -> None:
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post("/backoffice/settings/fx/overrides", {**OVERRIDE, **change})
    assert answer.status_code == 422
    assert shown in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', answer.text)
    assert await bank.fx.rate_overrides() == []


# -- fees ---------------------------------------------------------------------------------


async def test_a_new_fee_rule_changes_the_quoted_fee_and_removing_it_restores_the_default(
    bank: Bank, staff_client: StaffFactory
) -> None:
    admin = await staff_client(Role.ADMIN)
    assert (await bank.payments.fees.quote(Operation.TRANSFER_INTERNAL, 100_00, "EUR")).fee == 0
    page = await admin.get("/backoffice/settings/fees")
    assert 'id="fee-exchange-any"' in page.text
    assert "Shipped default" in page.text
    saved = await admin.post(
        "/backoffice/settings/fees", {**FEE, "percent": "0.5", "maximum": "2"}
    )
    assert saved.headers["location"] == "/backoffice/settings/fees?done=fee_saved"
    quote = await bank.payments.fees.quote(Operation.TRANSFER_INTERNAL, 100_00, "EUR")
    assert (quote.fee, quote.source) == (2_00, RuleSource.CONFIGURED)  # 1.50 + 0.50, ≤ 2
    small = await bank.payments.fees.quote(Operation.TRANSFER_INTERNAL, 10_00, "EUR")
    assert small.fee == 1_55
    assert await staff_records(bank, "set_fee_rule") == [
        (f"staff:{admin.username}", "fees:transfer_internal:EUR", "ok")
    ]
    page = await admin.get("/backoffice/settings/fees")
    assert "Set by staff" in page.text
    reset = await admin.post(
        "/backoffice/settings/fees/reset", {"operation": "transfer_internal", "currency": "EUR"}
    )
    assert reset.headers["location"] == "/backoffice/settings/fees?done=fee_reset"
    quote = await bank.payments.fees.quote(Operation.TRANSFER_INTERNAL, 100_00, "EUR")
    assert (quote.fee, quote.source) == (0, RuleSource.DEFAULT)
    assert await staff_records(bank, "reset_fee_rule") == [
        (f"staff:{admin.username}", "fees:transfer_internal:EUR", "ok")
    ]


async def test_a_rule_for_every_currency_takes_minor_units(
    bank: Bank, staff_client: StaffFactory
) -> None:
    admin = await staff_client(Role.ADMIN)
    form = {"operation": "exchange", "currency": "*", "fixed": "7", "percent": "1"}
    assert (await admin.post("/backoffice/settings/fees", form)).status_code == 303
    quote = await bank.payments.fees.quote(Operation.EXCHANGE, 100_00, "CZK")
    assert quote.fee == 7 + 100


@pytest.mark.parametrize(
    ("change", "field", "shown"),
    [
        ({"percent": "150"}, "percent", "Enter a percentage from 0 to 100"),
        ({"fixed": "1.505"}, "fixed", "no more decimals than the currency has"),
        ({"minimum": "5", "maximum": "2"}, "maximum", "no lower than the minimum"),
        ({"currency": "XYZ"}, "currency", "Choose one of the bank"),
    ],
)
async def test_a_bad_fee_rule_is_shown_at_its_field_and_nothing_is_saved(
    bank: Bank, staff_client: StaffFactory, change: dict[str, str], field: str, shown: str
) -> None:
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post("/backoffice/settings/fees", {**FEE, **change})
    assert answer.status_code == 422
    assert shown in answer.text
    assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', answer.text)
    assert all(v.source is RuleSource.DEFAULT for v in await bank.payments.fees.rules())


# -- limits -------------------------------------------------------------------------------


async def test_a_new_limit_rule_is_in_force_and_removing_it_restores_the_default(
    bank: Bank, staff_client: StaffFactory
) -> None:
    admin = await staff_client(Role.ADMIN)
    saved = await admin.post("/backoffice/settings/limits", LIMIT)
    assert saved.headers["location"] == "/backoffice/settings/limits?done=limit_saved"
    rules = {(v.rule.kyc_level, v.rule.currency): v for v in await bank.payments.limits.rules()}
    rule = rules[(KycLevel.FULL, "EUR")]
    assert (rule.rule.daily, rule.rule.monthly, rule.source) == (
        100_00,
        1000_00,
        RuleSource.CONFIGURED,
    )
    page = await admin.get("/backoffice/settings/limits")
    assert re.search(
        r'id="limit-full-EUR">\s*<td>Verified</td>\s*<td>EUR</td>\s*<td>100.00', page.text
    )
    assert await staff_records(bank, "set_limit_rule") == [
        (f"staff:{admin.username}", "limits:full:EUR", "ok")
    ]
    reset = await admin.post(
        "/backoffice/settings/limits/reset", {"kyc_level": "full", "currency": "EUR"}
    )
    assert reset.headers["location"] == "/backoffice/settings/limits?done=limit_reset"
    rules = {(v.rule.kyc_level, v.rule.currency): v for v in await bank.payments.limits.rules()}
    assert rules[(KycLevel.FULL, "EUR")].source is RuleSource.DEFAULT


async def test_a_daily_limit_above_the_monthly_one_is_refused_in_the_form(
    bank: Bank, staff_client: StaffFactory
) -> None:
    admin = await staff_client(Role.ADMIN)
    answer = await admin.post("/backoffice/settings/limits", {**LIMIT, "daily": "2000"})
    assert answer.status_code == 422
    assert "no greater than the monthly limit" in answer.text
    assert re.search(r'id="daily"[^>]*aria-invalid="true"', answer.text)
    assert all(v.source is RuleSource.DEFAULT for v in await bank.payments.limits.rules())


# -- refusals -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", OTHER_ROLES)
async def test_other_roles_may_neither_see_nor_change_settings(
    bank: Bank, staff_client: StaffFactory, role: Role
) -> None:
    other = await staff_client(role)
    for url in PAGES:
        assert (await other.get(url)).status_code == 403, url
    for url, data in posts():
        assert (await other.post(url, data)).status_code == 403, url
    assert await bank.payments.switches.current() == []
    assert await bank.fx.rate_overrides() == []
    assert all(v.source is RuleSource.DEFAULT for v in await bank.payments.fees.rules())
    assert all(v.source is RuleSource.DEFAULT for v in await bank.payments.limits.rules())


async def test_posts_without_the_csrf_token_are_refused_and_change_nothing(
    bank: Bank, staff_client: StaffFactory
) -> None:
    await with_rates(bank)
    admin = await staff_client(Role.ADMIN)
    await admin.post("/backoffice/settings/switches", SWITCH)
    await admin.post("/backoffice/settings/fx/overrides", OVERRIDE)
    (switch,) = await bank.payments.switches.current()
    (override,) = await bank.fx.rate_overrides()
    for url, data in posts(str(switch.id), str(override.id)):
        answer = await admin.http.post(url, data=data)
        assert answer.status_code == 403, url
    assert [s.id for s in await bank.payments.switches.current()] == [switch.id]
    assert [o.id for o in await bank.fx.rate_overrides(active_only=True)] == [override.id]
    assert all(v.source is RuleSource.DEFAULT for v in await bank.payments.fees.rules())
    assert all(v.source is RuleSource.DEFAULT for v in await bank.payments.limits.rules())


async def test_unknown_ids_and_rules_are_not_found(staff_client: StaffFactory) -> None:
    admin = await staff_client(Role.ADMIN)
    for url, data in [
        (f"/backoffice/settings/switches/{uuid4()}/lift", {}),
        (f"/backoffice/settings/fx/overrides/{uuid4()}/cancel", {"reason": "gone"}),
        ("/backoffice/settings/fees/reset", {"operation": "exchange", "currency": "*"}),
        ("/backoffice/settings/fees/reset", {"operation": "nothing", "currency": "EUR"}),
        ("/backoffice/settings/limits/reset", {"kyc_level": "full", "currency": "EUR"}),
        ("/backoffice/settings/limits/reset", {"kyc_level": "gold", "currency": "EUR"}),
    ]:
        answer = await admin.post(url, data)
        assert answer.status_code == 404, url


async def test_a_switch_for_a_duration_ends_on_a_whole_minute(
    bank: Bank, staff_client: StaffFactory, clock: MutableClock
) -> None:
    clock.current = datetime(2026, 3, 2, 9, 30, 42, tzinfo=UTC)
    admin = await staff_client(Role.ADMIN)
    assert (await admin.post("/backoffice/settings/switches", SWITCH)).status_code == 303
    (switch,) = await bank.payments.switches.current()
    assert (switch.starts_at, switch.ends_at) == (
        datetime(2026, 3, 2, 9, 30, 42, tzinfo=UTC),
        datetime(2026, 3, 2, 10, 31, tzinfo=UTC),  # customers read "until 11:31"
    )
