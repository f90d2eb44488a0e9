"""``teller bench cards``: how long issuing a virtual card takes, on PostgreSQL.

One run, in a scratch database ``<dbname>_bench_cards`` next to the given one (created
fresh, dropped at the end unless ``keep``; ``_bench`` belongs to ``teller bench ledger``):

1. Setup, not measured: ``cards`` verified customers with one EUR account each, and a
   warm-up of a few issues on customers of their own (connections, prepared statements).
2. ``clients`` concurrent workers issue one card to each customer through the card
   service (``bank.cards.issue``: the KYC, account and per-customer checks, a fresh number
   from the BIN, the vault's encryption and lookup hash, the ``card.issued`` event and the
   audit record, in one transaction), timing each issue.
3. Checks: every customer has exactly one card, every number is distinct, the audit chain
   and the ledger verify.

Progress goes to stdout; the last line is::

    card_issue_p50_ms=<x> card_issue_p99_ms=<y>

The exit code is 0 when every card was issued and every check held, 1 otherwise, 2 for
bad options. Target: p99 under 100 ms (the bank this is modelled on promised a card in 30
seconds; issuing must never be what the customer waits for).
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.cards.tables import cards
from core.crypto import Keyring
from core.customers.model import KycStatus
from core.customers.service import NewCustomer
from core.errors import CoreError
from core.persistence.database import Database
from teller.bench.options import PG_MAX_IDENTIFIER, BenchError
from teller.bench.postgres import drop_database, recreate_database
from teller.bench.results import percentile, say

SCRATCH_SUFFIX = "_bench_cards"
BENCH_ACTOR = Actor(ActorKind.API_CLIENT, "bench-cards")
CURRENCY = "EUR"
WARMUP = 20


@dataclass(frozen=True)
class CardBenchOptions:
    database_url: str
    cards: int = 1000
    clients: int = 4
    keep: bool = False  # leave the scratch database for a look afterwards


@dataclass
class IssueResult:
    latencies: list[float]  # seconds, issued cards
    errors: Counter[str]
    elapsed: float


def summary_line(latencies: list[float]) -> str:
    p50 = percentile(latencies, 0.50) * 1000
    p99 = percentile(latencies, 0.99) * 1000
    return f"card_issue_p50_ms={p50:.2f} card_issue_p99_ms={p99:.2f}"


def check_options(options: CardBenchOptions) -> tuple[URL, URL]:
    """The given database's URL and the scratch one's; exit-code-2 errors for bad options."""
    try:
        url = make_url(options.database_url)
    except Exception as exc:
        raise BenchError(f"not a database URL: {exc}", exit_code=2) from exc
    if url.get_backend_name() != "postgresql":
        raise BenchError(
            f"teller bench cards needs PostgreSQL; got a {url.get_backend_name()!r} URL",
            exit_code=2,
        )
    problems = []
    if options.cards < 1:
        problems.append("cards must be at least 1")
    if options.clients < 1:
        problems.append("clients must be at least 1")
    if problems:
        raise BenchError("; ".join(problems), exit_code=2)
    name = f"{url.database or url.username or 'postgres'}{SCRATCH_SUFFIX}"
    if len(name.encode()) > PG_MAX_IDENTIFIER:
        raise BenchError(f"scratch database name {name!r} is too long", exit_code=2)
    return url, url.set(database=name)


async def verified_accounts(bank: Bank, count: int, clients: int) -> list[tuple[UUID, UUID]]:
    """``count`` verified customers with one account each: (customer, account) pairs."""
    gate = asyncio.Semaphore(clients)

    async def one(number: int) -> tuple[UUID, UUID]:
        async with gate:
            customer = await bank.customers.create(NewCustomer(f"Bench Holder {number}"), SYSTEM)
            await bank.customers.set_kyc_status(customer.id, KycStatus.VERIFIED, SYSTEM)
            account = await bank.accounts.open(customer.id, CURRENCY, SYSTEM)
            return customer.id, account.id

    return list(await asyncio.gather(*(one(n) for n in range(count))))


async def issue_all(bank: Bank, owners: list[tuple[UUID, UUID]], clients: int) -> IssueResult:
    """Issue one card per owner with ``clients`` workers, timing each issue."""
    pending = list(reversed(owners))
    latencies: list[float] = []
    errors: Counter[str] = Counter()

    async def worker() -> None:
        while pending:
            customer_id, account_id = pending.pop()
            started = time.perf_counter()
            try:
                await bank.cards.issue(customer_id, account_id, "digital", BENCH_ACTOR)
            except CoreError as exc:
                errors[exc.code] += 1
                continue
            except Exception as exc:  # counted and reported: the run then fails
                errors[type(exc).__name__] += 1
                continue
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    return IssueResult(latencies, errors, time.perf_counter() - started)


async def check(bank: Bank, expected: int) -> list[str]:
    """Every card there once, every number distinct, the audit chain and ledger sound."""
    problems = []
    async with bank.db.read() as conn:
        total, distinct, owners = (
            await conn.execute(
                select(
                    func.count(),
                    func.count(func.distinct(cards.c.number_index)),
                    func.count(func.distinct(cards.c.customer_id)),
                )
            )
        ).one()
    if not total == distinct == owners == expected:
        problems.append(
            f"expected {expected} cards with distinct numbers and owners; found {total} cards, "
            f"{distinct} numbers, {owners} owners"
        )
    audit = await bank.verify_audit()
    ledger = await bank.verify_ledger()
    return [*problems, *audit.problems, *ledger.problems]


async def _bench(options: CardBenchOptions, scratch: URL) -> int:
    db = Database(scratch.render_as_string(hide_password=False), pool_size=options.clients)
    try:
        bank = Bank.build(db, Keyring.parse_spec(*Keyring.generate_spec()), [CURRENCY])
        await bank.prepare()
        started = time.perf_counter()
        owners = await verified_accounts(bank, options.cards + WARMUP, options.clients)
        say(f"setup: {len(owners)} verified customers in {time.perf_counter() - started:.1f} s")
        warmup = await issue_all(bank, owners[:WARMUP], options.clients)
        say(f"warm-up: {len(warmup.latencies)} cards")
        result = await issue_all(bank, owners[WARMUP:], options.clients)
        rate = len(result.latencies) / result.elapsed if result.elapsed else 0.0
        say(
            f"issued {len(result.latencies)} cards in {result.elapsed:.2f} s "
            f"({rate:.1f} cards/s, {options.clients} clients)"
        )
        if result.errors or warmup.errors:
            failed = result.errors + warmup.errors
            say("ERRORS: " + ", ".join(f"{c}={n}" for c, n in sorted(failed.items())))
        problems = await check(bank, options.cards + len(warmup.latencies))
        say("checks=ok" if not problems else "checks=FAILED")
        for problem in problems:
            say(f"  {problem}")
        print(summary_line(result.latencies), flush=True)
        return 1 if problems or result.errors or warmup.errors else 0
    finally:
        await db.dispose()


async def run_card_bench(options: CardBenchOptions) -> int:
    """Run the whole benchmark; returns the exit code (0 ok, 1 failed, 2 bad options)."""
    try:
        url, scratch = check_options(options)
        assert scratch.database is not None
        say(f"scratch database {scratch.database} on {url.host or 'localhost'}")
        await recreate_database(url, scratch.database)
    except (BenchError, OSError, asyncpg.PostgresError) as exc:
        print(f"teller bench cards: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code if isinstance(exc, BenchError) else 2
    try:
        return await _bench(options, scratch)
    finally:
        await _cleanup(options, url, scratch.database)


async def _cleanup(options: CardBenchOptions, url: URL, name: str) -> None:
    if options.keep:  # on stderr: the summary stays the last line of stdout
        print(f"teller bench cards: kept scratch database {name}", file=sys.stderr)
        return
    try:
        await drop_database(url, name)
    except (OSError, asyncpg.PostgresError) as exc:  # reported; the figures still stand
        print(f"teller bench cards: could not drop {name}: {exc}", file=sys.stderr)
