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
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
import uvloop
from sqlalchemy.engine import URL

from core.actors import SYSTEM
from core.api.apikeys import ApiKeys
from core.bank import Bank
from core.clock import SystemClock
from core.crypto import Keyring
from core.persistence.database import Database
from teller.bench.api_phase import api_server_command, api_server_env, api_servers, run_api_phase
from teller.bench.options import (
    API_CLIENT_NAME,
    DEFAULT_API_PROCESSES,
    DEFAULT_PROCESSES,
    BenchError,
    KeySpec,
    LedgerBenchOptions,
)
from teller.bench.postgres import (
    check_options,
    checkpoint,
    drop_database,
    measured_seconds,
    recreate_database,
    run_pgbench,
    scratch_url,
)
from teller.bench.results import WorkloadResult, say, summary_line
from teller.bench.service_phase import open_bank, open_funded_accounts, run_service_phase

# The benchmark's public surface, re-exported for callers and tests.
__all__ = [
    "BenchError",
    "LedgerBenchOptions",
    "api_server_command",
    "api_server_env",
    "api_servers",
    "main",
    "run_ledger_bench",
]


# -- verification and the whole run ------------------------------------------------------------


async def verify(bank: Bank) -> list[str]:
    ledger = await bank.verify_ledger()
    audit = await bank.verify_audit()
    say(
        f"verified {ledger.entries} entries, {ledger.postings} postings, "
        f"{audit.records} audit records"
    )
    return [*ledger.problems, *audit.problems]


def _report(result: WorkloadResult) -> None:
    say(f"teller: {result.completed} transfers in {result.elapsed:.2f} s ({result.tps:.1f} tps)")
    if result.rejected:
        say("rejected: " + ", ".join(f"{c}={n}" for c, n in sorted(result.rejected.items())))
    if result.errors:
        say("ERRORS: " + ", ".join(f"{c}={n}" for c, n in sorted(result.errors.items())))


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
        bank = open_bank(db, keys)
        await bank.prepare()
        started = time.perf_counter()
        account_ids = await open_funded_accounts(bank, accounts, concurrency)
        say(f"teller: {len(account_ids)} funded accounts in {time.perf_counter() - started:.1f} s")
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
        return await verify(open_bank(db, keys))
    finally:
        await db.dispose()


async def _bench(options: LedgerBenchOptions, url: URL, scratch: URL) -> int:
    seconds = measured_seconds(options)
    say(f"pgbench: scale {options.pgbench_scale}, {options.clients} clients, {seconds} s")
    pgbench_tps = await run_pgbench(
        scratch,
        clients=options.clients,
        seconds=seconds,
        warmup=options.warmup,
        scale=options.pgbench_scale,
    )
    say(f"pgbench: {pgbench_tps:.1f} tps")

    keys = Keyring.generate_spec()
    start_api = options.via == "api" and options.api_url is None
    setup = await _setup_teller(
        scratch, options.accounts, options.clients, keys, api_key=start_api
    )
    if options.via == "api":  # checkpoints once the server is up
        result = await run_api_phase(options, url, scratch, setup.account_ids, keys, setup.api_key)
    else:
        await checkpoint(url)
        result = await run_service_phase(options, scratch, setup.account_ids, keys)
    _report(result)
    problems = await _verify_scratch(scratch, keys)

    say("invariants=ok" if not problems else "invariants=FAILED")
    for problem in problems:
        say(f"  {problem}")
    print(summary_line(result.tps, pgbench_tps, result.latencies, not problems), flush=True)
    return 1 if problems or result.errors else 0


async def run_ledger_bench(options: LedgerBenchOptions) -> int:
    """Run the whole benchmark; returns the exit code (0 ok, 1 failed, 2 bad options)."""
    try:
        url = check_options(options)
        scratch = scratch_url(url)
        assert scratch.database is not None
        say(f"scratch database {scratch.database} on {url.host or 'localhost'}")
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
    return uvloop.run(run_ledger_bench(options))


if __name__ == "__main__":
    sys.exit(main())
