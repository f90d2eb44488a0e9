"""The payments area's pure rules: risk scores, limits, periods, masking, switches."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from core.customers.model import KycLevel
from core.errors import ValidationFailed
from core.payments.config import PaymentsConfig
from core.payments.limits import DEFAULT_LIMITS, LimitRule, LimitStatus, no_allowance
from core.payments.model import (
    Operation,
    SwitchScope,
    last_digits,
    mask_name,
    per_currency,
    period_keys,
    time_zone,
)
from core.payments.risk import DEFAULT_RISK, RiskConfig, RiskFacts, assess
from core.payments.switches import Switch

PRAGUE = time_zone("Europe/Prague")
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=PRAGUE)
QUIET = RiskFacts(
    amount=1_000,
    currency="EUR",
    now_local=NOON,
    recent_count=0,
    recent_amount=0,
    known_recipient=True,
    contact_changed_at=None,
    payments_since_contact_change=0,
)


def rules_hit(**changes: Any) -> list[str]:
    return [r.rule for r in assess(DEFAULT_RISK, replace(QUIET, **changes)).reasons]


# -- risk ---------------------------------------------------------------------------------


def test_an_ordinary_transfer_scores_nothing() -> None:
    result = assess(DEFAULT_RISK, QUIET)
    assert (result.score, result.reasons, result.held) == (0, (), False)


def test_a_large_amount_scores_but_alone_is_not_held() -> None:
    result = assess(DEFAULT_RISK, replace(QUIET, amount=200_000))
    assert [r.rule for r in result.reasons] == ["large_amount"]
    assert result.score == 40
    assert not result.held


def test_a_large_amount_to_a_new_recipient_is_held() -> None:
    result = assess(DEFAULT_RISK, replace(QUIET, amount=250_000, known_recipient=False))
    assert [r.rule for r in result.reasons] == ["large_amount", "new_recipient"]
    assert result.held
    assert result.reasons_json()[1] == {
        "rule": "new_recipient",
        "score": 30,
        "detail": "first payment",
    }


def test_a_new_recipient_scores_only_from_its_amount() -> None:
    assert rules_hit(known_recipient=False, amount=49_999) == []
    assert rules_hit(known_recipient=False, amount=50_000) == ["new_recipient"]


def test_velocity_counts_the_new_transfer_and_sums_its_currency() -> None:
    assert rules_hit(recent_count=4) == []
    assert rules_hit(recent_count=5) == ["velocity_count"]
    assert rules_hit(recent_amount=299_000, amount=1_000) == []
    assert rules_hit(recent_amount=299_000, amount=1_001) == ["velocity_amount"]


def test_the_first_transfer_after_a_contact_change_scores_within_the_window() -> None:
    changed = NOON - timedelta(hours=5)
    assert rules_hit(contact_changed_at=changed) == ["contact_change"]
    assert rules_hit(contact_changed_at=changed, payments_since_contact_change=1) == []
    assert rules_hit(contact_changed_at=NOON - timedelta(hours=73)) == []
    detail = assess(DEFAULT_RISK, replace(QUIET, contact_changed_at=changed)).reasons[0].detail
    assert detail == "5 h after"


@pytest.mark.parametrize(
    ("hour", "night"), [(23, False), (0, True), (3, True), (5, True), (6, False), (12, False)]
)
def test_large_transfers_at_night_in_the_bank_time_zone(hour: int, night: bool) -> None:
    at = NOON.replace(hour=hour)
    assert ("night" in rules_hit(now_local=at, amount=100_000)) is night
    assert rules_hit(now_local=at, amount=99_999) == []


def test_a_night_window_may_cross_midnight() -> None:
    config = DEFAULT_RISK.model_copy(
        update={"night": DEFAULT_RISK.night.model_copy(update={"start_hour": 22, "end_hour": 5})}
    )
    for hour, night in ((21, False), (22, True), (23, True), (4, True), (5, False)):
        facts = replace(QUIET, now_local=NOON.replace(hour=hour), amount=100_000)
        assert ("night" in [r.rule for r in assess(config, facts).reasons]) is night


def test_a_disabled_rule_and_an_unlisted_currency_score_nothing() -> None:
    off = DEFAULT_RISK.model_copy(
        update={"large_amount": DEFAULT_RISK.large_amount.model_copy(update={"enabled": False})}
    )
    assert assess(off, replace(QUIET, amount=250_000)).reasons == ()
    assert rules_hit(amount=10**9, currency="CHF") == []


def test_the_config_round_trips_through_json() -> None:
    data = DEFAULT_RISK.model_dump(mode="json")
    assert RiskConfig.parse(data) == DEFAULT_RISK


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"threshold": 0}, "threshold"),
        ({"threshold": "60"}, "threshold"),
        ({"large_amount": {"score": 101, "amounts": {"EUR": 1}}}, "large_amount.score"),
        ({"large_amount": {"score": 10, "amounts": {"EUR": 0}}}, "large_amount.amounts.EUR"),
        ({"large_amount": {"score": 10, "amounts": {"XYZ": 5}}}, "large_amount.amounts"),
        ({"surprise": 1}, "surprise"),
        ({"night": {**DEFAULT_RISK.night.model_dump(), "start_hour": 24}}, "night.start_hour"),
    ],
)
def test_a_bad_config_is_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    data = {**DEFAULT_RISK.model_dump(mode="json"), **change}
    with pytest.raises(ValidationFailed) as caught:
        RiskConfig.parse(data)
    assert caught.value.data["field"] == field


# -- limits -------------------------------------------------------------------------------


def test_unverified_customers_get_a_small_allowance_and_verified_ones_more() -> None:
    none, full = DEFAULT_LIMITS[(KycLevel.NONE, "EUR")], DEFAULT_LIMITS[(KycLevel.FULL, "EUR")]
    assert (none.daily, none.monthly) == (10_000, 30_000)
    assert (full.daily, full.monthly) == (500_000, 2_000_000)
    assert all(r.daily <= r.monthly for r in DEFAULT_LIMITS.values())
    assert no_allowance(KycLevel.FULL, "CHF").daily == 0


def test_a_limit_rule_is_validated() -> None:
    with pytest.raises(ValidationFailed):
        LimitRule(KycLevel.FULL, "EUR", 10, 5).validate()
    with pytest.raises(ValidationFailed):
        LimitRule(KycLevel.FULL, "EUR", -1, 5).validate()


def test_what_remains_is_the_smaller_of_the_day_and_the_month() -> None:
    status = LimitStatus("c", KycLevel.FULL, "EUR", 500, 100, 1_000, 900)
    assert (status.daily_remaining, status.monthly_remaining, status.remaining) == (400, 100, 100)
    over = replace(status, daily_used=700)
    assert over.daily_remaining == 0


def test_days_and_months_are_the_bank_s_not_utc() -> None:
    # 23:30 UTC on 31 March is 01:30 on 1 April in Prague (summer time).
    late = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)
    assert period_keys(late, PRAGUE) == ("2026-04-01", "2026-04")
    assert period_keys(late, time_zone("UTC")) == ("2026-03-31", "2026-03")


def test_default_amounts_follow_each_currency_s_value() -> None:
    amounts = per_currency(10_000)
    assert amounts["EUR"] == 10_000
    assert amounts["CZK"] == 250_000
    assert amounts["JPY"] == 16_000  # yen have no minor unit


# -- masking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("Ivan Petrov", "Ivan P."),
        ("Jana Dvořáková", "Jana D."),
        ("Anna Maria van der berg", "Anna B."),
        ("Madonna", "Madonna"),
        ("  ", ""),
    ],
)
def test_a_recipient_is_shown_by_first_name_and_initial(name: str, masked: str) -> None:
    assert mask_name(name) == masked


def test_only_the_last_digits_of_a_number_are_shown() -> None:
    assert last_digits("CZ65 0800 0000 1920 0014 5399") == "5399"


# -- switches and config ------------------------------------------------------------------


def test_a_switch_covers_its_scope_and_currency_within_its_window() -> None:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    switch = Switch(
        uuid4(),
        SwitchScope.TRANSFERS,
        "EUR",
        start,
        start + timedelta(hours=1),
        "maintenance",
        "staff:x",
        start,
        None,
        None,
    )
    assert switch.covers(Operation.TRANSFER_INTERNAL, "EUR")
    assert switch.covers(Operation.TRANSFER_CARD, "EUR")
    assert not switch.covers(Operation.TRANSFER_INTERNAL, "CZK")
    assert not switch.covers(Operation.EXCHANGE, "EUR")
    assert not switch.active_at(start - timedelta(seconds=1))
    assert switch.active_at(start)
    assert not switch.active_at(start + timedelta(hours=1))
    everything = replace(switch, scope=SwitchScope.ALL, currency=None)
    assert all(everything.covers(op, "JPY") for op in Operation)
    assert not replace(switch, lifted_at=start).active_at(start)


def test_a_misspelt_time_zone_or_window_is_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="time zone"):
        PaymentsConfig(time_zone="Europe/Praha")
    with pytest.raises(ValueError, match="review window"):
        PaymentsConfig(review_window=timedelta(days=40))
