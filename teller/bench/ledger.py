"""``teller bench ledger``: Teller's transfer throughput next to pgbench on the same server.

One run does, in a scratch database ``<dbname>_bench`` created next to the given one (so a
benchmark never touches real data, and is dropped at the end unless ``keep`` is set):

1. pgbench's built-in TPC-B-like workload (``pgbench -M prepared``), the physical
   reference: what this server does with a short, contended read-write transaction.
2. Teller's workload: ``accounts`` funded EUR accounts, then ``clients`` concurrent workers
   sending transfers between random distinct pairs, each with a fresh idempotency key,
   through the ledger service (or the REST API with ``via="api"``).
3. ``verify_ledger`` and ``verify_audit`` over everything the run wrote.

With ``via="api"`` and no ``api_url`` the run is self-contained: it creates an API key
(role ``bank.payments``) in the scratch database, starts the API (``uvicorn
teller.app:create_app``, in ``api_processes`` processes: see ``DEFAULT_API_PROCESSES``)
on free local ports, waits for ``/readyz``, sends the transfers over HTTP/1.1 keep-alive
connections and stops the servers before verifying. With ``api_url`` (and ``api_key`` or
``TELLER_API_KEY``) it drives that running API instead, which must serve the scratch
database.

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
``DEFAULT_PROCESSES`` for why the default is two.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import math
import multiprocessing
import os
import queue
import random
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from sqlalchemy.engine import URL, make_url

from core.actors import SYSTEM, Actor, ActorKind
from core.api.apikeys import ApiKeys
from core.bank import Bank
from core.clock import SystemClock
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

DEFAULT_PROCESSES = 2
"""Two processes: the client's CPU is half of the work, and this machine has two cores.

With the ledger's PostgreSQL store a transfer costs about 0.8 ms of client CPU in five
round trips, and the audit log no longer serializes transfers on one row, so a second
process overlaps client work with the server's. Back to back, 10 s, 8 clients: 747 tps with
one process, 899 with two; 16 clients with two: 802 tps against pgbench's 1,694. (Before
the store, when one audit row serialized everything, a second process bought nothing.)
"""

# How long the parent waits for a worker process to start up (imports, pool) or report.
PROCESS_TIMEOUT = 120.0

DEFAULT_API_PROCESSES = 2
"""Two API servers, each a single-worker uvicorn on its own port, the clients split evenly
between them: faster than one on the 2-core machine this was tuned on, and far faster than
one server with ``uvicorn --workers 2``.

One uvicorn process is CPU bound (h11, FastAPI, pydantic and the core's statements on one
core) while PostgreSQL and the bench's own httpx client leave part of the second core
idle, which a second server uses. Interleaved 8-second runs (core at 3ab29d1): 8 clients,
240 tps with one process, 273 with two (mean of 12, noise about ±40; two won 9 of 12
pairs); 16 clients, 223 with one, 305 with two (mean of 3).

Not ``--workers 2``, which measured 120 tps with 8 clients (mean of 6), for two reasons.
uvicorn's supervisor binds the listening socket itself without ``IPPROTO_TCP``, so asyncio
does not set TCP_NODELAY on accepted connections and each keep-alive request waits about
40 ms for the client's delayed ACK (Nagle; uvicorn 0.54 on Linux, Kludex/uvicorn#3149:
45.7 ms per sequential ``GET /healthz`` against 1.6 ms with one worker). And the workers
share one listening socket, so the first to wake accepts the whole burst of keep-alive
connections: 8/0 or 6/2 splits in most runs, the other worker idle. Separate ports make
the split exact and keep asyncio's TCP_NODELAY.
"""

API_HOST = "127.0.0.1"
API_CLIENT_NAME = "bench"
API_READY_TIMEOUT = 60.0  # from starting the server until /readyz answers 200
API_STOP_TIMEOUT = 10.0  # from SIGTERM until the server is killed
API_OUTPUT_KEPT = 16 * 1024  # bytes of the server's output kept for error messages

KeySpec = tuple[str, str]
"""A keyring's configuration, ``(TELLER_ENCRYPTION_KEYS, TELLER_INDEX_KEY)``: one per run,
shared by the bench and the API servers it starts."""


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
    api_processes: int = DEFAULT_API_PROCESSES  # via="api" without api_url: API servers
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


def summary_line(
    ledger_tps: float, pgbench_tps: float, latencies: Sequence[float], invariants_ok: bool
) -> str:
    ratio = ledger_tps / pgbench_tps if pgbench_tps > 0 else 0.0
    p50_ms = percentile(latencies, 0.50) * 1000
    p99_ms = percentile(latencies, 0.99) * 1000
    verdict = "ok" if invariants_ok else "FAILED"
    return (
        f"ledger_tps={ledger_tps:.1f} pgbench_tps={pgbench_tps:.1f} ratio={ratio:.2f} "
        f"p50_ms={p50_ms:.2f} p99_ms={p99_ms:.2f} invariants={verdict}"
    )


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
            f"server); got a {url.get_backend_name()!r} URL",
            exit_code=2,
        )
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
    if options.api_processes < 1:
        problems.append("api_processes must be at least 1")
    if options.via == "api" and options.api_url and not _api_key(options):
        problems.append("via=api with api_url needs an API key (api_key or TELLER_API_KEY)")
    if problems:
        raise BenchError("; ".join(problems), exit_code=2)
    return url


def scratch_url(url: URL) -> URL:
    """The scratch database's URL: ``<dbname>_bench`` on the same server, same credentials."""
    name = f"{url.database or url.username or 'postgres'}{SCRATCH_SUFFIX}"
    if len(name.encode()) > PG_MAX_IDENTIFIER:
        raise BenchError(
            f"scratch database name {name!r} is longer than PostgreSQL allows", exit_code=2
        )
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
    await _admin(
        admin_url, f"DROP DATABASE IF EXISTS {ident} WITH (FORCE)", f"CREATE DATABASE {ident}"
    )


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
    for name, value in (
        ("PGHOST", host),
        ("PGPORT", url.port),
        ("PGUSER", url.username),
        ("PGPASSWORD", url.password),
        ("PGDATABASE", url.database),
    ):
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
        _pgbench_executable(),
        *args,
        env=_pg_env(url),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
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


async def run_pgbench(url: URL, *, clients: int, seconds: int, warmup: float, scale: int) -> float:
    """Initialize pgbench's tables in the scratch database and return its measured tps."""
    await _pgbench(url, "-i", "-q", "-s", str(scale))
    common = ["-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2)), "-n"]
    if warmup > 0:  # fills caches and the server's plan state, as Teller's warm-up does
        await _pgbench(url, *common, "-T", str(math.ceil(warmup)))
    await _checkpoint(url)
    return parse_pgbench_tps(await _pgbench(url, *common, "-T", str(seconds)))


# -- Teller: setup --------------------------------------------------------------------------


def _bank(db: Database, keys: KeySpec) -> Bank:
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
        yield _bank(db, job.keys)
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
    _say(
        f"teller: {options.clients} clients in {len(jobs)} process(es), "
        f"{options.warmup:g} s warm-up + {seconds} s"
    )
    if len(jobs) == 1:
        return await run_job(jobs[0])  # in this process: simplest to profile
    return await run_processes(jobs)


# -- Teller over the REST API ------------------------------------------------------------------


class ApiFailure(Exception):
    """A response that is neither a 201 nor the core's rejection of the transfer (a 5xx, or
    a 401/403 that means the bench's own key is wrong): counted as an error by its code."""


async def _run_via_api(
    api_urls: Sequence[str],
    api_key: str,
    account_ids: Sequence[UUID],
    clients: int,
    seconds: float,
    warmup: float,
    seed: int,
    *,
    trust_env: bool = True,
) -> WorkloadResult:
    """The transfer workload through ``POST /api/v1/transfers`` instead of the service.

    Contract: headers ``Idempotency-Key`` (fresh per transfer) and ``X-API-Key``, a JSON body
    with the two account ids, ``amount_minor``, ``currency`` and ``description``; 201 on
    success, a problem+json body with the core's ``code`` on a rejection. The API must serve
    the scratch database (its accounts are the ones created here).

    Client ``i`` talks to ``api_urls[i % len(api_urls)]``, each over one HTTP/1.1 keep-alive
    connection (an httpx pool per URL, as large as its share of the clients), opened during
    the warm-up.
    """
    shares = split_clients(clients, len(api_urls))
    async with AsyncExitStack() as stack:
        transfers = []
        for api_url, share in zip(api_urls, shares, strict=False):
            limits = httpx.Limits(max_connections=share, max_keepalive_connections=share)
            client = await stack.enter_async_context(
                httpx.AsyncClient(
                    base_url=api_url,
                    limits=limits,
                    headers={"X-API-Key": api_key},
                    timeout=30.0,
                    trust_env=trust_env,
                )
            )
            transfers.append(_api_transfer(client))
        window = Window.starting_now(warmup, seconds)
        return await drive(transfers, account_ids, clients, window, seed)


def _api_transfer(client: httpx.AsyncClient) -> TransferFn:
    async def transfer(source: UUID, destination: UUID, amount: int, key: str) -> Outcome:
        response = await client.post(
            "/api/v1/transfers",
            headers={"Idempotency-Key": key},
            json={
                "source_account_id": str(source),
                "destination_account_id": str(destination),
                "amount_minor": amount,
                "currency": CURRENCY,
                "description": "bench",
            },
        )
        status = response.status_code
        if status == 201:
            return None
        if status in (401, 403) or not 400 <= status < 500:
            raise ApiFailure(_problem_code(response))
        return _problem_code(response)

    return transfer


@contextmanager
def _quiet_logger(name: str, level: int) -> Iterator[None]:
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(max(level, logger.getEffectiveLevel()))
    try:
        yield
    finally:
        logger.setLevel(before)


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


def free_ports(count: int, host: str = API_HOST) -> list[int]:
    """``count`` distinct ports nothing listens on right now (the servers bind them a moment
    later): all held at once while choosing, so that no port is handed out twice."""
    with ExitStack() as stack:
        socks = [
            stack.enter_context(socket.socket(socket.AF_INET, socket.SOCK_STREAM))
            for _ in range(count)
        ]
        for sock in socks:
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in socks]


def api_server_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "teller.app:create_app",
        "--factory",
        "--host",
        API_HOST,
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]


def api_server_env(database: URL, data_dir: str, keys: KeySpec, pool_size: int) -> dict[str, str]:
    """A server's environment: this one without ``TELLER_*`` (a developer's settings, say a
    Redis URL or an OIDC issuer, must not change what is measured), plus the scratch
    database, the run's keyring and a pool as large as the server's share of the clients.

    The currencies are the bench's own: the bank's accounts in them exist by then, so the
    servers' startup (``Bank.prepare``) writes nothing. With more currencies, servers starting
    together would race to create the missing bank accounts, and all but one fail to start.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("TELLER_")}
    env.update(
        {
            "TELLER_DATABASE_URL": database.render_as_string(hide_password=False),
            "TELLER_DATA_DIR": data_dir,
            "TELLER_RUN_JOBS": "false",
            "TELLER_LOG_LEVEL": "WARNING",
            "TELLER_ENCRYPTION_KEYS": keys[0],
            "TELLER_INDEX_KEY": keys[1],
            "TELLER_DATABASE_POOL_SIZE": str(pool_size),
            "TELLER_CURRENCIES": CURRENCY,
        }
    )
    return env


class ServerOutput:
    """The last ``API_OUTPUT_KEPT`` bytes of a server's stdout and stderr; read all along,
    so that a chatty server never blocks on a full pipe."""

    def __init__(self, stream: asyncio.StreamReader) -> None:
        self._data = bytearray()
        self._reader = asyncio.create_task(self._read(stream))

    async def _read(self, stream: asyncio.StreamReader) -> None:
        while chunk := await stream.read(4096):
            self._data += chunk
            del self._data[:-API_OUTPUT_KEPT]

    async def close(self, wait: float = 5.0) -> None:
        """Read until the server's end of the pipe closes, or for ``wait`` seconds."""
        if not self._reader.done():
            await asyncio.wait([self._reader], timeout=wait)
        if self._reader.done() and not self._reader.cancelled():
            self._reader.exception()  # a failed read only shortens the output
        self._reader.cancel()

    def text(self) -> str:
        return self._data.decode(errors="replace").strip() or "(no output)"


@dataclass
class ApiServer:
    """One ``uvicorn teller.app:create_app`` process (one worker) and its output."""

    url: str
    process: asyncio.subprocess.Process
    output: ServerOutput

    @classmethod
    async def start(
        cls, database: URL, keys: KeySpec, port: int, data_dir: str, pool_size: int
    ) -> ApiServer:
        try:
            process = await asyncio.create_subprocess_exec(
                *api_server_command(port),
                env=api_server_env(database, data_dir, keys, pool_size),
                cwd=data_dir,  # so no .env file, only the environment, configures it
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
                start_new_session=True,  # its own process group: see stop
            )
        except OSError as exc:
            raise BenchError(f"cannot start the API server: {exc}") from exc
        assert process.stdout is not None
        return cls(f"http://{API_HOST}:{port}", process, ServerOutput(process.stdout))

    async def wait_ready(self, deadline: float) -> None:
        """Poll ``/readyz`` until it answers 200; fail with the server's output if it exits
        first or is not ready by ``deadline`` (``time.monotonic``)."""
        last = "no answer"
        async with httpx.AsyncClient(base_url=self.url, timeout=5.0, trust_env=False) as probe:
            while self.process.returncode is None:
                try:
                    response = await probe.get("/readyz")
                except httpx.TransportError as exc:
                    last = type(exc).__name__
                else:
                    if response.status_code == 200:
                        return
                    last = f"{response.status_code} {response.text[:500]}"
                if time.monotonic() >= deadline:
                    await self.stop()
                    raise BenchError(
                        f"the API server at {self.url} was not ready within "
                        f"{API_READY_TIMEOUT:g} s (last /readyz: {last}); its "
                        f"output:\n{self.output.text()}"
                    )
                await asyncio.sleep(0.1)
        raise await self.died("before it was ready")

    async def died(self, when: str) -> BenchError:
        await self.output.close()
        return BenchError(
            f"the API server at {self.url} exited with code "
            f"{self.process.returncode} {when}; its output:\n{self.output.text()}"
        )

    async def stop(self, grace: float = API_STOP_TIMEOUT) -> None:
        """SIGTERM, on which uvicorn finishes the requests in flight and shuts the app down
        (closing its database pool); SIGKILL to the server's process group if it is still
        running ``grace`` seconds later. Then reads the rest of its output."""
        process = self.process
        try:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await asyncio.wait_for(process.wait(), grace)
        except ProcessLookupError:
            pass
        except TimeoutError:
            _say(
                f"the API server at {self.url} did not stop within {grace:g} s of SIGTERM; "
                "killing it"
            )
            with suppress(ProcessLookupError):
                # Our own child's group, and its leader is not reaped yet: nobody else's.
                os.killpg(process.pid, signal.SIGKILL)
            await process.wait()
        await self.output.close()


@asynccontextmanager
async def api_servers(
    database: URL, keys: KeySpec, pool_sizes: Sequence[int]
) -> AsyncIterator[list[ApiServer]]:
    """One API server per entry of ``pool_sizes``, each on its own free local port, all
    ready (``/readyz`` answered 200) when this yields; all stopped when the block ends,
    however it ends. They start together, so two take about as long as one."""
    with tempfile.TemporaryDirectory(prefix="teller-bench-api-") as data_dir:
        servers: list[ApiServer] = []
        try:
            for port, pool_size in zip(free_ports(len(pool_sizes)), pool_sizes, strict=True):
                servers.append(await ApiServer.start(database, keys, port, data_dir, pool_size))
            deadline = time.monotonic() + API_READY_TIMEOUT
            for server in servers:
                await server.wait_ready(deadline)
            yield servers
        finally:
            await asyncio.gather(*(server.stop() for server in servers))


async def run_api_phase(
    options: LedgerBenchOptions,
    url: URL,
    scratch: URL,
    account_ids: list[UUID],
    keys: KeySpec,
    api_key: str | None,
) -> WorkloadResult:
    """``via="api"``: against ``api_url`` if given, else against ``api_processes`` API
    servers started here on the scratch database, with ``api_key`` (the setup made it)."""
    # httpx logs every request at INFO: in the measured process, that is work to leave out.
    with _quiet_logger("httpx", logging.WARNING):
        return await _api_phase(options, url, scratch, account_ids, keys, api_key)


async def _api_phase(
    options: LedgerBenchOptions,
    url: URL,
    scratch: URL,
    account_ids: list[UUID],
    keys: KeySpec,
    api_key: str | None,
) -> WorkloadResult:
    seconds = measured_seconds(options)
    window = f"{options.clients} clients, {options.warmup:g} s warm-up + {seconds} s"
    if options.api_url is not None:
        external_key = _api_key(options)
        if external_key is None:
            raise BenchError(
                "via=api with api_url needs an API key (api_key or TELLER_API_KEY)", exit_code=2
            )
        _say(f"teller via {options.api_url}: {window}")
        await _checkpoint(url)
        return await _run_via_api(
            [options.api_url],
            external_key,
            account_ids,
            options.clients,
            seconds,
            options.warmup,
            options.seed,
        )
    assert api_key is not None, "the setup creates a key when the bench starts the API"
    shares = split_clients(options.clients, options.api_processes)
    started = time.perf_counter()
    async with api_servers(scratch, keys, shares) as servers:
        _say(
            f"api: {len(servers)} uvicorn process(es) ready in "
            f"{time.perf_counter() - started:.1f} s at {', '.join(s.url for s in servers)}"
        )
        _say(f"teller via the api: {window}")
        await _checkpoint(url)
        result = await _run_via_api(
            [s.url for s in servers],
            api_key,
            account_ids,
            options.clients,
            seconds,
            options.warmup,
            options.seed,
            trust_env=False,
        )
        for server in servers:
            if server.process.returncode is not None:
                raise await server.died("during the run")
    if result.errors:  # the servers are stopped: their output is complete
        for server in servers:
            print(
                f"teller bench ledger: output of the API server at {server.url}:\n"
                f"{server.output.text()}",
                file=sys.stderr,
                flush=True,
            )
    return result


# -- verification and the whole run ------------------------------------------------------------


async def verify(bank: Bank) -> list[str]:
    ledger = await bank.verify_ledger()
    audit = await bank.verify_audit()
    _say(
        f"verified {ledger.entries} entries, {ledger.postings} postings, "
        f"{audit.records} audit records"
    )
    return [*ledger.problems, *audit.problems]


def _report(result: WorkloadResult) -> None:
    _say(f"teller: {result.completed} transfers in {result.elapsed:.2f} s ({result.tps:.1f} tps)")
    if result.rejected:
        _say("rejected: " + ", ".join(f"{c}={n}" for c, n in sorted(result.rejected.items())))
    if result.errors:
        _say("ERRORS: " + ", ".join(f"{c}={n}" for c, n in sorted(result.errors.items())))


@dataclass(frozen=True)
class TellerSetup:
    account_ids: list[UUID]
    api_key: str | None  # role bank.payments, for the API server the bench starts


async def _setup_teller(
    scratch: URL, accounts: int, concurrency: int, keys: KeySpec, *, api_key: bool = False
) -> TellerSetup:
    """Migrate the scratch database, open the funded accounts and, with ``api_key``, create
    an API client allowed to make transfers."""
    db = Database(scratch.render_as_string(hide_password=False), pool_size=concurrency)
    try:
        bank = _bank(db, keys)
        await bank.prepare()
        started = time.perf_counter()
        account_ids = await open_funded_accounts(bank, accounts, concurrency)
        _say(
            f"teller: {len(account_ids)} funded accounts in {time.perf_counter() - started:.1f} s"
        )
        key = None
        if api_key:
            _, key = await ApiKeys(db, SystemClock()).create(
                API_CLIENT_NAME, ["bank.payments"], SYSTEM
            )
        return TellerSetup(account_ids, key)
    finally:
        # Closed before measuring, so idle setup connections do not count against the
        # server's max_connections while the workers run.
        await db.dispose()


async def _verify_scratch(scratch: URL, keys: KeySpec) -> list[str]:
    db = Database(scratch.render_as_string(hide_password=False), pool_size=1)
    try:
        return await verify(_bank(db, keys))
    finally:
        await db.dispose()


async def _bench(options: LedgerBenchOptions, url: URL, scratch: URL) -> int:
    seconds = measured_seconds(options)
    _say(f"pgbench: scale {options.pgbench_scale}, {options.clients} clients, {seconds} s")
    pgbench_tps = await run_pgbench(
        scratch,
        clients=options.clients,
        seconds=seconds,
        warmup=options.warmup,
        scale=options.pgbench_scale,
    )
    _say(f"pgbench: {pgbench_tps:.1f} tps")

    keys = Keyring.generate_spec()
    start_api = options.via == "api" and options.api_url is None
    setup = await _setup_teller(
        scratch, options.accounts, options.clients, keys, api_key=start_api
    )
    if options.via == "api":  # checkpoints once the server is up
        result = await run_api_phase(options, url, scratch, setup.account_ids, keys, setup.api_key)
    else:
        await _checkpoint(url)
        result = await run_service_phase(options, scratch, setup.account_ids, keys)
    _report(result)
    problems = await _verify_scratch(scratch, keys)

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
    parser.add_argument("--api-processes", type=int, default=DEFAULT_API_PROCESSES)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url or TELLER_DATABASE_URL is required")
    options = LedgerBenchOptions(
        database_url=args.database_url,
        seconds=args.seconds,
        clients=args.clients,
        accounts=args.accounts,
        via=args.via,
        api_url=args.api_url,
        api_key=args.api_key,
        processes=args.processes,
        api_processes=args.api_processes,
        warmup=args.warmup,
        keep=args.keep,
    )
    return asyncio.run(run_ledger_bench(options))


if __name__ == "__main__":
    sys.exit(main())
