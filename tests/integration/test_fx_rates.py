"""Rates: fetched from the ECB (a test double on loopback serving the recorded file) or
the static table, stored with their date and source, refreshed by the periodic job;
stale rates refuse quoting; admins' overrides win for their window. Both backends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.errors import ValidationFailed
from core.fx.commands import RequestQuote, SetRateOverride
from core.fx.errors import (
    RateOverrideEnded,
    RatesSourceFailed,
    RatesStale,
    RateUnavailable,
    SameCurrency,
)
from core.fx.model import FxConfig, Side
from core.fx.tables import fx_rates
from core.persistence.database import Database
from core.persistence.tables import audit_log
from integrations.rates import EcbRatesSource, StaticRatesTable, parse_daily
from teller.settings import Settings
from teller.wiring import fx_config, rates_source
from tests.conftest import CURRENCIES
from tests.fakes import MutableClock

RECORDED = Path(__file__).parents[1] / "fx_data" / "eurofxref-daily.xml"
ADMIN = Actor(ActorKind.STAFF, "treasury")


class _EcbDouble(BaseHTTPRequestHandler):
    """The ECB's file server as seen by the adapter: the recorded file, or a failure."""

    def do_GET(self) -> None:
        if self.path == "/stats/eurofxref/eurofxref-daily.xml":
            body, status = RECORDED.read_bytes(), 200
        elif self.path == "/garbage":
            body, status = b"<html>maintenance</html>", 200
        else:
            body, status = b"oops", 500
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        return


@pytest.fixture(scope="module")
def ecb_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EcbDouble)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
async def ecb_bank(
    database: Database, keyring: Keyring, clock: MutableClock, ecb_url: str
) -> Bank:
    source = EcbRatesSource(f"{ecb_url}/stats/eurofxref/eurofxref-daily.xml", timeout=5)
    built = Bank.build(database, keyring, CURRENCIES, clock=clock, rates_source=source)
    await built.accounts.ensure_bank_accounts(SYSTEM)
    return built


async def _count_rates(bank: Bank) -> int:
    async with bank.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(fx_rates))).scalar_one())


async def _rejections(bank: Bank, action: str) -> list[str]:
    async with bank.db.read() as conn:
        rows = await conn.execute(select(audit_log.c.outcome).where(audit_log.c.action == action))
        return [r.outcome for r in rows if r.outcome.startswith("rejected")]


async def test_refreshing_from_the_ecb_stores_each_rate_with_its_date_and_source(
    ecb_bank: Bank,
) -> None:
    result = await ecb_bank.fx.refresh_rates(ADMIN)
    assert (result.source, result.stored, result.skipped) == ("ecb", 29, ())
    assert result.as_of.date().isoformat() == "2026-02-27"
    by_code = {r.currency: r for r in await ecb_bank.fx.rates()}
    assert by_code["CZK"].rate == Decimal("24.297")
    assert (by_code["USD"].source, by_code["USD"].as_of) == ("ecb", result.as_of)
    # The same day fetched again: rewritten in place, not stored twice.
    await ecb_bank.fx.refresh_rates(ADMIN)
    assert await _count_rates(ecb_bank) == 29
    assert (await ecb_bank.verify_audit()).ok


async def test_the_periodic_job_refreshes_the_rates(ecb_bank: Bank) -> None:
    jobs = {job.name: job for job in ecb_bank.jobs().periodic}
    assert jobs["fx.refresh_rates"].every == timedelta(hours=1)
    await jobs["fx.refresh_rates"].handler(ecb_bank.clock.now())
    assert await _count_rates(ecb_bank) == 29


@pytest.mark.parametrize("path", ["/down", "/garbage"])
async def test_a_failing_ecb_keeps_the_rates_the_bank_has(
    ecb_bank: Bank, keyring: Keyring, ecb_url: str, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    await ecb_bank.fx.refresh_rates(ADMIN)
    broken = Bank.build(
        ecb_bank.db,
        keyring,
        CURRENCIES,
        clock=ecb_bank.clock,
        rates_source=EcbRatesSource(ecb_url + path),
    )
    with pytest.raises(RatesSourceFailed):
        await broken.fx.refresh_rates(ADMIN)
    # The job logs and waits for its next run: the failure is audited, not raised.
    job = next(j for j in broken.jobs().periodic if j.name == "fx.refresh_rates")
    await job.handler(broken.clock.now())
    assert "rates refresh failed" in caplog.text
    assert await _count_rates(ecb_bank) == 29
    assert await _rejections(ecb_bank, "refresh_rates") == ["rejected:RATES_SOURCE_FAILED"] * 2


async def test_an_unreachable_ecb_is_a_source_failure(bank: Bank) -> None:
    source = EcbRatesSource("http://127.0.0.1:9/eurofxref-daily.xml", timeout=2)
    with pytest.raises(RatesSourceFailed) as refused:
        await source.fetch()
    assert refused.value.data["reason"] == "ConnectError"


async def test_a_bank_without_a_source_has_no_refresh_job_and_says_so(bank: Bank) -> None:
    fx_jobs = [job.name for job in bank.jobs().periodic if job.name.startswith("fx.")]
    assert fx_jobs == ["fx.complete_exchanges"]
    with pytest.raises(RatesSourceFailed):
        await bank.fx.refresh_rates(ADMIN)


async def test_the_static_table_is_the_development_default(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    settings = Settings()
    source = rates_source(settings, clock)
    assert isinstance(source, StaticRatesTable)
    assert isinstance(rates_source(Settings(fx_rates_source="ecb"), clock), EcbRatesSource)
    built = Bank.build(
        database,
        keyring,
        CURRENCIES,
        clock=clock,
        rates_source=source,
        fx_config=fx_config(settings),
    )
    await built.accounts.ensure_bank_accounts(SYSTEM)
    result = await built.fx.refresh_rates(SYSTEM)
    assert result.source == "static"
    quote = await built.fx.quote(RequestQuote("EUR", "USD", 10_000), SYSTEM)
    assert (quote.buy_amount, quote.rates_source, quote.spread_bps) == (11_623, "static", 50)


async def test_rates_older_than_the_limit_refuse_quoting_until_refreshed(
    bank: Bank, clock: MutableClock
) -> None:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    await bank.fx.quote(RequestQuote("EUR", "CZK", 100), SYSTEM)
    clock.advance(hours=120 - 66.5, seconds=1)  # the file is of Friday 15:00 UTC
    with pytest.raises(RatesStale) as refused:
        await bank.fx.quote(RequestQuote("EUR", "CZK", 100), SYSTEM)
    assert refused.value.code == "RATES_STALE"
    with pytest.raises(RatesStale):
        await bank.fx.exchange_rate("USD", "CZK")
    newer = parse_daily(RECORDED.read_bytes().replace(b"2026-02-27", b"2026-03-04"))
    await bank.fx.store_rates(newer, SYSTEM)
    assert (await bank.fx.quote(RequestQuote("EUR", "CZK", 100), SYSTEM)).rates_as_of.day == 4
    # Rates dated days ahead are a broken feed: they would never go stale.
    future = parse_daily(RECORDED.read_bytes().replace(b"2026-02-27", b"2026-03-09"))
    with pytest.raises(RatesSourceFailed):
        await bank.fx.store_rates(future, SYSTEM)


async def test_the_age_limit_is_configurable(
    database: Database, keyring: Keyring, clock: MutableClock
) -> None:
    config = FxConfig(max_rate_age=timedelta(hours=24))
    built = Bank.build(database, keyring, CURRENCIES, clock=clock, fx_config=config)
    await built.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    with pytest.raises(RatesStale):
        await built.fx.quote(RequestQuote("EUR", "CZK", 100), SYSTEM)


async def test_no_rate_for_a_currency_refuses_quoting(bank: Bank) -> None:
    with pytest.raises(RateUnavailable) as refused:
        await bank.fx.quote(RequestQuote("EUR", "CZK", 100), SYSTEM)
    assert refused.value.data == {"currency": "CZK"}


async def test_a_bad_snapshot_is_refused_whole(bank: Bank) -> None:
    snapshot = parse_daily(RECORDED.read_bytes())
    snapshot.rates["CZK"] = Decimal("0.0000000001")
    with pytest.raises(RatesSourceFailed) as refused:
        await bank.fx.store_rates(snapshot, SYSTEM)
    assert refused.value.data == {"currency": "CZK"}
    assert await _count_rates(bank) == 0


async def test_codes_teller_does_not_know_are_skipped(bank: Bank) -> None:
    snapshot = parse_daily(RECORDED.read_bytes())
    snapshot.rates["XYZ"] = Decimal("2")
    result = await bank.fx.store_rates(snapshot, SYSTEM)
    assert (result.stored, result.skipped) == (29, ("XYZ",))


# -- overrides ----------------------------------------------------------------------------


def _override(bank: Bank, base: str, quote: str, rate: str, **kw: object) -> SetRateOverride:
    now = bank.clock.now()
    values: dict[str, object] = {
        "valid_from": now,
        "valid_until": now + timedelta(hours=2),
        "reason": "ECB feed late",
        **kw,
    }
    return SetRateOverride(base, quote, Decimal(rate), **values)  # type: ignore[arg-type]


async def test_an_override_wins_for_its_pair_in_both_directions_and_its_window(
    bank: Bank, clock: MutableClock
) -> None:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    override = await bank.fx.set_rate_override(_override(bank, "CZK", "EUR", "0.04"), ADMIN)
    eur_czk = await bank.fx.exchange_rate("EUR", "CZK")
    assert (eur_czk.mid_rate, eur_czk.source) == (Decimal("25"), "override")
    quote = await bank.fx.quote(RequestQuote("CZK", "EUR", 100_00), SYSTEM)
    assert quote.mid_rate == Decimal("0.04")
    # Crosses through the euro use it as CZK's euro rate.
    assert (await bank.fx.exchange_rate("USD", "CZK")).source == "ecb+override"
    assert [o.id for o in await bank.fx.rate_overrides(active_only=True)] == [override.id]
    clock.advance(hours=2)
    assert (await bank.fx.exchange_rate("EUR", "CZK")).mid_rate == Decimal("24.297")
    assert await bank.fx.rate_overrides(active_only=True) == []


async def test_an_override_prices_a_currency_no_source_publishes_and_never_ages(
    bank: Bank, clock: MutableClock
) -> None:
    override = _override(bank, "EUR", "JPY", "180", valid_until=clock.now() + timedelta(days=30))
    await bank.fx.set_rate_override(override, ADMIN)
    clock.advance(days=20)
    quote = await bank.fx.quote(RequestQuote("EUR", "JPY", 1_000, Side.SELL), SYSTEM)
    assert quote.buy_amount == 1_791  # 10 EUR at 180 less 0.5 %


async def test_a_cancelled_override_stops_at_once_and_cannot_be_cancelled_again(
    bank: Bank,
) -> None:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    override = await bank.fx.set_rate_override(_override(bank, "EUR", "USD", "1.2"), ADMIN)
    cancelled = await bank.fx.cancel_rate_override(override.id, ADMIN, "feed is back")
    assert cancelled.cancelled_at == bank.clock.now()
    assert (await bank.fx.exchange_rate("EUR", "USD")).source == "ecb"
    with pytest.raises(RateOverrideEnded):
        await bank.fx.cancel_rate_override(override.id, ADMIN, "again")
    assert [o.id for o in await bank.fx.rate_overrides()] == [override.id]


async def test_an_override_for_a_later_window_waits_for_it(
    bank: Bank, clock: MutableClock
) -> None:
    await bank.fx.store_rates(parse_daily(RECORDED.read_bytes()), SYSTEM)
    later = clock.now() + timedelta(hours=1)
    await bank.fx.set_rate_override(
        _override(
            bank, "EUR", "USD", "1.5", valid_from=later, valid_until=later + timedelta(hours=1)
        ),
        ADMIN,
    )
    assert (await bank.fx.exchange_rate("EUR", "USD")).source == "ecb"
    clock.advance(hours=1)
    assert (await bank.fx.exchange_rate("EUR", "USD")).mid_rate == Decimal("1.5")


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"quote": "EUR"}, SameCurrency),
        ({"rate": "0"}, ValidationFailed),
        ({"rate": "1.1234567890123"}, ValidationFailed),
        ({"valid_until": -1}, ValidationFailed),  # ends before it starts
        ({"valid_from": -3, "valid_until": -2}, ValidationFailed),  # over already
        ({"valid_until": 24 * 93}, ValidationFailed),  # longer than 92 days
        ({"reason": " "}, ValidationFailed),
        ({"naive": True}, ValidationFailed),
    ],
)
async def test_a_bad_override_is_refused_and_changes_nothing(
    bank: Bank, changes: dict[str, object], error: type[Exception]
) -> None:
    now = bank.clock.now()
    hours = {k: now + timedelta(hours=v) for k, v in changes.items() if k.startswith("valid")}  # type: ignore[arg-type]
    cmd = _override(
        bank,
        "EUR",
        str(changes.get("quote", "USD")),
        str(changes.get("rate", "1.2")),
        reason=changes.get("reason", "manual"),
        **hours,
    )
    if changes.get("naive"):
        cmd = SetRateOverride(
            cmd.base_currency,
            cmd.quote_currency,
            cmd.rate,
            cmd.valid_from.replace(tzinfo=None),
            cmd.valid_until,
            cmd.reason,
        )
    with pytest.raises(error):
        await bank.fx.set_rate_override(cmd, ADMIN)
    assert await bank.fx.rate_overrides() == []
    assert await _rejections(bank, "set_rate_override") != []
