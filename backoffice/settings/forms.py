"""What the settings forms accept and how they show it: times typed in the bank's time
zone, amounts in major units of their currency, percentages with two decimals, and core's
refusals turned into a field and a localized message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from core.errors import CoreError
from core.fx.model import MAX_SPREAD_BPS
from core.fx.spreads import SpreadView
from core.money import Currency
from core.payments.fees import MAX_BASIS_POINTS

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str  # the form field at fault
    key: str  # text key settings.error.<key>


class FormInvalid(Exception):
    def __init__(self, field: str, key: str | None = None) -> None:
        super().__init__(field)
        self.error = FieldError(field, key or field)


# core's field names → the form's, where they differ
_FIELDS = {"fixed": "fixed", "percent_bp": "percent", "daily": "daily", "monthly": "monthly"}
_KNOWN = frozenset(
    {
        "reason",
        "currency",
        "starts_at",
        "ends_at",
        "rate",
        "valid_from",
        "valid_until",
        "fixed",
        "percent",
        "minimum",
        "maximum",
        "daily",
        "monthly",
    }
)


def core_error(exc: CoreError, fallback: str) -> FieldError:
    """The form field a core refusal names (``ValidationFailed.data["field"]``, or the
    currency for the money errors), with its localized message key."""
    field = str(exc.data.get("field", ""))
    field = _FIELDS.get(field, field)
    if not field and "currency" in exc.data:
        field = "currency"
    if exc.code == "SAME_CURRENCY":
        return FieldError("quote", "same_currency")
    if field not in _KNOWN:
        return FieldError(fallback, "invalid")
    return FieldError(field, field)


def local_time(text: str, zone: ZoneInfo, field: str) -> datetime | None:
    """A datetime-local value as an aware time (None when left empty)."""
    text = text.strip()
    if not text:
        return None
    try:
        typed = datetime.fromisoformat(text[:16])
    except ValueError:
        raise FormInvalid(field) from None
    if typed.tzinfo is not None or "T" not in text:
        raise FormInvalid(field)
    return typed.replace(tzinfo=zone).astimezone(UTC)


def shown_time(value: datetime | None, zone: ZoneInfo) -> str:
    return "" if value is None else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def input_time(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime(LOCAL_FORMAT)


def exponent_of(currency: str) -> int:
    return 0 if currency == "*" else Currency.of(currency).exponent


def to_minor(text: str, currency: str, field: str, *, required: bool = True) -> int | None:
    """``"12.50"`` EUR → 1250; a rule for every currency (``*``) takes minor units."""
    text = text.strip().replace(" ", "").replace(",", "")
    if not text:
        if required:
            raise FormInvalid(field)
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FormInvalid(field) from None
    minor = value.scaleb(exponent_of(currency)) if value.is_finite() else value
    if not minor.is_finite() or minor < 0 or minor != minor.to_integral_value():
        raise FormInvalid(field)
    if minor > 10**17:
        raise FormInvalid(field)
    return int(minor)


def major(minor: int, currency: str) -> str:
    exponent = exponent_of(currency)
    return f"{Decimal(minor).scaleb(-exponent):,.{exponent}f}"


def to_basis_points(text: str, field: str = "percent") -> int:
    """``"1.5"`` % → 150 basis points (at most two decimals, 0 to 100 %)."""
    try:
        value = Decimal(text.strip().replace(",", ".") or "0")
    except InvalidOperation:
        raise FormInvalid(field) from None
    bp = value * 100 if value.is_finite() else value
    if not bp.is_finite() or bp != bp.to_integral_value() or not 0 <= bp <= MAX_BASIS_POINTS:
        raise FormInvalid(field)
    return int(bp)


def percent(bp: int) -> str:
    return f"{Decimal(bp) / 100:.2f}"


def rate(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise FormInvalid("rate") from None
    if not value.is_finite():
        raise FormInvalid("rate")
    return value


# -- spreads ------------------------------------------------------------------------------

DEFAULT_SPREAD = "default"  # the form's value (and the restore URL's) for the default


def spread_pairs(currencies: tuple[str, ...]) -> list[str]:
    """Every pair of the bank's currencies once, codes in order: "CZK/EUR"."""
    codes = sorted(currencies)
    return [f"{a}/{b}" for i, a in enumerate(codes) for b in codes[i + 1 :]]


def spread_pair(text: str, currencies: tuple[str, ...]) -> tuple[str, str] | None:
    """``default`` → None; "EUR/CZK" (either order) → ("CZK", "EUR"), if the bank keeps
    both; anything else is the pair field's fault."""
    if text == DEFAULT_SPREAD:
        return None
    codes = text.split("/")
    if len(codes) != 2 or len(set(codes)) != 2 or not set(codes) <= set(currencies):
        raise FormInvalid("spread_pair", "pair")
    low, high = sorted(codes)
    return low, high


def spread_slug(view: SpreadView) -> str:
    """How a spread is named in its restore URL: ``default`` or "CZK-EUR"."""
    return DEFAULT_SPREAD if view.pair is None else "-".join(view.pair)


def spread_bps(text: str) -> int:
    """A whole number of basis points, 0 to the most a spread may be."""
    text = text.strip()
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= MAX_SPREAD_BPS:
        raise FormInvalid("spread_bps", "bps")
    return int(text)


def spread_error(exc: CoreError) -> FieldError:
    """Core's refusal of a spread at the spread form's field."""
    field = str(exc.data.get("field", ""))
    if field == "reason":
        return FieldError("spread_reason", "spread_reason")
    if field == "bps":
        return FieldError("spread_bps", "bps")
    if exc.code in {"SAME_CURRENCY", "UNKNOWN_CURRENCY"}:
        return FieldError("spread_pair", "pair")
    return FieldError("spread_bps", "invalid")
