"""Which spread is in force for a pair: staff's pair rule, else staff's default, else the
deployment's settings; what staff may set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.errors import ValidationFailed
from core.fx.errors import SameCurrency
from core.fx.model import Spreads
from core.fx.spreads import (
    SpreadSource,
    SpreadView,
    check_spread,
    effective,
    in_force,
    normal_pair,
)
from core.money import UnknownCurrency

AT = datetime(2026, 3, 2, 10, tzinfo=UTC)
SETTINGS = Spreads(50, {frozenset({"EUR", "CZK"}): 30, frozenset({"EUR", "USD"}): 20})


def staff(pair: tuple[str, str] | None, bps: int) -> SpreadView:
    return SpreadView(pair, bps, SpreadSource.STAFF, "treasury", "staff:ana", AT)


def test_without_staff_rules_the_settings_apply_both_ways() -> None:
    assert effective([], SETTINGS, "CZK", "EUR") == SpreadView(
        ("CZK", "EUR"), 30, SpreadSource.SETTINGS
    )
    assert effective([], SETTINGS, "EUR", "CZK").bps == 30
    assert effective([], SETTINGS, "USD", "CZK") == SpreadView(None, 50, SpreadSource.SETTINGS)


def test_a_staff_pair_rule_wins_in_both_directions() -> None:
    rules = [staff(("CZK", "EUR"), 75)]
    assert effective(rules, SETTINGS, "EUR", "CZK").bps == 75
    assert effective(rules, SETTINGS, "CZK", "EUR").source is SpreadSource.STAFF
    assert effective(rules, SETTINGS, "EUR", "USD").bps == 20  # other pairs: settings


def test_a_staff_default_wins_over_every_settings_spread_but_not_staff_pairs() -> None:
    rules = [staff(None, 40), staff(("CZK", "EUR"), 10)]
    assert effective(rules, SETTINGS, "EUR", "CZK").bps == 10
    assert effective(rules, SETTINGS, "USD", "EUR").bps == 40
    assert effective(rules, SETTINGS, "JPY", "USD").bps == 40


def test_what_is_in_force_lists_the_default_then_pairs_with_their_source() -> None:
    assert in_force([], SETTINGS) == [
        SpreadView(None, 50, SpreadSource.SETTINGS),
        SpreadView(("CZK", "EUR"), 30, SpreadSource.SETTINGS),
        SpreadView(("EUR", "USD"), 20, SpreadSource.SETTINGS),
    ]
    mine = staff(("CZK", "EUR"), 75)
    assert in_force([mine], SETTINGS)[1] == mine
    # A staff default replaces the settings' pairs, so they are not in force any more.
    default = staff(None, 40)
    assert in_force([default, mine], SETTINGS) == [default, mine]


@pytest.mark.parametrize("bps", [-1, 2001, True, 12.5])
def test_a_spread_is_a_whole_number_from_0_to_2000_basis_points(bps: object) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_spread(bps)  # type: ignore[arg-type]
    assert caught.value.data["field"] == "bps"


def test_zero_and_the_maximum_are_allowed() -> None:
    assert (check_spread(0), check_spread(2000)) == (0, 2000)


def test_a_pair_is_two_different_currencies_of_the_bank_in_order() -> None:
    currencies = ("EUR", "CZK", "USD")
    assert normal_pair(("EUR", "CZK"), currencies) == ("CZK", "EUR")
    assert normal_pair(("czk", "eur"), currencies) == ("CZK", "EUR")
    assert normal_pair(None, currencies) is None
    with pytest.raises(SameCurrency):
        normal_pair(("EUR", "EUR"), currencies)
    with pytest.raises(UnknownCurrency):
        normal_pair(("EUR", "JPY"), currencies)
    with pytest.raises(UnknownCurrency):
        normal_pair(("EUR", "XYZ"), currencies)
