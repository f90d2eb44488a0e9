"""Is a program well formed? Pure checks of :class:`ProgramTerms`, with stable fields.

A refused program raises ``ValidationFailed`` naming the field, so the back-office can
point at it. Which terms may still change once a program has started is decided here
too (:func:`fixed_changes`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import fields, replace
from datetime import datetime

from core.customers.model import LANGUAGES
from core.errors import ValidationFailed
from core.money import Currency
from core.referrals.codes import PREFIX
from core.referrals.model import (
    Caps,
    CashbackRate,
    ProgramKind,
    ProgramTerms,
    QualifyingEvent,
)

MAX_NAME = 80
MAX_DESCRIPTION = 1000
MAX_REWARD = 10**12  # minor units: far beyond any bonus, far below the 64-bit columns
MAX_RATES = 100
MAX_RATE_BP = 10_000  # 100 %
_MCC = re.compile(r"\d{4}")

# What a customer who attached a code was promised: fixed from the start (only the end
# date, caps, texts, pause and cashback may change while a program runs).
FIXED_AFTER_START = (
    "kind",
    "qualifying_event",
    "reward_currency",
    "referrer_reward",
    "referee_reward",
    "starts_at",
    "min_topup",
    "min_topup_currency",
    "code_prefix",
    "code_length",
)


def _fail(message: str, field: str) -> ValidationFailed:
    return ValidationFailed(message, field=field)


def _text(value: str, field: str, limit: int, *, lines: bool = False) -> str:
    text = value.strip()
    allowed = all(ch.isprintable() or (lines and ch == "\n") for ch in text)
    if not text or len(text) > limit or not allowed:
        raise _fail(f"{field} is 1 to {limit} printable characters", field)
    return text


def _amount(value: object, field: str, *, positive: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"{field} is integer minor units", field)
    if value < (1 if positive else 0) or value > MAX_REWARD:
        least = "greater than zero" if positive else "zero or more"
        raise _fail(f"{field} is {least} and at most {MAX_REWARD}", field)
    return value


def _aware(value: datetime, field: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise _fail(f"{field} needs a time zone", field)


def check_terms(terms: ProgramTerms, currencies: tuple[str, ...]) -> ProgramTerms:
    """The terms, tidied (names stripped, codes upper-cased), or ``ValidationFailed``.

    ``currencies`` are the bank's: rewards are paid from its rewards account in one of them.
    """
    name = _text(terms.name, "name", MAX_NAME)
    currency = Currency.of(terms.reward_currency).code
    if currency not in currencies:
        raise _fail(f"the reward currency is one of {', '.join(currencies)}", "reward_currency")
    referrer = _amount(terms.referrer_reward, "referrer_reward")
    referee = _amount(terms.referee_reward, "referee_reward")
    _aware(terms.starts_at, "starts_at")
    if terms.ends_at is not None:
        _aware(terms.ends_at, "ends_at")
        if terms.ends_at <= terms.starts_at:
            raise _fail("a program ends after it starts", "ends_at")
    partner = _check_kind(terms, referrer)
    min_topup, topup_currency = _check_event(terms)
    prefix = terms.code_prefix.strip().upper()
    if not PREFIX.fullmatch(prefix):
        raise _fail("a code prefix is up to 12 letters and digits", "code_prefix")
    length = terms.code_length
    if isinstance(length, bool) or not isinstance(length, int) or not 4 <= length <= 16:
        raise _fail("a code has 4 to 16 random characters", "code_length")
    return replace(
        terms,
        name=name,
        reward_currency=currency,
        referrer_reward=referrer,
        referee_reward=referee,
        descriptions=_check_descriptions(terms.descriptions),
        min_topup=min_topup,
        min_topup_currency=topup_currency,
        code_prefix=prefix,
        caps=_check_caps(terms.caps),
        partner_name=partner,
        cashback=_check_cashback(terms),
    )


def _check_kind(terms: ProgramTerms, referrer_reward: int) -> str | None:
    """The partner's name for a partner program (which has no referrer to reward)."""
    if terms.kind is ProgramKind.PARTNER:
        if terms.partner_name is None:
            raise _fail("a partner program names its partner", "partner_name")
        if referrer_reward:
            raise _fail("a partner program rewards no referrer", "referrer_reward")
        return _text(terms.partner_name, "partner_name", MAX_NAME)
    if terms.partner_name is not None:
        raise _fail("only partner programs name a partner", "partner_name")
    if terms.cashback:
        raise _fail("only partner programs give cashback", "cashback")
    return None


def _check_event(terms: ProgramTerms) -> tuple[int | None, str | None]:
    if terms.qualifying_event is not QualifyingEvent.FIRST_TOPUP:
        if terms.min_topup is not None or terms.min_topup_currency is not None:
            raise _fail("a minimum top-up belongs to first_topup programs", "min_topup")
        return None, None
    if terms.min_topup is None or terms.min_topup_currency is None:
        raise _fail("a first_topup program sets the minimum top-up", "min_topup")
    amount = _amount(terms.min_topup, "min_topup", positive=True)
    return amount, Currency.of(terms.min_topup_currency).code


def _check_descriptions(descriptions: object) -> dict[str, str]:
    if not isinstance(descriptions, Mapping) or "en" not in descriptions:
        raise _fail("descriptions by language, English at least", "descriptions")
    checked: dict[str, str] = {}
    for language, text in descriptions.items():
        if language not in LANGUAGES or not isinstance(text, str):
            raise _fail(f"descriptions are in {', '.join(LANGUAGES)}", "descriptions")
        checked[language] = _text(text, "descriptions", MAX_DESCRIPTION, lines=True)
    return checked


def _check_caps(caps: Caps) -> Caps:
    for f in fields(caps):
        value = getattr(caps, f.name)
        if value is not None:
            _amount(value, f"caps.{f.name}", positive=True)
    return caps


def _check_cashback(terms: ProgramTerms) -> tuple[CashbackRate, ...]:
    rates = terms.cashback
    if len(rates) > MAX_RATES:
        raise _fail(f"at most {MAX_RATES} cashback categories", "cashback")
    seen: set[str] = set()
    for rate in rates:
        if not isinstance(rate.category, str) or not _MCC.fullmatch(rate.category):
            raise _fail("a category is a four-digit merchant category code", "cashback")
        if rate.category in seen:
            raise _fail("each category once", "cashback")
        seen.add(rate.category)
        bp = rate.rate_bp
        if isinstance(bp, bool) or not isinstance(bp, int) or not 1 <= bp <= MAX_RATE_BP:
            raise _fail(f"a rate is 1 to {MAX_RATE_BP} basis points", "cashback")
    return tuple(sorted(rates, key=lambda r: r.category))


def fixed_changes(before: ProgramTerms, after: ProgramTerms) -> list[str]:
    """The fields :data:`FIXED_AFTER_START` that ``after`` changes."""
    return [name for name in FIXED_AFTER_START if getattr(before, name) != getattr(after, name)]
