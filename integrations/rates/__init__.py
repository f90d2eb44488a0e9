"""Exchange rate sources for ``core.ports.RatesSource``.

``EcbRatesSource`` reads the European Central Bank's daily euro foreign exchange
reference rates (``eurofxref-daily.xml``); ``StaticRatesTable`` reads a table of rates
shipped with Teller (``static_rates.json``), for offline use and development.
"""

from __future__ import annotations

from integrations.rates.ecb import ECB_DAILY_URL, EcbRatesSource, parse_daily
from integrations.rates.table import DEFAULT_TABLE, StaticRatesTable, parse_table

__all__ = [
    "DEFAULT_TABLE",
    "ECB_DAILY_URL",
    "EcbRatesSource",
    "StaticRatesTable",
    "parse_daily",
    "parse_table",
]
