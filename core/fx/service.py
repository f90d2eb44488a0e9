"""Foreign exchange: rates from a source, quotes locked for a while, exchanges, overrides.

Rates come from a :class:`~core.ports.RatesSource` (refreshed by a periodic job or on
demand) and are stored with their date and source; every pair crosses through the euro
unless an admin overrides it (``core.fx.rates``). A quote prices an amount on either side
with the pair's spread (``core.fx.spreads``: staff's, else the deployment's settings) and
holds for ``FxConfig.quote_ttl``; an exchange executes at the quote, once
(``core.fx.exchange``).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from decimal import ROUND_HALF_EVEN
from uuid import UUID, uuid4

from core.actors import Actor
from core.audit.log import record, record_rejection
from core.clock import Clock
from core.errors import CoreError, ValidationFailed
from core.fx import quotes, rates
from core.fx import spreads as spread_rules
from core.fx.commands import Exchange, RequestQuote, SetRateOverride
from core.fx.errors import RateOverrideEnded, RatesSourceFailed, SpreadNotFound
from core.fx.exchange import ExchangeGate, Exchanger
from core.fx.model import (
    BASE,
    FxConfig,
    QuoteStatus,
    check_pair,
    check_rate,
    customer_rate,
    price,
    to_decimal,
)
from core.fx.overrides import check_aware, check_reason, new_override
from core.fx.spreads import SpreadSource, SpreadView, check_spread, normal_pair
from core.fx.views import (
    ExchangeRateView,
    ExchangeView,
    OverrideView,
    QuoteView,
    RateView,
    RefreshResult,
)
from core.jobs import Jobs, Periodic
from core.ledger.service import LedgerService
from core.money import SUPPORTED_CURRENCIES
from core.persistence.database import Database
from core.ports import RatesSnapshot, RatesSource

log = logging.getLogger(__name__)
_SOURCE_NAME = re.compile(r"[a-z][a-z0-9_-]{0,19}")
# A source's clock may run a little ahead of ours; a date further ahead is a broken feed
# (and rates dated in the future would never go stale).
_FUTURE_TOLERANCE = timedelta(hours=12)


class FxService:
    """Rates, quotes, exchanges, rate overrides and staff's spreads."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        ledger: LedgerService,
        currencies: tuple[str, ...],
        source: RatesSource | None = None,
        config: FxConfig | None = None,
        gate: ExchangeGate | None = None,
    ) -> None:
        self._db = db
        self._clock = clock
        self._currencies = currencies
        self._source = source
        self.config = config or FxConfig()
        self._gate = gate
        self._exchanger = Exchanger(db, clock, ledger, gate)

    # -- rates ----------------------------------------------------------------------------

    async def refresh_rates(self, actor: Actor) -> RefreshResult:
        """Fetch the source's newest rates and store them (the job, or an admin, asks)."""
        try:
            if self._source is None:
                raise RatesSourceFailed("no rates source is configured")
            snapshot = await self._source.fetch()
        except CoreError as exc:
            await record_rejection(self._db, self._clock.now(), actor, "refresh_rates", "fx", exc)
            raise
        return await self.store_rates(snapshot, actor)

    async def store_rates(self, snapshot: RatesSnapshot, actor: Actor) -> RefreshResult:
        """Store a snapshot of rates against the euro; refuses the whole of a bad one.

        Codes Teller does not know (and EUR itself) are skipped; a rate that is not a
        sane positive number makes the snapshot invalid: one broken number is a broken
        feed, and half a feed would cross new rates with old ones.
        """
        now = self._clock.now()
        try:
            if not _SOURCE_NAME.fullmatch(snapshot.source):
                raise RatesSourceFailed("a source names itself in a short lower-case word")
            check_aware(snapshot.as_of, "as_of")
            if snapshot.as_of > now + _FUTURE_TOLERANCE:
                raise RatesSourceFailed(
                    "the rates are dated in the future", as_of=str(snapshot.as_of)
                )
            known = {c: r for c, r in snapshot.rates.items() if c in SUPPORTED_CURRENCIES}
            known.pop(BASE, None)
            for currency, rate in known.items():
                try:
                    check_rate(rate)
                except ValidationFailed as exc:
                    raise RatesSourceFailed(
                        "the source sent an invalid rate", currency=currency
                    ) from exc
            if not known:
                raise RatesSourceFailed("the source sent no rate Teller can use")
            skipped = tuple(sorted(c for c in snapshot.rates if c not in known and c != BASE))
            async with self._db.transaction() as conn:
                await rates.store(conn, snapshot.source, snapshot.as_of, known, now)
                details = {
                    "source": snapshot.source,
                    "as_of": snapshot.as_of.isoformat(),
                    "stored": len(known),
                    "skipped": ",".join(skipped),
                }
                await record(conn, now, actor, "refresh_rates", "fx", details)
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "refresh_rates", "fx", exc)
            raise
        if skipped:
            log.info("rates skipped for unknown currencies: %s", ",".join(skipped))
        return RefreshResult(snapshot.source, snapshot.as_of, len(known), skipped)

    async def rates(self) -> list[RateView]:
        """Every currency's newest stored rate against the euro."""
        async with self._db.read() as conn:
            return await rates.current(conn)

    async def exchange_rate(self, sell_currency: str, buy_currency: str) -> ExchangeRateView:
        """What a quote for the pair would give now (indicative: nothing is locked)."""
        sell, buy = check_pair(sell_currency, buy_currency, self._currencies)
        now = self._clock.now()
        async with self._db.read() as conn:
            pair = await rates.pair_rate(conn, sell.code, buy.code, now)
            spread = await spread_rules.spread_for(conn, self.config.spreads, sell.code, buy.code)
        pair.ensure_fresh(now, self.config.max_rate_age)
        return ExchangeRateView(
            sell_currency=sell.code,
            buy_currency=buy.code,
            mid_rate=to_decimal(pair.mid, ROUND_HALF_EVEN),
            rate=customer_rate(pair.mid, spread),
            spread_bps=spread,
            as_of=pair.as_of,
            source=pair.source,
        )

    # -- quotes ---------------------------------------------------------------------------

    async def quote(self, cmd: RequestQuote, actor: Actor) -> QuoteView:
        """Price an exchange and lock the price for ``quote_ttl`` under a new quote id."""
        now = self._clock.now()
        quote_id = uuid4()
        target = f"fx_quote:{quote_id}"
        try:
            sell, buy = check_pair(cmd.sell_currency, cmd.buy_currency, self._currencies)
            if self._gate is not None:  # no price for what cannot be done
                await self._gate(sell.code, buy.code)
            async with self._db.transaction() as conn:
                pair = await rates.pair_rate(conn, sell.code, buy.code, now)
                pair.ensure_fresh(now, self.config.max_rate_age)
                spread = await spread_rules.spread_for(
                    conn, self.config.spreads, sell.code, buy.code
                )
                priced = price(pair, sell, buy, cmd.side, cmd.amount, spread)
                view = QuoteView(
                    id=quote_id,
                    sell_currency=sell.code,
                    buy_currency=buy.code,
                    sell_amount=priced.sell_amount,
                    buy_amount=priced.buy_amount,
                    fixed_side=cmd.side,
                    mid_rate=priced.mid_rate,
                    rate=priced.rate,
                    spread_bps=spread,
                    rates_source=pair.source,
                    rates_as_of=pair.as_of,
                    created_at=now,
                    expires_at=now + self.config.quote_ttl,
                    status=QuoteStatus.OPEN,
                    exchange_id=None,
                )
                await quotes.insert_quote(conn, view, str(actor))
                details = {
                    "sell": f"{view.sell_amount} {view.sell_currency}",
                    "buy": f"{view.buy_amount} {view.buy_currency}",
                    "rate": str(view.rate),
                    "spread_bps": spread,
                    "source": pair.source,
                }
                await record(conn, now, actor, "quote", target, details)
                return view
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "quote", target, exc)
            raise

    async def get_quote(self, quote_id: UUID) -> QuoteView:
        async with self._db.read() as conn:
            return await quotes.find_quote(conn, quote_id, self._clock.now())

    # -- exchanges ------------------------------------------------------------------------

    async def exchange(self, cmd: Exchange, actor: Actor) -> ExchangeView:
        """Exchange at a quote between two of one customer's accounts (see core.fx.exchange).

        Refusals: ``QUOTE_NOT_FOUND``, ``QUOTE_EXPIRED``, ``QUOTE_ALREADY_USED``,
        ``ACCOUNT_NOT_FOUND``, ``ACCOUNT_OWNER_MISMATCH``, ``CURRENCY_MISMATCH``,
        ``ACCOUNT_FROZEN``, ``ACCOUNT_CLOSED``, ``INSUFFICIENT_FUNDS``,
        ``IDEMPOTENCY_CONFLICT``.
        """
        return await self._exchanger.exchange(cmd, actor)

    async def get_exchange(self, exchange_id: UUID) -> ExchangeView:
        async with self._db.read() as conn:
            return await quotes.find_exchange(conn, exchange_id)

    async def complete_pending(
        self, *, older_than: timedelta = timedelta(seconds=30), batch: int = 100
    ) -> int:
        """Finish exchanges left pending by a crash (the completion job). Returns how many
        were looked at; each ends completed or, if the ledger refuses it, released."""
        async with self._db.read() as conn:
            due = await quotes.pending_exchanges(conn, self._clock.now() - older_than, batch)
        for exchange_id in due:
            await self._exchanger.complete(exchange_id)
        return len(due)

    # -- overrides ------------------------------------------------------------------------

    async def set_rate_override(self, cmd: SetRateOverride, actor: Actor) -> OverrideView:
        """An admin's rate for a pair during a window; it wins over the source's rates."""
        now = self._clock.now()
        override_id = uuid4()
        target = f"fx_override:{override_id}"
        try:
            view = new_override(
                cmd, override_id=override_id, currencies=self._currencies, by=str(actor), now=now
            )
            async with self._db.transaction() as conn:
                await rates.insert_override(conn, view)
                details = {
                    "pair": f"{view.base_currency}/{view.quote_currency}",
                    "rate": str(cmd.rate),
                    "valid_from": cmd.valid_from.isoformat(),
                    "valid_until": cmd.valid_until.isoformat(),
                    "reason": cmd.reason,
                }
                await record(conn, now, actor, "set_rate_override", target, details)
            return view
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "set_rate_override", target, exc)
            raise

    async def cancel_rate_override(
        self, override_id: UUID, actor: Actor, reason: str
    ) -> OverrideView:
        """End an override now; one already cancelled or over is ``RATE_OVERRIDE_ENDED``."""
        now = self._clock.now()
        target = f"fx_override:{override_id}"
        try:
            check_reason(reason)
            async with self._db.transaction() as conn:
                found = await rates.find_override(conn, override_id, lock=True)
                if found.cancelled_at is not None or found.valid_until <= now:
                    raise RateOverrideEnded(override_id=str(override_id))
                view = await rates.cancel_override(conn, override_id, str(actor), now)
                await record(conn, now, actor, "cancel_rate_override", target, {"reason": reason})
            return view
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "cancel_rate_override", target, exc)
            raise

    async def rate_overrides(self, *, active_only: bool = False) -> list[OverrideView]:
        """Overrides, newest first (only those in force now, if ``active_only``)."""
        async with self._db.read() as conn:
            return await rates.overrides(
                conn, active_at=self._clock.now() if active_only else None
            )

    # -- spreads ------------------------------------------------------------------------

    async def set_spread(
        self, pair: tuple[str, str] | None, bps: int, reason: str, actor: Actor
    ) -> SpreadView:
        """Staff's spread for ``pair`` (both directions), or the default when ``pair`` is
        None; it replaces one set before and wins over the deployment's settings.

        Refusals: ``VALIDATION_ERROR`` (``bps`` outside 0 to 2,000, or the ``reason``),
        ``UNKNOWN_CURRENCY``, ``SAME_CURRENCY``.
        """
        now = self._clock.now()
        target = "fx_spread"
        try:
            codes = normal_pair(pair, self._currencies)
            target = f"fx_spread:{spread_rules.key_of(codes)}"
            check_spread(bps)
            check_reason(reason)
            view = SpreadView(codes, bps, SpreadSource.STAFF, reason, str(actor), now)
            async with self._db.transaction() as conn:
                before = await spread_rules.find(conn, codes, lock=True)
                await spread_rules.store(conn, view)
                details = {
                    "pair": view.key,
                    "bps": bps,
                    "previous_bps": "" if before is None else before.bps,
                    "reason": reason,
                }
                await record(conn, now, actor, "set_spread", target, details)
            return view
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "set_spread", target, exc)
            raise

    async def remove_spread(self, pair: tuple[str, str] | None, actor: Actor) -> SpreadView:
        """Remove staff's spread for ``pair`` (None: the default) and return what applies
        to it now. One staff never set is ``SPREAD_NOT_FOUND``."""
        now = self._clock.now()
        target = "fx_spread"
        try:
            codes = normal_pair(pair, self._currencies)
            target = f"fx_spread:{spread_rules.key_of(codes)}"
            async with self._db.transaction() as conn:
                before = await spread_rules.find(conn, codes, lock=True)
                if before is None:
                    raise SpreadNotFound(pair=spread_rules.key_of(codes))
                await spread_rules.remove(conn, codes)
                rules = await spread_rules.staff_rules(conn)
                if codes is None:
                    now_applies = spread_rules.in_force(rules, self.config.spreads)[0]
                else:
                    now_applies = spread_rules.effective(rules, self.config.spreads, *codes)
                details = {
                    "pair": spread_rules.key_of(codes),
                    "previous_bps": before.bps,
                    "bps": now_applies.bps,
                    "source": now_applies.source.value,
                }
                await record(conn, now, actor, "remove_spread", target, details)
            return now_applies
        except CoreError as exc:
            await record_rejection(self._db, now, actor, "remove_spread", target, exc)
            raise

    async def spreads(self) -> list[SpreadView]:
        """The spreads in force: the default first, then each pair with its own, each
        with where it came from (staff, with who, when and why; or the settings)."""
        async with self._db.read() as conn:
            rules = await spread_rules.staff_rules(conn)
        return spread_rules.in_force(rules, self.config.spreads)

    # -- jobs -----------------------------------------------------------------------------

    def jobs(self, actor: Actor) -> Jobs:
        """The rates refresh (when there is a source) and the completion of exchanges."""
        config = self.config

        async def refresh(_: datetime) -> None:
            try:
                await self.refresh_rates(actor)
            except RatesSourceFailed as exc:
                # Audited as a rejection; the quotes keep using the stored rates until
                # they are too old, and the next run tries again.
                log.warning("rates refresh failed: %s", exc.message)

        async def complete(_: datetime) -> None:
            await self.complete_pending()

        periodic = [Periodic("fx.complete_exchanges", config.complete_pending_every, complete)]
        if self._source is not None:
            periodic.append(Periodic("fx.refresh_rates", config.refresh_every, refresh))
        return Jobs(periodic=periodic)
