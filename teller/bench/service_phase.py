"""Teller's transfer workload through the service layer, in one or more processes."""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import queue
import random
import time
import traceback
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import uvloop
from sqlalchemy.engine import URL

from core.actors import SYSTEM
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.errors import CoreError
from core.ledger.commands import Deposit, Transfer
from core.persistence.database import Database
from teller.bench.options import (
    ACCOUNTS_PER_CUSTOMER,
    BENCH_ACTOR,
    CURRENCY,
    MAX_TRANSFER,
    OPENING_BALANCE,
    PROCESS_TIMEOUT,
    ApiFailure,
    BenchError,
    KeySpec,
    LedgerBenchOptions,
)
from teller.bench.postgres import measured_seconds
from teller.bench.results import WorkloadResult, say

# -- Teller: setup --------------------------------------------------------------------------


def open_bank(db: Database, keys: KeySpec) -> Bank:
    # Transfers never touch personal data, so a keyring made up for the run is enough; the
    # API server the run starts gets the same one, so it could read the customers too.
    return Bank.build(db, Keyring.parse_spec(*keys), [CURRENCY])


async def open_funded_accounts(bank: Bank, count: int, concurrency: int) -> list[UUID]:
    """``count`` EUR accounts over a few customers, each funded with one deposit."""
    owners = []
    for number in range(math.ceil(count / ACCOUNTS_PER_CUSTOMER)):
        customer = await bank.customers.create(NewCustomer(f"Bench Customer {number + 1}"), SYSTEM)
        owners.append(customer.id)
    gate = asyncio.Semaphore(concurrency)

    async def open_one(index: int) -> UUID:
        async with gate:
            account = await bank.accounts.open(
                owners[index // ACCOUNTS_PER_CUSTOMER], CURRENCY, SYSTEM
            )
            await bank.ledger.deposit(
                Deposit(f"bench-fund-{account.id}", account.id, OPENING_BALANCE, CURRENCY), SYSTEM
            )
            return account.id

    return list(await asyncio.gather(*(open_one(i) for i in range(count))))


# -- Teller: the transfer loop ---------------------------------------------------------------

Outcome = str | None  # None: the transfer completed; otherwise the core's rejection code
TransferFn = Callable[[UUID, UUID, int, str], Awaitable[Outcome]]


@dataclass(frozen=True)
class Window:
    """Warm-up then measurement, on ``time.perf_counter``'s clock."""

    measure_from: float
    end: float

    @classmethod
    def starting_now(cls, warmup: float, seconds: float) -> Window:
        measure_from = time.perf_counter() + max(0.0, warmup)
        return cls(measure_from, measure_from + seconds)


async def _worker(
    transfer: TransferFn,
    account_ids: Sequence[UUID],
    window: Window,
    rng: random.Random,
    result: WorkloadResult,
) -> float:
    """Send transfers until the window ends; returns when the last one finished."""
    finished = window.end
    while (started := time.perf_counter()) < window.end:
        source, destination = rng.sample(account_ids, 2)
        amount = rng.randint(1, MAX_TRANSFER)
        error = None
        try:
            outcome = await transfer(source, destination, amount, str(uuid4()))
        except ApiFailure as exc:
            outcome, error = None, str(exc)
        except Exception as exc:  # counted and reported, so one failure does not end the run
            outcome, error = None, type(exc).__name__
        finished = time.perf_counter()
        if started < window.measure_from:
            continue  # warm-up
        if error is not None:
            result.errors[error] += 1
        elif outcome is not None:
            result.rejected[outcome] += 1
        else:
            result.completed += 1
            result.latencies.append(finished - started)
    return finished


async def drive(
    transfer: TransferFn | Sequence[TransferFn],
    account_ids: Sequence[UUID],
    clients: int,
    window: Window,
    seed: int,
) -> WorkloadResult:
    """Run ``clients`` workers over ``window`` and merge what they did; given several
    transfer functions, worker ``i`` uses the ``i % len(transfer)``-th."""
    transfers = [transfer] if callable(transfer) else list(transfer)
    parts = [WorkloadResult() for _ in range(clients)]
    # Seeded per worker: the same options replay the same pairs and amounts.
    rngs = [random.Random(seed * 1000 + i) for i in range(clients)]  # noqa: S311 -- test data
    last = await asyncio.gather(
        *(
            _worker(transfers[i % len(transfers)], account_ids, window, rngs[i], parts[i])
            for i in range(clients)
        )
    )
    result = WorkloadResult.merged(parts)
    result.elapsed = max([window.end, *last]) - window.measure_from
    return result


def service_transfer(bank: Bank) -> TransferFn:
    async def transfer(source: UUID, destination: UUID, amount: int, key: str) -> Outcome:
        try:
            await bank.ledger.transfer(
                Transfer(key, source, destination, amount, CURRENCY, "bench"), BENCH_ACTOR
            )
        except CoreError as exc:
            return exc.code
        return None

    return transfer


async def _warm_pool(db: Database, connections: int) -> None:
    """Open the pool's connections before the clock starts (pgbench excludes this too)."""

    async def touch() -> None:
        async with db.read() as conn:
            await conn.exec_driver_sql("SELECT 1")
        async with db.driver_transaction() as driver:  # the ledger's hot path has its own
            await driver.execute("SELECT 1")

    await asyncio.gather(*(touch() for _ in range(connections)))


@dataclass(frozen=True)
class Job:
    """One process's share of the service workload."""

    database_url: str
    account_ids: list[UUID]
    clients: int
    seconds: float
    warmup: float
    seed: int
    keys: KeySpec


@asynccontextmanager
async def _job_bank(job: Job) -> AsyncIterator[Bank]:
    db = Database(job.database_url, pool_size=max(job.clients, 1))
    try:
        await _warm_pool(db, job.clients)
        yield open_bank(db, job.keys)
    finally:
        await db.dispose()


async def run_job(job: Job) -> WorkloadResult:
    """The service workload in this process (used for ``processes=1``)."""
    async with _job_bank(job) as bank:
        window = Window.starting_now(job.warmup, job.seconds)
        return await drive(service_transfer(bank), job.account_ids, job.clients, window, job.seed)


# -- Teller: worker processes ----------------------------------------------------------------


async def _child(job: Job, start: Any, results: Any) -> WorkloadResult:
    async with _job_bank(job) as bank:
        results.put(("ready", None))
        # All processes start their window together, once every one has its pool open.
        if not await asyncio.to_thread(start.wait, PROCESS_TIMEOUT):
            raise BenchError("the parent never gave the start signal")
        window = Window.starting_now(job.warmup, job.seconds)
        return await drive(service_transfer(bank), job.account_ids, job.clients, window, job.seed)


def _child_main(job: Job, start: Any, results: Any) -> None:
    """Entry point of a worker process: one event loop, one Database, its share of clients."""
    try:
        results.put(("ok", uvloop.run(_child(job, start, results))))
    except BaseException:
        results.put(("error", traceback.format_exc()))


async def _collect(results: Any, procs: Sequence[Any], kind: str, wait: float) -> list[Any]:
    """Take one ``kind`` message per process, failing fast if a process dies silently
    (e.g. while importing, before it can report anything)."""
    collected: list[Any] = []
    deadline = time.monotonic() + wait
    while len(collected) < len(procs):
        try:
            got, payload = await asyncio.to_thread(results.get, True, 0.5)
        except queue.Empty:
            dead = [p.exitcode for p in procs if p.exitcode not in (None, 0)]
            if dead:
                raise BenchError(f"a worker process exited with code {dead[0]}") from None
            if time.monotonic() > deadline:
                raise BenchError(
                    f"a worker process sent no {kind!r} within {wait:.0f} s"
                ) from None
            continue
        if got == "error":
            raise BenchError(f"a worker process failed:\n{payload}")
        collected.append(payload)
    return collected


def split_clients(clients: int, processes: int) -> list[int]:
    """Spread clients over processes as evenly as possible, never an empty process."""
    processes = min(processes, clients)
    base, extra = divmod(clients, processes)
    return [base + (1 if i < extra else 0) for i in range(processes)]


async def run_processes(jobs: Sequence[Job]) -> WorkloadResult:
    """Run each job in its own process (spawned: forking a process with a live event loop
    and open connections is unsafe) and merge their results."""
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_child_main, args=(job, start, results), daemon=True) for job in jobs
    ]
    for proc in procs:
        proc.start()
    try:
        await _collect(results, procs, "ready", PROCESS_TIMEOUT)
        start.set()
        limit = max(job.warmup + job.seconds for job in jobs) + PROCESS_TIMEOUT
        parts = await _collect(results, procs, "ok", limit)
    finally:
        start.set()  # release anyone still waiting if we failed early
        for proc in procs:
            await asyncio.to_thread(proc.join, 10)
            if proc.is_alive():
                proc.terminate()
                await asyncio.to_thread(proc.join, 5)
        results.close()
    return WorkloadResult.merged(parts)


async def run_service_phase(
    options: LedgerBenchOptions, url: URL, account_ids: list[UUID], keys: KeySpec
) -> WorkloadResult:
    seconds = measured_seconds(options)
    shares = split_clients(options.clients, options.processes)
    jobs = [
        Job(
            url.render_as_string(hide_password=False),
            account_ids,
            share,
            seconds,
            options.warmup,
            options.seed + 7919 * n,
            keys,
        )
        for n, share in enumerate(shares)
    ]
    say(
        f"teller: {options.clients} clients in {len(jobs)} process(es), "
        f"{options.warmup:g} s warm-up + {seconds} s"
    )
    if len(jobs) == 1:
        return await run_job(jobs[0])  # in this process: simplest to profile
    return await run_processes(jobs)
