"""A static table of rates against the euro, from a JSON file: for offline use.

The development default: Teller runs with realistic rates and no network. The shipped
table (``static_rates.json``) also prices currencies the ECB does not publish (UAH).
The file::

    {"base": "EUR", "rates": {"USD": "1.1682", "CZK": "24.297", ...}}

Rates are decimal strings (or JSON numbers, read as decimals, never floats). The table
speaks for the day it is read: its rates are dated the start of the current UTC day, so
they do not go stale while the file is in use, and an edited file takes effect at the
next refresh.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from core.fx.errors import RatesSourceFailed
from core.ports import RatesSnapshot

DEFAULT_TABLE = Path(__file__).with_name("static_rates.json")
SOURCE = "static"


def _invalid(reason: str) -> RatesSourceFailed:
    return RatesSourceFailed("the static rates table is not valid", source=SOURCE, reason=reason)


def parse_table(text: str, now: datetime) -> RatesSnapshot:
    """The rates in a table's JSON text, dated the start of ``now``'s UTC day."""
    try:
        data = json.loads(text, parse_float=Decimal, parse_int=Decimal)
    except ValueError as exc:
        raise _invalid("not JSON") from exc
    if not isinstance(data, dict) or data.get("base") != "EUR":
        raise _invalid('the table needs "base": "EUR"')
    table = data.get("rates")
    if not isinstance(table, dict) or not table:
        raise _invalid('the table needs "rates"')
    rates: dict[str, Decimal] = {}
    for code, value in table.items():
        try:
            rate = Decimal(value) if isinstance(value, str) else value
        except ArithmeticError as exc:
            raise _invalid(f"{code} is not a decimal") from exc
        if not isinstance(rate, Decimal) or not rate.is_finite() or rate <= 0:
            raise _invalid(f"{code} is not a positive decimal")
        rates[str(code).upper()] = rate
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return RatesSnapshot(SOURCE, day, rates)


class StaticRatesTable:
    """``RatesSource`` reading a JSON table of rates on every fetch."""

    def __init__(self, path: Path = DEFAULT_TABLE, *, now: Callable[[], datetime]) -> None:
        """Read ``path`` when fetched; ``now`` dates the rates (the bank's clock)."""
        self._path = path
        self._now = now

    def __repr__(self) -> str:
        return f"StaticRatesTable({str(self._path)!r})"

    async def fetch(self) -> RatesSnapshot:
        """The table's rates, dated today."""
        try:
            text = await asyncio.to_thread(self._path.read_text, "utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _invalid(type(exc).__name__) from exc
        return parse_table(text, self._now())
