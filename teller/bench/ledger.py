"""``teller bench ledger``: Teller's transfer throughput next to pgbench on the same server.

One run does, in a scratch database ``<dbname>_bench`` created next to the given one (so a
benchmark never touches real data, and is dropped at the end unless ``keep`` is set):

1. pgbench's built-in TPC-B-like workload (``pgbench -M prepared``), the physical
   reference: what this server does with a short, contended read-write transaction.
2. Teller's workload: ``accounts`` funded EUR accounts, then ``clients`` concurrent workers
   sending transfers between random distinct pairs, each with a fresh idempotency key,
   through the ledger service (or the REST API with ``via="api"``).
3. ``verify_ledger`` and ``verify_audit`` over everything the run wrote.

Both phases run for the same whole number of seconds after the same warm-up (``warmup``
seconds, default 1, excluded from the figures: pgbench runs a separate warm-up pass, Teller
counts only transfers started after it). Progress goes to stdout; the last line is::

    ledger_tps=<n> pgbench_tps=<m> ratio=<n/m> p50_ms=<x> p99_ms=<y> invariants=ok

Latencies are those of completed transfers. A transfer rejected by the core (a
:class:`CoreError`, e.g. ``INSUFFICIENT_FUNDS``) is counted by its code, not as
throughput; any other exception (a deadlock, a lost connection) is an error and makes the
exit code 1 even when the invariants hold.

Processes: the service workload runs in ``processes`` processes (default
``DEFAULT_PROCESSES``), each with its own event loop, :class:`Database` (a pool of at least
its share of clients) and ``clients / processes`` workers; with more than one, worker
processes are spawned and the parent merges their counts and latency samples. See
``DEFAULT_PROCESSES`` for why the default is one.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import multiprocessing
import os
import queue
import random
import re
import shutil
import sys
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from sqlalchemy.engine import URL, make_url

from core.actors import SYSTEM, Actor, ActorKind
from core.bank import Bank
from core.crypto import Keyring
from core.customers.service import NewCustomer
from core.errors import CoreError
from core.ledger.commands import Deposit, Transfer
from core.persistence.database import Database

CURRENCY = "EUR"
ACCOUNTS_PER_CUSTOMER = 100
# 10,000.00 EUR each against transfers of 0.01 to 10.00: INSUFFICIENT_FUNDS stays rare, so
# the benchmark measures money moving rather than rejections.
OPENING_BALANCE = 1_000_000
MAX_TRANSFER = 1_000
BENCH_ACTOR = Actor(ActorKind.API_CLIENT, "bench")
SCRATCH_SUFFIX = "_bench"
PG_MAX_IDENTIFIER = 63  # PostgreSQL truncates longer names, which could alias the real one

DEFAULT_PROCESSES = 1
"""One process: measured no slower than two on the 2-core machine this was tuned on.

A transfer costs about 5 ms of client CPU in core (SQLAlchemy Core statements built per
call, 14 round trips), so one process is CPU bound near 200 transfers per second. A second
process did not buy throughput, because the ceiling is the audit chain's head row: every
transfer holds its lock from the first audit statement until commit (about 2 ms when
uncontended), and with two busy Python processes plus PostgreSQL on two cores the lock
holder is often preempted, so everyone waits longer (a convoy). Interleaved 8-second
runs, 8 clients: 171 tps with one process, 181 with two (mean of 9, noise about ±40);
16 clients: 163 with one, 145 with two (mean of 8). One process is simpler, starts
faster and profiles directly; revisit once core no longer serializes transfers on one row.
"""

# How long the parent waits for a worker process to start up (imports, pool) or report.
PROCESS_TIMEOUT = 120.0


class BenchError(Exception):
    """A run that cannot go on; ``exit_code`` 2 for bad options, 1 for failures."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class LedgerBenchOptions:
    database_url: str
    seconds: float = 10
    clients: int = 8
    accounts: int = 1000
    via: str = "service"
    api_url: str | None = None
    api_key: str | None = None  # for via="api" with api_url; else from TELLER_API_KEY
    processes: int = DEFAULT_PROCESSES  # via="service" only
    warmup: float = 1.0
    keep: bool = False  # keep the scratch database for inspection
    seed: int = 1  # account pairs and amounts are reproducible per worker
    pgbench_scale: int = 1


# -- results ------------------------------------------------------------------------------


@dataclass
class WorkloadResult:
    """What a set of workers did in the measured window (picklable across processes)."""

    completed: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)  # seconds, completed transfers
    elapsed: float = 0.0  # measured window, stretched to the last in-flight completion

    @property
    def tps(self) -> float:
        return self.completed / self.elapsed if self.elapsed > 0 else 0.0

    @classmethod
    def merged(cls, parts: Sequence[WorkloadResult]) -> WorkloadResult:
        total = cls()
        for part in parts:
            total.completed += part.completed
            total.rejected.update(part.rejected)
            total.errors.update(part.errors)
            total.latencies.extend(part.latencies)
            # Processes measure concurrent windows of equal length: the longest is the run.
            total.elapsed = max(total.elapsed, part.elapsed)
        return total


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..1) of ``samples``; 0 when there are none."""
    if not samples:
        return 0.0
    ordered = sorted(samples)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def summary_line(ledger_tps: float, pgbench_tps: float, latencies: Sequence[float],
                 invariants_ok: bool) -> str:
    ratio = ledger_tps / pgbench_tps if pgbench_tps > 0 else 0.0
    p50_ms = percentile(latencies, 0.50) * 1000
    p99_ms = percentile(latencies, 0.99) * 1000
    verdict = "ok" if invariants_ok else "FAILED"
    return (f"ledger_tps={ledger_tps:.1f} pgbench_tps={pgbench_tps:.1f} ratio={ratio:.2f} "
            f"p50_ms={p50_ms:.2f} p99_ms={p99_ms:.2f} invariants={verdict}")


def _say(text: str) -> None:
    print(f"[bench] {text}", flush=True)


# -- options and the scratch database ---------------------------------------------------


def measured_seconds(options: LedgerBenchOptions) -> int:
    """pgbench's ``-T`` takes whole seconds; Teller runs for exactly as long."""
    return max(1, round(options.seconds))


def _check_options(options: LedgerBenchOptions) -> URL:
    """Validate the options; returns the given database's URL. Raises exit-code-2 errors."""
    try:
        url = make_url(options.database_url)
    except Exception as exc:
        raise BenchError(f"not a database URL: {exc}", exit_code=2) from exc
    if url.get_backend_name() != "postgresql":
        raise BenchError(
            "teller bench ledger needs PostgreSQL (it compares against pgbench on the same "
            f"server); got a {url.get_backend_name()!r} URL", exit_code=2)
    problems = []
    if options.seconds <= 0:
        problems.append("seconds must be positive")
    if options.clients < 1:
        problems.append("clients must be at least 1")
    if options.accounts < 2:
        problems.append("accounts must be at least 2 (a transfer needs two)")
    if options.via not in ("service", "api"):
        problems.append("via is 'service' or 'api'")
    if options.processes < 1:
        problems.append("processes must be at least 1")
    if options.via == "api" and not (options.api_url and _api_key(options)):
        # Until the bench can start the API itself (see run_api_phase).
        problems.append("via=api needs api_url and an API key (api_key or TELLER_API_KEY)")
    if problems:
        raise BenchError("; ".join(problems), exit_code=2)
    return url


def scratch_url(url: URL) -> URL:
    """The scratch database's URL: ``<dbname>_bench`` on the same server, same credentials."""
    name = f"{url.database or url.username or 'postgres'}{SCRATCH_SUFFIX}"
    if len(name.encode()) > PG_MAX_IDENTIFIER:
        raise BenchError(f"scratch database name {name!r} is longer than PostgreSQL allows",
                         exit_code=2)
    return url.set(database=name)


def _asyncpg_dsn(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def _admin(url: URL, *statements: str) -> None:
    """Run statements outside a transaction on the given (not the scratch) database."""
    conn = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


async def recreate_database(admin_url: URL, name: str) -> None:
    ident = _quote_ident(name)
    # FORCE (PostgreSQL 13+) ends sessions a crashed earlier run may have left behind.
    await _admin(admin_url, f"DROP DATABASE IF EXISTS {ident} WITH (FORCE)",
                 f"CREATE DATABASE {ident}")


async def drop_database(admin_url: URL, name: str) -> None:
    await _admin(admin_url, f"DROP DATABASE IF EXISTS {_quote_ident(name)} WITH (FORCE)")


async def _checkpoint(url: URL) -> None:
    """Flush dirty pages now so that a checkpoint does not land inside a measurement."""
    try:
        await _admin(url, "CHECKPOINT")
    except asyncpg.PostgresError as exc:  # needs superuser or pg_checkpoint; only noise
        _say(f"no CHECKPOINT before measuring ({exc.__class__.__name__}); expect more noise")


# -- pgbench --------------------------------------------------------------------------------

# PostgreSQL 14+ says "without initial connection time"; older pgbench the second form.
_TPS = re.compile(
    r"^tps = ([0-9.]+) \((?:without initial connection time|excluding connections establishing)\)",
    re.MULTILINE,
)


def _pg_env(url: URL) -> dict[str, str]:
    """libpq settings for pgbench, from the URL (unset parts keep the environment's)."""
    env = dict(os.environ)
    host = url.host or url.query.get("host")
    for name, value in (("PGHOST", host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value:
            env[name] = str(value)
    return env


def _pgbench_executable() -> str:
    executable = shutil.which("pgbench") or "/usr/bin/pgbench"
    if not os.path.exists(executable):
        raise BenchError("pgbench is not installed (apt-get install postgresql-client)", 2)
    return executable


async def _pgbench(url: URL, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        _pgbench_executable(), *args, env=_pg_env(url),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await proc.communicate()
    text = output.decode(errors="replace")
    if proc.returncode != 0:
        raise BenchError(f"pgbench {' '.join(args)} failed ({proc.returncode}):\n{text[-2000:]}")
    return text


def parse_pgbench_tps(output: str) -> float:
    match = _TPS.search(output)
    if match is None:
        raise BenchError(f"no tps figure in pgbench's output:\n{output[-2000:]}")
    return float(match.group(1))


async def run_pgbench(url: URL, *, clients: int, seconds: int, warmup: float, scale: int
                      ) -> float:
    """Initialize pgbench's tables in the scratch database and return its measured tps."""
    await _pgbench(url, "-i", "-q", "-s", str(scale))
    common = ["-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)), "-n"]
    if warmup > 0:  # fills caches and the server's plan state, as Teller's warm-up does
        await _pgbench(url, *common, "-T", str(math.ceil(warmup)))
    await _checkpoint(url)
    return parse_pgbench_tps(await _pgbench(url, *common, "-T", str(seconds)))


# -- Teller: setup --------------------------------------------------------------------------


def _bank(db: Database) -> Bank:
    # Transfers never touch personal data, so a throwaway keyring is enough.
    return Bank.build(db, Keyring.parse_spec(*Keyring.generate_spec()), [CURRENCY])


async def open_funded_accounts(bank: Bank, count: int, concurrency: int) -> list[UUID]:
    """``count`` EUR accounts over a few customers, each funded with one deposit."""
    owners = []
    for number in range(math.ceil(count / ACCOUNTS_PER_CUSTOMER)):
        customer = await bank.customers.create(NewCustomer(f"Bench Customer {number + 1}"),
                                               SYSTEM)
        owners.append(customer.id)
    gate = asyncio.Semaphore(concurrency)

    async def open_one(index: int) -> UUID:
        async with gate:
            account = await bank.accounts.open(owners[index // ACCOUNTS_PER_CUSTOMER],
                                               CURRENCY, SYSTEM)
            await bank.ledger.deposit(
                Deposit(f"bench-fund-{account.id}", account.id, OPENING_BALANCE, CURRENCY),
                SYSTEM)
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


async def _worker(transfer: TransferFn, account_ids: Sequence[UUID], window: Window,
                  rng: random.Random, result: WorkloadResult) -> float:
    """Send transfers until the window ends; returns when the last one finished."""
    finished = window.end
    while (started := time.perf_counter()) < window.end:
        source, destination = rng.sample(account_ids, 2)
        amount = rng.randint(1, MAX_TRANSFER)
        error = None
        try:
            outcome = await transfer(source, destination, amount, str(uuid4()))
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


async def drive(transfer: TransferFn, account_ids: Sequence[UUID], clients: int,
                window: Window, seed: int) -> WorkloadResult:
    """Run ``clients`` workers over ``window`` and merge what they did."""
    parts = [WorkloadResult() for _ in range(clients)]
    # Seeded per worker: the same options replay the same pairs and amounts.
    rngs = [random.Random(seed * 1000 + i) for i in range(clients)]  # noqa: S311 -- test data
    last = await asyncio.gather(*(
        _worker(transfer, account_ids, window, rngs[i], parts[i]) for i in range(clients)))
    result = WorkloadResult.merged(parts)
    result.elapsed = max([window.end, *last]) - window.measure_from
    return result


def service_transfer(bank: Bank) -> TransferFn:
    async def transfer(source: UUID, destination: UUID, amount: int, key: str) -> Outcome:
        try:
            await bank.ledger.transfer(
                Transfer(key, source, destination, amount, CURRENCY, "bench"), BENCH_ACTOR)
        except CoreError as exc:
            return exc.code
        return None

    return transfer


async def _warm_pool(db: Database, connections: int) -> None:
    """Open the pool's connections before the clock starts (pgbench excludes this too)."""

    async def touch() -> None:
        async with db.read() as conn:
            await conn.exec_driver_sql("SELECT 1")

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


@asynccontextmanager
async def _job_bank(job: Job) -> AsyncIterator[Bank]:
    db = Database(job.database_url, pool_size=max(job.clients, 1))
    try:
        await _warm_pool(db, job.clients)
        yield _bank(db)
    finally:
        await db.dispose()


async def run_job(job: Job) -> WorkloadResult:
    """The service workload in this process (used for ``processes=1``)."""
    async with _job_bank(job) as bank:
        window = Window.starting_now(job.warmup, job.seconds)
        return await drive(service_transfer(bank), job.account_ids, job.clients, window,
                           job.seed)


# -- Teller: worker processes ----------------------------------------------------------------


async def _child(job: Job, start: Any, results: Any) -> WorkloadResult:
    async with _job_bank(job) as bank:
        results.put(("ready", None))
        # All processes start their window together, once every one has its pool open.
        if not await asyncio.to_thread(start.wait, PROCESS_TIMEOUT):
            raise BenchError("the parent never gave the start signal")
        window = Window.starting_now(job.warmup, job.seconds)
        return await drive(service_transfer(bank), job.account_ids, job.clients, window,
                           job.seed)


def _child_main(job: Job, start: Any, results: Any) -> None:
    """Entry point of a worker process: one event loop, one Database, its share of clients."""
    try:
        results.put(("ok", asyncio.run(_child(job, start, results))))
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
                raise BenchError(f"a worker process sent no {kind!r} within {wait:.0f} s"
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
    procs = [ctx.Process(target=_child_main, args=(job, start, results), daemon=True)
             for job in jobs]
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


async def run_service_phase(options: LedgerBenchOptions, url: URL, account_ids: list[UUID]
                            ) -> WorkloadResult:
    seconds = measured_seconds(options)
    shares = split_clients(options.clients, options.processes)
    jobs = [Job(url.render_as_string(hide_password=False), account_ids, share, seconds,
                options.warmup, options.seed + 7919 * n) for n, share in enumerate(shares)]
    _say(f"teller: {options.clients} clients in {len(jobs)} process(es), "
         f"{options.warmup:g} s warm-up + {seconds} s")
    if len(jobs) == 1:
        return await run_job(jobs[0])  # in this process: simplest to profile
    return await run_processes(jobs)


# -- Teller over the REST API ------------------------------------------------------------------


async def _run_via_api(api_url: str, api_key: str, account_ids: Sequence[UUID], clients: int,
                       seconds: float, warmup: float, seed: int) -> WorkloadResult:
    """The transfer workload through ``POST /api/v1/transfers`` instead of the service.

    Contract: headers ``Idempotency-Key`` and ``X-API-Key``, a JSON body with the two
    account ids, ``amount_minor``, ``currency`` and ``description``; 201 on success, a
    problem+json body with the core's ``code`` on a rejection. The API must serve the
    scratch database (its accounts are the ones created here).
    """
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"X-API-Key": api_key}
    async with httpx.AsyncClient(base_url=api_url, limits=limits, headers=headers,
                                 timeout=30.0) as client:

        async def transfer(source: UUID, destination: UUID, amount: int, key: str
                           ) -> Outcome:
            response = await client.post("/api/v1/transfers", headers={"Idempotency-Key": key},
                                         json={"source_account_id": str(source),
                                               "destination_account_id": str(destination),
                                               "amount_minor": amount, "currency": CURRENCY,
                                               "description": "bench"})
            if response.status_code == 201:
                return None
            if 400 <= response.status_code < 500:
                return _problem_code(response)
            response.raise_for_status()  # 5xx: an error, not a rejection
            raise httpx.HTTPError(f"unexpected status {response.status_code}")

        window = Window.starting_now(warmup, seconds)
        return await drive(transfer, account_ids, clients, window, seed)


def _problem_code(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return str(body["code"])
    return f"HTTP_{response.status_code}"


def _api_key(options: LedgerBenchOptions) -> str | None:
    return options.api_key or os.environ.get("TELLER_API_KEY") or None


async def run_api_phase(options: LedgerBenchOptions, account_ids: list[UUID]) -> WorkloadResult:
    """Wiring for ``via="api"``: for now against a running API given by ``api_url``.

    To do when ``teller.app`` and API keys exist: with no ``api_url``, create a key in the
    scratch database, start ``python -m uvicorn teller.app:create_app --factory --port P``
    with ``TELLER_DATABASE_URL`` set to the scratch database, wait for ``/readyz``, run,
    then stop the server.
    """
    api_key = _api_key(options)
    if options.api_url is None or api_key is None:
        raise BenchError("via=api needs api_url and an API key (api_key or TELLER_API_KEY)", 2)
    seconds = measured_seconds(options)
    _say(f"teller via {options.api_url}: {options.clients} clients, "
         f"{options.warmup:g} s warm-up + {seconds} s")
    return await _run_via_api(options.api_url, api_key, account_ids, options.clients, seconds,
                              options.warmup, options.seed)


# -- verification and the whole run ------------------------------------------------------------


async def verify(bank: Bank) -> list[str]:
    ledger = await bank.verify_ledger()
    audit = await bank.verify_audit()
    _say(f"verified {ledger.entries} entries, {ledger.postings} postings, "
         f"{audit.records} audit records")
    return [*ledger.problems, *audit.problems]


def _report(result: WorkloadResult) -> None:
    _say(f"teller: {result.completed} transfers in {result.elapsed:.2f} s "
         f"({result.tps:.1f} tps)")
    if result.rejected:
        _say("rejected: " + ", ".join(f"{c}={n}" for c, n in sorted(result.rejected.items())))
    if result.errors:
        _say("ERRORS: " + ", ".join(f"{c}={n}" for c, n in sorted(result.errors.items())))


async def _setup_teller(scratch: URL, accounts: int, concurrency: int) -> list[UUID]:
    """Migrate the scratch database and open the funded accounts; returns their ids."""
    db = Database(scratch.render_as_string(hide_password=False), pool_size=concurrency)
    try:
        bank = _bank(db)
        await bank.prepare()
        started = time.perf_counter()
        account_ids = await open_funded_accounts(bank, accounts, concurrency)
        _say(f"teller: {len(account_ids)} funded accounts in "
             f"{time.perf_counter() - started:.1f} s")
        return account_ids
    finally:
        # Closed before measuring, so idle setup connections do not count against the
        # server's max_connections while the workers run.
        await db.dispose()


async def _verify_scratch(scratch: URL) -> list[str]:
    db = Database(scratch.render_as_string(hide_password=False), pool_size=1)
    try:
        return await verify(_bank(db))
    finally:
        await db.dispose()


async def _bench(options: LedgerBenchOptions, url: URL, scratch: URL) -> int:
    seconds = measured_seconds(options)
    _say(f"pgbench: scale {options.pgbench_scale}, {options.clients} clients, {seconds} s")
    pgbench_tps = await run_pgbench(scratch, clients=options.clients, seconds=seconds,
                                    warmup=options.warmup, scale=options.pgbench_scale)
    _say(f"pgbench: {pgbench_tps:.1f} tps")

    account_ids = await _setup_teller(scratch, options.accounts, options.clients)
    await _checkpoint(url)
    if options.via == "api":
        result = await run_api_phase(options, account_ids)
    else:
        result = await run_service_phase(options, scratch, account_ids)
    _report(result)
    problems = await _verify_scratch(scratch)

    _say("invariants=ok" if not problems else "invariants=FAILED")
    for problem in problems:
        _say(f"  {problem}")
    print(summary_line(result.tps, pgbench_tps, result.latencies, not problems), flush=True)
    return 1 if problems or result.errors else 0


async def run_ledger_bench(options: LedgerBenchOptions) -> int:
    """Run the whole benchmark; returns the exit code (0 ok, 1 failed, 2 bad options)."""
    try:
        url = _check_options(options)
        scratch = scratch_url(url)
        assert scratch.database is not None
        _say(f"scratch database {scratch.database} on {url.host or 'localhost'}")
        await recreate_database(url, scratch.database)
    except (BenchError, OSError, asyncpg.PostgresError) as exc:
        print(f"teller bench ledger: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code if isinstance(exc, BenchError) else 2
    try:
        return await _bench(options, url, scratch)
    except BenchError as exc:
        print(f"teller bench ledger: {exc}", file=sys.stderr, flush=True)
        return exc.exit_code
    finally:
        await _cleanup(options, url, scratch.database)


async def _cleanup(options: LedgerBenchOptions, url: URL, name: str) -> None:
    if options.keep:  # on stderr: the summary stays the last line of stdout
        print(f"teller bench ledger: kept scratch database {name}", file=sys.stderr)
        return
    try:
        await drop_database(url, name)
    except (OSError, asyncpg.PostgresError) as exc:  # reported; the figures still stand
        print(f"teller bench ledger: could not drop {name}: {exc}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m teller.bench.ledger``: the same run without the ``teller`` command."""
    parser = argparse.ArgumentParser(prog="python -m teller.bench.ledger")
    parser.add_argument("--database-url", default=os.environ.get("TELLER_DATABASE_URL"))
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--via", choices=("service", "api"), default="service")
    parser.add_argument("--api-url")
    parser.add_argument("--api-key")
    parser.add_argument("--processes", type=int, default=DEFAULT_PROCESSES)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or TELLER_DATABASE_URL is required")
    options = LedgerBenchOptions(
        database_url=args.database_url, seconds=args.seconds, clients=args.clients,
        accounts=args.accounts, via=args.via, api_url=args.api_url, api_key=args.api_key,
        processes=args.processes, warmup=args.warmup, keep=args.keep)
    return asyncio.run(run_ledger_bench(options))


if __name__ == "__main__":
    sys.exit(main())
