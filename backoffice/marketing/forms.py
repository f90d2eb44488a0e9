"""The program form: what a marketer typed ↔ core's ``ProgramTerms``.

Amounts are typed in major units (``10.50``) and kept in minor units; times are typed in
UTC. A value that cannot be read is reported by field like core's own validation
(``ValidationFailed(field=…)``), so the page shows both the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation

from core.errors import CoreError
from core.money import Money
from core.referrals.model import Caps, ProgramKind, ProgramTerms, QualifyingEvent

LANGUAGES = ("en", "uk", "ru", "cs")
TIME_FORMAT = "%Y-%m-%dT%H:%M"  # <input type="datetime-local">
# The form's fields that core's field names stand for (core: caps.program_amount …).
FIELD_OF = {
    "caps.program_referrals": "cap_referrals",
    "caps.program_amount": "cap_budget",
    "caps.referrer_rewards": "cap_per_referrer",
    "min_topup_currency": "min_topup",
    "descriptions": "description_en",
}


class FormError(Exception):
    """A field the form could not read."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


@dataclass(frozen=True, slots=True)
class ProgramForm:
    """The form's values as typed (strings), to show again after a refusal."""

    values: Mapping[str, str]

    def get(self, name: str) -> str:
        return self.values.get(name, "")


def field_of(error: CoreError) -> str | None:
    """The form field a core validation error names, if any."""
    field = error.data.get("field")
    if not isinstance(field, str):
        return None
    return FIELD_OF.get(field, field)


def _time(form: ProgramForm, name: str, *, required: bool) -> datetime | None:
    raw = form.get(name).strip()
    if not raw:
        if required:
            raise FormError(name)
        return None
    try:
        return datetime.strptime(raw, TIME_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise FormError(name) from None


def _money(form: ProgramForm, name: str, currency: str) -> int | None:
    raw = form.get(name).strip().replace(",", ".")
    if not raw:
        return None
    try:
        return Money.from_decimal(Decimal(raw), currency).minor
    except (InvalidOperation, ValueError, CoreError):
        raise FormError(name) from None


def _count(form: ProgramForm, name: str) -> int | None:
    raw = form.get(name).strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise FormError(name)
    return int(raw)


def terms_of(form: ProgramForm, base: ProgramTerms | None = None) -> ProgramTerms:
    """The terms the form describes; ``base`` keeps what the form does not show (cashback,
    other caps) when a program is edited. ``FormError`` for a value it cannot read."""
    try:
        kind = ProgramKind(form.get("kind"))
    except ValueError:
        raise FormError("kind") from None
    try:
        event = QualifyingEvent(form.get("qualifying_event"))
    except ValueError:
        raise FormError("qualifying_event") from None
    currency = form.get("reward_currency").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise FormError("reward_currency")
    starts_at = _time(form, "starts_at", required=True)
    assert starts_at is not None
    descriptions = {
        lang: form.get(f"description_{lang}").strip()
        for lang in LANGUAGES
        if form.get(f"description_{lang}").strip()
    }
    min_topup = (
        _money(form, "min_topup", currency) if event is QualifyingEvent.FIRST_TOPUP else None
    )
    old_caps = base.caps if base else Caps()
    caps = replace(
        old_caps,
        program_referrals=_count(form, "cap_referrals"),
        program_amount=_money(form, "cap_budget", currency),
        referrer_rewards=_count(form, "cap_per_referrer"),
    )
    partner = form.get("partner_name").strip() if kind is ProgramKind.PARTNER else None
    values = {
        "name": form.get("name"),
        "kind": kind,
        "qualifying_event": event,
        "reward_currency": currency,
        "referrer_reward": _money(form, "referrer_reward", currency) or 0,
        "referee_reward": _money(form, "referee_reward", currency) or 0,
        "starts_at": starts_at,
        "ends_at": _time(form, "ends_at", required=False),
        "descriptions": descriptions,
        "min_topup": min_topup,
        "min_topup_currency": currency if min_topup is not None else None,
        "code_prefix": form.get("code_prefix"),
        "code_length": _count(form, "code_length") or 8,
        "caps": caps,
        "partner_name": partner or None,
    }
    if base is None:
        return ProgramTerms(**values)  # type: ignore[arg-type]
    # The form shows minutes: a time it gave back unchanged keeps its seconds, so that
    # saving a running program does not look like moving its start.
    for name in ("starts_at", "ends_at"):
        kept = getattr(base, name)
        if kept is not None and values[name] == kept.replace(second=0, microsecond=0):
            values[name] = kept
    if min_topup is not None and base.min_topup_currency is not None:
        values["min_topup_currency"] = base.min_topup_currency
    return replace(base, **values)  # type: ignore[arg-type]


def form_of(terms: ProgramTerms) -> ProgramForm:
    """The form filled in with a program's terms (for editing)."""
    currency = terms.reward_currency

    def major(minor: int | None) -> str:
        if minor is None:
            return ""
        return str(Money.of(minor, currency).to_decimal())

    def count(value: int | None) -> str:
        return "" if value is None else str(value)

    def utc(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(UTC).strftime(TIME_FORMAT)

    values = {
        "name": terms.name,
        "kind": terms.kind.value,
        "partner_name": terms.partner_name or "",
        "qualifying_event": terms.qualifying_event.value,
        "reward_currency": currency,
        "referrer_reward": major(terms.referrer_reward),
        "referee_reward": major(terms.referee_reward),
        "min_topup": major(terms.min_topup),
        "starts_at": terms.starts_at.astimezone(UTC).strftime(TIME_FORMAT),
        "ends_at": ""
        if terms.ends_at is None
        else terms.ends_at.astimezone(UTC).strftime(TIME_FORMAT),
        "code_prefix": terms.code_prefix,
        "code_length": str(terms.code_length),
        "cap_referrals": ""
        if terms.caps.program_referrals is None
        else str(terms.caps.program_referrals),
        "cap_budget": major(terms.caps.program_amount),
        "cap_per_referrer": ""
        if terms.caps.referrer_rewards is None
        else str(terms.caps.referrer_rewards),
    }
    for lang in LANGUAGES:
        values[f"description_{lang}"] = terms.descriptions.get(lang, "")
    return ProgramForm(values)


FIELDS = (
    "name",
    "kind",
    "partner_name",
    "qualifying_event",
    "reward_currency",
    "referrer_reward",
    "referee_reward",
    "min_topup",
    "starts_at",
    "ends_at",
    "code_prefix",
    "code_length",
    "cap_referrals",
    "cap_budget",
    "cap_per_referrer",
    "promo_code",
    *(f"description_{lang}" for lang in LANGUAGES),
)
