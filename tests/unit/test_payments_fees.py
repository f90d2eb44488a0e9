"""Fee arithmetic: fixed plus basis points, rounded half up, kept within minimum and maximum."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ValidationFailed
from core.payments.fees import DEFAULT_FEES, FeeQuote, FeeRule, RuleSource, choose_rule
from core.payments.model import WILDCARD, Operation

OP = Operation.TRANSFER_CARD
amounts = st.integers(min_value=1, max_value=10**15)
minor = st.integers(min_value=0, max_value=10**9)


@st.composite
def rules(draw: st.DrawFn) -> FeeRule:
    minimum = draw(minor)
    maximum = draw(st.none() | st.integers(min_value=minimum, max_value=minimum + 10**9))
    bp = draw(st.integers(min_value=0, max_value=10_000))
    return FeeRule(OP, "EUR", draw(minor), bp, minimum, maximum).validate()


@given(rules(), amounts)
def test_a_fee_is_whole_minor_units_within_its_minimum_and_maximum(
    rule: FeeRule, amount: int
) -> None:
    fee = rule.fee_for(amount)
    assert isinstance(fee, int)
    assert fee >= rule.minimum
    if rule.maximum is not None:
        assert fee <= rule.maximum


@given(rules(), amounts)
def test_the_percent_rounds_half_up_to_the_minor_unit(rule: FeeRule, amount: int) -> None:
    exact = Decimal(amount) * rule.percent_bp / 10_000
    percent = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    expected = max(rule.fixed + percent, rule.minimum)
    if rule.maximum is not None:
        expected = min(expected, rule.maximum)
    assert rule.fee_for(amount) == expected


@given(st.integers(min_value=0, max_value=10_000), amounts, amounts)
def test_a_larger_amount_never_costs_a_smaller_fee(bp: int, a: int, b: int) -> None:
    rule = FeeRule(OP, "EUR", fixed=25, percent_bp=bp, minimum=100, maximum=5_000)
    low, high = sorted((a, b))
    assert rule.fee_for(low) <= rule.fee_for(high)


@pytest.mark.parametrize(
    ("rule", "amount", "fee"),
    [
        (FeeRule(OP, "EUR", percent_bp=150), 101, 2),  # 1.515 cents: half up to 2
        (FeeRule(OP, "EUR", percent_bp=150), 100, 2),  # 1.5 cents exactly: half up to 2
        (FeeRule(OP, "EUR", percent_bp=140), 100, 1),  # 1.4 cents: down to 1
        (FeeRule(OP, "EUR", fixed=30, percent_bp=100), 10_000, 130),
        (FeeRule(OP, "EUR", percent_bp=100, minimum=100), 1_000, 100),  # the minimum
        (FeeRule(OP, "EUR", percent_bp=100, maximum=5_000), 10_000_000, 5_000),  # the cap
        (FeeRule(OP, "EUR"), 123_456, 0),  # free
        (FeeRule(OP, "JPY", percent_bp=50), 999, 5),  # no minor unit: whole yen
    ],
)
def test_worked_examples(rule: FeeRule, amount: int, fee: int) -> None:
    assert rule.validate().fee_for(amount) == fee


def test_the_quote_total_is_the_amount_and_its_fee() -> None:
    rule = FeeRule(OP, "EUR", fixed=50)
    quote = FeeQuote(OP, 1_000, 50, "EUR", rule, RuleSource.CONFIGURED)
    assert quote.total == 1_050


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (FeeRule(OP, "EUR", fixed=-1), "fixed"),
        (FeeRule(OP, "EUR", percent_bp=10_001), "percent_bp"),
        (FeeRule(OP, "EUR", percent_bp=-5), "percent_bp"),
        (FeeRule(OP, "EUR", percent_bp=True), "percent_bp"),
        (FeeRule(OP, "EUR", minimum=500, maximum=100), "maximum"),
        (FeeRule(OP, "EUR", minimum=-1), "minimum"),
        (FeeRule(OP, "EUR", fixed=1.5), "fixed"),  # type: ignore[arg-type]
        (FeeRule(OP, "EUR", maximum=10**18), "maximum"),
    ],
)
def test_a_bad_rule_is_refused_naming_its_field(rule: FeeRule, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        rule.validate()
    assert caught.value.data["field"] == field


@pytest.mark.parametrize("amount", [0, -100, True])
def test_a_fee_is_only_quoted_for_a_positive_amount(amount: int) -> None:
    with pytest.raises(ValidationFailed):
        FeeRule(OP, "EUR", percent_bp=100).fee_for(amount)


def test_staff_rules_come_before_the_defaults_and_a_currency_before_the_wildcard() -> None:
    mine_eur = FeeRule(OP, "EUR", fixed=1)
    mine_any = FeeRule(OP, WILDCARD, fixed=2)
    assert choose_rule({(OP, "EUR"): mine_eur, (OP, WILDCARD): mine_any}, OP, "EUR") == (
        mine_eur,
        RuleSource.CONFIGURED,
    )
    # A configured wildcard beats the shipped rule for EUR: "every currency" means it.
    assert choose_rule({(OP, WILDCARD): mine_any}, OP, "EUR") == (mine_any, RuleSource.CONFIGURED)
    assert choose_rule({}, OP, "EUR") == (DEFAULT_FEES[(OP, "EUR")], RuleSource.DEFAULT)
    assert choose_rule({}, OP, "CHF") == (DEFAULT_FEES[(OP, WILDCARD)], RuleSource.DEFAULT)


def test_every_operation_has_a_shipped_rule_for_every_currency() -> None:
    for operation in Operation:
        rule, source = choose_rule({}, operation, "CHF")
        assert source is RuleSource.DEFAULT
        assert rule.operation is operation
        rule.validate()
    assert choose_rule({}, Operation.TRANSFER_INTERNAL, "EUR")[0].fee_for(10_000) == 0
    card = choose_rule({}, Operation.TRANSFER_CARD, "EUR")[0]
    assert (card.fee_for(1_000), card.fee_for(50_000), card.fee_for(10**9)) == (100, 500, 5_000)
