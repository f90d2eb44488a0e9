"""The values flows refer to: ``$slot.path`` references with an optional ``|filter``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flows.values import exponent
from render.formatting import Money, money
from render.formatting import day as format_day


def resolve(value: Any, slots: dict[str, Any], language: str) -> Any:
    """A literal as it is; ``$a.b|filter`` looked up in ``slots`` and formatted."""
    if isinstance(value, dict):
        return {k: resolve(v, slots, language) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, slots, language) for v in value]
    if not isinstance(value, str) or not value.startswith("$"):
        return value
    path, _, filter_name = value[1:].partition("|")
    found = lookup(slots, path)
    if filter_name:
        return FILTERS[filter_name](found, language)
    return found


def lookup(slots: dict[str, Any], path: str) -> Any:
    current: Any = slots
    for part in path.split("."):
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def _money(value: Any, language: str) -> str:
    if not isinstance(value, dict) or "minor" not in value or "currency" not in value:
        return ""
    currency = str(value["currency"])
    return money(Money(int(value["minor"]), currency, exponent(currency)), language)


def _day(value: Any, language: str) -> str:
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        value = value.date()
    return format_day(value, language) if isinstance(value, date) else ""


FILTERS = {"money": _money, "day": _day}
