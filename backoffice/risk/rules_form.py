"""The risk rules as a form: every figure of :class:`RiskConfig` as one named field, and
back again. Amounts are typed in major units ("2000.00") and kept in minor units; a blank
amount means the rule has nothing to say about that currency."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from core.money import Currency
from core.payments.risk import RiskConfig

# (rule, its whole-number fields besides ``score``, whether it has per-currency amounts)
RULES: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("large_amount", (), True),
    ("velocity", ("window_minutes", "max_count", "amount_score"), True),
    ("new_recipient", (), True),
    ("contact_change", ("within_hours",), False),
    ("night", ("start_hour", "end_hour"), True),
)

# The bounds RiskConfig enforces, repeated for the inputs' min and max.
BOUNDS: Mapping[str, tuple[int, int]] = {
    "threshold": (1, 1000),
    "score": (0, 100),
    "amount_score": (0, 100),
    "window_minutes": (1, 7 * 24 * 60),
    "max_count": (1, 1000),
    "within_hours": (1, 24 * 90),
    "start_hour": (0, 23),
    "end_hour": (0, 23),
}


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # the form field's name: "velocity.max_count", "night.amounts.EUR"
    kind: str  # text key risk.error.<kind>


class FormInvalid(Exception):
    def __init__(self, error: FieldError) -> None:
        super().__init__(error.field)
        self.error = error


def major(minor: int, currency: str) -> str:
    exponent = Currency.of(currency).exponent
    return f"{Decimal(minor).scaleb(-exponent):.{exponent}f}"


def to_minor(text: str, currency: str, field: str) -> int:
    exponent = Currency.of(currency).exponent
    try:
        value = Decimal(text.strip().replace(" ", "").replace(",", ""))
    except InvalidOperation:
        raise FormInvalid(FieldError(field, "amount")) from None
    minor = value.scaleb(exponent)
    if not value.is_finite() or minor != minor.to_integral_value() or minor <= 0:
        raise FormInvalid(FieldError(field, "amount"))
    return int(minor)


def currencies_of(config: RiskConfig, known: Iterable[str]) -> list[str]:
    """The bank's currencies, and any other a stored rule names."""
    found = set(known)
    for rule, _, has_amounts in RULES:
        if has_amounts:
            found |= set(getattr(config, rule).amounts)
    return sorted(found)


def fields_of(config: RiskConfig) -> dict[str, str]:
    """The form's values for ``config`` (checkboxes: "on" or absent)."""
    values = {"threshold": str(config.threshold)}
    for rule, extra, has_amounts in RULES:
        part = getattr(config, rule)
        if part.enabled:
            values[f"{rule}.enabled"] = "on"
        for name in ("score", *extra):
            values[f"{rule}.{name}"] = str(getattr(part, name))
        if has_amounts:
            for code, amount in part.amounts.items():
                values[f"{rule}.amounts.{code}"] = major(amount, code)
    return values


def _whole(form: Mapping[str, str], field: str) -> int:
    text = form.get(field, "").strip()
    if not text.lstrip("-").isdigit() or len(text) > 12:
        raise FormInvalid(FieldError(field, "number"))
    return int(text)


def parse(form: Mapping[str, str], currencies: Iterable[str]) -> dict[str, Any]:
    """JSON-shaped data for :meth:`RiskConfig.parse` (which checks the bounds), or
    :class:`FormInvalid` naming the first field that is not even a number."""
    data: dict[str, Any] = {"threshold": _whole(form, "threshold")}
    for rule, extra, has_amounts in RULES:
        part: dict[str, Any] = {"enabled": form.get(f"{rule}.enabled") == "on"}
        for name in ("score", *extra):
            part[name] = _whole(form, f"{rule}.{name}")
        if has_amounts:
            amounts: dict[str, int] = {}
            for code in currencies:
                field = f"{rule}.amounts.{code}"
                if form.get(field, "").strip():
                    amounts[code] = to_minor(form[field], code, field)
            part["amounts"] = amounts
        data[rule] = part
    return data
