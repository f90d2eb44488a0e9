"""Reading rates files: the ECB's recorded daily file, broken ones, the static table."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from core.fx.errors import RatesSourceFailed
from integrations.rates import DEFAULT_TABLE, StaticRatesTable, parse_daily, parse_table

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"


def test_the_recorded_ecb_file_gives_every_rate_per_euro_with_its_date() -> None:
    snapshot = parse_daily(RECORDED.read_bytes())
    assert snapshot.source == "ecb"
    assert snapshot.as_of == datetime(2026, 2, 27, 15, 0, tzinfo=UTC)
    assert len(snapshot.rates) == 29
    assert snapshot.rates["USD"] == Decimal("1.1682")
    assert snapshot.rates["JPY"] == Decimal("182.41")
    assert snapshot.rates["CZK"] == Decimal("24.297")
    assert snapshot.rates["IDR"] == Decimal("19591.32")
    assert "EUR" not in snapshot.rates
    assert all(isinstance(rate, Decimal) for rate in snapshot.rates.values())


def _recorded() -> str:
    return RECORDED.read_text("utf-8")


@pytest.mark.parametrize(
    ("label", "body"),
    [
        ("truncated download", _recorded()[:900]),
        ("an HTML error page", "<html><body>Service unavailable</body></html>"),
        ("empty", ""),
        ("no dated cube", _recorded().replace("time='2026-02-27'", "")),
        ("not a date", _recorded().replace("2026-02-27", "27.02.2026")),
        ("a rate missing", _recorded().replace(" rate='1.1682'", "")),
        ("a rate not a number", _recorded().replace("1.1682", "1,1682")),
        ("a zero rate", _recorded().replace("1.1682", "0.0000")),
        ("a negative rate", _recorded().replace("1.1682", "-1.1682")),
        ("a code not a code", _recorded().replace("'USD'", "'usd'")),
        ("a currency twice", _recorded().replace("'JPY'", "'USD'")),
        ("two days", _recorded().replace("<Cube time=", "<Cube time='2026-02-26'/><Cube time=")),
        (
            "entities",
            '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>',
        ),
        ("another envelope", _recorded().replace("gesmes:Envelope", "gesmes:Letter")),
    ],
)
def test_a_malformed_ecb_file_is_refused_whole(label: str, body: str) -> None:
    with pytest.raises(RatesSourceFailed) as refused:
        parse_daily(body.encode())
    assert refused.value.code == "RATES_SOURCE_FAILED"
    assert refused.value.data["source"] == "ecb"


NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_the_shipped_static_table_has_every_default_currency_dated_today() -> None:
    snapshot = parse_table(DEFAULT_TABLE.read_text("utf-8"), NOW)
    assert snapshot.source == "static"
    assert snapshot.as_of == datetime(2026, 3, 2, tzinfo=UTC)
    for code in ("USD", "CZK", "GBP", "PLN", "UAH", "JPY"):
        assert snapshot.rates[code] > 0
    # The same values as the recorded ECB file, where the ECB publishes the currency.
    ecb = parse_daily(RECORDED.read_bytes()).rates
    assert {c: r for c, r in snapshot.rates.items() if c in ecb} == ecb


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        '{"base": "USD", "rates": {"EUR": "0.85"}}',
        '{"base": "EUR"}',
        '{"base": "EUR", "rates": {}}',
        '{"base": "EUR", "rates": {"USD": "abc"}}',
        '{"base": "EUR", "rates": {"USD": -1}}',
        '{"base": "EUR", "rates": {"USD": true}}',
        '["EUR"]',
    ],
)
def test_a_malformed_static_table_is_refused(text: str) -> None:
    with pytest.raises(RatesSourceFailed):
        parse_table(text, NOW)


def test_static_table_numbers_are_read_as_decimals_never_floats() -> None:
    snapshot = parse_table('{"base": "EUR", "rates": {"USD": 1.1682, "JPY": 182}}', NOW)
    assert snapshot.rates == {"USD": Decimal("1.1682"), "JPY": Decimal("182")}


async def test_the_static_source_reads_its_file_on_every_fetch(tmp_path: Path) -> None:
    table = tmp_path / "rates.json"
    table.write_text('{"base": "EUR", "rates": {"USD": "1.10"}}')
    source = StaticRatesTable(table, now=lambda: NOW)
    assert (await source.fetch()).rates == {"USD": Decimal("1.10")}
    table.write_text('{"base": "EUR", "rates": {"USD": "1.20"}}')
    assert (await source.fetch()).rates == {"USD": Decimal("1.20")}
    table.unlink()
    with pytest.raises(RatesSourceFailed):
        await source.fetch()
